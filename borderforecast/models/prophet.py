"""Prophet configured for monthly counts.

No weekly or daily terms; 11 month-of-year indicators instead of Prophet's yearly Fourier
terms (``seasonality="month_dummies"``, which do not drift between months; ``"fourier"`` keeps
them); the log scale; intervals and sample paths from Prophet's own predictive samples, drawn
with numpy's global generator seeded around each draw and restored. Stan's output is silenced;
regressors enter through ``add_regressor``. See docs/guide/models.md ("prophet").
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from logging.handlers import BufferingHandler
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from .base import (
    BaseModel,
    Prediction,
    choice,
    future_index,
    paths_prediction,
    real,
    warn_convergence,
    whole,
)

SEASONALITIES = ("month_dummies", "fourier")
GROWTHS = ("linear", "flat")
_MONTH_COLS = [f"month_{k:02d}" for k in range(2, 13)]


def _import_prophet() -> Any:
    """Import :class:`prophet.Prophet` with its chatter silenced."""
    # prophet.plot logs an error when plotly is missing; cmdstanpy logs every Stan run
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    import prophet  # absolute import: the package, not this module

    try:  # cmdstanpy sets its logger to DEBUG the first time it is asked for it
        from cmdstanpy.utils.logging import get_logger

        get_logger()
    except ImportError:  # pragma: no cover - another Stan backend
        pass
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)  # prophet sets INFO on import
    return prophet.Prophet


@contextmanager
def _quiet() -> Iterator[None]:
    """Hide deprecation notices raised inside Prophet's own code (not the user's)."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category, module=r"prophet(\.|$)")
        yield


@contextmanager
def _global_seed(seed: int) -> Iterator[None]:
    """Seed numpy's global generator, restoring its previous state afterwards."""
    saved = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        with _quiet():
            yield
    finally:
        np.random.set_state(saved)


@dataclass(frozen=True)
class _State:
    model: Any  # the fitted prophet.Prophet (never refitted)
    exog: tuple[str, ...]  # user regressor names, in order
    fitted: np.ndarray


