"""load(), load_frame(), datasets(): published figures, filters, ids, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.data import current_release, datasets, load, load_frame, series_ids
from borderforecast.errors import DataWarning, UnknownSeriesError
from borderforecast.fiscal import fiscal_year_totals


def test_default_series_shape():
    y = bf.load()
    assert y.index.freqstr == "MS"
    assert y.dtype == np.int64
    assert y.index[0] == pd.Timestamp("1999-10-01")
    assert y.index[-1] >= pd.Timestamp("2025-08-01")
    assert len(y) == len(pd.date_range(y.index[0], y.index[-1], freq="MS"))
    assert y.name == "USBP Southwest border, monthly encounters"
    assert y.attrs["series_id"] == "southwest"
    assert y.attrs["release"] == current_release()


@pytest.mark.parametrize(
    ("month", "count"),
    [("2019-05", 132_856), ("2019-08", 50_684), ("2017-04", 11_127), ("2025-08", 6_321)],
)
def test_published_monthly_figures(month, count):
    assert bf.load()[pd.Timestamp(month)] == count


def test_published_fiscal_year_totals():
    totals = fiscal_year_totals(bf.load())
    assert totals[2019] == 851_508
    assert totals[2017] == 303_916


def test_sources_by_period():
    # FY2000-2020 CBP tables, FY2021 OHSS only, FY2022 on the CBP Southwest CSV
    assert load().attrs["sources"] == {"cbp_tables": 252, "ohss": 12, "sw_encounters": 47}
    # a cut counts only the months it returns (Oct 1999 - Sep 2019: 20 fiscal years of tables)
    assert load(start="2021-10").attrs["sources"] == {"sw_encounters": 47}
    assert load(end="2019-09").attrs["sources"] == {"cbp_tables": 240}
    frame = load_frame()
    sw = frame[
        (frame.component == "USBP")
        & (frame.region == "Southwest")
        & (frame.sector == "all")
        & (frame.demographic == "all")
        & (frame.citizenship == "all")
    ].set_index("month")["source"]
    assert set(sw["2020-10":"2021-09"]) == {"ohss"}
    assert set(sw[:"2020-09"]) == {"cbp_tables"}
    assert set(sw["2021-10":]) == {"sw_encounters"}


def test_sector_filters_and_ids_agree():
    a = load(sector="Rio Grande Valley")
    b = load("sector/rio-grande-valley")
    c = load("sector/Rio Grande Valley")
    pd.testing.assert_series_equal(a, b)
    pd.testing.assert_series_equal(a, c)
    assert a.attrs["series_id"] == "sector/rio-grande-valley"
    # value straight from the FY2019 CBP table (RGV, May 2019)
    assert a[pd.Timestamp("2019-05-01")] == 49_821
    # a northern sector needs no region argument
    assert load(sector="Blaine").index[0] == pd.Timestamp("1999-10-01")


def test_sectors_sum_to_southwest_in_cbp_years():
    frame = load_frame(all_sources=True)
    cbp = frame[(frame.source == "cbp_tables") & (frame.region == "Southwest")]
    sectors = cbp[cbp.sector != "all"].groupby("month")["count"].sum()
    total = cbp[cbp.sector == "all"].set_index("month")["count"]
    assert len(total) == 252  # FY2000-FY2020
    pd.testing.assert_series_equal(sectors, total, check_names=False)


def test_demographic_and_citizenship_filters():
    uac = load(demographic="uac")
    assert uac.index[0] == pd.Timestamp("2007-10-01")  # OHSS records UAC from FY2008
    assert uac.index[-1] == pd.Timestamp("2025-08-01")
    assert load("demographic/uac").equals(uac)
    fam = load(demographic="family_units")
    assert fam.index[0] == pd.Timestamp("2011-10-01")
    mex = load(citizenship="mexico")
    assert mex.attrs["series_id"] == "citizenship/mexico"
    total = load()
    assert (mex <= total.reindex(mex.index) + 10).all()
    other = load("citizenship/other")  # CBP CSV group only: FY2022 on
    assert other.index[0] == pd.Timestamp("2021-10-01")


def test_demographics_sum_to_total_in_sw_csv():
    parts = sum(
        load(demographic=d, start="2021-10") for d in ("uac", "family_units", "single_adults")
    )
    pd.testing.assert_series_equal(parts, load(start="2021-10"), check_names=False)


def test_component_all_is_usbp_plus_ofo():
    both = load(component="all", start="2021-10")
    ofo = load(component="OFO", start="2021-10")
    usbp = load(start="2021-10")
    pd.testing.assert_series_equal(both, usbp + ofo, check_names=False)
    assert both[pd.Timestamp("2025-08-01")] == 6_321 + 3_419
    assert load("usbp+ofo", start="2021-10").equals(both)


def test_component_all_only_where_both_exist():
    # OFO page figures for FY2019 lack Jan, Feb and Sep 2019
    both = load(component="all", allow_gaps=True)
    assert both.index[0] == pd.Timestamp("2016-10-01")
    assert np.isnan(both[pd.Timestamp("2019-01-01")])
    # page-derived combined total for Aug 2019: 50,693 USBP (preliminary) + 13,313 OFO = 64,006;
    # with the final CBP table USBP value 50,684 the sum is 63,997
    assert both[pd.Timestamp("2019-08-01")] == 50_684 + 13_313


def test_gaps_give_the_latest_gap_free_run_with_a_warning():
    latest_run = r"2017-10.*gap-free run 2019-10 to 2025-08.*allow_gaps=True"
    with pytest.warns(DataWarning, match=latest_run):
        ofo = load(component="OFO")
    clean = load(component="OFO", start="2019-10")
    assert clean.dtype == np.int64 and ofo.dtype == np.int64
    pd.testing.assert_series_equal(ofo, clean)
    assert sum(ofo.attrs["sources"].values()) == len(ofo)
    gappy = load(component="OFO", allow_gaps=True)
    assert gappy.dtype == np.float64
    assert gappy.isna().sum() == 10
    assert gappy.index[0] == pd.Timestamp("2016-10-01")


def test_series_ending_before_the_release_warns():
    with pytest.warns(DataWarning, match=r"'sector/tucson' ends 2024-11, before .* 2025-08"):
        load("sector/tucson")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load("sector/tucson", end="2024-11")  # a cut asked for is not a surprise
        load()


def test_alternative_source():
    ohss = load(source="ohss")
    assert ohss.index[-1] == pd.Timestamp("2024-11-01")
    assert (ohss % 10 == 0).all()
    assert ohss.name.endswith("[ohss]")
    with pytest.raises(UnknownSeriesError, match="choices: cbp_tables"):
        load(source="census")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"sector": "Tuscon"}, r"unknown sector 'Tuscon'; did you mean 'Tucson'"),
        ({"sector": "Rio Grand"}, r"did you mean 'Rio Grande Valley'"),
        ({"demographic": "uacs"}, r"unknown demographic 'uacs'; did you mean 'uac'"),
        ({"citizenship": "Mexcio"}, r"did you mean 'Mexico'"),
        ({"component": "BP"}, r"unknown component 'BP'"),
        ({"region": "Southwst"}, r"did you mean 'Southwest'"),
        ({"series": "sektor/tucson"}, r"cannot read series id"),
        ({"series": "sector/tucsn"}, r"did you mean 'Tucson'"),
        ({"sector": "Tucson", "region": "Northern"}, r"in the Southwest region"),
        (
            {"demographic": "accompanied_minors"},
            r"no data for series 'demographic/accompanied_minors'",
        ),
    ],
)
def test_unknown_series_errors(kwargs, pattern):
    with pytest.raises(UnknownSeriesError, match=pattern):
        load(**kwargs)


def test_start_end_cut():
    y = load(start="2018-10", end="2019-09")
    assert len(y) == 12 and y.sum() == 851_508


def test_datasets_lists_every_loadable_series():
    d = datasets()
    assert d["id"].is_unique
    row = d.set_index("id").loc["southwest"]
    assert row["first"] == pd.Timestamp("1999-10-01") and row["missing"] == 0
    assert row["sources"] == "cbp_tables+sw_encounters+ohss"
    for series_id in ["sector/tucson", "demographic/uac", "ofo", "usbp+ofo", "national"]:
        assert series_id in set(d["id"])
    # every gap-free series loads, with the listed length
    for _, r in d[d["missing"] == 0].sample(15, random_state=0).iterrows():
        y = load(r["id"])
        assert len(y) == r["n_months"], r["id"]
        assert y.index[0] == r["first"]
    assert series_ids() == d["id"].tolist()


def test_load_frame_precedence_and_all_sources():
    chosen = load_frame()
    every = load_frame(all_sources=True)
    assert len(every) > len(chosen)
    keys = ["component", "region", "sector", "demographic", "citizenship", "month"]
    assert not chosen.duplicated(keys).any()
    assert set(every["source"]) == {"cbp_tables", "ohss", "sw_encounters", "pages"}
    # modifying the returned frame does not change later loads
    chosen.loc[:, "count"] = -1
    assert (load_frame()["count"] >= 0).all()


def test_every_listed_id_round_trips():
    from borderforecast.data.naming import parse_series_id

    d = datasets()
    citizenships = set(d["citizenship"])
    for _, row in d.iterrows():
        key = parse_series_id(row["id"], citizenships)
        assert key.id == row["id"]
        assert (key.component, key.sector, key.demographic, key.citizenship) == (
            row["component"],
            row["sector"],
            row["demographic"],
            row["citizenship"],
        )
        if key.sector == "all":
            assert key.region == row["region"]
    # lenient spellings
    assert parse_series_id("USBP/Southwest/citizenship/El Salvador", citizenships).id == (
        "citizenship/el-salvador"
    )
    assert parse_series_id("usbp+ofo/demographic/family-units").demographic == "family_units"
