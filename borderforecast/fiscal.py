"""U.S. federal fiscal-year helpers (FY = 1 October .. 30 September, named after the year it ends).

FY2019 is October 2018 .. September 2019; fiscal month 1 is October, 12 is
September. Every function accepts a single date (string, ``Timestamp``,
``datetime``) or, vectorised, a ``DatetimeIndex`` / ``Series`` of dates.

Examples
--------
>>> fiscal_year("2018-10-01"), fiscal_month("2018-10-01")
(2019, 1)
>>> fiscal_year(pd.DatetimeIndex(["2019-09-01", "2019-10-01"])).tolist()
[2019, 2020]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError, MissingMonthError
from .series import as_monthly, format_months
from .series import month as parse_month

MONTH_NAMES: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
"""English month names in calendar order: the one table the package uses (not the
locale's names, so parsing and labels never depend on the machine's settings)."""

MONTH_ABBR: tuple[str, ...] = tuple(name[:3] for name in MONTH_NAMES)
"""``Jan`` .. ``Dec``, calendar order."""

FISCAL_MONTH_NAMES: tuple[str, ...] = MONTH_ABBR[9:] + MONTH_ABBR[:9]
"""``Oct`` .. ``Sep``, fiscal order."""

__all__ = [
    "FYTD",
    "fiscal_month",
    "fiscal_month_name",
    "fiscal_quarter",
    "fiscal_year",
    "fiscal_year_months",
    "fiscal_year_start",
    "fiscal_year_totals",
    "fytd",
]


def _dates(value: Any) -> tuple[pd.DatetimeIndex, str]:
    """(dates, kind) with kind 'scalar', 'index' or 'series'."""
    if isinstance(value, pd.Series):
        return pd.DatetimeIndex(pd.to_datetime(value)), "series"
    if isinstance(value, pd.PeriodIndex):
        return value.to_timestamp(how="start"), "index"
    if isinstance(value, (pd.Index, np.ndarray, list, tuple)):
        return pd.DatetimeIndex(pd.to_datetime(value)), "index"
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise DataError(f"{value!r} is not a date") from None
    if ts is pd.NaT:
        raise DataError(f"{value!r} is not a date")
    return pd.DatetimeIndex([ts]), "scalar"


def _per_date(date: Any, rule: Callable[[pd.DatetimeIndex], Any]) -> Any:
    """``rule`` applied to ``date`` (one date, or vectorised), shaped like ``date``."""
    dates, kind = _dates(date)
    values = np.asarray(rule(dates)).astype("int64")
    if kind == "scalar":
        return int(values[0])
    if kind == "series":
        return pd.Series(values, index=date.index, name=date.name)
    return pd.Index(values)


def fiscal_year(date: Any) -> Any:
    """Fiscal year of a date (Oct-Dec belong to the next calendar year's FY).

    Examples
    --------
    >>> fiscal_year("2019-05-01"), fiscal_year("2019-10-15")
    (2019, 2020)
    """
    return _per_date(date, lambda d: d.year + (d.month >= 10))


def year_of(date: Any, fiscal: bool = True) -> Any:
    """:func:`fiscal_year`, or with ``fiscal=False`` the calendar year (a user's series).

    >>> year_of("2019-10-01"), year_of("2019-10-01", fiscal=False)
    (2020, 2019)
    """
    return _per_date(date, lambda d: d.year + (fiscal & (d.month >= 10)))


def year_start(year: int, fiscal: bool = True) -> pd.Timestamp:
    """First day of fiscal year ``year`` (:func:`fiscal_year_start`) or calendar year."""
    return fiscal_year_start(year) if fiscal else pd.Timestamp(int(year), 1, 1)


def fiscal_month(date: Any) -> Any:
    """Fiscal month number: October = 1 .. September = 12.

    Examples
    --------
    >>> fiscal_month("2019-10-01"), fiscal_month("2019-09-30")
    (1, 12)
    """
    return _per_date(date, lambda d: (d.month - 10) % 12 + 1)


def fiscal_quarter(date: Any) -> Any:
    """Fiscal quarter 1..4 (Q1 = Oct-Dec).

    Examples
    --------
    >>> fiscal_quarter("2019-01-15")
    2
    """
    return _per_date(date, lambda d: ((d.month - 10) % 12) // 3 + 1)


def fiscal_month_name(number: int) -> str:
    """Short name of fiscal month ``number`` (1 -> ``"Oct"``).

    Examples
    --------
    >>> fiscal_month_name(1), fiscal_month_name(12)
    ('Oct', 'Sep')
    """
    if not 1 <= int(number) <= 12:
        raise DataError(f"fiscal month must be 1..12 (Oct=1), got {number!r}")
    return FISCAL_MONTH_NAMES[int(number) - 1]


def fiscal_year_start(fy: int) -> pd.Timestamp:
    """First day of fiscal year ``fy``.

    Examples
    --------
    >>> fiscal_year_start(2019).date()
    datetime.date(2018, 10, 1)
    """
    return pd.Timestamp(year=int(fy) - 1, month=10, day=1)


def fiscal_year_months(fy: int) -> pd.DatetimeIndex:
    """The 12 months (first of month, freq ``MS``) of fiscal year ``fy``.

    Examples
    --------
    >>> fiscal_year_months(2019)[[0, -1]].strftime("%Y-%m").tolist()
    ['2018-10', '2019-09']
    """
    return pd.date_range(fiscal_year_start(fy), periods=12, freq="MS")


def fiscal_year_totals(y: pd.Series, *, complete: bool = True) -> pd.Series:
    """Sum a monthly series by fiscal year.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts (see :func:`borderforecast.series.as_monthly`).
    complete : bool
        Keep only fiscal years with all 12 months (default); ``False`` keeps
        partial years too (their totals are fiscal-year-to-date).

    Examples
    --------
    >>> idx = pd.date_range("2018-10-01", periods=14, freq="MS")
    >>> fiscal_year_totals(pd.Series(1, index=idx)).to_dict()
    {2019: 12}
    """
    y = as_monthly(y)
    fy = pd.Index(fiscal_year(y.index), name="fiscal_year")
    totals = y.groupby(fy).sum()
    if complete:
        months = y.groupby(fy).size()
        totals = totals[months == 12]
    if (totals == totals.round()).all():
        totals = totals.astype("int64")
    totals.name = y.name
    return totals


@dataclass(frozen=True)
class FYTD:
    """Fiscal-year-to-date total through a month, against the same months a year earlier.

    Returned by :func:`fytd`; ``pct_change`` is in percent points (25.0 = +25%), the unit
    of every percentage in borderforecast.

    Examples
    --------
    >>> import borderforecast as bf
    >>> f = fytd(bf.load(), "2019-08")
    >>> f.fiscal_year, f.months, int(f.total)
    (2019, 11, 811001)
    """

    fiscal_year: int
    through: pd.Timestamp
    months: int
    total: float
    previous_total: float
    change: float
    pct_change: float
    fiscal: bool = True  # False: a calendar year (``fiscal_year`` is then that year)

    def summary(self) -> str:
        """One line: ``FY2019 through May (8 months): 593,437 vs 252,181 in FY2018 (+135.3%)``."""
        name, fy = self.through.strftime("%b"), "FY" if self.fiscal else ""
        return (
            f"{fy}{self.fiscal_year} through {name} ({self.months} months): {self.total:,.0f} vs "
            f"{self.previous_total:,.0f} in {fy}{self.fiscal_year - 1} ({self.pct_change:+.1f}%)"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values (through as ``YYYY-MM``)."""
        return {**vars(self), "through": self.through.strftime("%Y-%m")}

    def __str__(self) -> str:
        return self.summary()


def fytd(y: pd.Series, month: Any = None, fiscal: bool = True) -> FYTD:
    """Fiscal-year-to-date total through ``month`` and the same months of the previous FY
    (``fiscal=False``: the calendar year to date).

    Parameters
    ----------
    y : pandas.Series
        Monthly counts.
    month : month, optional
        Last month to include (default: the series' last month).

    Returns
    -------
    FYTD
        ``pct_change`` is NaN when the previous total is 0.

    Raises
    ------
    MissingMonthError
        If the series does not cover all months needed.

    Examples
    --------
    >>> idx = pd.date_range("2017-10-01", periods=20, freq="MS")
    >>> r = fytd(pd.Series(range(20), index=idx), "2019-05")
    >>> r.months, r.total, r.previous_total, r.change
    (8, 124.0, 28.0, 96.0)
    """
    y = as_monthly(y)
    end = y.index[-1] if month is None else parse_month(month)
    fy, n = year_of(end, fiscal), (fiscal_month(end) if fiscal else end.month)
    current = pd.date_range(year_start(fy, fiscal), end, freq="MS")
    previous = current - pd.DateOffset(years=1)
    needed = current.append(previous)
    missing = needed.difference(y.index)
    if len(missing):
        raise MissingMonthError(
            f"{'FYTD' if fiscal else 'The year to date'} through {end:%Y-%m} needs months the "
            f"series lacks: {format_months(missing)}"
        )
    total = float(y.loc[current].sum())
    prev = float(y.loc[previous].sum())
    change = total - prev
    pct = 100.0 * change / prev if prev else float("nan")
    return FYTD(fy, end, n, total, prev, change, pct, fiscal)
