"""Calibration: closer to nominal, no look-ahead, live forecasts; ensembles from members."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

import borderforecast as bf
from borderforecast.backtesting import BacktestOptions, CalibrationOptions, backtest
from borderforecast.backtesting.calibrate import (
    calibrate_frame,
    conformal_path,
    sorted_quantile,
)
from borderforecast.backtesting.live import Calibration
from borderforecast.models.registry import ModelSpec
from borderforecast.models.snaive import SeasonalNaive, _State


class Overconfident(SeasonalNaive):
    """Seasonal naive whose intervals are 60% too narrow: like standard models on this series."""

    family = "overconfident"

    def _fit(self, z, X):
        state = super()._fit(z, X)
        return _State(state.z, state.sigma * 0.4)


SPEC = ModelSpec("overconfident", "overconfident", class_path=f"{__name__}:Overconfident")


def regime_series(seed: int, n: int = 216) -> pd.Series:
    """Seasonal counts with heavy-tailed level shifts (t(2) jumps) and t(3) noise."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2000-01-01", periods=n, freq="MS")
    f = np.log([0.95, 1.05, 1.25, 1.3, 1.2, 0.95, 0.85, 0.8, 0.85, 0.95, 0.9, 0.85])
    jumps = np.where(rng.random(n) < 0.06, rng.standard_t(2, n) * 0.25, 0.0)
    level = np.cumsum(jumps) + np.cumsum(rng.normal(0, 0.02, n))
    z = np.log(20000) + level + f[idx.month - 1] + rng.standard_t(3, n) * 0.04
    return pd.Series(np.round(np.exp(z)), index=idx, name="regime")


def test_conformal_quantile_by_hand():
    s = np.arange(1.0, 11.0)
    # rank ceil((10 + 1) * 0.8) = ceil(8.8) = 9: the 9th smallest score, no interpolation
    assert sorted_quantile(s, 0.2) == 9.0
    assert sorted_quantile(s, 0.05) == 10.0  # rank ceil(10.45) = 11 > 10: the largest
    assert sorted_quantile(np.arange(1.0, 20.0), 0.05) == 19.0  # 19 scores: rank 19 exists
    assert sorted_quantile(np.arange(1.0, 5.0), 0.2) == 4.0  # rank ceil(5 * 0.8) = 4 of 4


@pytest.mark.parametrize("seed", [0, 2, 3])
def test_calibrated_coverage_closer_to_nominal_than_raw(seed):
    res = backtest(regime_series(seed), models=[SPEC], cache=False, start="2006-06", step=2)
    row = res.ranking().loc["overconfident"]
    for lv in (80, 95):
        cal, raw = row[f"coverage{lv}"], row[f"raw_coverage{lv}"]
        assert abs(cal - lv / 100) < abs(raw - lv / 100), (lv, cal, raw)
    assert 0.72 <= row["coverage80"] <= 0.90
    # conservative on short heavy-tailed histories (few scores: the top ones set the 95% width)
    assert 0.85 <= row["coverage95"] < 1.0
    assert row["raw_coverage80"] < 0.70


def test_calibration_uses_no_future_information():
    y = regime_series(5)
    res = backtest(y, models=[SPEC], cache=False, start="2008-01", h=6)
    raw = res.raw_forecasts
    cut = pd.Timestamp("2012-06-01")
    opts = res.options.calibration
    base = calibrate_frame(raw, (80, 95), opts, {"regime": y})
    # scramble everything observed after the cut: actuals and the series itself
    rng = np.random.default_rng(1)
    later = raw["target_month"] > cut
    raw2 = raw.copy()
    raw2.loc[later, "actual"] = raw2.loc[later, "actual"] * rng.uniform(0.2, 5.0, later.sum())
    y2 = y.copy()
    y2[y2.index > cut] *= rng.uniform(0.2, 5.0, (y2.index > cut).sum())
    other = calibrate_frame(raw2, (80, 95), opts, {"regime": y2})
    early = raw["origin"] <= cut
    cols = ["lo80", "hi80", "lo95", "hi95"]
    np.testing.assert_array_equal(
        base.loc[early, cols].to_numpy(), other.loc[early, cols].to_numpy()
    )
    assert not np.allclose(base.loc[~early, cols].to_numpy(), other.loc[~early, cols].to_numpy())


