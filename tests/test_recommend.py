"""One rule for which model to trust: by hand, and the same model from every door."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.backtesting import recommend as rec
from borderforecast.backtesting.recommend import decide, plausible_range, recommend


def _table(**cols):
    return pd.DataFrame(cols, index=list("abc"))


def test_the_rule_by_hand():
    t = _table(
        wmase=[0.9, 1.0, 1.2],
        mase1=[1.0] * 3,
        mase3=[1.0] * 3,
        mase=[1.0, 1.1, 1.3],
        coverage80=[0.70, 0.80, 0.80],
        coverage95=[0.95, 0.95, 0.95],
        skill=[0.0] * 3,
    )
    # a has the best weighted MASE but 70% coverage of its 80% intervals: b wins
    r = recommend(t)
    assert r.model == "b" and r.fallback == ""
    assert r.table["status"].tolist() == ["refused: coverage", "used", ""]
    # a plausibility check on the next month (last month 100, no move in a year: 66.3-150.5)
    y = pd.Series(100.0, index=pd.date_range("2020-01-01", periods=13, freq="MS"))
    lo, hi, _, _ = plausible_range(y)
    assert (round(lo, 1), round(hi, 1)) == (66.3, 150.5)
    r = recommend(t, {"a": 100.0, "b": 200.0, "c": 110.0}, y)
    assert r.model == "c" and r.table.loc["b", "status"] == "refused: next month"
    # nothing covers as promised: the best plausible model, and the rule says so
    r = recommend(t.assign(coverage80=0.5), {"a": 100.0, "b": 100.0, "c": 100.0}, y)
    assert r.model == "a" and r.fallback == "coverage"
    # nothing plausible: the best weighted MASE, with a caution
    r = recommend(t, {"a": 500.0, "b": 500.0, "c": 500.0}, y)
    assert r.model == "a" and r.fallback == "plausible" and "caution" in r.reason
    assert decide(np.array([2.0, 1.0]), np.array([True, True]), np.array([True, False])) == 0


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
