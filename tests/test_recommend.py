"""One rule for which model to trust: by hand, and the same model from every door."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.backtesting import recommend as rec
from borderforecast.backtesting.metrics import paired_t
from borderforecast.backtesting.recommend import plausible_range, recommend


def _table(**cols):
    return pd.DataFrame(cols, index=list("abc"))


def test_the_rule_by_hand():
    t = _table(
        wmase=[0.9, 1.0, 1.2],
        mase=[1.0, 1.1, 1.3],
        msis=[20.0, 9.0, 8.0],
        n=[120, 120, 120],
        coverage80=[0.60, 0.80, 0.80],
        coverage95=[0.85, 0.95, 0.95],
    )
    # joint scores sqrt(wmase * msis): a 4.24, b 3.00, c 3.10; coverage is no gate, but a's
    # intervals cost it in MSIS: b wins (no incumbent among a, b, c)
    r = recommend(t)
    assert r.model == "b" and r.fallback == "" and r.table.index.tolist() == ["b", "c", "a"]
    assert r.table.loc["b", "joint"] == pytest.approx(3.0)
    # a plausibility check on the next month (last month 100, no move in a year: 66.3-150.5)
    y = pd.Series(100.0, index=pd.date_range("2020-01-01", periods=13, freq="MS"))
    lo, hi, _, _ = plausible_range(y)
    assert (round(lo, 1), round(hi, 1)) == (66.3, 150.5)
    r = recommend(t, {"a": 100.0, "b": 200.0, "c": 110.0}, y)
    assert r.model == "c" and r.table.loc["b", "status"] == "refused: next month"
    # nothing plausible: the best weighted MASE, with a caution
    r = recommend(t, {"a": 500.0, "b": 500.0, "c": 500.0}, y)
    assert r.model == "a" and r.fallback == "plausible" and "caution" in r.reason
    # the incumbent (stl_revert, 3.10) stays unless a model with a lower joint score is more
    # accurate beyond chance: b (3.00, weighted MASE 1.0 against 1.2) only with a paired t < -1.645
    inc = t.rename(index={"c": "stl_revert"})
    r = recommend(inc.assign(t=[-3.0, -1.0, np.nan]))  # a passes the test but scores 4.24
    assert r.model == "stl_revert" and "no model with a lower joint score is more" in r.reason
    assert r.table.loc["b", "why_not"].startswith("its edge over the default model could be")
    assert recommend(inc.assign(t=[-3.0, -2.0, np.nan])).model == "b"
    # too few resolved forecasts: nothing is judged, the incumbent stays
    r = recommend(inc.assign(n=[10, 10, 10], msis=[20.0, 1.0, 8.0]))
    assert r.model == "stl_revert" and "too few" in r.reason


def test_the_paired_test_by_hand():
    # Newey-West by hand: lag 2, Bartlett weights 2/3 and 1/3, small-sample factor n / (n - 1)
    d = np.array([-0.5, 0.2, -0.3, -0.1, -0.6, 0.1, -0.2, -0.4])
    e, n = d - d.mean(), len(d)
    gamma = [e[j:] @ e[: n - j] / n for j in range(3)]
    var = (gamma[0] + 2 * (2 / 3 * gamma[1] + 1 / 3 * gamma[2])) * n / (n - 1)
    t = paired_t(np.arange(n), d, np.ones(n), lag=2)
    assert t == pytest.approx(d.mean() / np.sqrt(var / n), rel=1e-9)
    # and statsmodels' OLS on a constant with HAC standard errors, on longer autocorrelated data
    from statsmodels.regression.linear_model import OLS

    x = np.convolve(np.random.default_rng(3).normal(0.1, 1, 60), np.ones(4) / 4, "valid")
    hac = {"maxlags": 3, "use_correction": True}
    ref = OLS(x, np.ones(len(x))).fit(cov_type="HAC", cov_kwds=hac).tvalues[0]
    assert paired_t(np.arange(len(x)), x, np.ones(len(x)), lag=3) == pytest.approx(ref, rel=1e-9)
    assert np.isnan(paired_t(np.arange(4), d[:4], np.ones(4), lag=2))  # 4 < lag + 3 origins
    assert rec.hac_lag(12, 1) == 11 and rec.hac_lag(12, 3) == 3 and rec.hac_lag(1, 3) == 0


def _errors(edge, noise, origins=40, seed=0):
    """An error table of 40 quarterly origins x 12 horizons: ``stl_revert`` and ``b``, whose
    errors are ``stl_revert``'s minus ``edge`` plus noise of spread ``noise``."""
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product(
        [["s"], pd.date_range("2010-01-01", periods=origins, freq="3MS"), range(1, 13)],
        names=["series", "origin", "horizon"],
    )
    base = rng.gamma(2.0, 0.5, len(idx))
    other = np.maximum(base - edge + rng.normal(0, noise, origins).repeat(12), 0)
    return pd.DataFrame({"b": other, "stl_revert": base}, index=idx)


