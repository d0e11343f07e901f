"""Combine forecast frames into one: the ensemble's rule, usable on frames alone.

Combining happens on the log scale, ``log(1 + count)``:

Point forecast (``method``)
    ``"median"`` (default; robust to one member going astray), ``"mean"``
    (a geometric mean of the counts) or ``"weighted"`` (a weighted mean;
    ``weights`` maps member name to weight, e.g. learned from past backtest
    errors).

Intervals (``intervals``)
    ``"mixture"`` (default): the quantiles of the (weighted) *mixture* of the
    members' forecast distributions. Each member's distribution at a month is
    taken as a two-piece normal on the log scale through its point forecast
    and its interval bounds at that level, so the mixture's quantile is found
    from the member frames alone. When members disagree the mixture widens,
    which keeps the intervals honest; when they agree it is as wide as a
    typical member. ``"quantiles"``: each bound is combined like the point
    forecast (the median or mean of the members' bounds, "Vincentisation"),
    which ignores disagreement between members.

A backtest that already has the members' forecasts forms the ensemble with
:func:`combine` without refitting (:mod:`borderforecast.backtesting.ensembles`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr  # = scipy.stats.norm.cdf, without importing scipy.stats

from ..errors import ModelError
from ..intervals import POINT, tidy
from .base import normal_quantile

METHODS = ("median", "mean", "weighted")
INTERVALS = ("mixture", "quantiles")


def _frame_levels(frame: pd.DataFrame) -> list[str]:
    labels = [c[2:] for c in frame.columns if isinstance(c, str) and c.startswith("lo")]
    missing = [lb for lb in labels if f"hi{lb}" not in frame.columns]
    if POINT not in frame.columns or missing:
        raise ModelError(
            f"forecast frames need a {POINT!r} column and lo<L>/hi<L> pairs "
            f"(got columns {list(frame.columns)})"
        )
    return sorted(labels, key=float)


def _weights(
    names: Sequence[str], weights: Mapping[str, float] | Sequence[float] | None
) -> np.ndarray:
    if weights is None:
        return np.full(len(names), 1.0 / len(names))
    if isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(names))
        if unknown:
            raise ModelError(f"weights name unknown members {unknown}; members are {list(names)}")
        w = np.array([float(weights.get(n, 0.0)) for n in names])
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(names),):
            raise ModelError(f"{len(w)} weights given for {len(names)} forecasts")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ModelError(f"weights must be non-negative with a positive sum, got {w.tolist()}")
    return w / w.sum()


def _center(values: np.ndarray, method: str, w: np.ndarray) -> np.ndarray:
    """Combine member rows ``(m, h)`` into one row ``(h,)``."""
    if method == "median":
        return np.median(values, axis=0)
    if method == "mean":
        return values.mean(axis=0)
    return w @ values


def _mixture_quantile(
    center: np.ndarray, lo: np.ndarray, hi: np.ndarray, z: float, w: np.ndarray, prob: float
) -> np.ndarray:
    """Quantile ``prob`` of a weighted mixture of two-piece normals, per column.

    Member ``i`` has median ``center[i]`` and quantiles ``lo[i]``/``hi[i]`` at
    ``Phi(-z)``/``Phi(z)``; arrays are ``(m, h)``.
    """
    s_lo = np.maximum((center - lo) / z, 1e-9)
    s_hi = np.maximum((hi - center) / z, 1e-9)
    a, b = lo.min(axis=0) - 1e-9, hi.max(axis=0) + 1e-9
    for _ in range(60):  # bisection: the interval shrinks 2^60-fold
        x = 0.5 * (a + b)
        dev = x[None, :] - center
        cdf = ndtr(dev / np.where(dev < 0, s_lo, s_hi))
        below = (w @ cdf) < prob
        a = np.where(below, x, a)
        b = np.where(below, b, x)
    return 0.5 * (a + b)


def combine(
    forecasts: Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame],
    method: str = "median",
    weights: Mapping[str, float] | Sequence[float] | None = None,
    intervals: str = "mixture",
) -> pd.DataFrame:
    """Combine member forecast frames into one (the ensemble's forecast).

    Parameters
    ----------
    forecasts : list of DataFrame, or dict name -> DataFrame
        Member forecasts in counts, all on the same months, each with
        ``median`` and ``lo<L>``/``hi<L>`` columns for the same levels (the
        output of :meth:`FittedModel.forecast`).
    method : {"median", "mean", "weighted"}
        How point forecasts are combined (see the module's text).
    weights : dict name -> weight, or list aligned with ``forecasts``
        For ``method="weighted"`` (normalised; members left out of a dict get
        weight 0); ``"median"`` and ``"mean"`` weight members equally.
    intervals : {"mixture", "quantiles"}
        How bounds are combined (see the module's text).

    Returns
    -------
    pandas.DataFrame
        Same index and columns as the inputs; counts, never negative, with
        nested intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2025-01-01", periods=1, freq="MS")
    >>> a = pd.DataFrame({"median": [99.0], "lo80": [80.0], "hi80": [120.0]}, index=idx)
    >>> b = pd.DataFrame({"median": [199.0], "lo80": [160.0], "hi80": [240.0]}, index=idx)
    >>> c = pd.DataFrame({"median": [149.0], "lo80": [130.0], "hi80": [170.0]}, index=idx)
    >>> combine([a, b, c], method="median")["median"].round(1).tolist()
    [149.0]
    """
    if method not in METHODS:
        raise ModelError(f"combine method must be one of {', '.join(METHODS)}, not {method!r}")
    if intervals not in INTERVALS:
        raise ModelError(
            f"combine intervals must be one of {', '.join(INTERVALS)}, not {intervals!r}"
        )
    if isinstance(forecasts, Mapping):
        names = [str(k) for k in forecasts]
        frames = list(forecasts.values())
    else:
        frames = list(forecasts)
        names = [f"member {i}" for i in range(len(frames))]
    if not frames:
        raise ModelError("combine needs at least one forecast frame")
    if method == "weighted" and weights is None:
        raise ModelError("method 'weighted' needs weights")
    w = _weights(names, weights if method == "weighted" else None)
    labels = _frame_levels(frames[0])
    cols = [POINT] + [c for lb in labels for c in (f"lo{lb}", f"hi{lb}")]
    index = frames[0].index
    for name, frame in zip(names, frames, strict=True):
        if not frame.index.equals(index):
            raise ModelError(f"forecast of {name} covers other months than the first forecast")
        lacking = [c for c in cols if c not in frame.columns]
        if lacking:
            raise ModelError(f"forecast of {name} lacks columns {lacking}")
        if frame[cols].isna().any().any():
            raise ModelError(f"forecast of {name} has missing values; drop it before combining")
    logs = {c: np.log1p(np.stack([f[c].to_numpy(dtype=float) for f in frames])) for c in cols}
    lower, upper = {}, {}
    for lb in labels:
        lo, hi, lv = logs[f"lo{lb}"], logs[f"hi{lb}"], float(lb)
        if intervals == "quantiles":
            lower[lv], upper[lv] = _center(lo, method, w), _center(hi, method, w)
        else:
            a = (100.0 - lv) / 200.0
            z = normal_quantile(1.0 - a)
            lower[lv] = _mixture_quantile(logs[POINT], lo, hi, z, w, a)
            upper[lv] = _mixture_quantile(logs[POINT], lo, hi, z, w, 1.0 - a)

    # back to counts; tidy puts the bounds around the point, wider levels outside narrower ones
    lower = {lv: np.maximum(np.expm1(v), 0.0) for lv, v in lower.items()}
    upper = {lv: np.maximum(np.expm1(v), 0.0) for lv, v in upper.items()}
    point = np.maximum(np.expm1(_center(logs[POINT], method, w)), 0.0)
    return tidy(point, lower, upper, list(lower), index)
