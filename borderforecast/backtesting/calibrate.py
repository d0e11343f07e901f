"""Honest intervals: adaptive conformal calibration from a model's own past errors.

Model intervals on this series under-cover badly (typically 50-60% for a
nominal 80%): its regime changes (2014, 2017, 2019, 2020, 2021-23, 2025) lie
far outside what in-sample residuals suggest. The calibrated interval of a
model at origin *T* and horizon *k* is, on the log scale,

    ``log(mean + 1) +/- q_T * v_T``

where

* ``v_T`` is the series' recent volatility at *T*: the mean absolute
  month-on-month change of the year-on-year log change over the last
  ``volatility_window`` months up to *T* (so intervals widen as soon as the
  series turns turbulent, and narrow again when it calms);
* ``q_T`` is a split-conformal quantile of the scores ``|e_j| / v_j`` with
  ``e_j = log(actual + 1) - log(mean + 1)``, the same model's errors at the
  same horizon from earlier origins *j* whose target month is at most *T*
  (nothing from the future), the most recent ``window`` of them; the
  quantile level uses the finite-sample factor ``(n + 1) / n``;
* the half-width never exceeds ``max_width`` (default 1.5) times the
  largest absolute log error in the window, so a turbulent month right
  after a calm spell cannot blow an interval up to absurd sizes;
* the miscoverage level behind ``q_T`` adapts as forecasts resolve
  (adaptive conformal inference, Gibbs & Candes 2021): after each miss it
  grows the interval, after each hit it shrinks it, by ``gamma``.

With fewer than ``min_errors`` past scores (or no volatility yet) the
model's own interval is kept. Point forecasts are never changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..models.base import FittedModel, interval_columns, level_label
from .options import CalibrationOptions

if TYPE_CHECKING:  # pragma: no cover
    from .result import BacktestResult

VOLATILITY_FLOOR = 0.005
"""Lower bound of the volatility scale (keeps near-constant series finite)."""


def log_errors(actual: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``log(actual + 1) - log(mean + 1)`` (the calibration's error scale)."""
    return np.log1p(np.asarray(actual, dtype=float)) - np.log1p(np.asarray(mean, dtype=float))


def volatility(y: pd.Series, window: int = 12) -> pd.Series:
    """Recent volatility of a monthly series at each month (backward-looking).

    The mean absolute month-on-month change of ``log(y + 1) - log(y[-12] + 1)``
    over the ``window`` months ending at that month (NaN for the first
    ``12 + window`` months), floored at :data:`VOLATILITY_FLOOR`.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series(100.0, index=pd.date_range("2020-01-01", periods=30, freq="MS"))
    >>> float(volatility(y).iloc[-1])
    0.005
    """
    z = np.log1p(y.astype(float))
    v = z.diff(12).diff().abs().rolling(window).mean()
    return v.clip(lower=VOLATILITY_FLOOR)


def conformal_quantile(scores: np.ndarray, miscoverage: float) -> float:
    """The ``(1 - a)(n + 1)/n`` empirical quantile of ``n`` scores (``a`` = miscoverage).

    Examples
    --------
    >>> import numpy as np
    >>> round(conformal_quantile(np.arange(1.0, 11.0), 0.2), 6)   # level 0.88 of 1..10
    8.92
    """
    s = np.sort(np.asarray(scores, dtype=float))
    n = len(s)
    a = min(max(float(miscoverage), 0.0), 0.999)
    p = min(1.0, (1.0 - a) * (n + 1) / n)
    pos = p * (n - 1)  # numpy's default ("linear") quantile, without its overhead
    lo = int(pos)
    if lo >= n - 1:
        return float(s[-1])
    return float(s[lo] + (pos - lo) * (s[lo + 1] - s[lo]))


