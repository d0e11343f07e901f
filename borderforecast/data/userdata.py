"""Your own data: read a file of monthly counts into a Series or a long panel.

:func:`read_series` streams a CSV (a workbook is read whole) through
:mod:`~borderforecast.data.userfile` (kind, encoding, delimiter, sheet) and
:mod:`~borderforecast.data.cells` (months, counts and ids; ambiguity refused, never
guessed), with the checks ``data update`` applies to official files.
"""

from __future__ import annotations

import os
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import (
    BadValueError,
    DuplicateMonthError,
    FutureMonthError,
    MalformedFileError,
    MissingColumnError,
)
from . import cells
from .longform import (
    ID_COL,
    TARGET_COL,
    from_long,
    missing_column,
    repeats,
    split,
    stamp,
    to_long,
)
from .userfile import Reread, Table, blank, read_table

__all__ = ["from_long", "read_series", "to_long"]

DATE_NAMES = ("ds", "month", "date", "period", "time", "month_start", "yearmonth")


def _looks_like_months(values: pd.Series, n: int = 5) -> bool:
    head = values.head(50).to_numpy(dtype=object)
    sample = head[~blank(head)][:n]
    return len(sample) > 0 and all(cells.month_like(v) for v in sample)


def _find_date_col(frame: pd.DataFrame, where: str, exclude: set[str]) -> str:
    cols = [c for c in frame.columns if c not in exclude]
    for c in cols:
        if c.lower() in DATE_NAMES and _looks_like_months(frame[c], 1):
            return c  # named as a month column: bad cells are reported by row
    for c in cols:
        if _looks_like_months(frame[c]):
            return c
    lower = {c.lower(): c for c in cols}
    if "year" in lower and "month" in lower:
        raise MissingColumnError(
            f"{where}: year and month are in separate columns ({lower['year']!r}, "
            f"{lower['month']!r}); put them in one column like 2019-08"
        )
    named = [c for c in cols if c.lower() in DATE_NAMES]
    if named:
        return named[0]  # no column holds months: the named one's bad cells are reported by row
    raise MissingColumnError(
        f"{where}: no month column (none of {', '.join(map(repr, frame.columns))} holds months "
        "like 2019-08 or Aug 2019); name it with date_col= (--date-col)"
    )


def _find_value_col(frame: pd.DataFrame, where: str, exclude: set[str]) -> str:
    cols = [c for c in frame.columns if c not in exclude]
    if TARGET_COL in cols:
        return TARGET_COL
    if len(cols) == 1:
        return cols[0]  # the only column left: bad cells are reported by row
    numeric = []
    for c in cols:
        text = frame[c].head(200).dropna().astype(str).str.replace(r"[,.\s']", "", regex=True)
        if len(text) and pd.to_numeric(text, errors="coerce").notna().mean() > 0.9:
            numeric.append(c)
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise MissingColumnError(
            f"{where}: no count column besides {', '.join(map(repr, sorted(exclude)))}; "
            "name it with value_col= (--value-col)"
        )
    raise MissingColumnError(
        f"{where}: several count columns ({', '.join(map(repr, numeric))}); name one with "
        "value_col= (--value-col), or give id_col= for a long panel"
    )


def read_series(
    path: str | os.PathLike[str],
    *,
    id_col: str | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    sheet: str | int | None = None,
    today: pd.Timestamp | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    date_format: str | None = None,
    delimiter: str | None = None,
) -> pd.Series | pd.DataFrame:
    """Read a CSV or Excel file of monthly counts.

    Parameters
    ----------
    path : path
        ``.csv`` (delimited by ``,`` ``;`` tab or ``|``: sniffed) or ``.xlsx``.
    id_col : str, optional
        The series id column of a long panel (default: ``unique_id`` if
        present, else the file holds one series).
    date_col : str, optional
        The month column (default: ``ds``, ``month``, ``date``... or the first
        column whose values are months, e.g. ``2019-08``, ``Aug 2019``,
        ``2019-08-01``).
    value_col : str, optional
        The count column (default: ``y``, or the only numeric column left).
    sheet : str or int, optional
        Excel sheet; required when the workbook has several.
    today : Timestamp, optional
        The current month for the future-month check (default: now).
    decimal, thousands : {".", ","}, optional
        The separators of the counts, when the file does not settle them
        (``35.000``: 35 or 35,000?); ``thousands="none"`` allows none.
    date_format : str, optional
        The months' format (``"%d/%m/%Y"``, ``"%b-%y"``), when the file does not
        settle it (``01/08/2019``: August or January?).
    delimiter : str, optional
        The CSV delimiter (default: sniffed among ``,`` ``;`` tab ``|``).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        One series: a float Series on a monthly index (freq ``MS``), named
        after the file (``attrs["series_id"]``). Several ids: the long frame
        ``unique_id, ds, y`` (validated, sorted), for :func:`from_long`,
        :func:`borderforecast.backtest` or :func:`borderforecast.forecast`.

    Raises
    ------
    MalformedFileError
        Not a readable table (a folder, binary content, a header naming a column twice...).
    MissingColumnError
        No month column, no (or several) count columns, an unknown column name.
    BadValueError, DuplicateMonthError, FutureMonthError, MissingMonthError
        A bad or ambiguous cell (the message names the row, the column and the
        option that settles it), an (id, month) twice, a month after the current
        one, a gap in a series.
    """
    p, opts = Path(path), {"decimal": decimal, "thousands": thousands, "encoding": None}
    while True:
        try:
            table = read_table(p, sheet=sheet, delimiter=delimiter, encoding=opts["encoding"])
            return _read(table, [id_col, date_col, value_col], today, date_format, opts)
        except Reread as again:  # not UTF-8 after all, or separators settled late
            opts.update(again.args[0])


