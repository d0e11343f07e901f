"""The report's figures (:mod:`borderforecast.plotting` style) from plain data; each is a
:class:`~matplotlib.figure.Figure` not registered with pyplot (no leaks) and picklable (no
lambdas: the drawn files are cached by :func:`~borderforecast.plotting.figure_digest`)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .. import plotting
from ..fiscal import MONTH_ABBR
from ..plotting import COLORS


def fan_chart(
    y: pd.Series,
    forecast: pd.DataFrame,
    *,
    model: str,
    history: int = 60,
    title: str | None = None,
    benchmark: pd.DataFrame | None = None,
    benchmark_name: str = "snaive",
    fiscal: bool = True,
) -> Figure:
    """Observed history, the expected (mean) forecast, its median and its 80% and 95%
    intervals; ``fiscal``: shade and label fiscal years (a user's series: calendar years)."""
    fig, ax = plotting.new_figure(9.0, 4.4)
    with plotting.style():
        obs = y.iloc[-history:]
        ax.plot(obs.index, obs.values, color=COLORS["observed"], lw=1.6, label="observed")
        plotting.bands(ax, forecast)
        link = pd.concat([obs.iloc[-1:], forecast["mean"]])  # from the last observation on
        ax.plot(link.index, link.values, color=COLORS["forecast"], lw=1.8,
                label=f"expected ({model}; the table's numbers)")  # fmt: skip
        if "median" in forecast:  # the middle of the band: the mean runs above it
            ax.plot(forecast.index, forecast["median"], color=COLORS["forecast"], lw=1.0, ls=":",
                    label="median")  # fmt: skip
        if benchmark is not None:
            ax.plot(benchmark.index, benchmark["mean"], color=COLORS["benchmark"], lw=1.1,
                    ls="--", label=f"{benchmark_name} (benchmark)")  # fmt: skip
        ax.axvline(obs.index[-1], color="0.4", lw=0.8)
        shown = forecast.to_numpy(dtype=float).ravel()
        plotting.log_axis(ax, np.concatenate([obs.to_numpy(dtype=float), shown]))
        plotting.format_month_axis(ax)
        end = forecast.index[-1]
        plotting.mark_fiscal_years(ax, obs.index[0], end, label=fiscal, fiscal=fiscal)
        # a long series name would run off the figure: wrap it (about 88 characters a line)
        ax.set_title(
            textwrap.fill(title or f"{y.name or 'series'}: {len(forecast)}-month forecast", 88)
        )
        plotting.legend_outside(ax, ncols=3)
    return fig


def history_chart(
    y: pd.Series, *, latest: pd.Timestamp, title: str, fiscal: bool = True
) -> Figure:
    """The whole history with the latest month highlighted and its calendar month marked;
    alternate fiscal (else calendar) years shaded."""
    fig, ax = plotting.new_figure(9.0, 3.6)
    with plotting.style():
        ax.plot(y.index, y.values, color=COLORS["observed"], lw=1.1, label="monthly count")
        same = y[y.index.month == latest.month]
        ax.scatter(same.index, same.values, s=12, color=COLORS["season"], zorder=3,
                   label=f"every {latest:%B}")  # fmt: skip
        ax.scatter([latest], [y.loc[latest]], s=40, color=COLORS["highlight"], zorder=4,
                   label=f"{latest:%B %Y}")  # fmt: skip
        plotting.format_count_axis(ax)
        plotting.format_month_axis(ax, years=2)
        plotting.mark_fiscal_years(ax, y.index[0], y.index[-1], label=False, fiscal=fiscal)
        ax.set_title(title)
        plotting.legend_outside(ax)
    return fig


def seasonal_profile_chart(factors: pd.Series, *, title: str, fiscal: bool = True) -> Figure:
    """Seasonal factors by month as % of an average month, October first (else January first)."""
    fig, ax = plotting.new_figure(9.0, 3.6)
    order = np.roll(np.arange(1, 13), 3 if fiscal else 0)  # October or January first
    with plotting.style():
        vals = np.array([float(factors.loc[m]) for m in order])
        pct = (vals - 1.0) * 100
        colors = [COLORS["forecast"] if v >= 0 else COLORS["benchmark"] for v in pct]
        ax.bar(range(12), pct, color=colors, width=0.7)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xticks(range(12), [MONTH_ABBR[m - 1] for m in order])
        ax.set_xlabel("month (fiscal-year order: October to September)" if fiscal else "month")
        ax.set_ylabel("% above / below an average month")
        ax.yaxis.set_major_formatter(FuncFormatter(_signed_pct))
        for i, v in enumerate(pct):
            ax.text(i, v + (1.0 if v >= 0 else -1.0), _signed_pct(v), ha="center",
                    va="bottom" if v >= 0 else "top", fontsize=8)  # fmt: skip
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo - 3, hi + 3)
        ax.set_title(title)
    return fig


