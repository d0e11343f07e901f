"""Sample paths behind means and totals: calibrated paths, the true mean, window totals.

Pure functions of arrays and frames (the forecast front door,
:mod:`borderforecast.forecaster`, draws the paths and passes them in).

A log model's point forecast is a median of the count; its mean is higher
(the log-normal skew), and a total over several months is neither the sum of
the medians nor independent of the months' dependence. Both therefore come
from sample paths (:meth:`FittedModel.simulate`): the mean of a month is the
mean of its paths, a total is the distribution of the path sums.

Calibrated paths keep the model's dependence between months (each path's
rank in its month) but are mapped month by month onto the calibrated table's
quantiles (:func:`matched_paths`), so that the paths' 2.5%, 10%, 50%, 90% and
97.5% points are the table's intervals and point forecast: ``bf.forecast`` and
the report draw the same paths, hence the same means and totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import ModelError
from ..fiscal import fiscal_year_start

KNOTS = (0.025, 0.1, 0.5, 0.9, 0.975)
KNOT_COLUMNS = ("lo95", "lo80", "median", "hi80", "hi95")


def matched_paths(raw: np.ndarray, frame: pd.DataFrame, cap: float) -> np.ndarray:
    """Map raw paths ``(n, h)`` month by month onto the quantiles of a forecast ``frame``.

    A path's rank ``k`` (0 to ``n - 1``) in its month becomes the probability
    ``k / (n - 1)`` (the position :func:`numpy.quantile` uses), whose normal
    score is interpolated linearly between the table's quantiles on the
    ``log(1 + y)`` scale (``frame["median"]`` is the point forecast)
    and extrapolated beyond the 95% interval with the slope of its outer
    segment. Ties keep the paths' order.

    >>> frame = pd.DataFrame({"median": [100.0], "lo80": [80.0], "hi80": [130.0],
    ...                       "lo95": [70.0], "hi95": [150.0]})
    >>> raw = np.random.default_rng(0).normal(size=(2001, 1))
    >>> q = np.quantile(matched_paths(raw, frame, 1e9)[:, 0], [0.025, 0.1, 0.5, 0.9, 0.975])
    >>> [round(float(v), 6) for v in q]
    [70.0, 80.0, 100.0, 130.0, 150.0]
    """
    raw = np.asarray(raw, dtype=float)
    n, h = raw.shape
    ranks = np.argsort(np.argsort(raw, axis=0, kind="stable"), axis=0, kind="stable")
    edge = 0.25 / max(n - 1, 1)
    score = norm.ppf(np.clip(ranks / max(n - 1, 1), edge, 1.0 - edge))
    xk = norm.ppf(KNOTS)
    out = np.empty((n, h))
    for j in range(h):
        yk = np.log1p(np.maximum([float(frame[c].iloc[j]) for c in KNOT_COLUMNS], 0.0))
        yk = np.maximum.accumulate(yk)  # a well-formed table is already ordered
        z = np.interp(score[:, j], xk, yk)
        lo_slope = (yk[1] - yk[0]) / (xk[1] - xk[0])
        hi_slope = (yk[-1] - yk[-2]) / (xk[-1] - xk[-2])
        z = np.where(score[:, j] < xk[0], yk[0] + (score[:, j] - xk[0]) * lo_slope, z)
        z = np.where(score[:, j] > xk[-1], yk[-1] + (score[:, j] - xk[-1]) * hi_slope, z)
        out[:, j] = z
    with np.errstate(over="ignore"):
        return np.minimum(np.maximum(np.expm1(out), 0.0), cap)


def with_true_mean(
    frame: pd.DataFrame, paths: np.ndarray | None, cap: float, log: bool, n_paths: int
) -> pd.DataFrame:
    """The public forecast frame: ``median`` (the protocol's point) and a true ``mean``.

    The mean is that of the sample ``paths``; a model that cannot simulate
    (``paths`` None) gets the log-normal mean implied by its 80% interval
    (``attrs["mean_method"]`` says which).
    """
    attrs = dict(frame.attrs)
    point = frame["median"].to_numpy(dtype=float)
    if paths is not None:
        true_mean = paths.mean(axis=0)
        method = f"mean of {n_paths} sample paths"
    elif log and "hi80" in frame:
        sigma = (np.log1p(frame["hi80"]) - np.log1p(frame["lo80"])).to_numpy() / (2 * 1.2815516)
        true_mean = np.expm1(np.log1p(point) + sigma**2 / 2.0)
        method = "lognormal (from the 80% interval)"
    else:
        true_mean = point
        method = "point"
    # a log model's point is the median; a model on raw counts is symmetric, so its point
    # is both its median and (before clipping at zero) its mean
    out = frame.copy()
    out.insert(1, "mean", np.minimum(true_mean, cap))
    out.attrs.update(attrs)
    out.attrs["mean_method"] = method
    return out


@dataclass(frozen=True)
class Window:
    """The months a total covers: observed ones (a fiscal year under way) and forecast ones."""

    first: pd.Timestamp
    last: pd.Timestamp
    observed: pd.Series
    h: int  # forecast months to draw (from the month after the data)
    skip: int  # forecast months before the window (a fiscal year starting later)
    label: str


def total_window(y: pd.Series, months: int, fiscal_year: int | None) -> Window:
    """The window of a total: the next ``months`` months, or fiscal year ``fiscal_year``."""
    last = pd.Timestamp(y.index[-1])
    if fiscal_year is not None:
        first = fiscal_year_start(int(fiscal_year))
        end = first + pd.DateOffset(months=11)
        if first < y.index[0]:
            raise ModelError(
                f"fiscal year {fiscal_year} starts before the data ({y.index[0]:%Y-%m})"
            )
        h = max((end.year - last.year) * 12 + end.month - last.month, 0)
        skip = max((first.year - last.year) * 12 + first.month - last.month - 1, 0)
        return Window(first, end, y.loc[first:end], h, skip, f"FY{fiscal_year}")
    if not isinstance(months, (int, np.integer)) or months < 1:
        raise ModelError(f"months must be a whole number >= 1, got {months!r}")
    h = int(months)
    first = last + pd.DateOffset(months=1)
    return Window(first, last + pd.DateOffset(months=h), y.iloc[:0], h, 0, f"next {h} months")


def total_of_paths(
    window: Window, paths: np.ndarray | None, levels: Sequence[float], n_paths: int
) -> pd.Series:
    """Median, mean and quantiles of the window's observed sum plus each path's sum."""
    obs = float(window.observed.sum())
    if paths is not None and window.h > 0:
        sums = obs + paths[:, window.skip :].sum(axis=1)
    else:
        sums = np.full(n_paths, obs)
    row: dict[str, Any] = {
        "first": f"{window.first:%Y-%m}",
        "last": f"{window.last:%Y-%m}",
        "observed_months": len(window.observed),
        "observed": obs,
        "forecast_months": window.h - window.skip,
        "median": float(np.median(sums)),
        "mean": float(np.mean(sums)),
    }
    for lv in levels:
        a = (100.0 - lv) / 200.0
        row[f"lo{lv:g}"] = float(np.quantile(sums, a))
        row[f"hi{lv:g}"] = float(np.quantile(sums, 1.0 - a))
    return pd.Series(row, name=window.label)
