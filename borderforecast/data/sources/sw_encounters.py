"""Parser for CBP's "Southwest Land Border Encounters" CSV (FY22 onward, USBP and OFO).

One row per non-zero combination of fiscal year, month, component, demographic,
citizenship group, title and encounter type (:data:`COLUMNS`). Output: for each month and
component, every combination of demographic and citizenship group (``all`` and each),
summed over titles and encounter types, region ``Southwest``, sector ``all``. An absent
citizenship group is zero (the layout's rule); an absent demographic or month is an error.
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import BadValueError, DuplicateMonthError, MalformedFileError, MissingMonthError
from ...fiscal import fiscal_year
from ...series import format_months
from ..naming import ALL, canonical_component, canonical_demographic
from ..userfile import open_text
from ._common import (
    MONTH_ABBR,
    check_future,
    check_known,
    fiscal_month_start,
    parse_count,
    parse_fiscal_year,
    require_columns,
    tidy,
    validate,
)

SOURCE = "sw_encounters"

COLUMNS = [
    "Fiscal Year",
    "Month (abbv)",
    "Component",
    "Demographic",
    "Citizenship Grouping",
    "Title of Authority",
    "Encounter Type",
    "Encounter Count",
]
CITIZENSHIP_GROUPS = ("El Salvador", "Guatemala", "Honduras", "Mexico", "Other")


CHUNK = 50_000
"""Rows per chunk: the file is read, checked and summed a chunk at a time."""
_CELLS = ["Fiscal Year", "Month Grouping", *COLUMNS[1:]]


def read_chunks(path: str | Path, size: int = CHUNK) -> Iterator[pd.DataFrame]:
    """The CSV's cells (the layout's columns, unstripped; ``Month Grouping`` is ``FYTD``
    when absent) in frames of up to ``size`` rows, with ``_line`` the row number; read as
    the file streams (any line ending, optional BOM), so memory holds one chunk. A row
    that cannot be read is reported after the rows before it (errors come in file order)."""
    path = Path(path)
    lineno, n = 1, 0
    failure: MalformedFileError | None = None
    records: list[tuple] = []
    lines: list[int] = []
    try:
        with open_text(path) as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if not header:
                raise MalformedFileError(f"{path.name}: the file is empty")
            require_columns(header, COLUMNS, path.name)
            at = {h: i for i, h in enumerate(header)}
            grouping = "Month Grouping" in at
            pick = itemgetter(*(at[c] for c in (_CELLS if grouping else COLUMNS)))
            for lineno, rec in enumerate(reader, start=2):
                if len(rec) != len(header) or not all(rec) or rec[0].isspace():
                    if not any(field.strip() for field in rec):
                        continue
                    if len(rec) != len(header):
                        failure = MalformedFileError(
                            f"{path.name}, row {lineno}: {len(rec)} fields, the header has "
                            f"{len(header)}"
                        )
                        break
                records.append(pick(rec))
                lines.append(lineno)
                if len(records) == size:
                    n += len(records)
                    yield _chunk(records, lines, grouping)
                    records, lines = [], []
    except csv.Error as exc:
        failure = MalformedFileError(f"{path.name}: not a valid CSV file ({exc})")
    except UnicodeDecodeError as exc:
        where = f"{path.name}, row {lineno + 1}"
        failure = MalformedFileError(f"{where}: not UTF-8 text ({exc.reason})")
    except OSError as exc:
        failure = MalformedFileError(f"{path.name}: cannot read the file ({exc})")
    if records:
        yield _chunk(records, lines, grouping)
    if failure is not None:
        raise failure
    if not n and not records:
        raise MalformedFileError(f"{path.name}: no data rows")


def _chunk(records: list, lines: list[int], grouping: bool) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=_CELLS if grouping else COLUMNS)
    if not grouping:
        frame["Month Grouping"] = "FYTD"
    frame["_line"] = lines
    return frame


TITLES = ("Title 8", "Title 42")
ENCOUNTER_TYPES = {
    ("USBP", "Title 8"): "Apprehensions",
    ("OFO", "Title 8"): "Inadmissibles",
    ("USBP", "Title 42"): "Expulsions",
    ("OFO", "Title 42"): "Expulsions",
}
DEMOGRAPHICS = {
    "USBP": ("family_units", "single_adults", "uac"),
    "OFO": ("accompanied_minors", "family_units", "single_adults", "uac"),
}
"""The demographics each component reports every month (a month missing one is an error)."""
FIRST_FY = 2022
"""Documented coverage: the CSV series starts in FY2022 (October 2021)."""
GROUPINGS = ("FYTD", "Remaining")
TITLE_42 = (pd.Timestamp("2020-03-01"), pd.Timestamp("2023-05-01"))
"""Months with Title 42 expulsions (the CDC order: 21 March 2020 .. 11 May 2023)."""


def parse(path: str | Path, *, accept_new: bool = False) -> pd.DataFrame:
    """Parse the CSV into tidy rows (source ``"sw_encounters"``), a chunk at a time
    (:func:`read_chunks`): the first bad row or repeated key is reported when its chunk is
    read. Values must be the layout's known ones (``accept_new`` accepts a new citizenship
    group with a warning); every error names the file, row and column."""
    path = Path(path)
    name = path.name
    tally = _Tally(name, accept_new)
    for chunk in read_chunks(path, CHUNK):
        tally.add(chunk)
        if len(chunk) == CHUNK:  # more may follow; a chunk's frame and its cached columns
            gc.collect()  # hold each other: free them now (a full collection is not free)
    raw = tally.frame()
    months = pd.date_range(raw["month"].min(), raw["month"].max(), freq="MS")
    check_future(raw["month"], name)  # before the grid is built
    last_fy = int(fiscal_year(raw["month"].max()))
    if tally.fytd and tally.fytd != {last_fy}:
        raise BadValueError(
            f"{name}: 'Fiscal Year' labels FY{min(tally.fytd)} '(FYTD)' (year to date), but the "
            f"file runs to FY{last_fy}: only the last fiscal year of a release can be partial"
        )
    gaps = months.difference(pd.DatetimeIndex(raw["month"].unique()))
    if len(gaps):
        raise MissingMonthError(
            f"{name}: no rows for month(s) {format_months(gaps)} inside the file's range"
        )
    _check_complete(raw, months, name)
    groups = tuple(CITIZENSHIP_GROUPS) + tuple(sorted(tally.new_groups))
    base = raw.groupby(["month", "component", "demographic", "citizenship"], as_index=False)[
        "count"
    ].sum()
    base = _fill(base, months, sorted(set(raw["component"])), groups)
    margins = [[], ["citizenship"], ["demographic"], ["demographic", "citizenship"]]  # -> ALL
    keys = ["month", "component", "demographic", "citizenship"]
    parts = [base.groupby([k for k in keys if k not in m], as_index=False)["count"].sum()
             for m in margins]  # fmt: skip
    frame = pd.concat(parts, ignore_index=True).fillna({"demographic": ALL, "citizenship": ALL})
    frame["region"] = "Southwest"
    frame["sector"] = ALL
    out = tidy(frame, SOURCE)
    validate(out, path)
    return out


_TEXT = _CELLS[:-1]
_DIMS = ["month", "component", "demographic", "citizenship", "title", "type"]


def _fields(
    cells: tuple[str, ...], where: str, accept_new: bool, new_groups: set[str] | None
) -> tuple[tuple, int | None]:
    """The dimensions of one row's text cells (:data:`_TEXT`), and its fiscal year if it
    is labelled ``(FYTD)``; each check raises naming ``where``. With ``new_groups`` (the
    new groups of the rows before), more than :data:`MAX_NEW_GROUPS` new ones is refused."""
    row = dict(zip(_TEXT, (c.strip() for c in cells), strict=True))
    fy_text = row["Fiscal Year"]
    fy = parse_fiscal_year(fy_text, f"{where}, column 'Fiscal Year'", fytd_label=True)
    if fy < FIRST_FY:
        raise BadValueError(
            f"{where}, column 'Fiscal Year': FY{fy} is outside this layout's coverage "
            f"(the Southwest Land Border Encounters CSV starts in FY{FIRST_FY}); "
            "older months come from the CBP tables and the OHSS workbook"
        )
    abbr = row["Month (abbv)"].upper()
    if abbr not in MONTH_ABBR:
        raise BadValueError(
            f"{where}, column 'Month (abbv)': {row['Month (abbv)']!r} is not a month (OCT, ...)"
        )
    if row["Month Grouping"] not in GROUPINGS:
        raise BadValueError(
            f"{where}, column 'Month Grouping': unknown value {row['Month Grouping']!r} "
            f"(known: {', '.join(GROUPINGS)})"
        )
    try:
        component = canonical_component(row["Component"])
        demographic = canonical_demographic(row["Demographic"])
    except Exception as exc:
        raise type(exc)(f"{where}: {exc}") from None
    if demographic not in DEMOGRAPHICS[component]:
        raise BadValueError(
            f"{where}, column 'Demographic': {row['Demographic']!r} is not reported "
            f"for {component} in this layout"
        )
    group = row["Citizenship Grouping"]
    if not group:
        raise BadValueError(f"{where}, column 'Citizenship Grouping': empty")
    if group not in CITIZENSHIP_GROUPS:
        column = f"{where}, column 'Citizenship Grouping'"
        check_known(group, CITIZENSHIP_GROUPS, "citizenship group", column, accept_new)
        if new_groups is not None and len(new_groups | {group}) > MAX_NEW_GROUPS:
            raise BadValueError(
                f"{column}: more than {MAX_NEW_GROUPS} new groups; this is not the published "
                "layout"
            )
    column = f"{where}, column 'Title of Authority'"
    title = check_known(row["Title of Authority"], TITLES, "title of authority", column, False)
    month = fiscal_month_start(fy, MONTH_ABBR.index(abbr) + 1)
    if title == "Title 42" and not TITLE_42[0] <= month <= TITLE_42[1]:
        raise BadValueError(
            f"{where}, column 'Title of Authority': Title 42 in {month:%Y-%m}, outside the "
            f"order's use ({TITLE_42[0]:%Y-%m}..{TITLE_42[1]:%Y-%m})"
        )
    etype = ENCOUNTER_TYPES[(component, title)]
    if row["Encounter Type"] != etype:
        raise BadValueError(
            f"{where}, column 'Encounter Type': {row['Encounter Type']!r} does not fit "
            f"{component} {title} (expected {etype!r})"
        )
    dims = (month, component, demographic, group, title, etype)
    return dims, (fy if fy_text.endswith("(FYTD)") else None)


def _counts(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(count, whether :func:`parse_count` accepts it) of every cell."""
    plain = cells.str.fullmatch(r"[0-9]{1,7}").to_numpy(dtype=bool)  # the common case
    out = np.zeros(len(cells), np.int64)
    out[plain] = cells[plain].astype(np.int64)
    ok = plain.copy()
    rest = cells[~plain]
    numbers = {}
    for v in pd.unique(rest):
        try:
            numbers[v] = parse_count(v, "")
        except BadValueError:
            continue
    got = rest.map(numbers)
    at = np.flatnonzero(~plain)[got.notna().to_numpy()]
    out[at], ok[at] = got.dropna().astype(np.int64), True
    return out, ok


