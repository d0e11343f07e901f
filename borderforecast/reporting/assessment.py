"""The report's "beyond seasonality?" section: :func:`borderforecast.assess` on recent months."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .. import plotting
from . import figures
from .common import SectionOutput, Subject, subject_of
from .writer import FigureSpec

ZOOM_MONTHS = 21
"""Months before the window the assessment chart shows (with the window, about two years)."""


def assessment_settings(
    y: pd.Series,
    months: int,
    seed: int,
    jobs: int,
    models: Sequence[str] | None,
    placebo_years: int | None,
    border: bool = True,
) -> dict[str, Any]:
    """The exact arguments the report passes to :func:`borderforecast.assess`.

    The Title 42 months are left out of the normal years only for the package's border
    series (``border``); a user's series keeps every year.
    """
    end = y.index[-1]
    out: dict[str, Any] = {
        "start": end - pd.DateOffset(months=months - 1),
        "end": end,
        "seed": seed,
        "n_jobs": jobs,
    }
    if models is not None:
        out["models"] = tuple(models)
    if placebo_years is not None:
        out["placebo_years"] = placebo_years
    if not border:
        out["exclude_title42"] = False
    return out


def assessment_section(
    y: pd.Series,
    *,
    months: int,
    seed: int,
    jobs: int = 1,
    models: Sequence[str] | None = None,
    placebo_years: int | None = None,
    subj: Subject | None = None,
) -> SectionOutput:
    """Section 4: :func:`borderforecast.assess` on the latest ``months`` months."""
    from .assessed import cached_assessment

    subj = subj or subject_of(y)
    settings = assessment_settings(y, months, seed, jobs, models, placebo_years, subj.border)
    a = cached_assessment(y, settings)
    frame = a.to_frame()
    table = []
    for name, r in frame.iterrows():
        table.append(
            {
                "evidence": str(name),
                "statistic": str(r["statistic"]),
                "value": _num(r["value"], 0 if str(r["statistic"]).startswith("number") else 2),
                "p_value": _num(r["p_value"], 3),
                "percentile": _num(r["percentile"], 0),
                "reading": str(r["reading"]),
            }
        )
    w = a.window
    parts = a.parts()  # the assessment's own structured summary: never parsed from its text
    lead, evidence, caveats = parts["lead"], list(parts["evidence"]), list(parts["caveats"])
    if not subj.border:  # the Title 42 period is the border series' own history
        caveats = [c for c in caveats if "Title 42" not in c]
    agree, total = a.agreement  # (models agreeing with the panel's verdict, models in it)
    near = parts["neighbours"]
    data = {
        "verdict": a.verdict,
        "strength": parts["strength"],
        "effect": _effect(a),
        "neighbours": near,
        "normal_years": [int(v) for v in a.normal.years] if a.normal is not None else [],
        "neighbours_agreeing": sum(n["verdict"] == a.verdict for n in near),
        "agreement": None,
        "models_agreeing": int(agree),
        "models_in_panel": int(total),
        "window": [f"{w.start:%Y-%m}", f"{w.end:%Y-%m}"],
        "window_label": w.label(),
        "reference": f"{w.reference:%Y-%m}",
        "reference_label": f"{w.reference:%B %Y}",
        "lead": lead,
        "evidence": evidence,
        "caveats": caveats,
        "narrative": [lead, *evidence],
        "columns": [
            {"key": "evidence", "label": "evidence", "num": False},
            {"key": "statistic", "label": "statistic", "num": False},
            {"key": "value", "label": "value", "num": True},
            {"key": "p_value", "label": "p-value", "num": True},
            {"key": "percentile", "label": "percentile", "num": True},
            {"key": "reading", "label": "reading", "num": False},
        ],
        "table": table,
    }
    fig = a.plot(history=ZOOM_MONTHS)  # the window and the months just before it
    from matplotlib.dates import DateFormatter, MonthLocator, YearLocator

    fig.axes[-1].xaxis.set_major_locator(YearLocator(base=1, month=1, day=1))
    fig.axes[-1].xaxis.set_major_formatter(DateFormatter("%Y"))  # the report's one tick style
    fig.axes[-1].xaxis.set_minor_locator(MonthLocator())
    for ax in fig.axes:  # long titles would run off a report-width figure
        if len(ax.get_title()) > 70:
            ax.set_title(textwrap.fill(ax.get_title(), 70), fontsize=9.5)
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(plotting.thousands))  # one minus sign
        if ax.get_yscale() == "log":  # label 2x and 5x ticks when a decade has one label
            ax.yaxis.set_minor_formatter(FuncFormatter(figures._minor_label(ax)))
        label = ax.get_ylabel()
        if label.startswith("per month"):
            ax.set_ylabel(f"{subj.unit} {label}")
        elif label.endswith("effect"):
            ax.set_ylabel(f"{label.replace(' effect', '')}\n({subj.unit})")
    _legend_below(fig)
    return SectionOutput(
        data,
        {
            "assessment": FigureSpec(
                "assessment",
                fig,
                f"{w.label()} (grey) and the {ZOOM_MONTHS} months before: observed counts "
                f"against the counterfactual of the {a.counterfactual.model} model fitted on the "
                f"months to {w.reference:%B %Y} (line: expected; bands: 80% and 95% intervals), "
                "with the monthly and cumulative difference below.",
                "Observed versus counterfactual forecast",
            )
        },
    )


def _legend_below(fig: Any) -> None:
    """Move the figure's legends under the panels, where they cannot cover a line."""
    legends = [ax for ax in fig.axes if ax.get_legend() is not None]
    if not legends:
        return
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        for ax in legends:
            plotting.legend_outside(ax, "below")
        return
    handles, labels = [], []
    for ax in legends:
        h, lab = ax.get_legend_handles_labels()
        ax.get_legend().remove()
        for hh, ll in zip(h, lab, strict=True):
            if ll not in labels:
                handles.append(hh)
                labels.append(ll)
    w, h_in = fig.get_size_inches()
    fig.set_size_inches(w, h_in + 0.45)
    if fig.get_layout_engine() is not None:
        fig.set_layout_engine("none")
    fig.tight_layout(rect=(0, 0.45 / (h_in + 0.45), 1, 1))
    fig.legend(
        handles, labels, loc="lower center", ncols=min(4, len(handles)), frameon=False, fontsize=8.5
    )


def _effect(a: Any) -> dict[str, float] | None:
    """The window's difference from the counterfactual: percent with its 90% interval, and
    the same in counts (observed total minus the expected total each percent implies)."""
    d = a.decision
    if not a.counterfactuals or not math.isfinite(d.effect_pct):
        return None
    obs = float(a.counterfactuals[0].observed_sum)

    def counts(pct: float) -> float:
        return obs - obs / (1 + pct / 100) if math.isfinite(pct) and pct > -100 else math.nan

    return {
        "observed": obs,
        "expected": obs / (1 + d.effect_pct / 100),
        "pct": d.effect_pct,
        "pct_lo": d.effect_lo_pct,
        "pct_hi": d.effect_hi_pct,
        "count": counts(d.effect_pct),
        "count_lo": counts(d.effect_lo_pct),
        "count_hi": counts(d.effect_hi_pct),
    }


def _num(v: Any, decimals: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):,.{decimals}f}"
