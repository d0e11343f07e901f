"""Structural time-series model via statsmodels' ``UnobservedComponents``.

The default is a local level (random-walk level) plus a stochastic 12-month
seasonal (dummy form, or trigonometric with ``seasonal="trig"``) and an
irregular term on ``log(y + 1)``, plus optional regressors: the default
model of CausalImpact (Brodersen et al. 2015, R ``bsts``/``CausalImpact``
and ``tfp-causalimpact`` all use a local level). Fit it on the pre-period,
with intervention dummies as regressors if wanted, and compare what happened
with the simulated counterfactual paths.

``trend="llt"`` gives Harvey's (1989) basic structural model with a local
linear trend (stochastic level *and* slope). On the border series it is a
poor default: after each surge or collapse the likelihood puts the variance
on the slope, and the slope is extrapolated. In a rolling check (12-month
forecasts from 31 origins 2009-2024) its mean absolute log error at 12
months was 1.30 against 0.54 for the local level, and its 95% intervals
reached a factor of e^13 in width.

Parameters are estimated by maximum likelihood with L-BFGS
(``method="lbfgs"``). Intervals are Gaussian on the log scale from the
Kalman-filter forecast variance; sample paths come from the filtered state
at the end of the sample (the distribution of
``results.simulate(h, anchor="end", repetitions=n)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._smtools import StateSpaceModel, choice, format_params, quiet

PERIOD = 12
LEVELS = {
    "llt": "local linear trend",
    "smooth": "smooth trend",
    "local_level": "local level",
    "rwdrift": "random walk with drift",
}


@dataclass(frozen=True)
class _State:
    results: Any


class Structural(StateSpaceModel):
    """Structural (unobserved components) model on log counts.

    Parameters
    ----------
    trend : {"local_level", "llt", "smooth", "rwdrift"}
        Trend component: local level (default), local linear trend,
        smooth trend (stochastic slope only), random walk with drift.
    seasonal : {"dummy", "trig"}
        Stochastic seasonal in dummy form (default, 11 states) or
        trigonometric form with ``harmonics`` harmonics.
    harmonics : int
        Harmonics of the trigonometric seasonal (1-6, default 6).
    maxiter : int
        Maximum L-BFGS iterations (default 200).
    **kwargs
        ``log``, ``offset``, ``seed``, ``name`` (see :class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> y = bf.load()
    >>> fitted = Structural().fit(y)
    >>> fitted.simulate(6, n_paths=100, seed=1).shape
    (100, 6)
    """

    family = "structural"
    description = "Structural model: local level + stochastic seasonal on log counts"
    supports_exog = True

    def __init__(
        self,
        *,
        trend: str = "local_level",
        seasonal: str = "dummy",
        harmonics: int = 6,
        maxiter: int = 200,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trend = choice(trend, tuple(LEVELS), "trend", self.name)
        self.seasonal = choice(seasonal, ("dummy", "trig"), "seasonal", self.name)
        self.harmonics = int(choice(int(harmonics), range(1, 7), "harmonics", self.name))
        self.maxiter = int(maxiter)

    def statsmodels_kwargs(self) -> dict[str, Any]:
        """The ``UnobservedComponents`` keyword arguments this model uses."""
        kw: dict[str, Any] = {"level": LEVELS[self.trend], "irregular": True}
        if self.seasonal == "dummy":
            kw.update(seasonal=PERIOD, stochastic_seasonal=True)
        else:
            kw.update(
                freq_seasonal=[{"period": PERIOD, "harmonics": self.harmonics}],
                stochastic_freq_seasonal=[True],
            )
        return kw

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        from statsmodels.tsa.statespace.structural import UnobservedComponents

        def run() -> Any:
            mod = UnobservedComponents(z, exog=X, **self.statsmodels_kwargs())
            return mod.fit(disp=False, method="lbfgs", maxiter=self.maxiter)

        return _State(quiet(self, run))

    def _summary(self, state: _State) -> str:
        res = state.results
        names = [str(n) for n in res.model.param_names]
        params = format_params(names, list(np.asarray(res.params, dtype=float)))
        return (
            f"UnobservedComponents({LEVELS[self.trend]}, {self.seasonal} seasonal): "
            f"{params}; AICc {res.aicc:.1f}"
        )


MODEL = Structural
