"""Line 2: the empirical seasonal comparison with the normal earlier years.

The log change from the reference month to each month of the window is set against the same
calendar change in the normal earlier years (:mod:`borderforecast.assessment.normal`): its
percentile and robust z-score. Nothing is modelled; this is the sceptic's "summers always
dip" check done with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .normal import NormalYears
from .options import Window
from .robust import log_counts, mad, percentile_of, rank_p, robust_z


@dataclass(frozen=True)
class EmpiricalComparison:
    """The window's changes from the reference month against earlier years.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per window month: ``change`` (log), ``change_pct``, ``n_years``,
        ``median`` (log, earlier years), ``percentile``, ``robust_z``, ``rank_p``,
        ``lowest``, ``highest`` (log).
    history : pandas.Series
        The reference-to-end log change in each earlier year, indexed by the year of
        the end month.
    change, change_pct : float
        The reference-to-end change (the row of the end month).
    percentile, robust_z, rank_p : float
        Where the window statistic (see :func:`empirical`) sits among the normal years.
    """

    frame: pd.DataFrame
    history: pd.Series
    change: float
    change_pct: float
    median_pct: float
    percentile: float
    robust_z: float
    rank_p: float
    n_years: int
    stat: float = float("nan")
    """Mean log change from the reference month over the window's months."""
    stat_median: float = float("nan")
    """Median of that statistic in the normal earlier years."""
    stat_scale: float = float("nan")
    """Its robust spread there (never below the floor): the normal years' own variation."""

    @property
    def direction(self) -> str:
        return "decline" if self.robust_z < 0 else "rise"

    def to_dict(self) -> dict[str, Any]:
        return {
            "change_log": self.change, "change_pct": self.change_pct,
            "typical_change_pct": self.median_pct, "percentile": self.percentile,
            "robust_z": self.robust_z, "rank_p": self.rank_p, "n_years": self.n_years,
            "window_stat_pct": 100 * float(np.expm1(self.stat)),
            "normal_median_pct": 100 * float(np.expm1(self.stat_median)),
            "normal_spread": self.stat_scale, "first_year": int(self.history.index.min()),
            "last_year": int(self.history.index.max()),
        }


def empirical(y: pd.Series, window: Window, normal: NormalYears) -> EmpiricalComparison:
    """Compare the window's changes from the reference month with the normal earlier years.

    The deciding figure (``robust_z``, ``percentile``, ``rank_p``) is the window statistic of
    :mod:`borderforecast.assessment.normal` (the mean log change from the reference month over
    the window's months) among the normal earlier years, its scale never below the floor the
    series' own month-to-month variation implies; the per-month rows give each month's change.

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.assessment.normal import normal_years
    >>> from borderforecast.assessment.options import make_window
    >>> y, w = make_window(bf.load(), "2019-06", "2019-08", "2019-05", 60)
    >>> round(empirical(y, w, normal_years(y, w)).change_pct, 1)
    -61.9
    """
    lz = log_counts(y)
    shifts = [int(v) for v in normal.frame.loc[normal.frame["comparison"], "shift"]]
    rows = []
    for m in window.months:
        x = float(lz[m] - lz[window.reference])
        vals = np.array([float(lz[m - pd.DateOffset(years=j)]
                               - lz[window.reference - pd.DateOffset(years=j)]) for j in shifts])
        rows.append({"month": m, "change": x, "change_pct": 100 * np.expm1(x),
                     "n_years": len(vals), "median": float(np.median(vals)),
                     "percentile": percentile_of(x, vals), "robust_z": robust_z(x, vals),
                     "lowest": float(vals.min()), "highest": float(vals.max())})
    frame = pd.DataFrame(rows).set_index("month")
    stats = normal.column("stat")
    path = lz.reindex(window.months).to_numpy() - float(lz[window.reference])
    stat = float(np.mean(path))
    history = normal.frame.loc[normal.frame["comparison"], "end_change"].sort_index()
    last = frame.iloc[-1]
    return EmpiricalComparison(
        frame=frame, history=history, change=float(last["change"]),
        change_pct=float(last["change_pct"]), median_pct=float(100 * np.expm1(last["median"])),
        percentile=percentile_of(stat, stats), robust_z=robust_z(stat, stats, normal.floor),
        rank_p=rank_p(stat, stats), n_years=len(stats),
        stat=stat,
        stat_median=float(np.median(stats)),
        stat_scale=max(mad(stats), normal.floor),
    )
