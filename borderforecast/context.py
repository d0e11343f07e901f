"""Context facts for one month: the numbers journalists quote (value, changes, ranks among the
same calendar month, "highest August since 2007", fiscal year to date, named earlier months).

Plain arithmetic on the series, looking back from the month; the conventions are in the
quickstart guide. Percent changes are in percent points; a missing month gives ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import BorderforecastError, DataError
from .fiscal import FYTD, fytd, year_of, year_start
from .series import as_monthly, is_bundled
from .series import month as parse_month

PRE_PANDEMIC_YEAR = 2019
"""Calendar year used as the default "same month before the pandemic" comparison."""


@dataclass(frozen=True)
class Change:
    """A change from an earlier value: absolute difference and percent."""

    absolute: float
    percent: float  # NaN when the earlier value is 0

    @classmethod
    def between(cls, new: float, old: float) -> Change:
        return cls(new - old, 100.0 * (new / old - 1.0) if old else float("nan"))

    def to_dict(self) -> dict[str, float | None]:
        return {"absolute": self.absolute,
                "percent": self.percent if np.isfinite(self.percent) else None}


@dataclass(frozen=True)
class Comparison:
    """The month against a named earlier month."""

    label: str
    month: pd.Timestamp
    value: float
    change: Change  # the month's value relative to this one

    def to_dict(self) -> dict[str, Any]:
        return {**vars(self), "month": f"{self.month:%Y-%m}", "change": self.change.to_dict()}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _num(v: float) -> str:
    return f"{v:,.0f}"


def _pct(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:+,.1f}%"


@dataclass(frozen=True, repr=False)
class MonthContext:
    """Facts about one month of a series, returned by :func:`context`.

    Examples
    --------
    >>> c = context("2019-05")
    >>> c.rank_among_same_month, c.n_years, c.highest_since
    (2, 20, 'highest May since 2000')
    >>> c.sentences()[0]
    'USBP Southwest border, monthly encounters: 132,856 in May 2019.'
    """

    series: str
    month: pd.Timestamp
    value: float
    previous: float | None
    change_vs_previous: Change | None
    year_ago: float | None
    change_vs_year_ago: Change | None
    rank_among_same_month: int
    n_years: int
    first_year: int
    rank_all_years: int
    n_years_all: int
    highest_since: str | None
    lowest_since: str | None
    highest_month_since: str | None
    lowest_month_since: str | None
    fytd: FYTD | None
    comparisons: tuple[Comparison, ...]
    same_month: pd.Series = field(compare=False)
    """Values of this calendar month by year (up to and including the month)."""

    @property
    def month_name(self) -> str:
        return self.month.strftime("%B")

    def __repr__(self) -> str:
        return f"<MonthContext {self.series} {self.month:%Y-%m}: {self.value:,.0f}>"

    def sentences(self) -> list[str]:
        """Plain-language sentences, one fact each."""
        m = self.month
        out = [f"{self.series}: {_num(self.value)} in {m:%B %Y}."]
        p = m - pd.DateOffset(months=1)
        for c, old, when in (
            (self.change_vs_previous, self.previous, f"{p:%B %Y}"),
            (self.change_vs_year_ago, self.year_ago, f"{self.month_name} {m.year - 1}"),
        ):
            if c is not None and old is not None:
                word = "Up" if c.absolute > 0 else "Down" if c.absolute < 0 else "Unchanged"
                out.append(
                    f"{word} {_num(abs(c.absolute))} ({_pct(c.percent)}) from {when} ({_num(old)})."
                )
        r, n = self.rank_among_same_month, self.n_years
        low = int((self.same_month < self.value).sum()) + 1
        if min(r, low) <= 5:  # a rank is news only near either end ("20th-highest" is not)
            side, k = ("highest", r) if r <= low else ("lowest", low)
            span = f"{self.first_year}-{m.year}"
            if n < m.year - self.first_year + 1:
                span += ", years without data left out"
            which = side if k == 1 else f"{_ordinal(k)}-{side}"
            out.append(f"It is the {which} {self.month_name} of the {n} on record ({span}).")
        for phrase in (self.highest_since, self.lowest_since,
                       self.highest_month_since, self.lowest_month_since):  # fmt: skip
            if phrase and not (phrase.endswith(f"{self.month_name} on record") and r in (1, n)):
                out.append(f"It is the {phrase}.")
        if self.fytd is not None:
            f, fy = self.fytd, "FY" if self.fytd.fiscal else ""
            out.append(
                f"{'Fiscal year' if f.fiscal else 'Year'} {f.fiscal_year} to date ({f.months} "
                f"months through {f.through:%B}): {_num(f.total)}, {_pct(f.pct_change)} vs "
                f"{_num(f.previous_total)} in the same months of {fy}{f.fiscal_year - 1}."
            )
        for cmp in self.comparisons:
            when = f"{cmp.month:%B %Y}"
            ref = _num(cmp.value) if cmp.label.startswith(when) else f"{when}, {_num(cmp.value)}"
            out.append(f"Against {cmp.label} ({ref}): {_pct(cmp.change.percent)}.")
        return out

    def summary(self) -> str:
        """The sentences as one paragraph per line."""
        return "\n".join(self.sentences())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary of every fact (and the sentences)."""
        out = {k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in vars(self).items()}
        del out["same_month"]
        out["month"] = self.month.strftime("%Y-%m")
        out["comparisons"] = [c.to_dict() for c in self.comparisons]
        out["sentences"] = self.sentences()
        return out

    def to_frame(self) -> pd.DataFrame:
        """The same calendar month across years: value and rank (1 = highest)."""
        s = self.same_month
        return pd.DataFrame({"value": s, "rank": s.rank(ascending=False, method="min").astype(int)})


