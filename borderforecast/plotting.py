"""The figure style every figure of the package shares (units on axes, thousands
separators, fiscal years marked), its helpers, and :func:`figure_bytes` (reproducible
PNG and SVG bytes).

Examples
--------
>>> import pandas as pd
>>> from borderforecast import plotting
>>> fig, ax = plotting.new_figure()
>>> y = pd.Series([1000.0, 1200.0, 900.0],
...               index=pd.date_range("2024-08-01", periods=3, freq="MS"))
>>> _ = ax.plot(y.index, y.values)
>>> plotting.format_count_axis(ax)
>>> plotting.mark_fiscal_years(ax, y.index[0], y.index[-1])
['FY2024', 'FY2025']
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, YearLocator, rrulewrapper
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from matplotlib.transforms import TransformNode

from .fiscal import fiscal_year

COUNT_LABEL = "encounters per month"
"""Default y-axis label for monthly counts."""

COLORS: Mapping[str, str] = {
    "observed": "#1a1a1a",
    "forecast": "#1f5fa8",
    "benchmark": "#c0392b",
    "season": "#7a7a7a",
    "highlight": "#e67e22",
    "fy_shade": "#eef1f5",
}
"""Named colours used across figures (colour-blind safe blue/orange/red)."""

RC: Mapping[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "svg.hashsalt": "borderforecast",
    "svg.fonttype": "none",
    "path.simplify": False,
}
"""matplotlib settings applied while borderforecast draws a figure."""


@contextmanager
def style() -> Iterator[None]:
    """Apply the borderforecast style inside a ``with`` block."""
    with matplotlib.rc_context(dict(RC)):  # type: ignore[arg-type]
        yield


def thousands(value: float, _pos: Any = None) -> str:
    """Format a tick value with thousands separators and a true minus: ``12500 -> '12,500'``.

    >>> thousands(1234567.0), thousands(-2500.0)
    ('1,234,567', '−2,500')
    """
    return f"{value:,.0f}".replace("-", "\u2212")


def new_figure(
    width: float = 9.0, height: float = 4.2, nrows: int = 1, ncols: int = 1, **kwargs: Any
) -> tuple[Figure, Any]:
    """``(fig, ax)``, or ``(fig, axes_array)`` for several panels; not registered with pyplot
    (nothing leaks)."""
    with style():
        fig = Figure(figsize=(width, height), layout="constrained")
        kwargs.setdefault("squeeze", True)
        axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def format_count_axis(ax: Axes, label: str = COUNT_LABEL) -> None:
    """Label the y axis with its unit and thousands separators, starting at zero."""
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_ylabel(label)
    lo, hi = ax.get_ylim()
    ax.set_ylim(bottom=min(0.0, lo), top=hi)


def format_month_axis(ax: Axes, label: str = "month", years: int = 1) -> None:
    """Label a date x-axis: a tick each ``years`` calendar years, ``YYYY`` labels."""
    ax.xaxis.set_major_locator(YearLocator(base=max(1, years), month=1, day=1))
    ax.xaxis.set_major_formatter(DateFormatter("%Y"))
    ax.set_xlabel(label)


def mark_fiscal_years(
    ax: Axes, start: pd.Timestamp, end: pd.Timestamp, *, label: bool = True, fiscal: bool = True
) -> list[str]:
    """Shade alternate fiscal years (October-September; calendar years if not ``fiscal``), a
    thin line at each year's start, and labels (``FY2025``, ``2025``) at the top when at most 12
    fit. Returns the years' labels."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    first, last = start.year, end.year
    if fiscal:
        first, last = int(fiscal_year(start)), int(fiscal_year(end))
    names = []
    trans = ax.get_xaxis_transform()
    show_labels = label and (last - first + 1) <= 12
    for fy in range(first, last + 1):
        boundary = pd.Timestamp(f"{fy - 1}-10-01") if fiscal else pd.Timestamp(f"{fy}-01-01")
        lo = max(boundary, start - pd.Timedelta(days=15))
        hi = min(boundary + pd.DateOffset(years=1), end + pd.Timedelta(days=15))
        names.append(f"FY{fy}" if fiscal else str(fy))
        if fy % 2 == 0:
            ax.axvspan(lo, hi, color=COLORS["fy_shade"], lw=0, zorder=0)
        if start < boundary <= end:
            ax.axvline(boundary, color="0.6", lw=0.6, ls=":", zorder=1)
        if show_labels:
            ax.text(lo + (hi - lo) / 2, 0.995, names[-1], transform=trans, ha="center", va="top",
                    fontsize=7.5, color="0.35")  # fmt: skip
    return names


