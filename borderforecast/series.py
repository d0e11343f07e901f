"""Validate and normalise a monthly count series.

A *series* in borderforecast is a :class:`pandas.Series` of non-negative
counts on a monthly ``DatetimeIndex`` (first of month, ``freq="MS"``), with no
missing or duplicate months. :func:`as_monthly` turns what users commonly have
(a Series with month-end or mid-month dates, a PeriodIndex, strings) into
that, and raises a :class:`~borderforecast.errors.DataError` naming the
problem otherwise. Nothing is ever dropped or filled silently.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .errors import (
    BadValueError,
    DataError,
    DuplicateMonthError,
    MissingMonthError,
    ShortSeriesError,
)

MIN_HISTORY = 36
"""Default minimum number of months a model needs (three seasonal cycles)."""
ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _month_index(index: pd.Index, name: str) -> pd.DatetimeIndex:
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    if not isinstance(index, pd.DatetimeIndex) and (
        pd.api.types.is_integer_dtype(index.dtype) or pd.api.types.is_float_dtype(index.dtype)
    ):
        sample = ", ".join(str(v) for v in index[:3])
        raise DataError(
            f"series {name!r}: the index holds numbers ({sample}, ...), not months; give the "
            "Series a monthly DatetimeIndex or PeriodIndex (e.g. y.index = "
            "pd.period_range('2019-01', periods=len(y), freq='M')) or read the file with "
            "borderforecast.read_series"
        )
    if isinstance(index, pd.DatetimeIndex):
        dt = index
    else:
        try:
            dt = pd.DatetimeIndex([month(v) for v in index])
        except DataError as exc:
            raise DataError(f"series {name!r}: index is not made of months ({exc})") from None
    if dt.tz is not None:
        dt = dt.tz_localize(None)
    return dt.to_period("M").to_timestamp(how="start")


def format_months(months: pd.DatetimeIndex | list[pd.Timestamp], limit: int = 6) -> str:
    """Format months as ``YYYY-MM``, abbreviating long lists."""
    items = [pd.Timestamp(m).strftime("%Y-%m") for m in months]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f", ... ({len(items)} in all)"
    return ", ".join(items)


def is_bundled(y: Any) -> bool:
    """Whether ``y`` is one of the package's bundled border series (``load`` sets its
    ``attrs["sources"]``): they speak fiscal years (Oct-Sep), any other series calendar years."""
    return "sources" in getattr(y, "attrs", {})


def as_monthly(
    y: pd.Series,
    *,
    min_length: int = 1,
    allow_nan: bool = False,
    name: str | None = None,
) -> pd.Series:
    """Return ``y`` as a float Series on a gap-free monthly index (freq ``MS``).

    Parameters
    ----------
    y : pandas.Series
        Counts indexed by month (datetimes of any day in the month, or a
        monthly PeriodIndex).
    min_length : int
        Minimum number of months; shorter series raise
        :class:`~borderforecast.errors.ShortSeriesError`.
    allow_nan : bool
        Whether missing values (NaN) are allowed.
    name : str, optional
        Name used in error messages (defaults to ``y.name``).

    Raises
    ------
    DataError
        On a non-date index, duplicate or missing months, NaN values (unless
        allowed), negative or non-numeric values, or too few months.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([3, 4, 5], index=pd.to_datetime(["2020-01-31", "2020-02-29", "2020-03-31"]))
    >>> as_monthly(y).index.freqstr
    'MS'
    """
    if not isinstance(y, pd.Series):
        raise DataError(f"expected a pandas Series of monthly counts, got {type(y).__name__}")
    label = name if name is not None else (y.name if y.name is not None else "series")
    if isinstance(y.name, str):
        check_label(y.name, "series name")
    idx = _month_index(y.index, str(label))
    dup = idx[idx.duplicated()]
    if len(dup):
        per_month = pd.Series(1, index=idx).groupby(level=0).size()
        hint = (
            "; the dates look weekly or daily: sum them to months first (y.resample('MS').sum())"
            if per_month.median() > 1
            else ""
        )
        raise DuplicateMonthError(
            f"series {label!r}: duplicate months {format_months(dup.unique())}{hint}"
        )
    values = pd.to_numeric(pd.Series(np.asarray(y.values), index=idx), errors="coerce")
    bad = values.isna() & pd.Series(np.asarray(y.notna()), index=idx)
    if bad.any():
        first = idx[np.asarray(bad)][0]
        raise BadValueError(
            f"series {label!r}: non-numeric value {y.iloc[int(np.argmax(bad.values))]!r} "
            f"for {first:%Y-%m}"
        )
    out = values.astype(float).sort_index()
    out.name = y.name
    if len(out) == 0:
        raise ShortSeriesError(f"series {label!r} is empty")
    full = pd.date_range(out.index[0], out.index[-1], freq="MS")
    if len(full) != len(out):
        missing = full.difference(out.index)
        raise MissingMonthError(
            f"series {label!r}: missing months {format_months(missing)} "
            "(fill them or cut the series; nothing is filled silently)"
        )
    out.index = pd.DatetimeIndex(full, freq="MS", name=y.index.name or "month")
    if not allow_nan and out.isna().any():
        raise BadValueError(
            f"series {label!r}: missing values (NaN) in {format_months(out.index[out.isna()])}"
        )
    neg = out < 0
    if neg.any():
        raise BadValueError(f"series {label!r}: negative counts in {format_months(out.index[neg])}")
    if not np.isfinite(out.dropna()).all():
        raise BadValueError(f"series {label!r}: infinite values")
    if len(out) < min_length:
        raise ShortSeriesError(
            f"series {label!r} has {len(out)} months; at least {min_length} are needed"
        )
    return out


_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def month(value: str | pd.Timestamp | pd.Period | Any) -> pd.Timestamp:
    """The one month parser of borderforecast: any of these give the first of the month.

    ``"2019-08"``, ``"2019-8"``, ``"2019-08-01"``, ``"2019-08-15"``, ``"Aug 2019"``,
    ``"August 2019"``, ``"2019/08"``, ``"8/2019"``, a :class:`pandas.Timestamp`,
    :class:`pandas.Period`, :class:`datetime.date` or :class:`numpy.datetime64`.
    A string must name a four-digit year and a month (``"June"`` or ``"2019"`` alone is
    refused).

    Raises
    ------
    DataError
        If ``value`` is not a month.

    Examples
    --------
    >>> month("2019-06-15")
    Timestamp('2019-06-01 00:00:00')
    >>> month("Aug 2019") == month("2019-08") == month(pd.Period("2019-08", "M"))
    True
    >>> month("June")
    Traceback (most recent call last):
    ...
    borderforecast.errors.DataError: 'June' is not a month (expected YYYY-MM, e.g. 2019-06)
    """
    if isinstance(value, pd.Period):
        return value.asfreq("M").to_timestamp(how="start")
    bad = DataError(f"{value!r} is not a month (expected YYYY-MM, e.g. 2019-06)")
    if (
        value is None
        or isinstance(value, (bool, int, float, np.integer, np.floating))
        or (isinstance(value, str) and (not _YEAR.search(value) or value.strip().isdigit()))
    ):
        raise bad
    try:
        ts = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise bad from None
    if ts is pd.NaT or not 1800 <= ts.year <= 2200:
        raise bad
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return ts.to_period("M").to_timestamp(how="start")


def check_label(text: Any, where: str) -> str:
    """``text`` as a string, refused if it holds a control character (ESC, newline, ...): a
    series id or name with one would break a Markdown title, a terminal or an SVG figure.

    >>> check_label("a\\nb", "row 3, id")
    Traceback (most recent call last):
    ...
    borderforecast.errors.BadValueError: row 3, id: 'a\\nb' holds a control character ...
    """
    s = str(text)
    if ANY_CONTROL.search(s):
        raise BadValueError(
            f"{where}: {s!r} holds a control character (newline, tab, escape...); "
            "remove it from the file"
        )
    return s