def _signed_pct(v: float, _pos: Any = None) -> str:
    """``-8.2 -> '−8%'``, ``0.3 -> '0%'`` (one minus sign, no signed zero)."""
    r = round(float(v))
    return "0%" if r == 0 else f"{r:+d}%".replace("-", "\u2212")


def small_multiples(
    panels: Sequence[tuple[str, pd.Series, pd.DataFrame | None]],
    *,
    history: int = 48,
    ncols: int = 3,
    title: str | None = None,
) -> Figure:
    """One small panel per ``(label, history, short forecast or None)``, one scale for all:
    log when any panel spans a wide range, else linear from zero (own limits each)."""
    n = max(1, len(panels))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plotting.new_figure(9.6, 2.3 * nrows + 0.6, nrows=nrows, ncols=ncols, squeeze=False)
    bands = ("lo80", "hi80")

    def shown(y: pd.Series, fc: pd.DataFrame | None) -> np.ndarray:
        parts = [y.iloc[-history:].to_numpy(dtype=float)]
        if fc is not None:
            cols = [c for c in (*bands, "mean") if c in fc]
            parts.append(fc[cols].to_numpy(dtype=float).ravel())
        return np.concatenate(parts)

    use_log = any(plotting.log_scale(shown(y, fc)) for _, y, fc in panels)
    with plotting.style():
        flat = axes.ravel()
        for ax, (label, y, fc) in zip(flat, panels, strict=False):
            obs = y.iloc[-history:]
            ax.plot(obs.index, obs.values, color=COLORS["observed"], lw=1.1)
            if fc is None:
                ax.scatter([obs.index[-1]], [obs.iloc[-1]], s=14, color=COLORS["highlight"],
                           zorder=3)  # fmt: skip
            else:
                if all(c in fc for c in bands):
                    plotting.bands(ax, fc, (80,))
                link = pd.concat([obs.iloc[-1:], fc["mean"]])
                ax.plot(link.index, link.values, color=COLORS["forecast"], lw=1.3)
            end = fc.index[-1] if fc is not None else obs.index[-1]
            plotting.mark_fiscal_years(ax, obs.index[0], end, label=False)
            if use_log:
                plotting.log_axis(ax, shown(y, fc))
            else:
                ax.yaxis.set_major_formatter(FuncFormatter(plotting.thousands))
                ax.set_ylim(bottom=0)
            ax.set_title(label, fontsize=9.5)
            plotting.format_month_axis(ax, label="")
            ax.tick_params(labelsize=8)
        for ax in flat[len(panels) :]:
            ax.set_visible(False)
        for ax in flat:
            ax.set_ylabel("")
        scale = " (log scale)" if use_log else ""
        for ax in axes[:, 0]:
            ax.set_ylabel(plotting.COUNT_LABEL + scale, fontsize=8.5)
        if title:
            fig.suptitle(title + scale, fontsize=11, fontweight="bold")
    return fig


