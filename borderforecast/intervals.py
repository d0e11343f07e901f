"""Forecast intervals in one place: levels, column names, nesting, caps and the guards.

Every forecast frame of the package has a point column and, per level ``L``,
``lo<L>`` and ``hi<L>`` (``lo80, hi80, lo95, hi95`` by default). The rules that
keep them well formed live here, used by the models, ensembles, calibration and
the report alike:

* :func:`tidy`: bounds on the right side of the point, wider levels around
  narrower ones (:func:`nest`);
* :func:`guard_intervals`: for a calibrated forecast, strictly ordered levels
  (on the log scale the 95% half-width is at least :data:`MIN_RATIO` times the
  80% one, below the normal distribution's 1.53), half-widths that never
  narrow across horizons (isotonic regression), and upper (lower) bounds ``k``
  months ahead at most the latest month times the largest ``k``-month rise
  (fall) on record, with a sentence when an upper bound passes the record month.

Examples
--------
>>> import numpy as np, pandas as pd
>>> idx = pd.date_range("2025-09-01", periods=3, freq="MS")
>>> fc = pd.DataFrame({"median": [100.0] * 3, "lo80": [80, 60, 70.0], "hi80": [125, 160, 140.0],
...                    "lo95": [80, 50, 60.0], "hi95": [125, 200, 170.0]}, index=idx)
>>> y = pd.Series(np.r_[np.full(20, 100.0), np.full(20, 400.0), np.full(20, 100.0)],
...               index=pd.date_range("2020-09-01", periods=60, freq="MS"))
>>> g = guard_intervals(fc, y).frame
>>> bool((g["lo95"] < g["lo80"]).all() and (g["hi80"] < g["hi95"]).all())
True
>>> bool(np.all(np.diff(g["hi95"]) >= 0))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ModelError

DEFAULT_LEVELS: tuple[int, ...] = (80, 95)
LEVELS = DEFAULT_LEVELS
POINT = "median"
"""The point column of the model protocol: the median (of the count, for a log model)."""

MIN_RATIO = 1.25
"""Least ratio of the 95% to the 80% log half-width (normal: 1.96 / 1.28 = 1.53)."""


def check_levels(level: int | float | Sequence[int | float]) -> tuple[float, ...]:
    """Validate interval levels (percent, strictly between 0 and 100), sorted."""
    levels = (level,) if isinstance(level, (int, float)) else tuple(level)
    out = []
    for lv in levels:
        if not isinstance(lv, (int, float)) or not 0 < float(lv) < 100:
            raise ModelError(f"interval level {lv!r} must be a percentage between 0 and 100")
        out.append(int(lv) if float(lv).is_integer() else float(lv))
    return tuple(sorted(set(out)))


def level_label(level: float) -> str:
    """Column suffix for a level: 80 -> '80', 97.5 -> '97.5'."""
    return f"{level:g}"


def interval_columns(levels: Sequence[float]) -> list[str]:
    """Column names in the canonical order: median, lo80, hi80, lo95, hi95."""
    cols = [POINT]
    for lv in levels:
        cols += [f"lo{level_label(lv)}", f"hi{level_label(lv)}"]
    return cols


def levels_of(frame: pd.DataFrame) -> list[float]:
    """The levels whose ``lo``/``hi`` columns a frame holds, sorted."""
    out = []
    for c in frame.columns:
        if isinstance(c, str) and c.startswith("lo") and f"hi{c[2:]}" in frame.columns:
            v = float(c[2:])
            out.append(int(v) if v.is_integer() else v)
    return sorted(out)


def nest(frame: pd.DataFrame, levels: Sequence[float]) -> None:
    """In place: a wider level never sits inside a narrower one."""
    levels = sorted(levels)
    for narrow, wide in zip(levels, levels[1:], strict=False):
        ln, lw = f"lo{level_label(narrow)}", f"lo{level_label(wide)}"
        hn, hw = f"hi{level_label(narrow)}", f"hi{level_label(wide)}"
        frame[lw] = np.minimum(frame[lw], frame[ln])
        frame[hw] = np.maximum(frame[hw], frame[hn])


def tidy(
    point: np.ndarray,
    lower: dict[float, np.ndarray],
    upper: dict[float, np.ndarray],
    levels: Sequence[float],
    index: pd.Index,
) -> pd.DataFrame:
    """A forecast frame from a point and bounds: each bound on its side of the point, nested."""
    out = {POINT: np.asarray(point, dtype=float)}
    for lv in levels:
        out[f"lo{level_label(lv)}"] = np.minimum(lower[lv], out[POINT])
        out[f"hi{level_label(lv)}"] = np.maximum(upper[lv], out[POINT])
    frame = pd.DataFrame(out, index=index)[interval_columns(levels)]
    nest(frame, levels)
    return frame


@dataclass(frozen=True)
class GuardedForecast:
    """A forecast frame after the guards, and the sentences that explain what they did."""

    frame: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    model: str = ""


def _monotone(w: np.ndarray) -> np.ndarray:
    if len(w) < 2 or np.all(np.diff(w) >= 0):
        return w
    from sklearn.isotonic import IsotonicRegression

    x = np.arange(len(w), dtype=float)
    return IsotonicRegression(increasing=True).fit_transform(x, w)


def record_moves(y: pd.Series, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest ``k``-month rise and fall on record (log scale), ``k = 1..h``, non-decreasing.

    Examples
    --------
    >>> y = pd.Series([10.0, 20.0, 5.0, 5.0], index=pd.date_range("2020-01-01", periods=4,
    ...               freq="MS"))
    >>> up, down = record_moves(y, 2)
    >>> [round(float(np.expm1(v)), 2) for v in up], [round(float(v), 3) for v in down]
    ([0.91, 0.91], [1.253, 1.253])
    """
    z = np.log1p(np.asarray(y, dtype=float))
    up, down = np.zeros(h), np.zeros(h)
    for k in range(1, h + 1):
        if len(z) > k:
            d = z[k:] - z[:-k]
            up[k - 1], down[k - 1] = max(float(d.max()), 0.0), max(float(-d.min()), 0.0)
        elif k > 1:
            up[k - 1], down[k - 1] = up[k - 2], down[k - 2]
    return np.maximum.accumulate(up), np.maximum.accumulate(down)