def _value(y: pd.Series, m: pd.Timestamp) -> float | None:
    if m not in y.index:
        return None
    v = y.loc[m]
    return None if pd.isna(v) else float(v)


def since_phrase(same: pd.Series, year: int, name: str, *, highest: bool) -> str | None:
    """The "highest/lowest <month> since <year>" phrase from one calendar month's values by
    year (``same``; NaN = no data): ``None`` when the month does not beat the previous year.

    Examples
    --------
    >>> s = pd.Series([5, 9, 3, 4, 7], index=[2001, 2002, 2003, 2004, 2005])
    >>> since_phrase(s, 2005, "August", highest=True)
    'highest August since 2002'
    >>> since_phrase(s, 2003, "August", highest=False)
    'lowest August on record'
    """
    word = "highest" if highest else "lowest"
    found = _last_as_extreme(same.dropna(), year, highest)
    if found is None:
        return None  # no earlier year, or it does not even beat the previous year on record
    return f"{word} {name} on record" if found is _RECORD else f"{word} {name} since {found}"


def month_since_phrase(y: pd.Series, m: pd.Timestamp, *, highest: bool) -> str | None:
    """The "highest/lowest month since <Month YYYY>" phrase, over earlier months of any kind
    (``None`` when the month does not beat the month before it; NaN months left out).

    Examples
    --------
    >>> idx = pd.date_range("2020-01-01", periods=5, freq="MS")
    >>> y = pd.Series([9, 4, 5, 3, 6], index=idx)
    >>> month_since_phrase(y, idx[4], highest=True)
    'highest month since January 2020'
    >>> month_since_phrase(y, idx[3], highest=False)
    'lowest month on record'
    """
    s = y[y.index <= m].dropna()
    if m not in s.index:
        return None
    word = "highest" if highest else "lowest"
    found = _last_as_extreme(s, m, highest)
    if found is None:
        return None
    if found is _RECORD:
        return f"{word} month on record"
    return f"{word} month since {pd.Timestamp(found):%B %Y}"


_RECORD = object()  # no earlier value was as extreme


def _last_as_extreme(s: pd.Series, key: Any, highest: bool) -> Any:
    """The latest index before ``key`` whose value was at least as extreme as ``s[key]``;
    :data:`_RECORD` when none was; ``None`` when there is none earlier or it is the previous."""
    current = float(s.loc[key])
    earlier = s[s.index < key]
    if earlier.empty:
        return None
    beaten = earlier >= current if highest else earlier <= current
    if not beaten.any():
        return _RECORD
    last = earlier.index[np.asarray(beaten)][-1]
    return None if last == earlier.index[-1] else last


