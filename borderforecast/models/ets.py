"""Exponential smoothing (ETS) in state-space form, via statsmodels' ``ETSModel``.

Default ETS(A,Ad,A) on ``log(y + 1)`` (a multiplicative model of the counts), by maximum
likelihood; the additive model's analytical prediction intervals (Hyndman et al. 2008, ch. 6),
back-transformed quantile by quantile; sample paths from ``results.simulate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._smtools import estimates, quiet, simulate_results
from .base import BaseModel, Prediction, choice, flag, gaussian_prediction

PERIOD = 12


class ETS(BaseModel):
    """ETS exponential smoothing (statsmodels ``ETSModel``) on log counts.

    Parameters
    ----------
    trend : {"add", "none"}
        Additive trend (default) or none.
    damped : bool
        Damp the trend (default True; ignored without trend).
    seasonal : {"add", "none"}
        Additive 12-month seasonal (default) or none.
    maxiter : int
        Maximum optimiser iterations (default 1000).
    **kwargs
        ``log``, ``offset``, ``seed``, ``name`` (see :class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fc = ETS().fit(bf.load()).forecast(12)
    >>> bool((fc["lo95"] <= fc["lo80"]).all() and (fc["lo95"] >= 0).all())
    True
    """

    family = "ets"
    description = "ETS(A,Ad,A) exponential smoothing on log counts (statsmodels ETSModel)"
    supports_exog = False

    def __init__(
        self,
        *,
        trend: str = "add",
        damped: bool = True,
        seasonal: str = "add",
        maxiter: int = 1000,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trend = choice(trend, ("add", "none"), "trend", self.name)
        self.damped = flag(damped, "damped", self.name)
        self.seasonal = choice(seasonal, ("add", "none"), "seasonal", self.name)
        self.maxiter = int(maxiter)

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> Any:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        trend = None if self.trend == "none" else "add"
        seasonal = None if self.seasonal == "none" else "add"
        mod = ETSModel(
            z,
            error="add",
            trend=trend,
            damped_trend=self.damped and trend is not None,
            seasonal=seasonal,
            seasonal_periods=PERIOD if seasonal else None,
        )
        return quiet(self, lambda: mod.fit(disp=False, maxiter=self.maxiter))  # state: the results

    def _fitted(self, state: Any) -> np.ndarray:
        return np.asarray(state.fittedvalues, dtype=float)

    def _predict(
        self, state: Any, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        pred = state.get_prediction(start=state.nobs, end=state.nobs + h - 1)
        point = np.asarray(pred.predicted_mean, dtype=float)
        se = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
        return gaussian_prediction(point, se, levels)

    def _simulate(
        self, state: Any, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        return simulate_results(state, h, n, rng)

    def _summary(self, state: Any) -> str:
        spec = f"ETS(A,{'N' if self.trend == 'none' else 'Ad' if self.damped else 'A'},"
        spec += f"{'N' if self.seasonal == 'none' else 'A'})"
        return (
            f"{spec}: {estimates(state)}; "
            f"AICc {state.aicc:.1f}; residual sd {np.sqrt(state.mse):.4f} (transformed scale)"
        )


MODEL = ETS
