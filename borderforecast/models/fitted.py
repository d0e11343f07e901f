"""The immutable result of fitting a model, and the log transform it forecasts through.

A :class:`FittedModel` is what :meth:`BaseModel.fit <borderforecast.models.base.BaseModel.fit>`
returns: the model, the training series, the model's fitted state. It forecasts
with the model's *own* intervals (``attrs["intervals"] = "raw"``) and draws the
model's own sample paths; calibrated intervals, the true mean and totals belong
to the forecast front door (:mod:`borderforecast.forecast`), which holds a
fitted model and its calibration side by side. Nothing here calls above the
model layer. Forecasts are back-transformed quantile by quantile, so the
``median`` column is the median count of a log model and intervals stay ordered.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ForecastWarning, ModelError, SpecError
from ..intervals import DEFAULT_LEVELS, check_levels, tidy

MAX_HORIZON = 36
"""Longest horizon (months) the package vouches for: longer ones warn (ForecastWarning)."""

PICKLE_MAGIC = b"BFMODEL1\n"
"""First bytes of a pickled model (``save(trusted=True)``; read only with ``trusted=True``)."""
FORMAT = "borderforecast-model"
"""The ``format`` mark of a saved model (:mod:`borderforecast.models.persist`)."""

CAP_FACTOR = 10.0
"""Interval bounds (and sample paths) are capped at this multiple of the highest
month of the training series, so a model whose variance explodes cannot print
absurd numbers such as 1e98."""


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


def future_index(last: pd.Timestamp, h: int) -> pd.DatetimeIndex:
    """The ``h`` months after ``last`` (freq ``MS``, named ``month``)."""
    return pd.date_range(last + pd.offsets.MonthBegin(1), periods=h, freq="MS", name="month")


def check_exog(X: pd.DataFrame | None, index: pd.DatetimeIndex, what: str) -> pd.DataFrame | None:
    """Regressors aligned with ``index`` (floats), or a one-line ModelError."""
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


def check_horizon(h: Any) -> int:
    """A valid horizon (a whole number >= 1); over :data:`MAX_HORIZON` warns."""
    if not isinstance(h, (int, np.integer)) or isinstance(h, bool) or h < 1:
        raise ModelError(f"forecast horizon h must be a whole number >= 1, got {h!r}")
    if h > MAX_HORIZON:
        warnings.warn(
            f"a {h}-month forecast goes beyond the {MAX_HORIZON} months the package vouches "
            f"for; intervals are capped at {CAP_FACTOR:g}x the highest month observed",
            ForecastWarning,
            stacklevel=3,
        )
    return int(h)


@dataclass(frozen=True)
class ConstantState:
    """The state of a fit on a constant series (forecasts repeat its value)."""

    value: float


@dataclass(frozen=True, repr=False)
class FittedModel:
    """The immutable result of :meth:`BaseModel.fit`: the model's own forecasts and paths.

    Attributes
    ----------
    model : BaseModel
        The model that was fitted (its parameters; never mutated).
    y : pandas.Series
        The training series (counts, freq ``MS``).
    fitted_values, residuals : pandas.Series
        In-sample one-step-ahead fitted counts and ``y - fitted`` (NaN where
        the model gives no fitted value).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fitted = bf.make_model("snaive").fit(bf.load())
    >>> fc = fitted.forecast(6, level=(80, 95))
    >>> fc.columns.tolist(), bool((fc["lo80"] >= 0).all()), fc.attrs["intervals"]
    (['median', 'lo80', 'hi80', 'lo95', 'hi95'], True, 'raw')
    >>> fitted.simulate(6, n_paths=100, seed=0).shape
    (100, 6)
    """

    model: Any
    y: pd.Series
    X: pd.DataFrame | None
    transform: Transform
    state: Any = field(compare=False)
    fitted_values: pd.Series = field(compare=False)
    residuals: pd.Series = field(compare=False)
    constant: bool = False

    @property
    def name(self) -> str:
        """The name the result and its forecasts carry (``attrs["model"]``): the model's."""
        return str(self.model.name)

    @property
    def last_month(self) -> pd.Timestamp:
        return pd.Timestamp(self.y.index[-1])

    @property
    def series_id(self) -> str:
        """The series' id (``y.attrs["series_id"]``, else its name)."""
        return str(self.y.attrs.get("series_id") or self.y.name or "series")

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
        Xf = check_exog(X, future_index(self.last_month, h), "future")
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
    ) -> pd.DataFrame:
        """The model's own forecast of the next ``h`` months.

        Returns a frame indexed by month (freq ``MS``) with ``median`` (the point
        forecast: the median for a log model) and ``lo<L>``, ``hi<L>`` per
        level; counts, never negative, capped at :data:`CAP_FACTOR` x the
        highest month of ``y``. ``attrs``: ``intervals`` (``"raw"``), ``point``
        (``"median"`` or ``"mean"``), ``model``, ``series``, ``last_month``.
        Over :data:`MAX_HORIZON` months warns (ForecastWarning).
        """
        h = check_horizon(h)
        levels = check_levels(level)
        Xf = self._future_exog(h, X)
        if self.constant:
            v = np.full(h, self.state.value)
            point, lower, upper = v, dict.fromkeys(levels, v), dict.fromkeys(levels, v)
        else:
            pred = self.model._predict(self.state, h, levels, Xf)
            point, lower, upper = pred.point, pred.lower, pred.upper
        with np.errstate(over="ignore", invalid="ignore"):
            frame = tidy(
                self._inverse(point),
                {lv: self._inverse(lower[lv]) for lv in levels},
                {lv: self._inverse(upper[lv]) for lv in levels},
                levels,
                future_index(self.last_month, h),
            )
        frame.attrs.update(
            intervals="raw",
            point="median" if self.transform.kind == "log" else "mean",
            model=self.name,
            series=self.series_id,
            last_month=f"{self.last_month:%Y-%m}",
        )
        return frame

    @property
    def cap(self) -> float:
        """Upper cap of bounds and paths: :data:`CAP_FACTOR` x the highest month of ``y``."""
        return CAP_FACTOR * max(float(self.y.max()), 1.0)

    def _inverse(self, z: Any) -> np.ndarray:
        """Counts from the transformed scale, capped (NaN and overflow become the cap)."""
        cap = self.cap
        v = np.asarray(self.transform.inverse(np.asarray(z, dtype=float)), dtype=float)
        return np.minimum(np.nan_to_num(v, nan=cap, posinf=cap), cap)

    def simulate(
        self, h: int, n_paths: int = 1000, seed: int | None = None, X: pd.DataFrame | None = None
    ) -> np.ndarray:
        """Draw ``n_paths`` of the model's own future sample paths, shape ``(n_paths, h)``.

        The paths keep the dependence between months, so sums over a window
        have the right spread. Values are capped like the intervals. A model
        without ``_simulate`` raises ModelError ("cannot simulate").
        """
        if h < 1 or n_paths < 1:
            raise ModelError("simulate needs h >= 1 and n_paths >= 1")
        rng = np.random.default_rng(self.model.seed if seed is None else seed)
        Xf = self._future_exog(h, X)
        if self.constant:
            return np.full((n_paths, h), self.transform.inverse(self.state.value))
        z = self.model._simulate(self.state, h, n_paths, rng, Xf)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._inverse(z)

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
        import pickle
        import zlib

        from .. import plaindata
        from ..atomic import write_bytes
        from ..version import __version__

        out = Path(path)
        if not out.parent.resolve().is_dir():
            raise ModelError(f"cannot save the model: folder {out.parent} does not exist")
        cls = type(self.model)
        doc = {
            "format": FORMAT, "version": 2, "package": __version__,
            "class": f"{cls.__module__}:{cls.__qualname__}", "params": self.model.get_params(),
            "y": self.y, "X": self.X,
        }  # fmt: skip
        try:
            data = plaindata.dumps(doc)
        except TypeError as exc:
            if not trusted:
                raise ModelError(
                    f"model {self.name!r} cannot be saved as plain data ({exc}); "
                    "save(path, trusted=True) writes a pickle, which only load_model(path, "
                    "trusted=True) reads"
                ) from None
            data = PICKLE_MAGIC + zlib.compress(pickle.dumps(self, pickle.HIGHEST_PROTOCOL), 6)
        write_bytes(out, data)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Observed, fitted and residual values by month."""
        return pd.DataFrame(
            {"observed": self.y, "fitted": self.fitted_values, "residual": self.residuals}
        )
