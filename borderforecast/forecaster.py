"""The one forecast front door: ``fit``, ``forecast``, ``forecast_total``.

(The module is ``forecaster``, not ``forecast``: a submodule named like the
public function ``borderforecast.forecast`` would replace it on import.)

:func:`fit` returns a :class:`Forecaster`: an immutable pair of the model's fit
(:class:`~borderforecast.models.fitted.FittedModel`, the model's own intervals)
and its calibration (:class:`~borderforecast.backtesting.live.Calibration`: the
same model's past errors on the same series, computed in :func:`fit` by the
short route of :mod:`borderforecast.backtesting.live`, or passed in). Every
forecast is made in one pass, in plain view:

    raw model forecast -> conformal widths -> guards -> mean from sample paths

(the paths are the model's own, rescaled to the calibrated 80% widths). With
``intervals="raw"`` there is no calibration and the model's own intervals are
shown. The frame says which in ``attrs["intervals"]`` and, when calibrated,
the origins behind it in ``attrs["calibration"]``. The report builds its
forecasters from its own backtest (:meth:`Calibration.from_backtest`), so the
API, the CLI and the report give the same numbers for the same model, series
and month.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .backtesting.live import Calibration, calibration, calibration_horizon
from .errors import BorderforecastError, DataError, DataWarning, ModelError
from .intervals import DEFAULT_LEVELS, check_levels, levels_of
from .models.base import BaseModel
from .models.fitted import FittedModel, check_horizon
from .models.registry import ModelSpec, get_spec, list_specs, make_model
from .models.sampling import calibrate_paths, total_of_paths, total_window, with_true_mean

__all__ = ["DEFAULT_MODEL", "Forecaster", "fit", "forecast", "forecast_total", "list_models"]

DEFAULT_MODEL = "demographic"
DEFAULT_SERIES = "southwest"

ModelLike = str | os.PathLike[str] | ModelSpec | BaseModel
Parts = Mapping[str, pd.Series]


@dataclasses.dataclass(frozen=True, repr=False)
class Forecaster:
    """A fitted model and the calibration of its intervals, side by side (immutable).

    Attributes
    ----------
    fitted : FittedModel
        The model's fit (its own forecasts and sample paths).
    calibration : Calibration or None
        The model's past errors on this series that calibrate its intervals;
        None: the model's own intervals (``intervals="raw"``).

    Examples
    --------
    >>> import borderforecast as bf
    >>> f = bf.fit(bf.load(), model="snaive")
    >>> fc = f.forecast(3)
    >>> fc.columns.tolist(), fc.attrs["intervals"], f.calibration.info["step"]
    (['median', 'mean', 'lo80', 'hi80', 'lo95', 'hi95'], 'calibrated', 3)
    """

    fitted: FittedModel
    calibration: Calibration | None = None

    @property
    def name(self) -> str:
        return self.fitted.name

    @property
    def y(self) -> pd.Series:
        return self.fitted.y

    @property
    def intervals(self) -> str:
        """``"calibrated"`` or ``"raw"``."""
        return "raw" if self.calibration is None else "calibrated"

    def __repr__(self) -> str:
        cal = self.calibration
        how = "raw intervals" if cal is None else f"calibrated on {cal.info.get('origins')} origins"
        return f"<Forecaster {self.name} on {self.fitted.series_id}, {how}>"

    def frames(
        self, h: int = 12, level: int | Sequence[int | float] = DEFAULT_LEVELS, X: Any = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(for_paths, shown)``: the forecast in the protocol's columns (``mean`` = the point).

        ``shown`` is what :meth:`forecast` shows (guarded calibrated intervals, or
        the model's own); ``for_paths`` holds the 80% widths sample paths are
        rescaled to (the conformal ones, before the guards).
        """
        h = check_horizon(h)
        levels = check_levels(level)
        raw = self.fitted.forecast(h, level=levels, X=X)
        cal = self.calibration
        if cal is None:
            return raw, raw
        if h > cal.h:
            raise ModelError(
                f"the calibration of {self.name!r} covers {cal.h} months; for a {h}-month "
                f"forecast fit with h={h} (borderforecast.fit(y, ..., h={h}))"
            )
        conformal, shown = cal.apply(raw, self.y)
        if 80 not in levels_of(conformal):  # the paths follow the 80% widths
            conformal = cal.apply(self.fitted.forecast(h, level=(80,), X=X), self.y)[0]
        return conformal, shown

    def paths(
        self, h: int = 12, n_paths: int = 1000, seed: int | None = None, X: Any = None
    ) -> np.ndarray:
        """``n_paths`` sample paths of the next ``h`` months, shape ``(n_paths, h)``.

        The model's own paths, each month's spread rescaled (on the
        ``log(1 + y)`` scale) to the calibrated 80% interval when calibrated.
        """
        paths = self._paths(self.frames(h, (80,), X)[0], n_paths, seed, X)
        if paths is None:
            raise ModelError(f"model {self.name!r} cannot simulate sample paths")
        return paths

    def _paths(
        self, frame: pd.DataFrame, n_paths: int, seed: int | None, X: Any
    ) -> np.ndarray | None:
        try:
            paths = self.fitted.simulate(len(frame), n_paths=n_paths, seed=seed, X=X)
        except ModelError as exc:
            if "cannot simulate" in str(exc):
                return None
            raise
        if self.calibration is None:
            return paths
        return calibrate_paths(paths, frame, self.fitted.cap)

    def forecast(
        self,
        h: int = 12,
        level: int | Sequence[int | float] = DEFAULT_LEVELS,
        X: Any = None,
        *,
        n_paths: int = 1000,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """Forecast the next ``h`` months.

        Returns a frame indexed by month with ``median`` (the point forecast),
        ``mean`` (the mean of ``n_paths`` sample paths seeded by ``seed``,
        default the model's), then ``lo<L>``, ``hi<L>`` per level. ``attrs``:
        ``intervals``, ``model``, ``series``, ``last_month``, ``point``,
        ``mean_method`` and, when calibrated, ``calibration`` and
        ``interval_notes``. Over 36 months warns; beyond the calibration's
        horizon raises (fit with a longer ``h``).
        """
        for_paths, shown = self.frames(h, level, X)
        paths = self._paths(for_paths, n_paths, seed, X)
        log = self.fitted.transform.kind == "log"
        return with_true_mean(shown, paths, self.fitted.cap, log, n_paths)

    def forecast_total(
        self,
        months: int = 12,
        *,
        fiscal_year: int | None = None,
        level: int | Sequence[int | float] = DEFAULT_LEVELS,
        n_paths: int = 2000,
        seed: int | None = None,
        X: Any = None,
    ) -> pd.Series:
        """Total of the next ``months`` months, or a fiscal-year projection, from sample paths.

        Each path (see :meth:`paths`) is summed over the window (plus the
        observed months of the fiscal year); the total's median, mean and
        intervals are those of the sums, so the months' dependence is kept.
        Returns ``first, last, observed_months, observed, forecast_months,
        median, mean, lo80, hi80, lo95, hi95``.
        """
        window = total_window(self.y, months, fiscal_year)
        paths = self.paths(window.h, n_paths, seed, X) if window.h > 0 else None
        out = total_of_paths(window, paths, check_levels(level), n_paths)
        out.attrs.update(
            intervals=self.intervals,
            model=self.name,
            n_paths=n_paths,
            seed=self.fitted.model.seed if seed is None else seed,
            method="quantiles of the sums of sample paths",
        )
        return out

    def summary(self) -> str:
        """The fit's summary and the calibration behind the intervals."""
        cal = self.calibration
        if cal is None:
            return self.fitted.summary() + "\nIntervals: the model's own (raw)"
        i = cal.info
        return self.fitted.summary() + (
            f"\nIntervals: calibrated ({i.get('method')}) on {i.get('origins')} origins "
            f"{i.get('first_origin')}..{i.get('last_origin')} every {i.get('step')} months, "
            f"h = {i.get('h')}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the model, its parameters, the series span and the calibration."""
        f = self.fitted
        return {
            "model": self.name,
            "family": f.model.family,
            "params": {k: v for k, v in f.model.get_params().items() if k != "name"},
            "series": f.series_id,
            "first_month": f"{f.y.index[0]:%Y-%m}",
            "last_month": f"{f.last_month:%Y-%m}",
            "intervals": self.intervals,
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
        }

    def plot(
        self, h: int = 12, level: Sequence[int] = DEFAULT_LEVELS, ax: Any = None, history: int = 72
    ) -> Any:
        """The last ``history`` months, the fitted values and an ``h``-month fan chart.

        Log scale; returns the matplotlib Figure (see :mod:`borderforecast.plotting`).
        """
        return _plot(self.fitted, self.frames(h, level)[1], check_levels(level), ax, history)


def _plot(fitted: FittedModel, fc: pd.DataFrame, levels: Sequence[float], ax: Any,
          history: int) -> Any:  # fmt: skip
    from matplotlib.ticker import FuncFormatter

    from . import plotting

    fig, ax = plotting.new_figure(9.0, 4.5) if ax is None else (ax.figure, ax)
    obs = fitted.y.iloc[-history:]
    color = plotting.COLORS["forecast"]
    with plotting.style():
        ax.plot(obs.index, obs.values, color=plotting.COLORS["observed"], lw=1.4,
                label="observed")  # fmt: skip
        ax.plot(obs.index, fitted.fitted_values.reindex(obs.index), color="0.5", lw=0.9,
                ls="--", label="fitted")  # fmt: skip
        for lv, alpha in zip(sorted(levels, reverse=True), (0.18, 0.32, 0.45), strict=False):
            ax.fill_between(fc.index, fc[f"lo{lv:g}"], fc[f"hi{lv:g}"], color=color,
                            alpha=alpha, lw=0, label=f"{lv:g}% interval")  # fmt: skip
        ax.plot(fc.index, fc["mean"], color=color, lw=1.6, label=f"forecast ({fitted.name})")
        values = np.concatenate([obs.to_numpy(dtype=float), fc.to_numpy(dtype=float).ravel()])
        positive = values[np.isfinite(values) & (values > 0)]
        ax.set_yscale("log")
        if len(positive):
            ax.set_ylim(max(1.0, positive.min() / 1.8), positive.max() * 1.8)
        ax.yaxis.set_major_formatter(FuncFormatter(plotting.thousands))
        ax.set_ylabel(f"{plotting.COUNT_LABEL} (log scale)")
        plotting.format_month_axis(ax)
        ax.set_title(f"{fitted.y.name or 'series'}: {fitted.name} forecast")
        plotting.legend_outside(ax, "below", ncols=5)
    return fig


def _series_id(y: pd.Series, series: str | None) -> str:
    return str(series or y.attrs.get("series_id") or y.name or DEFAULT_SERIES)


def _spec_of(model: ModelLike, params: dict[str, Any]) -> ModelSpec:
    """The spec a calibration can rebuild (spec name or path, plus overrides; or a model)."""
    if isinstance(model, BaseModel):
        cls = type(model)
        own = {k: v for k, v in model.get_params().items() if k != "name"}
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
        default ``"demographic"``.
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
    """
    if intervals not in ("calibrated", "raw"):
        raise ModelError(f"intervals must be 'calibrated' or 'raw', not {intervals!r}")
    model = DEFAULT_MODEL if model is None else model
    built = make_model(model, **params)
    if built.uses_parts and parts is None:
        from .data.parts import parts_for

        parts = parts_for(y)
    fitted = built.fit(y, X=X, parts=parts if built.uses_parts else None)
    if X is not None or intervals == "raw":
        return Forecaster(fitted, None)
    if calibration is None:
        calibration = _calibrate(fitted, _spec_of(model, params), y, series, h, step, parts)
    return Forecaster(fitted, calibration)


def _calibrate(
    fitted: FittedModel,
    spec: ModelSpec,
    y: pd.Series,
    series: str | None,
    h: int,
    step: int,
    parts: Parts | None,
) -> Calibration:
    release = y.attrs.get("release")
    yy = fitted.y.copy()
    yy.attrs["release"] = release
    return calibration(
        yy, spec, series=_series_id(y, series), h=calibration_horizon(h),
        seed=fitted.model.seed, step=step, parts=parts,
    )  # fmt: skip


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
    ``unique_id, ds, <model>, <model>-lo-80, ...`` returned (a series that
    cannot be forecast is skipped with a DataWarning, ``attrs["skipped"]``).

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

    make_model(DEFAULT_MODEL if model is None else model, **params)  # bad model: fail once
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