class ProphetModel(BaseModel):
    """Prophet for monthly data, on the log scale, with month-of-year effects.

    Parameters
    ----------
    seasonality : {"month_dummies", "fourier"}
        Month effects as 11 indicator regressors (default) or Prophet's yearly
        Fourier terms.
    fourier_order : int
        Order of the yearly Fourier series when ``seasonality="fourier"``
        (1 to 6; 6 is saturated for 12 points a year).
    growth, changepoint_prior_scale, n_changepoints, uncertainty_samples
        Prophet's own (``growth`` ``"linear"`` or ``"flat"``).
    changepoint_range : float
        Prophet's; border counts turn sharply, so the default (0.9) lets the
        trend bend later than Prophet's 0.8.
    seasonality_prior_scale, regressor_prior_scale : float
        Prior scales of the month effects (dummies or Fourier terms) and of
        the exogenous regressors.
    log, offset, seed, name
        See :class:`~borderforecast.models.base.BaseModel`.

    Examples
    --------
    >>> from borderforecast.models.prophet import ProphetModel
    >>> ProphetModel(seasonality="month_dummies").family
    'prophet'
    """

    family = "prophet"
    description = "Prophet with month-of-year effects on log counts"
    supports_exog = True

    def __init__(
        self,
        *,
        seasonality: str = "month_dummies",
        fourier_order: int = 6,
        seasonality_prior_scale: float = 10.0,
        growth: str = "linear",
        changepoint_prior_scale: float = 0.05,
        n_changepoints: int = 25,
        changepoint_range: float = 0.9,
        regressor_prior_scale: float = 10.0,
        uncertainty_samples: int = 500,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.seasonality = choice(seasonality, SEASONALITIES, "seasonality", self.name)
        self.fourier_order = whole(fourier_order, "fourier_order", self.name, 1, 6)
        self.seasonality_prior_scale = real(
            seasonality_prior_scale, "seasonality_prior_scale", self.name
        )
        self.growth = choice(growth, GROWTHS, "growth", self.name)
        self.changepoint_prior_scale = real(
            changepoint_prior_scale, "changepoint_prior_scale", self.name
        )
        self.n_changepoints = whole(n_changepoints, "n_changepoints", self.name, 0)
        self.changepoint_range = real(changepoint_range, "changepoint_range", self.name, high=1.0)
        self.regressor_prior_scale = real(regressor_prior_scale, "regressor_prior_scale", self.name)
        self.uncertainty_samples = whole(uncertainty_samples, "uncertainty_samples", self.name, 50)

    # -- frames ----------------------------------------------------------
    def _frame(
        self, index: pd.DatetimeIndex, X: pd.DataFrame | None, exog: Sequence[str]
    ) -> pd.DataFrame:
        df = pd.DataFrame({"ds": pd.DatetimeIndex(index).as_unit("ns")})
        if self.seasonality == "month_dummies":  # February to December; January is the base
            df[_MONTH_COLS] = (np.asarray(index.month)[:, None] == np.arange(2, 13)).astype(float)
        if exog:
            if X is None:
                raise ModelError(f"model {self.name!r}: regressors {list(exog)} are needed")
            for i, col in enumerate(exog):
                df[f"exog_{i}"] = X[col].to_numpy(dtype=float)
        return df

    # -- protocol --------------------------------------------------------
    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        Prophet = _import_prophet()
        fourier = self.seasonality == "fourier"
        m = Prophet(
            growth=self.growth,
            yearly_seasonality=self.fourier_order if fourier else False,
            weekly_seasonality=False,
            daily_seasonality=False,
            seasonality_mode="additive",
            seasonality_prior_scale=self.seasonality_prior_scale,
            changepoint_prior_scale=self.changepoint_prior_scale,
            n_changepoints=min(self.n_changepoints, max(len(z) - 2, 0)),
            changepoint_range=self.changepoint_range,
            uncertainty_samples=self.uncertainty_samples,
        )
        if not fourier:
            for col in _MONTH_COLS:
                m.add_regressor(col, prior_scale=self.seasonality_prior_scale, standardize=False)
        exog = tuple(X.columns) if X is not None else ()
        for i in range(len(exog)):
            m.add_regressor(f"exog_{i}", prior_scale=self.regressor_prior_scale)
        df = self._frame(pd.DatetimeIndex(z.index), X, exog)
        df["y"] = z.to_numpy(dtype=float)
        recorder = BufferingHandler(capacity=10_000)  # Prophet's own log of the Stan run
        recorder.setLevel(logging.WARNING)
        stan_log = logging.getLogger("prophet.models")
        stan_log.addHandler(recorder)
        try:
            with _quiet():
                m.fit(df, seed=self.seed)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"model {self.name!r}: Prophet's optimiser failed ({exc})") from None
        finally:
            stan_log.removeHandler(recorder)
        if any("abnormally" in r.getMessage() for r in recorder.buffer):
            warn_convergence(
                self, "Prophet's L-BFGS optimiser stopped abnormally; refitted with Newton"
            )
        with _quiet():
            fitted = self._point(m, df)
        if not np.all(np.isfinite(fitted)):
            raise ModelError(f"model {self.name!r}: Prophet produced non-finite fitted values")
        return _State(m, exog, fitted)

    @staticmethod
    def _point(m: Any, df: pd.DataFrame) -> np.ndarray:
        """Prophet's point prediction (trend + components), without random draws."""
        setup = m.setup_dataframe(df.copy())
        trend = np.asarray(m.predict_trend(setup), dtype=float)
        comps = m.predict_seasonal_components(setup)
        return (
            trend * (1 + comps["multiplicative_terms"].to_numpy())
            + comps["additive_terms"].to_numpy()
        )

    def _fitted(self, state: _State) -> np.ndarray:
        return state.fitted

    def _samples(
        self, state: _State, h: int, X: pd.DataFrame | None, seed: int, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        m = state.model
        future = self._frame(future_index(m.history["ds"].iloc[-1], h), X, state.exog)
        with _quiet():
            point = self._point(m, future)
        if n != m.uncertainty_samples:
            m = copy.copy(m)  # shallow copy: the fitted object itself is never changed
            m.uncertainty_samples = n
        with _global_seed(seed):
            draws = m.predictive_samples(future)["yhat"]  # (h, n)
        paths = np.asarray(draws, dtype=float).T[:n]
        if not np.all(np.isfinite(paths)):
            raise ModelError(f"model {self.name!r}: Prophet produced non-finite forecast draws")
        return point, paths

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        point, paths = self._samples(state, h, X, self.seed, self.uncertainty_samples)
        return paths_prediction(paths, levels, point=point)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        seed = int(rng.integers(0, 2**32 - 1))
        return self._samples(state, h, X, seed, n)[1]

    def _summary(self, state: _State) -> str:
        m = state.model
        k = float(np.nanmean(m.params["k"]))
        sigma = float(np.nanmean(m.params["sigma_obs"])) * float(m.y_scale)
        season = (
            "11 month-of-year dummies"
            if self.seasonality == "month_dummies"
            else f"yearly Fourier order {self.fourier_order}"
        )
        lines = [
            f"Seasonality: {season}; growth {self.growth}; "
            f"{len(m.changepoints)} potential changepoints",
            f"Base trend slope (scaled): {k:.4f}; noise sd (transformed scale): {sigma:.4f}",
        ]
        if state.exog:
            lines.append(f"Regressors: {', '.join(state.exog)}")
        return "\n".join(lines)


MODEL = ProphetModel