def guard_intervals(
    forecast: pd.DataFrame, y: pd.Series, levels: Sequence[int] = LEVELS
) -> GuardedForecast:
    """Make a forecast's intervals nested, strictly ordered, smooth and bounded (see module doc).

    Point forecasts are never changed. ``y`` is the series the forecast was made from.
    """
    frame = forecast.copy().astype(float)
    lv = sorted(levels)
    lm = np.log1p(np.maximum(frame[POINT].to_numpy(), 0.0))
    h = len(frame)
    up, down = record_moves(y, h)
    last = float(np.log1p(max(float(y.iloc[-1]), 0.0)))
    widths: dict[tuple[str, int], np.ndarray] = {}
    for level in lv:
        lo = np.log1p(np.maximum(frame[f"lo{level}"].to_numpy(), 0.0))
        hi = np.log1p(np.maximum(frame[f"hi{level}"].to_numpy(), 0.0))
        widths["lo", level] = np.maximum(lm - lo, 0.0)
        widths["hi", level] = np.maximum(hi - lm, 0.0)
    if h == 0 or not any(np.any(w > 0) for w in widths.values()):
        return GuardedForecast(frame, ())
    caps = {"hi": np.maximum(last + up - lm, 0.0), "lo": np.maximum(lm - (last - down), 0.0)}
    for side in ("lo", "hi"):
        narrow, wide = widths[side, lv[0]], widths[side, lv[-1]]
        # a level without spread borrows it from the other, so both stay strictly apart
        narrow = np.where((narrow <= 0) & (wide > 0), wide / MIN_RATIO, narrow)
        wide = np.where(wide <= 0, narrow * MIN_RATIO, wide)
        narrow, wide = _monotone(narrow), _monotone(wide)
        wide = np.maximum(wide, narrow * MIN_RATIO)
        cap = caps[side]
        if np.any(cap < wide) and np.all(cap > 0):
            wide = np.minimum(wide, np.maximum.accumulate(cap))
        narrow = np.minimum(narrow, wide / MIN_RATIO)
        widths[side, lv[0]], widths[side, lv[-1]] = narrow, wide
    for level in lv:
        frame[f"lo{level}"] = np.maximum(np.expm1(lm - widths["lo", level]), 0.0)
        frame[f"hi{level}"] = np.expm1(lm + widths["hi", level])
    return GuardedForecast(frame, _record_note(frame, y, lv[-1], up))


def _record_note(frame: pd.DataFrame, y: pd.Series, level: int, up: np.ndarray) -> tuple[str, ...]:
    record = float(y.max())
    above = frame.index[frame[f"hi{level}"].to_numpy() > record]
    if not len(above):
        return ()
    k = int(frame.index.get_loc(above[0])) + 1
    rise = float(np.expm1(up[k - 1]) + 1)
    return (
        f"From {above[0]:%B %Y} the upper {level}% bound passes the record month "
        f"({y.idxmax():%B %Y}, {record:,.0f}): the series has risen as much as "
        f"{rise:,.1f}-fold within {k} month{'s' if k > 1 else ''} before, so a rise of "
        "that size cannot be ruled out; nothing in the forecast itself expects it.",
    )


def check_intervals(frame: pd.DataFrame, levels: Sequence[int] = LEVELS) -> list[str]:
    """Problems of a forecast frame's intervals (empty when well formed): for tests and reports.

    Checks ``lo95 < lo80 < point < hi80 < hi95`` (a lower bound may meet another only at
    zero), and that no half-width narrows from one month to the next.
    """
    lv = sorted(levels)
    problems = []
    cols = [f"lo{lv[-1]}", f"lo{lv[0]}", POINT, f"hi{lv[0]}", f"hi{lv[-1]}"]
    v = frame[cols].to_numpy(dtype=float)
    spread = (v[:, -1] - v[:, 0]) > 0
    for i, (m, row) in enumerate(zip(frame.index, v, strict=True)):
        if not spread[i]:
            continue
        # counts cannot go below zero: lower bounds may meet only there
        lo_ok = (row[0] < row[1]) or (row[0] == row[1] == 0.0)
        lo_ok = lo_ok and ((row[1] < row[2]) or (row[1] == 0.0 == row[2]))
        if not (lo_ok and row[2] < row[3] < row[4]):
            problems.append(f"{m:%Y-%m}: bounds not strictly ordered {np.round(row, 1).tolist()}")
    lm = np.log1p(v[:, 2])
    for j, name in ((4, cols[4]), (3, cols[3])):
        w = np.log1p(v[:, j]) - lm
        if np.any(np.diff(w) < -1e-9):
            problems.append(f"{name} half-width narrows across horizons")
    return problems
