"""Helpers shared by the source parsers: counts, fiscal months, the tidy columns, validation."""

from __future__ import annotations

import re
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import (
    BadValueError,
    DataWarning,
    DuplicateMonthError,
    FutureMonthError,
    MissingColumnError,
)
from ...fiscal import MONTH_NAMES as CALENDAR_MONTHS
from ...fiscal import fiscal_year

DIMS = ["component", "region", "sector", "demographic", "citizenship"]
"""What a series is (its id: :class:`borderforecast.data.naming.SeriesKey`)."""
KEY = [*DIMS, "month"]
COLUMNS = ["month", "fiscal_year", *DIMS, "count", "source"]

MONTH_NAMES = [name.lower() for name in CALENDAR_MONTHS[9:] + CALENDAR_MONTHS[:9]]  # fiscal order
MONTH_ABBR = [m[:3].upper() for m in MONTH_NAMES]

_COUNT = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+$|^[0-9]+$")  # ASCII digits only

MAX_COUNT = 10_000_000
"""Plausibility bound on one published cell: the largest figure of any layout is 1,676,438
(the CBP tables' FY2000 national total); above ten million is a corrupt file or a units
error, refused."""

FIRST_FY = 2000
"""Earliest fiscal year of any layout the package reads (FY2000)."""


def last_fy(today: pd.Timestamp | None = None) -> int:
    """Latest plausible fiscal year in a file: the current fiscal year + 1 (once per row)."""
    t = today or pd.Timestamp.today()
    return t.year + (t.month >= 10) + 1


_YEAR = re.compile(r"^[0-9]{4}$")


def parse_fiscal_year(value: object, where: str, *, fytd_label: bool = False) -> int:
    """A fiscal year written as four ASCII digits, FY2000 .. current FY + 1 (with
    ``fytd_label``, also the Southwest CSV's ``"2025 (FYTD)"``)."""
    if isinstance(value, float) and value == value and value == int(value):
        value = int(value)
    text = str(value).strip()
    if fytd_label and text.endswith("(FYTD)"):
        text = text[: -len("(FYTD)")].strip()
    if isinstance(value, bool) or not _YEAR.match(text):
        raise BadValueError(
            f"{where}: {str(value)!r} is not a fiscal year (four digits like 2024"
            + (', or "2025 (FYTD)")' if fytd_label else ")")
        )
    year = int(text)
    top = last_fy()
    if not FIRST_FY <= year <= top:
        raise BadValueError(
            f"{where}: fiscal year {year} is outside the plausible range FY{FIRST_FY}..FY{top}"
        )
    return year


def check_known(
    value: str, known: tuple[str, ...] | frozenset[str], what: str, where: str, accept: bool
) -> str:
    """``value`` if it is one of ``known``; else an error, or with ``accept`` a DataWarning."""
    if value in known:
        return value
    prefix = f"{where}: " if where else ""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise BadValueError(f"{prefix}{what} {value!r} holds control characters")
    if not accept:
        choices = sorted(known)
        shown = ", ".join(repr(c) for c in choices[:8]) + (", ..." if len(choices) > 8 else "")
        raise BadValueError(
            f"{prefix}unknown {what} {value!r} (known: {shown}); pass --accept-new "
            "(accept_new=True) if the layout really gained this value"
        )
    warnings.warn(f"{prefix}new {what} {value!r} accepted", DataWarning, stacklevel=3)
    return value


