"""Building the tidy table from the official files: parsers, precedence, byte-identical rebuild."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from borderforecast.data.build import (
    PRECEDENCE,
    TABLE_NAME,
    apply_precedence,
    build_table,
    to_csv_text,
    write_table,
)
from borderforecast.data.sources import cbp_tables, pages, sw_encounters
from borderforecast.data.table import bundled_path, read_csv_table
from borderforecast.paths import data_dir

_BUILT: dict[Path, pd.DataFrame] = {}


@pytest.fixture
def built(raw_dir) -> pd.DataFrame:
    """The table rebuilt from the raw files (parsed once per test session)."""
    if raw_dir not in _BUILT:
        _BUILT[raw_dir] = build_table(raw_dir)
    return _BUILT[raw_dir]


def test_rebuild_reproduces_committed_files(built, tmp_path):
    out = write_table(built, tmp_path)
    assert out.read_bytes() == bundled_path().read_bytes()
    assert (tmp_path / "SOURCES.md").read_bytes() == (data_dir() / "SOURCES.md").read_bytes()


def test_writer_is_deterministic():
    frame = read_csv_table(bundled_path())
    shuffled = frame.sample(frac=1.0, random_state=1)
    text = to_csv_text(shuffled)
    assert text == bundled_path().read_text(encoding="utf-8")
    assert "\r" not in text and text.endswith("\n")


def test_committed_table_is_small_and_tidy():
    path = data_dir() / TABLE_NAME
    assert path.stat().st_size < 4_000_000
    frame = read_csv_table(path)
    assert list(frame.columns) == [
        "month",
        "fiscal_year",
        "component",
        "region",
        "sector",
        "demographic",
        "citizenship",
        "count",
        "source",
    ]
    assert (frame["month"].dt.day == 1).all()
    fy = frame["month"].dt.year + (frame["month"].dt.month >= 10)
    assert (frame["fiscal_year"] == fy).all()
    assert (frame["count"] >= 0).all()
    assert set(frame["source"]) == set(PRECEDENCE)
    assert set(frame["region"]) == {"Southwest", "Northern", "Coastal", "all"}


def test_cbp_table_quirks(raw_dir):
    folder = raw_dir / "cbp_usbp_monthly_fy2000_fy2020"
    fy19 = cbp_tables.parse_file(folder / "usbp_monthly_encounters_fy2019.csv").set_index(
        ["sector", "region", "month"]
    )["count"]
    assert fy19[("Big Bend", "Southwest", pd.Timestamp("2019-05-01"))] == 1557  # no comma
    fy00 = cbp_tables.parse_file(folder / "usbp_monthly_encounters_fy2000.csv")
    # name on its own line, numbers on the next, "(formerly Marfa)" after
    big_bend = fy00[fy00.sector == "Big Bend"].set_index("month")["count"]
    assert big_bend.iloc[0] == 891 and big_bend.sum() == 13_689
    national = fy00[fy00.region == "all"]["count"].sum()
    assert national == 1_676_438
    fy20 = cbp_tables.parse_file(
        folder / "usbp_monthly_encounters_fy2020.csv"
    )  # merged header words
    assert fy20[(fy20.region == "Southwest") & (fy20.sector == "all")]["count"].sum() == 400_651
    fy10 = cbp_tables.parse_file(folder / "usbp_monthly_encounters_fy2010.csv")
    assert "Livermore" not in set(fy10["sector"])  # N/A row left out


def test_sw_csv_totals(raw_dir):
    frame = sw_encounters.parse(raw_dir / "cbp_sw_land_border_encounters_fy22_fy25aug.csv")
    raw = pd.read_csv(raw_dir / "cbp_sw_land_border_encounters_fy22_fy25aug.csv")
    totals = frame[(frame.demographic == "all") & (frame.citizenship == "all")]
    # every raw row counted exactly once in the component totals
    assert totals["count"].sum() == raw["Encounter Count"].sum()
    usbp = totals[totals.component == "USBP"].set_index("month")["count"]
    assert usbp[pd.Timestamp("2025-08-01")] == 6_321
    assert len(usbp) == 47  # Oct 2021 - Aug 2025, no gap


def test_pages_keep_latest_version(raw_dir):
    path = raw_dir / "cbp_sw_migration_pages.csv"
    every = pages.read(path)
    chosen = pages.parse(path)
    key = ["month", "component", "demographic"]
    assert not chosen.duplicated(key).any()
    assert len(chosen) == len(every.drop_duplicates(key))
    # for each figure the chosen value comes from the latest-dated page giving it
    merged = every.merge(chosen.rename(columns={"count": "chosen"})[[*key, "chosen"]], on=key)
    latest = merged[merged["page_date"] == merged.groupby(key)["page_date"].transform("max")]
    ok = (latest["count"] == latest["chosen"]).groupby([latest[k] for k in key]).any()
    assert len(ok) == len(chosen) and ok.all()
    # FY2017 OFO December: three pages; the full-year CBP FY2017 page is the latest
    dec = chosen[
        (chosen.component == "OFO") & (chosen.month == "2016-12-01") & (chosen.demographic == "all")
    ]
    assert dec["count"].item() == 15_161


def test_apply_precedence_picks_exact_over_rounded():
    rows = []
    for source, count in [("ohss", 130), ("cbp_tables", 127), ("pages", 125)]:
        rows.append(
            {
                "month": pd.Timestamp("2019-05-01"),
                "fiscal_year": 2019,
                "component": "USBP",
                "region": "Southwest",
                "sector": "all",
                "demographic": "all",
                "citizenship": "all",
                "count": count,
                "source": source,
            }
        )
    # Livermore: regions differ between sources, the sector name decides
    rows.append(
        {**rows[0], "sector": "Livermore", "region": "Northern", "count": 10, "source": "ohss"}
    )
    rows.append(
        {**rows[0], "sector": "Livermore", "region": "Coastal", "count": 12, "source": "cbp_tables"}
    )
    out = apply_precedence(pd.DataFrame(rows))
    assert out["count"].tolist() == [12, 127]
    assert out["source"].tolist() == ["cbp_tables", "cbp_tables"]
    out = apply_precedence(pd.DataFrame(rows[:1] + rows[2:3]))
    assert out["count"].tolist() == [130]
