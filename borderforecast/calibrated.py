"""Calibrated forecasts: the public ``fit``, ``forecast`` and ``forecast_total``.

A model's own intervals on this series cover far less than they promise
(about 52% for a nominal 80%). The public entry points therefore return
intervals *calibrated* on a backtest of the same model on the same series
(:func:`calibration_backtest`, run through :func:`borderforecast.backtest`
so its unit cache is used: a second call on the same data fits nothing, and
a new data release only fits the new origins). The widths come from
:func:`borderforecast.backtesting.calibrate.calibrated_forecast`, the same
function the monthly report uses through :func:`live_forecast`, so the API,
the CLI and the report give the same numbers for the same model, series and
month.

``intervals="raw"`` gives the model's own intervals; the returned frame says
which it holds in ``frame.attrs["intervals"]`` and, when calibrated, the
backtest behind it in ``frame.attrs["calibration"]``.

This module sits above :mod:`borderforecast.backtesting` (it runs a backtest)
and below :mod:`borderforecast.reporting`; the model layer only receives the
calibration as a function (``FittedModel.calibrator``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .backtesting import BacktestResult, backtest
from .backtesting.calibrate import calibrated_forecast
from .errors import ModelError
from .forecasting import fit as fit_raw
from .forecasting import forecast_panel, list_models
from .guards import guard_intervals
from .models.base import DEFAULT_LEVELS, MAX_HORIZON, BaseModel, FittedModel, check_levels
from .models.registry import ModelSpec, get_spec

__all__ = [
    "CALIBRATION_STEP",
    "DEFAULT_MODEL",
    "calibration_backtest",
    "fit",
    "forecast",
    "forecast_total",
    "list_models",
    "live_forecast",
    "with_calibration",
]

CALIBRATION_STEP = 3
"""Months between the calibration backtest's origins (the report's default, so both agree)."""
CALIBRATION_MIN_H = 12
"""The calibration backtest forecasts at least this many months (the report's horizon)."""
DEFAULT_SERIES = "southwest"
DEFAULT_MODEL = "demographic"
"""The model :func:`fit`, :func:`forecast` and :func:`forecast_total` use when none is named:
the one the full monthly backtest recommends (``python benchmarks/bench_peers.py`` prints the
comparison; on a series other than the Southwest total it is ``stl_revert`` on that series)."""


def _series_id(y: pd.Series, series: str | None) -> str:
    return str(series or y.attrs.get("series_id") or y.name or DEFAULT_SERIES)


def _spec_of(model: str | os.PathLike[str] | ModelSpec | BaseModel, params: dict) -> ModelSpec:
    """The spec a backtest can rebuild (spec name or path, plus overrides; or a model object)."""
    if isinstance(model, BaseModel):
        cls = type(model)
        own = {k: v for k, v in model.get_params().items() if k not in ("name",)}
        return ModelSpec(
            name=model.name,
            family=model.family,
            params=own,
            class_path=f"{cls.__module__}:{cls.__name__}",
        )
    spec = get_spec(model)
    if not params:
        return spec
    return dataclasses.replace(spec, params={**dict(spec.params), **params})


def calibration_backtest(
    y: pd.Series,
    model: str | os.PathLike[str] | ModelSpec | BaseModel,
    *,
    series: str | None = None,
    h: int = CALIBRATION_MIN_H,
    seed: int = 0,
    step: int = CALIBRATION_STEP,
    start: str | None = None,
    jobs: int = 1,
    **params: Any,
) -> BacktestResult:
    """The backtest a calibrated forecast of ``model`` on ``y`` is calibrated from.

    Origins every ``step`` months from the backtest's default start (December
    2011) to the last month with ``max(h, 12)`` months of actuals after it,
    expanding window, the default calibration settings. It runs through
    :func:`borderforecast.backtest` with its cache on: units are keyed by the
    series id, the data up to each origin (so a new or revised data release
    refits exactly what changed), the spec, the horizon and the seed.
    """
    spec = _spec_of(model, params)
    sid = _series_id(y, series)
    hb = min(max(int(h), CALIBRATION_MIN_H), MAX_HORIZON)
    kwargs: dict[str, Any] = {"h": hb, "step": step, "seed": seed, "cache": True}
    if start is not None:
        kwargs["start"] = start
    if jobs > 1:
        kwargs.update(engine="processes", jobs=jobs)
    return backtest({sid: y}, models=[spec], **kwargs)  # type: ignore[list-item]


def calibration_info(result: BacktestResult, series: str) -> dict[str, Any]:
    """The backtest behind calibrated intervals, for ``frame.attrs["calibration"]``."""
    f = result.forecasts  # the scored origins (the warm-up ones only seed the calibration)
    f = f[f["series"] == series]
    cal = result.options.calibration
    return {
        "method": cal.method,
        "first_origin": f"{f['origin'].min():%Y-%m}",
        "last_origin": f"{f['origin'].max():%Y-%m}",
        "origins": int(f["origin"].nunique()),
        "step": result.options.step,
        "h": result.options.h,
        "window": cal.window,
        "data_release": result.info.get("data_release"),
    }


def live_forecast(
    fitted: FittedModel,
    result: BacktestResult,
    *,
    series: str | None = None,
    h: int = 12,
    level: int | Sequence[int | float] | None = None,
) -> pd.DataFrame:
    """A fitted model's forecast with intervals calibrated on ``result`` (the one way to do it).

    The report and :func:`forecast` both call this, so they agree. Returns the
    model protocol's columns (``mean`` = the point forecast, a median for log
    models; ``lo80, hi80, lo95, hi95``) with ``attrs["intervals"] =
    "calibrated"`` and ``attrs["calibration"]``; a model the backtest does not
    hold keeps its own intervals (``attrs["intervals"] = "raw"``).
    """
    levels = check_levels(level if level is not None else result.options.levels)
    raw = fitted.forecast(h, level=levels, intervals="raw", mean=False)
    sid = series or _series_id(fitted.y, None)
    if fitted.name not in result.models:
        return raw
    frame = calibrated_forecast(raw, result, model=fitted.name, series=sid, y=fitted.y)
    notes: tuple[str, ...] = ()
    # nested, ordered, smooth and bounded by the record of change (borderforecast.guards)
    if len(levels) == 2 and all(float(v).is_integer() for v in levels):
        guarded = guard_intervals(frame, fitted.y, tuple(int(v) for v in levels))
        frame, notes = guarded.frame, guarded.notes
    frame.attrs.update(raw.attrs)
    frame.attrs["interval_notes"] = notes
    frame.attrs["intervals"] = "calibrated"
    frame.attrs["series"] = sid
    frame.attrs["calibration"] = calibration_info(result, sid)
    return frame


@dataclasses.dataclass(frozen=True)
class _ResultCalibrator:
    """``FittedModel.calibrator`` from a backtest already at hand (the report's)."""

    result: BacktestResult
    series: str | None

    def __call__(self, fitted: FittedModel, frame: pd.DataFrame) -> pd.DataFrame:
        levels = [float(c[2:]) for c in frame.columns if c.startswith("lo")]
        return live_forecast(
            fitted, self.result, series=self.series, h=len(frame), level=levels or DEFAULT_LEVELS
        )


def with_calibration(
    fitted: FittedModel, result: BacktestResult, *, series: str | None = None
) -> FittedModel:
    """``fitted`` with its forecasts, paths and totals calibrated on ``result``.

    For callers that already ran the backtest (the monthly report): then
    ``with_calibration(fitted, result).forecast(h, mean=False)`` equals
    :func:`live_forecast`, and ``.total(fiscal_year=...)`` sums calibrated
    sample paths.
    """
    return dataclasses.replace(fitted, calibrator=_ResultCalibrator(result, series))


@dataclasses.dataclass
class _Calibrator:
    """``FittedModel.calibrator``: runs (once per horizon) and applies the calibration backtest."""

    spec: ModelSpec
    y: pd.Series  # the series as given (its attrs name the data release)
    series: str
    seed: int
    step: int
    jobs: int
    results: dict[int, BacktestResult] = dataclasses.field(default_factory=dict)

    def __call__(self, fitted: FittedModel, frame: pd.DataFrame) -> pd.DataFrame:
        h = len(frame)
        hb = min(max(h, CALIBRATION_MIN_H), MAX_HORIZON)
        if hb not in self.results:
            self.results[hb] = calibration_backtest(
                self.y, self.spec, series=self.series, h=hb, seed=self.seed,
                step=self.step, jobs=self.jobs,
            )  # fmt: skip
        levels = [float(c[2:]) for c in frame.columns if c.startswith("lo")]
        return live_forecast(
            fitted, self.results[hb], series=self.series, h=h, level=levels or DEFAULT_LEVELS
        )


def fit(
    y: pd.Series,
    model: str | os.PathLike[str] | ModelSpec | BaseModel = DEFAULT_MODEL,
    X: pd.DataFrame | None = None,
    *,
    intervals: str = "calibrated",
    series: str | None = None,
    step: int = CALIBRATION_STEP,
    jobs: int = 1,
    **params: Any,
) -> FittedModel:
    """Fit a named model (see :func:`list_models`) to a monthly series.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts (e.g. from :func:`borderforecast.load`).
    model : str, path, ModelSpec or model object
        A spec name such as ``"demographic"`` (the default, :data:`DEFAULT_MODEL`) or
        ``"sarima"``, or a path to a spec file.
    X : pandas.DataFrame, optional
        Exogenous regressors aligned with ``y`` (then intervals are raw: the
        backtest cannot know future regressors).
    intervals : {"calibrated", "raw"}
        Whether the result's :meth:`~FittedModel.forecast` calibrates its
        intervals (default) on a backtest of this model on ``y`` (run on the
        first forecast, cached; see :func:`calibration_backtest`).
    series : str, optional
        Series id of ``y`` in the cache (default ``y.attrs["series_id"]``).
    step, jobs : int
        Months between calibration origins (default 3, as the report) and
        worker processes for the calibration backtest.
    **params
        Override parameters of the spec (e.g. ``seed=1``).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fitted = bf.fit(bf.load(), model="snaive")
    >>> fc = fitted.forecast(3)
    >>> fc.columns.tolist(), fc.attrs["intervals"]
    (['median', 'mean', 'lo80', 'hi80', 'lo95', 'hi95'], 'calibrated')
    >>> fitted.forecast(3, intervals="raw").attrs["intervals"]
    'raw'
    """
    if intervals not in ("calibrated", "raw"):
        raise ModelError(f"intervals must be 'calibrated' or 'raw', not {intervals!r}")
    fitted = fit_raw(y, model, X=X, **params)
    if X is not None or intervals == "raw":
        calibrator = None
    else:
        spec = _spec_of(model, params)
        sid = _series_id(y, series)
        calibrator = _Calibrator(spec, y, sid, fitted.model.seed, step, jobs)
    if calibrator is None:
        # the public result still names its columns honestly (median, mean)
        return dataclasses.replace(fitted, calibrator=_raw_only)
    return dataclasses.replace(fitted, calibrator=calibrator)


def _raw_only(fitted: FittedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """The calibrator of a fit asked for raw intervals: keeps the model's own."""
    return frame


_raw_only.calibrates = False  # type: ignore[attr-defined]


def forecast(
    y: pd.Series,
    model: str | os.PathLike[str] | ModelSpec | BaseModel = DEFAULT_MODEL,
    h: int = 12,
    level: int | Sequence[int | float] = DEFAULT_LEVELS,
    X: pd.DataFrame | None = None,
    X_future: pd.DataFrame | None = None,
    *,
    intervals: str = "calibrated",
    n_paths: int = 1000,
    **params: Any,
) -> pd.DataFrame:
    """Fit ``model`` to ``y`` and forecast ``h`` months with calibrated intervals.

    ``model`` defaults to :data:`DEFAULT_MODEL` (``"demographic"``: the
    bottom-up model of the Southwest total, ``stl_revert`` on any other series).

    Returns a DataFrame indexed by month with ``median`` (the point forecast:
    for a log model the median count), ``mean`` (the mean count, from
    ``n_paths`` sample paths seeded by ``seed``), ``lo80, hi80, lo95, hi95``.
    ``attrs["intervals"]`` is ``"calibrated"`` (default: widths from a
    backtest of this model on ``y``, see :func:`calibration_backtest`;
    ``attrs["calibration"]`` gives its origins) or ``"raw"`` (the model's
    own, with ``intervals="raw"``). Horizons over 36 months warn.

    Examples
    --------
    >>> import borderforecast as bf
    >>> fc = bf.forecast(bf.load(), model="snaive", h=12)
    >>> len(fc), bool((fc["lo95"] <= fc["lo80"]).all()), fc.attrs["intervals"]
    (12, True, 'calibrated')
    """
    from .data.userdata import is_long

    if is_long(y):  # a long panel: each series calibrated on its own backtest

        def one(sid: str, s: pd.Series) -> pd.DataFrame:
            f = fit(s, model, intervals=intervals, series=sid, **params)
            return f.forecast(h, level=level, n_paths=n_paths)

        return forecast_panel(y, model, h, level, forecaster=one, **params)  # type: ignore[arg-type]
    fitted = fit(y, model, X=X, intervals=intervals, **params)
    return fitted.forecast(h, level=level, X=X_future, n_paths=n_paths)


def forecast_total(
    y: pd.Series,
    model: str | os.PathLike[str] | ModelSpec | BaseModel = DEFAULT_MODEL,
    months: int = 12,
    *,
    fiscal_year: int | None = None,
    level: int | Sequence[int | float] = DEFAULT_LEVELS,
    intervals: str = "calibrated",
    n_paths: int = 2000,
    **params: Any,
) -> pd.Series:
    """Total of the next ``months`` months, or a fiscal-year projection, with intervals.

    Computed from sample paths (see :meth:`FittedModel.total`): the sum of
    each path over the window (plus the observed months of the fiscal year),
    then the median, mean and quantiles of those sums. ``seed`` (like every
    other keyword in ``params``) sets the model's seed, which seeds the paths.

    Examples
    --------
    >>> import borderforecast as bf
    >>> t = bf.forecast_total(bf.load(), "snaive", months=12, n_paths=200)
    >>> bool(t["lo95"] <= t["lo80"] <= t["median"] <= t["hi80"] <= t["hi95"])
    True
    """
    fitted = fit(y, model, intervals=intervals, **params)
    return fitted.total(months, fiscal_year=fiscal_year, level=level, n_paths=n_paths)
