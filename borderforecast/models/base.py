"""The model protocol, the fitted result and the log transform.

Every model is a small object built from keyword parameters (no work in
``__init__``) whose :meth:`BaseModel.fit` validates a monthly series,
transforms it (``log(y + offset)`` by default), calls the subclass's
``_fit`` and returns an immutable :class:`FittedModel`. A model can be fitted
any number of times; fitting never mutates the model.

A subclass implements:

``_fit(z, X) -> state``
    Fit on the transformed series ``z`` (a float Series, freq ``MS``);
    ``X`` is an optional DataFrame of exogenous regressors aligned with ``z``.
``_fitted(state) -> np.ndarray``
    In-sample one-step-ahead fitted values on the transformed scale (NaN where
    the model has none, e.g. the first year of a seasonal naive).
``_predict(state, h, levels, X) -> Prediction``
    Point forecast and interval quantiles on the transformed scale.
``_simulate(state, h, n, rng, X) -> np.ndarray`` (optional)
    ``n`` future sample paths ``(n, h)`` on the transformed scale.

Forecasts are back-transformed quantile by quantile, so intervals stay
ordered and never go below zero.

The model protocol's point column is called ``mean`` for compatibility (the
backtest frames, ensembles and stored report forecasts use that name), but
for a log model it holds the back-transformed point forecast of the log
scale, i.e. the forecast *median* of the count (the convention of R's
``forecast`` without ``biasadj``). ``frame.attrs["point"]`` says which it
is (``"median"`` or ``"mean"``). The public forecasts of
:func:`borderforecast.forecast` name it ``median`` and add a true ``mean``
from sample paths; :meth:`FittedModel.total` sums sample paths.

Horizons beyond :data:`MAX_HORIZON` months issue a
:class:`~borderforecast.errors.ForecastWarning`, and every upper bound is
capped at :data:`CAP_FACTOR` times the highest month of the training series.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ForecastWarning, ModelError, SpecError
from ..series import MIN_HISTORY, as_monthly

DEFAULT_LEVELS: tuple[int, ...] = (80, 95)

MAX_HORIZON = 36
"""Longest horizon (months) the package vouches for: longer ones warn (ForecastWarning)."""

CAP_FACTOR = 10.0
"""Interval bounds (and sample paths) are capped at this multiple of the highest
month of the training series, so a model whose variance explodes cannot print
absurd numbers such as 1e98."""


def normal_quantile(p: float) -> float:
    """The standard normal quantile (``scipy.stats.norm.ppf`` without importing scipy.stats)."""
    return NormalDist().inv_cdf(p)


def check_levels(level: int | float | Sequence[int | float]) -> tuple[float, ...]:
    """Validate interval levels (percent, strictly between 0 and 100), sorted."""
    levels = (level,) if isinstance(level, (int, float)) else tuple(level)
    out = []
    for lv in levels:
        if not isinstance(lv, (int, float)) or not 0 < float(lv) < 100:
            raise ModelError(f"interval level {lv!r} must be a percentage between 0 and 100")
        out.append(int(lv) if float(lv).is_integer() else float(lv))
    return tuple(sorted(set(out)))


def level_label(level: float) -> str:
    """Column suffix for a level: 80 -> '80', 97.5 -> '97.5'."""
    return f"{level:g}"


def interval_columns(levels: Sequence[float]) -> list[str]:
    """Column names in the canonical order: mean, lo80, hi80, lo95, hi95."""
    cols = ["mean"]
    for lv in levels:
        cols += [f"lo{level_label(lv)}", f"hi{level_label(lv)}"]
    return cols


@dataclass(frozen=True)
class Transform:
    """``log(y + offset)`` (``kind='log'``) or the identity (``kind='none'``).

    The offset (default 1) keeps months with zero counts finite; it is
    subtracted again on the way back and results are clipped at zero.
    """

    kind: str = "log"
    offset: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("log", "none"):
            raise SpecError(f"transform must be 'log' or 'none', not {self.kind!r}")
        if self.kind == "log" and self.offset < 0:
            raise SpecError("log offset must be >= 0")

    def forward(self, y: np.ndarray | pd.Series) -> Any:
        if self.kind == "none":
            return y * 1.0
        if self.offset == 0 and np.any(np.asarray(y) <= 0):
            raise ModelError("log transform with offset 0 needs strictly positive counts")
        return np.log(y + self.offset)

    def inverse(self, z: np.ndarray | pd.Series) -> Any:
        if self.kind == "none":
            return np.maximum(z, 0.0)
        return np.maximum(np.exp(z) - self.offset, 0.0)


@dataclass(frozen=True)
class Prediction:
    """A forecast on the transformed scale.

    ``point`` has shape ``(h,)``; ``lower``/``upper`` map each level to an
    array of shape ``(h,)``.
    """

    point: np.ndarray
    lower: Mapping[float, np.ndarray]
    upper: Mapping[float, np.ndarray]


def gaussian_prediction(point: np.ndarray, se: np.ndarray, levels: Sequence[float]) -> Prediction:
    """Symmetric normal intervals ``point +/- z * se`` for each level."""
    point = np.asarray(point, dtype=float)
    se = np.asarray(se, dtype=float)
    lower, upper = {}, {}
    for lv in levels:
        q = normal_quantile(0.5 + lv / 200.0)
        lower[lv] = point - q * se
        upper[lv] = point + q * se
    return Prediction(point, lower, upper)


def paths_prediction(
    paths: np.ndarray, levels: Sequence[float], point: np.ndarray | None = None
) -> Prediction:
    """Empirical quantile intervals from sample paths ``(n, h)``."""
    paths = np.asarray(paths, dtype=float)
    pt = np.median(paths, axis=0) if point is None else np.asarray(point, dtype=float)
    lower, upper = {}, {}
    for lv in levels:
        a = (100.0 - lv) / 200.0
        lower[lv] = np.quantile(paths, a, axis=0)
        upper[lv] = np.quantile(paths, 1.0 - a, axis=0)
    return Prediction(pt, lower, upper)


def future_index(last: pd.Timestamp, h: int) -> pd.DatetimeIndex:
    """The ``h`` months after ``last`` (freq ``MS``, named ``month``)."""
    return pd.date_range(last + pd.offsets.MonthBegin(1), periods=h, freq="MS", name="month")


def _check_exog(X: pd.DataFrame | None, index: pd.DatetimeIndex, what: str) -> pd.DataFrame | None:
    if X is None:
        return None
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise ModelError(f"{what} regressors must be a DataFrame or Series")
    try:
        Xa = X.copy()
        Xa.index = pd.DatetimeIndex(X.index).to_period("M").to_timestamp(how="start")
        Xa = Xa.reindex(index)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{what} regressors need a monthly date index ({exc})") from None
    if Xa.isna().any().any():
        raise ModelError(
            f"{what} regressors do not cover every month from {index[0]:%Y-%m} to {index[-1]:%Y-%m}"
        )
    return Xa.astype(float)


class BaseModel:
    """Base class of every forecasting model.

    Parameters
    ----------
    log : bool
        Model ``log(y + offset)`` (default) or the raw counts.
    offset : float
        Added before the log so that zero counts stay finite (default 1).
    seed : int
        Seed of the model's own random numbers (simulation, bootstrap).
    name : str, optional
        Display name (defaults to the spec name or the family).

    Examples
    --------
    A model is built from a spec name (:func:`borderforecast.make_model`) and
    fitted to a monthly series; fitting returns a new :class:`FittedModel` and
    leaves the model unchanged, so one model can be fitted many times:

    >>> import borderforecast as bf
    >>> model = bf.make_model("snaive")
    >>> a, b = model.fit(bf.load(end="2018-12")), model.fit(bf.load(end="2019-12"))
    >>> a.y.index[-1].year, b.y.index[-1].year
    (2018, 2019)
    """

    family: ClassVar[str] = "base"
    description: ClassVar[str] = ""
    supports_exog: ClassVar[bool] = False
    min_length: ClassVar[int] = MIN_HISTORY

    def __init__(
        self, *, log: bool = True, offset: float = 1.0, seed: int = 0, name: str | None = None
    ) -> None:
        self.log = bool(log)
        self.offset = float(offset)
        self.seed = int(seed)
        self.name = name or self.family

    # -- introspection -------------------------------------------------
    @classmethod
    def parameter_names(cls) -> list[str]:
        """Keyword parameters accepted by the constructor (base ones included)."""
        names: list[str] = []
        for klass in cls.__mro__:
            if "__init__" not in vars(klass):
                continue
            for p in inspect.signature(klass.__init__).parameters.values():  # type: ignore[misc]
                if p.kind == p.KEYWORD_ONLY and p.name not in names:
                    names.append(p.name)
        return names

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters of this model, as given (for display and caching)."""
        return {k: getattr(self, k) for k in self.parameter_names() if hasattr(self, k)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- fitting -------------------------------------------------------
    def fit(self, y: pd.Series, X: pd.DataFrame | None = None) -> FittedModel:
        """Fit the model on a monthly series and return an immutable result.

        Raises
        ------
        ShortSeriesError
            If ``y`` has fewer than ``min_length`` months.
        DataError
            If ``y`` has gaps, duplicates, NaN or negative values.
        ModelError
            If regressors are given to a model that cannot use them.
        """
        y = as_monthly(y, min_length=self.min_length)
        Xa = _check_exog(X, y.index, "fit")
        if Xa is not None and not self.supports_exog:
            raise ModelError(f"model {self.name!r} ({self.family}) does not take regressors")
        transform = Transform("log" if self.log else "none", self.offset)
        z = pd.Series(transform.forward(y.values), index=y.index, name=y.name)
        constant = bool(np.ptp(y.values) == 0)
        if constant:
            state: Any = _ConstantState(float(z.iloc[-1]))
            fitted_z = np.full(len(z), float(z.iloc[-1]))
        else:
            state = self._fit(z, Xa)
            fitted_z = np.asarray(self._fitted(state), dtype=float)
        fitted = pd.Series(transform.inverse(fitted_z), index=y.index, name="fitted")
        return FittedModel(
            model=self,
            y=y,
            X=Xa,
            transform=transform,
            state=state,
            fitted_values=fitted,
            residuals=(y - fitted).rename("residual"),
            constant=constant,
        )

    # -- to implement --------------------------------------------------
    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> Any:
        raise NotImplementedError

    def _fitted(self, state: Any) -> np.ndarray:
        raise NotImplementedError

    def _predict(
        self, state: Any, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        raise NotImplementedError

    def _simulate(
        self, state: Any, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        raise ModelError(f"model {self.name!r} ({self.family}) cannot simulate sample paths")

    def _summary(self, state: Any) -> str:
        return ""


@dataclass(frozen=True)
class _ConstantState:
    value: float


@dataclass(frozen=True, repr=False)
class FittedModel:
    """The immutable result of :meth:`BaseModel.fit`.

    Attributes
    ----------
    model : BaseModel
        The model that was fitted (its parameters; never mutated).
    y : pandas.Series
        The training series (counts, freq ``MS``).
    fitted_values, residuals : pandas.Series
        In-sample one-step-ahead fitted counts and ``y - fitted`` (NaN where
        the model gives no fitted value).
    calibrator : callable, optional
        ``calibrator(fitted, raw_frame) -> frame`` that calibrates the
        intervals of a forecast; set by :func:`borderforecast.fit` (which
        runs the calibration backtest), ``None`` for ``model.fit(y)``.

    Examples
    --------
    >>> import borderforecast as bf
    >>> fitted = bf.make_model("snaive").fit(bf.load())
    >>> fc = fitted.forecast(6, level=(80, 95))
    >>> fc.columns.tolist(), bool((fc["lo80"] >= 0).all()), fc.attrs["intervals"]
    (['mean', 'lo80', 'hi80', 'lo95', 'hi95'], True, 'raw')
    >>> fitted.simulate(6, n_paths=100, seed=0).shape
    (100, 6)
    """

    model: BaseModel
    y: pd.Series
    X: pd.DataFrame | None
    transform: Transform
    state: Any = field(compare=False)
    fitted_values: pd.Series = field(compare=False)
    residuals: pd.Series = field(compare=False)
    constant: bool = False
    calibrator: Callable[[FittedModel, pd.DataFrame], pd.DataFrame] | None = field(
        default=None, compare=False
    )

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def last_month(self) -> pd.Timestamp:
        return pd.Timestamp(self.y.index[-1])

    def __repr__(self) -> str:
        return (
            f"<FittedModel {self.name} ({self.model.family}) on {self.y.name or 'series'} "
            f"{self.y.index[0]:%Y-%m}..{self.last_month:%Y-%m}>"
        )

    def _future_exog(self, h: int, X: pd.DataFrame | None) -> pd.DataFrame | None:
        if self.X is None:
            if X is not None:
                raise ModelError(
                    "regressors given for the forecast, but the model was fitted without"
                )
            return None
        if X is None:
            raise ModelError(
                f"the model was fitted with regressors {list(self.X.columns)}: "
                f"pass their future values for {h} months"
            )
        Xf = _check_exog(X, future_index(self.last_month, h), "future")
        assert Xf is not None
        missing = set(self.X.columns) - set(Xf.columns)
        if missing:
            raise ModelError(f"future regressors lack columns {sorted(missing)}")
        return Xf[list(self.X.columns)]

    def forecast(
        self,
        h: int = 12,
        level: int | Sequence[int | float] = DEFAULT_LEVELS,
        X: pd.DataFrame | None = None,
        *,
        intervals: str | None = None,
        mean: bool | None = None,
        n_paths: int = 1000,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """Forecast the next ``h`` months.

        Parameters
        ----------
        h : int
            Months ahead (over :data:`MAX_HORIZON` warns with a ForecastWarning).
        level : int or sequence
            Interval levels in percent.
        X : DataFrame, optional
            Future regressors (models fitted with regressors).
        intervals : {"calibrated", "raw"}, optional
            ``"calibrated"`` (the default for a model fitted with
            :func:`borderforecast.fit`): widths calibrated on a backtest of
            this model on this series; ``"raw"`` (the default for
            ``make_model(...).fit(y)``): the model's own intervals.
        mean : bool, optional
            Name the point column ``median`` (for log models) and add a true
            ``mean`` computed from ``n_paths`` sample paths (seeded by
            ``seed``, default the model's). Default: True for models fitted
            with :func:`borderforecast.fit`, False for the model protocol.

        Returns
        -------
        pandas.DataFrame
            Indexed by month (freq ``MS``). The protocol columns are
            ``mean`` (the point forecast: the median for a log model, see the
            module docs), then ``lo<L>``, ``hi<L>`` for each level ``L``.
            With ``mean=True`` the columns are ``median, mean, lo80, hi80,
            lo95, hi95``. Counts, never negative, capped at
            :data:`CAP_FACTOR` x the highest month of ``y``.
            ``attrs`` holds ``intervals`` ("calibrated" or "raw"),
            ``point`` ("median" or "mean"), ``model``, ``series``,
            ``last_month`` and, for calibrated intervals, ``calibration``
            (the backtest window and settings behind them).
        """
        if not isinstance(h, (int, np.integer)) or isinstance(h, bool) or h < 1:
            raise ModelError(f"forecast horizon h must be a whole number >= 1, got {h!r}")
        kind = intervals or self.default_intervals
        if kind not in ("calibrated", "raw"):
            raise ModelError(f"intervals must be 'calibrated' or 'raw', not {intervals!r}")
        if kind == "calibrated" and self.default_intervals == "raw":
            raise ModelError(
                f"model {self.name!r} was fitted without a calibration backtest: fit it with "
                "borderforecast.fit(...) for calibrated intervals, or ask intervals='raw'"
            )
        if h > MAX_HORIZON:
            warnings.warn(
                f"a {h}-month forecast goes beyond the {MAX_HORIZON} months the package vouches "
                f"for; intervals are capped at {CAP_FACTOR:g}x the highest month observed",
                ForecastWarning,
                stacklevel=2,
            )
        frame = self._raw_forecast(int(h), check_levels(level), X)
        if kind == "calibrated":
            assert self.calibrator is not None
            frame = self.calibrator(self, frame)  # sets attrs["intervals"] and "calibration"
        want_mean = self.calibrator is not None if mean is None else bool(mean)
        if want_mean:
            from ._paths import with_true_mean

            frame = with_true_mean(self, frame, X, n_paths, seed)
        return frame

    def _raw_forecast(
        self, h: int, levels: tuple[float, ...], X: pd.DataFrame | None
    ) -> pd.DataFrame:
        idx = future_index(self.last_month, h)
        Xf = self._future_exog(h, X)
        if self.constant:
            v = self.state.value
            pred = Prediction(
                np.full(h, v),
                {lv: np.full(h, v) for lv in levels},
                {lv: np.full(h, v) for lv in levels},
            )
        else:
            pred = self.model._predict(self.state, h, levels, Xf)
        cap = self.cap
        with np.errstate(over="ignore", invalid="ignore"):
            out = {"mean": self._inverse(pred.point, cap)}
            for lv in levels:
                lo = self._inverse(pred.lower[lv], cap)
                hi = self._inverse(pred.upper[lv], cap)
                out[f"lo{level_label(lv)}"] = np.minimum(lo, out["mean"])
                out[f"hi{level_label(lv)}"] = np.maximum(hi, out["mean"])
        frame = pd.DataFrame(out, index=idx)[interval_columns(levels)]
        # nested intervals: a wider level never sits inside a narrower one
        for narrow, wide in zip(levels, levels[1:], strict=False):
            ln, lw = f"lo{level_label(narrow)}", f"lo{level_label(wide)}"
            hn, hw = f"hi{level_label(narrow)}", f"hi{level_label(wide)}"
            frame[lw] = np.minimum(frame[lw], frame[ln])
            frame[hw] = np.maximum(frame[hw], frame[hn])
        frame.attrs.update(
            {
                "intervals": "raw",
                "point": "median" if self.transform.kind == "log" else "mean",
                "model": self.name,
                "series": str(self.y.attrs.get("series_id") or self.y.name or "series"),
                "last_month": f"{self.last_month:%Y-%m}",
            }
        )
        return frame

    @property
    def default_intervals(self) -> str:
        """``"calibrated"`` when the result carries a calibration, else ``"raw"``."""
        if self.calibrator is None or not getattr(self.calibrator, "calibrates", True):
            return "raw"
        return "calibrated"

    @property
    def cap(self) -> float:
        """Upper cap of bounds and paths: :data:`CAP_FACTOR` x the highest month of ``y``."""
        return CAP_FACTOR * max(float(self.y.max()), 1.0)

    def _inverse(self, z: Any, cap: float) -> np.ndarray:
        v = np.asarray(self.transform.inverse(np.asarray(z, dtype=float)), dtype=float)
        return np.minimum(np.nan_to_num(v, nan=cap, posinf=cap), cap)

    def simulate(
        self,
        h: int,
        n_paths: int = 1000,
        seed: int | None = None,
        X: pd.DataFrame | None = None,
        *,
        intervals: str = "raw",
    ) -> np.ndarray:
        """Draw ``n_paths`` future sample paths of the counts, shape ``(n_paths, h)``.

        The paths keep the dependence between months, so sums over a window
        (cumulative effects) have the right spread. With
        ``intervals="calibrated"`` each month's spread (on the ``log(1 + y)``
        scale, around the point forecast) is rescaled so that the paths' 80%
        band matches the calibrated 80% interval; ``"raw"`` (default) gives
        the model's own paths. Values are capped like the intervals.
        """
        if h < 1 or n_paths < 1:
            raise ModelError("simulate needs h >= 1 and n_paths >= 1")
        rng = np.random.default_rng(self.model.seed if seed is None else seed)
        Xf = self._future_exog(h, X)
        if self.constant:
            return np.full((n_paths, h), self.transform.inverse(self.state.value))
        z = self.model._simulate(self.state, h, n_paths, rng, Xf)
        with np.errstate(over="ignore", invalid="ignore"):
            paths = self._inverse(z, self.cap)
        if intervals == "calibrated":
            from ._paths import calibrate_paths

            frame = self.forecast(h, level=(80,), X=X, intervals="calibrated", mean=False)
            paths = calibrate_paths(paths, frame, self.cap)
        elif intervals != "raw":
            raise ModelError(f"intervals must be 'calibrated' or 'raw', not {intervals!r}")
        return paths

    def total(
        self,
        months: int = 12,
        *,
        fiscal_year: int | None = None,
        level: int | Sequence[int | float] = DEFAULT_LEVELS,
        n_paths: int = 2000,
        seed: int | None = None,
        X: pd.DataFrame | None = None,
        intervals: str | None = None,
    ) -> pd.Series:
        """Total of the next ``months`` months, or a fiscal-year projection, from sample paths.

        Each sample path (see :meth:`simulate`) is summed over the window
        (plus the observed months of the fiscal year), and the total's
        median, mean and intervals are the median, mean and quantiles of
        those sums, so the months' dependence is kept.

        Parameters
        ----------
        months : int
            Window length after the last observed month (ignored with ``fiscal_year``).
        fiscal_year : int, optional
            Project this federal fiscal year (October to September): observed
            months plus forecast months up to September.
        level, n_paths, seed, X
            Interval levels, number of paths, their seed (default: the
            model's), future regressors.
        intervals : {"calibrated", "raw"}, optional
            Which paths (default: calibrated when the model has a calibration).

        Returns
        -------
        pandas.Series
            ``first, last, observed_months, observed, forecast_months, median,
            mean, lo80, hi80, lo95, hi95``; ``attrs`` as :meth:`forecast`.
        """
        from ._paths import total_from_paths

        kind = intervals or self.default_intervals
        return total_from_paths(
            self, months, fiscal_year, check_levels(level), n_paths, seed, X, kind
        )

    def summary(self) -> str:
        """A short plain-text description of the fit."""
        resid = self.residuals.dropna()
        tr = self.transform
        transform = f"log(y + {tr.offset:g})" if tr.kind == "log" else "none"
        lines = [
            f"Model: {self.name} ({self.model.family}; {type(self.model).__name__})",
            f"Series: {self.y.name or 'series'}, {self.y.index[0]:%Y-%m} to "
            f"{self.last_month:%Y-%m} ({len(self.y)} months)",
            f"Transform: {transform}",
            f"Parameters: {self.model.get_params()}",
        ]
        if len(resid):
            rel = (resid.abs() / self.y.reindex(resid.index).clip(lower=1)).median()
            lines.append(
                f"In-sample one-step errors: MAE {resid.abs().mean():,.0f}, "
                f"median relative error {rel:.1%}"
            )
        if self.constant:
            lines.append(
                "The series is constant: forecasts repeat its value with zero-width intervals."
            )
        else:
            extra = self.model._summary(self.state)
            if extra:
                lines.append(extra)
        return "\n".join(lines)

    def save(self, path: str | os.PathLike[str], *, trusted: bool = False) -> Path:
        """Write the fitted model to a small plain-data file; read it with
        :func:`borderforecast.load_model` (see :mod:`borderforecast.models.persist`)."""
        from .persist import save_fitted

        return save_fitted(self, path, trusted)

    def to_frame(self) -> pd.DataFrame:
        """Observed, fitted and residual values by month."""
        return pd.DataFrame(
            {"observed": self.y, "fitted": self.fitted_values, "residual": self.residuals}
        )

    def plot(
        self, h: int = 12, level: Sequence[int] = DEFAULT_LEVELS, ax: Any = None, history: int = 72
    ) -> Any:
        """Plot the last ``history`` months, the fitted values and an ``h``-month fan chart.

        Counts are drawn on a log scale (equal heights are equal percentage
        changes), with limits that hug the data and the intervals. Returns the
        matplotlib Figure (in the shared style of :mod:`borderforecast.plotting`).
        """
        from matplotlib.ticker import FuncFormatter

        from .. import plotting

        if ax is None:
            fig, ax = plotting.new_figure(9.0, 4.5)
        else:
            fig = ax.figure
        fc = self.forecast(h, level=level, mean=False)
        obs = self.y.iloc[-history:]
        with plotting.style():
            ax.plot(
                obs.index, obs.values, color=plotting.COLORS["observed"], lw=1.4, label="observed"
            )
            ax.plot(
                obs.index,
                self.fitted_values.reindex(obs.index),
                color="0.5",
                lw=0.9,
                ls="--",
                label="fitted",
            )
            for lv, alpha in zip(
                sorted(check_levels(level), reverse=True), (0.18, 0.32, 0.45), strict=False
            ):
                ax.fill_between(
                    fc.index,
                    fc[f"lo{level_label(lv)}"],
                    fc[f"hi{level_label(lv)}"],
                    color=plotting.COLORS["forecast"],
                    alpha=alpha,
                    lw=0,
                    label=f"{level_label(lv)}% interval",
                )
            ax.plot(
                fc.index,
                fc["mean"],
                color=plotting.COLORS["forecast"],
                lw=1.6,
                label=f"forecast ({self.name})",
            )
            values = np.concatenate([obs.to_numpy(dtype=float), fc.to_numpy(dtype=float).ravel()])
            positive = values[np.isfinite(values) & (values > 0)]
            ax.set_yscale("log")
            if len(positive):
                ax.set_ylim(max(1.0, positive.min() / 1.8), positive.max() * 1.8)
            ax.yaxis.set_major_formatter(FuncFormatter(plotting.thousands))
            ax.set_ylabel(f"{plotting.COUNT_LABEL} (log scale)")
            plotting.format_month_axis(ax)
            ax.set_title(f"{self.y.name or 'series'}: {self.name} forecast")
            plotting.legend_outside(ax, "below", ncols=5)
        return fig


def warn_convergence(model: BaseModel, detail: str) -> None:
    """Issue a :class:`~borderforecast.errors.ConvergenceWarning` for ``model``."""
    from ..errors import ConvergenceWarning

    warnings.warn(f"model {model.name!r}: {detail}", ConvergenceWarning, stacklevel=3)