class _Tally:
    """The rows read so far: each distinct row text checked once, counts summed by
    :data:`_DIMS`, the new citizenship groups and ``(FYTD)`` years; a key twice is refused."""

    def __init__(self, name: str, accept_new: bool) -> None:
        self.name, self.accept_new = name, accept_new
        self.checked: dict[tuple, tuple | None] = {}  # row text -> (dims, fytd), None if bad
        self.keys: dict[tuple, int] = {}  # dims -> position in counts
        self.counts = np.zeros(0, np.int64)
        self.new_groups: list[str] = []
        self.fytd: set[int] = set()

    def _check(self, cells: tuple, line: int) -> tuple | None:
        if cells not in self.checked:
            try:
                where = f"{self.name}, row {line}"
                self.checked[cells] = _fields(cells, where, self.accept_new, None)
            except Exception:  # the row's own message comes from _fail
                self.checked[cells] = None
        return self.checked[cells]

    def add(self, chunk: pd.DataFrame) -> None:
        """Check a chunk (the first bad row raises, naming it), then add it up."""
        text = chunk[_TEXT]
        combo = text.groupby(_TEXT, sort=False).ngroup().to_numpy()
        firsts = text.drop_duplicates()
        lines = chunk["_line"].to_numpy()[firsts.index]
        cells = firsts.itertuples(index=False, name=None)
        found: list[Any] = [self._check(c, n) for c, n in zip(cells, lines, strict=True)]
        counts, bad = _counts(chunk["Encounter Count"])
        bad = ~bad | np.array([f is None for f in found])[combo]
        group = np.array([f[0][3] if f else "" for f in found], dtype=object)[combo]
        new = pd.Series(group).where(~bad & ~np.isin(group, CITIZENSHIP_GROUPS)).dropna()
        new = new[~new.duplicated() & ~new.isin(self.new_groups)]
        if len(self.new_groups) + len(new) > MAX_NEW_GROUPS:
            bad[new.index[MAX_NEW_GROUPS - len(self.new_groups)]] = True
        if bad.any():
            i = int(np.argmax(bad))
            self._fail(chunk.iloc[i], self.new_groups + new[new.index < i].tolist())
        self.new_groups += new.tolist()
        self.fytd.update(f[1] for f in found if f[1] is not None)
        start = len(self.keys)
        ids = np.array([self.keys.setdefault(f[0], len(self.keys)) for f in found])[combo]
        dup = (ids < start) | pd.Series(ids).duplicated().to_numpy()
        if dup.any():  # reported as soon as it is read
            i = int(np.argmax(dup))
            month, component, demographic, group, title, etype = list(self.keys)[ids[i]]
            raise DuplicateMonthError(
                f"{self.name}, row {chunk['_line'].iat[i]}: {month:%Y-%m} {component} "
                f"{demographic} {group} {title} {etype} appears more than once"
            )
        self.counts = np.concatenate([self.counts, np.zeros(len(self.keys) - start, np.int64)])
        np.add.at(self.counts, ids, counts)

    def _fail(self, row: pd.Series, new_groups: list[str]) -> None:
        where = f"{self.name}, row {row['_line']}"
        _fields(tuple(row[_TEXT]), where, self.accept_new, set(new_groups))
        parse_count(row["Encounter Count"].strip(), f"{where}, column 'Encounter Count'")
        raise MalformedFileError(f"{where}: not a valid row")

    def frame(self) -> pd.DataFrame:
        """One row per key with its count."""
        return pd.DataFrame(list(self.keys), columns=_DIMS).assign(count=self.counts)


