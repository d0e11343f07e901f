"""Parser for the DHS OHSS "CBP Encounters - USBP" workbook (``KHSM Encounters (USBP) ...xlsx``).

Sheets: see :data:`SHEETS` (citizenship kept for the Southwest region only); columns
``Fiscal Year``, ``Month`` (``"01 October"``), the dimensions and ``Quantity``. The
conventions (zero fill of absent combinations, family status kept from the first fiscal
year it is recorded, plain CBP sector names, OHSS's own regions) are in data/SOURCES.md.
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from ...errors import BadValueError, MalformedFileError, MissingColumnError, MissingMonthError
from ...fiscal import fiscal_year
from ...series import format_months
from ..naming import ALL, canonical_demographic, canonical_region, canonical_sector
from ._common import (
    DIMS,
    MAX_COUNT,
    MONTH_NAMES,
    check_future,
    check_known,
    fiscal_month_start,
    parse_count,
    parse_fiscal_year,
    tidy,
    validate,
    zero_fill,
)

SOURCE = "ohss"

SHEETS = {
    "Monthly Count": [],
    "Monthly Region": ["Region"],
    "Monthly Rgn and Sector": ["Region", "Sector"],
    "Monthly Family Status": ["Family Status"],
    "Monthly Rgn and Fam Status": ["Region", "Family Status"],
    "Monthly Rgn and Citp": ["Region", "Citizenship"],
}
# family status -> first fiscal year the category is meaningful
FAMILY_FIRST_FY = {"uac": 2008, "family_units": 2012, "single_adults": 2012}
CITIZENSHIP_REGIONS = ("Southwest",)


def _clean_header(col: object) -> str:
    return re.sub(r"\s+", " ", str(col)).strip()


REGIONS = ("Coastal", "Northern", "Southwest")
MAX_NEW_CITIZENSHIPS = 20
"""Even with ``accept_new``, more new citizenships than this is not the layout."""


@lru_cache(maxsize=1)
def known_citizenships() -> frozenset[str]:
    """Citizenships the published workbook names (``ohss_citizenships.txt``)."""
    text = resources.files(__package__).joinpath("ohss_citizenships.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _citizenship_checker(accept_new: bool):
    new: set[str] = set()

    def check(text: object) -> str:
        if pd.isna(text) or not str(text).strip():
            raise BadValueError("empty citizenship")
        value = str(text).strip()
        if value not in known_citizenships():
            check_known(value, known_citizenships(), "citizenship", "", accept_new)
            new.add(value)
            if len(new) > MAX_NEW_CITIZENSHIPS:
                raise BadValueError(f"more than {MAX_NEW_CITIZENSHIPS} new citizenships")
        return value

    return check


def _month(fy: object, label: object, where: str) -> pd.Timestamp:
    year = parse_fiscal_year(fy, f"{where}, column 'Fiscal Year'")
    match = re.match(r"^\s*(\d{1,2})\s+([A-Za-z]+)\s*$", str(label))
    if not match:
        raise BadValueError(f"{where}, column 'Month': {label!r} is not like '01 October'")
    number, name = int(match.group(1)), match.group(2).lower()
    if not 1 <= number <= 12 or MONTH_NAMES[number - 1] != name:
        raise BadValueError(
            f"{where}, column 'Month': {label!r} does not match the fiscal months "
            "('01 October' .. '12 September')"
        )
    return fiscal_month_start(year, number)


def parse(path: str | Path, *, accept_new: bool = False) -> pd.DataFrame:
    """Parse the workbook into tidy rows (source ``"ohss"``); a missing cell is an error
    naming the sheet and month (:func:`_check_complete`), never a zero; ``accept_new``
    accepts a citizenship the workbook has not named before, with a warning."""
    path = Path(path)
    name = path.name
    try:
        with pd.ExcelFile(path, engine="openpyxl") as workbook:
            present = list(workbook.sheet_names)
            missing = [s for s in SHEETS if s not in present]
            if missing:
                raise MalformedFileError(
                    f"{name}: missing sheet(s) {', '.join(repr(s) for s in missing)}; "
                    f"found {', '.join(repr(s) for s in present)}"
                )
            book = pd.read_excel(workbook, sheet_name=list(SHEETS), dtype=object)
    except (zipfile.BadZipFile, ValueError, OSError, KeyError) as exc:
        raise MalformedFileError(f"{name}: not a readable OHSS workbook ({exc})") from None
    check = _citizenship_checker(accept_new)
    parts = {sheet: _sheet(book[sheet], sheet, dims, name, check) for sheet, dims in SHEETS.items()}
    _check_complete(parts, name)
    frame = pd.concat(list(parts.values()), ignore_index=True)
    validate(tidy(frame, SOURCE), path)
    frame = zero_fill(frame, last=frame["month"].max())
    fy = fiscal_year(frame["month"])
    first = frame["demographic"].map(FAMILY_FIRST_FY).fillna(0)
    frame = frame[fy >= first]
    return tidy(frame, SOURCE)


def _check_complete(parts: dict[str, pd.DataFrame], name: str) -> None:
    """Every cell the layout promises is present (see :func:`parse`)."""
    count = parts["Monthly Count"]
    if count.empty:
        raise MalformedFileError(f"{name}, sheet 'Monthly Count': no data rows")
    check_future(count["month"], name)  # before any month grid is built
    months = pd.date_range(count["month"].min(), count["month"].max(), freq="MS")
    gaps = months.difference(pd.DatetimeIndex(count["month"].unique()))
    if len(gaps):
        raise MissingMonthError(
            f"{name}, sheet 'Monthly Count': no row for {format_months(gaps)} inside the "
            "workbook's range (a missing month is never read as zero)"
        )
    for sheet, frame in parts.items():
        got = pd.DatetimeIndex(frame["month"].unique()) if len(frame) else pd.DatetimeIndex([])
        lacking, extra = months.difference(got), got.difference(months)
        if len(lacking) or len(extra):
            what = (
                f"no rows for {format_months(lacking)}"
                if len(lacking)
                else f"rows for {format_months(extra)}, which 'Monthly Count' does not have"
            )
            raise MissingMonthError(f"{name}, sheet {sheet!r}: {what}")

    def expected(fy: int) -> list[str]:
        return ["single_adults"] + [
            d for d, f in FAMILY_FIRST_FY.items() if f <= fy and d != "single_adults"
        ]

    def pairs(frame: pd.DataFrame, column: str) -> set[tuple]:
        return set(zip(frame["month"], frame[column], strict=True))

    region = pairs(parts["Monthly Region"], "region")
    for month in months:
        for reg in REGIONS:
            if (month, reg) not in region:
                raise MissingMonthError(
                    f"{name}, sheet 'Monthly Region': no row for {reg} in {month:%Y-%m}"
                )
    national = pairs(parts["Monthly Family Status"], "demographic")
    sw = parts["Monthly Rgn and Fam Status"]
    southwest = pairs(sw[sw["region"] == "Southwest"], "demographic")
    for month in months:
        for dem in expected(int(fiscal_year(month))):
            for sheet, have in (
                ("Monthly Family Status", national),
                ("Monthly Rgn and Fam Status", southwest),
            ):
                if (month, dem) not in have:
                    where = " Southwest" if sheet != "Monthly Family Status" else ""
                    raise MissingMonthError(
                        f"{name}, sheet {sheet!r}: no{where} row for {dem} in {month:%Y-%m}"
                    )


def _sheet(
    sheet: pd.DataFrame, title: str, dims: list[str], name: str, citizenship=None
) -> pd.DataFrame:
    sheet = sheet.rename(columns=_clean_header)
    required = ["Fiscal Year", "Month", *dims, "Quantity"]
    missing = [c for c in required if c not in sheet.columns]
    if missing:
        raise MissingColumnError(
            f"{name}, sheet {title!r}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"found {', '.join(repr(str(c)) for c in sheet.columns)}"
        )
    # each distinct cell value is converted once (the sheets repeat a few dozen values)
    memo: dict[tuple[str, object], object] = {}

    def once(kind: str, value: object, convert, where: str | None):
        key = (kind, value if not isinstance(value, float) or value == value else "nan")
        if key not in memo:
            try:
                memo[key] = convert(value)
            except Exception as exc:  # DataError subclasses: add the place
                if where is None:
                    raise
                raise type(exc)(f"{where}: {exc}") from None
        return memo[key]

    convert = {  # sheet column -> (tidy column, converter)
        "Region": ("region", canonical_region),
        "Sector": ("sector", canonical_sector),
        "Family Status": ("demographic", canonical_demographic),
        "Citizenship": ("citizenship", citizenship or _citizenship_checker(False)),
    }
    rows = []
    for i, rec in enumerate(sheet[required].itertuples(index=False, name=None), start=2):
        if all(pd.isna(v) for v in rec):
            continue
        where = f"{name}, sheet {title!r}, row {i}"
        values = dict(zip(required, rec, strict=True))
        quantity = values["Quantity"]
        month = (values["Fiscal Year"], values["Month"])
        row = dict.fromkeys(DIMS, ALL) | {
            "month": once("month", month, lambda v, where=where: _month(v[0], v[1], where), None),
            "component": "USBP",
            "count": quantity
            if type(quantity) is int and 0 <= quantity <= MAX_COUNT
            else parse_count(quantity, f"{where}, column 'Quantity'"),
        }
        for dim in dims:
            column, conv = convert[dim]
            row[column] = once(dim, values[dim], conv, f"{where}, column {dim!r}")
        if "Citizenship" in values and row["region"] not in CITIZENSHIP_REGIONS:
            continue
        rows.append(row)
    return pd.DataFrame(rows, columns=["month", *DIMS, "count"])