def parse_count(value: object, where: str) -> int:
    """A published count: ``"1,234"``, ``"1234"``, ``1234`` or ``1234.0``; anything else
    (fractional, negative, above :data:`MAX_COUNT`) is refused naming ``where``."""
    if isinstance(value, bool):
        raise BadValueError(f"{where}: {value!r} is not a count")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise BadValueError(f"{where}: {value!r} is not a whole number")
        number = int(value)
    else:
        text = str(value).strip()
        negative = text.startswith("-") and _COUNT.match(text[1:].strip()) is not None
        if negative:
            raise BadValueError(f"{where}: negative count {text}")
        if not _COUNT.match(text):
            raise BadValueError(
                f"{where}: {text[:40]!r} is not a count (expected ASCII digits like 1,234)"
            )
        number = int(text.replace(",", ""))
    if number < 0:
        raise BadValueError(f"{where}: negative count {number}")
    if number > MAX_COUNT:
        raise BadValueError(
            f"{where}: count {number:,} is above the plausibility bound {MAX_COUNT:,} "
            "(see borderforecast.data.sources._common.MAX_COUNT)"
        )
    return number


def fiscal_month_start(fiscal_year: int, fiscal_month: int) -> pd.Timestamp:
    """First day of fiscal month ``fiscal_month`` (Oct = 1) of ``fiscal_year`` (once per row)."""
    months = int(fiscal_month) + 8  # from January of the previous calendar year
    return pd.Timestamp(year=int(fiscal_year) - 1 + months // 12, month=months % 12 + 1, day=1)


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
    frame["fiscal_year"] = fiscal_year(frame["month"]).astype("int64")
    frame["count"] = frame["count"].astype("int64")
    for col in (*DIMS, "source"):
        frame[col] = frame[col].astype(object).astype(str)
    return frame[COLUMNS].reset_index(drop=True)


def validate(frame: pd.DataFrame, path: Path | str, today: pd.Timestamp | None = None) -> None:
    """Check a parsed source: no duplicate keys, no negative counts, no future months."""
    name = Path(path).name
    same = repeated(frame, KEY)
    if same is not None:
        row = frame.iloc[same[0]]
        raise DuplicateMonthError(
            f"{name}: {row['month']:%Y-%m} appears more than once for {row['component']} "
            f"region={row['region']} sector={row['sector']} demographic={row['demographic']} "
            f"citizenship={row['citizenship']}"
        )
    neg = frame["count"] < 0
    if neg.any():
        row = frame[neg].iloc[0]
        raise BadValueError(f"{name}: negative count {row['count']} for {row['month']:%Y-%m}")
    check_future(frame["month"], name, today)


def repeated(frame: pd.DataFrame, keys: list[str]) -> np.ndarray | None:
    """Positions of the rows of the first key of ``keys`` that appears twice, or None."""
    dup = frame.duplicated(keys, keep=False).to_numpy()
    if not dup.any():
        return None
    return np.flatnonzero((frame[keys] == frame[keys].iloc[int(np.argmax(dup))]).all(axis=1))


def check_future(months: pd.Series, name: str, today: pd.Timestamp | None = None) -> None:
    """No month after the current calendar month."""
    now = (today or pd.Timestamp.today()).to_period("M").to_timestamp()
    future = months > now
    if future.any():
        found = sorted(pd.Series(months[future]).unique())
        raise FutureMonthError(
            f"{name}: holds month(s) after the current month {now:%Y-%m}: "
            + ", ".join(f"{pd.Timestamp(m):%Y-%m}" for m in found[:6])
        )


def zero_fill(
    frame: pd.DataFrame, first: pd.Timestamp | None = None, last: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Zero rows for the months a series is absent from (sources omit combinations with no
    events): from ``first`` (default its own first month) to its last month, or to ``last``
    when it appears in the 12 months before ``last`` (silent longer: it ended)."""
    parts = []
    for key, group in frame.groupby(DIMS, sort=True):
        start = first if first is not None else group["month"].min()
        end = group["month"].max()
        if last is not None and end >= last - pd.DateOffset(months=12):
            end = last  # still active: fill to the end of the file
        months = pd.date_range(start, end, freq="MS")
        present = set(group["month"])
        missing = [m for m in months if m not in present]
        if missing:
            fill = pd.DataFrame({"month": missing, "count": 0})
            for d, v in zip(DIMS, key, strict=True):
                fill[d] = v
            parts.append(fill)
    if not parts:
        return frame
    return pd.concat([frame, *parts], ignore_index=True)
