"""Long frames: the ``unique_id, ds, y`` shape of the forecasting ecosystem, both ways.

:func:`from_long` and :func:`to_long` convert between a mapping of monthly Series and the
long frames of statsforecast, mlforecast and utilsforecast: ``unique_id, ds, y`` for data;
``unique_id, ds, <model>, <model>-lo-80, ...`` for forecasts; the same plus ``cutoff`` and
``y`` for backtests.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, DuplicateMonthError, MissingColumnError
from ..series import as_monthly
from . import cells

__all__ = ["from_long", "to_long"]

ID_COL, TIME_COL, TARGET_COL = "unique_id", "ds", "y"
"""The ecosystem's default column names (statsforecast's ``id_col, time_col, target_col``)."""


def missing_column(where: str, name: str, columns: list[str], what: str) -> MissingColumnError:
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return MissingColumnError(
        f"{where}: no {what} column {name!r}{hint} (columns: {', '.join(map(repr, columns))})"
    )


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
            raise missing_column(where, name, columns, what)
    if df.empty:
        raise DataError(f"{where}: no rows")
    rows = np.arange(len(df))
    ds, months, ids = df[time_col], cells.Months(where, time_col), cells.Ids(where, id_col)
    if pd.api.types.is_datetime64_any_dtype(ds) and not ds.isna().any():
        stamps = pd.DatetimeIndex(ds)
        m = np.asarray(stamps.year * 12 + stamps.month - 1, dtype=np.int32)
    else:
        months.add(ds, rows)
        m = months.result()
    ids.add(df[id_col], rows)
    k = ids.result()
    pos = repeats(k, m)
    if pos is not None:
        raise DuplicateMonthError(
            f"{where}: ({id_col}={ids.names[k[pos[0]]]!r}, {time_col}={stamp(m[pos[0]]):%Y-%m}) "
            f"appears twice (rows {', '.join(str(i) for i in pos)} counting from 0)"
        )
    return split(k, ids.names, m, df[target_col].to_numpy(), where, source is not None)


def repeats(k: np.ndarray, m: np.ndarray) -> np.ndarray | None:
    """Positions of the rows of the first (id code, month ordinal) pair that appears twice
    (first by its first row), or None."""
    key = k.astype(np.int64) * (int(m.max()) - int(m.min()) + 1) + (m - m.min())
    ordered = np.sort(key)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(twice):
        return None
    return np.flatnonzero(key == key[np.argmax(np.isin(key, twice))])


def stamp(ordinal: int) -> pd.Timestamp:
    """The first day of month ``ordinal`` (``year * 12 + month - 1``)."""
    return pd.Timestamp(int(ordinal) // 12, int(ordinal) % 12 + 1, 1)


def split(
    k: np.ndarray,
    names: list[str],
    m: np.ndarray,
    values: np.ndarray,
    where: str,
    named: bool,
    *,
    frame: bool = False,
) -> Any:
    """Rows of (id ``names[k]``, month ordinal ``m``, value; no pair twice) -> Series by id in
    the order of ``names``, checked for the whole panel at once; a series that fails is passed
    to :func:`as_monthly` for its message. With ``frame``, the checked rows as :func:`to_long`
    gives them (by id and month, ``y`` float), without a Series per id. ``k`` and ``m`` are
    sorted in place (memory holds one copy of a big panel)."""
    order = np.lexsort((m, k))
    v = values[order] if values.dtype.kind == "f" else pd.to_numeric(values[order], errors="coerce")
    v = np.asarray(v, dtype=float)
    k[:], m[:] = k[order], m[order]
    start = np.r_[True, k[1:] != k[:-1]]
    bad = ~np.isfinite(v) | (v < 0) | ~(start | (np.diff(m, prepend=m[0]) == 1))
    if bad.any():
        i = k[int(np.argmax(bad))]
        sid, mine = names[i], k == i
        index = pd.DatetimeIndex([stamp(o) for o in m[mine]])
        s = pd.Series(values[order[mine]], index=index, name=sid)
        as_monthly(s, name=f"{where}: {sid}" if named else sid)  # raises, naming it
    del order
    span = pd.date_range(stamp(m.min()), stamp(m.max()), freq="MS", name=TIME_COL)
    m -= m.min()
    at = m  # each month's place in the whole span
    if frame:
        ids = np.asarray(names, dtype=object)[k]
        return pd.DataFrame({ID_COL: ids, TIME_COL: span[at], TARGET_COL: v}, copy=False)
    out: dict[str, pd.Series] = {}
    bounds = np.r_[np.flatnonzero(start), len(k)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        sid = names[k[a]]
        index = span[at[a] : at[a] + b - a]  # a slice keeps freq MS: nothing regenerated
        y = pd.Series(v[a:b], index=index, name=sid)
        y.attrs["series_id"] = sid
        out[sid] = y
    return out


def _interval_map(columns: list[str]) -> dict[str, str]:
    """``lo80 -> lo-80``, ``hi95 -> hi-95`` (the ecosystem's interval suffixes)."""
    return {
        c: f"{c[:2]}-{c[2:]}"
        for c in columns
        if c[:2] in ("lo", "hi") and c[2:].replace(".", "", 1).isdigit()
    }


def _forecast_long(
    fc: pd.DataFrame, model: str, uid: str, id_col: str, time_col: str
) -> pd.DataFrame:
    # the point forecast: ``median``; a frame of an earlier version may name it ``mean``
    point = "median" if "median" in fc.columns else "mean"
    names = {point: model} | {c: f"{model}-{s}" for c, s in _interval_map(list(fc.columns)).items()}
    out = pd.DataFrame({id_col: uid, time_col: pd.DatetimeIndex(fc.index)})
    for c, name in names.items():
        out[name] = fc[c].to_numpy(dtype=float)
    return out.assign(intervals=fc.attrs["intervals"]) if "intervals" in fc.attrs else out


def _backtest_long(f: pd.DataFrame, id_col: str, time_col: str, target_col: str) -> pd.DataFrame:
    keys = ["series", "target_month", "origin"]
    ivals = _interval_map(list(f.columns))
    wide = f.pivot_table(
        index=keys, columns="model", values=["median", *ivals], aggfunc="first", sort=True
    )
    out = pd.DataFrame(index=wide.index)
    for m in sorted(f["model"].unique()):
        out[m] = wide[("median", m)]
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
        * a forecast frame (``median, lo80, hi80, ...`` by month, from
          :func:`borderforecast.forecast`) -> ``unique_id, ds, <model>,
          <model>-lo-80, <model>-hi-80, ..., intervals`` (``calibrated`` or ``raw``);
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
            if not (isinstance(y, pd.Series) and getattr(y.index, "freqstr", None) == "MS"):
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