def test_a_challenger_must_be_more_accurate_beyond_chance():
    # the same mean edge (0.05 of a MASE), once steady and once buried in origin-to-origin noise
    steady, noisy = _errors(0.05, 0.01), _errors(0.05, 0.6)
    t_steady, t_noisy = rec.paired_ts(steady, lag=3)[0], rec.paired_ts(noisy, lag=3)[0]
    assert t_steady < rec.T_CRITICAL < t_noisy
    assert np.isnan(rec.paired_ts(steady, lag=3)[1])  # the incumbent is not tested against itself
    table = _table(wmase=[0.9, 1.0, 1.2], mase=[1.0, 1.1, 1.3], msis=[6.0, 10.5, 8.0],
                   n=[480, 480, 480], coverage80=[0.8] * 3, coverage95=[0.95] * 3,
                   ).rename(index={"a": "b", "b": "stl_revert"})  # fmt: skip
    assert recommend(table.assign(t=[t_steady, np.nan, np.nan])).model == "b"
    r = recommend(table.assign(t=[t_noisy, np.nan, np.nan]))
    assert r.model == "stl_revert" and "beyond chance" in r.reason
    assert r.table.loc["b", "why_not"].startswith("its edge over the default model could be")
    # only the errors known by a cutoff: none of the steady edge known, nothing to test
    assert np.isnan(rec.paired_ts(steady, 3, np.zeros(len(steady), bool))[0])


@pytest.fixture
def small_candidates(monkeypatch):
    """Three quick candidates (the rule and its callers are what is tested, not the models)."""
    names = ("snaive", "demographic", "stl_revert")
    monkeypatch.setattr(rec, "CANDIDATES", names)
    return names


def _report_model(y, names, series):
    from borderforecast.reporting.builder import ReportOptions, report_choice

    return report_choice(y, ReportOptions(series=series, models=names)).model


def test_every_door_names_the_same_model_for_the_bundled_total(small_candidates):
    y = bf.load(end="2016-12")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = bf.forecast(y, h=3)
        bt = bf.backtest(y, models=list(small_candidates), step=3)
        report = _report_model(y, small_candidates, "southwest")
    assert fc.attrs["model"] == bt.recommended.model == report == "demographic"
    assert bf.fit(y).name == "demographic"


