"""Sample paths behind means and totals: calibrated paths, the true mean, window totals.

Pure functions of arrays and frames (the forecast front door,
:mod:`borderforecast.forecaster`, draws the paths and passes them in).

A log model's point forecast is a median of the count; its mean is higher
(the log-normal skew), and a total over several months is neither the sum of
the medians nor independent of the months' dependence. Both therefore come
from sample paths (:meth:`FittedModel.simulate`): the mean of a month is the
mean of its paths, a total is the distribution of the path sums.

Calibrated paths keep the model's path shapes but rescale each month's
spread on the ``log(1 + y)`` scale (the calibration's scale) so that the
paths' 10-90% band matches the calibrated 80% interval around the point
forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..fiscal import fiscal_year_start


def calibrate_paths(paths: np.ndarray, frame: pd.DataFrame, cap: float) -> np.ndarray:
    """Rescale raw count paths ``(n, h)`` to the 80% widths of a calibrated frame.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> paths = np.expm1(np.log1p(100.0) + np.linspace(-1, 1, 101))[:, None]
    >>> frame = pd.DataFrame({"median": [100.0], "lo80": [np.expm1(np.log1p(100) - 0.4)],
    ...                       "hi80": [np.expm1(np.log1p(100) + 0.4)]})
    >>> out = np.log1p(calibrate_paths(paths, frame, 1e9)[:, 0]) - np.log1p(100.0)
    >>> round(float(np.quantile(out, 0.9)), 6)
    0.4
    """
    z = np.log1p(np.asarray(paths, dtype=float))
    centre = np.median(z, axis=0)
    half_raw = (np.quantile(z, 0.9, axis=0) - np.quantile(z, 0.1, axis=0)) / 2.0
    point = np.log1p(frame["median"].to_numpy(dtype=float))
    half_cal = (
        np.log1p(frame["hi80"].to_numpy(dtype=float))
        - np.log1p(np.maximum(frame["lo80"].to_numpy(dtype=float), 0.0))
    ) / 2.0
    ratio = np.where(half_raw > 1e-12, half_cal / np.where(half_raw > 1e-12, half_raw, 1.0), 1.0)
    with np.errstate(over="ignore"):
        out = np.expm1(point + (z - centre) * ratio)
    return np.minimum(np.maximum(out, 0.0), cap)


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
