"""The fitted forecaster: a model's fit and the calibration of its intervals, side by side.

A :class:`Forecaster` (what :func:`borderforecast.fit` returns) makes every forecast in one
pass: raw model forecast -> conformal widths -> guards -> mean from sample paths. A log
model's point is a median; its mean and any multi-month total come from sample paths, the
model's own mapped month by month onto the calibrated table's quantiles
(:func:`matched_paths`), so ``bf.forecast`` and the report draw the same paths.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from .backtesting.live import Calibration
from .errors import ModelError
from .fiscal import fiscal_year_start
from .intervals import DEFAULT_LEVELS, check_levels, levels_of
from .models.fitted import FittedModel, check_horizon

__all__ = ["Forecaster"]

CHOSEN_BY = "the package's rule (borderforecast.backtesting.recommend)"


@dataclasses.dataclass(frozen=True, repr=False)
class Forecaster:
    """A fitted model and the calibration of its intervals, side by side (immutable).

    Attributes
    ----------
    fitted : FittedModel
        The model's fit (its own forecasts and sample paths).
    calibration : Calibration or None
        The model's past errors on this series that calibrate its intervals;
        None: the model's own intervals (``intervals="raw"``).
    chosen : str
        Why the package's rule chose this model (:func:`borderforecast.forecast.choose`);
        empty when the model was named.

    Examples
    --------
    >>> import borderforecast as bf
    >>> f = bf.fit(bf.load(), model="snaive")
    >>> fc = f.forecast(3)
    >>> fc.columns.tolist(), fc.attrs["intervals"], f.calibration.info["step"]
    (['median', 'mean', 'lo80', 'hi80', 'lo95', 'hi95'], 'calibrated', 3)
    """

    fitted: FittedModel
    calibration: Calibration | None = None
    chosen: str = ""

    @property
    def name(self) -> str:
        return self.fitted.name

    @property
    def y(self) -> pd.Series:
        return self.fitted.y

    @property
    def intervals(self) -> str:
        """``"calibrated"``, or ``"raw"`` (no calibration, or too few past errors for one)."""
        return "raw" if self.calibration is None else str(self.frames(1)[1].attrs["intervals"])

    def __repr__(self) -> str:
        cal, how = self.calibration, "raw intervals"
        if cal is not None and self.intervals != "raw":
            how = f"calibrated on {cal.info.get('origins')} origins"
        return f"<Forecaster {self.name} on {self.fitted.series_id}, {how}>"

    def frames(
        self, h: int = 12, level: int | Sequence[int | float] = DEFAULT_LEVELS, X: Any = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(for_paths, shown)``: the forecast in the protocol's columns (``median`` = the point).

        ``shown`` is what :meth:`forecast` shows (guarded calibrated intervals, or
        the model's own), and what sample paths are matched to; ``for_paths`` is the
        conformal forecast before the guards.
        """
        h = check_horizon(h)
        levels = check_levels(level)
        raw = self.fitted.forecast(h, level=levels, X=X)
        cal = self.calibration
        if cal is None:
            return raw, raw
        if h > cal.h:
            raise ModelError(
                f"the calibration of {self.name!r} covers {cal.h} months; for a {h}-month "
                f"forecast fit with h={h} (borderforecast.fit(y, ..., h={h}))"
            )
        return cal.apply(raw, self.y)

    def paths(
        self, h: int = 12, n_paths: int = 1000, seed: int | None = None, X: Any = None
    ) -> np.ndarray:
        """``n_paths`` sample paths of the next ``h`` months, shape ``(n_paths, h)``.

        The model's own paths; when calibrated, mapped month by month onto the
        calibrated table's 80% and 95% intervals and median (:func:`matched_paths`).
        """
        paths = self._paths(self.frames(h, (80, 95), X)[1], n_paths, seed, X)
        if paths is None:
            raise ModelError(f"model {self.name!r} cannot simulate sample paths")
        return paths

    def _paths(
        self, frame: pd.DataFrame, n_paths: int, seed: int | None, X: Any
    ) -> np.ndarray | None:
        try:
            paths = self.fitted.simulate(len(frame), n_paths=n_paths, seed=seed, X=X)
        except ModelError as exc:
            if "cannot simulate" in str(exc):
                return None
            raise
        if self.calibration is None:
            return paths
        return matched_paths(paths, frame, self.fitted.cap)

    def forecast(
        self,
        h: int = 12,
        level: int | Sequence[int | float] = DEFAULT_LEVELS,
        X: Any = None,
        *,
        n_paths: int = 1000,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """Forecast the next ``h`` months.

        Returns a frame indexed by month with ``median`` (the point forecast),
        ``mean`` (the mean of ``n_paths`` sample paths seeded by ``seed``,
        default the model's), then ``lo<L>``, ``hi<L>`` per level. ``attrs``:
        ``intervals``, ``model``, ``series``, ``last_month``, ``point``,
        ``mean_method``, when calibrated ``calibration`` and ``interval_notes``, and
        when the rule chose the model ``chosen_by`` and ``reason``. Over 36 months
        warns; beyond the calibration's horizon raises (fit with a longer ``h``).
        """
        shown = self.frames(h, level, X)[1]
        knots = shown if {80, 95} <= set(levels_of(shown)) else self.frames(h, (80, 95), X)[1]
        paths = self._paths(knots, n_paths, seed, X)
        log = self.fitted.transform.kind == "log"
        out = with_true_mean(shown, paths, self.fitted.cap, log, n_paths)
        if self.chosen:
            out.attrs.update(chosen_by=CHOSEN_BY, reason=self.chosen)
        return out

    def forecast_total(
        self,
        months: int = 12,
        *,
        fiscal_year: int | None = None,
        level: int | Sequence[int | float] = DEFAULT_LEVELS,
        n_paths: int = 2000,
        seed: int | None = None,
        X: Any = None,
    ) -> pd.Series:
        """Total of the next ``months`` months, or a fiscal-year projection, from sample paths.

        Each path (see :meth:`paths`) is summed over the window (plus the
        observed months of the fiscal year); the total's median, mean and
        intervals are those of the sums, so the months' dependence is kept.
        Returns ``first, last, observed_months, observed, forecast_months,
        median, mean, lo80, hi80, lo95, hi95``.
        """
        window = total_window(self.y, months, fiscal_year)
        paths = self.paths(window.h, n_paths, seed, X) if window.h > 0 else None
        out = total_of_paths(window, paths, check_levels(level), n_paths)
        out.attrs.update(
            intervals=self.intervals,
            model=self.name,
            n_paths=n_paths,
            seed=self.fitted.model.seed if seed is None else seed,
            method="quantiles of the sums of sample paths",
            **({"chosen_by": CHOSEN_BY, "reason": self.chosen} if self.chosen else {}),
        )
        return out

    def summary(self) -> str:
        """The fit's summary and the calibration behind the intervals."""
        cal, text = self.calibration, self.fitted.summary()
        text += f"\nChosen by {CHOSEN_BY}: {self.chosen}" if self.chosen else ""
        if cal is None:
            return text + "\nIntervals: the model's own (raw)"
        i = cal.info
        window = (f"on {i.get('origins')} origins {i.get('first_origin')}..{i.get('last_origin')} "
                  f"every {i.get('step')} months, h = {i.get('h')}")  # fmt: skip
        if self.intervals == "raw":
            return text + f"\nIntervals: the model's own (raw): too few past errors {window}"
        return text + f"\nIntervals: calibrated ({i.get('method')}) {window}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the model, its parameters, the series span and the calibration."""
        f = self.fitted
        return {
            "model": self.name,
            "family": f.model.family,
            "params": {k: v for k, v in f.model.get_params().items() if k != "name"},
            "series": f.series_id,
            "first_month": f"{f.y.index[0]:%Y-%m}",
            "last_month": f"{f.last_month:%Y-%m}",
            "intervals": self.intervals,
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "chosen": self.chosen,
        }

    def plot(
        self, h: int = 12, level: Sequence[int] = DEFAULT_LEVELS, ax: Any = None, history: int = 72
    ) -> Any:
        """The last ``history`` months, the fitted values and an ``h``-month fan chart.

        Log scale; returns the matplotlib Figure (see :mod:`borderforecast.plotting`).
        """
        from .plotting import forecast_figure

        f = self.fitted
        obs = f.y.iloc[-history:]
        return forecast_figure(obs, f.fitted_values.reindex(obs.index), self.frames(h, level)[1],
                               check_levels(level), f.name, ax)  # fmt: skip


KNOTS = (0.025, 0.1, 0.5, 0.9, 0.975)
KNOT_COLUMNS = ("lo95", "lo80", "median", "hi80", "hi95")


def matched_paths(raw: np.ndarray, frame: pd.DataFrame, cap: float) -> np.ndarray:
    """Map raw paths ``(n, h)`` month by month onto the quantiles of a forecast ``frame``.

    A path's rank ``k`` (0 to ``n - 1``) in its month becomes the probability
    ``k / (n - 1)`` (the position :func:`numpy.quantile` uses), whose normal
    score is interpolated linearly between the table's quantiles on the
    ``log(1 + y)`` scale (``frame["median"]`` is the point forecast)
    and extrapolated beyond the 95% interval with the slope of its outer
    segment. Ties keep the paths' order.

    >>> frame = pd.DataFrame({"median": [100.0], "lo80": [80.0], "hi80": [130.0],
    ...                       "lo95": [70.0], "hi95": [150.0]})
    >>> raw = np.random.default_rng(0).normal(size=(2001, 1))
    >>> q = np.quantile(matched_paths(raw, frame, 1e9)[:, 0], [0.025, 0.1, 0.5, 0.9, 0.975])
    >>> [round(float(v), 6) for v in q]
    [70.0, 80.0, 100.0, 130.0, 150.0]
    """
    raw = np.asarray(raw, dtype=float)
    n, h = raw.shape
    ranks = np.argsort(np.argsort(raw, axis=0, kind="stable"), axis=0, kind="stable")
    edge = 0.25 / max(n - 1, 1)
    score = norm.ppf(np.clip(ranks / max(n - 1, 1), edge, 1.0 - edge))
    xk = norm.ppf(KNOTS)
    out = np.empty((n, h))
    for j in range(h):
        yk = np.log1p(np.maximum([float(frame[c].iloc[j]) for c in KNOT_COLUMNS], 0.0))
        yk = np.maximum.accumulate(yk)  # a well-formed table is already ordered
        z = np.interp(score[:, j], xk, yk)
        lo_slope = (yk[1] - yk[0]) / (xk[1] - xk[0])
        hi_slope = (yk[-1] - yk[-2]) / (xk[-1] - xk[-2])
        z = np.where(score[:, j] < xk[0], yk[0] + (score[:, j] - xk[0]) * lo_slope, z)
        z = np.where(score[:, j] > xk[-1], yk[-1] + (score[:, j] - xk[-1]) * hi_slope, z)
        out[:, j] = z
    with np.errstate(over="ignore"):
        return np.minimum(np.maximum(np.expm1(out), 0.0), cap)


def with_true_mean(
    frame: pd.DataFrame, paths: np.ndarray | None, cap: float, log: bool, n_paths: int
) -> pd.DataFrame:
    """The public forecast frame: ``median`` (the protocol's point) and a true ``mean``.

    The mean is that of the sample ``paths``; a model that cannot simulate
    (``paths`` None) gets the log-normal mean implied by its 80% interval
    (``attrs["mean_method"]`` says which).
    """
    attrs = dict(frame.attrs)
    point = frame["median"].to_numpy(dtype=float)
    if paths is not None:
        true_mean = paths.mean(axis=0)
        method = f"mean of {n_paths} sample paths"
    elif log and "hi80" in frame:
        sigma = (np.log1p(frame["hi80"]) - np.log1p(frame["lo80"])).to_numpy() / (2 * 1.2815516)
        true_mean = np.expm1(np.log1p(point) + sigma**2 / 2.0)
        method = "lognormal (from the 80% interval)"
    else:
        true_mean = point
        method = "point"
    # a log model's point is the median; a model on raw counts is symmetric, so its point
    # is both its median and (before clipping at zero) its mean
    out = frame.copy()
    out.insert(1, "mean", np.minimum(true_mean, cap))
    out.attrs.update(attrs)
    out.attrs["mean_method"] = method
    return out


@dataclasses.dataclass(frozen=True)
class Window:
    """The months a total covers: observed ones (a fiscal year under way) and forecast ones."""

    first: pd.Timestamp
    last: pd.Timestamp
    observed: pd.Series
    h: int  # forecast months to draw (from the month after the data)
    skip: int  # forecast months before the window (a fiscal year starting later)
    label: str


def total_window(y: pd.Series, months: int, fiscal_year: int | None) -> Window:
    """The window of a total: the next ``months`` months, or fiscal year ``fiscal_year``."""
    last = pd.Timestamp(y.index[-1])
    if fiscal_year is not None:
        first = fiscal_year_start(int(fiscal_year))
        end = first + pd.DateOffset(months=11)
        if first < y.index[0]:
            raise ModelError(
                f"fiscal year {fiscal_year} starts before the data ({y.index[0]:%Y-%m})"
            )
        h = max((end.year - last.year) * 12 + end.month - last.month, 0)
        skip = max((first.year - last.year) * 12 + first.month - last.month - 1, 0)
        return Window(first, end, y.loc[first:end], h, skip, f"FY{fiscal_year}")
    if not isinstance(months, (int, np.integer)) or months < 1:
        raise ModelError(f"months must be a whole number >= 1, got {months!r}")
    h = int(months)
    first = last + pd.DateOffset(months=1)
    return Window(first, last + pd.DateOffset(months=h), y.iloc[:0], h, 0, f"next {h} months")


def total_of_paths(
    window: Window, paths: np.ndarray | None, levels: Sequence[float], n_paths: int
) -> pd.Series:
    """Median, mean and quantiles of the window's observed sum plus each path's sum."""
    obs = float(window.observed.sum())
    if paths is not None and window.h > 0:
        sums = obs + paths[:, window.skip :].sum(axis=1)
    else:
        sums = np.full(n_paths, obs)
    row: dict[str, Any] = {
        "first": f"{window.first:%Y-%m}",
        "last": f"{window.last:%Y-%m}",
        "observed_months": len(window.observed),
        "observed": obs,
        "forecast_months": window.h - window.skip,
        "median": float(np.median(sums)),
        "mean": float(np.mean(sums)),
    }
    for lv in levels:
        a = (100.0 - lv) / 200.0
        row[f"lo{lv:g}"] = float(np.quantile(sums, a))
        row[f"hi{lv:g}"] = float(np.quantile(sums, 1.0 - a))
    return pd.Series(row, name=window.label)