def conformal_path(
    origins: np.ndarray,
    targets: np.ndarray,
    abs_errors: np.ndarray,
    scale: np.ndarray,
    levels: Sequence[float],
    options: CalibrationOptions,
    extra: tuple[Any, float] | None = None,
) -> dict[float, np.ndarray]:
    """Log-scale half-widths of one (series, model, horizon) group, origin by origin.

    Parameters
    ----------
    origins, targets : arrays
        Sorted by origin (targets then increase too).
    abs_errors : array
        ``|log(actual + 1) - log(mean + 1)|`` per row (NaN: unknown).
    scale : array
        The volatility scale at each origin (ones for ``scale="none"``).
    levels : sequence of float
        Interval levels.
    options : CalibrationOptions
        Settings.
    extra : (origin, scale), optional
        One more origin (a live forecast) after the rows.

    Returns
    -------
    dict
        Per level, one half-width per row (plus one for ``extra``); NaN
        where the model's own interval is kept. A half-width never exceeds
        ``max_width`` times the largest absolute log error in the window.
    """
    n = len(origins)
    points = list(origins) + ([extra[0]] if extra is not None else [])
    scales = np.append(np.asarray(scale, dtype=float), [extra[1]] if extra is not None else [])
    scores = abs_errors / scale
    out = {lv: np.full(len(points), np.nan) for lv in levels}
    alpha = {lv: 1.0 - lv / 100.0 for lv in levels}
    resolved = 0
    finite = np.isfinite(scores)
    for i, t in enumerate(points):
        while resolved < n and targets[resolved] <= t:
            j = resolved
            resolved += 1
            if options.gamma and finite[j]:
                for lv in levels:
                    if np.isfinite(out[lv][j]):
                        miss = float(abs_errors[j] > out[lv][j])
                        alpha[lv] += options.gamma * ((1.0 - lv / 100.0) - miss)
        keep = np.flatnonzero(finite[:resolved])[-options.window :]
        if len(keep) < options.min_errors or not np.isfinite(scales[i]):
            continue
        cap = options.max_width * float(np.max(abs_errors[keep]))
        for lv in levels:
            out[lv][i] = min(conformal_quantile(scores[keep], alpha[lv]) * scales[i], cap)
    return out


