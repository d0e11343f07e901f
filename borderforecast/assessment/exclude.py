"""The ``exclude=`` periods of an assessment: parsed once, shared by the options and the
reference years (:mod:`borderforecast.assessment.normal`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..errors import DataError
from ..series import month

Period = tuple[pd.Timestamp, pd.Timestamp]


class ExcludeError(DataError):
    """An ``exclude=`` period is malformed, outside the data, overlaps the window, or leaves
    too few reference years."""


def parse_exclude(spec: Any) -> tuple[Period, ...]:
    """Normalise ``exclude=`` to a tuple of ``(first, last)`` months.

    Accepts ``None``, one period or a list of them; a period is a month (``"2019-06"``), a
    range ``"2020-03:2023-05"`` (both ends included), a comma-separated list of those, or a
    ``(first, last)`` pair.

    Examples
    --------
    >>> [period_label(p) for p in parse_exclude("2020-03:2023-05,2019-06")]
    ['2020-03:2023-05', '2019-06']
    >>> parse_exclude("2021-05:2020-01")
    Traceback (most recent call last):
    ...
    borderforecast.assessment.exclude.ExcludeError: exclude range 2021-05:2020-01 ends before ...
    """
    if spec is None:
        return ()
    if isinstance(spec, str):
        items: list[Any] = [s for s in (p.strip() for p in spec.split(",")) if s]
    elif isinstance(spec, tuple) and len(spec) == 2 and not isinstance(spec[0], (tuple, list)):
        items = [spec]
    elif isinstance(spec, Iterable):
        items = list(spec)
    else:
        raise ExcludeError(f"exclude={spec!r}: expected 'YYYY-MM', 'YYYY-MM:YYYY-MM' or a list")
    out: list[Period] = []
    for item in items:
        if isinstance(item, str) and "," in item:
            out.extend(parse_exclude(item))
            continue
        if isinstance(item, str):
            parts = item.split(":")
            if len(parts) > 2 or not all(p.strip() for p in parts):
                raise ExcludeError(
                    f"exclude {item!r}: expected a month 'YYYY-MM' or a range 'YYYY-MM:YYYY-MM'"
                )
            first_s, last_s = parts[0], parts[-1]
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            first_s, last_s = item
        else:
            first_s = last_s = item
        try:
            first, last = month(first_s), month(last_s)
        except DataError as exc:
            raise ExcludeError(f"exclude {item!r}: {exc}") from None
        if last < first:
            raise ExcludeError(f"exclude range {first:%Y-%m}:{last:%Y-%m} ends before it starts")
        out.append((first, last))
    return tuple(out)


def check_periods(
    periods: tuple[Period, ...], index: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp
) -> None:
    """Raise :class:`ExcludeError` if a period lies outside the data or touches ``start..end``
    (the assessed window, from its reference month)."""
    first, last = index[0], index[-1]
    for p in periods:
        if p[0] < first or p[1] > last:
            raise ExcludeError(f"exclude {period_label(p)} is outside the data: the series "
                               f"covers {first:%Y-%m} to {last:%Y-%m}")
        if p[0] <= end and p[1] >= start:
            raise ExcludeError(f"exclude {period_label(p)} covers part of the assessed window "
                               f"({start:%Y-%m} to {end:%Y-%m}): exclude only other periods")


def period_label(p: Period) -> str:
    return f"{p[0]:%Y-%m}" if p[0] == p[1] else f"{p[0]:%Y-%m}:{p[1]:%Y-%m}"
