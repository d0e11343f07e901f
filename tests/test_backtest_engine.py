"""Backtest protocol, output files, failure isolation, engines, cache, bad input, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

import borderforecast as bf
from borderforecast.backtesting import BacktestOptions, BacktestResult, backtest, units
from borderforecast.cli import main
from borderforecast.errors import (
    DataError,
    ModelError,
    ShortSeriesError,
    UnknownModelError,
    UnknownSeriesError,
)
from borderforecast.models.registry import ModelSpec
from borderforecast.models.snaive import SeasonalNaive

COLUMNS = [
    "origin",
    "target_month",
    "horizon",
    "model",
    "series",
    "actual",
    "median",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
]
NO_CAL = {"method": "none"}


class FailsIn2018(SeasonalNaive):
    """A seasonal naive that cannot be fitted on data ending in 2018."""

    family = "fails_in_2018"

    def _fit(self, z, X):
        if z.index[-1].year == 2018:
            raise FloatingPointError("boom in 2018")
        return super()._fit(z, X)


def _failing_spec() -> ModelSpec:
    return ModelSpec("flaky", "fails_in_2018", class_path=f"{__name__}:FailsIn2018")


def test_origins_protocol_first_last_step():
    y = synthetic_seasonal(n=200)  # 2005-01 .. 2021-08
    res = backtest(y, models="snaive", cache=False, calibration=NO_CAL)
    origins = sorted(res.forecasts["origin"].unique())
    assert pd.Timestamp(origins[0]) == pd.Timestamp("2011-12-01")
    assert pd.Timestamp(origins[-1]) == pd.Timestamp("2020-08-01")  # last with 12 actuals after
    assert len(origins) == 105
    assert res.forecasts["actual"].notna().all()
    q = backtest(y, models="snaive", step=3, h=6, start="2012-01", cache=False, calibration=NO_CAL)
    qo = pd.DatetimeIndex(sorted(q.forecasts["origin"].unique()))
    assert qo[0] == pd.Timestamp("2012-01-01") and (qo.month[1:] - qo.month[:-1] != 0).all()
    assert set(np.diff(qo.year * 12 + qo.month)) == {3}
    assert qo[-1] <= pd.Timestamp("2021-02-01") < qo[-1] + pd.DateOffset(months=3)
    f = q.forecasts
    first = f[(f["origin"] == qo[0])].sort_values("horizon")
    assert first["target_month"].tolist() == list(pd.date_range("2012-02-01", periods=6, freq="MS"))
    # a unit trains on data up to and including its origin: snaive repeats y[origin - 11 ..]
    assert first["median"].to_numpy() == pytest.approx(y.loc["2011-02-01":"2011-07-01"].to_numpy())


def test_forecasts_csv_columns_and_roundtrip(tmp_path):
    y = synthetic_seasonal(n=120)
    res = backtest(y, models="snaive", start="2012-01", h=4, cache=False)
    assert res.forecasts.columns.tolist() == COLUMNS
    res.save(tmp_path / "out")
    text = (tmp_path / "out" / "forecasts.csv").read_text().splitlines()
    assert text[0] == ",".join(COLUMNS)
    assert text[1].startswith("2012-01-01,2012-02-01,1,snaive,synthetic,")
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["options"]["h"] == 4 and run["info"]["package_version"] == bf.__version__
    assert {"wall_seconds", "per_model"} <= set(run["info"]["timings"])
    # a backtest saved before the unused calibration options went still loads
    run["options"]["calibration"].update(blend=False, volatility_window=12)
    run["options"]["combine_ensembles"] = True
    (tmp_path / "out" / "run.json").write_text(json.dumps(run))
    back = BacktestResult.load(tmp_path / "out")
    pd.testing.assert_frame_equal(back.forecasts, res.forecasts, check_dtype=False)
    assert back.ranking()["mase"].tolist() == pytest.approx(res.ranking()["mase"].tolist())
    assert back.options.calibration == res.options.calibration
    # ... and one saved when the point column was called ``mean``
    for name in ("forecasts.csv", "forecasts_raw.csv"):
        f = tmp_path / "out" / name
        f.write_text(f.read_text().replace(",median,", ",mean,", 1))
    assert "mean" in (tmp_path / "out" / "forecasts.csv").read_text().splitlines()[0].split(",")
    old = BacktestResult.load(tmp_path / "out")
    pd.testing.assert_frame_equal(old.forecasts, res.forecasts, check_dtype=False)
    assert old.ranking()["mase"].tolist() == pytest.approx(res.ranking()["mase"].tolist())


def test_failure_in_one_cell_is_recorded_and_others_proceed():
    y = synthetic_seasonal(n=200)
    res = backtest(
        y,
        models=["snaive", _failing_spec()],
        start="2017-06",
        end="2019-06",
        h=3,
        cache=False,
        calibration=NO_CAL,
    )
    err = res.errors
    assert set(err["model"]) == {"flaky"}
    assert sorted(pd.DatetimeIndex(err["origin"]).year.unique()) == [2018]
    assert len(err) == 12 and err["error"].str.contains("FloatingPointError: boom in 2018").all()
    f = res.forecasts
    assert (f["model"] == "snaive").sum() == 25 * 3
    flaky = f[f["model"] == "flaky"]
    assert len(flaky) == 13 * 3 and not (pd.DatetimeIndex(flaky["origin"]).year == 2018).any()
    assert res.info["failed"] == 12


def _run(engine, **kw):
    y = {"a": synthetic_seasonal(n=120, seed=1), "b": synthetic_seasonal(n=130, seed=2)}
    return backtest(
        y,
        models=["snaive", "stl"],
        start="2012-06",
        end="2012-09",
        h=4,
        cache=False,
        engine=engine,
        calibration=NO_CAL,
        **kw,
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_engines_give_identical_numbers():
    distributed = pytest.importorskip("distributed")
    seq = _run("sequential")
    par = _run("processes", jobs=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        dsk = _run("dask", scheduler=cluster)
    assert len(seq.forecasts) == 2 * 2 * 4 * 4 and seq.info["fits"] == 16
    pd.testing.assert_frame_equal(seq.forecasts, par.forecasts)
    pd.testing.assert_frame_equal(seq.forecasts, dsk.forecasts)
    pd.testing.assert_frame_equal(seq.metrics, dsk.metrics)


def test_cache_second_run_fits_nothing_and_new_month_fits_only_new_origins():
    y = synthetic_seasonal(n=150)
    opts = BacktestOptions(start="2014-01", h=6, calibration={"method": "none"})
    first = backtest(y, models="snaive", options=opts)
    assert first.info["fits"] == first.info["units"] > 0 and first.info["cached"] == 0
    again = backtest(y, models="snaive", options=opts)
    assert again.info["fits"] == 0 and again.info["cached"] == first.info["units"]
    pd.testing.assert_frame_equal(first.forecasts, again.forecasts)
    longer = pd.concat([y, pd.Series([21000.0], index=[y.index[-1] + pd.DateOffset(months=1)])])
    longer.name = y.name
    more = backtest(longer, models="snaive", options=opts)
    assert more.info["fits"] == 1 and more.info["cached"] == first.info["units"]
    assert more.forecasts["origin"].nunique() == first.forecasts["origin"].nunique() + 1
    # a revised past month invalidates every origin that saw it, and only those
    revised = y.copy()
    revised.iloc[-10] += 500
    rev = backtest(revised, models="snaive", options=opts)
    last_origin = first.forecasts["origin"].max()
    n_after = len(pd.date_range(revised.index[-10], last_origin, freq="MS"))
    assert rev.info["fits"] == n_after
    assert (
        backtest(y, models="snaive", options=opts.replace(cache=False)).info["fits"]
        == first.info["units"]
    )


def test_bad_input_fails_before_any_fit(monkeypatch):
    def _no_fit(*a, **k):  # pragma: no cover - would mean fitting started
        raise AssertionError("a model was fitted before the input was validated")

    monkeypatch.setattr(units, "run_unit", _no_fit)
    y = synthetic_seasonal(n=120)  # 2005-01 .. 2014-12
    with pytest.raises(UnknownModelError, match="Available models"):
        backtest(y, models=["snaive", "no_such_model"])
    with pytest.raises(ModelError, match="h must be"):
        backtest(y, models="snaive", h=0)
    with pytest.raises(DataError, match="outside the data"):
        backtest(y, models="snaive", start="2003-01")
    with pytest.raises(DataError, match="outside the data"):
        backtest(y, models="snaive", start="2012-01", end="2015-06")
    with pytest.raises(DataError, match="origin 2030-01 is outside the data"):
        backtest(y, models="snaive", start="2030-01")
    with pytest.raises(ShortSeriesError, match="too short for the first origin"):
        backtest(y, models="snaive", start="2005-06")
    with pytest.raises(ShortSeriesError, match="too short"):
        backtest(y.iloc[:10], models="snaive")
    with pytest.raises(UnknownSeriesError, match="unknown series"):
        backtest({"a": y}, models="snaive", series="b")


def test_cli_backtest_writes_files_and_json(tmp_path, capsys):
    out = tmp_path / "bt"
    code = main(
        [
            "backtest",
            "--model",
            "snaive",
            "--start",
            "2024-01",
            "--h",
            "3",
            "--out",
            str(out),
            "--json",
            "--no-cache",
        ]
    )
    assert code == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]  # {"metrics": [...], "skipped": {}}
    assert {"model", "mase", "coverage80", "skill", "era", "horizon"} <= set(metrics[0])
    assert (out / "forecasts.csv").read_text().splitlines()[0] == ",".join(COLUMNS)
    assert (out / "metrics.csv").exists() and (out / "run.json").exists()
    code = main(["backtest", "--model", "snaive", "--start", "2024-01", "--h", "3"])
    assert code == 0
    text = capsys.readouterr().out
    assert "Backtest ranking" in text and "snaive" in text and "Recommended" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "nope"], "unknown model 'nope'"),
        (["--model", "snaive", "--h", "0"], "horizon h must be"),
        (["--model", "snaive", "--start", "1990-01"], "outside the data"),
        (["--model", "snaive", "--series", "sector/atlantis"], "atlantis"),
        (["--model", "snaive", "--engine", "spark"], "unknown engine"),
        (["--model", "snaive", "--reselect", "snaive"], "MODEL=N"),
        (["--model", "snaive", "--reselect", "sarimax=12"], "unknown model(s) sarimax"),
    ],
)
def test_cli_bad_input_exit_code_2(args, message, capsys):
    assert main(["backtest", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("borderforecast: error:") and message in err


def test_reselect_every_reuses_the_anchor_structure():
    from borderforecast.models import sarima
    from borderforecast.models.registry import get_spec

    y = bf.load().loc[:"2018-12"]
    spec = get_spec("auto_sarima")
    sd = units.spec_to_dict(spec)
    origin = pd.Timestamp("2018-05-01")
    assert units.anchor_of(origin, 12) == pd.Timestamp("2018-01-01")
    assert units.anchor_of(pd.Timestamp("2018-01-01"), 12) == pd.Timestamp("2018-01-01")
    task = units.Task("sw", y, sd, (origin,), 3, (80, 95), 0, 12, False)
    model = units._model_for(task, spec, spec.build(seed=0), origin)
    anchor_fit = spec.build(seed=0).fit(y.loc[:"2018-01"])
    assert (model.order, model.seasonal_order) == tuple(sarima.selected_orders(anchor_fit).values())
    assert not model.searches  # no order search between anchors
    # at an anchor the model searches again
    at_anchor = units._model_for(task, spec, spec.build(seed=0), pd.Timestamp("2018-01-01"))
    assert at_anchor.searches
