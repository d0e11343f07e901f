"""The report's forecast table: intervals nested, strictly ordered, smooth and bounded.

The guards are checked on hand-made frames (numbers worked out below) and on the forecast-table
step of the report run on every bundled series with 72+ months (snaive and stl, the cheap models;
each series' own intervals, since the backtest calibration is checked in test_report.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

import borderforecast as bf
from borderforecast.intervals import MIN_RATIO, check_intervals, guard_intervals, record_moves


def _frame(mean, lo80, hi80, lo95, hi95, start="2025-09-01"):
    idx = pd.date_range(start, periods=len(mean), freq="MS")
    return pd.DataFrame(
        {"median": mean, "lo80": lo80, "hi80": hi80, "lo95": lo95, "hi95": hi95}, index=idx,
        dtype=float)


def _history(n=60, level=1000.0):
    idx = pd.date_range(end="2025-08-01", periods=n, freq="MS")
    return pd.Series(level * (1 + 0.3 * np.sin(np.arange(n))), index=idx)


def test_equal_80_and_95_bounds_are_pulled_apart():
    # the Tucson case: 80% and 95% intervals identical (1,733 - 24,815)
    fc = _frame([6558.0], [1733.0], [24815.0], [1733.0], [24815.0])
    y = pd.Series(np.r_[np.full(30, 6000.0), np.full(30, 60000.0)],
                  index=pd.date_range(end="2025-03-01", periods=60, freq="MS"))
    g = guard_intervals(fc, y).frame.iloc[0]
    lm = np.log1p(6558.0)
    # the 80% bounds stay; the 95% half-widths become MIN_RATIO times the 80% ones
    assert g["lo80"] == pytest.approx(1733.0) and g["hi80"] == pytest.approx(24815.0)
    assert np.log1p(g["hi95"]) - lm == pytest.approx(MIN_RATIO * (np.log1p(24815.0) - lm))
    assert lm - np.log1p(g["lo95"]) == pytest.approx(MIN_RATIO * (lm - np.log1p(1733.0)))
    assert g["lo95"] < g["lo80"] < g["median"] < g["hi80"] < g["hi95"]


def test_jagged_band_becomes_monotone_and_the_mean_never_moves():
    mean = [100.0] * 4
    # log half-widths of hi95: 0.5, 1.5, 0.7, 1.1 (jagged); isotonic fit: 0.5, 1.1, 1.1, 1.1
    def b(w):  # bounds whose log1p half-widths around log1p(100) are w
        return list(101 * np.exp(w) - 1)

    hi95, hi80 = b([0.5, 1.5, 0.7, 1.1]), b([0.3, 0.4, 0.5, 0.6])
    lo80, lo95 = b([-0.3, -0.4, -0.5, -0.6]), b([-0.5, -0.6, -0.7, -0.8])
    y = pd.Series(np.r_[np.full(30, 10.0), np.full(30, 5000.0), np.full(12, 100.0)],
                  index=pd.date_range(end="2025-08-01", periods=72, freq="MS"))
    g = guard_intervals(_frame(mean, lo80, hi80, lo95, hi95), y).frame
    np.testing.assert_allclose(g["median"], mean)
    w = np.log1p(g["hi95"].to_numpy()) - np.log1p(100.0)
    np.testing.assert_allclose(w, [0.5, 1.1, 1.1, 1.1], atol=1e-9)
    assert check_intervals(g) == []


def test_upper_bound_is_capped_by_the_largest_rise_on_record():
    # history: a 3-fold rise within 2 months at most; mean 100 at the last month 100
    vals = np.r_[np.full(24, 100.0), 150.0, 300.0, np.full(10, 100.0)]
    y = pd.Series(vals, index=pd.date_range(end="2025-08-01", periods=len(vals), freq="MS"))
    up, _ = record_moves(y, 3)  # 1 month: 151 -> 301; 2 and 3 months: 101 -> 301
    np.testing.assert_allclose(np.exp(up), [301 / 151, 301 / 101, 301 / 101])
    fc = _frame([100.0] * 3, [50.0] * 3, [200.0] * 3, [30.0] * 3, [5000.0] * 3)
    g = guard_intervals(fc, y)
    # the cap: log1p(100) + up; hi95 = 101 * 301/151 - 1 = 200.3 would cut below hi80 = 200,
    # so hi80 is pulled in to keep MIN_RATIO
    cap = np.expm1(np.log1p(100.0) + up)
    assert (g.frame["hi95"].to_numpy() <= cap + 1e-9).all()
    assert check_intervals(g.frame) == []
    assert g.notes == ()  # 300 is the record: the capped bounds do not pass it


def test_upper_bound_above_the_record_comes_with_a_sentence():
    y = pd.Series(np.r_[np.full(24, 10.0), 1000.0, np.full(11, 900.0)],
                  index=pd.date_range(end="2025-08-01", periods=36, freq="MS"))
    fc = _frame([900.0] * 2, [700.0] * 2, [1100.0, 1200.0], [600.0] * 2, [1500.0, 1700.0])
    g = guard_intervals(fc, y)
    assert len(g.notes) == 1
    assert g.notes[0].startswith("From September 2025 the upper 95% bound passes the record "
                                 "month (September 2024, 1,000)")
    assert "91.0-fold within 1 month" in g.notes[0]  # 10 -> 1000: (1000 + 1) / (10 + 1)


def _long_series():
    table = bf.datasets()
    ids = table.loc[(table["n_months"] >= 72) & (table["missing"] == 0), "id"].tolist()
    assert len(ids) >= 100
    return ids


def test_forecast_table_on_every_series_with_72_months():
    ids = _long_series()
    bad = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sid in ids:
            y = bf.load(sid)
            for model in ("snaive", "stl"):
                g = guard_intervals(bf.make_model(model).fit(y).forecast(12), y)
                problems = check_intervals(g.frame)
                if (g.frame["hi95"] > y.max()).any() and not g.notes:
                    problems.append("upper bound above the record month without a sentence")
                if problems:
                    bad[(sid, model)] = problems
    assert bad == {}


def test_the_fan_chart_says_when_intervals_are_the_models_own():
    """A forecast whose intervals could not be calibrated is never captioned "calibrated"."""
    from types import SimpleNamespace

    import matplotlib.pyplot as plt

    from borderforecast.reporting.common import subject_of
    from borderforecast.reporting.outlook import _fan, _shown, outlook_paths

    y = synthetic_seasonal(n=40, seed=2, start="2020-01-01").rename("riders")
    f = bf.fit(y, "stl_revert", intervals="raw")
    fc = outlook_paths(f.fitted, _shown(f, 6).frame, 0)[0]  # as the report draws it
    assert fc.attrs["intervals"] == "raw"
    subj = subject_of(y, border=False)
    choice = SimpleNamespace(model="stl_revert")
    raw = _fan(y, fc, fc, choice, subj, 24)
    assert "the model's own intervals" in raw.figure.axes[0].get_title()
    assert "calibrated on" not in raw.caption
    assert "too few backtest errors to calibrate" in raw.caption
    cal = fc.copy()
    cal.attrs["intervals"] = "calibrated"
    assert "calibrated on backtest errors" in _fan(y, cal, cal, choice, subj, 24).caption
    plt.close("all")
