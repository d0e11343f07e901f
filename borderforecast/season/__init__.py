"""Seasonal profile of a monthly count series (:func:`seasonal_profile`: multiplicative monthly
factors, named contrasts, expected changes) and comparison of eras (:func:`compare_eras`), over
fiscal years for the bundled border series and calendar years for any other."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .eras import EraComparison, compare_eras
from .estimate import METHODS, MONTH_NAMES, Estimate
from .profile import CONTRASTS, ExpectedChange, SeasonalProfile, month_number, seasonal_profile

__all__ = [
    "CONTRASTS",
    "METHODS",
    "MONTH_NAMES",
    "EraComparison",
    "Estimate",
    "ExpectedChange",
    "SeasonalProfile",
    "compare_eras",
    "month_number",
    "seasonal_profile",
    "synthetic_example",
]

EXAMPLE_FACTORS = np.array([0.95, 1.05, 1.25, 1.3, 1.2, 0.95, 0.85, 0.8, 0.85, 0.95, 0.9, 0.85])
"""Seasonal factors of :func:`synthetic_example` (before normalising to geometric mean 1)."""


def synthetic_example(n_years: int = 15, sigma: float = 0.05, seed: int = 0) -> pd.Series:
    """A multiplicative monthly series with known factors, for examples and tests.

    Starts in October 1999 (fiscal year 2000), ``n_years`` whole fiscal years,
    level 20,000 growing 0.2% a month, factors :data:`EXAMPLE_FACTORS`
    normalised to geometric mean 1, log-normal noise ``sigma``.

    Examples
    --------
    >>> y = synthetic_example(n_years=3)
    >>> len(y), y.index[0].strftime("%Y-%m"), y.index.freqstr
    (36, '1999-10', 'MS')
    """
    rng = np.random.default_rng(seed)
    idx = pd.date_range("1999-10-01", periods=12 * n_years, freq="MS", name="month")
    f = EXAMPLE_FACTORS / np.exp(np.mean(np.log(EXAMPLE_FACTORS)))
    mu = np.log(20000.0) + 0.002 * np.arange(len(idx)) + np.log(f[idx.month - 1])
    return pd.Series(
        np.round(np.exp(mu + rng.normal(0, sigma, len(idx)))), index=idx, name="synthetic"
    )
