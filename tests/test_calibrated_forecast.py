"""Calibrated public forecasts, median/mean, path totals, long horizons, honest selection."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.backtesting.live import Calibration
from borderforecast.backtesting.selection import SELECTION, out_of_sample_picks, selection_rows
from borderforecast.errors import ForecastWarning, ModelError
from borderforecast.models.fitted import CAP_FACTOR
from borderforecast.reporting.builder import ReportOptions, report_choice
from borderforecast.reporting.outlook import forecast_section

pytestmark = pytest.mark.warm_home("snaive", "ets")  # numbers, not the cache, are tested here


def test_bf_forecast_equals_the_report_interval_for_the_same_model_and_month():
    y = bf.load()
    fc = bf.forecast(y, model="snaive", h=12)
    assert fc.attrs["intervals"] == "calibrated"
    assert fc.attrs["calibration"]["step"] == 3
    choice = report_choice(y, ReportOptions(models=("snaive", "ets"), model="snaive"))
    out = forecast_section(y, "southwest", choice, horizon=12, seed=0)
    rows = pd.DataFrame(out.data["forecast"]["rows"] if "forecast" in out.data else [])
    report = rows if len(rows) else pd.DataFrame(_rows_anywhere(out.data))
    report.index = pd.to_datetime(report["month"])
    for c in ("lo80", "hi80", "lo95", "hi95"):
        np.testing.assert_allclose(fc[c].to_numpy(), report[c].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(fc["median"].to_numpy(), report["median"].to_numpy(), rtol=1e-12)
    raw = bf.forecast(y, model="snaive", h=12, intervals="raw")
    assert raw.attrs["intervals"] == "raw"
    assert not np.allclose(raw["hi80"], fc["hi80"])  # the report's are not the raw ones


def _rows_anywhere(data):
    """The report section's monthly forecast rows, wherever the section keeps them."""
    stack = [data]
    while stack:
        d = stack.pop()
        if isinstance(d, dict):
            for v in d.values():
                if isinstance(v, list) and v and isinstance(v[0], dict) and "hi95" in v[0]:
                    if "month" in v[0]:
                        return v
                stack.append(v)
        elif isinstance(d, list):
            stack.extend(d)
    raise AssertionError("no forecast rows in the section")


