"""Line 2: the empirical seasonal comparison.

The log change from the reference month to each month of the window is set
against the same calendar change in every earlier year of the series: its
percentile among them and a robust z-score ``(x - median) / (1.4826 MAD)``.
Nothing is modelled; this is the sceptic's "summers always dip" check done
with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .options import Window


def log_counts(y: pd.Series) -> tuple[pd.Series, float]:
    """``log(y)``, or ``log(y + 1)`` when the series has zero counts; returns the offset too."""
    offset = 1.0 if (y <= 0).any() else 0.0
    return np.log(y + offset), offset


def percentile_of(x: float, others: np.ndarray) -> float:
    """Percent of ``others`` below ``x`` (ties count half): 0 = lowest ever, 100 = highest."""
    others = np.asarray(others, dtype=float)
    if len(others) == 0:
        return float("nan")
    return float(100.0 * (np.sum(others < x) + 0.5 * np.sum(others == x)) / len(others))


def robust_z(x: float, others: np.ndarray) -> float:
    """``(x - median) / (1.4826 * MAD)`` of ``others`` (standard deviation if the MAD is 0)."""
    others = np.asarray(others, dtype=float)
    med = float(np.median(others))
    scale = 1.4826 * float(np.median(np.abs(others - med)))
    if scale <= 0:
        scale = float(np.std(others, ddof=1)) if len(others) > 1 else 0.0
    if scale <= 0:
        return 0.0 if x == med else float(np.sign(x - med) * np.inf)
    return float((x - med) / scale)


def rank_p(x: float, others: np.ndarray) -> float:
    """Two-sided rank p-value of ``x`` among ``others`` (with the +1 correction)."""
    n = len(others)
    lower = (1 + np.sum(others <= x)) / (n + 1)
    upper = (1 + np.sum(others >= x)) / (n + 1)
    return float(min(1.0, 2 * min(lower, upper)))


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
    change, change_pct, percentile, robust_z, rank_p : float
        The reference-to-end figures (the row of the end month).
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
    log_offset: float

    @property
    def direction(self) -> str:
        return "decline" if self.robust_z < 0 else "rise"

    def to_dict(self) -> dict[str, Any]:
        return {
            "change_log": self.change,
            "change_pct": self.change_pct,
            "typical_change_pct": self.median_pct,
            "percentile": self.percentile,
            "robust_z": self.robust_z,
            "rank_p": self.rank_p,
            "n_years": self.n_years,
            "first_year": int(self.history.index.min()),
            "last_year": int(self.history.index.max()),
        }


def same_change_earlier(lz: pd.Series, ref: pd.Timestamp, target: pd.Timestamp) -> pd.Series:
    """The log change ``ref -> target`` shifted back 1, 2, ... years, indexed by target year."""
    out = {}
    j = 1
    while True:
        off = pd.DateOffset(years=j)
        r, t = ref - off, target - off
        if r < lz.index[0]:
            break
        out[t.year] = float(lz[t] - lz[r])
        j += 1
    return pd.Series(out, name="change", dtype=float).sort_index()


def empirical(
    y: pd.Series, window: Window, min_years: int = 3, shifts: set[int] | None = None
) -> EmpiricalComparison:
    """Compare the changes from the reference month with the same changes in earlier years.

    ``shifts`` (years back, e.g. from
    :class:`~borderforecast.assessment.years.ReferenceYears`) restricts the earlier years
    to clean ones; ``None`` uses every earlier year.

    Raises
    ------
    ShortSeriesError
        If fewer than ``min_years`` earlier years hold the reference month.

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.assessment.options import make_window
    >>> y, w = make_window(bf.load(), "2019-06", "2019-08", "2019-05", 60)
    >>> round(empirical(y, w).change_pct, 1)
    -61.9
    """
    from ..errors import ShortSeriesError

    lz, offset = log_counts(y)
    rows = []
    history = pd.Series(dtype=float)
    for m in window.months:
        earlier = same_change_earlier(lz, window.reference, m)
        if shifts is not None:
            earlier = earlier[[m.year - int(v) in shifts for v in earlier.index]]
        if len(earlier) < min_years:
            raise ShortSeriesError(
                f"only {len(earlier)} earlier years hold {window.reference:%B} and {m:%B}; "
                f"the seasonal comparison needs at least {min_years}"
            )
        x = float(lz[m] - lz[window.reference])
        vals = earlier.to_numpy()
        rows.append(
            {
                "month": m,
                "change": x,
                "change_pct": 100 * np.expm1(x),
                "n_years": len(vals),
                "median": float(np.median(vals)),
                "percentile": percentile_of(x, vals),
                "robust_z": robust_z(x, vals),
                "rank_p": rank_p(x, vals),
                "lowest": float(vals.min()),
                "highest": float(vals.max()),
            }
        )
        history = earlier
    frame = pd.DataFrame(rows).set_index("month")
    last = frame.iloc[-1]
    return EmpiricalComparison(
        frame=frame,
        history=history,
        change=float(last["change"]),
        change_pct=float(last["change_pct"]),
        median_pct=float(100 * np.expm1(last["median"])),
        percentile=float(last["percentile"]),
        robust_z=float(last["robust_z"]),
        rank_p=float(last["rank_p"]),
        n_years=int(last["n_years"]),
        log_offset=offset,
    )
