"""The statsmodels-backed models (ets, sarima, auto_sarima, stl, structural) and x13.

Accuracy and coverage are checked against the *known* process behind
``synthetic_seasonal()``: log counts = trend + fixed monthly factors + iid
N(0, 0.05) noise. The truth for the 12 months after the sample is the same
function with ``sigma=0``; 400 futures are drawn from the true process.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

from borderforecast.errors import (
    ConvergenceWarning,
    DataError,
    MissingMonthError,
    ModelError,
    ShortSeriesError,
    SpecError,
)
from borderforecast.models import make_model
from borderforecast.models._smtools import single_thread
from borderforecast.models.registry import read_spec
from borderforecast.paths import models_dir

SPECS = ["ets", "sarima", "auto_sarima", "stl", "structural", "x13"]
N, H, SIGMA = 180, 12, 0.05


def build(name: str, **overrides):
    """Build a bundled spec without touching the user home (safe in module fixtures)."""
    return read_spec(models_dir() / f"{name}.toml").build(**overrides)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """statsmodels called directly here gets the single-thread BLAS the models use."""
    with single_thread():
        yield


@pytest.fixture(scope="module")
def series() -> pd.Series:
    return synthetic_seasonal(n=N, seed=0)


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    """True log-scale median of the 12 months after the sample."""
    return np.log(synthetic_seasonal(n=N + H, sigma=0.0)[-H:].to_numpy())


@pytest.fixture(scope="module")
def futures(truth) -> np.ndarray:
    rng = np.random.default_rng(123)
    return np.round(np.exp(truth + rng.normal(0.0, SIGMA, (400, H))))


@pytest.fixture(scope="module")
def fits(series):
    """One fit per spec, shared (fitted results are immutable)."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in SPECS:
            out[name] = build(name).fit(series)
    return out


# -- accuracy, coverage, shape ---------------------------------------------
@pytest.mark.parametrize("name", SPECS)
def test_point_forecast_close_to_truth(fits, truth, name):
    fc = fits[name].forecast(H)
    err = np.abs(np.log(fc["median"].to_numpy()) - truth)
    assert np.median(err) < 0.05, f"{name}: median |log error| {np.median(err):.3f}"
    assert err.max() < 0.12


# Coverage of 400 futures by one fit's 80% and 95% intervals. (STL with
# seasonal_error=False, i.e. statsmodels' own intervals, covers only about 0.69
# and 0.88 here: see test_stl_seasonal_error_correction.)
COVERAGE_BANDS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
DEFAULT_BANDS = ((0.68, 0.92), (0.88, 0.995))


@pytest.mark.parametrize("name", SPECS)
def test_interval_coverage_of_true_process(fits, futures, name):
    fc = fits[name].forecast(H)
    (lo80, hi80), (lo95, hi95) = COVERAGE_BANDS.get(name, DEFAULT_BANDS)
    c80 = ((futures >= fc["lo80"].to_numpy()) & (futures <= fc["hi80"].to_numpy())).mean()
    c95 = ((futures >= fc["lo95"].to_numpy()) & (futures <= fc["hi95"].to_numpy())).mean()
    assert lo80 <= c80 <= hi80, f"{name}: 80% interval covers {c80:.3f}"
    assert lo95 <= c95 <= hi95, f"{name}: 95% interval covers {c95:.3f}"


@pytest.mark.parametrize("name", SPECS)
def test_seasonal_pattern_captured(fits, name):
    fc = fits[name].forecast(H)["median"]
    by_month = fc.groupby(fc.index.month).mean()
    assert by_month[8] < by_month[5]  # summer dip below the spring peak
    assert by_month.idxmax() in (3, 4, 5)  # spring peak (true peak: April)
    assert by_month.idxmin() in (7, 8, 12, 1)  # true trough: August
    assert by_month[8] / by_month[5] == pytest.approx(0.8 / 1.2, abs=0.05)


