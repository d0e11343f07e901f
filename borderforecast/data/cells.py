"""Columns of a user's table read as months, counts and ids, a chunk at a time.

Wrong is worse than refused: what a cell alone cannot settle, its column does, else it is
refused naming its row. ``35.000`` (35 or 35,000?) is settled by a value such as
``1.234.567`` or ``28929.5``, or ``decimal=`` / ``thousands=``; a comma before three digits
is a thousands separator unless the file is semicolon-delimited. ``01/08/2019`` (August or
January?) is settled by a day above 12, a part that never changes, or ``date_format=``. A
two-digit year is never guessed; an id may not be empty nor hold a control character.
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
from .userfile import CHUNK, Reread, blank

_NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[ T].*)?$")
_SHORT_YEAR = re.compile(
    r"^(?:[A-Za-z]{3,9}\.?[\s\-/']?\d{2}|\d{1,2}[/.\-]\d{2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2})$"
)
_SPACES = ("\u00a0", "\u202f", " ", "'")
_EVIDENCE = {  # separator -> (as decimal, as decimal, as thousands, ambiguous)
    s: (re.compile(e + r"(\d{1,2}|\d{4,})$"), re.compile(o + r"\d{3}" + e + r"\d+$"),
        re.compile(e + r"\d{3}" + o), re.compile(r"-?\d{1,3}" + e + r"\d{3}"))
    for s, e, o in ((".", r"\.", ","), (",", ",", r"\."))
}  # fmt: skip


def _firsts(codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The row of each code's first cell (codes from :func:`pandas.factorize`)."""
    return rows[np.unique(codes, return_index=True)[1]]


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


class Months:
    """The month (first of month) of every cell of a column, added a chunk at a time; whether
    ``a/b/yyyy`` dates are day first is settled by the whole column, in :meth:`result`."""

    def __init__(self, where: str, col: str, date_format: str | None = None) -> None:
        self.where, self.col, self.date_format = where, col, date_format
        self.codes: dict[Any, int] = {}
        self.found: list[Any] = []  # by code; None for an a/b/yyyy date until the end
        self.numeric: list[tuple[int, int, Any, int]] = []  # (a, b, cell, row), file order
        self.parts: list[np.ndarray] = []

    def add(self, values: pd.Series, rows: np.ndarray) -> None:
        gap = blank(values)
        if gap.any():
            raise BadValueError(f"{self._at(rows[np.argmax(gap)])}: empty month")
        codes, uniq = pd.factorize(values.to_numpy(dtype=object))
        firsts = _firsts(codes, rows)
        new = [i for i, u in enumerate(uniq) if u not in self.codes]
        if self.date_format:
            text = pd.Series([uniq[i] for i in new], dtype=object).astype(str)
            parsed = pd.to_datetime(text, format=self.date_format, errors="coerce")
            if parsed.isna().any():
                i = new[int(np.argmax(parsed.isna()))]
                raise BadValueError(
                    f"{self._at(firsts[i])}: {uniq[i]!r} does not match --date-format "
                    f"{self.date_format!r}"
                )
            months = list(parsed.dt.to_period("M").dt.to_timestamp())
        else:
            dates = [_NUMERIC_DATE.match(uniq[i].strip()) if isinstance(uniq[i], str) else None
                     for i in new]  # fmt: skip
            self.numeric += [(int(m.group(1)), int(m.group(3)), uniq[i], int(firsts[i]))
                             for i, m in zip(new, dates, strict=True) if m]  # fmt: skip
            late = [n for n in self.numeric if n[1] > 12]
            if late and max(n[0] for n in self.numeric) > 12:
                raise BadValueError(
                    f"{self._at(late[0][3])}: {late[0][2]!r} and other dates mix day-first and "
                    "month-first; give --date-format"
                )
            months = [None if m else _one_month(uniq[i], None, self._at(firsts[i]))
                      for i, m in zip(new, dates, strict=True)]  # fmt: skip
        for i, m in zip(new, months, strict=True):
            self.codes[uniq[i]] = len(self.found)
            self.found.append(m)
        self.parts.append(np.array([self.codes[u] for u in uniq], dtype=np.int32)[codes])

    def _at(self, row: int) -> str:
        return _cell(self.where, row, self.col)

    def result(self) -> np.ndarray:
        """Every cell's month, in file order, as ``year * 12 + month - 1`` (once)."""
        if self.numeric:
            a = {n[0] for n in self.numeric}
            b = {n[1] for n in self.numeric}
            if max(a) > 12 or (len(a) == 1 and len(b) > 1):
                dayfirst = True
            elif max(b) > 12 or (len(b) == 1 and len(a) > 1):
                dayfirst = False
            else:
                _, _, v, row = self.numeric[0]
                raise BadValueError(
                    f"{self._at(row)}: {v!r} may be day first or month first; give "
                    "--date-format %d/%m/%Y or %m/%d/%Y (date_format=)"
                )
            for _, _, v, row in self.numeric:
                self.found[self.codes[v]] = _one_month(v, dayfirst, self._at(row))
        ordinals = np.array([t.year * 12 + t.month - 1 for t in self.found], dtype=np.int32)
        return ordinals[_drain(self.parts)]


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


