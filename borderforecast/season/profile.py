"""The seasonal profile: monthly factors, named contrasts and expected changes."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import BorderforecastError, DataError, ModelError
from ..fiscal import MONTH_NAMES as _MONTHS
from ..fiscal import year_of
from ..series import as_monthly, is_bundled
from .estimate import (
    METHODS,
    MONTH_NAMES,
    Estimate,
    estimate,
    log_counts,
    records,
    select_years,
    years_label,
)

_FULL_NAMES = tuple(name.lower() for name in _MONTHS)

# name -> (label, {month: weight}); log contrasts, weights sum to 0
CONTRASTS: dict[str, tuple[str, dict[int, float]]] = {
    "summer_dip": (
        "Jun-Aug vs Mar-May",
        {6: 1 / 3, 7: 1 / 3, 8: 1 / 3, 3: -1 / 3, 4: -1 / 3, 5: -1 / 3},
    ),
    "may_to_aug": ("May -> Aug", {8: 1.0, 5: -1.0}),
    "aug_to_oct": ("Aug -> Oct", {10: 1.0, 8: -1.0}),
    "aug_to_nov": ("Aug -> Nov", {11: 1.0, 8: -1.0}),
    "aug_to_dec": ("Aug -> Dec", {12: 1.0, 8: -1.0}),
}
"""The named contrasts of :attr:`SeasonalProfile.contrasts` (log-scale weights by month)."""


def month_number(value: int | str) -> int:
    """Calendar month 1..12 from a number or a name (``8``, ``"Aug"``, ``"august"``).

    Examples
    --------
    >>> month_number("Aug"), month_number("december"), month_number(3)
    (8, 12, 3)
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if 1 <= int(value) <= 12:
            return int(value)
    elif isinstance(value, str):
        key = value.strip().lower()
        if key.isdigit() and 1 <= int(key) <= 12:
            return int(key)
        for i, full in enumerate(_FULL_NAMES):
            if len(key) >= 3 and full.startswith(key):
                return i + 1
    raise DataError(f"{value!r} is not a calendar month (use 1..12 or a name like 'Aug')")


class ExpectedChange(NamedTuple):
    """A seasonal change with its interval (scale as requested)."""

    estimate: float
    lo: float
    hi: float


_SCALES: dict[str, Any] = {"percent": lambda v: 100 * np.expm1(v), "log": float, "ratio": np.exp}
"""How :meth:`SeasonalProfile.expected_change` reports a log change."""


def _weights(spec: Mapping[int, float]) -> np.ndarray:
    w = np.zeros(12)
    for m, v in spec.items():
        w[m - 1] += v
    return w


def _reading(name: str, lo: float, hi: float) -> str:
    down, up, neither = (("summer dip", "summer rise", "no consistent summer dip")
                         if name == "summer_dip"
                         else ("seasonal fall", "seasonal rise", "no consistent rise or fall"))
    return f"normal {down}" if hi < 0 else f"normal {up}" if lo > 0 else neither


