"""The report's "beyond seasonality?" section: :func:`borderforecast.assess` on recent months."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

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
    w = a.window
    parts = a.parts()  # the assessment's own structured summary: never parsed from its text
    caveats = list(parts["caveats"])
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
        "lead": parts["lead"],
        "evidence": list(parts["evidence"]),
        "caveats": caveats,
        "narrative": [parts["lead"], *parts["evidence"]],
        "columns": [
            {"key": "evidence", "label": "evidence", "num": False},
            {"key": "statistic", "label": "statistic", "num": False},
            {"key": "value", "label": "value", "num": True},
            {"key": "p_value", "label": "p-value", "num": True},
            {"key": "percentile", "label": "percentile", "num": True},
            {"key": "reading", "label": "reading", "num": False},
        ],
        "table": evidence_rows(a),
    }
    return SectionOutput(data, {"assessment": _figure(a, subj)})


def evidence_rows(a: Any) -> list[dict[str, str]]:
    """The evidence table as the page shows it. The panel's row holds the panel's effect (%
    of the window total, like the model rows) in its value column, and its false-alarm rate
    in its reading, beside the other rows' explanations."""
    rows = []
    for name, r in a.to_frame().iterrows():
        value, statistic, reading = r["value"], str(r["statistic"]), str(r["reading"])
        if a.placebo is not None and str(name).startswith("counterfactual panel"):
            value, statistic = a.decision.effect_pct, "observed vs expected, % of window total"
            reading += (
                f"; false alarms in the placebo years: {100 * a.placebo.false_alarm_rate:.0f}%"
            )
        rows.append(
            {
                "evidence": str(name),
                "statistic": statistic,
                "value": _num(value, 0 if statistic.startswith("number") else 2),
                "p_value": _num(r["p_value"], 3),
                "percentile": _num(r["percentile"], 0),
                "reading": reading,
            }
        )
    return rows


def _figure(a: Any, subj: Subject) -> FigureSpec:
    """The window and the months before it against the panel's counterfactual band: from the
    lowest to the highest of its models' intervals, around their median expectation."""
    runs = [r.counterfactual for r in (a.panel.passed if a.panel is not None else ())]
    cfs = [cf for cf in runs if cf is not None] or [a.counterfactual]
    panel = pd.concat([cf.frame for cf in cfs], keys=range(len(cfs))).groupby(level=1)
    lows, highs = panel[["lo80", "lo95"]].min(), panel[["hi80", "hi95"]].max()
    band = pd.concat([lows, highs, panel["expected"].median()], axis=1)
    w = a.window
    names = ", ".join(cf.model for cf in cfs)
    fig = figures.assessment_chart(
        a.y,
        band,
        window=(w.start, w.end, w.reference),
        history=ZOOM_MONTHS,
        title=textwrap.fill(f"{subj.name}, {w.label()}: {a.verdict}", 80),
        unit=subj.unit,
        who=f"median of {len(cfs)} models" if len(cfs) > 1 else "one model",
    )
    who = f"the {len(cfs)} panel models ({names})" if len(cfs) > 1 else f"the {names} model"
    caption = (
        f"{w.label()} (grey) and the {ZOOM_MONTHS} months before: observed counts against what "
        f"normal seasonality would give, as forecast by {who} from the months to "
        f"{w.reference:%B %Y}. Dashed line: their middle expectation; bands: from the lowest to "
        "the highest of their 80% and 95% intervals. Below: the monthly difference."
    )
    return FigureSpec("assessment", fig, caption, "Observed versus counterfactual forecast")


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
