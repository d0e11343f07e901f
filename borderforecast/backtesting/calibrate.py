"""Honest intervals: adaptive conformal calibration from a model's own past errors.

At origin *T* and horizon *k* the calibrated interval is ``log(median + 1) +/- q_T * v_T``:
``v_T`` the model's recent one-step log error size (``scale="errors"``), ``q_T`` the
split-conformal quantile of its past scaled errors at that horizon whose target month is at
most *T*, its miscoverage level adapting as forecasts resolve (Gibbs & Candes 2021); widths
never shrink with the horizon and upper bounds are capped near the record (``record_cap``).
Point forecasts are never changed. The method and its settings: docs/guide/backtest.md and
:class:`CalibrationOptions`. :func:`calibrate_frame` does a whole backtest in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..intervals import interval_columns, level_label, nest

CALIBRATION_METHODS = ("conformal", "none")
CALIBRATION_SCALES = ("errors", "none")


@dataclass(frozen=True)
class CalibrationOptions:
    """How model intervals are calibrated from the model's own past errors.

    The method (adaptive conformal, no look-ahead) is described in docs/guide/backtest.md.

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
    record_cap : float or None
        Upper bounds ``k`` months ahead stay below the record up to the origin times the
        larger of ``record_cap`` (default 1.5; None: no cap) and the most the series has
        ever risen above its record of ``k`` months before: a rise it has made is possible.
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
    record_cap: float | None = 1.5
    warmup: int | None = None

    def __post_init__(self) -> None:
        for name, (whole, ok, rule) in _NUMBERS.items():
            v = getattr(self, name)
            if v is None and name in ("warmup", "record_cap"):
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not ok(v) or (
                whole and not float(v).is_integer()
            ):
                raise ModelError(f"calibration {name} must be {rule}, got {v!r}")
            object.__setattr__(self, name, int(v) if whole else float(v))
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