def test_every_door_names_the_same_model_for_a_user_file(small_candidates, tmp_path, capsys):
    from borderforecast.cli import main

    y = bf.load("sector/tucson", end="2019-12").rename("tucson")
    path = tmp_path / "mine.csv"
    pd.DataFrame({"month": y.index.strftime("%Y-%m"), "count": y.to_numpy()}).to_csv(
        path, index=False
    )
    mine = bf.read_series(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = bf.forecast(mine, h=3)
        bt = bf.backtest(mine, models=["snaive", "stl_revert"], step=3)  # demographic: no parts
        report = _report_model(mine, small_candidates, "mine")
        assert main(["forecast", "--input", str(path), "--h", "3", "--long", "--json"]) == 0
    cli = {row["unique_id"]: row for row in json.loads(capsys.readouterr().out)}
    cli_model = [k for k in next(iter(cli.values())) if k not in ("unique_id", "ds")][0]
    assert fc.attrs["model"] == bt.recommended.model == report == cli_model
    assert fc.attrs["model"] in ("snaive", "stl_revert")
    # the backtest command with its own default models and origins still names the door's model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        args = ["backtest", "--input", str(path), "--h", "3", "--start", "2019-06", "--step", "6"]
        assert main([*args, "--json"]) == 0
    picks = json.loads(capsys.readouterr().out)["recommended"]
    assert [p["model"] for p in picks.values()] == [fc.attrs["model"]]


def test_the_default_forecast_is_the_named_models_forecast(monkeypatch):
    """On a short series (where the candidates' joint backtest starts later than one model's
    own calibration), every candidate the rule weighs is the named model's forecast, intervals
    and their label included, so the default forecast is too."""
    from conftest import synthetic_seasonal

    from borderforecast.forecast import choose

    monkeypatch.setattr(rec, "CANDIDATES", ("snaive", "stl_revert", "ets"))  # ets: 36 months
    y = synthetic_seasonal(n=108, seed=4, start="2015-01-01").rename("mine")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = choose(y, h=6)
        for name, f in c.forecasters.items():
            got, want = f.forecast(6), bf.fit(y, name, h=6).forecast(6)
            pd.testing.assert_frame_equal(got, want)
            assert got.attrs["calibration"] == want.attrs["calibration"]
        chosen = bf.forecast(y, h=6)
        named = bf.forecast(y, model=chosen.attrs["model"], h=6)
        fitted, total = bf.fit(y, h=6), bf.forecast_total(y, months=6, n_paths=200)
    pd.testing.assert_frame_equal(chosen, named)
    assert chosen.attrs["intervals"] == named.attrs["intervals"] == "calibrated"
    # the choice and its reason travel with the fitted forecaster, not only bf.forecast's frame
    reason = c.recommendation.reason
    assert chosen.attrs["reason"] == fitted.chosen == total.attrs["reason"] == reason
    assert "recommend" in chosen.attrs["chosen_by"] and "chosen_by" not in named.attrs
    assert fitted.to_dict()["chosen"] == reason
    assert "Chosen by the package's rule" in fitted.summary()
    assert bf.fit(y, h=6, intervals="raw").chosen == reason


def test_a_bottom_up_model_without_parts_is_not_run_nor_the_incumbent():
    """On a series with no demographic parts, ``demographic`` would repeat its fallback: the
    backtest leaves it out (and says so), so it is never the incumbent the rule keeps."""
    y = bf.load("sector/tucson", end="2016-12")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bf.backtest(y, models=["snaive", "demographic", "stl_revert"], step=3, h=6)
    assert "demographic" not in set(res.forecasts["model"])
    assert res.info["not_run"] == {"sector/tucson": ["demographic"]}
    assert res.recommended.model != "demographic"
    assert "the default model demographic" not in res.recommended.reason
    sw = bf.backtest(bf.load(end="2018-12"), models=["demographic"], step=6, h=6)
    assert set(sw.forecasts["model"]) == {"demographic"} and sw.info["not_run"] == {}
    # the model's own test decides (parts that do not add up to the series are not its own)
    from borderforecast.data.parts import parts_for

    twice = {k: 2 * v for k, v in parts_for(bf.load()).items()}
    bad = bf.backtest(bf.load(end="2018-12"), models=["snaive", "demographic"], step=6, h=6,
                      parts={"southwest": twice})  # fmt: skip
    assert bad.info["not_run"] == {"southwest": ["demographic"]}
