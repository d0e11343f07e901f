"""Parser for the figures transcribed from CBP/DHS and news pages (``cbp_sw_migration_pages.csv``).

One row per figure per page (``fiscal_year, month, component, demographic, count,
source_url, source_title, as_of``). :func:`read` returns every version; :func:`parse` keeps
the one from the latest-dated page per month, component and demographic (a page's date:
its ``as_of``, or the day after its newest month, whichever is later; ties go to official
pages, then to the first URL). The rule is in data/SOURCES.md.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ...errors import BadValueError, MalformedFileError
from ..naming import ALL, canonical_component, canonical_demographic
from ._common import MONTH_ABBR, fiscal_month_start, parse_count, require_columns, tidy, validate

SOURCE = "pages"
COLUMNS = ["fiscal_year", "month", "component", "demographic", "count", "source_url", "as_of"]
OFFICIAL = ("cbp.gov", "dhs.gov")


def read(path: str | Path) -> pd.DataFrame:
    """Every figure of the file with its page: columns month, component, demographic, count,
    source_url, source_title, as_of, page_date."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MalformedFileError(f"{name}: cannot read the file as CSV ({exc})") from None
    if not rows:
        raise MalformedFileError(f"{name}: no data rows")
    require_columns(list(rows[0].keys()), COLUMNS, name)
    records = []
    for lineno, row in enumerate(rows, start=2):
        where = f"{name}, row {lineno}"
        fy = parse_count(row["fiscal_year"], f"{where}, column 'fiscal_year'")
        abbr = (row["month"] or "").strip().upper()[:3]
        if abbr not in MONTH_ABBR:
            raise BadValueError(
                f"{where}, column 'month': {row['month']!r} is not a month (OCT, ...)"
            )
        demo = (row["demographic"] or "").strip()
        try:
            component = canonical_component(row["component"])
            demographic = ALL if demo.lower() == "total" else canonical_demographic(demo)
        except Exception as exc:
            raise type(exc)(f"{where}: {exc}") from None
        as_of = (row.get("as_of") or "").strip()
        try:
            as_of_ts = pd.Timestamp(as_of) if as_of else pd.NaT
        except ValueError:
            raise BadValueError(f"{where}, column 'as_of': {as_of!r} is not a date") from None
        records.append(
            {
                "month": fiscal_month_start(fy, MONTH_ABBR.index(abbr) + 1),
                "component": component,
                "demographic": demographic,
                "count": parse_count(row["count"], f"{where}, column 'count'"),
                "source_url": (row["source_url"] or "").strip(),
                "source_title": (row.get("source_title") or "").strip(),
                "as_of": as_of_ts,
            }
        )
    frame = pd.DataFrame(records)
    last = frame.groupby("source_url")["month"].transform("max") + pd.offsets.MonthBegin(1)
    frame["page_date"] = pd.concat([last, frame["as_of"]], axis=1).max(axis=1)
    return frame


def parse(path: str | Path) -> pd.DataFrame:
    """Latest version of each figure as tidy rows (source ``"pages"``, region Southwest)."""
    frame = read(path)
    official = frame["source_url"].str.contains("|".join(OFFICIAL), regex=True)
    frame = frame.assign(_unofficial=~official).sort_values(
        ["page_date", "_unofficial", "source_url"], ascending=[False, True, True], kind="stable"
    )
    latest = frame.drop_duplicates(["month", "component", "demographic"], keep="first")
    latest = latest.assign(region="Southwest", sector=ALL, citizenship=ALL)
    out = tidy(latest, SOURCE)
    validate(out, path)
    return out
