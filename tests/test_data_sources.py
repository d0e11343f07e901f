"""Sources agree within their documented rounding where they overlap (data/README: "Differences
between sources"). Tolerances are the measured maxima; a parser error would break them."""

from __future__ import annotations

import pandas as pd
import pytest

from borderforecast.data import load, load_frame

GROUPS = ("El Salvador", "Guatemala", "Honduras", "Mexico")


def test_ohss_vs_cbp_tables_fy2010_fy2019_within_5():
    diff = (load(source="ohss") - load(source="cbp_tables")).dropna()
    decade = diff["2009-10":"2019-09"]
    assert len(decade) == 120
    assert decade.abs().max() == 5
    # FY2000: OHSS lower in every month (up to 9.8%, Jun 2000: 103,860 vs 115,093)
    fy2000 = diff["1999-10":"2000-09"]
    assert (fy2000 < 0).all()
    assert diff[pd.Timestamp("2000-06-01")] == 103_860 - 115_093


def test_ohss_vs_sw_csv_within_5_except_oct_2024():
    diff = (load(source="ohss") - load(source="sw_encounters")).dropna()
    assert len(diff) == 38  # Oct 2021 - Nov 2024
    assert diff[pd.Timestamp("2024-10-01")] == 10  # 56,530 vs 56,520
    assert diff.drop(pd.Timestamp("2024-10-01")).abs().max() <= 5


@pytest.mark.parametrize(
    ("demographic", "tol"), [("uac", 5), ("family_units", 5), ("single_adults", 7)]
)
def test_ohss_vs_sw_csv_demographics(demographic, tol):
    diff = (
        load(demographic=demographic, source="ohss")
        - load(demographic=demographic, source="sw_encounters")
    ).dropna()
    assert len(diff) == 38
    assert diff.abs().max() == tol


@pytest.mark.parametrize("country", GROUPS)
def test_ohss_countries_match_sw_csv_groups(country):
    diff = (
        load(citizenship=country, source="ohss") - load(citizenship=country, source="sw_encounters")
    ).dropna()
    assert len(diff) == 38
    assert diff.abs().max() <= 5


def test_other_group_is_ohss_remaining_countries():
    frame = load_frame(all_sources=True)
    ohss = frame[
        (frame.source == "ohss")
        & (frame.region == "Southwest")
        & (frame.sector == "all")
        & (frame.demographic == "all")
        & (frame.citizenship != "all")
    ]
    other = ohss[~ohss.citizenship.isin(GROUPS)].groupby("month")["count"].sum()
    diff = (other - load("citizenship/other", source="sw_encounters")).dropna()
    assert len(diff) == 38
    # sum of ~100 separately rounded country cells: measured max 60
    assert diff.abs().max() <= 60
    # OHSS countries sum to the regional total within 90 (README: citizenships vs region <= 90)
    total = ohss.groupby("month")["count"].sum()
    assert (total - load(source="ohss")).abs().max() <= 90


def test_ohss_sectors_sum_to_region_within_30():
    frame = load_frame(all_sources=True)
    ohss = frame[
        (frame.source == "ohss") & (frame.region == "Southwest") & (frame.demographic == "all")
    ]
    sectors = ohss[ohss.sector != "all"].groupby("month")["count"].sum()
    region = ohss[(ohss.sector == "all") & (ohss.citizenship == "all")].set_index("month")["count"]
    assert (sectors - region).abs().max() <= 30


def test_pages_vs_final_figures():
    pages = load(source="pages", allow_gaps=True)
    cbp = load(source="cbp_tables")
    rel = ((pages - cbp) / cbp).dropna()
    # latest page versions are close to the final tables (max 0.18%, mostly identical)
    assert len(rel) >= 50
    assert rel.abs().max() < 0.002
    assert (rel == 0).mean() > 0.5
    fy21 = ((pages - load(source="ohss")) / load(source="ohss")).dropna()["2020-10":"2021-09"]
    # final MPP FY2021 page: within rounding except the misprinted Aug 2021 total (-996)
    assert fy21.drop(pd.Timestamp("2021-08-01")).abs().max() < 0.001
    assert pages[pd.Timestamp("2021-08-01")] == 195_514


def test_a_repeated_key_is_reported_as_soon_as_it_is_read(tmp_path, monkeypatch):
    """Issue 20: the release reader streams; a key twice is refused when its chunk is read,
    before the rows after it (here a bad count two chunks later) are looked at."""
    import os
    from pathlib import Path

    from borderforecast.data.sources import sw_encounters
    from borderforecast.errors import DuplicateMonthError

    raw = Path(os.environ.get("BORDERFORECAST_SHARED", Path(__file__).parents[2] / "shared"))
    source = raw / "data" / "raw" / "cbp_sw_land_border_encounters_fy22_fy25aug.csv"
    if not source.exists():
        pytest.skip("the raw release is not available")
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    bad = lines[2].rsplit(",", 1)[0] + ",12x4"
    path = tmp_path / "release.csv"
    path.write_text("\n".join([*lines[:3], lines[2], *lines[3:], bad]) + "\n")
    monkeypatch.setattr(sw_encounters, "CHUNK", 10)
    with pytest.raises(DuplicateMonthError, match=r"release\.csv, row 4: .* appears more than"):
        sw_encounters.parse(path)
