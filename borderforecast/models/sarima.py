"""Seasonal ARIMA (regression with SARIMA errors) via statsmodels' ``SARIMAX``.

``sarima``: SARIMA(1,1,1)(0,1,1)12 on ``log(y + 1)``; ``auto_sarima`` (``auto=True``): D from
the STL seasonal strength, then a stepwise AICc search (Hyndman & Khandakar 2008) over
``p, q <= 2``, ``P, Q <= 1``. Fitted by exact maximum likelihood on the differenced series,
then filtered undifferenced to forecast and simulate in levels. Backtests reuse work between
origins with :func:`selected_orders` and :func:`warm_start`. See docs/guide/models.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, SpecError
from ._smtools import StateSpaceModel, format_params, quiet, silently
from .base import FittedModel, flag, int_tuple, warn_convergence

PERIOD = 12
SEASONAL_STRENGTH_THRESHOLD = 0.64


@dataclass(frozen=True)
class _State:
    results: Any
    order: tuple[int, ...]  # (p, d, q)
    seasonal_order: tuple[int, ...]  # (P, D, Q, s)
    searched: int = 0
    seasonal_strength: float | None = None


def seasonal_strength(z: pd.Series, period: int = PERIOD) -> float:
    """STL seasonal strength ``max(0, 1 - var(R) / var(S + R))`` (Wang, Smith & Hyndman 2006)."""
    from statsmodels.tsa.seasonal import STL

    dec = STL(np.asarray(z, dtype=float), period=period, robust=True).fit()
    rem, seas = np.asarray(dec.resid), np.asarray(dec.seasonal)
    denom = np.var(rem + seas)
    return 0.0 if denom <= 0 else float(max(0.0, 1.0 - np.var(rem) / denom))


class SARIMA(StateSpaceModel):
    """SARIMA on log counts, with optional regressors and automatic order search.

    Parameters
    ----------
    order : sequence of 3 ints, optional
        ``(p, d, q)``. Default ``(1, 1, 1)``; with ``auto=True`` leaving it
        unset runs the search, giving it skips the search.
    seasonal_order : sequence of 4 ints, optional
        ``(P, D, Q, s)``. Default ``(0, 1, 1, 12)``; same rule as ``order``.
    auto, d, seasonal_diff, max_p, max_q, max_P, max_Q, max_models
        The order search of ``auto_sarima`` (above): on or off (default off), its
        regular differences (1), seasonal differences (``None``: by the seasonal
        strength), largest orders (2, 2, 1, 1) and most candidates (10).
    start_params : sequence of float, optional
        Starting parameters for the optimiser (warm start), laid out as
        statsmodels' ``SARIMAX(..., concentrate_scale=True).param_names``
        (regression coefficients, AR, MA, seasonal AR, seasonal MA; no
        variance). Needs fixed orders. See :func:`warm_start`.
    maxiter : int
        Maximum optimiser iterations (default 200).
    **kwargs
        ``log``, ``offset``, ``seed``, ``name`` (see :class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fitted = SARIMA().fit(bf.load())
    >>> fitted.forecast(12).shape
    (12, 5)
    """

    family = "sarima"
    description = "SARIMA(1,1,1)(0,1,1)12 on log counts (statsmodels SARIMAX)"
    supports_exog = True

    def __init__(
        self,
        *,
        order: Sequence[int] | None = None,
        seasonal_order: Sequence[int] | None = None,
        auto: bool = False,
        d: int = 1,
        seasonal_diff: int | None = None,
        max_p: int = 2,
        max_q: int = 2,
        max_P: int = 1,  # noqa: N803 (the usual ARIMA notation)
        max_Q: int = 1,  # noqa: N803
        max_models: int = 10,
        start_params: Sequence[float] | None = None,
        maxiter: int = 200,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.order = None if order is None else int_tuple(order, 3, "order", self.name)
        self.seasonal_order = (
            None
            if seasonal_order is None
            else int_tuple(seasonal_order, 4, "seasonal_order", self.name)
        )
        if self.seasonal_order is not None and self.seasonal_order[3] == 1:
            raise SpecError(
                f"model {self.name!r}: the seasonal period in seasonal_order must be 0 or >= 2"
            )
        self.auto = flag(auto, "auto", self.name)
        self.d = int(d)
        self.seasonal_diff = None if seasonal_diff is None else int(seasonal_diff)
        self.max_p, self.max_q, self.max_P, self.max_Q = (
            int(v) for v in (max_p, max_q, max_P, max_Q)
        )
        self.max_models = int(max_models)
        if min(self.d, self.max_p, self.max_q, self.max_P, self.max_Q) < 0 or self.max_models < 1:
            raise SpecError(f"model {self.name!r}: search bounds must be >= 0 and max_models >= 1")
        self.start_params = None if start_params is None else tuple(float(v) for v in start_params)
        if self.start_params is not None and self.searches:
            raise SpecError(
                f"model {self.name!r}: start_params need fixed orders; pass order= and "
                "seasonal_order= too (see sarima.warm_start)"
            )
        self.maxiter = int(maxiter)

    @property
    def searches(self) -> bool:
        """Whether fitting runs the order search (``auto`` without fixed orders)."""
        return self.auto and self.order is None and self.seasonal_order is None

    # -- fitting -----------------------------------------------------------
    def _sarimax(self, z: Any, X: Any, order: Any, seasonal: Any, **kw: Any) -> Any:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(
            z, exog=X, order=order, seasonal_order=seasonal, concentrate_scale=True, **kw
        )

    def _candidate(
        self, z: pd.Series, X: pd.DataFrame | None, c: tuple[int, ...], D: int
    ) -> tuple[float, np.ndarray, bool]:
        """AICc, parameters and convergence of search candidate ``c = (p, q, P, Q)``."""
        p, q, P, Q = c
        if p + q + P + Q == 0 and X is None:
            return np.inf, np.empty(0), True
        try:
            mod = self._sarimax(z, X, (p, self.d, q), (P, D, Q, PERIOD), simple_differencing=True)
            res = silently(lambda: mod.fit(disp=False, maxiter=self.maxiter, cov_type="none"))
        except (ValueError, np.linalg.LinAlgError):
            return np.inf, np.empty(0), True
        aicc = float(res.aicc) if np.isfinite(res.aicc) else np.inf
        converged = bool(res.mle_retvals.get("converged", True))
        return aicc, np.asarray(res.params, dtype=float), converged

    def _search(
        self, z: pd.Series, X: pd.DataFrame | None
    ) -> tuple[tuple[int, ...], tuple[int, ...], int, float, np.ndarray]:
        strength = seasonal_strength(z)
        D = self.seasonal_diff
        if D is None:
            D = 1 if strength > SEASONAL_STRENGTH_THRESHOLD else 0
        bounds = (self.max_p, self.max_q, self.max_P, self.max_Q)
        scores: dict[tuple[int, ...], tuple[float, np.ndarray, bool]] = {}

        def score(c: tuple[int, ...]) -> float:
            if c not in scores:
                if len(scores) >= self.max_models or any(
                    v < 0 or v > b for v, b in zip(c, bounds, strict=True)
                ):
                    return np.inf
                scores[c] = self._candidate(z, X, c, D)
            return scores[c][0]

        start = [(0, 1, 0, 1), (1, 1, 0, 1), (1, 0, 1, 0), (1, 1, 1, 1)]
        for c in dict.fromkeys(
            tuple(min(v, b) for v, b in zip(c, bounds, strict=True)) for c in start
        ):
            score(c)
        if not scores:
            raise ModelError(f"model {self.name!r}: max_models leaves no SARIMA candidate to fit")
        best = min(scores, key=lambda k: scores[k][0])
        moves = [m for m in itertools.product((-1, 0, 1), repeat=4) if 0 < sum(map(abs, m)) <= 2]
        moves.sort(key=lambda m: sum(map(abs, m)))
        while len(scores) < self.max_models:
            improved = False
            for m in moves:
                cand = tuple(v + dv for v, dv in zip(best, m, strict=True))
                if cand in scores:
                    continue
                if score(cand) < scores[best][0]:
                    best, improved = cand, True
                    break
                if len(scores) >= self.max_models:
                    break
            if not improved:
                break
        if not np.isfinite(scores[best][0]):
            raise ModelError(f"model {self.name!r}: no SARIMA candidate could be fitted")
        if not scores[best][2]:
            warn_convergence(self, f"the optimiser did not converge for the selected SARIMA {best}")
        p, q, P, Q = best
        return (p, self.d, q), (P, D, Q, PERIOD), len(scores), strength, scores[best][1]

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        # X stays a DataFrame: its column names become the regression parameters' names
        searched, strength = 0, None
        if self.searches:  # the search already estimated the winner on the differenced series
            order, seasonal, searched, strength, params = self._search(z, X)
        else:
            order = self.order or (1, 1, 1)
            seasonal = self.seasonal_order or (0, 1, 1, PERIOD)
            diff = self._sarimax(z, X, order, seasonal, simple_differencing=True)
            start = None if self.start_params is None else np.asarray(self.start_params)
            if start is not None and len(start) != len(diff.param_names):
                raise ModelError(
                    f"model {self.name!r}: start_params has {len(start)} values but "
                    f"SARIMA{order}{seasonal} has {len(diff.param_names)} parameters "
                    f"({', '.join(diff.param_names)})"
                )
            kw = {"start_params": start, "disp": False, "maxiter": self.maxiter, "cov_type": "none"}
            params = np.asarray(quiet(self, lambda: diff.fit(**kw)).params, dtype=float)
        full = self._sarimax(z, X, order, seasonal)
        res = silently(lambda: full.filter(params, cov_type="none"))
        return _State(res, order, seasonal, searched, strength)

    def _summary(self, state: _State) -> str:
        res = state.results
        (p, d, q), (P, D, Q, s) = state.order, state.seasonal_order
        head = f"SARIMA({p},{d},{q})({P},{D},{Q}){s}"
        if state.searched:
            head += (
                f" selected by AICc among {state.searched} candidates "
                f"(seasonal strength {state.seasonal_strength:.2f})"
            )
        names = list(res.model.param_names) + ["sigma2"]
        values = list(np.asarray(res.params, dtype=float)) + [float(res.scale)]
        return f"{head}: {format_params(names, values)}; AICc {res.aicc:.1f}"


def _state_of(fitted: FittedModel) -> _State:
    state = fitted.state
    if not isinstance(state, _State):
        raise ModelError(f"{fitted!r} is not a fitted SARIMA model (or its series is constant)")
    return state


def selected_orders(fitted: FittedModel) -> dict[str, tuple[int, ...]]:
    """The orders a fitted SARIMA uses: ``{"order": (p,d,q), "seasonal_order": (P,D,Q,s)}``.

    Pass them as overrides (``make_model("auto_sarima", **selected_orders(f))``)
    to refit with the same orders and no search.
    """
    state = _state_of(fitted)
    return {"order": state.order, "seasonal_order": state.seasonal_order}


def warm_start(fitted: FittedModel) -> dict[str, Any]:
    """Overrides that refit with the same orders, starting from ``fitted``'s parameters.

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.models import make_model
    >>> y = bf.load()
    >>> first = make_model("sarima").fit(y.iloc[:-12])
    >>> again = make_model("sarima", **warm_start(first)).fit(y)
    >>> again.forecast(3).shape
    (3, 5)
    """
    state = _state_of(fitted)
    return {
        **selected_orders(fitted),
        "start_params": [float(v) for v in np.asarray(state.results.params, dtype=float)],
    }


MODEL = SARIMA
