"""The settings of a backtest, as one frozen dataclass with documented defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from ..errors import ModelError
from ..models.base import check_levels

ENGINES = ("sequential", "processes", "dask")
CALIBRATION_METHODS = ("conformal", "none")
CALIBRATION_SCALES = ("errors", "none")


@dataclass(frozen=True)
class CalibrationOptions:
    """How model intervals are calibrated from the model's own past errors.

    The method (adaptive conformal, no look-ahead) is described in
    :mod:`borderforecast.backtesting.calibrate`.

    Attributes
    ----------
    method : str
        ``"conformal"`` (default) or ``"none"`` (keep the model's intervals).
    window : int
        Use at most the ``window`` most recent past scores (default 240: all
        of them on this series; the scale, not the window, adapts).
    min_errors : int
        Fewer past scores than this: keep the model's own interval (default 19,
        the fewest for which the 95% interval's conformal rank exists).
    scale : str
        ``"errors"`` (default): scores are divided by the model's own recent
        one-step error size, an exponentially weighted mean of its absolute
        one-step log errors known at the origin (half-life ``halflife``
        months), so intervals widen when the model starts to miss and narrow
        again when it recovers (absolute, not squared, errors: one wild month
        does not dominate it); ``"none"``: plain absolute log errors.
    halflife : float
        Half-life in months of the ``"errors"`` scale (default 10: one
        turbulent month carries about 7% of its weight).
    gamma : float
        Step of the adaptive conformal update (Gibbs & Candes, 2021) of the
        miscoverage level of the 80% interval after each resolved forecast
        (default 0.08); a level with miscoverage ``a`` uses
        ``gamma * (a / 0.2) ** 2`` (95%: 0.005). 0 turns it off.
    adapt_limits : tuple of float
        The adapted miscoverage stays within these multiples of the nominal
        one (default ``(0.5, 1.5)``: a 95% interval adapts between 92.5% and
        97.5%), so a run of misses cannot push it to the largest past score.
    monotone : bool
        Half-widths never shrink with the horizon at one origin (default
        True: no band that narrows and widens again from month to month).
    max_width : float or None
        Cap of the log half-width, as a multiple of the largest absolute log
        error in the window (default None: no cap; a cap at the worst past miss
        undoes the error scale when the series is more turbulent than ever).
    record_cap : float or None
        Upper bounds never exceed ``record_cap`` times the highest month
        recorded up to the origin (default 1.5; None: no cap). The record
        was set in the largest surge on file; a bound further above it is
        not a planning figure.
    warmup : int or None
        Extra origins before ``start`` (at the run's ``step``) that are
        forecast only to feed the calibration, never scored. Default None:
        ``min_errors + ceil(h / step)``, just enough for every horizon to be
        calibrated from the first scored origin (31 for monthly origins and
        h = 12), as far as the series' history allows.
    """

    method: str = "conformal"
    window: int = 240
    min_errors: int = 19
    scale: str = "errors"
    halflife: float = 10.0
    gamma: float = 0.08
    adapt_limits: tuple[float, float] = (0.5, 1.5)
    monotone: bool = True
    max_width: float | None = None
    record_cap: float | None = 1.5
    warmup: int | None = None

    def __post_init__(self) -> None:
        if self.method not in CALIBRATION_METHODS:
            raise ModelError(
                f"calibration method {self.method!r} is unknown; "
                f"choose one of {', '.join(CALIBRATION_METHODS)}"
            )
        if self.scale not in CALIBRATION_SCALES:
            raise ModelError(
                f"calibration scale {self.scale!r}: choose one of {', '.join(CALIBRATION_SCALES)}"
            )
        lims = tuple(float(v) for v in self.adapt_limits)
        if len(lims) != 2 or not 0 < lims[0] <= 1 <= lims[1]:
            raise ModelError(
                f"calibration adapt_limits must be (low <= 1, high >= 1), got {self.adapt_limits!r}"
            )
        object.__setattr__(self, "adapt_limits", lims)
        if not self.halflife > 0:
            raise ModelError(f"calibration halflife must be > 0, got {self.halflife!r}")
        if self.record_cap is not None and not self.record_cap >= 1:
            raise ModelError(
                f"calibration record_cap must be >= 1 or None, got {self.record_cap!r}"
            )
        if self.window < 2 or self.min_errors < 2 or (self.warmup is not None and self.warmup < 0):
            raise ModelError("calibration needs window >= 2, min_errors >= 2 and warmup >= 0")
        if self.max_width is not None and not self.max_width > 0:
            raise ModelError(f"calibration max_width must be > 0, got {self.max_width!r}")
        if not 0 <= self.gamma < 1:
            raise ModelError(f"calibration gamma must be in [0, 1), got {self.gamma!r}")


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
    reselect_every: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({"auto_sarima": 12})
    )
    warm_start: bool = True
    learned_ensemble: bool = False
    learn_window: int = 36

    DEFAULT_START = "2011-12"

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