@dataclass(frozen=True, repr=False)
class SeasonalProfile:
    """Monthly seasonal factors of a series, by one or more methods.

    Attributes
    ----------
    series : str
        Name of the series.
    years : tuple of int
        Years the profile is estimated from: fiscal (Oct-Sep) when ``fiscal``, else calendar.
    method : str
        The primary method (``factors``, ``contrasts``, ``expected_change``).
    level : float
        Interval level in percent.
    estimates : dict
        Method -> :class:`~borderforecast.season.estimate.Estimate` (log effects
        and their covariance).
    y : pandas.Series
        The selected months (counts).
    notes : tuple of str
        Methods that could not be computed and why.
    fiscal : bool
        Whether ``years`` are fiscal years (the bundled border series) or calendar years.

    Examples
    --------
    >>> from borderforecast.season import seasonal_profile, synthetic_example
    >>> p = seasonal_profile(synthetic_example(), methods=["regression"])
    >>> p.years_label, len(p.factors)
    ('2000-2013', 12)
    >>> p.contrasts.loc["summer_dip", "reading"]
    'normal summer dip'
    """

    series: str
    years: tuple[int, ...]
    method: str
    level: float
    estimates: Mapping[str, Estimate]
    y: pd.Series = field(compare=False)
    notes: tuple[str, ...] = ()
    fiscal: bool = True

    def __repr__(self) -> str:
        return (
            f"<SeasonalProfile {self.series} {self.years_label} "
            f"({len(self.years)} years), methods {', '.join(self.estimates)}>"
        )

    @property
    def years_label(self) -> str:
        """The years as text, e.g. ``FY2000-FY2019`` (calendar years: ``2000-2019``)."""
        return years_label(self.years, "FY" if self.fiscal else "")

    # -- tables ------------------------------------------------------------
    def _estimate(self, method: str | None) -> Estimate:
        key = self.method if method is None else method
        if key not in self.estimates:
            have = ", ".join(self.estimates)
            raise ModelError(f"method {key!r} was not computed; available: {have}")
        return self.estimates[key]

    def _factor_frame(self, est: Estimate) -> pd.DataFrame:
        se = np.sqrt(np.clip(np.diag(est.cov), 0, None))
        q = est.quantile(self.level)
        e = est.effects
        return pd.DataFrame({"name": list(MONTH_NAMES), "factor": np.exp(e),
                             "lo": np.exp(e - q * se), "hi": np.exp(e + q * se)},
                            index=pd.Index(range(1, 13), name="month"))  # fmt: skip

    @property
    def factors(self) -> pd.DataFrame:
        """Primary method's factors: index month 1..12, columns name, factor, lo, hi."""
        return self._factor_frame(self._estimate(None))

    @property
    def by_method(self) -> dict[str, pd.DataFrame]:
        """Method -> factor frame (as :attr:`factors`) for every method computed."""
        return {m: self._factor_frame(e) for m, e in self.estimates.items()}

    def contrast(self, weights: Mapping[int, float],
                 method: str | None = None) -> tuple[float, float]:
        """Estimate and standard error of a log contrast ``sum(w_m * log factor_m)``."""
        return self._estimate(method).contrast(_weights(weights))

    def contrasts_for(self, method: str | None = None) -> pd.DataFrame:
        """The named contrasts (:data:`CONTRASTS`) of one method."""
        est = self._estimate(method)
        q = est.quantile(self.level)
        rows = []
        for name, (label, spec) in CONTRASTS.items():
            d, se = est.contrast(_weights(spec))
            lo, hi = 100 * np.expm1(d - q * se), 100 * np.expm1(d + q * se)
            rows.append({"contrast": name, "label": label, "estimate": 100 * np.expm1(d), "lo": lo,
                         "hi": hi, "log_estimate": d, "log_se": se,
                         "reading": _reading(name, lo, hi)})  # fmt: skip
        return pd.DataFrame(rows).set_index("contrast")

    @property
    def contrasts(self) -> pd.DataFrame:
        """Named contrasts of the primary method.

        Index ``summer_dip, may_to_aug, aug_to_oct, aug_to_nov, aug_to_dec``;
        columns ``label``, ``estimate``, ``lo``, ``hi`` (percent change),
        ``log_estimate``, ``log_se`` and a plain ``reading``. A rise counts as
        part of the normal pattern only when its whole interval is above 0.
        """
        return self.contrasts_for(None)

    def expected_change(self, from_month: int | str, to_month: int | str, *,
                        scale: str = "percent", method: str | None = None,
                        interval: str = "mean") -> ExpectedChange:
        """The change seasonality alone produces from one calendar month to another.

        The estimate is the log-scale difference of the two factors,
        ``d = log f[to] - log f[from]``, i.e. the change with the underlying
        level held fixed; the interval is ``d +/- q * se(d)`` with ``se(d)``
        from the method's covariance of the log factors (``q`` from the normal,
        or Student-t for per-year methods) at the profile's level.

        Parameters
        ----------
        from_month, to_month : int or str
            Calendar months (1..12 or names such as ``"May"``).
        scale : {"percent", "log", "ratio"}
            ``"percent"``: ``100 * (exp(d) - 1)`` (default); ``"log"``: ``d``;
            ``"ratio"``: ``exp(d)``. Interval ends are transformed alike.
        method : str, optional
            Method to use (defaults to the profile's primary method).
        interval : {"mean", "year"}
            ``"mean"`` (default): confidence interval of the *average* seasonal
            change. ``"year"``: prediction interval for the seasonal change in
            one typical year, ``d +/- t(n-1) * sd_y * sqrt(1 + 1/n)``, where
            ``sd_y`` is the standard deviation over the ``n`` years of
            the same difference of detrended log values (wider: years differ).

        Returns
        -------
        ExpectedChange
            ``(estimate, lo, hi)`` named tuple.

        Examples
        --------
        >>> from borderforecast.season import seasonal_profile, synthetic_example
        >>> p = seasonal_profile(synthetic_example(), methods=["regression"])
        >>> est, lo, hi = p.expected_change("May", "Aug")
        >>> bool(lo < est < hi < 0)
        True
        """
        a, b = month_number(from_month), month_number(to_month)
        est = self._estimate(method)
        w = _weights({b: 1.0}) - _weights({a: 1.0})
        d, se = est.contrast(w)
        q = est.quantile(self.level)
        if interval == "year":
            if est.per_year is None or len(est.per_year) < 2:
                raise ModelError(
                    f"method {est.method!r} has no per-year values for interval='year'"
                )
            per = est.per_year.to_numpy(float) @ w
            n = len(per)
            q = float(stats.t.ppf(0.5 + self.level / 200.0, n - 1))
            se = float(np.std(per, ddof=1) * np.sqrt(1.0 + 1.0 / n))
        elif interval != "mean":
            raise DataError(f"interval {interval!r}: choose 'mean' or 'year'")
        if scale not in _SCALES:
            raise DataError(f"scale {scale!r}: choose 'percent', 'log' or 'ratio'")
        return ExpectedChange(*(float(_SCALES[scale](v)) for v in (d, d - q * se, d + q * se)))

    # -- output --------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Long frame of every method's factors: method, month, name, factor, lo, hi."""
        parts = [f.reset_index().assign(method=m) for m, f in self.by_method.items()]
        cols = ["method", "month", "name", "factor", "lo", "hi"]
        return pd.concat(parts, ignore_index=True)[cols]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary of factors, contrasts and settings."""
        return {
            "series": self.series,
            "fiscal_years" if self.fiscal else "years": [int(v) for v in self.years],
            "method": self.method, "level": self.level,
            "factors": {m: records(f) for m, f in self.by_method.items()},
            "contrasts": records(self.contrasts), "notes": list(self.notes),
        }

    def summary(self) -> str:
        """A plain-language description of the profile (:func:`.words.profile_summary`)."""
        from .words import profile_summary

        return profile_summary(self)

    def autumn_sentence(self) -> str:
        """What this profile says about August into the autumn (:func:`.words.autumn_sentence`)."""
        from .words import autumn_sentence

        return autumn_sentence(self)

    def plot(self, methods: Sequence[str] | None = None) -> Any:
        """Figure with two panels: factors with intervals per method; month-of-year subseries."""
        from .plot import plot_profile

        return plot_profile(self, methods)


def seasonal_profile(y: pd.Series, years: object = None, method: str = "regression",
                     level: float = 95, seed: int = 0, *, methods: Sequence[str] | None = None,
                     fiscal: bool | None = None) -> SeasonalProfile:
    """Estimate the monthly seasonal factors of a count series.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts (see :func:`borderforecast.series.as_monthly`).
    years : optional
        Years to use: ``range(2000, 2020)`` (end excluded), ``(2000, 2019)`` (both
        included), a list of years, or ``"FY2000-FY2019"``. Default: every complete year.
    method : {"regression", "stl", "x13"}
        The primary method (used by ``factors``, ``contrasts``,
        ``expected_change``).
    level : float
        Interval level in percent (default 95).
    seed : int
        Seed for any random numbers (the current methods are deterministic).
    methods : sequence of str, optional
        Methods to compute (default all: regression, stl, and x13 when the
        binary works). The primary method is always included; a secondary
        method that fails is skipped and named in ``notes``.
    fiscal : bool, optional
        Years are fiscal (Oct-Sep) or calendar. Default: fiscal for the bundled border
        series (:func:`borderforecast.load`), calendar for any other series.

    Returns
    -------
    SeasonalProfile

    Examples
    --------
    >>> from borderforecast.season import seasonal_profile, synthetic_example
    >>> p = seasonal_profile(synthetic_example(), methods=["regression", "stl"])
    >>> p.factors.loc[4, "name"], bool(p.factors.loc[4, "factor"] > 1.2)
    ('Apr', True)
    """
    del seed  # all methods are deterministic; kept for a stable signature
    if not 0 < float(level) < 100:
        raise DataError(f"level {level!r} must be a percentage between 0 and 100")
    wanted = list(METHODS if methods is None else methods)
    for m in [method, *wanted]:
        if m not in METHODS:
            raise ModelError(f"unknown seasonal method {m!r}; choose from {', '.join(METHODS)}")
    order = [method] + [m for m in wanted if m != method]
    ys = as_monthly(y, min_length=12, allow_nan=True)
    fiscal = is_bundled(y) if fiscal is None else bool(fiscal)
    sel = select_years(ys, years, fiscal)
    z = log_counts(sel)
    estimates: dict[str, Estimate] = {}
    notes: list[str] = []
    for m in order:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                estimates[m] = estimate(m, sel, z, fiscal)
        except BorderforecastError as exc:
            if m == method:
                raise
            notes.append(f"{m} not computed: {exc}")
    fy = sorted({int(v) for v in year_of(sel.index, fiscal)})
    return SeasonalProfile(
        series=str(y.name or "series"), years=tuple(fy), method=method, level=float(level),
        estimates=estimates, y=sel, notes=tuple(notes), fiscal=fiscal,
    )
