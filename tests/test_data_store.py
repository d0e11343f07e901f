"""The user data store: ingesting releases, revisions, no-op re-ingest, bad input, atomicity."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.data import current_release, load, load_frame
from borderforecast.data import store as store_mod
from borderforecast.data.sources._common import MONTH_ABBR
from borderforecast.errors import (
    BadValueError,
    DataError,
    DuplicateMonthError,
    FutureMonthError,
    MalformedFileError,
    MissingColumnError,
    MissingMonthError,
    UnknownSeriesError,
)
from borderforecast.fiscal import fiscal_month, fiscal_year

HEADER = [
    "Fiscal Year",
    "Month Grouping",
    "Month (abbv)",
    "Component",
    "Demographic",
    "Citizenship Grouping",
    "Title of Authority",
    "Encounter Type",
    "Encounter Count",
]
_DEMO = {
    "uac": "UAC",
    "family_units": "FMUA",
    "single_adults": "Single Adults",
    "accompanied_minors": "Accompanied Minors",
}


@functools.lru_cache(maxsize=1)
def _sw_rows() -> tuple[tuple[str, ...], ...]:
    f = load_frame(all_sources=True)
    f = f[
        (f.source == "sw_encounters")
        & (f.demographic != "all")
        & (f.citizenship != "all")
        & (f["count"] > 0)
    ]
    rows = []
    for r in f.itertuples(index=False):
        comp = "U.S. Border Patrol" if r.component == "USBP" else "Office of Field Operations"
        etype = "Apprehensions" if r.component == "USBP" else "Inadmissibles"
        rows.append(
            [
                str(fiscal_year(r.month)),
                "FYTD",
                MONTH_ABBR[fiscal_month(r.month) - 1],
                comp,
                _DEMO[r.demographic],
                r.citizenship,
                "Title 8",
                etype,
                str(r.count),
            ]
        )
    return tuple(tuple(r) for r in rows)


def sw_rows() -> list[list[str]]:
    """The bundled Southwest CSV cells, back in the published layout."""
    return [list(r) for r in _sw_rows()]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    lines = [",".join(header)] + [
        ",".join(f'"{c}"' if "," in c else c for c in row) for row in rows
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def store_hash(home: Path) -> str:
    digest = hashlib.sha256()
    root = home / "store"
    for p in sorted(root.rglob("*")) if root.exists() else []:
        digest.update(str(p.relative_to(home)).encode())
        if p.is_file():
            digest.update(p.read_bytes())
    return digest.hexdigest()


def _is(row, month, comp="U.S. Border Patrol", demo="Single Adults", cit="Mexico"):
    fy = int(row[0].split()[0])
    return (fy, row[2], row[3], row[4], row[5]) == (
        fiscal_year(month),
        MONTH_ABBR[fiscal_month(month) - 1],
        comp,
        demo,
        cit,
    )


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def rows() -> list[list[str]]:
    return sw_rows()


def test_same_data_adds_nothing(tmp_path, home, rows):
    before = load()
    result = store_mod.ingest(write_csv(tmp_path / "same.csv", rows), home=home)
    assert (result.new_rows, result.revised_rows, result.already_ingested) == (0, 0, False)
    assert result.release.startswith("sw_encounters-2025-08-")
    after = load(home=home)
    pd.testing.assert_series_equal(before, after)
    assert after.attrs["release"] == result.release == current_release(home)
    assert current_release().startswith("bundled-")  # default home untouched


def test_revision_and_new_month(tmp_path, home, rows):
    aug = pd.Timestamp("2025-08-01")
    sep = pd.Timestamp("2025-09-01")
    revised = []
    for row in rows:
        if _is(row, aug):
            row = [*row[:8], str(int(row[8]) + 100)]
        revised.append(row)
    # September 2025: copy August's cells (a new month extends every series)
    september = [
        [r[0], "FYTD", "SEP", *r[3:]] for r in rows if r[2] == "AUG" and r[0].startswith("2025")
    ]
    revised += september
    first = store_mod.ingest(write_csv(tmp_path / "rel.csv", revised), home=home)
    # the cell plus its three margins (all demographics, all groups, both)
    assert first.revised_rows == 4
    y = load(home=home)
    assert y[aug] == 6_321 + 100
    assert y.index[-1] == sep and y[sep] == 6_321  # copied from the unrevised August
    assert y.attrs["release"] == first.release
    revs = store_mod.revisions(home)
    total = revs[
        (revs.demographic == "all") & (revs.citizenship == "all") & (revs.component == "USBP")
    ]
    assert total[["old", "new"]].values.tolist() == [[6_321, 6_421]]
    assert set(revs["release"]) == {first.release}
    # re-ingesting the same file is a no-op
    h = store_hash(home)
    again = store_mod.ingest(tmp_path / "rel.csv", home=home)
    assert again.already_ingested and again.release == first.release
    assert store_hash(home) == h
    # a later release revising the same cell back keeps both revisions
    second = store_mod.ingest(write_csv(tmp_path / "rel2.csv", rows + september), home=home)
    assert load(home=home)[aug] == 6_321
    assert second.revised_rows >= 4
    assert len(store_mod.releases(home)) == 2
    hist = store_mod.revisions(home)
    hist = hist[
        (hist.demographic == "all") & (hist.citizenship == "all") & (hist.component == "USBP")
    ]
    assert hist[["old", "new"]].values.tolist() == [[6_321, 6_421], [6_421, 6_321]]


def test_thousands_separators_parse(tmp_path, home, rows):
    big = [[*r[:8], f"{int(r[8]):,}"] for r in rows]
    assert any("," in r[8] for r in big)
    result = store_mod.ingest(write_csv(tmp_path / "commas.csv", big), home=home)
    assert result.revised_rows == 0


def _ohss_workbook(
    path: Path, sector: str = "Tucson, AZ", sheets: tuple[str, ...] | None = None
) -> Path:
    """A small but complete FY2025 (Oct-Nov 2024) workbook: every cell the layout promises."""
    fy, month = "Fiscal\nYear", "Month"
    base = {fy: [2025, 2025], month: ["01 October", "02 November"]}

    def per_month(dim: dict, values: list[tuple]) -> pd.DataFrame:
        rows = []
        for labels, (oct_n, nov_n) in values:
            for m, n in (("01 October", oct_n), ("02 November", nov_n)):
                rows.append(
                    {fy: 2025, month: m, **dict(zip(dim, labels, strict=True)), "Quantity": n}
                )
        return pd.DataFrame(rows)

    regions = [
        (("Coastal Border",), (400, 380)),
        (("Northern Land Border",), (1_000, 900)),
        (("Southwest Land Border",), (56_530, 46_610)),
    ]
    status = [
        (("Single Adults",), (40_000, 33_000)),
        (("Unaccompanied Children",), (3_000, 2_500)),
        (("Family Unit Individuals",), (14_930, 12_090)),
    ]
    content = {
        "Monthly Count": pd.DataFrame({**base, "Quantity": [57_930, 47_890]}),
        "Monthly Region": per_month(["Region"], regions),
        "Monthly Rgn and Sector": pd.DataFrame(
            {
                **base,
                "Region": ["Southwest Land Border"] * 2,
                "Sector": [sector] * 2,
                "Quantity": [10_000, 9_000],
            }
        ),
        "Monthly Family Status": per_month(["Family Status"], status),
        "Monthly Rgn and Fam Status": per_month(
            ["Region", "Family Status"], [(("Southwest Land Border", *k), v) for k, v in status]
        ),
        "Monthly Rgn and Citp": pd.DataFrame(
            {
                **base,
                "Region": ["Southwest Land Border"] * 2,
                "Citizenship": ["Mexico"] * 2,
                "Quantity": [20_000, 19_000],
            }
        ),
    }
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in content.items():
            if sheets is None or name in sheets:
                frame.to_excel(writer, sheet_name=name, index=False)
    return path


def test_ohss_workbook_release(tmp_path, home):
    result = store_mod.ingest(_ohss_workbook(tmp_path / "ohss.xlsx"), home=home)
    assert result.source == "ohss" and result.release.startswith("ohss-2024-11-")
    tucson = load(sector="Tucson", source="ohss", home=home)
    assert tucson[pd.Timestamp("2024-10-01")] == 10_000
    assert result.revised_rows > 0
    # a month is replaced whole: sectors the release omits are zero (the layout's rule),
    # not the bundled workbook's figures mixed with the new ones
    yuma = load(sector="Yuma", source="ohss", home=home)
    assert yuma[pd.Timestamp("2024-10-01")] == 0 and yuma[pd.Timestamp("2024-09-01")] > 0
    # the precedence-chosen Southwest total still comes from the exact CBP CSV
    assert load(home=home)[pd.Timestamp("2024-10-01")] == 56_520


def _bad_cases(rows):
    future = pd.Timestamp.today().to_period("M").to_timestamp() + pd.DateOffset(months=2)
    fut_row = [str(fiscal_year(future)), "FYTD", MONTH_ABBR[fiscal_month(future) - 1], *rows[0][3:]]
    return {
        "garbage": (
            lambda p: p.write_bytes(b"\x00\x01 not a release") and p,
            MalformedFileError,
            r"not a known release layout",
        ),
        "ragged row": (
            lambda p: write_csv(p, [*rows[:5], rows[5][:6], *rows[6:]]),
            MalformedFileError,
            r"row 7: 6 fields, the header has 9",
        ),
        "missing column": (
            lambda p: write_csv(p, [r[:8] for r in rows], HEADER[:8]),
            MissingColumnError,
            r"missing column\(s\) 'Encounter Count'",
        ),
        "non-numeric": (
            lambda p: write_csv(p, [*rows[:9], [*rows[9][:8], "abc"], *rows[10:]]),
            BadValueError,
            r"\.csv, row 11, column 'Encounter Count': 'abc' is not a count",
        ),
        "negative": (
            lambda p: write_csv(p, [*rows[:3], [*rows[3][:8], "-5"], *rows[4:]]),
            BadValueError,
            r"row 5, column 'Encounter Count': negative count -5",
        ),
        "duplicate": (
            lambda p: write_csv(p, [*rows, rows[10]]),
            DuplicateMonthError,
            r"appears more than once",
        ),
        "gap": (
            lambda p: write_csv(p, [r for r in rows if not (r[0] == "2024" and r[2] == "MAR")]),
            MissingMonthError,
            r"no rows for month\(s\) 2024-03",
        ),
        "future": (
            lambda p: write_csv(p, [*rows, fut_row]),
            FutureMonthError,
            rf"after the current month.*{future:%Y-%m}",
        ),
        "unknown month": (
            lambda p: write_csv(p, [*rows[:2], [rows[2][0], "FYTD", "XYZ", *rows[2][3:]]]),
            BadValueError,
            r"'XYZ' is not a month",
        ),
        "unknown demographic": (
            lambda p: write_csv(p, [[*r[:4], "Single Adutls", *r[5:]] for r in rows]),
            UnknownSeriesError,
            r"did you mean 'single_adults'",
        ),
        "far future start": (
            lambda p: write_csv(
                p,
                [["2026", "FYTD", "JAN", *r[3:]] for r in rows if r[:3] == ["2025", "FYTD", "AUG"]],
            ),
            MissingMonthError,
            r"would leave (OFO|USBP) without data for 2025-09",
        ),
        "unknown sector": (
            lambda p: _ohss_workbook(p.with_suffix(".xlsx"), sector="Tuscon, AZ"),
            UnknownSeriesError,
            r"sheet 'Monthly Rgn and Sector', row 2, column 'Sector': unknown sector "
            r"'Tuscon, AZ'; did you mean 'Tucson'",
        ),
        "missing sheet": (
            lambda p: _ohss_workbook(p.with_suffix(".xlsx"), sheets=("Monthly Count",)),
            MalformedFileError,
            r"missing sheet\(s\) 'Monthly Region'",
        ),
    }


@pytest.mark.parametrize("case", list(_bad_cases([["x"] * 9] * 12)))
def test_bad_input_leaves_store_unchanged(case, tmp_path, home, rows):
    store_mod.ingest(write_csv(tmp_path / "good.csv", rows), home=home)
    before = store_hash(home)
    make, error, pattern = _bad_cases(rows)[case]
    path = make(tmp_path / "bad.csv")
    path = path if isinstance(path, Path) else tmp_path / "bad.csv"
    with pytest.raises(error, match=pattern) as info:
        store_mod.ingest(path, home=home)
    assert isinstance(info.value, DataError)
    assert store_hash(home) == before
    assert len(store_mod.releases(home)) == 1


def test_interrupted_update_leaves_store_as_it_was(tmp_path, home, rows, monkeypatch):
    store_mod.ingest(write_csv(tmp_path / "good.csv", rows), home=home)
    before = store_hash(home)
    changed = [[*r[:8], str(int(r[8]) + 1)] for r in rows]
    original = pd.DataFrame.to_csv

    def crash(self, *args, **kwargs):
        if "release" in self.columns and "sha256" in self.columns:
            raise KeyboardInterrupt("power cut")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(KeyboardInterrupt):
        store_mod.ingest(write_csv(tmp_path / "changed.csv", changed), home=home)
    monkeypatch.setattr(pd.DataFrame, "to_csv", original)
    assert store_hash(home) == before
    assert load(home=home)[pd.Timestamp("2025-08-01")] == 6_321


def test_store_from_environment(tmp_path, rows):
    # the autouse fixture points BORDERFORECAST_HOME at a temp dir: load() uses it by default
    store_mod.ingest(write_csv(tmp_path / "same.csv", rows))
    assert bf.load().attrs["release"].startswith("sw_encounters-")
