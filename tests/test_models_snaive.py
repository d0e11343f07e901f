"""Seasonal naive: hand-computed forecasts and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal
from scipy import stats

from borderforecast.models import make_model


@pytest.fixture
def y() -> pd.Series:
    return synthetic_seasonal(n=60, seed=3)


def test_point_forecast_is_same_month_last_year(y):
    fc = make_model("snaive").fit(y).forecast(24)
    last_year = y.iloc[-12:].to_numpy()
    np.testing.assert_allclose(fc["median"].iloc[:12], last_year, rtol=1e-12)
    np.testing.assert_allclose(fc["median"].iloc[12:], last_year, rtol=1e-12)
    assert (fc.index.month == np.r_[np.arange(1, 13), np.arange(1, 13)]).all()


def test_intervals_by_hand(y):
    """sigma = RMS of the seasonal differences of log(y + 1); se grows as sqrt(k + 1)."""
    z = np.log(y.to_numpy() + 1)
    sigma = np.sqrt(np.mean((z[12:] - z[:-12]) ** 2))
    fc = make_model("snaive").fit(y).forecast(24, level=(80, 95))
    q95 = stats.norm.ppf(0.975)
    base = z[-12:]
    np.testing.assert_allclose(fc["lo95"].iloc[:12], np.exp(base - q95 * sigma) - 1, rtol=1e-10)
    np.testing.assert_allclose(
        fc["hi95"].iloc[12:], np.exp(base + q95 * sigma * np.sqrt(2)) - 1, rtol=1e-10
    )


def test_nested_and_non_negative():
    rng = np.random.default_rng(2)
    idx = pd.date_range("2018-01-01", periods=40, freq="MS")
    small = pd.Series(rng.poisson(2.0, 40), index=idx, dtype=float)
    for series in (small, synthetic_seasonal(n=40)):
        fc = make_model("snaive").fit(series).forecast(18)
        assert (fc["lo95"] >= 0).all()
        assert (fc["lo95"] <= fc["lo80"]).all() and (fc["hi80"] <= fc["hi95"]).all()
        assert (fc["lo80"] <= fc["median"]).all() and (fc["median"] <= fc["hi80"]).all()
    assert (
        make_model("snaive").fit(small).forecast(12)["lo95"] == 0
    ).any()  # clipped, not negative


def test_simulation_is_seeded_and_centred(y):
    f = make_model("snaive").fit(y)
    a, b = f.simulate(12, 3000, seed=4), f.simulate(12, 3000, seed=4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.median(a, axis=0), f.forecast(12)["median"], rtol=0.01)
