"""Your own data: read a file of monthly counts, and the long ``unique_id, ds, y`` shape.

:func:`read_series` reads a CSV or Excel file holding one series (a month
column and a count column, any names) or a long panel (an id column too), with
the checks ``borderforecast data update`` applies to official files: counts are
whole non-negative numbers, no month twice for one series, no month in the
future, no gap between a series' first and last month. Every error names the
file, and the row or column at fault.

:func:`from_long` and :func:`to_long` convert between a mapping of monthly
Series and the long frames of the forecasting ecosystem (statsforecast,
mlforecast, utilsforecast): ``unique_id, ds, y`` for data;
``unique_id, ds, <model>, <model>-lo-80, <model>-hi-80, ...`` for forecasts;
the same plus ``cutoff`` (the origin) and ``y`` (the actual) for backtests.

Examples
--------
>>> import pandas as pd
>>> long = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3,
...                      "ds": ["2024-01", "2024-02", "2024-03"] * 2,
...                      "y": [5, 6, 7, 1, 2, 3]})
>>> panel = from_long(long)
>>> sorted(panel), panel["b"].index.freqstr, float(panel["b"].sum())
(['a', 'b'], 'MS', 6.0)
>>> to_long(panel).columns.tolist()
['unique_id', 'ds', 'y']
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    BadValueError,
    DataError,
    DuplicateMonthError,
    FutureMonthError,
    MalformedFileError,
    MissingColumnError,
)
from ..series import as_monthly
from ..series import month as parse_month
from .sources._common import parse_count

__all__ = ["from_long", "is_long", "read_series", "to_long"]

ID_COL, TIME_COL, TARGET_COL = "unique_id", "ds", "y"
"""The ecosystem's default column names (statsforecast's ``id_col, time_col, target_col``)."""
DATE_NAMES = ("ds", "month", "date", "period", "time", "month_start", "yearmonth")
EXCEL = (".xlsx", ".xlsm", ".xls")
_WHOLE_FLOAT = re.compile(r"^-?[\d,]+\.0*$")


def _missing_column(where: str, name: str, columns: list[str], what: str) -> MissingColumnError:
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return MissingColumnError(
        f"{where}: no {what} column {name!r}{hint} (columns: {', '.join(map(repr, columns))})"
    )


def _read_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        if path.suffix.lower() in EXCEL:
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
        else:
            frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (ValueError, KeyError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MalformedFileError(f"{path.name}: cannot be read as a table ({detail})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.dropna(how="all")
    if frame.empty:
        raise MalformedFileError(f"{path.name}: the file holds no rows")
    return frame


def _looks_like_months(values: pd.Series, n: int = 5) -> bool:
    sample = values.dropna().astype(str).head(n)
    if sample.empty:
        return False
    try:
        for v in sample:
            parse_month(v)
    except DataError:
        return False
    return True


def _find_date_col(frame: pd.DataFrame, where: str, exclude: set[str]) -> str:
    cols = [c for c in frame.columns if c not in exclude]
    for c in cols:
        if c.lower() in DATE_NAMES and _looks_like_months(frame[c], 1):
            return c  # named as a month column: bad cells are reported by row
    for c in cols:
        if not pd.api.types.is_numeric_dtype(frame[c]) and _looks_like_months(frame[c]):
            return c
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
        text = frame[c].dropna().astype(str).str.replace(",", "").str.strip()
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


def _months(values: pd.Series, where: str, col: str, rows: np.ndarray) -> list[pd.Timestamp]:
    cache: dict[Any, pd.Timestamp] = {}
    out = []
    for v, row in zip(values, rows, strict=True):
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
            raise BadValueError(f"{where}, row {row}, column {col!r}: empty month")
        if v not in cache:
            try:
                cache[v] = parse_month(v.strip() if isinstance(v, str) else v)
            except DataError:
                raise BadValueError(
                    f"{where}, row {row}, column {col!r}: {v!r} is not a month "
                    "(expected e.g. 2019-08, Aug 2019 or 2019-08-01)"
                ) from None
        out.append(cache[v])
    return out


def _counts(values: pd.Series, where: str, col: str, rows: np.ndarray) -> list[int]:
    out = []
    for v, row in zip(values, rows, strict=True):
        cell = f"{where}, row {row}, column {col!r}"
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
            raise BadValueError(f"{cell}: empty count (fill it or leave the month out)")
        if isinstance(v, str) and _WHOLE_FLOAT.match(v.strip()):
            v = v.strip().split(".")[0]  # "28929.0", as pandas writes a float column
        out.append(parse_count(v, cell))
    return out


def read_series(
    path: str | os.PathLike[str],
    *,
    id_col: str | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    sheet: str | int | None = None,
    today: pd.Timestamp | None = None,
) -> pd.Series | pd.DataFrame:
    """Read a CSV or Excel file of monthly counts.

    Parameters
    ----------
    path : path
        ``.csv`` (or any delimited text pandas reads) or ``.xlsx``.
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
        Excel sheet (default: the first).
    today : Timestamp, optional
        The current month for the future-month check (default: now).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        One series: a float Series on a monthly index (freq ``MS``), named
        after the file (``attrs["series_id"]``). Several ids: the long frame
        ``unique_id, ds, y`` (validated, sorted), for :func:`from_long`,
        :func:`borderforecast.backtest` or :func:`borderforecast.forecast`.

    Raises
    ------
    MissingColumnError
        No month column, no (or several) count columns, an unknown column name.
    BadValueError, DuplicateMonthError, FutureMonthError, MissingMonthError
        A bad cell (the message names the row and column), an (id, month)
        twice, a month after the current one, a gap in a series.
    """
    p = Path(path)
    where = p.name
    frame = _read_table(p, sheet)
    columns = list(frame.columns)
    for name, what in ((id_col, "id"), (date_col, "month"), (value_col, "count")):
        if name is not None and name not in columns:
            raise _missing_column(where, name, columns, what)
    if id_col is None and ID_COL in columns:
        id_col = ID_COL
    taken = {c for c in (id_col,) if c}
    date_col = date_col or _find_date_col(frame, where, taken)
    value_col = value_col or _find_value_col(frame, where, taken | {date_col})
    # file rows as a spreadsheet shows them: the header is row 1
    rows = np.asarray(frame.index) + 2
    months = _months(frame[date_col], where, date_col, rows)
    counts = _counts(frame[value_col], where, value_col, rows)
    ids = (
        frame[id_col].astype(str).str.strip().to_numpy()
        if id_col
        else np.full(len(frame), p.stem, dtype=object)
    )
    long = pd.DataFrame({ID_COL: ids, TIME_COL: months, TARGET_COL: np.asarray(counts, float)})
    long["row"] = rows
    dup = long.duplicated([ID_COL, TIME_COL], keep=False)
    if dup.any():
        first = long[dup].iloc[0]
        same = long[dup & (long[ID_COL] == first[ID_COL]) & (long[TIME_COL] == first[TIME_COL])]
        who = f"id {first[ID_COL]!r}, " if id_col else ""
        raise DuplicateMonthError(
            f"{where}: {who}month {first[TIME_COL]:%Y-%m} appears twice "
            f"(rows {', '.join(map(str, same['row']))})"
        )
    now = (today or pd.Timestamp.now()).to_period("M").to_timestamp()
    future = long[long[TIME_COL] > now]
    if len(future):
        r = future.iloc[0]
        raise FutureMonthError(
            f"{where}, row {r['row']}: month {r[TIME_COL]:%Y-%m} is after the current month "
            f"{now:%Y-%m}"
        )
    long = long.drop(columns="row").sort_values([ID_COL, TIME_COL], kind="stable")
    series = from_long(long, source=where)
    if len(series) == 1:
        ((sid, y),) = series.items()
        y.name = str(sid) if id_col else value_col
        y.attrs.update(series_id=str(sid), source_file=where)
        return y
    return to_long(series)


def is_long(obj: Any, id_col: str = ID_COL, time_col: str = TIME_COL) -> bool:
    """Whether ``obj`` is a long frame (a DataFrame with the id and time columns)."""
    return isinstance(obj, pd.DataFrame) and id_col in obj.columns and time_col in obj.columns


def from_long(
    df: pd.DataFrame,
    *,
    id_col: str = ID_COL,
    time_col: str = TIME_COL,
    target_col: str = TARGET_COL,
    source: str | None = None,
) -> dict[str, pd.Series]:
    """Split a long ``unique_id, ds, y`` frame into validated monthly Series, by id.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per (id, month); the names are those of statsforecast and can
        be overridden as there.
    id_col, time_col, target_col : str
        Column names.
    source : str, optional
        Named in error messages (e.g. the file the frame came from).

    Returns
    -------
    dict of str -> pandas.Series
        In order of first appearance; each passes
        :func:`borderforecast.series.as_monthly`.

    Raises
    ------
    MissingColumnError, DuplicateMonthError, DataError
    """
    where = source or "long frame"
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"{where}: expected a DataFrame with columns {id_col}, {time_col}, "
            f"{target_col}, got {type(df).__name__}"
        )
    columns = [str(c) for c in df.columns]
    for name, what in ((id_col, "id"), (time_col, "month"), (target_col, "value")):
        if name not in columns:
            raise _missing_column(where, name, columns, what)
    if df.empty:
        raise DataError(f"{where}: no rows")
    rows = np.arange(len(df))
    ds = df[time_col]
    months = (
        list(pd.DatetimeIndex(ds).to_period("M").to_timestamp())
        if pd.api.types.is_datetime64_any_dtype(ds)
        else _months(ds, where, time_col, rows)
    )
    work = pd.DataFrame(
        {"id": df[id_col].astype(str).to_numpy(), "ds": months, "y": df[target_col].to_numpy()}
    )
    dup = work.duplicated(["id", "ds"], keep=False)
    if dup.any():
        first = work[dup].iloc[0]
        pos = np.flatnonzero(dup & (work["id"] == first["id"]) & (work["ds"] == first["ds"]))
        raise DuplicateMonthError(
            f"{where}: ({id_col}={first['id']!r}, {time_col}={first['ds']:%Y-%m}) appears twice "
            f"(rows {', '.join(str(i) for i in pos)} counting from 0)"
        )
    out: dict[str, pd.Series] = {}
    for sid, part in work.groupby("id", sort=False):
        s = pd.Series(part["y"].to_numpy(), index=pd.DatetimeIndex(part["ds"]), name=str(sid))
        y = as_monthly(s, name=f"{where}: {sid}" if source else str(sid))
        y.name = str(sid)
        y.attrs["series_id"] = str(sid)
        out[str(sid)] = y
    return out


def _interval_map(columns: list[str]) -> dict[str, str]:
    """``lo80 -> lo-80``, ``hi95 -> hi-95`` (the ecosystem's interval suffixes)."""
    out = {}
    for c in columns:
        if c[:2] in ("lo", "hi") and c[2:].replace(".", "", 1).isdigit():
            out[c] = f"{c[:2]}-{c[2:]}"
    return out


def _forecast_long(
    fc: pd.DataFrame, model: str, uid: str, id_col: str, time_col: str
) -> pd.DataFrame:
    # the point forecast: ``median`` where the frame names it (bf.forecast), else ``mean``
    point = "median" if "median" in fc.columns else "mean"
    cols = [point, *_interval_map(list(fc.columns))]
    out = pd.DataFrame({id_col: uid, time_col: pd.DatetimeIndex(fc.index)})
    for c in cols:
        name = model if c == point else f"{model}-{_interval_map([c])[c]}"
        out[name] = fc[c].to_numpy(dtype=float)
    return out


def _backtest_long(f: pd.DataFrame, id_col: str, time_col: str, target_col: str) -> pd.DataFrame:
    keys = ["series", "target_month", "origin"]
    ivals = _interval_map(list(f.columns))
    wide = f.pivot_table(
        index=keys, columns="model", values=["mean", *ivals], aggfunc="first", sort=True
    )
    out = pd.DataFrame(index=wide.index)
    for m in sorted(f["model"].unique()):
        out[m] = wide[("mean", m)]
        for c, suffix in ivals.items():
            out[f"{m}-{suffix}"] = wide[(c, m)]
    actual = f.drop_duplicates(keys).set_index(keys)["actual"]
    out.insert(0, target_col, actual.reindex(out.index).to_numpy(dtype=float))
    out = out.reset_index().rename(
        columns={"series": id_col, "target_month": time_col, "origin": "cutoff"}
    )
    first = [id_col, time_col, "cutoff", target_col]
    out = out[first + [c for c in out.columns if c not in first]]
    return out.sort_values([id_col, "cutoff", time_col], kind="stable").reset_index(drop=True)


def to_long(
    obj: Any,
    *,
    model: str | None = None,
    unique_id: str | None = None,
    id_col: str = ID_COL,
    time_col: str = TIME_COL,
    target_col: str = TARGET_COL,
) -> pd.DataFrame:
    """Data, forecasts or backtests in the ecosystem's long shape.

    Parameters
    ----------
    obj : Series, mapping of id -> Series, forecast DataFrame or BacktestResult
        * a Series or mapping -> ``unique_id, ds, y``;
        * a forecast frame (``mean, lo80, hi80, ...`` by month, from
          :func:`borderforecast.forecast`) -> ``unique_id, ds, <model>,
          <model>-lo-80, <model>-hi-80, ...``;
        * a :class:`~borderforecast.backtesting.BacktestResult` (or its
          ``forecasts`` frame) -> ``unique_id, ds, cutoff, y, <model>,
          <model>-lo-80, ...``, one column group per model (the calibrated
          intervals).
    model : str, optional
        Model name of a forecast frame (default: ``obj.attrs["model"]``, else
        ``"forecast"``).
    unique_id : str, optional
        Id of a single Series or forecast (default: its ``series_id``, its
        name, or ``"series"``).
    id_col, time_col, target_col : str
        Output column names.

    Examples
    --------
    >>> import borderforecast as bf
    >>> fc = bf.forecast(bf.load(), model="snaive", h=2)
    >>> to_long(fc, model="snaive").columns.tolist()[:5]
    ['unique_id', 'ds', 'snaive', 'snaive-lo-80', 'snaive-hi-80']
    """
    forecasts = getattr(obj, "forecasts", None)
    if isinstance(forecasts, pd.DataFrame):
        obj = forecasts
    if isinstance(obj, pd.DataFrame) and {"origin", "target_month", "model"} <= set(obj.columns):
        return _backtest_long(obj, id_col, time_col, target_col)
    if isinstance(obj, pd.DataFrame) and ({"mean", "median"} & set(obj.columns)):
        name = model or str(obj.attrs.get("model") or "forecast")
        uid = unique_id or str(obj.attrs.get("series_id") or "series")
        return _forecast_long(obj, name, uid, id_col, time_col)
    if isinstance(obj, pd.Series):
        uid = unique_id or str(obj.attrs.get("series_id") or obj.name or "series")
        obj = {uid: obj}
    if isinstance(obj, Mapping):
        parts = []
        for sid, y in obj.items():
            y = as_monthly(y, name=str(sid), allow_nan=True)
            parts.append(
                pd.DataFrame({id_col: str(sid), time_col: y.index, target_col: y.to_numpy()})
            )
        if not parts:
            raise DataError("to_long: no series given")
        return pd.concat(parts, ignore_index=True)
    raise DataError(
        f"to_long takes a Series, a mapping of id -> Series, a forecast frame or a backtest "
        f"result, got {type(obj).__name__}"
    )
