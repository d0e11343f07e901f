"""auto_sarima: order search, reselection hooks, warm starts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

from borderforecast.errors import ConvergenceWarning, ModelError
from borderforecast.models import make_model
from borderforecast.models._smtools import single_thread
from borderforecast.models.sarima import SARIMA, seasonal_strength, selected_orders, warm_start


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with single_thread():
        yield


@pytest.fixture(scope="module")
def series() -> pd.Series:
    return synthetic_seasonal(n=150, seed=1)


@pytest.fixture(scope="module")
def auto(series):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SARIMA(auto=True, name="auto_sarima").fit(series)


def test_search_picks_seasonal_differencing_and_reports(auto):
    orders = selected_orders(auto)
    assert orders["seasonal_order"][1] == 1 and orders["seasonal_order"][3] == 12
    assert orders["order"][1] == 1
    assert 1 <= auto.state.searched <= 10
    p, d, q = orders["order"]
    P, D, Q, s = orders["seasonal_order"]
    assert f"SARIMA({p},{d},{q})({P},{D},{Q}){s} selected by AICc" in auto.summary()


def test_selected_model_has_lowest_aicc_among_neighbours(series, auto):
    """No one-step neighbour inside the bounds beats the winner (stepwise optimum)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    (p, d, q), (P, D, Q, s) = selected_orders(auto).values()
    z = np.log(series + 1)

    def aicc(pp, qq, PP, QQ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = SARIMAX(
                z,
                order=(pp, d, qq),
                seasonal_order=(PP, D, QQ, s),
                concentrate_scale=True,
                simple_differencing=True,
            )
            return m.fit(disp=False, maxiter=200).aicc

    best = aicc(p, q, P, Q)
    for dp, dq in [(1, 0), (-1, 0), (0, 1), (0, -1)]:
        pp, qq = p + dp, q + dq
        if 0 <= pp <= 2 and 0 <= qq <= 2 and pp + qq + P + Q > 0:
            assert aicc(pp, qq, P, Q) >= best - 1e-6


def test_weak_seasonality_means_no_seasonal_difference():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2010-01-01", periods=96, freq="MS")
    y = pd.Series(np.round(np.exp(8 + np.cumsum(rng.normal(0, 0.05, 96)))), index=idx)
    assert seasonal_strength(np.log(y + 1)) < 0.64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        f = make_model("auto_sarima").fit(y)
    assert selected_orders(f)["seasonal_order"][1] == 0


def test_fixed_orders_skip_the_search(series, auto):
    f = make_model("auto_sarima", **selected_orders(auto)).fit(series)
    assert f.state.searched == 0
    assert selected_orders(f) == selected_orders(auto)
    np.testing.assert_allclose(f.forecast(12)["median"], auto.forecast(12)["median"], rtol=2e-3)


def test_warm_start_reaches_the_same_optimum(series, auto):
    longer = synthetic_seasonal(n=151, seed=1)  # one more month: the next backtest origin
    assert (longer.iloc[:150] == series).all()
    cold = make_model("auto_sarima", **selected_orders(auto)).fit(longer)
    warm = make_model("auto_sarima", **warm_start(auto)).fit(longer)
    np.testing.assert_allclose(warm.forecast(12)["median"], cold.forecast(12)["median"], rtol=2e-3)
    assert warm.state.searched == 0


def test_start_params_of_the_wrong_length(series):
    with pytest.raises(ModelError, match="start_params has 2 values"):
        make_model("sarima", start_params=[0.1, 0.2]).fit(series)


def test_warm_start_needs_a_sarima_fit(series):
    with pytest.raises(ModelError, match="not a fitted SARIMA"):
        warm_start(make_model("snaive").fit(series))
