"""The bad-file corpus: mutated official releases must never reach the store.

At test time the published Southwest Land Border Encounters CSV, a slice of the
OHSS workbook (Sep-Nov 2024, the months the bundled workbook ends with) and a
CBP FY table are read once from ``../shared/data/raw`` and mutated in the ways a
release goes wrong (a component's month deleted, impossible fiscal years, counts
beyond any plausible figure or int64, non-ASCII digits, unknown values, gaps,
truncation, older releases, ...). A few small hand-made bad files live in
``tests/data/bad``. Every bad file, given to ``borderforecast data update`` through
the CLI entry point, must end in exit code 2 with one line on stderr naming the
file and the problem (no traceback), and leave the store byte-identical. Every
good file must store exactly what it holds.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from borderforecast.cli import main
from borderforecast.data import load
from borderforecast.data import store as store_mod
from borderforecast.data.sources import ohss, sw_encounters

ROOT = Path(__file__).resolve().parents[1]
# the shared folder beside the checkout; BORDERFORECAST_SHARED points elsewhere (a worktree)
RAW = Path(os.environ.get("BORDERFORECAST_SHARED", ROOT.parent / "shared")) / "data" / "raw"
HANDMADE = Path(__file__).parent / "data" / "bad"
SW_NAME = "cbp_sw_land_border_encounters_fy22_fy25aug.csv"
OHSS_NAME = "ohss_khsm_usbp_encounters_fy25m11.xlsx"
TABLE_NAME = "cbp_usbp_monthly_fy2000_fy2020/usbp_monthly_encounters_fy2019.csv"

needs_raw = pytest.mark.skipif(
    not (RAW / SW_NAME).is_file() or not (RAW / OHSS_NAME).is_file(),
    reason="../shared/data/raw (the official source files) is not present beside the project",
)


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(folder.rglob("*")) if folder.exists() else []:
        if p.name == ".lock":  # the lock file's existence is not store content
            continue
        digest.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            digest.update(p.read_bytes())
    return digest.hexdigest()


# --- the Southwest CSV: rows as lists of cells --------------------------------------------


def _sw_header_rows() -> tuple[str, list[list[str]]]:
    lines = (RAW / SW_NAME).read_bytes().decode("utf-8-sig").split("\r\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    import csv

    return header, [row for row in csv.reader(body)]


def _sw_text(header: str, rows: list[list[str]]) -> bytes:
    out = [header] + [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


FY, GRP, MON, COMP, DEM, CIT, TITLE, TYPE, COUNT = range(9)


def _set(rows, i, col, value):
    rows = [list(r) for r in rows]
    rows[i][col] = value
    return rows


def _first(rows, **match) -> int:
    cols = {"fy": FY, "mon": MON, "comp": COMP, "dem": DEM, "title": TITLE}
    return next(
        i
        for i, r in enumerate(rows)
        if all(r[cols[k]] == v or (k == "fy" and r[FY].startswith(v)) for k, v in match.items())
    )


USBP, OFO = "U.S. Border Patrol", "Office of Field Operations"


def sw_cases(rows: list[list[str]]) -> dict[str, tuple[list[list[str]], str]]:
    """name -> (mutated rows, regex the error must match)."""
    i = _first(rows, fy="2024", mon="JAN", comp=USBP)
    t42 = _first(rows, title="Title 42")
    aug = [r for r in rows if r[FY].startswith("2025") and r[MON] == "AUG"]
    c = {
        "usbp jan 2024 deleted": (
            [r for r in rows if not (r[FY] == "2024" and r[MON] == "JAN" and r[COMP] == USBP)],
            r"no rows for USBP \w+ in 2024-01",
        ),
        "ofo jun 2023 deleted": (
            [r for r in rows if not (r[FY] == "2023" and r[MON] == "JUN" and r[COMP] == OFO)],
            r"no rows for OFO \w+ in 2023-06",
        ),
        "usbp uac dec 2022 deleted": (
            [
                r
                for r in rows
                if not (r[FY] == "2023" and r[MON] == "DEC" and r[COMP] == USBP and r[DEM] == "UAC")
            ],
            r"no rows for USBP uac in 2022-12",
        ),
        "month mar 2024 deleted": (
            [r for r in rows if not (r[FY] == "2024" and r[MON] == "MAR")],
            r"no rows for month\(s\) 2024-03",
        ),
        "fy 1990": (_set(rows, i, FY, "1990"), r"fiscal year 1990 is outside .*FY2000"),
        "fy 24": (_set(rows, i, FY, "24"), r"'24' is not a fiscal year"),
        "fy 2024-25": (_set(rows, i, FY, "2024-25"), r"'2024-25' is not a fiscal year"),
        "fy 0": (_set(rows, i, FY, "0"), r"'0' is not a fiscal year"),
        "fy 0000": (_set(rows, i, FY, "0000"), r"fiscal year 0 is outside"),
        "fy 9999": (_set(rows, i, FY, "9999"), r"fiscal year 9999 is outside"),
        "fy 2021 outside coverage": (_set(rows, i, FY, "2021"), r"outside this layout's coverage"),
        "fy fullwidth digits": (_set(rows, i, FY, "２０２４"), r"is not a fiscal year"),
        "fy arabic-indic": (_set(rows, i, FY, "٢٠٢٤"), r"is not a fiscal year"),
        "fy 2024.0": (_set(rows, i, FY, "2024.0"), r"'2024.0' is not a fiscal year"),
        "fy empty": (_set(rows, i, FY, ""), r"'' is not a fiscal year"),
        "fytd label on an earlier year": (
            _set(rows, i, FY, "2024 (FYTD)"),
            r"labels FY2024 '\(FYTD\)'.*runs to FY2025",
        ),
        "count 1e12": (_set(rows, i, COUNT, "1000000000000"), r"above the plausibility bound"),
        "count int64 max": (
            _set(rows, i, COUNT, "9223372036854775807"),
            r"above the plausibility bound",
        ),
        "count beyond int64": (
            _set(rows, i, COUNT, "99999999999999999999999"),
            r"above the plausibility bound",
        ),
        "count with commas 5e9": (
            _set(rows, i, COUNT, "5,000,000,000"),
            r"above the plausibility bound",
        ),
        "count arabic-indic": (_set(rows, i, COUNT, "١٢٣"), r"is not a count"),
        "count fullwidth": (_set(rows, i, COUNT, "１２３"), r"is not a count"),
        "count superscript": (_set(rows, i, COUNT, "12²"), r"is not a count"),
        "count -0": (_set(rows, i, COUNT, "-0"), r"negative count -0"),
        "count -5": (_set(rows, i, COUNT, "-5"), r"negative count -5"),
        "count +5": (_set(rows, i, COUNT, "+5"), r"'\+5' is not a count"),
        "count 12.5": (_set(rows, i, COUNT, "12.5"), r"'12.5' is not a count"),
        "count 1e5": (_set(rows, i, COUNT, "1e5"), r"'1e5' is not a count"),
        "count hex": (_set(rows, i, COUNT, "0x10"), r"'0x10' is not a count"),
        "count empty": (_set(rows, i, COUNT, ""), r"'' is not a count"),
        "count nan": (_set(rows, i, COUNT, "NaN"), r"'NaN' is not a count"),
        "count bad commas": (_set(rows, i, COUNT, "1,23,4"), r"'1,23,4' is not a count"),
        "count with space": (_set(rows, i, COUNT, "1 234"), r"'1 234' is not a count"),
        "count formula": (_set(rows, i, COUNT, "=1+1"), r"'=1\+1' is not a count"),
        "month OCTXYZ": (_set(rows, i, MON, "OCTXYZ"), r"'OCTXYZ' is not a month"),
        "month SEPT": (_set(rows, i, MON, "SEPT"), r"'SEPT' is not a month"),
        "month 13": (_set(rows, i, MON, "13"), r"'13' is not a month"),
        "title 99": (_set(rows, i, TITLE, "Title 99"), r"unknown title of authority 'Title 99'"),
        "title 42 in 2024": (_set(rows, i, TITLE, "Title 42"), r"Title 42 in 2024-01, outside"),
        "type mismatch": (_set(rows, i, TYPE, "Inadmissibles"), r"'Inadmissibles' does not fit"),
        "type for title 42": (_set(rows, t42, TYPE, "Apprehensions"), r"does not fit"),
        "citizenship unknown": (
            _set(rows, i, CIT, "Narnia"),
            r"unknown citizenship group 'Narnia'.*--accept-new",
        ),
        "citizenship empty": (_set(rows, i, CIT, ""), r"'Citizenship Grouping': empty"),
        "citizenship ansi": (
            _set(rows, i, CIT, "\x1b[31mMexico\x1b[0m"),
            r"citizenship group '\\x1b\[31mMexico.*holds control characters",
        ),
        "free-text citizenships": (
            rows + [[*rows[i][:CIT], f"Group {k}", *rows[i][CIT + 1 :]] for k in range(2000)],
            r"unknown citizenship group 'Group 0'",
        ),
        "component unknown": (_set(rows, i, COMP, "Air and Marine"), r"component"),
        "demographic unknown": (_set(rows, i, DEM, "Adults"), r"demographic"),
        "accompanied minors for usbp": (
            _set(rows, i, DEM, "Accompanied Minors"),
            r"'Accompanied Minors' is not reported for USBP",
        ),
        "grouping unknown": (_set(rows, i, GRP, "YTD"), r"'Month Grouping': unknown value 'YTD'"),
        "duplicate row": (rows + [rows[i]], r"appears more than once"),
        "future month": (
            rows + [["2027", "FYTD", "SEP", *rows[i][3:]]],
            r"after the current month",
        ),
        "partial: one row for aug 2025": (
            [aug[0]],
            r"no rows for \w+ \w+ in 2025-08",
        ),
        "older release (through jul 2025)": (
            [r for r in rows if not (r[FY].startswith("2025") and r[MON] == "AUG")],
            r"release ends 2025-07, older than .*\(to 2025-08\).*--force",
        ),
        "ragged row": (_set(rows, i, COUNT, '1,2",3'), r"row \d+: \d+ fields, the header has 9"),
    }
    return c


def _sw_bytes_cases(header: str, rows: list[list[str]]) -> dict[str, tuple[bytes, str]]:
    good = _sw_text(header, rows)
    return {
        "truncated mid-row": (good[: len(good) // 2 - 7], r"fields, the header has 9|no rows for"),
        "header only": ((header + "\r\n").encode(), r"no data rows"),
        "empty file": (b"", r"not a known release layout"),
        "missing column": (
            _sw_text(header.rsplit(",", 1)[0], [r[:-1] for r in rows]),
            r"not a known release layout|missing column",
        ),
        "latin-1 bytes": (good.replace(b"Mexico", "México".encode("latin-1"), 1), r"UTF-8"),
        "nul byte": (good.replace(b"Mexico", b"Mex\x00ico", 1), r"citizenship|NUL|not a valid CSV"),
        "binary garbage": (b"\x00\x01\x02garbage" * 50, r"not a known release layout"),
    }


# --- the OHSS workbook: a three-month slice ---------------------------------------------


@functools.lru_cache(maxsize=1)
def _ohss_book() -> dict[str, pd.DataFrame]:
    return pd.read_excel(RAW / OHSS_NAME, sheet_name=list(ohss.SHEETS), dtype=object)


def _ohss_frames() -> dict[str, pd.DataFrame]:
    book = _ohss_book()  # read once per test session
    out = {}
    for name, frame in book.items():
        fy = frame.columns[0]
        keep = (frame[fy] == 2025) | ((frame[fy] == 2024) & (frame["Month"] == "12 September"))
        out[name] = frame[keep].reset_index(drop=True)
    return out


def _write_book(path: Path, frames: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def _edit(frames, sheet, fn):
    out = {k: v.copy() for k, v in frames.items()}
    out[sheet] = fn(out[sheet])
    return out


def _cell(frames, sheet, row, col, value):
    def fn(f):
        f = f.astype(object)
        f.iloc[row, list(f.columns).index(col) if isinstance(col, str) else col] = value
        return f

    return _edit(frames, sheet, fn)


def ohss_cases(fr: dict[str, pd.DataFrame]) -> dict[str, tuple[dict | bytes, str]]:
    fy = fr["Monthly Count"].columns[0]

    def drop(sheet, mask):
        return _edit(fr, sheet, lambda f: f[~mask(f)])

    def month_is(fyv, label):
        return lambda f: (f[fy] == fyv) & (f["Month"] == label)

    extra = pd.DataFrame({fy: [2025], "Month": ["03 December"], "Quantity": [60_000]})
    future = pd.DataFrame({fy: [2027], "Month": ["12 September"], "Quantity": [60_000]})
    return {
        "ohss oct 2024 deleted from monthly count": (
            drop("Monthly Count", month_is(2025, "01 October")),
            r"sheet 'Monthly Count': no row for 2024-10",
        ),
        "ohss extra month in monthly count only": (
            _edit(fr, "Monthly Count", lambda f: pd.concat([f, extra], ignore_index=True)),
            r"sheet 'Monthly Region': no rows for 2024-12",
        ),
        "ohss southwest region row deleted": (
            drop(
                "Monthly Region",
                lambda f: (
                    month_is(2025, "02 November")(f) & (f["Region"] == "Southwest Land Border")
                ),
            ),
            r"sheet 'Monthly Region': no row for Southwest in 2024-11",
        ),
        "ohss uac national deleted": (
            drop(
                "Monthly Family Status",
                lambda f: (
                    month_is(2025, "01 October")(f)
                    & (f["Family Status"] == "Unaccompanied Children")
                ),
            ),
            r"sheet 'Monthly Family Status': no row for uac in 2024-10",
        ),
        "ohss family units southwest deleted": (
            drop(
                "Monthly Rgn and Fam Status",
                lambda f: (
                    month_is(2024, "12 September")(f)
                    & (f["Region"] == "Southwest Land Border")
                    & (f["Family Status"] == "Family Unit Individuals")
                ),
            ),
            r"no Southwest row for family_units in 2024-09",
        ),
        "ohss citizenship month deleted": (
            drop("Monthly Rgn and Citp", month_is(2025, "02 November")),
            r"sheet 'Monthly Rgn and Citp': no rows for 2024-11",
        ),
        "ohss sector month deleted": (
            drop("Monthly Rgn and Sector", month_is(2025, "01 October")),
            r"sheet 'Monthly Rgn and Sector': no rows for 2024-10",
        ),
        "ohss fy 1990": (_cell(fr, "Monthly Count", 0, 0, 1990), r"fiscal year 1990 is outside"),
        "ohss fy 24": (_cell(fr, "Monthly Count", 0, 0, 24), r"'24' is not a fiscal year"),
        "ohss fy 2024-25": (_cell(fr, "Monthly Count", 0, 0, "2024-25"), r"'2024-25' is not a"),
        "ohss fy 0": (_cell(fr, "Monthly Count", 0, 0, 0), r"'0' is not a fiscal year"),
        "ohss fy arabic-indic": (_cell(fr, "Monthly Count", 0, 0, "٢٠٢٤"), r"not a fiscal year"),
        "ohss month 13": (_cell(fr, "Monthly Count", 0, "Month", "13 October"), r"fiscal months"),
        "ohss month misspelt": (
            _cell(fr, "Monthly Count", 0, "Month", "01 Octobre"),
            r"'01 Octobre' does not match",
        ),
        "ohss quantity 1e12": (
            _cell(fr, "Monthly Count", 0, "Quantity", 10**12),
            r"above the plausibility bound",
        ),
        "ohss quantity int64 max": (
            _cell(fr, "Monthly Region", 1, "Quantity", 2**63 - 1),
            r"above the plausibility bound",
        ),
        "ohss quantity negative": (
            _cell(fr, "Monthly Region", 0, "Quantity", -10),
            r"negative count -10",
        ),
        "ohss quantity text": (_cell(fr, "Monthly Region", 0, "Quantity", "abc"), r"not a count"),
        "ohss quantity fraction": (
            _cell(fr, "Monthly Rgn and Sector", 0, "Quantity", 12.5),
            r"12.5 is not a whole number",
        ),
        "ohss quantity arabic-indic": (
            _cell(fr, "Monthly Rgn and Sector", 0, "Quantity", "١٠"),
            r"not a count",
        ),
        "ohss region unknown": (
            _cell(fr, "Monthly Region", 0, "Region", "Atlantis Border"),
            r"region",
        ),
        "ohss sector unknown": (
            _cell(fr, "Monthly Rgn and Sector", 0, "Sector", "Tuscon, AZ"),
            r"unknown sector 'Tuscon, AZ'",
        ),
        "ohss citizenship unknown": (
            _cell(fr, "Monthly Rgn and Citp", 0, "Citizenship", "Narnia"),
            r"unknown citizenship 'Narnia'",
        ),
        "ohss family status unknown": (
            _cell(fr, "Monthly Family Status", 0, "Family Status", "Tourists"),
            r"demographic",
        ),
        "ohss missing sheet": (
            {k: v for k, v in fr.items() if k != "Monthly Rgn and Citp"},
            r"missing sheet\(s\) 'Monthly Rgn and Citp'",
        ),
        "ohss missing column": (
            _edit(fr, "Monthly Region", lambda f: f.drop(columns="Quantity")),
            r"sheet 'Monthly Region': missing column\(s\) 'Quantity'",
        ),
        "ohss duplicate row": (
            _edit(fr, "Monthly Count", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True)),
            r"appears more than once",
        ),
        "ohss future month": (
            _edit(fr, "Monthly Count", lambda f: pd.concat([f, future], ignore_index=True)),
            r"after the current month",
        ),
        "ohss empty monthly count": (
            _edit(fr, "Monthly Count", lambda f: f.iloc[0:0]),
            r"sheet 'Monthly Count': no data rows",
        ),
        "ohss older release (through sep 2024)": (
            {k: v[v[fy] == 2024] for k, v in fr.items()},
            r"older than the bundled data \(to 2024-11\)",
        ),
    }


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """name -> (bad file, regex of the problem); built once per module."""
    if not (RAW / SW_NAME).is_file() or not (RAW / OHSS_NAME).is_file():
        pytest.skip("../shared/data/raw (the official source files) is not present")
    folder = tmp_path_factory.mktemp("corpus")
    out: dict[str, tuple[Path, str]] = {}
    header, rows = _sw_header_rows()

    def fname(name: str, suffix: str) -> Path:
        stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        return folder / f"{len(out) + 1:03d}-{stem}{suffix}"

    for name, (mutated, pattern) in sw_cases(rows).items():
        path = fname("sw " + name, ".csv")
        path.write_bytes(_sw_text(header, mutated))
        out["sw " + name] = (path, pattern)
    for name, (data, pattern) in _sw_bytes_cases(header, rows).items():
        path = fname("sw " + name, ".csv")
        path.write_bytes(data)
        out["sw " + name] = (path, pattern)
    frames = _ohss_frames()
    for name, (book, pattern) in ohss_cases(frames).items():
        out[name] = (_write_book(fname(name, ".xlsx"), book), pattern)
    good_book = _write_book(folder / "ohss-slice-good.xlsx", frames)
    data = good_book.read_bytes()
    truncated = fname("ohss truncated workbook", ".xlsx")
    truncated.write_bytes(data[: len(data) // 2])
    out["ohss truncated workbook"] = (truncated, r"not a readable OHSS workbook")
    if (RAW / TABLE_NAME).is_file():
        table = (RAW / TABLE_NAME).read_bytes()
        for name, data in {
            "cbp table as a release": table,
            "cbp table with a changed count": table.replace(b"|", b"|9", 1),
            "cbp table truncated": table[: len(table) // 3],
        }.items():
            path = fname(name, ".csv")
            path.write_bytes(data)
            out[name] = (path, r"not a known release layout")
    for path in sorted(HANDMADE.iterdir()):
        out[f"hand-made {path.name}"] = (path, HANDMADE_PROBLEMS[path.name])
    return out


HANDMADE_PROBLEMS = {
    "notes.txt": r"not a known release layout",
    "sw_ansi_citizenship.csv": r"citizenship group '\\x1b\[31mMexico.*holds control characters",
    "sw_fy1991_fy2021.csv": r"fiscal year 1991 is outside",
    "sw_fy2021_outside_coverage.csv": r"FY2021 is outside this layout's coverage",
    "sw_fy_2024-25.csv": r"'2024-25' is not a fiscal year",
    "sw_one_demographic.csv": r"no rows for USBP \w+ in 2025-09",
    "sw_overflow.csv": r"above the plausibility bound",
    "sw_title99.csv": r"unknown title of authority 'Title 99'",
}


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory) -> Path:
    """A home whose store already holds one good release (so 'unchanged' means something)."""
    if not (RAW / SW_NAME).is_file():
        pytest.skip("../shared/data/raw (the official source files) is not present")
    home = tmp_path_factory.mktemp("corpus-home")
    header, rows = _sw_header_rows()
    rows = _set(rows, _first(rows, fy="2025", mon="AUG", comp=USBP), COUNT, "7777")
    good = home.parent / "seed-release.csv"
    good.write_bytes(_sw_text(header, rows))
    assert main(["data", "update", str(good), "--home", str(home)]) == 0
    return home


def test_corpus_is_large_enough(corpus):
    assert len(corpus) >= 60 + len(HANDMADE_PROBLEMS)
    assert {p.name for p in HANDMADE.iterdir()} == set(HANDMADE_PROBLEMS)
    assert all(p.stat().st_size < 2000 for p in HANDMADE.iterdir())  # small, hand-made


@needs_raw
def test_every_bad_file_exit_2_one_line_store_unchanged(corpus, seeded_home, capsys):
    before = tree_hash(seeded_home / "store")
    failures = []
    for name, (path, pattern) in corpus.items():
        code = main(["data", "update", str(path), "--home", str(seeded_home)])
        err = capsys.readouterr().err
        problems = []
        if code != 2:
            problems.append(f"exit {code}")
        if err.count("\n") != 1 or "Traceback" in err:
            problems.append(f"not one line: {err[:300]!r}")
        if not err.startswith("borderforecast: error: ") or path.name not in err:
            problems.append(f"does not name the file: {err[:200]!r}")
        if not re.search(pattern, err):
            problems.append(f"does not match {pattern!r}: {err[:300]!r}")
        after = tree_hash(seeded_home / "store")
        if after != before:
            problems.append("store changed")
            before = after
        if problems:
            failures.append(f"{name}: {'; '.join(problems)}")
    assert not failures, f"{len(failures)} of {len(corpus)} bad files:\n" + "\n".join(failures)


@needs_raw
def test_published_csv_stores_exactly_what_it_holds(tmp_path):
    home = tmp_path / "home"
    path = tmp_path / SW_NAME
    shutil.copyfile(RAW / SW_NAME, path)
    assert main(["data", "update", str(path), "--home", str(home)]) == 0
    res = store_mod.releases(home).iloc[-1]
    assert (res["new_rows"], res["revised_rows"]) == ("0", "0")  # the bundled table came from it
    # a revised copy: every stored value is the file's own sum (hand check on two months)
    header, rows = _sw_header_rows()
    i = _first(rows, fy="2024", mon="JAN", comp=USBP)
    old = int(rows[i][COUNT])
    rows = _set(rows, i, COUNT, str(old + 1000))
    revised = tmp_path / "revised.csv"
    revised.write_bytes(_sw_text(header, rows))
    assert main(["data", "update", str(revised), "--home", str(home)]) == 0
    y = load(home=home)
    jan = [r for r in rows if r[FY] == "2024" and r[MON] == "JAN" and r[COMP] == USBP]
    assert y[pd.Timestamp("2024-01-01")] == sum(int(r[COUNT]) for r in jan) == 124_215 + 1000
    aug = [r for r in rows if r[FY].startswith("2025") and r[MON] == "AUG" and r[COMP] == USBP]
    assert y[pd.Timestamp("2025-08-01")] == sum(int(r[COUNT]) for r in aug)


@needs_raw
def test_ohss_slice_stores_exactly_what_it_holds(tmp_path):
    frames = _ohss_frames()
    path = _write_book(tmp_path / "ohss-slice.xlsx", frames)
    home = tmp_path / "home"
    assert main(["data", "update", str(path), "--home", str(home)]) == 0
    rel = store_mod.releases(home).iloc[-1]
    assert rel["revised_rows"] == "0"  # same figures as the bundled workbook
    parsed = ohss.parse(path)
    nat = parsed[(parsed.region == "all") & (parsed.demographic == "all")]
    nat = nat[(nat.sector == "all") & (nat.citizenship == "all")].set_index("month")["count"]
    count = frames["Monthly Count"]
    assert nat[pd.Timestamp("2024-11-01")] == int(
        count.loc[count["Month"] == "02 November", "Quantity"].iloc[0]
    )
    assert load("national", source="ohss", home=home)[pd.Timestamp("2024-11-01")] == nat.iloc[-1]


def test_accept_new_citizenship_with_warning(tmp_path):
    header = (HANDMADE / "sw_one_demographic.csv").read_text().splitlines()[0]
    rows = [
        ["2025 (FYTD)", "FYTD", "SEP", USBP, d, "Narnia", "Title 8", "Apprehensions", "10"]
        for d in ("Single Adults", "UAC", "FMUA")
    ]
    path = tmp_path / "narnia.csv"
    path.write_bytes(_sw_text(header, rows))
    home = tmp_path / "home"
    assert main(["data", "update", str(path), "--home", str(home)]) == 2
    with pytest.warns(Warning, match="new citizenship group 'Narnia' accepted"):
        result = store_mod.ingest(path, home=home, accept_new=True)
    assert result.release.startswith("sw_encounters-2025-09")
    assert load("citizenship/narnia", home=home).iloc[-1] == 30
    assert load(home=home)[pd.Timestamp("2025-09-01")] == 30
    parsed = sw_encounters.parse(path, accept_new=True)
    assert set(parsed["citizenship"]) == {"all", "Narnia", *sw_encounters.CITIZENSHIP_GROUPS}
