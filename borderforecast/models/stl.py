"""STL decomposition + a non-seasonal model, via statsmodels' ``STLForecast``.

Robust STL (period 12) of ``log(y + 1)``; the adjusted series is forecast by damped-trend
ETS(A,Ad,N) (``model="ets"``, like R's ``stlf``) or ARIMA (``model="arima"``), and the last
year's seasonal is repeated. With ``seasonal_error=True`` (default) the intervals are widened
for the seasonal estimate's error and the remainder the seasonal smoother absorbed (from the
smoother as a linear operator, :func:`stl_leverage`). See docs/guide/models.md ("stl").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from ._smtools import burn_in, estimates, quiet, simulate_results
from .base import BaseModel, Prediction, choice, flag, gaussian_prediction, int_tuple

PERIOD = 12
LEVERAGE_WINDOW = 120


@dataclass(frozen=True)
class _State:
    results: Any
    nobs: int
    inflation: float  # remainder variance factor 1 / (1 - tr(A)/n) (1 when not corrected)
    seasonal_var: np.ndarray  # (12,) error variance of the last-year seasonal estimates


@lru_cache(maxsize=16)
def stl_leverage(n: int, seasonal: int, period: int = PERIOD) -> tuple[float, tuple[float, ...]]:
    """Mean leverage ``tr(A)/n`` and squared row norms of the last ``period`` rows of ``A``.

    ``A`` is the (linear) non-robust STL seasonal smoother on ``n`` points:
    ``seasonal = A @ z``, built column by column from unit impulses.
    """
    from statsmodels.tsa.seasonal import STL

    A = np.empty((n, n))
    eye = np.eye(n)
    for j in range(n):
        A[:, j] = STL(eye[j], period=period, seasonal=seasonal, robust=False).fit().seasonal
    rows = A[n - period :]
    return float(np.trace(A) / n), tuple(float(v) for v in (rows**2).sum(axis=1))


class STLModel(BaseModel):
    """STL + ETS/ARIMA forecaster (statsmodels ``STLForecast``) on log counts.

    Parameters
    ----------
    model : {"ets", "arima"}
        Model of the seasonally adjusted series (default ``"ets"``: ETS with
        additive damped trend).
    arima_order : sequence of 3 ints
        ARIMA order when ``model="arima"`` (default ``(1, 1, 1)``, with drift).
    seasonal : int
        STL seasonal smoother length, odd and >= 7 (default 13, as ``stlf``).
    robust : bool
        Robust STL (default True).
    seasonal_error : bool
        Widen the intervals for the seasonal estimate's error and the
        remainder's shrinkage (default True; False gives statsmodels' intervals).
    **kwargs
        ``log``, ``offset``, ``seed``, ``name`` (see :class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fc = STLModel(model="arima").fit(bf.load()).forecast(6)
    >>> list(fc.columns)
    ['median', 'lo80', 'hi80', 'lo95', 'hi95']
    """

    family = "stl"
    description = "Robust STL + damped ETS on the seasonally adjusted log counts (STLForecast)"
    supports_exog = False

    def __init__(
        self,
        *,
        model: str = "ets",
        arima_order: Sequence[int] = (1, 1, 1),
        seasonal: int = 13,
        robust: bool = True,
        seasonal_error: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model = choice(model, ("ets", "arima"), "model", self.name)
        self.arima_order = int_tuple(arima_order, 3, "arima_order", self.name)
        self.seasonal = int(seasonal)
        if self.seasonal < 7 or self.seasonal % 2 == 0:
            raise SpecError(
                f"model {self.name!r}: seasonal must be an odd number >= 7, got {seasonal!r}"
            )
        self.robust = flag(robust, "robust", self.name)
        self.seasonal_error = flag(seasonal_error, "seasonal_error", self.name)

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        from statsmodels.tsa.forecasting.stl import STLForecast

        if self.model == "ets":
            from statsmodels.tsa.exponential_smoothing.ets import ETSModel as cls

            model_kw: dict[str, Any] = {"error": "add", "trend": "add", "damped_trend": True}
        else:  # with drift when d = 1, a constant when d = 0
            from statsmodels.tsa.arima.model import ARIMA as cls  # type: ignore[assignment]

            trend = "t" if self.arima_order[1] == 1 else "c" if self.arima_order[1] == 0 else "n"
            model_kw = {"order": self.arima_order, "trend": trend}
        fit_kw = {"disp": False} if self.model == "ets" else {}
        stl_kw = {"period": PERIOD, "seasonal": self.seasonal, "robust": self.robust}
        mod = STLForecast(z, cls, model_kwargs=model_kw, **stl_kw)
        res = quiet(self, lambda: mod.fit(fit_kwargs=fit_kw), results_of=lambda r: r.model_result)
        if not self.seasonal_error:
            return _State(res, len(z), 1.0, np.zeros(PERIOD))
        lev, row2 = stl_leverage(min(len(z), LEVERAGE_WINDOW), self.seasonal)
        inflation = 1.0 / (1.0 - lev)
        inner = res.model_result
        resid = np.asarray(inner.resid, dtype=float)
        if self.model == "arima":
            resid = resid[int(inner.loglikelihood_burn) :]
        sigma2 = float(np.mean(resid**2)) * inflation
        return _State(res, len(z), inflation, sigma2 * np.asarray(row2))

    def _fitted(self, state: _State) -> np.ndarray:
        inner = state.results.model_result
        one_step = np.asarray(inner.fittedvalues, dtype=float)
        if self.model == "arima":
            one_step = burn_in(one_step, inner.loglikelihood_burn)
        return one_step + np.asarray(state.results.result.seasonal, dtype=float)

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        pred = state.results.get_prediction(start=state.nobs, end=state.nobs + h - 1)
        point = np.asarray(pred.predicted_mean, dtype=float)
        var = np.asarray(pred.var_pred_mean, dtype=float) * state.inflation
        var = var + np.resize(state.seasonal_var, h)
        return gaussian_prediction(point, np.sqrt(var), levels)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        inner = state.results.model_result
        # the seasonal errors (a fixed number of draws) first, then the months in order:
        # the first k months are the same for any h >= k
        errors = rng.standard_normal((n, PERIOD)) * np.sqrt(state.seasonal_var)[None, :]
        paths = simulate_results(inner, h, n, rng)
        if state.inflation != 1.0:
            centre = np.asarray(inner.forecast(h), dtype=float)[None, :]
            paths = centre + np.sqrt(state.inflation) * (paths - centre)
        seasonal = np.asarray(state.results.result.seasonal, dtype=float)[-PERIOD:]
        reps = -(-h // PERIOD)
        return paths + np.resize(seasonal, h)[None, :] + np.tile(errors, (1, reps))[:, :h]

    def _summary(self, state: _State) -> str:
        seas = np.asarray(state.results.result.seasonal, dtype=float)[-PERIOD:]
        what = "ETS(A,Ad,N)" if self.model == "ets" else f"ARIMA{self.arima_order}"
        return (
            f"STL (period 12, seasonal {self.seasonal}, "
            f"{'robust' if self.robust else 'non-robust'}) + "
            f"{what}: {estimates(state.results.model_result)}; last-year seasonal range "
            f"{seas.min():+.3f} to {seas.max():+.3f} (log scale)"
        )


MODEL = STLModel
