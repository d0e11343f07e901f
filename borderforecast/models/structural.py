"""Structural time-series model via statsmodels' ``UnobservedComponents``.

Default: a local level plus a stochastic 12-month seasonal (dummy, or ``seasonal="trig"``) and
an irregular on ``log(y + 1)``, plus optional regressors (CausalImpact's default model).
``trend="llt"`` (local linear trend) is a poor default here: the slope takes the surges'
variance and is extrapolated. Maximum likelihood (L-BFGS); Gaussian intervals on the log
scale; sample paths from the filtered end state. See docs/guide/models.md ("structural").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._smtools import StateSpaceModel, format_params, quiet
from .base import choice

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
