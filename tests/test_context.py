"""Context facts for a month, each checked by direct pandas arithmetic."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.cli import main
from borderforecast.context import context, since_phrase
from borderforecast.errors import DataError


@pytest.fixture(scope="module")
def sw() -> pd.Series:
    return bf.load()


def test_august_2019_numbers(sw):
    c = context("2019-08", sw)
    assert c.value == 50_684
    jul, aug18 = float(sw["2019-07-01"]), float(sw["2018-08-01"])
    assert c.previous == jul and c.year_ago == aug18
    assert c.change_vs_previous.absolute == 50_684 - jul
    assert c.change_vs_previous.percent == pytest.approx(100 * (50_684 / jul - 1))
    assert c.change_vs_year_ago.percent == pytest.approx(100 * (50_684 / aug18 - 1))
    # rank among Augusts up to 2019, computed independently
    augusts = sw[(sw.index.month == 8) & (sw.index.year <= 2019)]
    order = augusts.sort_values(ascending=False)
    assert c.rank_among_same_month == list(order.index).index(pd.Timestamp("2019-08-01")) + 1
    assert c.n_years == len(augusts) == 20
    all_aug = sw[sw.index.month == 8]
    assert c.rank_all_years == int((all_aug > 50_684).sum()) + 1 and c.n_years_all == len(all_aug)
    # highest since: the last earlier August at least as high
    earlier = augusts[augusts.index.year < 2019]
    last_higher = earlier[earlier >= 50_684].index.year.max()
    assert c.highest_since == f"highest August since {last_higher}"
    assert c.lowest_since is None  # above August 2018
    # FYTD: Oct 2018..Aug 2019 against Oct 2017..Aug 2018
    cur = sw["2018-10-01":"2019-08-01"].sum()
    prev = sw["2017-10-01":"2018-08-01"].sum()
    assert (c.fytd.total, c.fytd.previous_total, c.fytd.months) == (cur, prev, 11)
    assert c.fytd.total == 851_508 - 40_507  # the CBP FY2019 table's total minus September
    # comparisons: record high before the month, FY high so far
    comps = {cm.label: cm for cm in c.comparisons}
    rec = comps["the record high"]
    assert rec.month == sw[:"2019-07-01"].idxmax() and rec.value == sw[:"2019-07-01"].max()
    fy_high = comps["the FY2019 high so far"]
    assert fy_high.month == pd.Timestamp("2019-05-01") and fy_high.value == 132_856
    assert fy_high.change.percent == pytest.approx(100 * (50_684 / 132_856 - 1))


def test_sentences_and_dict(sw):
    c = context("2019-08", sw, compare={"the start of summer": "2019-06"})
    text = c.summary()
    assert "50,684 in August 2019" in text
    assert "Down 21,294 (-29.6%) from July 2019 (71,978)." in text
    assert "highest August since" in text
    assert "Against the start of summer (June 2019, 94,902): -46.6%." in text
    d = json.loads(json.dumps(c.to_dict()))
    assert d["value"] == 50_684 and d["month"] == "2019-08" and d["fytd"]["months"] == 11
    frame = c.to_frame()
    assert frame.loc[2019, "rank"] == c.rank_among_same_month


def _augusts(values: list[float], first_year: int = 2001) -> pd.Series:
    idx = pd.date_range(f"{first_year}-01-01", f"{first_year + len(values) - 1}-12-01", freq="MS")
    y = pd.Series(100.0, index=idx, name="hand")
    for i, v in enumerate(values):
        y[pd.Timestamp(f"{first_year + i}-08-01")] = v
    return y


def test_since_phrases_on_a_hand_made_series():
    y = _augusts([5, 9, 3, 4, 7, 8, 3.5])  # Augusts 2001..2007
    expect = {
        2001: (None, None),  # first year: nothing to compare with
        2002: ("highest August on record", None),
        2003: (None, "lowest August on record"),
        2004: ("highest August since 2002", None),  # beats 2003 only; 2002 was higher
        2005: ("highest August since 2002", None),
        2006: ("highest August since 2002", None),
        2007: (None, "lowest August since 2003"),
    }
    for year, (hi, lo) in expect.items():
        c = context(f"{year}-08", y)
        assert (c.highest_since, c.lowest_since) == (hi, lo), year
    assert context("2003-08", y).rank_among_same_month == 3  # of 5, 9, 3
    assert context("2007-08", y).rank_among_same_month == 6
    # ties count as "at least as high"
    s = pd.Series([5.0, 7.0, 5.0], index=[2001, 2002, 2003])
    assert since_phrase(s, 2003, "May", highest=False) == "lowest May since 2001"


def test_a_rank_is_said_only_within_five_of_either_end():
    def rank_sentences(values: list[float]) -> list[str]:
        c = context(f"{2000 + len(values)}-08", _augusts(values, first_year=2001))
        return [s for s in c.sentences() if " on record (" in s]

    up = list(range(1, 27))  # 26 Augusts, rising
    assert rank_sentences([*up[:-1], 7.5]) == []  # 7th-lowest (20th-highest): not news
    assert rank_sentences([*up[:-1], 5.5]) == []  # 6th-lowest
    assert rank_sentences([*up[:-1], 4.5]) == [
        "It is the 5th-lowest August of the 26 on record (2001-2026)."
    ]
    assert rank_sentences([*up[:-1], 22.5]) == [
        "It is the 4th-highest August of the 26 on record (2001-2026)."
    ]
    assert rank_sentences([*up[:-1], 0.5]) == [
        "It is the lowest August of the 26 on record (2001-2026)."
    ]


def test_the_pre_pandemic_comparison_is_for_border_data_only(sw):
    def labels(y: pd.Series) -> list[str]:
        return [c.label for c in context("2024-08", y).comparisons]

    assert "August 2019, before the pandemic" in labels(sw)
    own = sw.copy()
    own.attrs = {}  # the same numbers as a user's own series
    assert not any("pandemic" in label or "2019" in label for label in labels(own))
    assert "pandemic" not in context("2024-08", own).summary()
    # a user's series speaks calendar years: the year to date from January, no fiscal year
    text = context("2019-08", own).summary()
    assert "Year 2019 to date (8 months through August)" in text
    assert "the 2019 high so far" in text and "FY" not in text and "Fiscal" not in text
    assert "Fiscal year 2019 to date (11 months" in context("2019-08", sw).summary()


def test_usbp_plus_ofo_is_the_sum(sw):
    ofo = bf.load("ofo", allow_gaps=True)
    c = context("2024-12", series="usbp+ofo")
    assert c.value == float(sw["2024-12-01"] + ofo["2024-12-01"])
    assert c.previous == float(sw["2024-11-01"] + ofo["2024-11-01"])
    assert c.fytd.total == float(
        sw["2024-10-01":"2024-12-01"].sum() + ofo["2024-10-01":"2024-12-01"].sum()
    )


def test_gaps_give_none_not_numbers():
    y = _augusts([5, 9, 3, 4])
    y["2003-07-01"] = np.nan
    c = context("2003-08", y)
    assert c.previous is None and c.change_vs_previous is None
    assert c.fytd is None  # FY2003 to date needs July 2003
    assert "from July" not in c.summary()


def test_errors_name_the_problem(sw):
    with pytest.raises(DataError, match="no value for 2030-01"):
        context("2030-01", sw)
    with pytest.raises(DataError, match="not both"):
        context("2019-08", sw, series="southwest")
    with pytest.raises(DataError, match="2040-01"):
        context("2019-08", sw, compare=["2040-01"])
    with pytest.raises(DataError, match="not a month"):
        context("August", sw)


def test_cli_context(capsys):
    assert main(["context", "2019-08", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["southwest"]["value"] == 50_684
    assert set(out) == {"southwest", "usbp+ofo"}
    assert out["usbp+ofo"]["value"] > out["southwest"]["value"]
    assert main(["context", "2019-08"]) == 0
    assert "highest August since" in capsys.readouterr().out
    assert main(["context", "1990-01"]) == 2
    assert "1990-01" in capsys.readouterr().err


def _month_since(y: pd.Series, m: str, highest: bool) -> pd.Timestamp | None:
    """The latest earlier month at least as high (low), by direct pandas."""
    v = y[m]
    earlier = y[y.index < m].dropna()
    hit = earlier[earlier >= v] if highest else earlier[earlier <= v]
    return None if hit.empty else hit.index[-1]


def test_highest_month_of_any_kind_since(sw):
    c = context("2019-05", sw)
    assert _month_since(sw, "2019-05-01", True) == pd.Timestamp("2006-03-01")
    assert c.highest_month_since == "highest month since March 2006"
    assert "It is the highest month since March 2006." in c.sentences()
    assert c.to_dict()["highest_month_since"] == c.highest_month_since
    # April 2017 was the lowest month of the whole record up to then
    low = context("2017-04", sw)
    assert _month_since(sw, "2017-04-01", False) is None
    assert low.lowest_month_since == "lowest month on record"
    # a month below the month before it is no "highest month since"
    assert context("2019-08", sw).highest_month_since is None


def test_highest_month_since_on_the_usbp_plus_ofo_basis():
    both = bf.load("usbp+ofo", allow_gaps=True)
    c = context("2019-05", series="usbp+ofo")
    since = _month_since(both, "2019-05-01", True)
    expected = "highest month on record" if since is None else f"highest month since {since:%B %Y}"
    assert c.highest_month_since == expected


@pytest.mark.parametrize("text", ["Aug 2019", "2019-08", "2019-08-01", "August 2019", "2019/08"])
def test_every_month_spelling_is_accepted(sw, text):
    assert context(text, sw).month == pd.Timestamp("2019-08-01")
    assert context(pd.Timestamp("2019-08-15"), sw).month == pd.Timestamp("2019-08-01")


def test_fytd_change_is_in_percent_points(sw):
    f = context("2019-08", sw).fytd
    fy19 = sw["2018-10-01":"2019-08-01"].sum()
    fy18 = sw["2017-10-01":"2018-08-01"].sum()
    assert f.pct_change == pytest.approx(100 * (fy19 / fy18 - 1))


def test_bf_context_is_the_function_after_the_module_is_imported():
    import importlib

    module = importlib.import_module("borderforecast.context")
    assert bf.context is module.context
    assert bf.context("2019-05").value == 132856.0
