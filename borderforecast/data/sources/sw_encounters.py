"""Parser for CBP's "Southwest Land Border Encounters" CSV (FY22 onward, USBP and OFO).

Columns: ``Fiscal Year`` (``2024`` or ``"2025 (FYTD)"``), ``Month Grouping``,
``Month (abbv)`` (``OCT`` ..), ``Component``, ``Demographic``, ``Citizenship
Grouping`` (El Salvador, Guatemala, Honduras, Mexico, Other), ``Title of
Authority``, ``Encounter Type``, ``Encounter Count``. One row per non-zero
combination; absent combinations are zero.

Output: for each month and component, every combination of demographic
(``all`` and each category) and citizenship group (``all`` and each group),
summed over Title 8 / Title 42 and encounter type, region ``Southwest``,
sector ``all``. Absent citizenship groups are zero (the layout's rule); every
month must hold each demographic of each component in the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

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


def read_rows(path: str | Path) -> Iterator[dict[str, str]]:
    """The CSV's rows as dicts of stripped strings (any line ending, optional BOM), read as
    the file streams: a bad row is reported when it is reached, in memory of a row."""
    path = Path(path)
    lineno, n = 1, 0
    try:
        with open_text(path) as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if not header:
                raise MalformedFileError(f"{path.name}: the file is empty")
            require_columns(header, COLUMNS, path.name)
            for lineno, rec in enumerate(reader, start=2):
                if not any(field.strip() for field in rec):
                    continue
                if len(rec) != len(header):
                    raise MalformedFileError(
                        f"{path.name}, row {lineno}: {len(rec)} fields, the header has "
                        f"{len(header)}"
                    )
                row = {h: v.strip() for h, v in zip(header, rec, strict=True)}
                row["_line"] = str(lineno)
                n += 1
                yield row
    except csv.Error as exc:
        raise MalformedFileError(f"{path.name}: not a valid CSV file ({exc})") from None
    except UnicodeDecodeError as exc:
        raise MalformedFileError(
            f"{path.name}, row {lineno + 1}: not UTF-8 text ({exc.reason})"
        ) from None
    except OSError as exc:
        raise MalformedFileError(f"{path.name}: cannot read the file ({exc})") from None
    if not n:
        raise MalformedFileError(f"{path.name}: no data rows")


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
    """Parse the Southwest Land Border Encounters CSV into tidy rows (source ``"sw_encounters"``).

    Every month inside the file's span must hold rows for every demographic of each
    component the file reports (absent citizenship groups are zero, as the layout
    says; an absent demographic or month is an error, never a zero). Fiscal years
    are four digits from FY2022 (the layout's coverage) to the current FY + 1;
    citizenship groups, titles and encounter types must be the layout's known
    values (``accept_new=True`` accepts a new citizenship group with a warning).

    Raises
    ------
    MalformedFileError, MissingColumnError, BadValueError, DuplicateMonthError,
    FutureMonthError, MissingMonthError, UnknownSeriesError
        With the file, row and column in the message.
    """
    path = Path(path)
    name = path.name
    records = []
    new_groups: set[str] = set()
    fytd: set[int] = set()
    memo: dict[tuple[str, str], object] = {}
    for row in read_rows(path):
        where = f"{name}, row {row['_line']}"
        fy_text = row["Fiscal Year"]
        if ("fy", fy_text) not in memo:
            memo[("fy", fy_text)] = parse_fiscal_year(
                fy_text, f"{where}, column 'Fiscal Year'", fytd_label=True
            )
        fy = int(memo[("fy", fy_text)])  # type: ignore[call-overload]
        if fy_text.endswith("(FYTD)"):
            fytd.add(fy)
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
        if row.get("Month Grouping", "FYTD") not in GROUPINGS:
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
            check_known(
                group,
                CITIZENSHIP_GROUPS,
                "citizenship group",
                f"{where}, column 'Citizenship Grouping'",
                accept_new,
            )
            new_groups.add(group)
            if len(new_groups) > MAX_NEW_GROUPS:
                raise BadValueError(
                    f"{where}, column 'Citizenship Grouping': more than {MAX_NEW_GROUPS} new "
                    "groups; this is not the published layout"
                )
        title = check_known(
            row["Title of Authority"],
            TITLES,
            "title of authority",
            f"{where}, column 'Title of Authority'",
            False,
        )
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
        records.append(
            {
                "month": month,
                "component": component,
                "demographic": demographic,
                "citizenship": group,
                "title": title,
                "type": etype,
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
    check_future(raw["month"], name)  # before the grid is built
    last_fy = int(fiscal_year(raw["month"].max()))
    if fytd and fytd != {last_fy}:
        raise BadValueError(
            f"{name}: 'Fiscal Year' labels FY{min(fytd)} '(FYTD)' (year to date), but the file "
            f"runs to FY{last_fy}: only the last fiscal year of a release can be partial"
        )
    gaps = months.difference(pd.DatetimeIndex(raw["month"].unique()))
    if len(gaps):
        raise MissingMonthError(
            f"{name}: no rows for month(s) {format_months(gaps)} inside the file's range"
        )
    _check_complete(raw, months, name)
    groups = tuple(CITIZENSHIP_GROUPS) + tuple(sorted(new_groups))
    base = raw.groupby(["month", "component", "demographic", "citizenship"], as_index=False)[
        "count"
    ].sum()
    base = _fill(base, months, sorted(set(raw["component"])), groups)
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
    frame["region"] = "Southwest"
    frame["sector"] = ALL
    out = tidy(frame, SOURCE)
    validate(out, path)
    return out


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
