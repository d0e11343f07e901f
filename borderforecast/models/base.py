"""The model protocol: what every model family implements, and what it may add.

Every model is a small object built from keyword parameters (no work in
``__init__``) whose :meth:`BaseModel.fit` validates a monthly series,
transforms it (``log(y + offset)`` by default), calls the subclass's ``_fit``
and returns an immutable :class:`~borderforecast.models.fitted.FittedModel`. A
model can be fitted any number of times; fitting never mutates the model. A
model receives everything it needs as arguments: it never reads the data store.

A subclass implements:

``_fit(z, X) -> state``
    Fit on the transformed series ``z`` (a float Series, freq ``MS``);
    ``X`` is an optional DataFrame of exogenous regressors aligned with ``z``.
    A model with ``uses_parts = True`` gets ``_fit(z, X, parts)`` instead.
``_fitted(state) -> np.ndarray``
    In-sample one-step-ahead fitted values on the transformed scale (NaN where
    the model has none, e.g. the first year of a seasonal naive).
``_predict(state, h, levels, X) -> Prediction``
    Point forecast and interval quantiles on the transformed scale.

and may add (each has a default here, so callers never probe with ``getattr``):

``_simulate(state, h, n, rng, X) -> np.ndarray``
    ``n`` future sample paths ``(n, h)`` on the transformed scale (default:
    the model cannot simulate; the true mean then comes from its interval).
``_summary(state) -> str``
    A line for :meth:`FittedModel.summary`.
``uses_parts`` (class attribute) and ``applies(y, parts) -> (bool, reason)``
    A bottom-up model (``demographic``) is fitted on a series *and its parts*
    (a mapping of name -> Series that add up to it), given by the caller;
    ``applies`` says whether the parts make it more than its fallback.
``part_forecasts(state, h) -> DataFrame | None``
    Per part, its last month and point forecasts (bottom-up models only).

A model's *module* may define ``selected_orders(fitted)`` and
``warm_start(fitted)`` (constructor overrides from a fit at an anchor origin;
see :mod:`borderforecast.backtesting.units`), as :mod:`.sarima` does.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConvergenceWarning, ModelError, SpecError
from ..intervals import DEFAULT_LEVELS, check_levels, interval_columns, level_label
from ..series import MIN_HISTORY, as_monthly
from .fitted import (
    MAX_HORIZON,
    ConstantState,
    FittedModel,
    Transform,
    check_exog,
    future_index,
)

__all__ = [
    "DEFAULT_LEVELS",
    "MAX_HORIZON",
    "BaseModel",
    "FittedModel",
    "Prediction",
    "Transform",
    "check_levels",
    "future_index",
    "gaussian_prediction",
    "interval_columns",
    "level_label",
    "normal_quantile",
    "paths_prediction",
    "warn_convergence",
]

Parts = Mapping[str, pd.Series]
"""The parts of a series (name -> monthly counts) a bottom-up model adds up."""


normal_quantile = NormalDist().inv_cdf
"""The standard normal quantile (``scipy.stats.norm.ppf`` without importing scipy.stats)."""


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
    point, se = np.asarray(point, dtype=float), np.asarray(se, dtype=float)
    half = {lv: normal_quantile(0.5 + lv / 200.0) * se for lv in levels}
    lower = {lv: point - w for lv, w in half.items()}
    return Prediction(point, lower, {lv: point + w for lv, w in half.items()})


def paths_prediction(
    paths: np.ndarray, levels: Sequence[float], point: np.ndarray | None = None
) -> Prediction:
    """Empirical quantile intervals from sample paths ``(n, h)``."""
    paths = np.asarray(paths, dtype=float)
    pt = np.median(paths, axis=0) if point is None else np.asarray(point, dtype=float)
    tail = {lv: (100.0 - lv) / 200.0 for lv in levels}
    return Prediction(
        pt,
        {lv: np.quantile(paths, a, axis=0) for lv, a in tail.items()},
        {lv: np.quantile(paths, 1.0 - a, axis=0) for lv, a in tail.items()},
    )


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
    One model fitted twice (a spec name built by :func:`borderforecast.make_model`):

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
        self.name = name or self.family
        self.log = flag(log, "log", self.name)
        self.offset = float(offset)
        self.seed = int(seed)

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

    @property
    def transform(self) -> Transform:
        """The scale the model works on: ``log(y + offset)``, or the counts (``log=False``)."""
        return Transform("log" if self.log else "none", self.offset)

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters of this model, as given (for display and caching)."""
        return {k: getattr(self, k) for k in self.parameter_names() if hasattr(self, k)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- fitting -------------------------------------------------------
    def fit(
        self, y: pd.Series, X: pd.DataFrame | None = None, *, parts: Parts | None = None
    ) -> FittedModel:
        """Fit the model on a monthly series and return an immutable result.

        ``parts`` (bottom-up models only, ``uses_parts``): the series' parts,
        name -> monthly counts; they are cut at the last month of ``y``.

        Raises
        ------
        ShortSeriesError
            If ``y`` has fewer than ``min_length`` months.
        DataError
            If ``y`` has gaps, duplicates, NaN or negative values.
        ModelError
            If regressors (or parts) are given to a model that cannot use them.
        """
        y = as_monthly(y, min_length=self.min_length)
        Xa = check_exog(X, y.index, "fit")
        if Xa is not None and not self.supports_exog:
            raise ModelError(f"model {self.name!r} ({self.family}) does not take regressors")
        if parts is not None and not self.uses_parts:
            raise ModelError(f"model {self.name!r} ({self.family}) does not use parts")
        transform = self.transform
        z = pd.Series(transform.forward(y.values), index=y.index, name=y.name)
        constant = bool(np.ptp(y.values) == 0)
        if constant:
            state: Any = ConstantState(float(z.iloc[-1]))
            fitted_z = np.full(len(z), float(z.iloc[-1]))
        else:
            state = self._fit(z, Xa, parts) if self.uses_parts else self._fit(z, Xa)
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

    # -- optional hooks (documented in the module docstring) -----------
    uses_parts: ClassVar[bool] = False

    def applies(self, y: pd.Series, parts: Parts | None = None) -> tuple[bool, str]:
        """Whether this model is itself on ``y`` (and ``parts``), and if not, why."""
        return True, ""

    def part_forecasts(self, state: Any, h: int) -> pd.DataFrame | None:
        """Per part, the last month and ``h`` point forecasts (None: not a bottom-up model)."""
        return None

    # -- to implement --------------------------------------------------
    def _fit(self, z: pd.Series, X: pd.DataFrame | None, *parts: Any) -> Any:
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


def int_tuple(value: Any, length: int, what: str, model: str) -> tuple[int, ...]:
    """Validate an order such as ``[1, 1, 1]`` (non-negative whole numbers)."""
    try:
        out = tuple(int(v) for v in value)
        ok = len(out) == length and all(
            v >= 0 and float(v) == float(w) for v, w in zip(out, value, strict=True)
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SpecError(
            f"model {model!r}: {what} must be {length} non-negative whole numbers, got {value!r}"
        )
    return out


def whole(value: Any, what: str, model: str, low: int, high: int | None = None) -> int:
    """Check a whole number ``low <= value`` (``<= high``); SpecError otherwise."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    if not ok or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"from {low} to {high}"
        raise SpecError(f"model {model!r}: {what} must be a whole number {bound}, not {value!r}")
    return int(value)


def real(value: Any, what: str, model: str, *, zero: bool = False, high: float = np.inf) -> float:
    """Check a number ``> 0`` (``>= 0`` with ``zero``) and ``<= high``; SpecError otherwise."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and (value >= 0 if zero else value > 0) and value <= high):
        bound = (">= 0" if zero else "> 0") + ("" if high == np.inf else f" and <= {high:g}")
        raise SpecError(f"model {model!r}: {what} must be a number {bound}, not {value!r}")
    return float(value)


def choice(value: Any, allowed: Sequence[Any], what: str, model: str) -> Any:
    """Check that ``value`` is one of ``allowed`` (SpecError listing them otherwise)."""
    if value not in allowed:
        valid = ", ".join(repr(a) for a in allowed)
        raise SpecError(f"model {model!r}: {what} must be one of {valid}, not {value!r}")
    return value


def flag(value: Any, what: str, model: str) -> bool:
    """``value`` as a bool: SpecError unless it is true or false (a string such as 'no' is not)."""
    return bool(choice(value, (True, False), what, model))


def warn_convergence(model: BaseModel, detail: str) -> None:
    """Issue a :class:`~borderforecast.errors.ConvergenceWarning` for ``model``."""
    warnings.warn(f"model {model.name!r}: {detail}", ConvergenceWarning, stacklevel=3)
