"""The report's "beyond seasonality?" section: :func:`borderforecast.assess` on recent months."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import figures
from .common import SectionOutput, Subject, subject_of
from .writer import FigureSpec, fmt_pct, fmt_signed

ZOOM_MONTHS = 21
"""Months before the window the assessment chart shows (with the window, about two years)."""


def assessment_settings(
    y: pd.Series,
    months: int,
    seed: int,
    jobs: int,
    models: Sequence[str] | None,
    placebo_years: int | None,
) -> dict[str, Any]:
    """The arguments the report passes to :func:`borderforecast.assess`."""
    end = y.index[-1]
    out: dict[str, Any] = {"start": end - pd.DateOffset(months=months - 1), "end": end,
                           "seed": seed, "n_jobs": jobs}  # fmt: skip
    if models is not None:
        out["models"] = tuple(models)
    if placebo_years is not None:
        out["placebo_years"] = placebo_years
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
    from ..assessment.narrative import surge_sentence
    from .assessed import cached_assessment

    subj = subj or subject_of(y)
    settings = assessment_settings(y, months, seed, jobs, models, placebo_years)
    a = cached_assessment(y, settings)
    w = a.window
    parts = a.parts()  # the assessment's own structured summary: never parsed from its text
    caveats = list(parts["caveats"])  # one of each kind: the assessment merges its "Scale:" facts
    agree, total = a.agreement  # (models agreeing with the panel's verdict, models in it)
    near = parts["neighbours"]
    effect = _effect(a)
    surge = surge_sentence(a)
    data = {
        "verdict": a.verdict, "strength": parts["strength"], "effect": effect,
        "plain": plain_verdict(a, effect), "neighbours": near,
        "normal_years": [int(v) for v in a.normal.years] if a.normal is not None else [],
        "neighbours_agreeing": sum(n["verdict"] == a.verdict for n in near),
        "models_agreeing": int(agree), "models_in_panel": int(total),
        "window": [f"{w.start:%Y-%m}", f"{w.end:%Y-%m}"], "window_label": w.label(),
        "reference": f"{w.reference:%Y-%m}", "reference_label": f"{w.reference:%B %Y}",
        "caveats": [surge, *caveats] if surge else caveats,
        "columns": [
            {"key": "evidence", "label": "evidence", "num": False},
            {"key": "statistic", "label": "statistic", "num": False},
            {"key": "value", "label": "value", "num": True},
            {"key": "p_value", "label": "p-value", "num": True},
            {"key": "percentile", "label": "percentile", "num": True},
            {"key": "reading", "label": "reading", "num": False},
        ],
        "table": evidence_rows(a),
    }  # fmt: skip
    return SectionOutput(data, {"assessment": _figure(a, subj)})


def plain_verdict(a: Any, effect: dict[str, float] | None) -> str:
    """The verdict in plain words: why this answer, the difference from a normal season in
    counts and percent with its 90% interval, and whether the neighbouring windows agree."""
    from ..assessment.narrative import neighbour_sentence

    d, w = a.decision, a.window
    if d.verdict.startswith("beyond"):
        text = (
            f"The {d.empirical_direction} is unusual for the time of year, even allowing for how "
            "much these months vary in normal years."
        )
    elif d.verdict.startswith("within"):
        text = (
            "The difference from a normal season lies inside the range normal years vary by "
            f"({fmt_pct(d.margin_pct[0] / 100)} to {fmt_pct(d.margin_pct[1] / 100)})."
        )
    else:
        text = f"{d.reason[:1].upper()}{d.reason[1:]}." if d.reason else ""
        if d.why in ("wide", "large"):
            text += (f" Normal years vary by {fmt_pct(d.margin_pct[0] / 100)} to "
                     f"{fmt_pct(d.margin_pct[1] / 100)}.")  # fmt: skip
    if effect is not None:
        text += (
            f" From {w.start:%B} to {w.end:%B %Y}, {effect['observed']:,.0f} were counted "
            f"against about {effect['expected']:,.0f} had the months followed a normal season: "
            f"{fmt_signed(effect['count'])} ({fmt_pct(effect['pct'] / 100)}; 90% interval "
            f"{fmt_signed(effect['count_lo'])} to {fmt_signed(effect['count_hi'])}, "
            f"{fmt_pct(effect['pct_lo'] / 100)} to {fmt_pct(effect['pct_hi'] / 100)})."
        )
    return f"{text} {neighbour_sentence(a)}".strip()


def evidence_rows(a: Any) -> list[dict[str, str]]:
    """The technical table: the assessment's evidence rows (values with their units), then
    the test's settings the plain verdict leaves out (model agreement, equivalence margin,
    seasonal eras). The panel's row holds its effect, like the model rows."""
    from ..assessment.narrative import era_sentence

    rows = []
    for name, r in a.to_frame().iterrows():
        value, statistic, reading = r["value"], str(r["statistic"]), str(r["reading"])
        if a.placebo is not None and str(name).startswith("counterfactual panel"):
            value, statistic = a.decision.effect_pct, "observed vs expected, % of window total"
            reading += (
                f"; placebo rank p = {_num(a.decision.rank_p, 3)}; false alarms in the placebo "
                f"years: {100 * a.placebo.false_alarm_rate:.0f}%"
            )
        rows.append(_row(str(name), statistic, _value(value, statistic), r["p_value"],
                         r["percentile"], reading))  # fmt: skip
    agree, total = a.agreement
    lo, hi = a.decision.margin_pct
    era = era_sentence(a).removeprefix("Seasonal eras: ")
    era_p = a.normal.era_p if a.normal is not None else math.nan
    rows += [
        _row("model agreement", "models giving the panel's answer alone", f"{agree} of {total}",
             math.nan, math.nan, "models that pass the plausibility gate"),
        _row("equivalence margin", "range normal years vary by, %",
             f"{_value(lo, '%')} to {_value(hi, '%')}", math.nan, math.nan,
             "a difference inside it is within normal seasonality"),
        _row("seasonal eras", "permutation test of the seasonal shape", "–", era_p, math.nan,
             era[:1].upper() + era[1:]),
    ]  # fmt: skip
    return rows


def _row(name: str, statistic: str, value: str, p: Any, pct: Any, reading: str) -> dict[str, str]:
    return {"evidence": name, "statistic": statistic, "value": value,
            "p_value": _num(p, 3), "percentile": _num(pct, 0), "reading": reading}  # fmt: skip


def _value(v: Any, statistic: str) -> str:
    """A value with its unit: ``-12.7%`` (a percentage), ``+1.25`` (a z), ``3`` (a count)."""
    if _num(v, 0) == "–" or statistic.startswith("number"):
        return _num(v, 0)
    if "%" in statistic:
        return fmt_pct(float(v) / 100)
    return f"{float(v):+.2f}".replace("-", "−")


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
        a.y, band, window=(w.start, w.end, w.reference), history=ZOOM_MONTHS,
        title=textwrap.fill(f"{subj.name}, {w.label()}: {a.verdict}", 80), unit=subj.unit,
        who=f"median of {len(cfs)} models" if len(cfs) > 1 else "one model",
    )  # fmt: skip
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

    pcts = {"": d.effect_pct, "_lo": d.effect_lo_pct, "_hi": d.effect_hi_pct}
    return {"observed": obs, "expected": obs / (1 + d.effect_pct / 100),
            **{f"pct{k}": v for k, v in pcts.items()},
            **{f"count{k}": counts(v) for k, v in pcts.items()}}  # fmt: skip


def _num(v: Any, decimals: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):,.{decimals}f}"