def _read(
    table: Table,
    named: list[str | None],
    today: pd.Timestamp | None,
    date_format: str | None,
    opts: dict[str, str | None],
) -> pd.Series | pd.DataFrame:
    """:func:`read_series` a chunk at a time: the first chunk names the columns; each is
    checked and reduced to codes as it comes; the checks of the whole file come last."""
    where = table.path.name
    first = next(table.chunks)
    id_col, date_col, value_col = _columns(table, named, first[0])
    if table.sheet is not None:
        _unsaved_formula(table, *first, [c for c in (id_col, date_col, value_col) if c])
    months = cells.Months(where, date_col, date_format)
    counts = cells.Counts(where, value_col, opts["decimal"], opts["thousands"], table.delimiter)
    ids = cells.Ids(where, id_col) if id_col else None
    parts, chunks = [], chain([first], table.chunks)
    del first  # memory holds one chunk
    for frame, rows in chunks:
        months.add(frame[date_col], rows)
        counts.add(frame[value_col], rows)
        if ids is not None:
            ids.add(frame[id_col], rows)
        parts.append(rows.astype(np.int32))
    rows, m, values = np.concatenate(parts), months.result(), counts.result()
    k = ids.result() if ids else np.zeros(len(rows), np.int32)
    names = ids.names if ids else [table.path.stem]
    _check_months(where, names if id_col else None, k, m, rows, today)
    del rows
    perm = np.argsort(np.asarray(names, dtype=object), kind="stable")  # by id, as text
    rank = np.empty(len(perm), np.int32)
    rank[perm] = np.arange(len(perm))
    names = [names[i] for i in perm]
    if len(names) > 1:  # several ids: the checked long frame
        return split(rank[k], names, m, values, where, True, frame=True)
    ((sid, y),) = split(k, names, m, values, where, True).items()
    y.name = sid if id_col else value_col
    y.attrs.update(series_id=sid, source_file=where)
    return y


def _columns(
    table: Table, named: list[str | None], first: pd.DataFrame
) -> tuple[str | None, str, str]:
    """The id, month and count columns: those the caller named, else found in the first chunk."""
    where, columns = table.path.name, table.header
    looks = next((c for c in columns if cells.month_like(c)), None)
    if looks is not None:
        raise MalformedFileError(
            f"{where}: the first row holds data ({looks!r}), not column names; add a header "
            "row such as month,count"
        )
    for name, what in zip(named, ("id", "month", "count"), strict=True):
        if name is not None and name not in columns:
            raise missing_column(where, name, columns, what)
    id_col, date_col, value_col = named
    id_col = id_col or (ID_COL if ID_COL in columns else None)
    taken = {c for c in (id_col,) if c}
    date_col = date_col or _find_date_col(first, where, taken)
    value_col = value_col or _find_value_col(first, where, taken | {date_col})
    return id_col, date_col, value_col


def _check_months(
    where: str, names: list[str] | None, k: np.ndarray, m: np.ndarray, rows: np.ndarray,
    today: pd.Timestamp | None,
) -> None:
    """No (id, month) twice and no month after the current one (``names``: the ids, if any)."""
    same = repeats(k, m)
    if same is not None:
        who = f"id {names[k[same[0]]]!r}, " if names is not None else ""
        hint = "" if names is not None else "; a file of several series needs id_col= (--id-col)"
        raise DuplicateMonthError(
            f"{where}: {who}month {stamp(m[same[0]]):%Y-%m} appears twice "
            f"(rows {', '.join(map(str, rows[same]))}){hint}"
        )
    now = (today or pd.Timestamp.now()).to_period("M").to_timestamp()
    future = m > now.year * 12 + now.month - 1
    if future.any():
        i = int(np.argmax(future))
        raise FutureMonthError(
            f"{where}, row {rows[i]}: month {stamp(m[i]):%Y-%m} is after the current "
            f"month {now:%Y-%m}"
        )


def _unsaved_formula(
    table: Table, frame: pd.DataFrame, rows: np.ndarray, columns: list[str]
) -> None:
    """Refuse the first formula cell of ``columns`` whose value the workbook does not hold
    (never computed and saved by a spreadsheet program)."""
    if table.path.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    wanted = {frame.columns.get_loc(c): c for c in columns}
    empty = {(int(r), i) for i in wanted for r in rows[blank(frame.iloc[:, i])]}
    if not empty:
        return
    import openpyxl

    book = openpyxl.load_workbook(table.path, read_only=True, data_only=False)
    try:
        for row in book[table.sheet].iter_rows():
            for cell in row:
                key = (cell.row, cell.column - 1)
                if key in empty and isinstance(cell.value, str) and cell.value.startswith("="):
                    raise BadValueError(
                        f"{table.path.name}, row {cell.row}, column {wanted[key[1]]!r}: a formula "
                        f"({cell.value[:40]}) with no saved value; open and save the workbook "
                        "in a spreadsheet program, or paste values"
                    )
    finally:
        book.close()
