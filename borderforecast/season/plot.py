"""Figures of seasonal profiles and era comparisons (matplotlib, the package style)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter

from .. import plotting
from ..fiscal import year_of
from .estimate import MONTH_NAMES, estimate_regression, log_counts

# The figures receive the result objects (a SeasonalProfile, an EraComparison) and use only
# their attributes: this module imports neither, so profile -> plot and eras -> plot stay
# one-way.
_METHOD_COLORS = {"regression": "#1f5fa8", "stl": "#e67e22", "x13": "#2e8b57"}
_PCT = FuncFormatter(lambda v, _: f"{100 * (v - 1):+.0f}%")


def _factor_axis(ax: Any, title: str) -> None:
    ax.axhline(1.0, color="0.4", lw=0.8)
    ax.set_xticks(range(1, 13), list(MONTH_NAMES))
    ax.yaxis.set_major_formatter(_PCT)
    ax.set_ylabel("vs underlying level")
    ax.set_title(title)


def _errorbars(ax: Any, f: Any, offset: float, **style: Any) -> None:
    """A factor frame's factors with their intervals, shifted by ``offset`` months."""
    yerr = [f["factor"] - f["lo"], f["hi"] - f["factor"]]
    ax.errorbar(f.index.to_numpy() + offset, f["factor"], yerr=yerr, ms=4, lw=1.2, capsize=2.5,
                **style)  # fmt: skip


def plot_profile(profile: Any, methods: Sequence[str] | None = None) -> Any:
    """Two panels: factors with intervals per method; each calendar month's ratio of every year
    to its underlying level (the regression's spline trend), with their mean as a bar."""
    chosen = list(profile.estimates) if methods is None else list(methods)
    frames = profile.by_method
    fig, (ax1, ax2) = plotting.new_figure(width=10.0, height=7.0, nrows=2)
    with plotting.style():
        offsets = np.linspace(-0.2, 0.2, len(chosen)) if len(chosen) > 1 else [0.0]
        for off, m in zip(offsets, chosen, strict=True):
            primary = m == profile.method
            _errorbars(ax1, frames[m], off, fmt="o-" if primary else "o--",
                       color=_METHOD_COLORS.get(m, "0.3"),
                       label=f"{m}{' (primary)' if primary else ''}")  # fmt: skip
        _factor_axis(ax1, f"{profile.series}: seasonal factors, {profile.years_label} "
                          f"({profile.level:g}% intervals)")  # fmt: skip
        ax1.legend(loc="upper right", ncols=len(chosen))
        _subseries(ax2, profile)
    return fig


def _subseries(ax2: Any, profile: Any) -> None:
    """Each calendar month's ratio of every year to its underlying level, and their mean."""
    est = profile.estimates.get("regression") or estimate_regression(
        log_counts(profile.y), profile.fiscal)
    ratios = est.ratios
    assert ratios is not None
    fy = year_of(ratios.index, profile.fiscal)
    p = "FY" if profile.fiscal else ""
    cmap = plotting.matplotlib.colormaps["viridis"]
    span = max(fy.max() - fy.min(), 1)
    for month in range(1, 13):
        sel = ratios.index.month == month
        vals, years = ratios.to_numpy()[sel], fy[sel]
        xs = month - 0.35 + 0.7 * (years - fy.min()) / span
        ax2.scatter(xs, vals, s=9, c=[cmap(0.9 * (v - fy.min()) / span) for v in years], zorder=3)
        ax2.plot(xs, vals, color="0.6", lw=0.6, zorder=2)
        mean = float(np.exp(np.mean(np.log(vals))))
        ax2.hlines(mean, month - 0.38, month + 0.38, color=plotting.COLORS["benchmark"], lw=2,
                   zorder=4)  # fmt: skip
    _factor_axis(ax2, "Month-of-year subseries: each year's ratio to its underlying level "
                      f"({p}{fy.min()} left to {p}{fy.max()} right; bar = mean)")  # fmt: skip


def plot_eras(cmp: Any) -> Any:
    """Two panels: both eras' factors with intervals; per-month change with interval."""
    fig, (ax1, ax2) = plotting.new_figure(width=10.0, height=7.0, nrows=2)
    with plotting.style():
        for prof, off, c, label in (
            (cmp.profile_a, -0.12, "#1f5fa8", cmp.era_a),
            (cmp.profile_b, 0.12, "#e67e22", cmp.era_b),
        ):
            _errorbars(ax1, prof.factors, off, fmt="o-", color=c, label=label)
        _factor_axis(ax1, f"{cmp.series}: seasonal factors by era ({cmp.level:g}% intervals)")
        ax1.legend(loc="upper right")
        d = cmp.differences
        x = d.index.to_numpy()
        ax2.bar(x, d["change"], color="0.75", width=0.6)
        yerr = [d["change"] - d["lo"], d["hi"] - d["change"]]
        ax2.errorbar(x, d["change"], yerr=yerr, fmt="none", ecolor="0.2", capsize=3)
        ax2.axhline(0, color="0.4", lw=0.8)
        ax2.set_xticks(range(1, 13), list(MONTH_NAMES))
        ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}%"))
        ax2.set_ylabel(f"{cmp.era_b} factor vs {cmp.era_a}")
        ax2.set_title(f"Change of each month's factor (permutation test p = {cmp.p_value:.3g})")
    return fig
