"""Sample paths behind means and totals: calibrated paths, the true mean, window totals.

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
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..fiscal import fiscal_year_start

# ``fitted`` below is a borderforecast.models.base.FittedModel (base imports this module,
# so it is typed as Any here rather than imported, even for type checking)
FittedModel = Any


def calibrate_paths(paths: np.ndarray, frame: pd.DataFrame, cap: float) -> np.ndarray:
    """Rescale raw count paths ``(n, h)`` to the 80% widths of a calibrated frame.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> paths = np.expm1(np.log1p(100.0) + np.linspace(-1, 1, 101))[:, None]
    >>> frame = pd.DataFrame({"mean": [100.0], "lo80": [np.expm1(np.log1p(100) - 0.4)],
    ...                       "hi80": [np.expm1(np.log1p(100) + 0.4)]})
    >>> out = np.log1p(calibrate_paths(paths, frame, 1e9)[:, 0]) - np.log1p(100.0)
    >>> round(float(np.quantile(out, 0.9)), 6)
    0.4
    """
    z = np.log1p(np.asarray(paths, dtype=float))
    centre = np.median(z, axis=0)
    half_raw = (np.quantile(z, 0.9, axis=0) - np.quantile(z, 0.1, axis=0)) / 2.0
    point = np.log1p(frame["mean"].to_numpy(dtype=float))
    half_cal = (
        np.log1p(frame["hi80"].to_numpy(dtype=float))
        - np.log1p(np.maximum(frame["lo80"].to_numpy(dtype=float), 0.0))
    ) / 2.0
    ratio = np.where(half_raw > 1e-12, half_cal / np.where(half_raw > 1e-12, half_raw, 1.0), 1.0)
    with np.errstate(over="ignore"):
        out = np.expm1(point + (z - centre) * ratio)
    return np.minimum(np.maximum(out, 0.0), cap)


def _paths_or_none(
    fitted: FittedModel, h: int, n_paths: int, seed: int | None, X, kind: str
) -> np.ndarray | None:
    try:
        return fitted.simulate(h, n_paths=n_paths, seed=seed, X=X, intervals=kind)
    except ModelError as exc:
        if "cannot simulate" in str(exc):
            return None
        raise


def with_true_mean(
    fitted: FittedModel, frame: pd.DataFrame, X, n_paths: int, seed: int | None
) -> pd.DataFrame:
    """The public forecast frame: ``median`` (or the point) and a true ``mean`` from paths.

    Models that cannot simulate get the log-normal mean implied by the 80%
    interval (``attrs["mean_method"] = "lognormal"``).
    """
    kind = frame.attrs.get("intervals", "raw")
    attrs = dict(frame.attrs)
    point = frame["mean"].to_numpy(dtype=float)
    paths = _paths_or_none(fitted, len(frame), n_paths, seed, X, kind)
    if paths is not None:
        true_mean = paths.mean(axis=0)
        method = f"mean of {n_paths} sample paths"
    elif fitted.transform.kind == "log" and "hi80" in frame:
        sigma = (np.log1p(frame["hi80"]) - np.log1p(frame["lo80"])).to_numpy() / (2 * 1.2815516)
        true_mean = np.expm1(np.log1p(point) + sigma**2 / 2.0)
        method = "lognormal (from the 80% interval)"
    else:
        true_mean = point
        method = "point"
    # a log model's point is the median; a model on raw counts is symmetric, so its point
    # is both its median and (before clipping at zero) its mean
    out = frame.rename(columns={"mean": "median"})
    out.insert(1, "mean", np.minimum(true_mean, fitted.cap))
    out.attrs.update(attrs)
    out.attrs["mean_method"] = method
    return out


def total_from_paths(
    fitted: FittedModel,
    months: int,
    fiscal_year: int | None,
    levels: Sequence[float],
    n_paths: int,
    seed: int | None,
    X,
    kind: str,
) -> pd.Series:
    """See :meth:`FittedModel.total`."""
    y = fitted.y
    last = fitted.last_month
    skip = 0  # forecast months before the window (a fiscal year starting later)
    if fiscal_year is not None:
        first = fiscal_year_start(int(fiscal_year))
        end = first + pd.DateOffset(months=11)
        if first < y.index[0]:
            raise ModelError(
                f"fiscal year {fiscal_year} starts before the data ({y.index[0]:%Y-%m})"
            )
        observed = y.loc[first:end]
        h = max((end.year - last.year) * 12 + end.month - last.month, 0)
        skip = max((first.year - last.year) * 12 + first.month - last.month - 1, 0)
        start = first
    else:
        if not isinstance(months, (int, np.integer)) or months < 1:
            raise ModelError(f"months must be a whole number >= 1, got {months!r}")
        observed = y.iloc[:0]
        h = int(months)
        start = last + pd.DateOffset(months=1)
        end = last + pd.DateOffset(months=h)
    obs = float(observed.sum())
    if h > 0:
        paths = fitted.simulate(h, n_paths=n_paths, seed=seed, X=X, intervals=kind)
        sums = obs + paths[:, skip:].sum(axis=1)
    else:
        sums = np.full(n_paths, obs)
    row = {
        "first": f"{start:%Y-%m}",
        "last": f"{end:%Y-%m}",
        "observed_months": len(observed),
        "observed": obs,
        "forecast_months": h - skip,
        "median": float(np.median(sums)),
        "mean": float(np.mean(sums)),
    }
    for lv in levels:
        a = (100.0 - lv) / 200.0
        row[f"lo{lv:g}"] = float(np.quantile(sums, a))
        row[f"hi{lv:g}"] = float(np.quantile(sums, 1.0 - a))
    out = pd.Series(row, name=f"FY{fiscal_year}" if fiscal_year else f"next {h} months")
    out.attrs.update(
        {
            "intervals": kind,
            "model": fitted.name,
            "n_paths": n_paths,
            "seed": fitted.model.seed if seed is None else seed,
            "method": "quantiles of the sums of sample paths",
        }
    )
    return out
