"""Backtest metrics against hand calculations and direct numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

from borderforecast.backtesting import backtest
from borderforecast.backtesting.metrics import (
    coverage,
    evaluate,
    mape,
    mase,
    rmsse,
    seasonal_scales,
    smape,
    winkler,
)


def _frame(**cols):
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()})


def test_point_metrics_by_hand():
    df = _frame(
        actual=[100, 50, 0], median=[80, 60, 10], scale_abs=[10, 10, 5], scale_sq=[400, 100, 25]
    )
    assert mase(df).tolist() == [2.0, 1.0, 2.0]
    assert rmsse(df).tolist() == [1.0, 1.0, 4.0]
    # sMAPE: 200*20/180, 200*10/110, 200*10/10
    np.testing.assert_allclose(smape(df), [200 * 20 / 180, 200 * 10 / 110, 200.0])
    m = mape(df)
    np.testing.assert_allclose(m[:2], [20.0, 20.0])
    assert np.isnan(m[2])  # actual 0: skipped, not infinite


def test_winkler_and_coverage_by_hand():
    # 80% interval [90, 110], scale 4: inside -> width 20 / 4; below by 10 -> (20 + 10*10*2... )
    df = _frame(actual=[100, 80, 125], lo80=[90, 90, 90], hi80=[110, 110, 110], scale_abs=[4, 4, 4])
    # alpha = 0.2 -> penalty 2/alpha = 10 per unit outside
    expected = [20 / 4, (20 + 10 * 10) / 4, (20 + 10 * 15) / 4]
    np.testing.assert_allclose(winkler(df, level=80), expected)
    assert coverage(df, level=80).tolist() == [1.0, 0.0, 0.0]
    df95 = _frame(actual=[80], lo95=[90], hi95=[110], scale_abs=[1])
    np.testing.assert_allclose(winkler(df95, level=95), [20 + (2 / 0.05) * 10])


def test_rmsse_aggregates_as_root_mean():
    df = _frame(actual=[10, 10], median=[8, 14], scale_abs=[1, 1], scale_sq=[1, 4], g=[0, 0])
    df["lo80"] = df["hi80"] = df["median"]
    out = evaluate(df, ["g"], levels=(80,))
    # e^2 / scale_sq = 4, 4 -> sqrt(mean) = 2; MASE = mean(2, 4) = 3
    assert out.loc[0, "rmsse"] == pytest.approx(2.0)
    assert out.loc[0, "mase"] == pytest.approx(3.0)
    assert out.loc[0, "n"] == 2


def test_seasonal_scales_match_numpy():
    y = synthetic_seasonal(n=40).to_numpy()
    a, s = seasonal_scales(y)
    for n in (13, 20, 40):
        d = y[12:n] - y[: n - 12]
        assert a[n - 1] == pytest.approx(np.mean(np.abs(d)))
        assert s[n - 1] == pytest.approx(np.mean(d**2))
    assert np.isnan(a[11])


def test_snaive_mase_equals_direct_numpy():
    """MASE/RMSSE/sMAPE of the seasonal naive over a small backtest, recomputed by hand."""
    y = synthetic_seasonal(n=60, sigma=0.1, seed=3)
    res = backtest(
        y,
        models="snaive",
        start="2008-06",
        end="2008-11",
        h=6,
        cache=False,
        calibration={"method": "none"},
    )
    v = y.to_numpy()
    ase, sse, sm = [], [], []
    for origin in pd.date_range("2008-06-01", "2008-11-01", freq="MS"):
        i = y.index.get_loc(origin)
        train = v[: i + 1]
        d = train[12:] - train[:-12]
        for k in range(1, 7):
            actual, fc = v[i + k], v[i + k - 12]
            ase.append(abs(actual - fc) / np.mean(np.abs(d)))
            sse.append((actual - fc) ** 2 / np.mean(d**2))
            sm.append(200 * abs(actual - fc) / (abs(actual) + abs(fc)))
    row = res.ranking(intervals="raw").loc["snaive"]
    assert row["mase"] == pytest.approx(np.mean(ase), rel=1e-9)
    assert row["rmsse"] == pytest.approx(np.sqrt(np.mean(sse)), rel=1e-9)
    assert row["smape"] == pytest.approx(np.mean(sm), rel=1e-9)
    assert row["skill"] == pytest.approx(0.0)
    assert int(row["n"]) == 36


def test_metrics_by_horizon_and_era_cover_all_rows():
    y = synthetic_seasonal(n=200)
    res = backtest(y, models="snaive", start="2019-06", end="2020-06", step=2, h=3, cache=False)
    m = res.metrics
    cal = m[(m["intervals"] == "calibrated")]
    eras = sorted(set(cal["era"]) - {"all"})
    assert eras == ["2019-06..2019-12", "2020-02..2020-06"]
    by_h = cal[(cal["era"] == "all") & (cal["horizon"] != "all")]
    assert sorted(by_h["horizon"].tolist()) == ["1", "2", "3"]
    assert by_h["n"].sum() == cal[(cal["era"] == "all") & (cal["horizon"] == "all")]["n"].iloc[0]