def test_fit_forecast_defaults_to_calibrated_and_names_the_median(seasonal_series):
    fitted = bf.fit(seasonal_series, "snaive")
    fc = fitted.forecast(6)
    assert fc.columns.tolist() == ["median", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert fc.attrs["intervals"] == "calibrated" and fc.attrs["point"] == "median"
    # the raw protocol frame keeps its compatibility name and says what it holds
    proto = bf.make_model("snaive").fit(seasonal_series).forecast(6)
    assert proto.attrs == {**proto.attrs, "intervals": "raw", "point": "median"}
    np.testing.assert_allclose(fc["median"], proto["median"])
    # the true mean is the mean of the (calibrated) sample paths with the same seed, and
    # above the median (log-normal skew) wherever the table's 80% interval is at least as
    # wide above the median as below it on the log scale (the paths follow the table)
    paths = fitted.paths(6, n_paths=1000, seed=0)
    np.testing.assert_allclose(fc["mean"], paths.mean(axis=0), rtol=1e-12)
    log = np.log1p(fc)
    even = (log["hi80"] - log["median"] >= log["median"] - log["lo80"] - 1e-12).to_numpy()
    assert even.sum() >= 3 and (fc["mean"] > fc["median"])[even].all()
    raw = bf.fit(seasonal_series, "snaive", intervals="raw")
    assert raw.calibration is None and raw.forecast(6).attrs["intervals"] == "raw"
    # the calibration is a visible, immutable part of the result, never inside the model's fit
    assert fitted.calibration.model == "snaive" and fitted.calibration.info["h"] == 12
    assert not hasattr(fitted.fitted, "calibrator")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fitted.calibration = None  # type: ignore[misc]
    with pytest.raises(ModelError, match="covers 12 months"):
        fitted.forecast(13)


def test_the_short_route_gives_the_backtest_calibration(seasonal_series):
    """bf.fit computes the calibration by the short route; a full backtest gives the same."""
    res = bf.backtest(seasonal_series, models="snaive", step=3, h=12, cache=False)
    short = bf.fit(seasonal_series, "snaive")
    full = bf.fit(seasonal_series, "snaive", calibration=Calibration.from_backtest(
        res, "snaive", "synthetic"))  # fmt: skip
    assert short.calibration.info == full.calibration.info
    pd.testing.assert_frame_equal(short.calibration.history, full.calibration.history,
                                  check_dtype=False)  # fmt: skip
    pd.testing.assert_frame_equal(short.forecast(12), full.forecast(12))
    # and the backtest's last scored origin, calibrated by the route, is the backtest's row
    last = res.forecasts["origin"].max()
    live = bf.fit(seasonal_series.loc[:last], "snaive", calibration=full.calibration)
    row = res.forecasts[res.forecasts["origin"] == last].set_index("target_month")
    got = live.frames(12)[0]
    np.testing.assert_allclose(got["hi80"].to_numpy(), row["hi80"].to_numpy(), rtol=1e-9)


def test_calibrated_paths_match_the_calibrated_80_interval(seasonal_series):
    fitted = bf.fit(seasonal_series, "snaive")
    fc = fitted.frames(4)[0]
    paths = fitted.paths(4, n_paths=4000, seed=1)
    lo, hi = np.quantile(paths, [0.1, 0.9], axis=0)
    np.testing.assert_allclose(np.log1p(hi), np.log1p(fc["hi80"]), atol=0.02)
    np.testing.assert_allclose(np.log1p(lo), np.log1p(fc["lo80"]), atol=0.02)


def test_total_is_the_distribution_of_path_sums(seasonal_series):
    fitted = bf.fit(seasonal_series, "snaive", intervals="raw")
    t = fitted.forecast_total(12, n_paths=500, seed=3)
    sums = fitted.fitted.simulate(12, n_paths=500, seed=3).sum(axis=1)
    assert t["mean"] == pytest.approx(sums.mean(), rel=1e-12)
    assert t["median"] == pytest.approx(np.median(sums), rel=1e-12)
    assert t["lo80"] == pytest.approx(np.quantile(sums, 0.1), rel=1e-12)
    assert t["hi95"] == pytest.approx(np.quantile(sums, 0.975), rel=1e-12)
    assert t["forecast_months"] == 12 and t["observed_months"] == 0


def test_fiscal_year_total_adds_the_observed_months(seasonal_series):
    y = seasonal_series.loc[:"2016-03-01"]  # FY2016 = Oct 2015 .. Sep 2016: 6 months observed
    fitted = bf.fit(y, "snaive", intervals="raw")
    t = fitted.forecast_total(fiscal_year=2016, n_paths=300, seed=0)
    observed = float(y.loc["2015-10-01":].sum())
    paths = fitted.paths(6, n_paths=300, seed=0)
    assert t["observed_months"] == 6 and t["forecast_months"] == 6
    assert t["observed"] == observed
    assert t["mean"] == pytest.approx(observed + paths.sum(axis=1).mean(), rel=1e-12)
    # a fiscal year that starts after the next month: only its own months are summed
    t2 = fitted.forecast_total(fiscal_year=2017, n_paths=300, seed=0)
    p2 = fitted.paths(18, n_paths=300, seed=0)[:, 6:]
    assert t2["forecast_months"] == 12
    assert t2["mean"] == pytest.approx(p2.sum(axis=1).mean(), rel=1e-12)


def test_long_horizons_warn_and_bounds_are_capped():
    from conftest import synthetic_seasonal

    seasonal_series = synthetic_seasonal(sigma=0.8)  # seasonal random walk with huge steps
    fitted = bf.make_model("snaive").fit(seasonal_series)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForecastWarning)
        fitted.forecast(36)  # the documented limit itself is fine
    with pytest.warns(ForecastWarning, match="36 months"):
        fc = fitted.forecast(120)
    cap = CAP_FACTOR * seasonal_series.max()
    assert np.isfinite(fc.to_numpy()).all()
    assert fc["hi95"].max() <= cap
    assert fc["hi95"].max() == pytest.approx(cap)  # a 10-year random walk does reach it
    assert fc["hi95"].iloc[0] < cap  # and the first months are not capped


