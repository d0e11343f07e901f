"""Helpers shared by the source parsers: counts, fiscal months, the tidy columns, validation."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ...errors import BadValueError, DuplicateMonthError, FutureMonthError, MissingColumnError
from ...fiscal import MONTH_NAMES as CALENDAR_MONTHS

COLUMNS = [
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
KEY = ["component", "region", "sector", "demographic", "citizenship", "month"]

MONTH_NAMES = [name.lower() for name in CALENDAR_MONTHS[9:] + CALENDAR_MONTHS[:9]]  # fiscal order
MONTH_ABBR = [m[:3].upper() for m in MONTH_NAMES]

_COUNT = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")


def parse_count(value: object, where: str) -> int:
    """Parse a published count: ``"1,234"``, ``"1234"``, ``1234`` or ``1234.0``.

    ``where`` names the file, row and column for the error message.

    Raises
    ------
    BadValueError
        For a non-numeric, fractional or negative value.
    """
    if isinstance(value, bool):
        raise BadValueError(f"{where}: {value!r} is not a count")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value != value or value != int(value):
            raise BadValueError(f"{where}: {value!r} is not a whole number")
        number = int(value)
    else:
        text = str(value).strip()
        negative = text.startswith("-")
        body = text[1:].strip() if negative else text
        if not _COUNT.match(body):
            raise BadValueError(f"{where}: {text!r} is not a count (expected digits like 1,234)")
        number = -int(body.replace(",", "")) if negative else int(body.replace(",", ""))
    if number < 0:
        raise BadValueError(f"{where}: negative count {number}")
    return number


def fiscal_month_start(fiscal_year: int, fiscal_month: int) -> pd.Timestamp:
    """First day of fiscal month ``fiscal_month`` (Oct = 1) of ``fiscal_year``."""
    year = fiscal_year - 1 if fiscal_month <= 3 else fiscal_year
    month = (fiscal_month + 8) % 12 + 1
    return pd.Timestamp(year=year, month=month, day=1)


def require_columns(columns: list[str], required: list[str], where: str) -> None:
    missing = [c for c in required if c not in columns]
    if missing:
        raise MissingColumnError(
            f"{where}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"found {', '.join(repr(c) for c in columns)}"
        )


def tidy(rows: list[dict] | pd.DataFrame, source: str) -> pd.DataFrame:
    """Rows -> tidy frame with :data:`COLUMNS` in order and fixed dtypes."""
    frame = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows.copy()
    if frame.empty:
        frame = pd.DataFrame(columns=COLUMNS)
    frame["source"] = source
    frame["month"] = pd.to_datetime(frame["month"])
    frame["fiscal_year"] = (frame["month"].dt.year + (frame["month"].dt.month >= 10)).astype(
        "int64"
    )
    frame["count"] = frame["count"].astype("int64")
    for col in ("component", "region", "sector", "demographic", "citizenship", "source"):
        frame[col] = frame[col].astype(object).astype(str)
    return frame[COLUMNS].reset_index(drop=True)


def validate(frame: pd.DataFrame, path: Path | str, today: pd.Timestamp | None = None) -> None:
    """Check a parsed source: no duplicate keys, no negative counts, no future months."""
    name = Path(path).name
    dup = frame.duplicated(KEY, keep=False)
    if dup.any():
        row = frame[dup].iloc[0]
        raise DuplicateMonthError(
            f"{name}: {row['month']:%Y-%m} appears more than once for {row['component']} "
            f"region={row['region']} sector={row['sector']} demographic={row['demographic']} "
            f"citizenship={row['citizenship']}"
        )
    neg = frame["count"] < 0
    if neg.any():
        row = frame[neg].iloc[0]
        raise BadValueError(f"{name}: negative count {row['count']} for {row['month']:%Y-%m}")
    now = (today or pd.Timestamp.today()).to_period("M").to_timestamp()
    future = frame["month"] > now
    if future.any():
        months = sorted(frame.loc[future, "month"].unique())
        raise FutureMonthError(
            f"{name}: holds month(s) after the current month {now:%Y-%m}: "
            + ", ".join(f"{pd.Timestamp(m):%Y-%m}" for m in months[:6])
        )


def zero_fill(
    frame: pd.DataFrame, first: pd.Timestamp | None = None, last: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Add explicit zero rows for months a series is absent from.

    Used for sources that omit combinations with no events: each series is
    filled from ``first`` (default: its own first month) through its own last
    month, or through ``last`` (the file's last month) when the series appears
    in the 12 months before ``last`` (a series silent for longer has ended,
    e.g. a closed sector, and is not extended).
    """
    dims = ["component", "region", "sector", "demographic", "citizenship"]
    parts = []
    for key, group in frame.groupby(dims, sort=True):
        start = first if first is not None else group["month"].min()
        end = group["month"].max()
        if last is not None and end >= last - pd.DateOffset(months=12):
            end = last  # still active: fill to the end of the file
        months = pd.date_range(start, end, freq="MS")
        present = set(group["month"])
        missing = [m for m in months if m not in present]
        if missing:
            fill = pd.DataFrame({"month": missing, "count": 0})
            for d, v in zip(dims, key, strict=True):
                fill[d] = v
            parts.append(fill)
    if not parts:
        return frame
    return pd.concat([frame, *parts], ignore_index=True)