def legend_outside(ax: Axes, ncols: int = 4) -> None:
    """Move the legend of ``ax`` below the axes (never over data)."""
    handles, labels = ax.get_legend_handles_labels()
    if (old := ax.get_legend()) is not None:
        old.remove()
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  ncols=min(ncols, len(handles)), fontsize=8.5, frameon=False,
                  borderaxespad=0.5)  # fmt: skip


_METADATA: Mapping[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": "borderforecast"},
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": "borderforecast"},
}
"""No dates in figure files: the same figure gives the same bytes."""


def figure_bytes(fig: Figure, fmt: str = "svg") -> bytes:
    """Render ``fig`` as PNG or SVG bytes, reproducibly (no dates, fixed ids)."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format=fmt, metadata=_METADATA.get(fmt, {}))
    return buf.getvalue()


class _Drawn(pickle.Pickler):
    """Pickles what a figure draws: without the transforms' back-references (keyed by
    ``id``) and a date locator's rule (made at its creation time, rebuilt when drawn)."""

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, TransformNode | rrulewrapper):
            return NotImplemented
        reduced: Any = obj.__reduce_ex__(5)
        cls, args, state, *rest = reduced
        state = {k: v for k, v in state.items() if k not in ("_parents", "_rrule")}
        return (cls, args, state, *rest)


def figure_digest(fig: Figure) -> str | None:
    """SHA-256 of what ``fig`` draws, the same in every process (None if it cannot pickle)."""
    buf = io.BytesIO()
    try:
        _Drawn(buf, protocol=5).dump(fig)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.sha256(buf.getvalue()).hexdigest()


def forecast_figure(
    observed: pd.Series,
    fitted: pd.Series,
    fc: pd.DataFrame,
    levels: Any,
    name: str,
    ax: Axes | None = None,
) -> Figure:
    """Observed and fitted counts, then a fan chart of the forecast ``fc`` (point column
    ``median``, ``lo<L>``/``hi<L>`` per level), on a log scale with limits that hug the data."""
    fig, ax = new_figure(9.0, 4.5) if ax is None else (ax.figure, ax)
    with style():
        ax.plot(observed.index, observed.values, color=COLORS["observed"], lw=1.4,
                label="observed")  # fmt: skip
        ax.plot(observed.index, fitted.values, color="0.5", lw=0.9, ls="--", label="fitted")
        bands(ax, fc, levels)
        ax.plot(fc.index, fc["median"], color=COLORS["forecast"], lw=1.6,
                label=f"forecast ({name})")  # fmt: skip
        shown = np.concatenate([observed.to_numpy(dtype=float), fc.to_numpy(dtype=float).ravel()])
        log_axis(ax, shown)
        format_month_axis(ax)
        ax.set_title(f"{observed.name or 'series'}: {name} forecast")
        legend_outside(ax, ncols=5)
    return fig  # type: ignore[return-value]


def bands(ax: Axes, fc: pd.DataFrame, levels: Any = (80, 95), word: str = "interval") -> None:
    """The intervals ``lo<L>``/``hi<L>`` of ``fc`` as nested bands, the widest palest."""
    alphas = (0.3,) if len(levels) == 1 else (0.16, 0.32, 0.45)
    for lv, alpha in zip(sorted(levels, reverse=True), alphas, strict=False):
        ax.fill_between(fc.index, fc[f"lo{lv:g}"], fc[f"hi{lv:g}"], color=COLORS["forecast"],
                        alpha=alpha, lw=0, label=f"{lv:g}% {word}")  # fmt: skip


def log_scale(values: np.ndarray, ratio: float = 20.0) -> bool:
    """Whether counts span so many orders of magnitude that a log axis reads better.

    >>> log_scale(np.array([5000.0, 250000.0])), log_scale(np.array([100.0, 300.0]))
    (True, False)
    """
    positive = np.asarray(values, dtype=float)
    positive = positive[np.isfinite(positive) & (positive > 0)]
    return bool(len(positive) and positive.max() / positive.min() > ratio)


def count_axis(ax: Axes, values: np.ndarray) -> None:
    """A linear count axis from zero, or a log axis when the values span a wide range."""
    if log_scale(values):
        log_axis(ax, values)
    else:
        format_count_axis(ax)


def log_axis(ax: Axes, values: np.ndarray) -> None:
    """A log count axis hugging the values (margin: a factor 1.8), ticks at 1, 2 and 5 times
    a power of ten under two decades, else at powers; no minor ticks (they are costly)."""
    v = np.asarray(values, dtype=float)
    positive = v[np.isfinite(v) & (v > 0)]
    ax.set_yscale("log")
    if len(positive):
        ax.set_ylim(max(1.0, float(positive.min()) / 1.8), float(positive.max()) * 1.8)
    lo, hi = ax.get_ylim()
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if hi / lo <= 100 else (1.0,)))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_ylabel(f"{COUNT_LABEL} (log scale)")
