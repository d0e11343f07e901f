"""The assessment figure: observed vs counterfactual, pointwise and cumulative effect."""

from __future__ import annotations

from typing import Any

import pandas as pd


def plot_assessment(a: Any, axes: Any = None, history: int = 36) -> Any:
    """Draw the three panels of CausalImpact's plot for ``a`` (:meth:`Assessment.plot`); return
    the Figure."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True,
                               gridspec_kw={"height_ratios": [2, 1, 1]})  # fmt: skip
    fig = axes[0].figure
    top, mid, bot = axes
    cf = a.counterfactual
    f = cf.frame
    w = a.window
    lo = w.start - pd.DateOffset(months=history)
    obs = a.y[(a.y.index >= lo) & (a.y.index <= w.end)]
    fmt = plt.FuncFormatter(lambda v, _: f"{v:,.0f}")

    top.plot(obs.index, obs.values, color="black", lw=1.4, label="observed")
    for level, alpha in ((95, 0.18), (80, 0.3)):
        top.fill_between(f.index, f[f"lo{level}"], f[f"hi{level}"], color="tab:blue", alpha=alpha,
                         lw=0, label=f"{level}% interval")  # fmt: skip
    top.plot(f.index, f.expected, color="tab:blue", lw=1.6, ls="--",
             label=f"counterfactual ({cf.model})")  # fmt: skip
    top.axvline(w.reference, color="0.5", lw=0.8, ls=":")
    top.set_yscale("log")  # equal heights are equal percentage changes
    top.set_ylabel("per month (log scale)")
    top.set_title(f"{a.series}\n{w.label()} vs {w.reference:%b %Y}: {a.verdict}", fontsize=10)
    top.legend(loc="upper left", fontsize=8, frameon=False)

    for ax, key, color, what in (
        (mid, "effect", "tab:red", "pointwise"),
        (bot, "cum_effect", "tab:purple", "cumulative"),
    ):
        ax.fill_between(f.index, f[f"{key}_lo95"], f[f"{key}_hi95"], color=color, alpha=0.2, lw=0)
        ax.plot(f.index, f[key], color=color, marker="o", lw=1.4)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_ylabel(f"{what} effect")
    top.yaxis.set_minor_formatter(plt.NullFormatter())
    for ax in axes:
        ax.yaxis.set_major_formatter(fmt)
        ax.grid(alpha=0.3)
        half = pd.Timedelta(days=15)
        ax.axvspan(w.start - half, w.end + half, color="0.9", zorder=0)
    fig.tight_layout()
    return fig
