"""Seasonal naive: each month is forecast by the same month one year earlier.

The benchmark every other model must beat. Intervals follow Hyndman &
Athanasopoulos (FPP3, section 5.5): on the transformed scale the h-step
standard error is ``sigma * sqrt(k + 1)`` with ``k = floor((h - 1) / 12)``,
``sigma`` the standard deviation of the in-sample seasonal differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .base import BaseModel, Prediction, gaussian_prediction

PERIOD = 12


@dataclass(frozen=True)
class _State:
    z: np.ndarray
    sigma: float


class SeasonalNaive(BaseModel):
    """Forecast = the value 12 months earlier (on the transformed scale).

    Examples
    --------
    >>> import borderforecast as bf
    >>> y = bf.load(end="2019-08")
    >>> fc = SeasonalNaive().fit(y).forecast(3)
    >>> fc["median"].round().astype(int).tolist() == y["2018-09":"2018-11"].tolist()
    True
    """

    family = "snaive"
    description = "Seasonal naive: same month last year (the benchmark)"
    min_length = PERIOD + 2

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        v = z.to_numpy(dtype=float)
        diffs = v[PERIOD:] - v[:-PERIOD]
        sigma = float(np.sqrt(np.mean(diffs**2))) if len(diffs) else 0.0
        return _State(v, sigma)

    def _fitted(self, state: _State) -> np.ndarray:
        out = np.full(len(state.z), np.nan)
        out[PERIOD:] = state.z[:-PERIOD]
        return out

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        k = np.arange(h) // PERIOD
        point = np.resize(state.z[-PERIOD:], h)  # the last year, repeated
        return gaussian_prediction(point, state.sigma * np.sqrt(k + 1), levels)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        paths = np.empty((n, h))
        hist = np.tile(state.z[-PERIOD:], (n, 1))
        for i in range(h):
            prev = hist[:, i] if i < PERIOD else paths[:, i - PERIOD]
            paths[:, i] = prev + rng.normal(0.0, state.sigma, n)
        return paths

    def _summary(self, state: Any) -> str:
        return f"Residual sd of seasonal differences (transformed scale): {state.sigma:.4f}"


MODEL = SeasonalNaive