def _bounds(mean: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lm = np.log1p(mean)
    return np.maximum(np.expm1(lm - width), 0.0), np.expm1(lm + width)


def _scales(
    frame: pd.DataFrame, vol: Mapping[str, pd.Series], options: CalibrationOptions
) -> np.ndarray:
    if options.scale == "none":
        return np.ones(len(frame))
    den = np.full(len(frame), np.nan)
    for sid, rows in frame.groupby("series", sort=False).groups.items():
        v = vol[str(sid)]
        pos = frame.index.get_indexer(rows)
        den[pos] = v.reindex(pd.DatetimeIndex(frame.loc[rows, "origin"])).to_numpy(dtype=float)
    return den


def calibrate_frame(
    raw: pd.DataFrame,
    levels: Sequence[float],
    options: CalibrationOptions,
    series: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Calibrated copy of a long backtest frame (no look-ahead).

    Parameters
    ----------
    raw : pandas.DataFrame
        ``series, model, origin, target_month, horizon, actual, mean`` and
        the interval columns (the models' own intervals).
    levels : sequence of float
        Interval levels.
    options : CalibrationOptions
        The method's settings.
    series : mapping of id -> Series
        The data (for the volatility scale); needed unless ``scale="none"``.

    Returns
    -------
    pandas.DataFrame
        Same rows and columns with the interval columns replaced where the
        calibration applies, and a boolean ``calibrated`` column.
    """
    out = raw.copy()
    out["calibrated"] = False
    if options.method == "none" or out.empty:
        return out
    vol = {k: volatility(v, options.volatility_window) for k, v in (series or {}).items()}
    den = _scales(out, vol, options)
    abs_err = np.abs(log_errors(out["actual"].to_numpy(), out["mean"].to_numpy()))
    new = {c: out[c].to_numpy(dtype=float).copy() for c in interval_columns(levels)[1:]}
    flag = np.zeros(len(out), dtype=bool)
    for _, g in out.groupby(["series", "model", "horizon"], sort=False):
        g = g.sort_values("origin")
        pos = out.index.get_indexer(g.index)
        widths = conformal_path(
            g["origin"].to_numpy(),
            g["target_month"].to_numpy(),
            abs_err[pos],
            den[pos],
            levels,
            options,
        )
        mean = g["mean"].to_numpy(dtype=float)
        for lv in levels:
            w = widths[lv]
            ok = np.isfinite(w)
            lo, hi = _bounds(mean[ok], w[ok])
            lo_c, hi_c = f"lo{level_label(lv)}", f"hi{level_label(lv)}"
            if options.blend:
                lo, hi = np.minimum(lo, new[lo_c][pos[ok]]), np.maximum(hi, new[hi_c][pos[ok]])
            new[lo_c][pos[ok]], new[hi_c][pos[ok]] = lo, hi
            flag[pos[ok]] = True
    for c, v in new.items():
        out[c] = v
    out["calibrated"] = flag
    _nest(out, levels)
    return out


def _nest(frame: pd.DataFrame, levels: Sequence[float]) -> None:
    levels = sorted(levels)
    for narrow, wide in zip(levels, levels[1:], strict=False):
        ln, lw = f"lo{level_label(narrow)}", f"lo{level_label(wide)}"
        hn, hw = f"hi{level_label(narrow)}", f"hi{level_label(wide)}"
        frame[lw] = np.minimum(frame[lw], frame[ln])
        frame[hw] = np.maximum(frame[hw], frame[hn])


def calibrated_forecast(
    forecast: pd.DataFrame | FittedModel,
    result: BacktestResult,
    model: str | None = None,
    series: str | None = None,
    h: int | None = None,
    y: pd.Series | None = None,
) -> pd.DataFrame:
    """Calibrate a live forecast with the errors a model made in a backtest.

    Parameters
    ----------
    forecast : DataFrame or FittedModel
        A forecast frame (index = the months after the last observation;
        ``mean, lo80, hi80, ...``), or a fitted model (then ``h`` months are
        forecast with the backtest's levels).
    result : BacktestResult
        A backtest that includes ``model``.
    model : str, optional
        Model name in the backtest (default: the fitted model's name).
    series : str, optional
        Series id in the backtest (default: its only series).
    h : int, optional
        Horizon when ``forecast`` is a fitted model (default: the backtest's).
    y : Series, optional
        The data the forecast was made from (for the volatility scale);
        default: the fitted model's series, else the backtest's actuals.

    Returns
    -------
    pandas.DataFrame
        The forecast with calibrated intervals at each horizon the backtest
        covers (the model's own beyond it or where too few errors exist).

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.backtesting import calibrated_forecast
    >>> res = bf.backtest(bf.load(), models="snaive", start="2021-01", cache=False)
    >>> fc = calibrated_forecast(bf.fit(bf.load(), "snaive"), res)
    >>> fc.columns.tolist()
    ['mean', 'lo80', 'hi80', 'lo95', 'hi95']
    """
    opts = result.options
    if isinstance(forecast, FittedModel):
        model = model or forecast.name
        frame = forecast.forecast(h or opts.h, level=opts.levels, intervals="raw", mean=False)
        y = forecast.y if y is None else y
    else:
        frame = forecast.copy()
    if model is None:
        raise ModelError("calibrated_forecast needs the model name when given a forecast frame")
    raw = result.raw_forecasts
    ids = sorted(raw["series"].unique())
    if series is None:
        if len(ids) != 1:
            raise ModelError(
                f"the backtest holds several series; pass series= one of {', '.join(ids)}"
            )
        series = ids[0]
    sub = raw[(raw["series"] == series) & (raw["model"] == model)]
    if sub.empty:
        raise ModelError(
            f"the backtest has no forecasts of model {model!r} for series {series!r}; "
            f"models: {', '.join(sorted(raw['model'].unique()))}"
        )
    cal = opts.calibration
    levels = [lv for lv in opts.levels if f"lo{level_label(lv)}" in frame.columns]
    frame = frame[interval_columns(levels)].astype(float)
    if cal.method == "none" or frame.empty:
        return frame
    origin = pd.Timestamp(frame.index[0]) - pd.DateOffset(months=1)
    if y is None:
        known = sub.dropna(subset=["actual"]).drop_duplicates("target_month")
        y = known.set_index("target_month")["actual"].sort_index()
    if cal.scale == "none":
        den_live = 1.0
    else:
        v = volatility(y, cal.volatility_window)
        if origin not in v.index or not np.isfinite(v.loc[origin]):
            raise ModelError(
                f"no volatility at {origin:%Y-%m} (the month before the forecast): pass y= the "
                "series the forecast was made from"
            )
        den_live = float(v.loc[origin])
    origins = pd.DatetimeIndex(sub["origin"].unique()).sort_values()
    vol_bt = (
        sub.drop_duplicates("origin").set_index("origin")["volatility"]
        if cal.scale != "none"
        else pd.Series(1.0, index=origins)
    )
    mean = frame["mean"].to_numpy()
    for k in range(len(frame)):
        g = sub[sub["horizon"] == k + 1].sort_values("origin")
        if g.empty:
            continue
        den = vol_bt.reindex(pd.DatetimeIndex(g["origin"])).to_numpy(dtype=float)
        abs_err = np.abs(log_errors(g["actual"].to_numpy(), g["mean"].to_numpy()))
        widths = conformal_path(
            g["origin"].to_numpy(),
            g["target_month"].to_numpy(),
            abs_err,
            den,
            levels,
            cal,
            extra=(np.datetime64(origin), den_live),
        )
        for lv in levels:
            w = widths[lv][-1:]
            if not np.isfinite(w[0]):
                continue
            lo, hi = _bounds(mean[k : k + 1], w)
            lo_c, hi_c = f"lo{level_label(lv)}", f"hi{level_label(lv)}"
            if cal.blend:
                lo = np.minimum(lo, frame[lo_c].to_numpy()[k : k + 1])
                hi = np.maximum(hi, frame[hi_c].to_numpy()[k : k + 1])
            frame.iloc[k, frame.columns.get_loc(lo_c)] = lo[0]
            frame.iloc[k, frame.columns.get_loc(hi_c)] = hi[0]
    _nest(frame, levels)
    return frame


def describe(options: CalibrationOptions) -> dict[str, Any]:
    """Plain description of the calibration settings (for reports)."""
    from dataclasses import asdict

    return asdict(options)