MAX_NEW_GROUPS = 20
"""Even with ``accept_new``, more new citizenship groups than this is not the layout."""


def _check_complete(raw: pd.DataFrame, months: pd.DatetimeIndex, name: str) -> None:
    """Every month of the span has rows for every demographic of each component present."""
    present = set(zip(raw["month"], raw["component"], raw["demographic"], strict=True))
    for component in sorted(set(raw["component"])):
        for month in months:
            for demographic in DEMOGRAPHICS[component]:
                if (month, component, demographic) not in present:
                    raise MissingMonthError(
                        f"{name}: no rows for {component} {demographic} in {month:%Y-%m} "
                        "(inside the file's range; a missing cell is never read as zero)"
                    )


def _fill(
    frame: pd.DataFrame, months: pd.DatetimeIndex, components: list[str], groups: tuple[str, ...]
) -> pd.DataFrame:
    """The layout's full grid: absent (component, demographic, group) cells are zero."""
    series = pd.DataFrame(
        [(c, d, g) for c in components for d in DEMOGRAPHICS[c] for g in groups],
        columns=["component", "demographic", "citizenship"],
    )
    grid = series.merge(pd.DataFrame({"month": months}), how="cross")
    out = grid.merge(frame, on=["component", "demographic", "citizenship", "month"], how="left")
    out["count"] = out["count"].fillna(0).astype("int64")
    return out