@pytest.mark.parametrize("name", SPECS)
def test_intervals_nested_and_non_negative(fits, name):
    fc = fits[name].forecast(24, level=(50, 80, 95))
    assert list(fc.columns) == ["median", "lo50", "hi50", "lo80", "hi80", "lo95", "hi95"]
    assert (fc["lo95"] >= 0).all()
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["lo50"]).all()
    assert (fc["lo50"] <= fc["median"]).all() and (fc["median"] <= fc["hi50"]).all()
    assert (fc["hi50"] <= fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()
    assert fc.index.freqstr == "MS" and fc.index[0] == pd.Timestamp("2020-01-01")
    width = np.log(fc["hi95"] / fc["lo95"]).to_numpy()
    assert width[-1] >= width[0] - 1e-9  # uncertainty does not shrink with the horizon


@pytest.mark.parametrize("name", ["ets", "stl", "structural", "x13"])
def test_low_counts_never_negative(name):
    rng = np.random.default_rng(4)
    idx = pd.date_range("2015-01-01", periods=48, freq="MS")
    y = pd.Series(rng.poisson(1.5 + np.sin(np.arange(48) * np.pi / 6)), index=idx, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = build(name).fit(y)
    fc = fitted.forecast(12)
    assert (fc.to_numpy() >= 0).all()
    assert (fitted.simulate(12, 50, seed=1) >= 0).all()


@pytest.mark.parametrize("name", SPECS)
def test_simulated_paths_match_intervals(fits, name):
    """Sample-path quantiles agree with the analytical intervals (same model)."""
    fitted = fits[name]
    fc = fitted.forecast(6)
    paths = fitted.simulate(6, n_paths=2000, seed=3)
    assert paths.shape == (2000, 6)
    np.testing.assert_allclose(np.median(paths, axis=0), fc["median"], rtol=0.01)
    np.testing.assert_allclose(np.quantile(paths, 0.9, axis=0), fc["hi80"], rtol=0.02)
    np.testing.assert_allclose(np.quantile(paths, 0.025, axis=0), fc["lo95"], rtol=0.025)


# -- same numbers as statsmodels called directly ---------------------------
def _z(series):
    return np.log(series + 1.0)


def test_ets_matches_statsmodels(fits, series):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    res = ETSModel(
        _z(series), error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=12
    ).fit(disp=False)
    fc = fits["ets"].forecast(H)
    np.testing.assert_allclose(fc["median"], np.exp(res.forecast(H)) - 1, rtol=1e-9)
    frame = res.get_prediction(start=N, end=N + H - 1).summary_frame(alpha=0.05)
    np.testing.assert_allclose(fc["lo95"], np.exp(frame["pi_lower"]) - 1, rtol=1e-9)
    np.testing.assert_allclose(fc["hi95"], np.exp(frame["pi_upper"]) - 1, rtol=1e-9)
    np.testing.assert_allclose(fits["ets"].fitted_values, np.exp(res.fittedvalues) - 1, rtol=1e-9)


def test_sarima_matches_statsmodels(fits, series):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    fc = fits["sarima"].forecast(H)
    kw = {"order": (1, 1, 1), "seasonal_order": (0, 1, 1, 12), "concentrate_scale": True}
    # the documented procedure: MLE on the differenced series, then filter in levels
    est = SARIMAX(_z(series), simple_differencing=True, **kw).fit(disp=False, maxiter=200)
    res = SARIMAX(_z(series), **kw).filter(est.params)
    np.testing.assert_allclose(fc["median"], np.exp(res.forecast(H)) - 1, rtol=1e-9)
    ci = res.get_forecast(H).conf_int(alpha=0.2)
    np.testing.assert_allclose(fc["lo80"], np.exp(ci.iloc[:, 0]) - 1, rtol=1e-9)
    # ... which is the usual exact MLE of the undifferenced model (same likelihood)
    plain = SARIMAX(_z(series), **kw).fit(disp=False, maxiter=200)
    np.testing.assert_allclose(fc["median"], np.exp(plain.forecast(H)) - 1, rtol=2e-3)
    np.testing.assert_allclose(fits["sarima"].state.results.llf, plain.llf, atol=0.05)


def test_structural_matches_statsmodels(fits, series):
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    res = UnobservedComponents(
        _z(series),
        level="local level",
        seasonal=12,
        stochastic_seasonal=True,
    ).fit(disp=False, method="lbfgs", maxiter=200)
    fc = fits["structural"].forecast(H)
    np.testing.assert_allclose(fc["median"], np.exp(res.forecast(H)) - 1, rtol=1e-9)
    ci = res.get_forecast(H).conf_int(alpha=0.05)
    np.testing.assert_allclose(fc["hi95"], np.exp(ci.iloc[:, 1]) - 1, rtol=1e-9)


def test_stl_matches_statsmodels(fits, series):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.stl import STLForecast

    res = STLForecast(
        _z(series),
        ETSModel,
        model_kwargs={"error": "add", "trend": "add", "damped_trend": True},
        period=12,
        seasonal=13,
        robust=True,
    ).fit(fit_kwargs={"disp": False})
    fc = fits["stl"].forecast(H)
    np.testing.assert_allclose(fc["median"], np.exp(res.forecast(H)) - 1, rtol=1e-9)
    frame = res.get_prediction(start=N, end=N + H - 1).summary_frame(alpha=0.05)
    plain = build("stl", seasonal_error=False).fit(series).forecast(H)
    np.testing.assert_allclose(plain["lo95"], np.exp(frame["mean_ci_lower"]) - 1, rtol=1e-9)


def test_stl_seasonal_error_correction(fits, series, futures):
    """Without the correction STL under-covers; with it the log-scale se grows as documented."""
    from borderforecast.models.stl import LEVERAGE_WINDOW, stl_leverage

    plain = build("stl", seasonal_error=False).fit(series).forecast(H)
    c80 = ((futures >= plain["lo80"].to_numpy()) & (futures <= plain["hi80"].to_numpy())).mean()
    assert c80 < 0.75  # the known stlf shortfall the correction is for
    lev, row2 = stl_leverage(LEVERAGE_WINDOW, 13)
    assert 0.1 < lev < 0.3 and all(0.2 < r < 0.45 for r in row2)
    fitted = fits["stl"]
    inner = fitted.state.results.model_result
    sigma2 = np.mean(np.asarray(inner.resid) ** 2) / (1 - lev)
    se_plain = np.log((plain["hi95"] + 1) / (plain["median"] + 1)).to_numpy() / 1.959964
    fc = fitted.forecast(H)
    se = np.log((fc["hi95"] + 1) / (fc["median"] + 1)).to_numpy() / 1.959964
    expected = np.sqrt(se_plain**2 / (1 - lev) + sigma2 * np.resize(row2, H))
    np.testing.assert_allclose(se, expected, rtol=1e-6)


# -- regressors -------------------------------------------------------------
def _shifted():
    """Synthetic series with a -0.5 log-level shift from 2017-01 on, and its step dummy."""
    y = synthetic_seasonal(n=N, seed=2)
    step = (y.index >= "2017-01-01").astype(float)
    y = np.round(y * np.exp(-0.5 * step))
    X = pd.DataFrame({"step": step}, index=y.index)
    Xf = pd.DataFrame({"step": np.ones(H)}, index=pd.date_range("2020-01-01", periods=H, freq="MS"))
    return y, X, Xf


@pytest.mark.parametrize("name", ["sarima", "structural"])
def test_exog_intervention_dummy(name, truth):
    y, X, Xf = _shifted()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = build(name).fit(y, X=X)
    params = fitted.state.results.params
    names = list(fitted.state.results.model.param_names)
    assert [n for n in names if "step" in n] in (["step"], ["beta.step"])  # named after the column
    coef = float(params.iloc[[i for i, n in enumerate(names) if "step" in n][0]])
    assert coef == pytest.approx(-0.5, abs=0.08)
    fc = fitted.forecast(H, X=Xf)
    # truth after the shift: the unshifted truth (same trend and factors) times exp(-0.5)
    assert np.median(np.abs(np.log(fc["median"].to_numpy()) - (truth - 0.5))) < 0.06
    back = fitted.forecast(H, X=Xf.assign(step=0.0))  # counterfactual without the shift
    np.testing.assert_allclose(
        np.log(back["median"] + 1) - np.log(fc["median"] + 1), -coef, rtol=1e-6
    )
    paths = fitted.simulate(H, 200, seed=1, X=Xf)
    assert np.median(paths[:, 0]) == pytest.approx(fc["median"].iloc[0], rel=0.03)
    with pytest.raises(ModelError, match="future values"):
        fitted.forecast(H)


@pytest.mark.parametrize("name", ["ets", "stl", "x13"])
def test_models_without_exog_refuse_regressors(name, series):
    X = pd.DataFrame({"d": np.zeros(len(series))}, index=series.index)
    with pytest.raises(ModelError, match="does not take regressors"):
        build(name).fit(series, X=X)


# -- bad specs and bad data -------------------------------------------------
@pytest.mark.parametrize(
    ("name", "bad", "listed"),
    [
        ("ets", {"smoothing": 0.3}, "damped"),
        ("sarima", {"p": 1}, "seasonal_order"),
        ("stl", {"window": 7}, "robust"),
        ("structural", {"level": "llt"}, "harmonics"),
        ("x13", {"outlier": True}, "outlier_types"),
    ],
)
def test_unknown_parameter_lists_valid_ones(name, bad, listed):
    with pytest.raises(SpecError, match=f"valid parameters: .*{listed}"):
        make_model(name, **bad)


@pytest.mark.parametrize(
    ("name", "bad", "message"),
    [
        ("ets", {"trend": "mul"}, "trend must be one of 'add', 'none'"),
        ("sarima", {"order": [1, 1]}, "order must be 3"),
        ("sarima", {"seasonal_order": [0, 1, 1, 1]}, "seasonal period"),
        ("auto_sarima", {"start_params": [0.1, 0.2]}, "start_params need fixed orders"),
        ("stl", {"seasonal": 12}, "odd number"),
        ("stl", {"model": "prophet"}, "model must be one of"),
        ("structural", {"trend": "quadratic"}, "trend must be one of"),
        ("x13", {"outlier_types": ["ao", "xx"]}, "outlier_types"),
        ("x13", {"order": [0, 1, 1]}, "both order and seasonal_order"),
        ("x13", {"max_horizon": 500}, "max_horizon"),
    ],
)
def test_invalid_parameter_values(name, bad, message):
    with pytest.raises(SpecError, match=message):
        make_model(name, **bad)


@pytest.mark.parametrize("name", SPECS)
def test_short_series_and_bad_data(name, series):
    model = make_model(name)
    with pytest.raises(ShortSeriesError, match="at least 36"):
        model.fit(series.iloc[:30])
    with_nan = series.copy()
    with_nan.iloc[50] = np.nan
    with pytest.raises(DataError, match="2009-03"):
        model.fit(with_nan)
    with pytest.raises(MissingMonthError, match="2010-01"):
        model.fit(series.drop(pd.Timestamp("2010-01-01")))


def test_constant_series_is_handled(series):
    y = pd.Series(500.0, index=series.index[:48])
    fc = make_model("sarima").fit(y).forecast(6)
    np.testing.assert_allclose(fc.to_numpy(), 500.0, rtol=1e-12)


# -- determinism, warnings ---------------------------------------------------
@pytest.mark.parametrize("name", ["ets", "sarima", "stl", "structural", "x13"])
def test_deterministic(fits, series, name):
    again = build(name).fit(series)
    pd.testing.assert_frame_equal(again.forecast(H), fits[name].forecast(H))
    a = again.simulate(H, 50, seed=9)
    np.testing.assert_array_equal(a, fits[name].simulate(H, 50, seed=9))
    assert not np.array_equal(a, fits[name].simulate(H, 50, seed=10))


def test_non_convergence_gives_one_convergence_warning(series):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_model("sarima", maxiter=2).fit(series)
    assert [w.category for w in caught] == [ConvergenceWarning]
    assert "'sarima'" in str(caught[0].message) and "did not converge" in str(caught[0].message)


def test_summaries_name_the_model(fits):
    assert "ETS(A,Ad,A)" in fits["ets"].summary()
    assert "SARIMA(1,1,1)(0,1,1)12" in fits["sarima"].summary()
    assert "selected by AICc" in fits["auto_sarima"].summary()
    assert "STL (period 12" in fits["stl"].summary()
    assert "UnobservedComponents(local level, dummy seasonal)" in fits["structural"].summary()
    assert "X-13ARIMA-SEATS regARIMA" in fits["x13"].summary()
