"""Fiscal-year helpers: hand-checked dates and the published FY figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.errors import DataError, MissingMonthError
from borderforecast.fiscal import (
    fiscal_month,
    fiscal_month_name,
    fiscal_quarter,
    fiscal_year,
    fiscal_year_months,
    fiscal_year_start,
    fiscal_year_totals,
    fytd,
)


@pytest.mark.parametrize(
    ("date", "fy", "fm", "fq"),
    [
        ("2018-10-01", 2019, 1, 1),
        ("2018-12-31", 2019, 3, 1),
        ("2019-01-01", 2019, 4, 2),
        ("2019-05-15", 2019, 8, 3),
        ("2019-09-30", 2019, 12, 4),
        (dt.date(1999, 10, 1), 2000, 1, 1),
        (pd.Timestamp("2025-08-01"), 2025, 11, 4),
    ],
)
def test_scalar(date, fy, fm, fq):
    assert fiscal_year(date) == fy
    assert fiscal_month(date) == fm
    assert fiscal_quarter(date) == fq
    assert isinstance(fiscal_year(date), int)


def test_vectorised_on_index_and_series():
    idx = pd.date_range("2018-09-01", periods=14, freq="MS")
    fy = fiscal_year(idx)
    assert isinstance(fy, pd.Index)
    assert fy.tolist() == [2018] + [2019] * 12 + [2020]
    assert fiscal_month(idx).tolist() == [12, *range(1, 13), 1]
    s = pd.Series(idx, index=list("abcdefghijklmn"))
    out = fiscal_year(s)
    assert isinstance(out, pd.Series) and out.index.equals(s.index)
    assert fiscal_month(pd.period_range("2019-10", periods=2, freq="M")).tolist() == [1, 2]


def test_bad_date():
    with pytest.raises(DataError, match="not a date"):
        fiscal_year("not a date")
    with pytest.raises(DataError, match="1..12"):
        fiscal_month_name(13)
    assert fiscal_month_name(1) == "Oct"


def test_fiscal_year_months():
    months = fiscal_year_months(2019)
    assert months[0] == pd.Timestamp("2018-10-01") and months[-1] == pd.Timestamp("2019-09-01")
    assert fiscal_year_start(2000) == pd.Timestamp("1999-10-01")
    assert (fiscal_year(months) == 2019).all()


def test_fiscal_year_totals_published():
    totals = fiscal_year_totals(bf.load())
    assert totals[2019] == 851_508
    assert totals[2017] == 303_916
    assert totals.index[0] == 2000 and 2025 not in totals.index  # FY2025 incomplete
    partial = fiscal_year_totals(bf.load(), complete=False)
    assert 2025 in partial.index


def test_fytd_by_hand():
    idx = pd.date_range("2017-10-01", periods=24, freq="MS")
    y = pd.Series(np.arange(24) + 1, index=idx)
    r = fytd(y, "2019-01")  # FY2019: Oct 2018 - Jan 2019 = 13..16; FY2018 Oct-Jan = 1..4
    assert (r.fiscal_year, r.months) == (2019, 4)
    assert r.total == 13 + 14 + 15 + 16
    assert r.previous_total == 1 + 2 + 3 + 4
    assert r.change == 48 and r.pct_change == pytest.approx(480.0)  # percent points
    assert "FY2019 through Jan (4 months)" in r.summary()
    assert r.to_dict()["through"] == "2019-01"
    c = fytd(y, "2019-05", fiscal=False)  # calendar 2019: Jan-May = 16..20; 2018: 4..8
    assert (c.fiscal_year, c.months, c.total, c.previous_total) == (2019, 5, 90, 30)
    assert "2019 through May (5 months): 90 vs 30 in 2018" in c.summary()
    assert "FY" not in c.summary()


def test_fytd_published_fy2019():
    y = bf.load()
    r = fytd(y, "2019-09")
    assert r.total == 851_508 and r.previous_total == 396_579
    # default month = last month of the series
    assert fytd(y).through == y.index[-1]


def test_fytd_needs_previous_year():
    idx = pd.date_range("2018-10-01", periods=6, freq="MS")
    with pytest.raises(MissingMonthError, match="2017-10"):
        fytd(pd.Series(1, index=idx), "2019-01")