def _frame(model_errors: dict[str, list[float]], origins: pd.DatetimeIndex) -> pd.DataFrame:
    """h = 1 forecasts: actual 100, model m misses by model_errors[m][i] at origin i."""
    rows = []
    for m, errs in model_errors.items():
        for o, e in zip(origins, errs, strict=True):
            rows.append(
                {
                    "series": "s",
                    "model": m,
                    "origin": o,
                    "target_month": o + pd.DateOffset(months=1),
                    "horizon": 1,
                    "actual": 100.0,
                    "median": 100.0 + e,
                    "lo80": 100.0 + e - 5,
                    "hi80": 100.0 + e + 5,
                    "scale_abs": 1.0,
                    "calibrated": True,  # the rule judges intervals on calibrated rows only
                    "scored": True,
                }
            )
    return pd.DataFrame(rows)


def test_selection_uses_only_errors_known_at_each_origin():
    origins = pd.date_range("2020-01-01", periods=6, freq="MS")
    # a is better early, b late; b wins in sample: mean |e| a = 18/6 = 3, b = 12/6 = 2
    errs = {"a": [1, 1, 1, 5, 5, 5], "b": [6, 6, 0, 0, 0, 0]}
    frame = _frame(errs, origins)
    in_sample = frame.assign(ae=(frame["median"] - 100).abs()).groupby("model")["ae"].mean()
    assert in_sample.to_dict() == {"a": 3.0, "b": 2.0}
    picks = out_of_sample_picks(frame, levels=(80,), lag=0)["s"]
    # known at origin i: the errors of origins < i (target = origin + 1 month <= i)
    # i=0: nothing known -> first model by name (no snaive here); i=1..3: a 1 < b 6, 6, 4;
    # i=4: a (1+1+1+5)/4 = 2 < b 12/4 = 3; i=5: a 13/5 = 2.6 > b 12/5 = 2.4 -> b
    assert [picks[o] for o in origins] == ["a", "a", "a", "a", "a", "b"]
    rows = selection_rows(frame, {"s": picks})
    assert (rows["model"] == SELECTION).all() and len(rows) == 6
    # the procedure's out-of-sample error: (1+1+1+5+5+0)/6 = 13/6, worse than b's in-sample 2
    assert (rows["median"] - 100).abs().mean() == pytest.approx(13 / 6)


def test_selection_switches_when_the_known_record_changes():
    origins = pd.date_range("2020-01-01", periods=5, freq="MS")
    errs = {"a": [1, 1, 9, 9, 9], "b": [4, 4, 0, 0, 0]}
    picks = out_of_sample_picks(_frame(errs, origins), levels=(80,), lag=0)["s"]
    # known at origin i: errors of origins < i (target = origin + 1 <= i)
    # i=1: a 1 < b 4 -> a; i=2: a 1, b 4 -> a; i=3: a 11/3=3.67, b 8/3=2.67 -> b; i=4: b
    assert [picks[o] for o in origins] == ["a", "a", "a", "b", "b"]


def test_backtest_reports_the_out_of_sample_recommendation():
    res = bf.backtest(bf.load(), models=["snaive", "ets"], start="2023-01", h=3, cache=False)
    table = res.selection_score()
    assert table.index[0] == SELECTION
    m = res.metrics
    assert SELECTION in set(m["model"])
    assert SELECTION not in res.ranking().index
    picks = res.selection_picks()
    assert len(picks) == res.forecasts["origin"].nunique()
    # the pseudo-model's rows are the picked model's rows: recompute its MASE by hand
    f = res.raw_forecasts.merge(picks, on=["series", "origin", "model"])
    f = f[f["scored"].astype(bool)]
    mase = ((f["actual"] - f["median"]).abs() / f["scale_abs"]).mean()
    assert table.loc[SELECTION, "mase"] == pytest.approx(mase, rel=1e-9)
    assert "out of sample" in res.recommended.reason


