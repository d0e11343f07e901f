"""Robust statistics shared by every line of evidence: the one robust z (with a scale floor),
the series' own month-to-month variation that sets the floor, percentiles and ranks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..cache import make_key
from .exclude import Period
from .options import Window, months_between

MAD_SCALE = 1.4826
"""Makes the median absolute deviation estimate the standard deviation of normal data."""

_MEMO: dict[tuple[Any, ...], Any] = {}
"""Results already computed in this process (the fiscal-year rule, the era test): a window's
neighbours and repeated assessments share them."""


def fingerprint(y: pd.Series) -> str:
    """A key for the values and the first month of a series (:func:`~borderforecast.cache.make_key`,
    the one key builder)."""
    return make_key("series", start=f"{y.index[0]:%Y-%m}", values=y.to_numpy(dtype=float))


def _memo(key: tuple[Any, ...], compute: Any) -> Any:
    if key not in _MEMO:
        if len(_MEMO) > 512:
            _MEMO.clear()
        _MEMO[key] = compute()
    return _MEMO[key]


def mad(v: Any) -> float:
    """``1.4826 * median(|v - median(v)|)``: the robust spread of ``v``."""
    return MAD_SCALE * float(np.median(np.abs(v - np.median(v))))


def robust_z(x: float, others: Any, floor: float = 0.0) -> float:
    """``(x - median) / max(1.4826 MAD, floor)`` of ``others`` (the one robust z of the package).

    When that scale is 0 the standard deviation is used; NaN with no finite ``others``.

    Examples
    --------
    >>> robust_z(2.0, [0.0, 0.0, 0.0, 0.1, -0.1], floor=0.5)
    4.0
    """
    v = np.asarray(others, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0 or not np.isfinite(x):
        return float("nan")
    med = float(np.median(v))
    scale = max(mad(v), float(floor))
    if scale <= 0:
        scale = float(np.std(v, ddof=1)) if len(v) > 1 else 0.0
    if scale <= 0:
        return 0.0 if x == med else float(np.sign(x - med) * np.inf)
    return float((x - med) / scale)


def loo_robust_z(values: Any, floor: float = 0.0) -> np.ndarray:
    """Leave-one-out robust z of each value among the others (NaN with fewer than 4 others).

    Examples
    --------
    >>> [round(float(v), 1) for v in loo_robust_z([0.0, 0.1, -0.1, 0.05, -0.05, 2.0], 0.5)]
    [-0.1, 0.2, -0.3, 0.1, -0.2, 4.0]
    """
    v = np.asarray(values, dtype=float)
    out = np.full(len(v), np.nan)
    for i in range(len(v)):
        others = np.delete(v, i)
        if np.isfinite(others).sum() >= 4:
            out[i] = robust_z(v[i], others, floor)
    return out


def log_counts(y: pd.Series) -> pd.Series:
    """``log(y)``, or ``log(y + 1)`` when the series has zero counts."""
    return np.log(y + (1.0 if (y <= 0).any() else 0.0))


def percentile_of(x: float, others: np.ndarray) -> float:
    """Percent of ``others`` below ``x`` (ties count half): 0 = lowest ever, 100 = highest."""
    others = np.asarray(others, dtype=float)
    if len(others) == 0:
        return float("nan")
    return float(100.0 * (np.sum(others < x) + 0.5 * np.sum(others == x)) / len(others))


def rank_p(x: float, others: np.ndarray) -> float:
    """Two-sided rank p-value of ``x`` among ``others`` (with the +1 correction)."""
    n = len(others)
    lower = (1 + np.sum(others <= x)) / (n + 1)
    upper = (1 + np.sum(others >= x)) / (n + 1)
    return float(min(1.0, 2 * min(lower, upper)))


def _in_periods(index: pd.DatetimeIndex, periods: Sequence[Period]) -> np.ndarray:
    out = np.zeros(len(index), dtype=bool)
    for a, b in periods:
        out |= (index >= a) & (index <= b)
    return out


def noise_floor(lz: pd.Series, periods: Sequence[Period]) -> float:
    """The series' own month-to-month variation: 1.4826 MAD of the one-month log changes
    around the median change of their calendar month (months in ``periods`` left out)."""
    d = lz.diff()
    d = d[~_in_periods(lz.index, periods) & ~_in_periods(lz.index - pd.DateOffset(months=1),
                                                         periods)].dropna()
    dev = (d - d.groupby(d.index.month).transform("median")).to_numpy()
    return mad(dev) if len(dev) else 0.0


def span_floor(sigma1: float, window: Window) -> float:
    """Smallest scale of the window statistic: one-month changes of spread ``sigma1``,
    independent, accumulated along the window's path from its reference month."""
    dist = np.array([months_between(window.reference, m) for m in window.months])
    weights = np.array([np.sum(dist >= k) for k in range(1, int(dist.max()) + 1)]) / len(dist)
    return float(sigma1 * np.sqrt(np.sum(weights**2)))