class Counts:
    """Every cell of a column as a whole non-negative count, added a chunk at a time. Until
    the column's values settle the separators, chunks are read under those the end of the file
    would choose; if it settles others, :meth:`result` raises ``userfile.Reread``."""

    def __init__(
        self,
        where: str,
        col: str,
        decimal: str | None = None,
        thousands: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        for name, given in (("--decimal", decimal), ("--thousands", thousands)):
            if given not in (None, ".", ",", "", "none"):
                raise BadValueError(f"{name} must be '.' or ',' (or 'none'), not {given!r}")
        self.where, self.col, self.delimiter = where, col, delimiter
        self.given = {s: r for s, r in ((decimal, "decimal"), (thousands, "thousands"))
                      if s in (".", ",")}  # fmt: skip
        self.none = thousands in ("", "none")
        self.guess = (".", "" if delimiter == ";" or self.none else ",")
        self.seen: dict[str, dict[str, tuple[str, int]]] = {"dec": {}, "thou": {}, "amb": {}}
        self.guessed = False
        self.doubt: tuple[str, int] | None = None  # the first cell refused under the guess
        self.parts: list[np.ndarray] = []

    def add(self, values: pd.Series, rows: np.ndarray) -> None:
        gap = blank(values)
        if gap.any():
            raise BadValueError(
                f"{_cell(self.where, rows[np.argmax(gap)], self.col)}: empty count (fill it "
                "in: every month from the first to the last needs one)"
            )
        cells = values.to_numpy(dtype=object)
        if _all_digits(cells):  # plain digits (the common case): no question
            self.parts.append(cells.astype(np.int64).astype(np.float32))
            return
        codes, uniq = pd.factorize(cells)
        firsts = _firsts(codes, rows)
        self._learn(uniq, firsts)
        roles = self._roles()
        out = np.empty(len(uniq), np.float32)  # exact: counts are below MAX_COUNT < 2**24
        for i, v in enumerate(uniq):
            cell = _cell(self.where, firsts[i], self.col)
            try:
                out[i] = _count(v, *(roles or self.guess), cell)
            except BadValueError:
                if roles is not None or not (isinstance(v, str) and ("." in v or "," in v)):
                    raise
                out[i] = np.nan
                self.doubt = self.doubt or (v, int(firsts[i]))
            if roles is None and isinstance(v, str) and ("." in v or "," in v):
                self.guessed = True
        self.parts.append(out[codes])

    def _learn(self, uniq: np.ndarray, firsts: np.ndarray) -> None:
        for v, row in zip(uniq, firsts, strict=True):
            if isinstance(v, str) and ("." in v or "," in v):
                t = v.strip()
                for s, (dec1, dec2, thou, amb) in _EVIDENCE.items():
                    if dec1.search(t) or dec2.search(t):
                        self.seen["dec"].setdefault(s, (t, int(row)))
                    if t.count(s) > 1 or thou.search(t):
                        self.seen["thou"].setdefault(s, (t, int(row)))
                    if amb.fullmatch(t):
                        self.seen["amb"].setdefault(s, (t, int(row)))
        for s in ".,":
            if s not in self.given and s in self.seen["dec"] and s in self.seen["thou"]:
                (v, row), (d, _) = self.seen["thou"][s], self.seen["dec"][s]
                raise BadValueError(
                    f"{_cell(self.where, row, self.col)}: {v!r} and {d!r} use {s!r} both "
                    "as decimal and thousands separator; give --decimal and --thousands"
                )

    def _roles(self) -> tuple[str, str] | None:
        """(decimal, thousands) as given or settled so far; None while nothing settles them."""
        role: dict[str, str | None] = {
            s: self.given.get(s) or ("decimal" if s in self.seen["dec"] else
                                     "thousands" if s in self.seen["thou"] else None)
            for s in ".,"
        }  # fmt: skip
        for s, other in ((".", ","), (",", ".")):
            if role[s] is None and role[other] is not None:
                role[s] = "thousands" if role[other] == "decimal" else "decimal"
        if role["."] is None:
            return None
        if role["."] == role[","]:
            raise BadValueError(
                f"{self.where}, column {self.col!r}: '.' and ',' cannot both be {role['.']} "
                "separators"
            )
        dec, thou = (".", ",") if role["."] == "decimal" else (",", ".")
        return dec, "" if self.none else thou

    def result(self) -> np.ndarray:
        """Every cell's count, in file order (once)."""
        roles = self._roles()
        if roles is None:
            for s, (v, row) in self.seen["amb"].items():
                if s == "." or self.delimiter == ";":
                    n = v.replace(s, "")
                    raise BadValueError(
                        f"{_cell(self.where, row, self.col)}: {v!r} could be {int(n) // 1000} "
                        f"or {int(n)}; give --thousands {s} or --decimal {s} (thousands=, "
                        "decimal=)"
                    )
            roles = self.guess
        if self.guessed and roles != self.guess:
            raise Reread({"decimal": roles[0], "thousands": roles[1]})
        if self.doubt is not None:
            _count(self.doubt[0], *roles, _cell(self.where, self.doubt[1], self.col))
        return _drain(self.parts)


def _drain(parts: list[np.ndarray]) -> np.ndarray:
    """The parts of a column as one array; the parts list is emptied (memory holds one copy)."""
    out = np.concatenate(parts)
    parts.clear()
    return out


def _count(v: Any, dec: str, thou: str, cell: str) -> int:
    value = _plain(v.strip(), dec, thou) if isinstance(v, str) else v
    if isinstance(value, str) and not re.fullmatch(r"-?\d+", value):
        raise BadValueError(f"{cell}: {v.strip()[:40]!r} is not a count (a whole number; "
                            "measurements go to bf.forecast as a pandas Series)")
    return parse_count(value, cell)


_DIGITS = re.compile(r"[0-9]{1,7}(?:,[0-9]{1,7})*")


def _all_digits(cells: np.ndarray) -> bool:
    """Whether every cell is text of 1 to 7 ASCII digits (one regex over the joined cells)."""
    try:
        text = ",".join(cells)
    except TypeError:  # not all text (a workbook's numbers)
        return False
    return text.count(",") == len(cells) - 1 and _DIGITS.fullmatch(text) is not None


def _plain(text: str, dec: str, thou: str) -> str:
    """``text`` without its thousands separators and a zero decimal part (what is left for
    :func:`parse_count` to accept or refuse)."""
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


class Ids:
    """Every id cell of a column as a string, added a chunk at a time; empty cells and
    control characters refused."""

    def __init__(self, where: str, col: str) -> None:
        self.where, self.col = where, col
        self.codes: dict[str, int] = {}
        self.parts: list[np.ndarray] = []

    def add(self, values: pd.Series, rows: np.ndarray) -> None:
        bad = rows[blank(values)]
        if len(bad):
            more = "in all" if rows[-1] < CHUNK else f"in rows up to {rows[-1]}"
            shown = ", ".join(map(str, bad[:10])) + (f", ... ({len(bad)} {more})"
                                                     * (len(bad) > 10))  # fmt: skip
            raise BadValueError(
                f"{self.where}, column {self.col!r}: empty id in "
                f"row{'s' if len(bad) > 1 else ''} {shown}; fill them (their months would "
                "belong to no series)"
            )
        out = values.astype(str).to_numpy(dtype=object)
        codes, uniq = pd.factorize(out)
        new = [u for u in uniq if u not in self.codes]
        for v in sorted(u for u in new if ANY_CONTROL.search(u)):
            check_label(v, _cell(self.where, rows[np.argmax(out == v)], self.col))
        for u in new:
            self.codes[u] = len(self.codes)
        self.parts.append(np.array([self.codes[u] for u in uniq], dtype=np.int32)[codes])

    @property
    def names(self) -> list[str]:
        return list(self.codes)

    def result(self) -> np.ndarray:
        """Every cell's id as its place in :attr:`names` (order of first appearance; once)."""
        return _drain(self.parts)
