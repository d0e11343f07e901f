"""A user's series speaks calendar years (season, normal years, assessment, CLI); the bundled
border series keep fiscal years."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.assessment.normal import normal_fiscal_years
from borderforecast.cli import main
from borderforecast.season import compare_eras
from borderforecast.series import is_bundled

FAST = dict(models="snaive", n_paths=200, placebo_paths=50, x13=False)


@pytest.fixture(scope="module")
def airline() -> pd.Series:
    """An airline-like series, January 1949 to December 1960 (12 whole calendar years)."""
    idx = pd.date_range("1949-01-01", periods=144, freq="MS", name="month")
    season = np.array([0.9, 0.88, 1.02, 0.98, 0.98, 1.12, 1.24, 1.23, 1.06, 0.93, 0.8, 0.9])
    noise = np.random.default_rng(1).normal(0, 0.03, len(idx))
    values = 120 * np.exp(0.01 * np.arange(len(idx)) + noise) * season[idx.month - 1]
    return pd.Series(np.round(values), index=idx, name="passengers")


def test_a_user_series_profile_uses_every_calendar_year(airline):
    prof = bf.seasonal_profile(airline, methods=["regression"])
    assert prof.years == tuple(range(1949, 1961)) and prof.years_label == "1949-1960"
    text = prof.summary()
    assert "1949-1960 (12 years;" in text and "FY" not in text and "fiscal" not in text
    assert prof.to_dict()["years"] == list(range(1949, 1961))
    assert bf.seasonal_profile(airline, (1950, 1952), methods=["regression"]).years == (
        1950, 1951, 1952)  # fmt: skip
    cmp = compare_eras(airline, (1949, 1954), (1955, 1960), n_permutations=19)
    assert (cmp.era_a, cmp.era_b) == ("1949-1954", "1955-1960")
    assert "FY" not in cmp.summary() and "calendar years" in cmp.summary()


def test_a_user_series_normal_years_and_assessment_are_calendar(airline):
    assert not is_bundled(airline)
    normal = normal_fiscal_years(airline)
    assert not normal.fiscal and set(normal.years) | set(normal.excluded) == set(range(1949, 1961))
    a = bf.assess(airline, "1960-06", "1960-08", **FAST)
    assert not a.normal.fiscal.fiscal
    assert a.normal.years and max(a.normal.years) <= 1959
    text = a.summary()
    assert "FY" not in text and "fiscal" not in text
    assert "FY" not in json.dumps(a.to_dict(), default=str)
    # its caveats speak of the user's series, not of the border's groups or history
    kinds = [c.split(":")[0] for c in a.caveats]
    assert "Causes" in kinds and not {"Composition", "Policy"} & set(kinds)
    assert not [c for c in a.caveats if "Title 42" in c]


def test_the_bundled_series_keep_fiscal_years():
    y = bf.load()
    assert is_bundled(y)
    prof = bf.seasonal_profile(y, (2000, 2019), methods=["regression"])
    assert prof.years_label == "FY2000-FY2019"
    assert "(20 fiscal years;" in prof.summary()
    assert list(prof.to_dict())[:2] == ["series", "fiscal_years"]
    normal = normal_fiscal_years(y)
    assert normal.fiscal and normal.prefix == "FY" and 2019 not in normal.years
    # the same counts as a user's series: calendar years
    plain = pd.Series(y.to_numpy(), index=y.index, name=y.name)
    assert bf.seasonal_profile(plain, (2000, 2019), methods=["regression"]).years_label == (
        "2000-2019")  # fmt: skip


def test_cli_season_and_assess_on_a_user_file_speak_calendar_years(airline, tmp_path, capsys):
    path = tmp_path / "air.csv"
    airline.rename_axis("month").to_frame().to_csv(path, date_format="%Y-%m")
    assert main(["season", "--input", str(path)]) == 0
    out = capsys.readouterr().out
    assert "seasonal factors, 1949-1960" in out and "(12 years;" in out and "FY" not in out
    args = ["assess", "--input", str(path), "--start", "1960-06", "--end", "1960-08"]
    assert main([*args, "--model", "snaive", "--no-x13", "--no-placebo"]) == 0
    out = capsys.readouterr().out
    assert "Jun 1960-Aug 1960" in out and "FY" not in out