_NUMBERS = {  # option: (whole months, in range, the rule in words)
    "window": (True, lambda v: v >= 2, "a whole number of months >= 2"),
    "min_errors": (True, lambda v: v >= 2, "a whole number >= 2"),
    "warmup": (True, lambda v: v >= 0, "a whole number of origins >= 0 or None"),
    "halflife": (False, lambda v: v > 0, "a number of months > 0"),
    "gamma": (False, lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "record_cap": (False, lambda v: v >= 1, "a number >= 1 or None"),
}

YEAR = 12
SCALE_FLOOR = 0.005
"""Lower bound of the error scale (keeps near-constant series finite)."""


def log_errors(actual: np.ndarray, median: np.ndarray) -> np.ndarray:
    """``log(actual + 1) - log(median + 1)`` (the calibration's error scale)."""
    return np.log1p(np.asarray(actual, dtype=float)) - np.log1p(np.asarray(median, dtype=float))


def sorted_quantile(s: np.ndarray, miscoverage: float) -> float:
    """The split-conformal quantile of scores ``s`` sorted ascending: the
    ``ceil((n + 1)(1 - a))``-th smallest of ``n`` (the largest when that rank exceeds ``n``),
    which covers a new exchangeable score with probability at least ``1 - a``.

    >>> sorted_quantile(np.arange(1.0, 11.0), 0.2)   # rank ceil(11 * 0.8) = 9 of 1..10
    9.0
    """
    a = min(max(float(miscoverage), 0.0), 0.999)
    rank = math.ceil(round((1.0 - a) * (len(s) + 1), 9))
    return float(s[min(max(rank, 1), len(s)) - 1])


def level_step(gamma: float, level: float) -> float:
    """The adaptive step of one level: ``gamma * (a / 0.2) ** 2``, ``a`` its miscoverage.

    Examples
    --------
    >>> round(level_step(0.08, 80), 6), round(level_step(0.08, 95), 6)
    (0.08, 0.005)
    """
    a = 1.0 - float(level) / 100.0
    return float(gamma) * (a / 0.2) ** 2


def conformal_path(
    origins: np.ndarray,
    targets: np.ndarray,
    abs_errors: np.ndarray,
    scale: np.ndarray,
    levels: Sequence[float],
    options: CalibrationOptions,
) -> dict[float, np.ndarray]:
    """Log-scale half-widths of one (series, model, horizon) group, origin by origin.

    Rows sorted by origin; ``abs_errors`` the rows' ``|log(actual + 1) - log(median + 1)|``
    (NaN: unknown), ``scale`` the error scale at each origin (ones for ``scale="none"``).
    Returns per level one half-width per row, NaN where the model's own interval is kept; row
    ``i`` uses only rows whose target month is at most ``origins[i]``."""
    n = len(origins)
    scale = np.asarray(scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = abs_errors / scale
    out = {lv: np.full(n, np.nan) for lv in levels}
    nominal = {lv: 1.0 - lv / 100.0 for lv in levels}
    alpha = dict(nominal)
    months = np.asarray(origins).astype("datetime64[M]").astype(float)
    every = float(np.median(np.diff(months))) if n > 1 else 1.0  # months between origins
    step = {lv: every * level_step(options.gamma, lv) for lv in levels}
    low, high = options.adapt_limits
    resolved = 0
    finite = np.isfinite(scores)
    for i, t in enumerate(origins):
        while resolved < n and targets[resolved] <= t:
            j = resolved
            resolved += 1
            if options.gamma and finite[j]:
                for lv in levels:
                    if np.isfinite(out[lv][j]):
                        miss = float(abs_errors[j] > out[lv][j])
                        alpha[lv] += step[lv] * (nominal[lv] - miss)
        keep = np.flatnonzero(finite[:resolved])[-options.window :]
        if len(keep) < options.min_errors or not np.isfinite(scale[i]):
            continue
        ranked = np.sort(scores[keep])
        for lv in levels:
            a = min(max(alpha[lv], low * nominal[lv]), high * nominal[lv])
            out[lv][i] = sorted_quantile(ranked, a) * scale[i]
    return out


def error_scale(
    origins: np.ndarray, targets: np.ndarray, errors: np.ndarray, halflife: float
) -> np.ndarray:
    """Recent one-step error size at each origin: the exponentially weighted mean (half-life
    ``halflife``) of the absolute one-step log errors resolved (``targets``) by then, floored at
    :data:`SCALE_FLOOR`; NaN before the first.

    >>> t = np.array([1, 2, 3]); e = np.array([0.1, 0.1, 0.1])
    >>> error_scale(np.array([0, 2, 5]), t, e, 12.0).round(6).tolist()
    [nan, 0.1, 0.1]
    """
    errors = np.asarray(errors, dtype=float)
    ok = np.isfinite(errors)
    t = np.asarray(targets)[ok]
    order = np.argsort(t, kind="stable")
    t, e = t[order], errors[ok][order]
    out = np.full(len(origins), np.nan)
    if not len(e):
        return np.maximum(out, SCALE_FLOOR)
    ew = pd.Series(np.abs(e)).ewm(halflife=halflife).mean().to_numpy()
    pos = np.searchsorted(t, np.asarray(origins), side="right") - 1
    have = pos >= 0
    out[have] = np.maximum(ew[pos[have]], SCALE_FLOOR)
    return out


def _group_scale(g: pd.DataFrame, options: CalibrationOptions) -> np.ndarray:
    if options.scale == "none":
        return np.ones(len(g))
    one = g[g["horizon"] == 1]
    e1 = log_errors(one["actual"].to_numpy(), one["median"].to_numpy())
    return error_scale(g["origin"].to_numpy(), one["target_month"].to_numpy(), e1, options.halflife)


def _record_caps(g: pd.DataFrame, y: pd.Series | None, factor: float) -> np.ndarray:
    """Each row's cap of the upper bound (``record_cap``; NaN if unknown): the record times the
    larger of ``factor`` and the largest ``(y_t + 1) / (record up to t - k, + 1)`` known then."""
    origins = g["origin"].to_numpy()
    if y is not None:
        t, v = y.index.to_numpy(), y.to_numpy(dtype=float)
    else:
        known = g.dropna(subset=["actual"]).drop_duplicates("target_month")
        known = known.sort_values("target_month")
        t, v = known["target_month"].to_numpy(), known["actual"].to_numpy(dtype=float)
    out = np.full(len(g), np.nan)
    if not len(v):
        return out
    best = np.fmax.accumulate(v)
    pos = np.searchsorted(t, origins, side="right") - 1
    horizon = g["horizon"].to_numpy(dtype=int)
    for k in np.unique(horizon):
        rise = np.full(len(v), factor)
        j = k + YEAR - 1  # a record is one once it spans a year
        rise[j:] = np.fmax((v[j:] + 1.0) / (best[YEAR - 1 : -k] + 1.0), factor)
        most = np.fmax.accumulate(rise)
        rows = (horizon == k) & (pos >= 0)
        out[rows] = best[pos[rows]] * most[pos[rows]]
    return out


def _calibrate_group(
    g: pd.DataFrame,
    levels: Sequence[float],
    options: CalibrationOptions,
    y: pd.Series | None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """New interval columns and the ``calibrated`` flag of one (series, model) group."""
    g = g.reset_index(drop=True)
    scale = _group_scale(g, options)
    abs_err = np.abs(log_errors(g["actual"].to_numpy(), g["median"].to_numpy()))
    width = {lv: np.full(len(g), np.nan) for lv in levels}
    for _, rows in g.groupby("horizon", sort=True).groups.items():
        pos = np.asarray(rows)
        pos = pos[np.argsort(g["origin"].to_numpy()[pos], kind="stable")]
        w = conformal_path(
            g["origin"].to_numpy()[pos],
            g["target_month"].to_numpy()[pos],
            abs_err[pos],
            scale[pos],
            levels,
            options,
        )
        for lv in levels:
            width[lv][pos] = w[lv]
    if options.monotone:
        order = np.lexsort((g["horizon"].to_numpy(), g["origin"].to_numpy()))
        keys = g["origin"].to_numpy()[order]
        for lv in levels:
            w = pd.Series(width[lv][order]).groupby(keys).cummax().to_numpy()
            width[lv][order] = np.where(np.isfinite(width[lv][order]), w, np.nan)
    median = g["median"].to_numpy(dtype=float)
    caps = _record_caps(g, y, options.record_cap) if options.record_cap is not None else None
    new: dict[str, np.ndarray] = {}
    flag = np.zeros(len(g), dtype=bool)
    for lv in levels:
        lo_c, hi_c = f"lo{level_label(lv)}", f"hi{level_label(lv)}"
        lo, hi = g[lo_c].to_numpy(dtype=float).copy(), g[hi_c].to_numpy(dtype=float).copy()
        ok = np.isfinite(width[lv])
        lm = np.log1p(median[ok])
        c_lo = np.maximum(np.expm1(lm - width[lv][ok]), 0.0)
        c_hi = np.expm1(lm + width[lv][ok])
        lo[ok], hi[ok] = c_lo, c_hi
        if caps is not None:
            capped = ok & np.isfinite(caps)
            hi[capped] = np.maximum(np.minimum(hi[capped], caps[capped]), median[capped])
        new[lo_c], new[hi_c] = lo, hi
        flag |= ok
    return new, flag


def calibrate_frame(
    raw: pd.DataFrame,
    levels: Sequence[float],
    options: CalibrationOptions,
    series: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Calibrated copy of a long backtest frame (no look-ahead).

    ``raw``: ``series, model, origin, target_month, horizon, actual, median`` and the models' own
    interval columns; ``series``: the data for the record cap (default the actuals in ``raw``).
    Returns the same rows with the interval columns replaced where the calibration applies and
    a boolean ``calibrated`` column."""
    out = raw.copy()
    out["calibrated"] = False
    if options.method == "none" or out.empty:
        return out
    cols = interval_columns(levels)[1:]
    new = {c: out[c].to_numpy(dtype=float).copy() for c in cols}
    flag = np.zeros(len(out), dtype=bool)
    for (sid, _), g in out.groupby(["series", "model"], sort=False):
        pos = out.index.get_indexer(g.index)
        y = (series or {}).get(str(sid))
        vals, ok = _calibrate_group(g, levels, options, y)
        for c in cols:
            new[c][pos] = vals[c]
        flag[pos] = ok
    for c, v in new.items():
        out[c] = v
    out["calibrated"] = flag
    nest(out, levels)
    return out
