"""Shared plumbing of the statsmodels-backed model families (not a family itself).

Every fit and simulation runs with BLAS on one thread (:func:`single_thread`: small
matrices, where threads only cost, 10-20 times on a busy machine); :func:`quiet` silences
statsmodels' many warnings and re-issues at most one
:class:`~borderforecast.errors.ConvergenceWarning` when the optimiser did not converge.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import BorderforecastWarning
from .base import BaseModel, Prediction, gaussian_prediction, warn_convergence

T = TypeVar("T")


@contextmanager
def single_thread() -> Iterator[None]:
    """Limit BLAS thread pools to one thread (small matrices: threads only cost)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def silently(fn: Callable[[], T]) -> T:
    """``fn()`` with every warning ignored and BLAS on one thread (search candidates, refits
    with parameters already estimated, simulations)."""
    with warnings.catch_warnings(), single_thread():
        warnings.simplefilter("ignore")
        return fn()


def quiet(
    model: BaseModel,
    fn: Callable[[], T],
    what: str = "optimiser",
    results_of: Callable[[T], Any] | None = None,
) -> T:
    """Run ``fn()`` with statsmodels' warnings silenced; warn once if it did not converge.

    Non-convergence is detected from statsmodels' own ``ConvergenceWarning``
    and from ``mle_retvals['converged']`` of the returned results (or of
    ``results_of(result)`` when the estimation results are nested).
    borderforecast's own warnings raised inside ``fn`` are passed through.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergenceWarning

    with warnings.catch_warnings(record=True) as caught, single_thread():
        warnings.simplefilter("always")
        result = fn()
    notes: list[str] = []
    for w in caught:
        if issubclass(w.category, BorderforecastWarning):
            warnings.warn(w.message, w.category, stacklevel=3)
        elif issubclass(w.category, SMConvergenceWarning):
            notes.append(str(w.message).split("\n")[0])
    retvals = getattr(result if results_of is None else results_of(result), "mle_retvals", None)
    if isinstance(retvals, dict) and retvals.get("converged") is False:
        notes.append("maximum likelihood optimisation did not converge")
    if notes:
        warn_convergence(
            model, f"the {what} did not converge ({notes[0]}); results may be unreliable"
        )
    return result


def exog_array(X: pd.DataFrame | None) -> np.ndarray | None:
    """Regressors as a float array (``None`` stays ``None``)."""
    return None if X is None else X.to_numpy(dtype=float)


def burn_in(values: Any, burn: int) -> np.ndarray:
    """One-step fitted values with the first ``burn`` (diffuse start-up) set to NaN."""
    out = np.asarray(values, dtype=float).copy()
    out[: max(int(burn), 0)] = np.nan
    return out


def simulate_results(
    results: Any, h: int, n: int, rng: np.random.Generator, exog: np.ndarray | None = None
) -> np.ndarray:
    """``n`` future paths ``(n, h)`` from a statsmodels state-space or ETS results object.

    A time-invariant linear Gaussian state-space model (SARIMAX, UnobservedComponents): the
    distribution ``results.simulate(h, anchor="end", repetitions=n)`` draws from (end state
    from ``N(0, P)``, then the model's own noise), vectorised over the paths (~100 times
    faster for large SARIMA states). Other models (ETS): ``results.simulate`` itself.
    """
    fr = getattr(results, "filter_results", None)
    if fr is not None and _time_invariant(fr):
        with single_thread():
            paths = _statespace_paths(results, h, n, rng, exog)
        if paths is not None:
            return paths
    kwargs: dict[str, Any] = {"anchor": "end", "repetitions": n, "rng": rng}
    if exog is not None:
        kwargs["exog"] = exog
    sims = silently(lambda: results.simulate(h, **kwargs))
    return np.asarray(sims, dtype=float).reshape(h, n).T


def _time_invariant(fr: Any) -> bool:
    mats = ("design", "transition", "selection", "state_cov", "obs_cov")
    return all(getattr(fr, m).shape[-1] == 1 for m in mats) and fr.design.shape[0] == 1


def _sqrt_psd(a: np.ndarray) -> np.ndarray:
    """A square root ``L`` with ``L @ L.T == a`` of a symmetric positive semi-definite matrix."""
    w, v = np.linalg.eigh((a + a.T) / 2.0)
    return np.asarray(v * np.sqrt(np.clip(w, 0.0, None)))


def _statespace_paths(
    results: Any, h: int, n: int, rng: np.random.Generator, exog: np.ndarray | None
) -> np.ndarray | None:
    fr = results.filter_results
    Z, T = fr.design[:, :, 0], fr.transition[:, :, 0]
    R, Q, H = fr.selection[:, :, 0], fr.state_cov[:, :, 0], fr.obs_cov[:, :, 0]
    P = np.asarray(results.predicted_state_cov[:, :, -1], dtype=float)
    fc = silently(lambda: results.get_forecast(h, exog=exog))
    point = np.asarray(fc.predicted_mean, dtype=float)
    se = np.asarray(fc.se_mean, dtype=float)
    # the forecast variance the matrices imply must be statsmodels' own (scale conventions)
    var, Pj = np.empty(h), P.copy()
    for j in range(h):
        var[j] = float((Z @ Pj @ Z.T + H)[0, 0])
        Pj = T @ Pj @ T.T + R @ Q @ R.T
    if var[0] <= 0 or not np.all(np.isfinite(var)):
        return None
    factor = se[0] ** 2 / var[0]
    if not np.allclose(var * factor, se**2, rtol=1e-6, atol=1e-14):
        return None
    LP, LQ = _sqrt_psd(P * factor), _sqrt_psd(Q * factor)
    sd_obs = float(np.sqrt(max(H[0, 0] * factor, 0.0)))
    state = rng.standard_normal((n, LP.shape[1])) @ LP.T
    dev = np.empty((n, h))
    for j in range(h):
        dev[:, j] = state @ Z[0] + sd_obs * rng.standard_normal(n)
        state = state @ T.T + (rng.standard_normal((n, LQ.shape[1])) @ LQ.T) @ R.T
    return point[None, :] + dev


def format_params(names: Sequence[str], values: Sequence[float]) -> str:
    """``name=value`` pairs on one line (4 significant digits)."""
    return ", ".join(f"{n}={v:.4g}" for n, v in zip(names, values, strict=False))


def estimates(results: Any) -> str:
    """A statsmodels fit's estimated parameters as ``name=value`` (initial states left out)."""
    pairs = zip(results.model.param_names, np.asarray(results.params, dtype=float), strict=False)
    return ", ".join(f"{n}={v:.4g}" for n, v in pairs if not str(n).startswith("initial"))


class StateSpaceModel(BaseModel):
    """Base of families whose fitted state holds statsmodels state-space ``results``.

    Provides the in-sample fitted values (after the likelihood burn-in), Gaussian
    forecasts from ``get_forecast`` and fast simulation from the end state.
    """

    def _fitted(self, state: Any) -> np.ndarray:
        return burn_in(state.results.fittedvalues, state.results.loglikelihood_burn)

    def _predict(
        self, state: Any, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        fc = state.results.get_forecast(h, exog=exog_array(X))
        return gaussian_prediction(np.asarray(fc.predicted_mean), np.asarray(fc.se_mean), levels)

    def _simulate(
        self, state: Any, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        return simulate_results(state.results, h, n, rng, exog_array(X))