def test_conformal_path_falls_back_when_too_few_errors():
    o = pd.date_range("2010-01-01", periods=15, freq="MS").to_numpy()
    t = pd.date_range("2010-02-01", periods=15, freq="MS").to_numpy()
    opts = CalibrationOptions(min_errors=12, gamma=0.0)
    w = conformal_path(o, t, np.full(15, 0.1), np.ones(15), (80,), opts)[80]
    assert np.isnan(w[:12]).all()  # at origin i only i errors have resolved
    assert w[12:] == pytest.approx([0.1, 0.1, 0.1])


def test_live_forecast_calibration_matches_backtest_row():
    y = regime_series(2)
    live_origin = pd.Timestamp("2013-06-01")
    long = backtest(y, models="snaive", start="2009-01", end="2013-06", h=6, cache=False)
    short = backtest(
        y.loc[:live_origin], models="snaive", start="2009-01", end="2013-05", h=6, cache=False
    )
    cal = Calibration.from_backtest(short, "snaive", short.series[0])
    live = bf.fit(y.loc[:live_origin], "snaive", calibration=cal).frames(6)[0]
    row = long.forecasts[long.forecasts["origin"] == live_origin].set_index("target_month")
    cols = ["median", "lo80", "hi80", "lo95", "hi95"]
    np.testing.assert_allclose(live[cols].to_numpy(), row[cols].to_numpy(), rtol=1e-10)
    raw = bf.make_model("snaive").fit(y.loc[:live_origin]).forecast(6)
    assert not np.allclose(live["hi80"], raw["hi80"])


def test_ensemble_from_members_equals_fitting_the_ensemble():
    y = synthetic_seasonal(n=100, sigma=0.08)
    ens = ModelSpec("ens", "ensemble", params={"members": ["snaive", "stl"], "method": "mean"})
    opts = BacktestOptions(
        start="2012-01",
        end="2012-04",
        h=5,
        cache=False,
        calibration=CalibrationOptions(method="none"),
    )
    combined = backtest(y, models=["snaive", "stl", ens], options=opts)
    fitted = backtest(y, models=[ens], options=opts)
    assert combined.info["combined"] == 4
    assert combined.info["timings"]["per_model"]["ens"]["fits"] == 0
    a = combined.forecasts[combined.forecasts["model"] == "ens"].reset_index(drop=True)
    b = fitted.forecasts.reset_index(drop=True)
    cols = ["median", "lo80", "hi80", "lo95", "hi95"]
    np.testing.assert_allclose(a[cols].to_numpy(), b[cols].to_numpy(), rtol=1e-12)
    assert fitted.info["fits"] == 4


def test_recommended_and_summary_plot():
    y = regime_series(0)
    res = backtest(y, models=["snaive", SPEC], cache=False, start="2010-01", step=3)
    rec = res.recommended
    assert rec.model in ("snaive", "overconfident")
    assert str(rec) == rec.model and rec.reason
    text = res.summary()
    assert "Recommended:" in text and "snaive" in text
    fig = res.plot()
    assert len(fig.axes) == 2


def test_learned_ensemble_uses_inverse_mase_of_resolved_errors_only():
    from borderforecast.models.ensemble import combine

    y = regime_series(4, n=150)
    res = backtest(
        y,
        models=["snaive", SPEC],
        start="2008-01",
        end="2010-06",
        h=4,
        cache=False,
        calibration={"method": "none"},
        learned_ensemble=True,
        learn_window=24,
    )
    raw = res.raw_forecasts
    members = raw[raw["model"] != "learned_ensemble"]
    origin = pd.Timestamp("2010-03-01")
    tm = members["target_month"]
    past = members[(tm <= origin) & (tm > origin - pd.DateOffset(months=24))]
    err = (past["actual"] - past["median"]).abs() / past["scale_abs"]
    inv = 1.0 / err.groupby(past["model"]).mean()
    w = (inv / inv.sum()).to_dict()
    assert set(w) == {"snaive", "overconfident"}
    cols = ["median", "lo80", "hi80", "lo95", "hi95"]
    frames = {
        m: raw[(raw["model"] == m) & (raw["origin"] == origin)].set_index("target_month")[cols]
        for m in w
    }
    expected = combine(frames, method="weighted", weights=w)
    got = raw[(raw["model"] == "learned_ensemble") & (raw["origin"] == origin)]
    np.testing.assert_allclose(got[cols].to_numpy(), expected[cols].to_numpy(), rtol=1e-9)
    live = res.learned_weights()
    assert sum(live.values()) == pytest.approx(1.0) and set(live) == set(w)
