"""X-13ARIMA-SEATS: outlier detection, forecast parsing, the SARIMAX rebuild."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

from borderforecast.errors import ModelError, ShortSeriesError
from borderforecast.models import make_model
from borderforecast.models.x13 import X13, _regressors, spec_text, x13_outliers

AO_MONTH, LS_MONTH = pd.Timestamp("2013-05-01"), pd.Timestamp("2016-09-01")


@pytest.fixture(scope="module")
def shocked() -> pd.Series:
    """Synthetic series with a +60% one-month spike (AO) and a -40% level shift (LS)."""
    y = synthetic_seasonal(n=180, seed=0)
    y[AO_MONTH] = np.round(y[AO_MONTH] * 1.6)
    y[y.index >= LS_MONTH] = np.round(y[y.index >= LS_MONTH] * 0.6)
    return y


@pytest.fixture(scope="module")
def fitted(shocked):
    return X13().fit(shocked)


def test_outliers_found_where_injected(shocked):
    out = x13_outliers(shocked)
    assert list(out.columns) == ["month", "type", "coefficient", "se", "t"]
    ao = out[out["type"] == "AO"]
    ls = out[out["type"] == "LS"]
    assert list(ao["month"]) == [AO_MONTH]
    assert list(ls["month"]) == [LS_MONTH]
    assert ao["coefficient"].iloc[0] == pytest.approx(np.log(1.6), abs=0.1)
    assert ls["coefficient"].iloc[0] == pytest.approx(np.log(0.6), abs=0.05)
    assert (out["t"].abs() > 3.5).all()
    np.testing.assert_allclose(out["t"], out["coefficient"] / out["se"])


def test_no_outliers_in_a_clean_series():
    out = x13_outliers(synthetic_seasonal(n=120, seed=5, sigma=0.02))
    assert out.empty and list(out.columns) == ["month", "type", "coefficient", "se", "t"]


def test_outlier_types_restrict_the_search(shocked):
    out = x13_outliers(shocked, types=["ao"])
    assert set(out["type"]) == {"AO"}
    assert AO_MONTH in set(out["month"])


def test_state_and_summary_report_outliers(fitted):
    assert set(fitted.state.outliers["type"]) >= {"AO", "LS"}
    text = fitted.summary()
    assert "AO 2013-05" in text and "LS 2016-09" in text
    assert "X-13ARIMA-SEATS regARIMA (" in text


def test_forecast_reads_x13_output(fitted):
    """The 95% interval is X-13's own; the point is X-13's forecast (on the log scale)."""
    fc = fitted.forecast(12, level=95)
    run = fitted.state.run
    np.testing.assert_allclose(np.log(fc["median"] + 1), run.point[:12], rtol=1e-10)
    np.testing.assert_allclose(np.log(fc["lo95"] + 1), run.lower95[:12], rtol=1e-10)
    np.testing.assert_allclose(np.log(fc["hi95"] + 1), run.upper95[:12], rtol=1e-10)
    # the level shift carries into the forecast: about 0.6 x the unshifted truth
    truth = synthetic_seasonal(n=192, sigma=0.0)[-12:].to_numpy() * 0.6
    assert np.median(np.abs(np.log(fc["median"].to_numpy() / truth))) < 0.05


def test_rebuilt_sarimax_reproduces_x13_forecasts(fitted):
    """X-13's parameters (signs, regressors, constant) rebuilt in statsmodels: same forecasts."""
    state = fitted.state
    rb = state.rebuilt
    assert rb is not None
    fc = rb.results.get_forecast(24)
    mine = np.asarray(fc.predicted_mean) + fitted.model.future_effects(state, 24)
    np.testing.assert_allclose(mine, state.run.point[:24], atol=0.005)
    se_x13 = (state.run.upper95[:24] - state.run.lower95[:24]) / (2 * 1.959964)
    np.testing.assert_allclose(np.asarray(fc.se_mean), se_x13, rtol=0.03)


def test_long_horizon_reruns_x13(fitted):
    short = fitted.forecast(36)
    longer = fitted.forecast(48)
    pd.testing.assert_frame_equal(longer.iloc[:36], short, check_freq=False)
    assert len(longer) == 48 and (longer["lo95"] >= 0).all()
    with pytest.raises(ModelError, match="at most 120"):
        fitted.forecast(130)


def test_fixed_orders_skip_automdl(shocked):
    f = X13(order=(0, 1, 1), seasonal_order=(0, 1, 1)).fit(shocked)
    assert f.state.run.order == (0, 1, 1)
    assert f.state.run.seasonal_order == (0, 1, 1, 12)


def test_spec_text_lines_fit_x13_limit(shocked):
    text = spec_text(np.log(shocked + 1), 24, X13())
    assert max(len(line) for line in text.splitlines()) <= 132
    assert "automdl" in text and "outlier{ types=(ao ls tc) }" in text and "maxlead=24" in text


def test_regressor_definitions():
    idx = pd.date_range("2020-01-01", periods=6, freq="MS")
    X = _regressors(["AO2020.Mar", "LS2020.Mar", "TC2020.Mar"], idx, (0, 1, 1), (0, 0, 0, 12))
    np.testing.assert_array_equal(X[:, 0], [0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(X[:, 1], [-1, -1, 0, 0, 0, 0])  # X-13's LS: -1 before the shift
    np.testing.assert_allclose(X[:, 2], [0, 0, 1, 0.7, 0.49, 0.343])
    const = _regressors(["Constant"], idx, (0, 1, 1), (0, 0, 0, 12))[:, 0]
    np.testing.assert_array_equal(np.diff(const), 1.0)  # differences to a constant


def test_short_series_is_refused():
    with pytest.raises(ShortSeriesError, match="at least 36"):
        x13_outliers(synthetic_seasonal(n=30))
    with pytest.raises(ShortSeriesError):
        make_model("x13").fit(synthetic_seasonal(n=35))


def test_automdl_failure_falls_back_to_airline_model():
    from borderforecast.errors import ShortSeriesWarning

    y = synthetic_seasonal(n=36, seed=2)
    with pytest.warns(ShortSeriesWarning, match="used the airline model"):
        f = make_model("x13").fit(y)
    assert f.state.run.order == (0, 1, 1) and f.state.run.seasonal_order == (0, 1, 1, 12)
    assert "airline model" in f.summary()
    assert (f.forecast(48)["lo95"] >= 0).all()  # longer horizon re-runs with the fallback too
