"""The fitted forecaster: a model's fit and the calibration of its intervals, side by side.

A :class:`Forecaster` (what :func:`borderforecast.fit` returns) is an immutable
pair of the model's fit (:class:`~borderforecast.models.fitted.FittedModel`, the
model's own intervals) and its calibration
(:class:`~borderforecast.backtesting.live.Calibration`: the same model's past
errors on the same series), or None for the model's own intervals. Every
forecast is made in one pass, in plain view:

    raw model forecast -> conformal widths -> guards -> mean from sample paths

(the paths are the model's own, mapped onto the calibrated table's quantiles). The
frame says which intervals it holds in ``attrs["intervals"]`` and, when
calibrated, the origins behind them in ``attrs["calibration"]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .backtesting.live import Calibration
from .errors import ModelError
from .intervals import DEFAULT_LEVELS, check_levels, levels_of
from .models.fitted import FittedModel, check_horizon
from .models.sampling import matched_paths, total_of_paths, total_window, with_true_mean

__all__ = ["Forecaster"]


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

    @property
    def name(self) -> str:
        return self.fitted.name

    @property
    def y(self) -> pd.Series:
        return self.fitted.y

    @property
    def intervals(self) -> str:
        """``"calibrated"`` or ``"raw"``."""
        return "raw" if self.calibration is None else "calibrated"

    def __repr__(self) -> str:
        cal = self.calibration
        how = "raw intervals" if cal is None else f"calibrated on {cal.info.get('origins')} origins"
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
        ``mean_method`` and, when calibrated, ``calibration`` and
        ``interval_notes``. Over 36 months warns; beyond the calibration's
        horizon raises (fit with a longer ``h``).
        """
        shown = self.frames(h, level, X)[1]
        knots = shown if {80, 95} <= set(levels_of(shown)) else self.frames(h, (80, 95), X)[1]
        paths = self._paths(knots, n_paths, seed, X)
        log = self.fitted.transform.kind == "log"
        return with_true_mean(shown, paths, self.fitted.cap, log, n_paths)

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
        )
        return out

    def summary(self) -> str:
        """The fit's summary and the calibration behind the intervals."""
        cal = self.calibration
        if cal is None:
            return self.fitted.summary() + "\nIntervals: the model's own (raw)"
        i = cal.info
        return self.fitted.summary() + (
            f"\nIntervals: calibrated ({i.get('method')}) on {i.get('origins')} origins "
            f"{i.get('first_origin')}..{i.get('last_origin')} every {i.get('step')} months, "
            f"h = {i.get('h')}"
        )

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
