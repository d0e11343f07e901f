"""STL + simple exponential smoothing of the seasonally adjusted log counts.

R's ``forecast::mstl`` / ``stlf`` idea with the settings that win on this series: non-robust
STL (period 12, window 11, degree 0) of ``log(y + offset)``, ETS(A,N,N) of the adjusted
series (``alpha`` by least squares), the last year's seasonal added back shrunk by
``seasonal_shrink`` (0.8). Intervals: ETS(A,N,N) variance on the log scale, the seasonal
treated as known (meant to be calibrated). See docs/guide/models.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from .base import BaseModel, Prediction, flag, gaussian_prediction
from .stl_revert import PERIOD, check_stl_params, ses_fit, ses_levels, stl_seasonal


@dataclass(frozen=True)
class _State:
    level: float
    alpha: float
    sigma2: float
    seasonal: np.ndarray  # full-sample STL seasonal, (n,)
    fitted: np.ndarray  # one-step fitted values of z, (n,)
    mean: float = 0.0  # mean of the adjusted series (the target of ``revert``)


class STLSES(BaseModel):
    """Non-robust STL (R's ``mstl`` defaults) + simple exponential smoothing, on log counts.

    Parameters: ``seasonal`` (the STL seasonal smoother, odd and >= 7; 11) and ``seasonal_deg``
    (0 or 1; 0), as ``mstl``; ``robust`` (False, as ``mstl``: robust weights cost accuracy here,
    since the surges they down-weight are the pattern that recurs); ``seasonal_shrink`` in
    [0, 1], applied to the seasonal added back to the forecast (0.8; 1 is ``mstl``); ``revert``:
    0 (default) carries the SES level forward flat, ``phi`` in (0, 1) reverts it toward the mean
    of the whole adjusted history, ``mean + phi^h (level - mean)`` (the family units part of
    ``demographic``, whose surges unwound); and ``log``, ``offset``, ``seed``, ``name``
    (:class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fc = STLSES().fit(bf.load(end="2019-08")).forecast(3)
    >>> list(fc.columns), bool((fc["lo95"] <= fc["lo80"]).all())
    (['median', 'lo80', 'hi80', 'lo95', 'hi95'], True)
    """

    family = "stl_ses"
    description = "Non-robust STL (mstl defaults) + simple exponential smoothing on log counts"
    min_length = 2 * PERIOD

    def __init__(
        self,
        *,
        seasonal: int = 11,
        seasonal_deg: int = 0,
        robust: bool = False,
        seasonal_shrink: float = 0.8,
        revert: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_stl_params(self.name, seasonal, seasonal_deg, seasonal_shrink)
        self.seasonal = int(seasonal)
        self.seasonal_deg = int(seasonal_deg)
        self.robust = flag(robust, "robust", self.name)
        self.seasonal_shrink = float(seasonal_shrink)
        self.revert = float(revert)
        if not 0.0 <= self.revert < 1.0:
            raise SpecError(f"model {self.name!r}: revert must be in [0, 1), got {revert!r}")

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        zv = z.to_numpy(dtype=float)
        s = stl_seasonal(zv, self.seasonal, self.seasonal_deg, self.robust)  # shifts taken out
        a = zv - s
        alpha, level, sigma2 = ses_fit(a)
        lev = ses_levels(a, alpha)
        fitted = np.concatenate([[np.nan], lev[:-1] + s[1:]])
        return _State(level, alpha, max(sigma2, 1e-12), s, fitted, float(np.mean(a)))

    def level_path(self, state: _State, h: int) -> np.ndarray:
        """The forecast level of the adjusted series, ``h`` months (flat unless ``revert``)."""
        if self.revert <= 0:
            return np.full(h, state.level)
        k = np.arange(1, h + 1)
        return state.mean + self.revert**k * (state.level - state.mean)

    def _fitted(self, state: _State) -> np.ndarray:
        return state.fitted

    def _season(self, state: _State, h: int) -> np.ndarray:
        return self.seasonal_shrink * np.resize(state.seasonal[-PERIOD:], h)

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        point = self.level_path(state, h) + self._season(state, h)
        k = np.arange(h)
        se = np.sqrt(state.sigma2 * (1.0 + k * state.alpha**2))
        return gaussian_prediction(point, se, levels)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        # drawn month by month, so the first k months are the same for any h >= k
        e = rng.standard_normal((h, n)).T * np.sqrt(state.sigma2)
        # level before step j: l_T + alpha * (e_1 + ... + e_{j-1})
        shocks = state.alpha * np.cumsum(e, axis=1) - state.alpha * e
        return self.level_path(state, h)[None, :] + shocks + e + self._season(state, h)[None, :]

    def _summary(self, state: _State) -> str:
        seas = state.seasonal[-PERIOD:]
        return (
            f"STL (period 12, seasonal {self.seasonal}, degree {self.seasonal_deg}, "
            f"{'robust' if self.robust else 'non-robust'}) + SES: alpha {state.alpha:.3f}, "
            f"one-step sd {np.sqrt(state.sigma2):.4f}; last-year seasonal range "
            f"{seas.min():+.3f} to {seas.max():+.3f} (log scale), shrunk by "
            f"{self.seasonal_shrink:g}"
        )


MODEL = STLSES
