"""The calibration function: a hand-computed case, coverage on synthetic data, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderforecast.backtesting import CalibrationOptions
from borderforecast.backtesting.calibrate import (
    calibrate_frame,
    error_scale,
    level_step,
    sorted_quantile,
)
from borderforecast.backtesting.live import calibrate
from borderforecast.errors import ModelError

PLAIN = CalibrationOptions(
    gamma=0.0, scale="none", monotone=False, record_cap=None, min_errors=5, window=100
)


def history_frame(log_errors: np.ndarray, start: str = "2010-01-01", mean: float = 1000.0):
    """One-horizon backtest rows: origin t, target t+1, actual = (mean + 1) e^err - 1."""
    n = len(log_errors)
    origins = pd.date_range(start, periods=n, freq="MS")
    return pd.DataFrame(
        {
            "origin": origins,
            "target_month": origins + pd.DateOffset(months=1),
            "horizon": 1,
            "actual": (mean + 1.0) * np.exp(log_errors) - 1.0,
            "median": mean,
        }
    )


def live(origin: pd.Timestamp, h: int = 1, mean: float = 500.0) -> pd.DataFrame:
    idx = pd.date_range(origin + pd.DateOffset(months=1), periods=h, freq="MS")
    return pd.DataFrame(
        {
            "median": mean,
            "lo80": mean * 0.9,
            "hi80": mean * 1.1,
            "lo95": mean * 0.8,
            "hi95": mean * 1.2,
        },
        index=idx,
    )


def test_hand_computed_quantile():
    errs = np.array([0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0])
    hist = history_frame(errs)
    origin = pd.Timestamp("2010-11-01")  # all ten targets (2010-02 .. 2010-11) are known
    out = calibrate(hist, live(origin), PLAIN)
    # |e| = 0.1..1.0; 80%: rank ceil(11 * 0.8) = 9 of the sorted scores -> 0.9
    q80 = 0.9
    assert sorted_quantile(np.sort(np.abs(errs)), 0.2) == pytest.approx(q80)
    assert out["hi80"].iloc[0] == pytest.approx(501.0 * np.exp(q80) - 1.0)
    assert out["lo80"].iloc[0] == pytest.approx(501.0 * np.exp(-q80) - 1.0)
    assert out["hi95"].iloc[0] == pytest.approx(501.0 * np.exp(1.0) - 1.0)  # the largest score
    assert out["median"].iloc[0] == 500.0 and out.attrs["intervals"] == "calibrated"


def test_only_errors_known_at_the_origin_are_used():
    rng = np.random.default_rng(0)
    errs = rng.normal(0, 0.2, 60)
    hist = history_frame(errs)
    origin = pd.Timestamp("2012-06-01")
    base = calibrate(hist, live(origin, h=1), CalibrationOptions(min_errors=5))
    wild = hist.copy()
    later = wild["target_month"] > origin
    wild.loc[later, "actual"] *= 50.0
    again = calibrate(wild, live(origin, h=1), CalibrationOptions(min_errors=5))
    pd.testing.assert_frame_equal(base, again)
    early = calibrate(hist, live(pd.Timestamp("2010-03-01")), CalibrationOptions(min_errors=5))
    assert early.attrs["intervals"] == "raw"  # two known errors: the model's own interval
    assert early["hi80"].iloc[0] == 550.0


def test_coverage_on_synthetic_errors_with_regimes():
    # log errors whose size switches between calm (0.05) and turbulent (0.25) spells
    rng = np.random.default_rng(42)
    n = 600
    sd = np.where((np.arange(n) // 60) % 2 == 0, 0.05, 0.25)
    errs = rng.normal(0, sd)
    hist = history_frame(errs, start="1970-01-01")
    hist["series"], hist["model"] = "s", "m"
    for c, f in (("lo80", 0.97), ("hi80", 1.03), ("lo95", 0.95), ("hi95", 1.05)):
        hist[c] = hist["median"] * f  # far too narrow model intervals
    out = calibrate_frame(hist, (80, 95), CalibrationOptions(record_cap=None))
    inside = {
        lv: ((out["actual"] >= out[f"lo{lv}"]) & (out["actual"] <= out[f"hi{lv}"]))[100:].mean()
        for lv in (80, 95)
    }
    assert 0.75 <= inside[80] <= 0.85, inside
    assert 0.90 <= inside[95] <= 0.98, inside
    width = np.log(out["hi80"] / out["median"])
    calm, rough = width[(sd == 0.05) & (np.arange(n) > 100)], width[sd == 0.25]
    assert rough.median() > 2.5 * calm.median()  # the scale follows the regime


def test_record_cap_and_monotone_widths():
    rng = np.random.default_rng(1)
    rows = []
    for k in range(1, 4):
        h = history_frame(rng.normal(0, 0.3 * k, 80))
        h["horizon"] = k
        h["target_month"] = h["origin"] + pd.DateOffset(months=k)
        rows.append(h)
    hist = pd.concat(rows, ignore_index=True)
    origin = pd.Timestamp("2016-06-01")
    y = pd.Series(1000.0, index=pd.date_range("2005-01-01", origin, freq="MS"))
    y.iloc[10] = 1200.0  # the record
    out = calibrate(hist, live(origin, h=3, mean=1000.0), CalibrationOptions(), y=y)
    assert (out["hi95"] <= 1.5 * 1200.0 + 1e-9).all()
    assert out["hi95"].max() == pytest.approx(1800.0)  # the cap binds at these widths
    w = np.log(out["median"] + 1) - np.log(out["lo80"] + 1)
    assert np.all(np.diff(w.to_numpy()) >= -1e-12)


def test_error_scale_weights_and_level_steps():
    t = pd.date_range("2000-01-01", periods=3, freq="MS").to_numpy()
    e = np.array([0.1, -0.3, 0.2])
    s = error_scale(t, t, e, halflife=1.0)
    # pandas ewm, adjust=True, weights 1, 1/2, 1/4 (newest first)
    assert s[2] == pytest.approx((0.2 + 0.5 * 0.3 + 0.25 * 0.1) / 1.75)
    assert level_step(0.08, 80) == pytest.approx(0.08)
    assert level_step(0.08, 95) == pytest.approx(0.005)
    with pytest.raises(ModelError, match="adapt_limits"):
        CalibrationOptions(adapt_limits=(1.2, 2.0))
    with pytest.raises(ModelError, match="scale"):
        CalibrationOptions(scale="garch")
    with pytest.raises(ModelError, match="window must be a whole number of months >= 2, got 2.5"):
        CalibrationOptions(window=2.5)
    with pytest.raises(ModelError, match="record_cap must be a number >= 1 or None, got 'a'"):
        CalibrationOptions(record_cap="a")
    with pytest.raises(ModelError, match="warmup must be a whole number"):
        CalibrationOptions(warmup=True)
    with pytest.raises(ModelError, match=r"gamma must be a number in \[0, 1\), got 1.0"):
        CalibrationOptions(gamma=1.0)
    assert CalibrationOptions(window=120.0, record_cap=None).window == 120  # a whole float
