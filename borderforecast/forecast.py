"""The one forecast front door: ``fit``, ``forecast``, ``forecast_total``, ``choose``.

:func:`fit` returns a :class:`~borderforecast.forecaster.Forecaster`: the model's fit and its
calibration, computed by :mod:`borderforecast.backtesting.live` or passed in. Without a model,
:func:`choose` applies the package's one rule (:mod:`borderforecast.backtesting.recommend`) to
a cached backtest of the candidates; the report builds its forecasters the same way, so the
API, the CLI and the report agree. (``borderforecast.forecast`` is also the public function:
import this module's names with ``from borderforecast.forecast import ...``.)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .backtesting import live
from .backtesting.live import Calibration, calibration_horizon
from .errors import BorderforecastError, DataError, DataWarning, ModelError
from .forecaster import Forecaster, total_window
from .intervals import DEFAULT_LEVELS
from .models.base import BaseModel
from .models.registry import ModelSpec, get_spec, list_specs, make_model

__all__ = ["Choice", "Forecaster", "choose", "fit", "forecast", "forecast_total", "list_models"]

DEFAULT_SERIES = "southwest"

ModelLike = str | os.PathLike[str] | ModelSpec | BaseModel
Parts = Mapping[str, pd.Series]


def _series_id(y: pd.Series, series: str | None) -> str:
    return str(series or y.attrs.get("series_id") or y.name or DEFAULT_SERIES)


def _spec_of(model: ModelLike, params: dict[str, Any]) -> ModelSpec:
    """The spec a calibration rebuilds (a spec and overrides, or a model; no seed: keyed apart)."""
    params = {k: v for k, v in params.items() if k != "seed"}
    if isinstance(model, BaseModel):
        cls = type(model)
        own = {k: v for k, v in model.get_params().items() if k not in ("name", "seed")}
        return ModelSpec(model.name, model.family, params=own,
                         class_path=f"{cls.__module__}:{cls.__name__}")  # fmt: skip
    spec = get_spec(model)
    if not params:
        return spec
    return dataclasses.replace(spec, params={**dict(spec.params), **params})


def fit(
    y: pd.Series,
    model: ModelLike | None = None,
    X: pd.DataFrame | None = None,
    *,
    intervals: str = "calibrated",
    h: int = 12,
    parts: Parts | None = None,
    series: str | None = None,
    step: int = 3,
    calibration: Calibration | None = None,
    **params: Any,
) -> Forecaster:
    """Fit a model to a monthly series, with the calibration of its intervals.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts (e.g. from :func:`borderforecast.load`).
    model : str, path, ModelSpec or model object, optional
        A spec name (see :func:`list_models`) or a path to a spec file;
        default: the model the package's one rule recommends for ``y``
        (:func:`choose`: a cached backtest of the candidate models,
        :data:`~borderforecast.backtesting.recommend.CANDIDATES`).
    X : pandas.DataFrame, optional
        Exogenous regressors aligned with ``y`` (then intervals are raw: the
        calibration cannot know past regressors' future values).
    intervals : {"calibrated", "raw"}
        Calibrate the intervals on this model's past errors on ``y`` (default;
        computed here by :func:`borderforecast.backtesting.live.calibration`,
        whose fits are cached) or keep the model's own.
    h : int
        Longest horizon to calibrate for (default 12; at least 12 is calibrated).
    parts : mapping of name -> Series, optional
        The parts of ``y`` for a bottom-up model (``demographic``); default:
        the bundled demographic parts when ``y`` is the bundled Southwest total.
    series : str, optional
        Series id of ``y`` in the cache (default ``y.attrs["series_id"]``).
    step : int
        Months between calibration origins (default 3, as the report).
    calibration : Calibration, optional
        A calibration already at hand (e.g. from a backtest) instead of computing one.
    **params
        Override parameters of the spec (e.g. ``seed=1``).

    Examples
    --------
    >>> import borderforecast as bf
    >>> f = bf.fit(bf.load(), model="snaive")
    >>> fc = f.forecast(3)
    >>> list(fc.columns), fc.attrs["intervals"]
    (['median', 'mean', 'lo80', 'hi80', 'lo95', 'hi95'], 'calibrated')
    >>> bf.fit(bf.load(), model="snaive", intervals="raw").forecast(3).attrs["intervals"]
    'raw'
    """
    if intervals not in ("calibrated", "raw"):
        raise ModelError(f"intervals must be 'calibrated' or 'raw', not {intervals!r}")
    if model is None:
        seed = int(params.get("seed", 0))
        if X is not None or set(params) - {"seed"}:
            raise ModelError("name the model to pass regressors or parameters")
        c = choose(y, series=series, h=h, seed=seed, parts=parts, step=step)
        f = c.forecasters[c.recommendation.model]
        cal = f.calibration if intervals == "calibrated" else None
        return Forecaster(f.fitted, cal, chosen=c.recommendation.reason)
    built = make_model(model, **params)
    if built.uses_parts and parts is None:
        from .data.parts import parts_for

        parts = parts_for(y)
    fitted = built.fit(y, X=X, parts=parts if built.uses_parts else None)
    if X is not None or intervals == "raw":
        return Forecaster(fitted, None)
    if calibration is None:
        yy = fitted.y.copy()  # the series as fitted, under the caller's data release
        yy.attrs["release"] = y.attrs.get("release")
        calibration = live.calibration(
            yy, _spec_of(model, params), series=_series_id(y, series), seed=fitted.model.seed,
            h=calibration_horizon(h), step=step, parts=parts,
        )  # fmt: skip
    return Forecaster(fitted, calibration)


def forecast(
    y: pd.Series | pd.DataFrame,
    model: ModelLike | None = None,
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

    Returns a DataFrame indexed by month with ``median``, ``mean`` (from
    ``n_paths`` sample paths), ``lo80, hi80, lo95, hi95`` (see
    :meth:`Forecaster.forecast`). ``y`` may also be a long panel (``unique_id,
    ds, y``): then every series is forecast on its own and the long frame
    ``unique_id, ds, <model>, <model>-lo-80, ..., intervals`` returned (without a model:
    ``recommended, recommended-lo-80, ...`` and a ``model`` column naming each series'
    choice; a series that cannot be forecast is skipped with a DataWarning, ``attrs["skipped"]``).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fc = bf.forecast(bf.load(), model="snaive", h=12)
    >>> len(fc), bool((fc["lo95"] <= fc["lo80"]).all()), fc.attrs["intervals"]
    (12, True, 'calibrated')
    """
    if isinstance(y, pd.DataFrame):  # a long panel (checked and split by from_long)
        return _forecast_panel(y, model, h, level, intervals, n_paths, params)
    f = fit(y, model, X=X, intervals=intervals, h=h, **params)  # type: ignore[arg-type]
    return f.forecast(h, level=level, X=X_future, n_paths=n_paths)


