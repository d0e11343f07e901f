"""The calibration a live forecast needs, by the short route: origins, raw fits, conformal widths.

:func:`calibration` fits the model at the calibration origins (:func:`origin_grid`: every
``step`` months from December 2011, plus warm-up origins), reading and writing the unit cache
under the backtest's keys (so the two share their fits), and keeps the rows ``origin,
target_month, horizon, actual, median`` in an immutable :class:`Calibration`, which
:meth:`Calibration.apply` turns into conformal, guarded intervals for a new forecast.
:meth:`Calibration.from_backtest` builds the same object from a full backtest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..intervals import DEFAULT_LEVELS, guard_intervals, interval_columns, levels_of, nest
from ..models.fitted import MAX_HORIZON
from ..models.registry import ModelSpec
from ..series import month
from .calibrate import CalibrationOptions, _calibrate_group

if TYPE_CHECKING:  # pragma: no cover
    from .result import BacktestResult

CALIBRATION_STEP = 3
"""Months between calibration origins (the report's backtest step, so both agree)."""
CALIBRATION_MIN_H = 12
"""A calibration covers at least this many months ahead."""
DEFAULT_START = "2011-12"
"""First scored origin (or the first month with enough history, if later)."""
HISTORY_COLUMNS = ["origin", "target_month", "horizon", "actual", "median"]


def calibration_horizon(h: int) -> int:
    """The horizon a calibration for an ``h``-month forecast covers: ``max(h, 12)``, at most 36."""
    return min(max(int(h), CALIBRATION_MIN_H), MAX_HORIZON)


def origin_grid(
    index: pd.DatetimeIndex,
    *,
    h: int,
    step: int,
    min_len: int,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    warmup: int = 0,
) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """``(scored, warm-up)`` origins of a rolling-origin run on a series' months.

    Scored: every ``step`` months from ``start`` to ``end`` (default: the last month with ``h``
    months of actuals after it). ``start`` defaults to the later of :data:`DEFAULT_START` and the
    first month with ``min_len`` months of history, or, on a series ending before that, to the
    first origin after ``warmup`` origins from that month (that month, if too short for a
    warm-up). Warm-up: up to ``warmup`` earlier origins at the same step, none before that month.
    """
    first_ok = index[min_len - 1]
    last = index[-1]
    end = end if end is not None else last - pd.DateOffset(months=h)
    if start is None:  # Dec 2011 on a series that runs past it, else relative to the series
        start = max(month(DEFAULT_START), first_ok)
        if start > end:  # the first origin after a warm-up, or the first possible one
            after = first_ok + pd.DateOffset(months=warmup * step)
            start = after if after <= end else first_ok
    if end < start:
        raise DataError(
            f"no origins: the first origin {start:%Y-%m} is after the last {end:%Y-%m} "
            f"(the last month with {h} months of actuals after it)"
        )
    grid = [pd.Timestamp(o) for o in pd.date_range(start, end, freq=pd.DateOffset(months=step))]
    warm: list[pd.Timestamp] = []
    o = start - pd.DateOffset(months=step)
    while len(warm) < warmup and o >= first_ok:
        warm.insert(0, pd.Timestamp(o))
        o = o - pd.DateOffset(months=step)
    return grid, warm


def warmup_origins(options: CalibrationOptions, h: int, step: int) -> int:
    """How many warm-up origins seed the conformal scores (see ``CalibrationOptions.warmup``)."""
    if options.method == "none":
        return 0
    if options.warmup is not None:
        return options.warmup
    return options.min_errors + math.ceil(h / step)


@dataclass(frozen=True)
class Calibration:
    """A model's past errors on a series, and the settings that turn them into interval widths.

    Attributes
    ----------
    model, series : str
        The model name and series id the errors belong to.
    history : pandas.DataFrame
        ``origin, target_month, horizon, actual, median``: the model's raw
        forecasts at the calibration origins (warm-up ones included).
    options : CalibrationOptions
        The conformal settings.
    info : dict
        The calibration window, for ``frame.attrs["calibration"]``.
    """

    model: str
    series: str
    history: pd.DataFrame = field(repr=False, compare=False)
    options: CalibrationOptions = field(default_factory=CalibrationOptions)
    info: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def h(self) -> int:
        """The longest horizon the calibration covers."""
        return int(self.info.get("h") or self.history["horizon"].max())

    @classmethod
    def from_backtest(cls, result: BacktestResult, model: str, series: str) -> Calibration:
        """The calibration of ``model`` on ``series`` held by a backtest's raw forecasts."""
        raw = result.raw_forecasts
        rows = raw[(raw["series"] == series) & (raw["model"] == model)]
        scored = result.forecasts
        scored = scored[(scored["series"] == series) & (scored["model"] == model)]
        info = _info(
            scored["origin"], result.options.step, result.options.h,
            result.options.calibration, result.info.get("data_release"),
        )  # fmt: skip
        return cls(model, series, rows[HISTORY_COLUMNS].reset_index(drop=True),
                   result.options.calibration, info)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Plain data: model, series, settings, window and the history rows."""
        hist = self.history.copy()
        for c in ("origin", "target_month"):
            hist[c] = pd.to_datetime(hist[c]).dt.strftime("%Y-%m")
        return {
            "model": self.model,
            "series": self.series,
            "options": asdict(self.options),
            "info": dict(self.info),
            "history": hist.to_dict(orient="list"),
        }

    def apply(self, raw: pd.DataFrame, y: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(conformal, guarded)``: a raw forecast frame with calibrated intervals.

        ``conformal`` has the conformal widths at each horizon the history covers (the model's
        own beyond); ``guarded``, what the public forecast shows, passes it through
        :func:`~borderforecast.intervals.guard_intervals` (two whole-number levels), with
        ``attrs["interval_notes"]``, ``attrs["calibration"]`` and ``attrs["intervals"]``
        (``"calibrated"``, or ``"raw"`` when too few past errors calibrate any horizon, as
        ``attrs["calibration"]["used"]`` then says).
        """
        conformal = calibrate(self.history, raw, self.options, y)
        how = conformal.attrs.get("intervals", "calibrated")  # "raw": too few past errors
        levels = levels_of(raw)
        notes: tuple[str, ...] = ()
        guarded = conformal
        if len(levels) == 2 and all(float(v).is_integer() for v in levels):
            g = guard_intervals(conformal, y, tuple(int(v) for v in levels))
            guarded, notes = g.frame, g.notes
        guarded.attrs.update(raw.attrs)
        info = dict(self.info)
        if how == "raw":  # what was tried, and why the model's own intervals are shown
            few = f"fewer than {self.options.min_errors} past errors at every horizon"
            info["used"] = "no: " + ("method 'none'" if self.options.method == "none" else few)
        guarded.attrs.update(interval_notes=notes, intervals=how, calibration=info)
        return conformal, guarded


def _info(
    origins: pd.Series, step: int, h: int, options: CalibrationOptions, release: Any
) -> dict[str, Any]:
    o = pd.to_datetime(origins)
    return {
        "method": options.method,
        "first_origin": f"{o.min():%Y-%m}" if len(o) else None,
        "last_origin": f"{o.max():%Y-%m}" if len(o) else None,
        "origins": int(o.nunique()),
        "step": step,
        "h": h,
        "window": options.window,
        "data_release": release,
    }


def calibration(
    y: pd.Series,
    spec: ModelSpec,
    *,
    series: str,
    h: int = CALIBRATION_MIN_H,
    seed: int = 0,
    step: int = CALIBRATION_STEP,
    parts: Mapping[str, pd.Series] | None = None,
    options: CalibrationOptions | None = None,
) -> Calibration:
    """The calibration of ``spec`` on ``y``: raw fits at the calibration origins (cached).

    ``h``: the forecast's horizon (covered to :func:`calibration_horizon`); ``parts`` go to a
    bottom-up model's fits, cut at each origin. Units are keyed like the backtest's
    (:func:`.units.unit_key`), so a backtest of the same model, series, horizon and seed shares
    their fits.
    """
    from .units import RESELECT_EVERY, Task, UnitCache, run_unit, spec_to_dict, unit_keys

    opts = options or CalibrationOptions()
    hb = calibration_horizon(h)
    model = spec.build(seed=seed)
    min_len = max(13, int(model.min_length))
    if len(y) < min_len + hb:
        raise DataError(f"series {series!r} has {len(y)} months: too short to calibrate on")
    scored, warm = origin_grid(
        y.index, h=hb, step=step, min_len=min_len, warmup=warmup_origins(opts, hb, step)
    )
    sd = spec_to_dict(spec)
    cache = UnitCache()
    levels = tuple(DEFAULT_LEVELS)
    width = len(interval_columns(levels))
    every = RESELECT_EVERY.get(spec.name)
    use = parts if model.uses_parts else None
    keys = unit_keys(series, y, sd, warm + scored, hb, levels, seed, every, True, use)
    rows = []
    for o in warm + scored:
        key = keys[o]
        hit = cache.get(key, (hb, width))
        if hit is not None:
            values = hit[0]
        else:
            r = run_unit(Task(series, y.loc[:o], sd, (o,), hb, levels, seed, every, parts=use), o)
            if not r.ok or r.values is None:
                continue
            cache.put(key, r.values, r.converged)
            values = r.values
        rows.append((o, values[:, 0]))
    history = _history(y, rows, hb)
    ok = history["origin"].drop_duplicates()
    info = _info(ok[ok.isin(scored)], step, hb, opts, y.attrs.get("release"))
    return Calibration(spec.name, series, history, opts, info)


def _history(y: pd.Series, rows: list[tuple[pd.Timestamp, np.ndarray]], h: int) -> pd.DataFrame:
    """The long ``origin, target_month, horizon, actual, median`` frame of the raw fits."""
    yv = y.to_numpy(dtype=float)
    out = []
    for o, median in rows:
        i = y.index.get_loc(o)
        k = np.arange(1, h + 1)
        actual = np.full(h, np.nan)
        inside = i + k < len(yv)
        actual[inside] = yv[i + k[inside]]
        targets = pd.date_range(o + pd.offsets.MonthBegin(1), periods=h, freq="MS")
        out.append(pd.DataFrame({"origin": o, "target_month": targets, "horizon": k,
                                 "actual": actual, "median": median}))  # fmt: skip
    if not out:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    return pd.concat(out, ignore_index=True)


def calibrate(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    options: CalibrationOptions | None = None,
    y: pd.Series | None = None,
) -> pd.DataFrame:
    """Calibrate one raw forecast with one model's past backtest errors (a pure function).

    ``history``: the same model's past forecasts on the same series, ``origin, target_month,
    horizon, actual, median`` (e.g. a slice of ``BacktestResult.raw_forecasts``); only errors
    known at the forecast's origin are used. ``forecast``: the raw forecast (index the months
    after the origin, ``median``, ``lo<L>``/``hi<L>``). ``y``: the data up to the origin, for
    the record cap (default the actuals in ``history``). Returns a copy of ``forecast`` with
    calibrated intervals where the history covers the horizon (the model's own elsewhere) and
    ``attrs["intervals"]`` ``"calibrated"`` (``"raw"`` if no horizon could be).
    """
    opts = options or CalibrationOptions()
    frame = forecast.copy()
    levels: Sequence[float] = levels_of(frame)
    frame.attrs["intervals"] = "raw"
    if opts.method == "none" or frame.empty:
        return frame
    origin = pd.Timestamp(frame.index[0]) - pd.DateOffset(months=1)
    hist = history[pd.to_datetime(history["origin"]) < origin].copy()
    hist["origin"] = pd.to_datetime(hist["origin"])
    hist["target_month"] = pd.to_datetime(hist["target_month"])
    hist.loc[hist["target_month"] > origin, "actual"] = np.nan
    if y is not None:
        y = y.loc[:origin]
    cols = ["origin", "target_month", "horizon", "actual"] + interval_columns(levels)
    live = pd.DataFrame(
        {
            "origin": origin,
            "target_month": pd.DatetimeIndex(frame.index),
            "horizon": np.arange(1, len(frame) + 1),
            "actual": np.nan,
        }
    )
    for c in interval_columns(levels):
        live[c] = frame[c].to_numpy(dtype=float)
    g = pd.concat([hist[[c for c in cols if c in hist]], live[cols]], ignore_index=True)
    for c in interval_columns(levels)[1:]:
        if c not in hist:
            g[c] = g[c].fillna(g["median"])  # history without intervals: only its errors count
    vals, ok = _calibrate_group(g, levels, opts, y)
    n = len(live)
    for c, v in vals.items():
        frame[c] = v[-n:]
    if ok[-n:].any():
        frame.attrs["intervals"] = "calibrated"
    nest(frame, levels)
    return frame
