"""Prophet configured for monthly counts (borderforecast.models.prophet)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

from borderforecast.errors import ShortSeriesError, SpecError
from borderforecast.models.registry import make_model

# the factors synthetic_seasonal() is built from (tests/conftest.py), geometric mean 1
FACTORS = np.array([0.95, 1.05, 1.25, 1.3, 1.2, 0.95, 0.85, 0.8, 0.85, 0.95, 0.9, 0.85])
FACTORS = FACTORS / np.exp(np.mean(np.log(FACTORS)))


def truth_log(n_start: int, index: pd.DatetimeIndex, level=20000.0, growth=0.002) -> np.ndarray:
    """log of the true (noise-free) counts of synthetic_seasonal at positions n_start..."""
    t = np.arange(n_start, n_start + len(index))
    return np.log(level) + growth * t + np.log(FACTORS[index.month - 1])


@pytest.fixture(scope="module")
def fit180():
    y = synthetic_seasonal(n=180, seed=0)
    return y, make_model("prophet").fit(y)


def test_point_forecast_close_to_truth(fit180):
    y, fitted = fit180
    fc = fitted.forecast(24)
    err = np.log(fc["median"].to_numpy()) - truth_log(180, fc.index)
    # noise sd is 0.05 on the log scale; a good model is within a few percent of the truth
    assert np.mean(np.abs(err)) < 0.04
    assert np.max(np.abs(err)) < 0.10


def test_intervals_cover_simulated_futures():
    """Over 4 series x 12 months x 300 simulated futures, 80%/95% coverage is roughly right.

    Prophet's MAP intervals ignore parameter uncertainty, so they run a little
    narrow (measured ~0.72 / ~0.89 over 30 series); the band allows that.
    """
    rng = np.random.default_rng(42)
    hits80, hits95 = [], []
    for seed in range(4):
        y = synthetic_seasonal(n=180, seed=seed)
        fc = make_model("prophet").fit(y).forecast(12)
        mu = truth_log(180, fc.index)
        futures = np.round(np.exp(mu[None, :] + rng.normal(0, 0.05, (300, 12))))
        hits80.append((futures >= fc["lo80"].to_numpy()) & (futures <= fc["hi80"].to_numpy()))
        hits95.append((futures >= fc["lo95"].to_numpy()) & (futures <= fc["hi95"].to_numpy()))
    cov80, cov95 = np.mean(hits80), np.mean(hits95)
    assert 0.62 <= cov80 <= 0.92, cov80
    assert 0.83 <= cov95 <= 0.995, cov95


def test_same_seed_same_intervals_other_seed_differs(fit180):
    y, fitted = fit180
    again = make_model("prophet").fit(y).forecast(12)
    pd.testing.assert_frame_equal(fitted.forecast(12), again)
    other = make_model("prophet", seed=7).fit(y).forecast(12)
    assert not np.allclose(other["hi95"], again["hi95"])
    # the point forecast does not depend on the random draws
    np.testing.assert_allclose(other["median"], again["median"], rtol=1e-6)


def test_global_random_state_is_restored(fit180):
    _, fitted = fit180
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    fitted.forecast(6)
    fitted.simulate(6, 50, seed=1)
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_month_dummies_reproduce_seasonal_factors(fit180):
    _, fitted = fit180
    fc = fitted.forecast(12)  # 2020-01 .. 2020-12
    may, aug = fc.loc["2020-05-01", "median"], fc.loc["2020-08-01", "median"]
    true_ratio = FACTORS[7] / FACTORS[4] * np.exp(0.002 * 3)  # 3 months of trend in between
    assert abs(np.log(aug / may) - np.log(true_ratio)) < 0.04
    # all twelve factors: log forecast minus its 12-month mean vs the true log factors
    z = np.log1p(fc["median"].to_numpy())
    trend = 0.002 * (np.arange(12) - 5.5)
    est = z - z.mean() - trend
    np.testing.assert_allclose(est, np.log(FACTORS), atol=0.04)


def test_month_effects_do_not_drift(fit180):
    _, fitted = fit180
    fc = fitted.forecast(36)
    z = np.log1p(fc["median"].to_numpy())
    yoy = z[12:] - z[:-12]  # same calendar month, successive years
    # identical month effects: the change is the trend over one year for every month
    # (up to a day of trend when a leap year is crossed)
    assert np.ptp(yoy) < 2e-3
    assert abs(np.mean(yoy) - 12 * 0.002) < 0.02


def test_fourier_option_also_fits_seasonality():
    y = synthetic_seasonal(n=180, seed=1)
    fc = make_model("prophet", seasonality="fourier").fit(y).forecast(12)
    err = np.log(fc["median"].to_numpy()) - truth_log(180, fc.index)
    assert np.mean(np.abs(err)) < 0.05


def test_intervals_nested_and_simulation_shape(fit180):
    _, fitted = fit180
    fc = fitted.forecast(12)
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["median"]).all()
    assert (fc["median"] <= fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()
    assert (fc["lo95"] >= 0).all()
    paths = fitted.simulate(12, 400, seed=3)
    assert paths.shape == (400, 12)
    np.testing.assert_array_equal(paths, fitted.simulate(12, 400, seed=3))
    # the paths and the 80% interval come from the same predictive distribution
    q10 = np.quantile(paths, 0.1, axis=0)
    np.testing.assert_allclose(q10, fc["lo80"], rtol=0.03)


def test_intervention_regressor():
    y = synthetic_seasonal(n=160, seed=3)
    step = (np.arange(160) >= 130).astype(float)
    y = (y * np.exp(-0.7 * step)).round()
    X = pd.DataFrame({"policy": step}, index=y.index)
    fitted = make_model("prophet").fit(y, X=X)
    future = pd.DataFrame(
        {"policy": np.ones(12)}, index=pd.date_range(y.index[-1], periods=13, freq="MS")[1:]
    )
    fc = fitted.forecast(12, X=future)
    err = np.log(fc["median"].to_numpy()) - (truth_log(160, fc.index) - 0.7)
    assert np.mean(np.abs(err)) < 0.06
    assert "policy" in fitted.summary()


@pytest.mark.parametrize(
    "params",
    [
        {"seasonality": "weekly"},
        {"growth": "logistic"},
        {"changepoint_prior_scale": -1.0},
        {"fourier_order": 0},
        {"uncertainty_samples": 3},
        {"changepoint_range": 1.5},
        {"no_such_param": 1},
    ],
)
def test_bad_parameters_raise_spec_error(params):
    with pytest.raises(SpecError):
        make_model("prophet", **params)


def test_too_short_raises():
    with pytest.raises(ShortSeriesError):
        make_model("prophet").fit(synthetic_seasonal(n=30))


def test_stan_and_plotly_chatter_is_silenced():
    """A fresh interpreter fitting Prophet prints nothing (no cmdstanpy INFO, no plotly notice)."""
    import subprocess
    import sys

    code = (
        "import numpy as np, pandas as pd\n"
        "from borderforecast.models.registry import make_model\n"
        "idx = pd.date_range('2010-01-01', periods=48, freq='MS')\n"
        "y = pd.Series(1000 + 100 * np.sin(np.arange(48)), index=idx)\n"
        "make_model('prophet').fit(y).forecast(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "cmdstanpy" not in out.stderr and "plotly" not in out.stderr, out.stderr
    assert out.stdout == ""
