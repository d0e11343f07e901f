"""Gradient boosting on year-on-year log changes (borderforecast.models.gbm)."""

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


def truth_log(n_start: int, index: pd.DatetimeIndex) -> np.ndarray:
    t = np.arange(n_start, n_start + len(index))
    return np.log(20000.0) + 0.002 * t + np.log(FACTORS[index.month - 1])


@pytest.fixture(scope="module")
def fit180():
    y = synthetic_seasonal(n=180, seed=0)
    return y, make_model("gbm").fit(y)


def test_point_forecast_close_to_truth(fit180):
    _, fitted = fit180
    fc = fitted.forecast(24)
    err = np.log(fc["median"].to_numpy()) - truth_log(180, fc.index)
    # measured over 30 series: mean absolute log error 0.025 (seasonal naive: 0.044)
    assert np.mean(np.abs(err)) < 0.05
    assert np.max(np.abs(err)) < 0.12


def test_beats_seasonal_naive_on_average():
    gbm, naive = [], []
    for seed in range(3):
        y = synthetic_seasonal(n=156, seed=seed)
        for name, out in (("gbm", gbm), ("snaive", naive)):
            fc = make_model(name).fit(y.iloc[:144]).forecast(12)
            out.append(np.mean(np.abs(np.log(fc["median"].to_numpy()) - truth_log(144, fc.index))))
    assert np.mean(gbm) < np.mean(naive)


def test_intervals_cover_simulated_futures():
    """Over 4 series x 12 months x 300 simulated futures the coverage is roughly nominal.

    Conformal intervals from ~50-70 calibration origins; measured over 30 series
    ~0.79 (80%) and ~0.92 (95%).
    """
    rng = np.random.default_rng(7)
    hits80, hits95 = [], []
    for seed in range(4):
        y = synthetic_seasonal(n=180, seed=seed)
        fc = make_model("gbm").fit(y).forecast(12)
        futures = np.round(
            np.exp(truth_log(180, fc.index)[None, :] + rng.normal(0, 0.05, (300, 12)))
        )
        hits80.append((futures >= fc["lo80"].to_numpy()) & (futures <= fc["hi80"].to_numpy()))
        hits95.append((futures >= fc["lo95"].to_numpy()) & (futures <= fc["hi95"].to_numpy()))
    cov80, cov95 = np.mean(hits80), np.mean(hits95)
    assert 0.68 <= cov80 <= 0.93, cov80
    assert 0.86 <= cov95 <= 0.995, cov95


def test_deterministic(fit180):
    y, fitted = fit180
    again = make_model("gbm").fit(y)
    pd.testing.assert_frame_equal(fitted.forecast(18), again.forecast(18))
    pd.testing.assert_series_equal(fitted.fitted_values, again.fitted_values)
    np.testing.assert_array_equal(fitted.simulate(12, 100, seed=5), again.simulate(12, 100, seed=5))


def test_intervals_nested_and_widen(fit180):
    _, fitted = fit180
    fc = fitted.forecast(36)
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["median"]).all()
    assert (fc["median"] <= fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()
    width = np.log(fc["hi95"] / fc["lo95"]).to_numpy()
    assert width[-1] > width[0]  # uncertainty grows with the horizon


def test_no_negative_values_on_small_counts():
    rng = np.random.default_rng(3)
    idx = pd.date_range("2010-01-01", periods=96, freq="MS")
    y = pd.Series(rng.poisson(2.0, 96).astype(float), index=idx)
    fitted = make_model("gbm").fit(y)
    fc = fitted.forecast(24)
    assert (fc.to_numpy() >= 0).all()
    assert (fitted.simulate(24, 200, seed=1) >= 0).all()


def test_simulated_paths_match_intervals(fit180):
    _, fitted = fit180
    fc = fitted.forecast(12)
    paths = fitted.simulate(12, 4000, seed=2)
    # the paths resample the same calibration errors the intervals come from
    inside = (paths >= fc["lo80"].to_numpy()) & (paths <= fc["hi80"].to_numpy())
    assert 0.7 <= inside.mean() <= 0.9
    # beyond the calibrated horizon, paths keep going (blocks of errors add up)
    long = fitted.simulate(40, 500, seed=2)
    assert long.shape == (500, 40) and np.isfinite(long).all()


def test_summary_mentions_strategy(fit180):
    _, fitted = fit180
    text = fitted.summary()
    assert "Recursive" in text and "calibration errors" in text


@pytest.mark.parametrize(
    "params",
    [
        {"max_iter": 0},
        {"learning_rate": 0.0},
        {"learning_rate": 2.0},
        {"max_depth": 1.5},
        {"calibration_folds": 0},
        {"l2_regularization": -1.0},
        {"bogus": True},
    ],
)
def test_bad_parameters_raise_spec_error(params):
    with pytest.raises(SpecError):
        make_model("gbm", **params)


def test_too_short_raises():
    with pytest.raises(ShortSeriesError):
        make_model("gbm").fit(synthetic_seasonal(n=71))
    fitted = make_model("gbm").fit(synthetic_seasonal(n=72))  # the minimum works
    fc = fitted.forecast(12)
    assert (fc["hi95"] > fc["lo95"]).all()
    # one calibration block only: partial error paths are completed, so paths still vary
    paths = fitted.simulate(12, 200, seed=0)
    assert len(np.unique(paths[:, -1])) > 10
