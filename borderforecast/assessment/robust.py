"""Robust statistics shared by every line of evidence: the one robust z (with a scale floor),
the series' own month-to-month variation that sets the floor, percentiles, ranks and the
placebo calibration of a statistic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..cache import make_key
from .options import Period, Window, months_between

MAD_SCALE = 1.4826
"""Makes the median absolute deviation estimate the standard deviation of normal data."""

MAD_EFFICIENCY = 0.37
"""Asymptotic efficiency of the MAD relative to the standard deviation (normal data): its
degrees of freedom per placebo year."""

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


def robust_scale(v: Any, floor: float = 0.0) -> float:
    """``max(1.4826 MAD, floor)``: the spread of every robust z."""
    return max(mad(v), float(floor))


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
    scale = robust_scale(v, floor)
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


def tail_probabilities(x: float, others: np.ndarray) -> tuple[float, float]:
    """``(P(other <= x), P(other >= x))`` with the +1 correction."""
    n = len(others)
    lower = (1 + np.sum(others <= x)) / (n + 1)
    upper = (1 + np.sum(others >= x)) / (n + 1)
    return float(lower), float(upper)


def rank_p(x: float, others: np.ndarray) -> float:
    """Two-sided rank p-value of ``x`` among ``others`` (with the +1 correction)."""
    return float(min(1.0, 2 * min(tail_probabilities(x, others))))


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


def calibrate(
    target_z: float, placebo_z: np.ndarray, robust: bool = False
) -> tuple[float, float, float, float]:
    """``(calibrated_p, rank_p, centre, scale)`` of ``target_z`` given placebo statistics.

    ``t = (z - m) / (s * sqrt(1 + 1/k))`` against a Student t (a prediction for a new year),
    ``m, s`` the mean and sd of the ``k`` placebo ``z`` with ``k - 1`` df, or with ``robust``
    (what the panel uses) the median and 1.4826 MAD with ``0.37 (k - 1)`` df (at least 2). ``s``
    is never below 1: calibration never narrows the model's own spread.

    Examples
    --------
    >>> z = np.array([-0.5, 0.2, 0.4, -0.1, 0.3, 4.0])
    >>> p, rank, m, s = calibrate(-3.0, z)
    >>> round(p, 3), round(m, 2), round(s, 2)
    (0.09, 0.72, 1.64)
    >>> p, rank, m, s = calibrate(-3.0, z, robust=True)
    >>> round(p, 3), round(m, 2), round(s, 2)
    (0.095, 0.25, 1.0)
    """
    z = np.asarray(placebo_z, dtype=float)
    z = z[np.isfinite(z)]
    k = len(z)
    if k == 0:
        return float("nan"), float("nan"), float("nan"), float("nan")
    if robust:
        m = float(np.median(z))
        s = max(1.0, mad(z)) if k > 1 else 1.0
    else:
        m = float(z.mean())
        s = max(1.0, float(z.std(ddof=1))) if k > 1 else 1.0
    rank = float((1 + np.sum(np.abs(z - m) >= abs(target_z - m))) / (k + 1))
    if k < 2:
        return float("nan"), rank, m, s
    t = (target_z - m) / (s * np.sqrt(1 + 1 / k))
    df = max(2.0, MAD_EFFICIENCY * (k - 1)) if robust else k - 1
    return float(2 * stats.t.sf(abs(t), df=df)), rank, m, s



def loo_alarms(z: np.ndarray) -> np.ndarray:
    """Robust calibrated p of each placebo statistic against the others (leave one out)."""
    z = np.asarray(z, dtype=float)
    return np.array([calibrate(z[i], np.delete(z, i), True)[0] for i in range(len(z))])