def _forecast_panel(
    panel: pd.DataFrame,
    model: ModelLike | None,
    h: int,
    level: Any,
    intervals: str,
    n_paths: int,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Every series of a long panel; one failing series does not stop the rest."""
    import warnings

    from .data.userdata import from_long, to_long

    if model is not None:
        make_model(model, **params)  # an unknown model fails once, not once per series
    out, skipped = [], {}
    for sid, s in from_long(panel).items():
        try:
            f = fit(s, model, intervals=intervals, h=h, series=sid, **params)
            fc = f.forecast(h, level=level, n_paths=n_paths)
        except BorderforecastError as exc:
            if not isinstance(exc, DataError):
                raise
            skipped[sid] = str(exc)
            continue
        if model is None:  # one column set for every series; ``model`` names each one's choice
            out.append(to_long(fc, model="recommended", unique_id=sid).assign(model=f.name))
        else:
            out.append(to_long(fc, model=f.name, unique_id=sid))
    if not out:
        raise DataError("no series of the panel could be forecast: "
                        + "; ".join(f"{k}: {v}" for k, v in skipped.items()))  # fmt: skip
    if skipped:
        warnings.warn(f"{len(skipped)} series skipped: "
                      + "; ".join(f"{k} ({v})" for k, v in skipped.items()),
                      DataWarning, stacklevel=3)  # fmt: skip
    frame = pd.concat(out, ignore_index=True)
    frame.attrs["skipped"] = skipped
    return frame


def forecast_total(
    y: pd.Series,
    model: ModelLike | None = None,
    months: int = 12,
    *,
    fiscal_year: int | None = None,
    level: int | Sequence[int | float] = DEFAULT_LEVELS,
    intervals: str = "calibrated",
    n_paths: int = 2000,
    **params: Any,
) -> pd.Series:
    """Total of the next ``months`` months, or a fiscal-year projection, with intervals.

    See :meth:`Forecaster.forecast_total`; ``seed`` (like every keyword in
    ``params``) sets the model's seed, which seeds the paths.

    Examples
    --------
    >>> import borderforecast as bf
    >>> t = bf.forecast_total(bf.load(), "snaive", months=12, n_paths=200)
    >>> bool(t["lo95"] <= t["lo80"] <= t["median"] <= t["hi80"] <= t["hi95"])
    True
    """
    from .series import as_monthly

    h = total_window(as_monthly(y), months, fiscal_year).h if fiscal_year is not None else months
    f = fit(y, model, intervals=intervals, h=max(int(h), 1), **params)
    return f.forecast_total(months, fiscal_year=fiscal_year, level=level, n_paths=n_paths)


@dataclasses.dataclass(frozen=True)
class Choice:
    """Which model to trust on a series, and every candidate fitted once.

    ``result`` is the candidates' backtest, ``recommendation`` the one rule's
    verdict on it (:mod:`borderforecast.backtesting.recommend`), ``forecasters``
    each candidate fitted on the whole series with its calibration from ``result``.
    """

    result: Any
    recommendation: Any
    forecasters: Mapping[str, Forecaster]


def choose(
    y: pd.Series,
    *,
    models: Sequence[str] | None = None,
    series: str | None = None,
    h: int = 12,
    seed: int = 0,
    step: int | None = None,
    start: str | None = None,
    parts: Parts | None = None,
    jobs: int = 1,
    progress: Any = None,
) -> Choice:
    """Backtest the candidate models on ``y`` (cached), fit each once, apply the one rule.

    ``models`` defaults to the candidates that apply to ``y``
    (:func:`~borderforecast.backtesting.recommend.candidates_for`: ``demographic``
    only with its parts). The report, ``bf.forecast`` without a model and the CLI
    all choose this way, so they name the same model for the same series.
    """
    from .backtesting import recommend as rec
    from .backtesting.run import backtest

    sid = _series_id(y, series)
    if parts is None:
        from .data.parts import parts_for

        parts = parts_for(y)
    names = list(models) if models is not None else rec.candidates_for(y, parts, rec.CANDIDATES)
    hb = calibration_horizon(h)
    short = rec.too_short(y, names, hb)
    if short:  # too short to backtest: the default model with its own intervals, said so
        name = rec.fallback_model(y, names)
        f = fit(y, name, seed=seed, series=sid, parts=parts, intervals="raw")
        return Choice(None, rec.Recommendation(name, short), {name: f})
    names = [n for n in names if rec.backtestable(y, n, hb)]
    kw: dict[str, Any] = {"engine": "processes", "jobs": jobs} if jobs > 1 else {}
    result = backtest({sid: y}, models=names, step=step or rec.STEP, start=start, seed=seed,
                      h=hb, progress=progress,
                      parts={sid: parts} if parts else None, **kw)  # fmt: skip
    fits = {}
    for name in names:  # the calibration a named model gets (its origins, the backtest's fits)
        held = name in result.models
        try:
            fits[name] = fit(y, name, seed=seed, series=sid, parts=parts, h=h,
                             step=step or rec.STEP,
                             intervals="calibrated" if held else "raw")  # fmt: skip
        except BorderforecastError:  # a model that cannot fit now is refused by the rule
            continue
    nxt = {n: float(f.fitted.forecast(1)["median"].iloc[0]) for n, f in fits.items()}
    return Choice(result, rec.recommended_model(result, sid, nxt, y), fits)


def list_models() -> pd.DataFrame:
    """The named model specifications, one row each (name, family, description).

    Examples
    --------
    >>> import borderforecast as bf
    >>> table = bf.list_models()
    >>> {"snaive", "ets", "sarima", "structural"} <= set(table.index)
    True
    """
    rows = [
        {"name": s.name, "family": s.family, "description": s.description}
        for s in list_specs().values()
    ]
    return pd.DataFrame(rows, columns=["name", "family", "description"]).set_index("name")
