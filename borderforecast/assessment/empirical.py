"""The window against what normal seasonality gives, measured in the normal years (no model).

Line 3, the seasonal comparison (percentile and robust z among the normal years); line 5, the
decomposition ``(1 + observed) = (1 + seasonal) * (1 + excess)``, ``seasonal`` from the profile
of the normal years before ``start`` (level held fixed: the excess includes any trend).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .normal import NormalYears
from .options import Window
from .robust import log_counts, percentile_of, rank_p, robust_scale, robust_z


@dataclass(frozen=True)
class EmpiricalComparison:
    """The window's changes from the reference month against the normal earlier years.

    ``frame`` has one row per window month (log ``change``, ``change_pct``, ``n_years``, log
    ``median``, ``percentile``, ``robust_z``, log ``lowest``/``highest``); ``history`` is the
    reference-to-end log change by year; ``change`` that of the window. ``percentile``,
    ``robust_z`` and ``rank_p`` place the window statistic among the normal years.
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
    """Compare the window's changes from the reference month with the normal earlier years
    (the deciding figure: the window statistic, its scale never below ``normal.floor``).

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
        stat_scale=robust_scale(stats, normal.floor),
    )


@dataclass(frozen=True)
class Decomposition:
    """Observed change = seasonal part x excess (all in percent)."""

    observed_pct: float
    seasonal_pct: float
    seasonal_lo_pct: float
    seasonal_hi_pct: float
    excess_pct: float
    excess_lo_pct: float
    excess_hi_pct: float
    reference_value: float
    end_value: float
    seasonal_count: float
    """What the end month would have been had the change been purely seasonal."""

    @property
    def excess_excludes_zero(self) -> bool:
        return self.excess_hi_pct < 0 or self.excess_lo_pct > 0

    @property
    def share_explained(self) -> float:
        """Share of the observed log change that seasonality accounts for (may be < 0 or > 1)."""
        obs = np.log1p(self.observed_pct / 100)
        return float(np.log1p(self.seasonal_pct / 100) / obs) if obs != 0 else float("nan")

    @property
    def share_explained_counts(self) -> float:
        """Share of the observed count change (end minus reference) that the seasonal change
        in counts (reference x seasonal %) accounts for."""
        obs = self.end_value - self.reference_value
        seas = self.seasonal_count - self.reference_value
        return float(seas / obs) if obs != 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "share_explained_log": self.share_explained,
            "share_explained_counts": self.share_explained_counts,
            **vars(self),
        }


def _excess(observed_pct: float, seasonal_pct: float) -> float:
    return 100 * ((1 + observed_pct / 100) / (1 + seasonal_pct / 100) - 1)


def decompose(y: pd.Series, window: Window,
              profile: Callable[[pd.Series], Any] | None = None) -> Decomposition:
    """Decompose the change from ``window.reference`` to ``window.end``; ``profile(history)``
    gives an object with ``expected_change(from_month, to_month)`` (default: the regression
    :func:`~borderforecast.season.seasonal_profile` of the months before the window).

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.assessment.options import make_window
    >>> y, w = make_window(bf.load(), "2019-06", "2019-08", "2019-05", 60)
    >>> d = decompose(y, w)
    >>> d.excess_pct < 0 and d.seasonal_pct < 0
    True
    """
    history = y[y.index < window.start]
    if profile is None:
        from ..season import seasonal_profile

        prof = seasonal_profile(history, methods=["regression"])
    else:
        prof = profile(history)
    seasonal = prof.expected_change(window.reference.month, window.end.month)
    ref, end = float(y[window.reference]), float(y[window.end])
    observed_pct = 100 * (end / ref - 1) if ref > 0 else float("nan")
    est, s_lo, s_hi = (float(v) for v in seasonal)
    return Decomposition(
        observed_pct=observed_pct, seasonal_pct=est, seasonal_lo_pct=min(s_lo, s_hi),
        seasonal_hi_pct=max(s_lo, s_hi), excess_pct=_excess(observed_pct, est),
        excess_lo_pct=_excess(observed_pct, max(s_hi, s_lo)),
        excess_hi_pct=_excess(observed_pct, min(s_hi, s_lo)),
        reference_value=ref, end_value=end, seasonal_count=ref * (1 + est / 100),
    )
