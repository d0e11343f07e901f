"""Your own data: read a file of monthly counts into a Series or a long panel.

:func:`read_series` reads a CSV or Excel file holding one series (a month
column and a count column, any names) or a long panel (an id column too), with
the checks ``borderforecast data update`` applies to official files: counts are
whole non-negative numbers, no month twice for one series, no month in the
future, no gap between a series' first and last month. The file is read by
:mod:`borderforecast.data.userfile` (kind, encoding, delimiter, sheet) and its
cells by :mod:`borderforecast.data.cells` (ambiguous numbers and dates are
refused, never guessed). Every error names the file, and the row or column at
fault. The long shape of the ecosystem is :mod:`borderforecast.data.longform`.
"""

from __future__ import annotations

import os
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
    TIME_COL,
    from_long,
    missing_column,
    split,
    to_long,
)
from .sources._common import repeated
from .userfile import Table, read_table, unsaved_formula

__all__ = ["from_long", "read_series", "to_long"]

DATE_NAMES = ("ds", "month", "date", "period", "time", "month_start", "yearmonth")


def _looks_like_months(values: pd.Series, n: int = 5) -> bool:
    sample = [v for v in values.head(50) if not cells.empty(v)][:n]
    return bool(sample) and all(cells.month_like(v) for v in sample)


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
    p = Path(path)
    where = p.name
    table = read_table(p, sheet=sheet, delimiter=delimiter)
    frame = table.frame
    columns = list(frame.columns)
    looks = next((c for c in columns if cells.month_like(c)), None)
    if looks is not None:
        raise MalformedFileError(
            f"{where}: the first row holds data ({looks!r}), not column names; add a header "
            "row such as month,count"
        )
    for name, what in ((id_col, "id"), (date_col, "month"), (value_col, "count")):
        if name is not None and name not in columns:
            raise missing_column(where, name, columns, what)
    if id_col is None and ID_COL in columns:
        id_col = ID_COL
    taken = {c for c in (id_col,) if c}
    date_col = date_col or _find_date_col(frame, where, taken)
    value_col = value_col or _find_value_col(frame, where, taken | {date_col})
    unsaved = unsaved_formula(table, [c for c in (id_col, date_col, value_col) if c])
    if unsaved:
        raise BadValueError(f"{where}, {unsaved}")
    rows = table.rows
    months = cells.months(frame[date_col], where, date_col, rows, date_format)
    counts = cells.counts(
        frame[value_col], where, value_col, rows, decimal, thousands, table.delimiter
    )
    ids = (
        cells.ids(frame[id_col], where, id_col, rows)
        if id_col
        else np.full(len(frame), p.stem, dtype=object)
    )
    long = pd.DataFrame({ID_COL: ids, TIME_COL: months, TARGET_COL: np.asarray(counts, float)})
    _check_rows(long, rows, table, bool(id_col), today)
    long = long.sort_values([ID_COL, TIME_COL], kind="stable")
    if long[ID_COL].iat[0] != long[ID_COL].iat[-1]:  # several ids: the checked long frame
        return split(long, where, True, frame=True)
    ((sid, y),) = split(long, where, True).items()
    y.name = str(sid) if id_col else value_col
    y.attrs.update(series_id=str(sid), source_file=where)
    return y


def _check_rows(
    long: pd.DataFrame, rows: np.ndarray, table: Table, has_ids: bool, today: pd.Timestamp | None
) -> None:
    """No (id, month) twice, no month after the current one; errors name the rows."""
    where = table.path.name
    same = repeated(long, [ID_COL, TIME_COL])
    if same is not None:
        i = same[0]
        who = f"id {long[ID_COL].iat[i]!r}, " if has_ids else ""
        raise DuplicateMonthError(
            f"{where}: {who}month {long[TIME_COL].iat[i]:%Y-%m} appears twice "
            f"(rows {', '.join(map(str, rows[same]))})"
        )
    now = (today or pd.Timestamp.now()).to_period("M").to_timestamp()
    future = (long[TIME_COL] > now).to_numpy()
    if future.any():
        i = int(np.argmax(future))
        raise FutureMonthError(
            f"{where}, row {rows[i]}: month {long[TIME_COL].iat[i]:%Y-%m} is after the current "
            f"month {now:%Y-%m}"
        )
