"""Parser for CBP's "Southwest Land Border Encounters" CSV (FY22 onward, USBP and OFO).

Columns: ``Fiscal Year`` (``2024`` or ``"2025 (FYTD)"``), ``Month Grouping``,
``Month (abbv)`` (``OCT`` ..), ``Component``, ``Demographic``, ``Citizenship
Grouping`` (El Salvador, Guatemala, Honduras, Mexico, Other), ``Title of
Authority``, ``Encounter Type``, ``Encounter Count``. One row per non-zero
combination; absent combinations are zero.

Output: for each month and component, every combination of demographic
(``all`` and each category) and citizenship group (``all`` and each group),
summed over Title 8 / Title 42 and encounter type, region ``Southwest``,
sector ``all``. Series present in the file at all are zero-filled over the
file's months.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ...errors import BadValueError, DuplicateMonthError, MalformedFileError, MissingMonthError
from ...series import format_months
from ..naming import ALL, canonical_component, canonical_demographic
from ._common import MONTH_ABBR, fiscal_month_start, parse_count, require_columns, tidy, validate

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


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Read the CSV into dicts of stripped strings (any line ending, optional BOM)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedFileError(
            f"{path.name}: cannot read the file as UTF-8 text ({exc})"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise MalformedFileError(f"{path.name}: the file is empty") from None
    except csv.Error as exc:
        raise MalformedFileError(f"{path.name}: not a CSV file ({exc})") from None
    require_columns(header, COLUMNS, path.name)
    rows = []
    try:
        for lineno, rec in enumerate(reader, start=2):
            if not any(field.strip() for field in rec):
                continue
            if len(rec) != len(header):
                raise MalformedFileError(
                    f"{path.name}, row {lineno}: {len(rec)} fields, the header has {len(header)}"
                )
            row = {h: v.strip() for h, v in zip(header, rec, strict=True)}
            row["_line"] = str(lineno)
            rows.append(row)
    except csv.Error as exc:
        raise MalformedFileError(f"{path.name}: not a valid CSV file ({exc})") from None
    if not rows:
        raise MalformedFileError(f"{path.name}: no data rows")
    return rows


def parse(path: str | Path) -> pd.DataFrame:
    """Parse the Southwest Land Border Encounters CSV into tidy rows (source ``"sw_encounters"``).

    Raises
    ------
    MalformedFileError, MissingColumnError, BadValueError, DuplicateMonthError,
    FutureMonthError, UnknownSeriesError
        With the file, row and column in the message.
    """
    path = Path(path)
    name = path.name
    records = []
    for row in read_rows(path):
        where = f"{name}, row {row['_line']}"
        match = re.match(r"^(\d{4})\b", row["Fiscal Year"])
        if not match:
            raise BadValueError(
                f"{where}, column 'Fiscal Year': {row['Fiscal Year']!r} is not a year"
            )
        abbr = row["Month (abbv)"].upper()[:3]
        if abbr not in MONTH_ABBR:
            raise BadValueError(
                f"{where}, column 'Month (abbv)': {row['Month (abbv)']!r} is not a month (OCT, ...)"
            )
        try:
            component = canonical_component(row["Component"])
            demographic = canonical_demographic(row["Demographic"])
        except Exception as exc:
            raise type(exc)(f"{where}: {exc}") from None
        group = row["Citizenship Grouping"]
        if not group:
            raise BadValueError(f"{where}, column 'Citizenship Grouping': empty")
        records.append(
            {
                "month": fiscal_month_start(int(match.group(1)), MONTH_ABBR.index(abbr) + 1),
                "component": component,
                "demographic": demographic,
                "citizenship": group,
                "title": row["Title of Authority"],
                "type": row["Encounter Type"],
                "count": parse_count(row["Encounter Count"], f"{where}, column 'Encounter Count'"),
                "line": row["_line"],
            }
        )
    raw = pd.DataFrame(records)
    dims = ["month", "component", "demographic", "citizenship", "title", "type"]
    dup = raw.duplicated(dims, keep="first")
    if dup.any():
        rec = raw[dup].iloc[0]
        raise DuplicateMonthError(
            f"{name}, row {rec['line']}: {rec['month']:%Y-%m} {rec['component']} "
            f"{rec['demographic']} {rec['citizenship']} {rec['title']} {rec['type']} "
            "appears more than once"
        )
    months = pd.date_range(raw["month"].min(), raw["month"].max(), freq="MS")
    base = raw.groupby(["month", "component", "demographic", "citizenship"], as_index=False)[
        "count"
    ].sum()
    parts = []
    for dem_all in (False, True):
        for cit_all in (False, True):
            keys = ["month", "component"]
            if not dem_all:
                keys.append("demographic")
            if not cit_all:
                keys.append("citizenship")
            agg = base.groupby(keys, as_index=False)["count"].sum()
            if dem_all:
                agg["demographic"] = ALL
            if cit_all:
                agg["citizenship"] = ALL
            parts.append(agg)
    frame = pd.concat(parts, ignore_index=True)
    frame = _fill(frame, months)
    frame["region"] = "Southwest"
    frame["sector"] = ALL
    out = tidy(frame, SOURCE)
    validate(out, path)
    gaps = months.difference(pd.DatetimeIndex(raw["month"].unique()))
    if len(gaps):
        raise MissingMonthError(
            f"{name}: no rows for month(s) {format_months(gaps)} inside the file's range"
        )
    return out


def _fill(frame: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    series = frame[["component", "demographic", "citizenship"]].drop_duplicates()
    grid = series.merge(pd.DataFrame({"month": months}), how="cross")
    out = grid.merge(frame, on=["component", "demographic", "citizenship", "month"], how="left")
    out["count"] = out["count"].fillna(0).astype("int64")
    return out