def test_small_runs_stay_in_process_and_give_the_process_engine_numbers(seasonal_series):
    kw = {"models": ["snaive", "stl"], "start": "2018-01", "end": "2018-06", "h": 3, "cache": False}
    kw["calibration"] = {"method": "none"}  # no warm-up origins: 12 units, a small run
    seq = bf.backtest(seasonal_series, **kw)
    par = bf.backtest(seasonal_series, engine="processes", jobs=2, **kw)
    assert seq.info["engine"] == par.info["engine"] == "sequential"
    pd.testing.assert_frame_equal(seq.forecasts, par.forecasts)
    pd.testing.assert_frame_equal(seq.metrics, par.metrics)


def test_forecaster_totals_sum_its_calibrated_paths(seasonal_series):
    res = bf.backtest(seasonal_series, models="snaive", start="2012-01", h=6, cache=False)
    cal = bf.fit(seasonal_series, "snaive", calibration=Calibration.from_backtest(
        res, "snaive", "synthetic"))  # fmt: skip
    fc = cal.frames(6)[1]
    assert fc.attrs["intervals"] == "calibrated" and fc.attrs["calibration"]["h"] == 6
    t = cal.forecast_total(6, n_paths=400, seed=2)
    sums = cal.paths(6, n_paths=400, seed=2).sum(axis=1)
    assert t.attrs["intervals"] == "calibrated"
    assert t["mean"] == pytest.approx(sums.mean(), rel=1e-12)
    assert t["hi80"] == pytest.approx(np.quantile(sums, 0.9), rel=1e-12)
    # calibrated widths are not the raw ones, so neither are the totals
    raw = bf.fit(seasonal_series, "snaive", intervals="raw").forecast_total(6, n_paths=400, seed=2)
    assert raw["hi80"] != pytest.approx(t["hi80"], rel=1e-3)


def test_a_forecaster_is_plain_data(seasonal_series):
    """``Forecaster.to_dict()`` is JSON as it stands, and its calibration rows rebuild the
    errors the intervals were calibrated on."""
    import json

    f = bf.fit(seasonal_series, "snaive")
    d = json.loads(json.dumps(f.to_dict()))  # plain data: no pickle, no numpy
    assert d["model"] == "snaive" and d["intervals"] == "calibrated"
    assert d["first_month"] == f"{seasonal_series.index[0]:%Y-%m}"
    cal = d["calibration"]
    assert cal["info"] == json.loads(json.dumps(dict(f.calibration.info)))
    rows = pd.DataFrame(cal["history"])
    want = f.calibration.history
    assert len(rows) == len(want) and rows["origin"].iloc[0] == f"{want['origin'].iloc[0]:%Y-%m}"
    np.testing.assert_allclose(rows["median"], want["median"])
    raw = bf.fit(seasonal_series, "snaive", intervals="raw").to_dict()
    assert raw["intervals"] == "raw" and raw["calibration"] is None


def test_a_seed_does_not_refit_what_the_backtest_cached(seasonal_series, monkeypatch):
    """The calibration keys its fits by the seed on its own, as the backtest does: after a
    backtest, ``bf.fit(y, model, seed=0)`` fits nothing again (the report's route)."""
    from borderforecast.backtesting import units

    bf.backtest(seasonal_series, models="snaive", step=3, h=12)
    fits = []
    real = units.run_unit
    monkeypatch.setattr(units, "run_unit", lambda *a, **k: fits.append(1) or real(*a, **k))
    for kw in ({}, {"seed": 0}):
        assert bf.fit(seasonal_series, "snaive", **kw).intervals == "calibrated"
    assert fits == []
    bf.fit(seasonal_series, "snaive", seed=1)  # another seed: other units
    assert fits
