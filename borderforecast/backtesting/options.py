"""The settings of a backtest, as one frozen dataclass with documented defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from ..errors import ModelError
from ..intervals import check_levels
from .calibrate import CalibrationOptions
from .units import RESELECT_EVERY

ENGINES = ("sequential", "processes", "dask")


@dataclass(frozen=True)
class BacktestOptions:
    """Settings of a rolling-origin backtest (expanding window).

    Attributes
    ----------
    h : int
        Forecast horizon in months (default 12).
    start : str or None
        First origin, ``YYYY-MM`` (default ``"2011-12"``, or the first month
        with enough history when the series starts too late and ``start`` was
        not given).
    end : str or None
        Last origin (default: the last month that still has ``h`` months of
        actuals after it).
    step : int
        Months between origins (1 = monthly, 3 = quarterly).
    levels : tuple of int
        Interval levels, percent (default ``(80, 95)``).
    seed : int
        Seed passed to every model (same at every origin).
    engine : str
        ``"sequential"``, ``"processes"`` (joblib, ``jobs`` workers) or
        ``"dask"`` (a dask.distributed cluster at ``scheduler``).
    jobs : int
        Local worker processes for ``engine="processes"`` (-1 = all cores).
    scheduler : str or object, optional
        Address of a dask scheduler, or a ``distributed.Client`` / cluster.
    cache : bool
        Reuse and store per-origin forecasts under
        ``home_dir()/cache/backtest`` (default True).
    era_split : str
        Last origin of the first era (default ``"2019-12"``).
    calibration : CalibrationOptions
        Interval calibration (default: conformal, see
        :class:`CalibrationOptions`).
    reselect_every : mapping of str to int
        Per model name, reselect the model's structure (e.g. the ARIMA order
        of ``auto_sarima``) only at origins whose month index is a multiple
        of N, and reuse it in between (default ``{"auto_sarima": 12}``: when
        ``auto_sarima`` is run, which it is only when named, its order search
        runs every January instead of at every origin, about three times
        faster). ``{"auto_sarima": 1}`` searches at every origin. A name that
        is not a model is an error; a model whose module has neither
        ``selected_orders(fitted)`` nor ``warm_start(fitted)`` (SARIMA has
        both) is refitted at every origin.
    warm_start : bool
        Between reselections, start the optimiser at the anchor origin's
        fitted parameters when the model offers ``warm_start`` (default True).
    learned_ensemble : bool
        Add ``learned_ensemble``: every non-ensemble model of the run
        combined with weights proportional to 1 / MASE over the forecasts
        resolved in the last ``learn_window`` months (learned online, no
        look-ahead; needs two or more such models). Default False; for a
        live forecast see :meth:`BacktestResult.learned_weights`.
    learn_window : int
        Months of resolved forecasts behind the learned weights (default 36).

    Examples
    --------
    >>> opts = BacktestOptions(h=6, step=3)
    >>> opts.h, opts.levels, opts.engine, opts.calibration.method
    (6, (80, 95), 'sequential', 'conformal')
    >>> opts.replace(jobs=2, engine="processes").jobs
    2
    >>> BacktestOptions(engine="spark")
    Traceback (most recent call last):
    ...
    borderforecast.errors.ModelError: unknown engine 'spark'; choose one of ...
    """

    h: int = 12
    start: str | None = None
    end: str | None = None
    step: int = 1
    levels: tuple[int | float, ...] = (80, 95)
    seed: int = 0
    engine: str = "sequential"
    jobs: int = 1
    scheduler: Any = field(default=None, compare=False)
    cache: bool = True
    era_split: str = "2019-12"
    calibration: CalibrationOptions = field(default_factory=CalibrationOptions)
    reselect_every: Mapping[str, int] = field(default_factory=lambda: RESELECT_EVERY)
    warm_start: bool = True
    learned_ensemble: bool = False
    learn_window: int = 36

    def __post_init__(self) -> None:
        h = self.h
        if isinstance(h, bool) or not isinstance(h, int) or h < 1:
            raise ModelError(f"the forecast horizon h must be a whole number >= 1, got {h!r}")
        if isinstance(self.step, bool) or not isinstance(self.step, int) or self.step < 1:
            raise ModelError(f"step must be a whole number of months >= 1, got {self.step!r}")
        object.__setattr__(self, "levels", check_levels(self.levels))
        if self.engine not in ENGINES:
            raise ModelError(f"unknown engine {self.engine!r}; choose one of {', '.join(ENGINES)}")
        if self.engine == "dask" and self.scheduler is None:
            raise ModelError(
                "engine 'dask' needs a scheduler address (--scheduler tcp://host:8786)"
            )
        if not isinstance(self.jobs, int) or self.jobs == 0 or self.jobs < -1:
            raise ModelError(
                f"jobs must be a positive number of processes or -1, got {self.jobs!r}"
            )
        if isinstance(self.calibration, Mapping):
            object.__setattr__(self, "calibration", CalibrationOptions(**self.calibration))
        bad = {
            k: v for k, v in dict(self.reselect_every).items() if not isinstance(v, int) or v < 1
        }
        if bad:
            raise ModelError(f"reselect_every needs whole numbers >= 1, got {bad}")
        object.__setattr__(self, "reselect_every", MappingProxyType(dict(self.reselect_every)))

    def replace(self, **changes: Any) -> BacktestOptions:
        """A copy with some settings changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain settings (for ``run.json``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["calibration"] = asdict(self.calibration)
        out["levels"] = list(self.levels)
        out["reselect_every"] = dict(self.reselect_every)
        out["scheduler"] = None if self.scheduler is None else str(self.scheduler)
        return out