def texts_of(fig: Figure) -> list[Any]:
    """The texts of ``fig`` that can come from data: titles (the suptitle is one of
    ``fig.texts``), axis labels, annotations, legends (tick labels are numbers and dates)."""
    texts = [*fig.texts, *(text for legend in fig.legends for text in legend.get_texts())]
    for ax in fig.axes:  # the three titles of an axes are not public
        texts += [getattr(ax, a) for a in ("title", "_left_title", "_right_title")]
        texts += [ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        texts += legend.get_texts() if legend is not None else []
    return texts


def relabel(fig: Figure, old: str, new: str) -> None:
    """Replace the word ``old`` by ``new`` in every title, label and legend of ``fig``."""
    for t in texts_of(fig):
        t.set_text(t.get_text().replace(old, new))


def vintage_chart(
    y: pd.Series,
    forecasts: Sequence[tuple[pd.Timestamp, pd.DataFrame]],
    *,
    model: str,
    title: str | None = None,
    fiscal: bool = True,
) -> Figure:
    """Actuals against earlier reports' forecasts, from a year before the earliest (at least
    two years of history); years shaded as fiscal or calendar years (``fiscal``)."""
    import matplotlib

    fig, ax = plotting.new_figure(9.0, 4.0)
    with plotting.style():
        first = min(dm for dm, _ in forecasts) - pd.DateOffset(months=12)
        start = max(y.index[0], min(first, y.index[-24] if len(y) >= 24 else y.index[0]))
        obs = y.loc[start:]
        ax.plot(obs.index, obs.values, color=COLORS["observed"], lw=1.8, label="actual", zorder=4)
        shades = np.linspace(0.45, 0.95, max(1, len(forecasts)))
        cmap = matplotlib.colormaps["Blues"]
        end = obs.index[-1]
        values = [obs.to_numpy(dtype=float)]
        for (dm, fc), s in zip(forecasts, shades, strict=False):
            ax.plot(fc.index, fc["mean"], color=cmap(s), lw=1.3, marker="o", ms=2.5,
                    label=f"forecast from data to {dm:%b %Y}")  # fmt: skip
            values.append(fc["mean"].to_numpy(dtype=float))
            if len(forecasts) == 1:
                ax.fill_between(fc.index, fc["lo80"], fc["hi80"], color=cmap(s), alpha=0.25, lw=0)
                values.append(fc[["lo80", "hi80"]].to_numpy(dtype=float).ravel())
            end = max(end, fc.index[-1])
        plotting.count_axis(ax, np.concatenate(values))
        plotting.format_month_axis(ax)
        plotting.mark_fiscal_years(ax, obs.index[0], end, fiscal=fiscal)
        ax.set_title(title or f"Earlier {model} forecasts against what happened")
        plotting.legend_outside(ax, ncols=3)
    return fig


def assessment_chart(
    y: pd.Series,
    band: pd.DataFrame,
    *,
    window: tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp],
    history: int,
    title: str,
    unit: str,
    who: str,
) -> Figure:
    """Observed counts against a counterfactual ``band`` (``expected, lo80, hi80, lo95,
    hi95``) over the ``window`` ``(start, end, reference)``, with the ``history`` months
    before it; below, the monthly difference from the expected line (``who`` drew it)."""
    start, end, reference = window
    obs = y.loc[start - pd.DateOffset(months=history) : end]
    fig, (top, bot) = plotting.new_figure(
        9.0, 5.4, nrows=2, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]}
    )
    half = pd.Timedelta(days=15)
    with plotting.style():
        for ax in (top, bot):
            ax.axvspan(start - half, end + half, color="0.9", lw=0, zorder=0)
        plotting.bands(top, band, word="band")
        top.plot(band.index, band["expected"], color=COLORS["forecast"], lw=1.6, ls="--",
                 label=f"normal seasonality ({who})")  # fmt: skip
        top.plot(obs.index, obs.values, color=COLORS["observed"], lw=1.6, marker="o", ms=3,
                 label="observed")  # fmt: skip
        top.axvline(reference, color="0.5", lw=0.8, ls=":")
        plotting.count_axis(top, np.concatenate([obs.to_numpy(float), band.to_numpy().ravel()]))
        top.set_xlabel("")
        top.set_title(title)
        diff = obs.reindex(band.index) - band["expected"]
        colors = [COLORS["forecast"] if v >= 0 else COLORS["benchmark"] for v in diff]
        bot.bar(diff.index, diff.to_numpy(), width=20, color=colors)
        bot.axhline(0, color="0.3", lw=0.8)
        bot.yaxis.set_major_formatter(FuncFormatter(plotting.thousands))
        bot.set_ylabel(f"observed minus\nexpected ({unit})", fontsize=8.5)
        plotting.format_month_axis(bot)
        bot.legend(*top.get_legend_handles_labels(), loc="upper center", ncols=4,
                   bbox_to_anchor=(0.5, -0.38), fontsize=8.5, frameon=False)  # fmt: skip
    return fig
