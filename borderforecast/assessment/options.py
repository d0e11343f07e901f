"""Options of :func:`borderforecast.assess`, its ``exclude=`` periods and the validated window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import DataError, ShortSeriesError
from ..models.registry import list_specs
from ..series import as_monthly, month

DEFAULT_MODELS: tuple[str, ...] = ("sarima", "ets", "structural", "local_trend", "stl", "x13")
"""The default counterfactual panel (see :mod:`borderforecast.assessment.panel`)."""

Period = tuple[pd.Timestamp, pd.Timestamp]


class WindowError(DataError):
    """The assessment window (start, end, reference) does not fit the series."""


class ExcludeError(DataError):
    """An ``exclude=`` period is malformed, outside the data, overlaps the window, or leaves
    too few reference years."""


def default_model_names() -> list[str]:
    """The models of :data:`DEFAULT_MODELS` whose spec exists (in that order)."""
    specs = list_specs()
    return [name for name in DEFAULT_MODELS if name in specs]


@dataclass(frozen=True)
class AssessOptions:
    """Settings of an assessment (every field has a documented default).

    Parameters
    ----------
    alpha : float
        Significance level of the two-sided tests (default 0.05).
    n_paths : int
        Simulated sample paths of each counterfactual model (default 1000).
    seed : int
        Seed of every random draw (default 0): same input and seed, same numbers.
    models : tuple of str, optional
        The counterfactual panel (spec names; default ``None``: :data:`DEFAULT_MODELS`). Every
        model is fitted, gated and reported; those that pass the plausibility gate are combined
        (:mod:`borderforecast.assessment.panel`).
    placebo : bool
        Run the placebo calibration on the same calendar window of earlier years
        (default True).
    placebo_years : int, optional
        Use at most this many of the most recent eligible earlier years (``None``,
        the default, uses all of them).
    placebo_paths : int
        Sample paths per placebo run (default 200: placebos need a z-score, not tails).
    min_placebos : int
        Fewest clean placebo years for a calibrated p-value (default 5); with fewer, the
        verdict is "cannot tell" and the summary says so.
    n_jobs : int
        Parallel workers for the panel's fits (joblib processes; default 2, for the two
        cores the default assessment is timed on; 1 = sequential; any value gives the same
        numbers).
    min_history : int
        Months of data needed before ``start`` (default 60); placebo years need as many.
    x13 : bool
        Ask X-13ARIMA-SEATS for automatic outliers near the window (default True).
    outlier_margin : int
        Months either side of the window in which X-13 outliers are reported (default 2).
    exclude : tuple of (Timestamp, Timestamp)
        Periods left out of the placebo and comparison years, besides Title 42 (default
        none), in any form :func:`~borderforecast.assessment.options.parse_exclude` reads.
    exclude_title42 : bool or None
        Leave the Title 42 months (Mar 2020 - May 2023) out of the reference years (default
        None: for the bundled border series, whose history they are, not for other series).
    shock_z : float, optional
        The threshold of the one rule of normal years (:mod:`borderforecast.assessment.normal`):
        a year whose window statistic has a leave-one-out robust ``|z|`` above this is beyond
        normal seasonality, and so is its fiscal year (default 3.0; None: no screening).
    era_split : int, "auto" or None
        First year of the recent seasonal era :func:`borderforecast.season.compare_eras` tests;
        ``"auto"`` (default): FY2011 on the border series (where the Southwest series' shape
        changed), none on a series of your own unless named; None skips the era test.
    gate : bool
        Apply the plausibility gate (default True; False combines every model that fits).

    Examples
    --------
    >>> opts = AssessOptions(n_paths=200, placebo_years=4)
    >>> opts.alpha, opts.seed, opts.models
    (0.05, 0, None)
    >>> AssessOptions(alpha=0.7)
    Traceback (most recent call last):
    ...
    borderforecast.errors.DataError: alpha must be between 0 and 0.5, got 0.7
    """

    alpha: float = 0.05
    n_paths: int = 1000
    seed: int = 0
    models: tuple[str, ...] | None = None
    placebo: bool = True
    placebo_years: int | None = None
    placebo_paths: int = 200
    min_placebos: int = 5
    n_jobs: int = 2
    min_history: int = 60
    x13: bool = True
    outlier_margin: int = 2
    exclude: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    exclude_title42: bool | None = None
    shock_z: float | None = 3.0
    era_split: int | str | None = "auto"
    gate: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 0.5:
            raise DataError(f"alpha must be between 0 and 0.5, got {self.alpha!r}")
        for name in ("n_paths", "placebo_paths"):
            if int(getattr(self, name)) < 20:
                raise DataError(f"{name} must be at least 20, got {getattr(self, name)!r}")
        if self.min_history < 24:
            raise DataError(f"min_history must be at least 24 months, got {self.min_history!r}")
        if self.models is not None:
            models = (self.models,) if isinstance(self.models, str) else tuple(self.models)
            if not models:
                raise DataError("models is empty: name at least one model, or pass None")
            object.__setattr__(self, "models", tuple(str(m) for m in models))
        object.__setattr__(self, "exclude", parse_exclude(self.exclude))
        if self.shock_z is not None and self.shock_z <= 0:
            raise DataError(f"shock_z must be positive or None, got {self.shock_z!r}")
        if not (self.era_split in (None, "auto") or pd.api.types.is_integer(self.era_split)):
            raise DataError(f"era_split must be a year, 'auto' or None, got {self.era_split!r}")
        if self.placebo_years is not None and self.placebo_years < 1:
            raise DataError(f"placebo_years must be >= 1, got {self.placebo_years!r}")


@dataclass(frozen=True)
class Window:
    """A validated window: ``reference < start <= end``, all inside the series."""

    start: pd.Timestamp
    end: pd.Timestamp
    reference: pd.Timestamp

    @property
    def h(self) -> int:
        """Number of months in the window."""
        return months_between(self.start, self.end) + 1

    @property
    def months(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, self.end, freq="MS", name="month")

    def shifted(self, years: int) -> Window:
        """The same calendar window ``years`` years earlier."""
        off = pd.DateOffset(years=years)
        return Window(self.start - off, self.end - off, self.reference - off)

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%b %Y}"
        return f"{self.start:%b %Y}-{self.end:%b %Y}"


def months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    """Whole months from ``a`` to ``b`` (``b`` later gives a positive number)."""
    return (b.year - a.year) * 12 + (b.month - a.month)


def make_window(y: pd.Series, start: str | pd.Timestamp, end: str | pd.Timestamp | None,
                reference: str | pd.Timestamp | None, min_history: int,
                ) -> tuple[pd.Series, Window]:
    """Validate the series and the window (:class:`WindowError`, :class:`ShortSeriesError`);
    return the float series and the :class:`Window`."""
    y = as_monthly(y)
    label = y.name if y.name is not None else "series"
    first, last = y.index[0], y.index[-1]
    s = month(start)
    e = s if end is None else month(end)
    if e < s:
        raise WindowError(f"end {e:%Y-%m} is before start {s:%Y-%m}")
    ref = s - pd.DateOffset(months=1) if reference is None else month(reference)
    if ref >= s:
        raise WindowError(
            f"reference {ref:%Y-%m} must be before start {s:%Y-%m} (it is the month the change is "
            "measured from)"
        )
    span = f"series {label!r} covers {first:%Y-%m} to {last:%Y-%m}"
    for what, m in (("start", s), ("end", e), ("reference", ref)):
        if m < first or m > last:
            raise WindowError(f"{what} {m:%Y-%m} is outside the data: {span}")
    if months_between(ref, e) > 24:
        raise WindowError(
            f"reference {ref:%Y-%m} is {months_between(ref, e)} months before end {e:%Y-%m}; "
            "at most 24 are allowed (the seasonal comparison needs the same span in earlier years)"
        )
    history = months_between(first, s)
    if history < min_history:
        raise ShortSeriesError(
            f"only {history} months of {label!r} precede start {s:%Y-%m} ({span}); the assessment "
            f"needs at least {min_history} (set min_history lower at your own risk)"
        )
    return y, Window(s, e, ref)


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
    borderforecast.assessment.options.ExcludeError: exclude range 2021-05:2020-01 ends before ...
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
        if touches(start, end, [p]):
            raise ExcludeError(f"exclude {period_label(p)} covers part of the assessed window "
                               f"({start:%Y-%m} to {end:%Y-%m}): exclude only other periods")


def touches(a: pd.Timestamp, b: pd.Timestamp, periods: Iterable[Period]) -> Period | None:
    """The first of ``periods`` that overlaps the months ``a..b``."""
    return next((p for p in periods if a <= p[1] and b >= p[0]), None)


def period_label(p: Period) -> str:
    return f"{p[0]:%Y-%m}" if p[0] == p[1] else f"{p[0]:%Y-%m}:{p[1]:%Y-%m}"
