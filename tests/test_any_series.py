"""Every series a user can bring (issue 19): origins relative to the series, short series,
labels that say which model produced the numbers and how its intervals were made."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.backtesting import recommend as rec
from borderforecast.cli import main


@pytest.fixture
def quick_candidates(monkeypatch):
    """Two quick candidates: the doors and the origins are under test, not the models."""
    monkeypatch.setattr(rec, "CANDIDATES", ("snaive", "stl_revert"))


def airline_like(n: int, start: str, seed: int = 0) -> pd.Series:
    """Growing ~11% a year with a stable seasonal, like the 1949-1960 airline series."""
    t = np.arange(n)
    z = 4.8 + 0.009 * t + 0.15 * np.sin(2 * np.pi * t / 12)
    z = z + np.random.default_rng(seed).normal(0, 0.03, n)
    return pd.Series(np.round(np.exp(z)), index=pd.date_range(start, periods=n, freq="MS"))


def write(path, y: pd.Series) -> str:
    pd.DataFrame({"month": y.index.strftime("%Y-%m"), "passengers": y.to_numpy()}).to_csv(
        path, index=False
    )
    return str(path)


def cli_json(capsys, args: list[str]) -> tuple[int, list[dict]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(args)
    out = capsys.readouterr().out
    return code, (json.loads(out) if code == 0 else [])


def test_a_1949_1960_series_forecasts_with_calibrated_intervals(quick_candidates, tmp_path, capsys):
    y = airline_like(144, "1949-01")
    code, rows = cli_json(capsys, ["forecast", "--input", write(tmp_path / "a.csv", y), "--json"])
    assert code == 0 and len(rows) == 12 and rows[0]["month"] == "1961-01"
    assert rows[0]["intervals"] == "calibrated" and rows[0]["model"] == "stl_revert"
    # the trend is followed: the next year above the last one (a level reverting to a 6-year
    # mean would forecast it below)
    assert sum(r["median"] for r in rows) > 1.05 * y.iloc[-12:].sum()


def test_a_36_month_series_forecasts_with_raw_intervals_labelled(
    quick_candidates, tmp_path, capsys
):
    y = airline_like(36, "2022-01")
    fc = bf.forecast(y, h=6)
    assert fc.attrs["intervals"] == "raw" and fc.attrs["model"] == "stl_revert"
    assert "too few" in fc.attrs["reason"]
    code, rows = cli_json(capsys, ["forecast", "--input", write(tmp_path / "b.csv", y), "--json"])
    assert code == 0 and rows[0]["intervals"] == "raw"


def test_a_calibration_with_too_few_errors_is_labelled_raw_everywhere():
    # 50 months: the calibration runs (5 origins) but has fewer than 19 errors at every
    # horizon, so the intervals are the model's own; every label of the forecaster says so
    y = airline_like(50, "2016-01")
    f = bf.fit(y, "stl_revert", h=3)
    fc, total = f.forecast(3), f.forecast_total(3, n_paths=200)
    assert f.calibration is not None and f.intervals == "raw"
    assert fc.attrs["intervals"] == total.attrs["intervals"] == f.to_dict()["intervals"] == "raw"
    assert fc.attrs["calibration"]["used"] == "no: fewer than 19 past errors at every horizon"
    assert "the model's own (raw): too few past errors" in f.summary() and "raw" in repr(f)
    long = bf.fit(airline_like(144, "1949-01"), "stl_revert", h=3)  # enough errors: no "used"
    assert long.intervals == "calibrated" and "used" not in long.forecast(3).attrs["calibration"]


def test_too_short_a_series_is_a_one_line_error_naming_the_length(tmp_path, capsys):
    y = airline_like(20, "2023-01")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["forecast", "--input", write(tmp_path / "c.csv", y)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "24 months" in err and "20" in err and "--end" not in err


def test_a_revised_user_copy_of_the_total_changes_the_forecast(tmp_path):
    y = bf.load(end="2019-12")
    revised = y.copy()
    revised.iloc[-3:] = np.round(revised.iloc[-3:] * 1.009)  # +0.9%: within 1% of the official
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine = bf.read_series(write(tmp_path / "mine.csv", y))
        theirs = bf.read_series(write(tmp_path / "revised.csv", revised))
        a = bf.forecast(mine, model="demographic", h=3, intervals="raw")
        b = bf.forecast(theirs, model="demographic", h=3, intervals="raw")
    assert (b["median"] > a["median"]).all()  # the user's numbers, not the bundled parts
