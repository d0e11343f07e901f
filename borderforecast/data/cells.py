"""Cells of a user's table read as months, counts and ids: wrong is worse than refused.

A column is read as a whole, so that the file itself can settle what a cell alone
cannot. ``35.000`` is 35 (a decimal point) or 35,000 (a thousands point): a value
such as ``1.234.567`` or ``28929.5`` in the same column settles it, as do
``decimal=`` / ``thousands=`` (``--decimal``, ``--thousands``); without any, the
value is refused, naming its row. A comma before three digits is a thousands
separator (the English convention, and that of the official files) unless the
file is semicolon-delimited (the CSV of locales with a decimal comma): then it is
ambiguous too. ``01/08/2019`` is August (day first) or January (month first):
a day above 12 anywhere in the column settles it, and so does a part that never
changes (the day of monthly data); ``date_format=`` (``--date-format``) always
does. A two-digit year is never guessed. An id cell may not be empty nor hold a
control character.

Examples
--------
>>> import numpy as np, pandas as pd
>>> counts(pd.Series(["1.234.567", "35.000"]), "f", "n", np.array([2, 3]))
[1234567, 35000]
>>> [f"{m:%Y-%m}" for m in months(pd.Series(["01/08/2019", "01/09/2019"]), "f", "m",
...                                     np.array([2, 3]))]
['2019-08', '2019-09']
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BadValueError, DataError
from ..series import ANY_CONTROL, check_label
from ..series import month as parse_month
from .sources._common import parse_count

_NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[ T].*)?$")
_SHORT_YEAR = re.compile(
    r"^(?:[A-Za-z]{3,9}\.?[\s\-/']?\d{2}|\d{1,2}[/.\-]\d{2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2})$"
)
_SEPS = {".": r"\.", ",": ","}
_SPACES = ("\u00a0", "\u202f", " ", "'")


def empty(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NaT or str(v).strip() == ""


def _first_empty(values: pd.Series, rows: np.ndarray) -> list[int]:
    """Rows of the empty cells (None, NaN, blank text)."""
    blank = values.isna().to_numpy() | (values == "").to_numpy()  # cells come stripped
    return [int(r) for r in rows[blank]]


def month_like(v: Any) -> bool:
    """Whether a cell looks like a month (or an ambiguous date) rather than something else."""
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year"):
        return True
    text = str(v).strip()
    if _SHORT_YEAR.match(text) or _NUMERIC_DATE.match(text):
        return True
    try:
        parse_month(text)
    except DataError:
        return False
    return True


def _cell(where: str, row: int, col: str) -> str:
    return f"{where}, row {row}, column {col!r}"


def months(
    values: pd.Series,
    where: str,
    col: str,
    rows: np.ndarray,
    date_format: str | None = None,
) -> pd.DatetimeIndex:
    """The month of every cell (first of month), or an error naming the first bad row."""
    cells = values.to_numpy(dtype=object)
    for row in _first_empty(values, rows)[:1]:
        raise BadValueError(f"{_cell(where, row, col)}: empty month")
    codes, uniq = pd.factorize(cells)
    first_row = dict(zip(cells[::-1], rows[::-1], strict=True))
    if date_format:
        parsed = pd.to_datetime(pd.Series(uniq, dtype=object).astype(str), format=date_format,
                                errors="coerce")
        bad = uniq[np.asarray(parsed.isna())]
        if len(bad):
            raise BadValueError(
                f"{_cell(where, first_row[bad[0]], col)}: {bad[0]!r} does not match "
                f"--date-format {date_format!r}"
            )
        found = dict(zip(uniq, parsed.dt.to_period("M").dt.to_timestamp(), strict=True))
    else:
        dayfirst = _day_first(uniq, where, col, first_row)
        found = {v: _one_month(v, dayfirst, _cell(where, first_row[v], col)) for v in uniq}
    return pd.DatetimeIndex([found[u] for u in uniq])[codes]


def _one_month(v: Any, dayfirst: bool | None, cell: str) -> pd.Timestamp:
    text = v.strip() if isinstance(v, str) else v
    if isinstance(text, str):
        m = _NUMERIC_DATE.match(text)
        if m:
            a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
            month = b if dayfirst else a
            if not 1 <= month <= 12:
                raise BadValueError(f"{cell}: {v!r} is not a date")
            return pd.Timestamp(year, month, 1)
        if _SHORT_YEAR.match(text):
            raise BadValueError(
                f"{cell}: {v!r} has a two-digit year; give the format with --date-format "
                "(date_format=), e.g. %b-%y or %m/%d/%y"
            )
        if re.fullmatch(r"\d{4}", text):
            raise BadValueError(
                f"{cell}: {v!r} is a year, not a month; put year and month in one column "
                "like 2019-08"
            )
    try:
        return parse_month(text)
    except DataError:
        raise BadValueError(
            f"{cell}: {v!r} is not a month (expected e.g. 2019-08, Aug 2019 or 2019-08-01)"
        ) from None


def _day_first(uniq: np.ndarray, where: str, col: str, first_row: dict) -> bool | None:
    """Whether ``a/b/yyyy`` dates of a column are day first; None if there are none."""
    parts = []
    for v in uniq:
        m = _NUMERIC_DATE.match(str(v).strip()) if isinstance(v, str) else None
        if m:
            parts.append((int(m.group(1)), int(m.group(3)), v))
    if not parts:
        return None
    a = {p[0] for p in parts}
    b = {p[1] for p in parts}
    if max(a) > 12 and max(b) > 12:
        v = next(p[2] for p in parts if p[1] > 12)
        raise BadValueError(
            f"{_cell(where, first_row[v], col)}: {v!r} and other dates mix day-first and "
            "month-first; give --date-format"
        )
    if max(a) > 12 or (len(a) == 1 and len(b) > 1):
        return True
    if max(b) > 12 or (len(b) == 1 and len(a) > 1):
        return False
    v = parts[0][2]
    raise BadValueError(
        f"{_cell(where, first_row[v], col)}: {v!r} may be day first or month first; give "
        "--date-format %d/%m/%Y or %m/%d/%Y (date_format=)"
    )


def counts(
    values: pd.Series,
    where: str,
    col: str,
    rows: np.ndarray,
    decimal: str | None = None,
    thousands: str | None = None,
    delimiter: str | None = None,
) -> list[int]:
    """Every cell as a whole non-negative count, or an error naming the first bad row."""
    cells = values.to_numpy(dtype=object)
    for row in _first_empty(values, rows)[:1]:
        raise BadValueError(
            f"{_cell(where, row, col)}: empty count (fill it or leave the month out)"
        )
    for name, given in (("--decimal", decimal), ("--thousands", thousands)):
        if given not in (None, ".", ",", "", "none"):
            raise BadValueError(f"{name} must be '.' or ',' (or 'none'), not {given!r}")
    if _all_digits(cells):  # plain digits (the common case): no question
        return values.astype(np.int64).tolist()
    uniq = pd.unique(cells)
    first_row = dict(zip(cells[::-1], rows[::-1], strict=True))
    text = [str(v).strip() for v in uniq if isinstance(v, str)]
    dec, thou = _separators(text, decimal, thousands, delimiter, where, col, first_row)
    out = {}
    for v in uniq:
        cell = _cell(where, first_row[v], col)
        value = _plain(v.strip(), dec, thou) if isinstance(v, str) else v
        if isinstance(value, str) and not re.fullmatch(r"-?\d+", value):
            raise BadValueError(f"{cell}: {v.strip()[:40]!r} is not a count (a whole number)")
        out[v] = parse_count(value, cell)
    return [out[v] for v in cells]


_DIGITS = re.compile(r"[0-9]{1,7}(?:,[0-9]{1,7})*")


def _all_digits(cells: np.ndarray) -> bool:
    """Whether every cell is text of 1 to 7 ASCII digits (one regex over the joined cells)."""
    try:
        text = ",".join(cells)
    except TypeError:  # not all text (a workbook's numbers)
        return False
    return text.count(",") == len(cells) - 1 and _DIGITS.fullmatch(text) is not None


def _plain(text: str, dec: str, thou: str) -> str:
    """``text`` with its thousands separators and a zero decimal part removed (what is left
    for :func:`parse_count` to accept or refuse)."""
    sign = "-" if text.startswith("-") else ""
    body = text[len(sign) :]
    for sp in _SPACES:
        if re.fullmatch(r"\d{1,3}(" + re.escape(sp) + r"\d{3})+", body.split(dec)[0]):
            body = body.replace(sp, "", body.count(sp))
    if thou and re.fullmatch(r"\d{1,3}(" + re.escape(thou) + r"\d{3})+(" + re.escape(dec)
                             + r"\d*)?", body):
        body = body.replace(thou, "")
    whole, sep, frac = body.partition(dec)
    if sep and whole.isdigit() and set(frac) <= {"0"}:
        body = whole  # 28929.0: a whole count written as a decimal
    return sign + body


def _separators(
    text: list[str],
    decimal: str | None,
    thousands: str | None,
    delimiter: str | None,
    where: str,
    col: str,
    first_row: dict,
) -> tuple[str, str]:
    """(decimal, thousands) of a column: given, or settled by its values; else refused."""
    role: dict[str, str | None] = {".": None, ",": None}
    if decimal in (".", ","):
        role[decimal] = "decimal"
    if thousands in (".", ","):
        role[thousands] = "thousands"
    for s in ".,":
        other = "," if s == "." else "."
        if role[s] is not None:
            continue
        esc, oesc = _SEPS[s], _SEPS[other]
        as_dec = [t for t in text if re.search(esc + r"(\d{1,2}|\d{4,})$", t)
                  or re.search(oesc + r"\d{3}" + esc + r"\d+$", t)]
        as_thou = [t for t in text if t.count(s) > 1 or re.search(esc + r"\d{3}" + oesc, t)]
        if as_dec and as_thou:
            v = as_thou[0]
            raise BadValueError(
                f"{_cell(where, first_row[v], col)}: {v!r} and {as_dec[0]!r} use {s!r} both "
                "as decimal and thousands separator; give --decimal and --thousands"
            )
        role[s] = "decimal" if as_dec else "thousands" if as_thou else None
    for s, other in ((".", ","), (",", ".")):
        if role[s] is None and role[other] is not None:
            role[s] = "thousands" if role[other] == "decimal" else "decimal"
    if role["."] == role[","] and role["."] is not None:
        raise BadValueError(f"{where}, column {col!r}: '.' and ',' cannot both be {role['.']} "
                            "separators")
    for s in ".,":
        if role[s] is not None:
            continue
        ambiguous = [t for t in text if re.fullmatch(r"-?\d{1,3}" + _SEPS[s] + r"\d{3}", t)]
        if not ambiguous:
            continue
        if s == "," and delimiter != ";":
            role[","] = "thousands"
            continue
        v = ambiguous[0]
        n = v.replace(s, "")
        raise BadValueError(
            f"{_cell(where, first_row[v], col)}: {v!r} could be {int(n) // 1000} or {int(n)}; "
            f"give --thousands {s} or --decimal {s} (thousands=, decimal=)"
        )
    dec = next((s for s in ".," if role[s] == "decimal"), ".")
    thou = next((s for s in ".," if role[s] == "thousands"), "")
    if thousands in ("", "none"):
        thou = ""
    return dec, thou


def ids(values: pd.Series, where: str, col: str, rows: np.ndarray) -> np.ndarray:
    """Every id cell as a stripped string; empty cells and control characters refused."""
    bad = _first_empty(values, rows)
    if bad:
        shown = ", ".join(map(str, bad[:10])) + (f", ... ({len(bad)} in all)" * (len(bad) > 10))
        raise BadValueError(
            f"{where}, column {col!r}: empty id in row{'s' if len(bad) > 1 else ''} {shown}"
            "; fill them (their months would belong to no series)"
        )
    out = values.astype(str).to_numpy(dtype=object)
    for v in sorted(u for u in pd.unique(out) if ANY_CONTROL.search(u)):
        check_label(v, _cell(where, rows[np.argmax(out == v)], col))
    return out