def context(
    month: str | pd.Timestamp,
    y: pd.Series | None = None,
    *,
    series: str | None = None,
    compare: Sequence[str | pd.Timestamp] | Mapping[str, str | pd.Timestamp] | None = None,
) -> MonthContext:
    """Facts about one month of a series.

    Parameters
    ----------
    month : str or Timestamp
        The month (``"2019-08"``).
    y : pandas.Series, optional
        Monthly counts (NaN allowed for months without data). Default: the
        series named by ``series``, or USBP Southwest border encounters.
    series : str, optional
        A series id for :func:`borderforecast.load` (``"usbp+ofo"``,
        ``"sector/tucson"``, ...); not together with ``y``.
    compare : list of months or dict label -> month, optional
        Extra earlier months to compare with (added to the record high, the fiscal
        year's high so far and, for border data from :func:`borderforecast.load` (its
        ``sources`` attribute), the same month of 2019, before the pandemic).

    Returns
    -------
    MonthContext

    Examples
    --------
    >>> from borderforecast.context import context
    >>> c = context("2019-08")
    >>> c.value, round(c.change_vs_previous.percent, 1), c.n_years
    (50684.0, -29.6, 20)
    """
    ys, name = _series(y, series)
    m = parse_month(month)
    value = _value(ys, m)
    if value is None:
        have = ys.dropna()
        raise DataError(
            f"series {name!r} has no value for {m:%Y-%m} (data from {have.index[0]:%Y-%m} "
            f"to {have.index[-1]:%Y-%m})"
        )
    prev_m, year_m = m - pd.DateOffset(months=1), m - pd.DateOffset(years=1)
    previous, year_ago = _value(ys, prev_m), _value(ys, year_m)

    same_all = ys[ys.index.month == m.month].dropna()
    same_all.index = pd.Index(same_all.index.year, name="year")
    same = same_all[same_all.index <= m.year]
    mname = m.strftime("%B")

    border = y is None or is_bundled(y)  # fiscal years for the border series, else calendar
    start = year_start(year_of(m, border) - 1, border)  # this year and the one before
    try:
        fy_td: FYTD | None = fytd(ys[(ys.index >= start) & (ys.index <= m)], m, fiscal=border)
    except BorderforecastError:
        fy_td = None

    comps = _comparisons(ys, m, value, compare, border)
    return MonthContext(
        series=name, month=m, value=value, previous=previous,
        change_vs_previous=None if previous is None else Change.between(value, previous),
        year_ago=year_ago,
        change_vs_year_ago=None if year_ago is None else Change.between(value, year_ago),
        rank_among_same_month=int((same > value).sum()) + 1, n_years=int(len(same)),
        first_year=int(same.index[0]), rank_all_years=int((same_all > value).sum()) + 1,
        n_years_all=int(len(same_all)),
        highest_since=since_phrase(same, m.year, mname, highest=True),
        lowest_since=since_phrase(same, m.year, mname, highest=False),
        highest_month_since=month_since_phrase(ys, m, highest=True),
        lowest_month_since=month_since_phrase(ys, m, highest=False),
        fytd=fy_td, comparisons=comps, same_month=same.rename(name),
    )  # fmt: skip


def _series(y: pd.Series | None, series: str | None) -> tuple[pd.Series, str]:
    """The monthly series asked for (``y``, a series id, or the default) and its name."""
    if y is not None and series is not None:
        raise DataError("give either a series (y) or a series id (series=...), not both")
    from .data import load

    raw = y if y is not None else load(series, allow_gaps=True) if series else load()
    if not isinstance(raw, pd.Series):
        raise DataError(f"expected a pandas Series of monthly counts, got {type(raw).__name__}")
    return as_monthly(raw, allow_nan=True), str(raw.name or series or "series")


def _comparisons(
    ys: pd.Series, m: pd.Timestamp, value: float, compare: Any, border: bool
) -> tuple[Comparison, ...]:
    hist = ys[ys.index <= m].dropna()
    named: list[tuple[str, pd.Timestamp]] = []
    earlier = hist[hist.index < m]
    if len(earlier):
        named.append(("the record high", pd.Timestamp(earlier.idxmax())))
        named.append(("the record low", pd.Timestamp(earlier.idxmin())))
    year = year_of(m, border)
    fy_earlier = earlier[earlier.index >= year_start(year, border)]
    if len(fy_earlier):
        name = f"the {'FY' if border else ''}{year} high so far"
        named.append((name, pd.Timestamp(fy_earlier.idxmax())))
    pre = pd.Timestamp(year=PRE_PANDEMIC_YEAR, month=m.month, day=1)
    if border and m.year > PRE_PANDEMIC_YEAR + 1 and _value(ys, pre) is not None:
        named.append((f"{m:%B} {PRE_PANDEMIC_YEAR}, before the pandemic", pre))
    if compare is not None:
        items = compare.items() if isinstance(compare, Mapping) else ((None, c) for c in compare)
        for label, c in items:
            cm = parse_month(c)
            named.append((label or f"{cm:%B %Y}", cm))
    merged: dict[pd.Timestamp, str] = {}
    for label, cm in named:  # one entry per month: "the record high and the FY2019 high so far"
        merged[cm] = f"{merged[cm]} and {label}" if cm in merged else label
    out = []
    for cm, label in merged.items():
        v = _value(ys, cm)
        if v is None:
            raise DataError(f"comparison month {cm:%Y-%m} has no value in the series")
        out.append(Comparison(label, cm, v, Change.between(value, v)))
    return tuple(out)
