"""The plain-language summary of an assessment: every sentence is generated from the numbers
(word functions of :mod:`borderforecast.assessment.verdict`; percentages are ``*_pct`` values of
:meth:`Assessment.to_dict` rounded to one decimal)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..season.estimate import years_label
from .options import months_between
from .verdict import (
    critical_z,
    fmt_count,
    fmt_p,
    fmt_pct,
    fmt_range,
    fmt_z,
    p_eq,
    p_words,
    percentile_words,
    z_words,
)


def agreement_sentence(a: Any) -> str:
    """How many gated models give the panel's verdict alone, and which are flagged."""
    t = a.model_table()
    ok, bad = t[t["gate_passed"]], t[~t["gate_passed"]]
    n_agree = int((ok["verdict"] == a.verdict).sum())
    others = [f"{r.model}: {r.verdict}" for r in ok.itertuples() if r.verdict != a.verdict]
    text = (
        f"Model agreement: {n_agree} of {len(ok)} models that pass the plausibility gate "
        f"give this answer alone"
    )
    text += f" ({'; '.join(others)})." if others else "."
    alpha = a.options.alpha
    own = ok[ok["calibrated_p"] < alpha]
    beyond = a.verdict.startswith("beyond")
    if len(own) and not beyond and a.decision.counterfactual_p_kind == "calibrated":
        text += (
            f" {len(own)} of them find{'s' if len(own) == 1 else ''} a change on the models' "
            "calibrated test alone ("
            + "; ".join(f"{r.model} {p_eq(r.calibrated_p)}" for r in own.itertuples())
            + "), but a verdict needs the seasonal comparison to agree."
        )
    if len(bad):
        text += (
            f" {len(bad)} model(s) are flagged and not used as evidence: "
            + "; ".join(f"{r.model} ({r.gate_reason})" for r in bad.itertuples())
            + "."
        )
    return text


def _counterfactual_lines(a: Any) -> list[str]:
    pan, w, alpha = a.panel, a.window, a.options.alpha
    last_train = w.start - pd.DateOffset(months=1)
    passed = pan.passed
    lines = [
        f"1. Counterfactual panel (fitted on {a.y.index[0]:%Y-%m} to {last_train:%Y-%m}): "
        f"{len(passed)} of {len(pan.runs)} models pass the plausibility gate. Observed "
        f"over the window: {fmt_count(a.counterfactuals[0].observed_sum)}."
    ]
    for r in passed:
        cf = r.counterfactual
        lines.append(
            f"   {cf.model}: expected {fmt_count(cf.expected_sum)} (95% interval "
            f"{fmt_count(cf.sum_lo95)} to {fmt_count(cf.sum_hi95)}), a difference of "
            f"{fmt_pct(100 * cf.relative_effect)} (95% interval "
            f"{fmt_range(100 * cf.relative_lo95, 100 * cf.relative_hi95)}); calibrated "
            f"{p_eq(r.calibrated_p)}, model-based {p_eq(cf.p_value)}."
        )
    for r in pan.flagged:
        if r.counterfactual is None:
            lines.append(f"   {r.model}: flagged ({r.gate_reason}).")
            continue
        lines.append(
            f"   {r.model} is flagged and not evidence ({r.gate_reason}); its counterfactual "
            f"would put the window at {fmt_pct(100 * r.counterfactual.relative_effect)}."
        )
    if np.isfinite(pan.combined_z):
        lines.append(
            f"   Combined: the panel's median z is {pan.combined_z:+.2f}; in the "
            f"{pan.n_years} placebo years the same median is centred at {pan.z_mean:+.2f} "
            f"(spread {pan.z_scale:.2f}), so the calibrated {p_eq(pan.calibrated_p)}: "
            f"{p_words(pan.calibrated_p, alpha)}."
        )
    return lines


def _placebo_line(a: Any) -> str:
    pl = a.placebo
    if pl is None:
        return "2. Placebo calibration: not run."
    if pl.n_years == 0:
        return f"2. Placebo calibration: no earlier year could be run ({pl.n_failed} failed)."
    years = pd.to_datetime(pl.frame.loc[pl.frame["error"] == "", "end"])
    more = a.panel.more_extreme_years()
    fa = (
        f"the combined test gives a false alarm in "
        f"{fmt_pct(100 * pl.false_alarm_rate, signed=False)} of them (each year calibrated "
        f"against the others; nominal alpha = {pl.alpha:g})"
        if np.isfinite(pl.false_alarm_rate)
        else "too few years to measure its false-alarm rate"
    )
    if more:
        ext = (
            f"{len(more)} of the {pl.n_years} placebo years are at least as extreme as "
            f"{a.window.end:%Y}: {', '.join(str(v) for v in more)}"
        )
    else:
        ext = f"no placebo year is as extreme as {a.window.end:%Y}"
    return (
        f"2. Placebo calibration: the panel ran on the same months of {pl.n_years} normal "
        f"earlier years ({years.min():%Y} to {years.max():%Y}); {fa}; {ext}."
    )


def _span(years: list[int]) -> str:
    return years_label(years, prefix="") if years else "none"


def _empirical_line(a: Any) -> str:
    e, w = a.empirical, a.window
    return (
        f"3. Seasonal comparison: from {w.reference:%B %Y} to {w.end:%B %Y} the series changed "
        f"{fmt_pct(e.change_pct)}; the median of the same change in {e.n_years} normal earlier "
        f"years is {fmt_pct(e.median_pct)}. Over the whole window the mean change from "
        f"{w.reference:%B} was {fmt_pct(100 * np.expm1(e.stat))} against "
        f"{fmt_pct(100 * np.expm1(e.stat_median))} in those years: "
        f"{percentile_words(e.percentile, e.n_years)} (robust z = "
        f"{fmt_z(e.robust_z, a.options.alpha)}: {z_words(e.robust_z, a.options.alpha)})."
    )


def _adjusted_line(a: Any) -> str:
    s, w = a.adjusted, a.window
    if s is None:
        return "4. Seasonally adjusted change: not available."
    k = months_between(w.reference, w.end)
    return (
        f"4. Seasonally adjusted (robust STL): {fmt_pct(s.change_pct)} from {w.reference:%b %Y} to "
        f"{w.end:%b %Y}, against a usual spread of {fmt_pct(s.usual_sd_pct, signed=False)} for "
        f"{k}-month changes (month-to-month spread {fmt_pct(s.monthly_sd_pct, signed=False)}); "
        f"robust z = {fmt_z(s.robust_z, a.options.alpha)}: {z_words(s.robust_z, a.options.alpha)}. "
        f"{s.outlier_note}."
    )


def _decomposition_line(a: Any) -> str:
    d, w = a.decomposition, a.window
    if d is None:
        return "5. Decomposition: not available."
    zero = "excludes" if d.excess_excludes_zero else "includes"
    nm = a.normal
    basis = f" (profile of {years_label(nm.years, nm.fiscal.prefix)})" if nm.years else ""
    text = (
        f"5. Decomposition: from {w.reference:%b %Y} to {w.end:%b %Y} the series changed "
        f"{fmt_pct(d.observed_pct)}; normal seasonality{basis} expects "
        f"{fmt_pct(d.seasonal_pct)} between these months (interval "
        f"{fmt_range(d.seasonal_lo_pct, d.seasonal_hi_pct)}); the excess is "
        f"{fmt_pct(d.excess_pct)} (interval {fmt_range(d.excess_lo_pct, d.excess_hi_pct)}, "
        f"which {zero} zero). "
        f"A purely seasonal change would have given about {fmt_count(d.seasonal_count)} in "
        f"{w.end:%b %Y} instead of {fmt_count(d.end_value)}. "
    )
    return text + share_sentence(d)


def share_sentence(d: Any) -> str:
    """The share of the change that seasonality explains, on the log scale and in counts."""
    log_share, count_share = d.share_explained, d.share_explained_counts
    if not (np.isfinite(log_share) and np.isfinite(count_share)):
        return "The change is too small to split into shares."
    if log_share < 0:
        return (
            "Normal seasonality points the other way, so it explains none of the change; "
            "the whole change and more is excess."
        )
    if log_share > 1:
        return (
            f"Normal seasonality alone expects a larger change than the observed one "
            f"({100 * log_share:.0f}% of it on the log scale): the excess runs the other way."
        )
    return (
        f"Seasonality explains {100 * log_share:.0f}% of the change on the log scale and "
        f"{100 * count_share:.0f}% of the change in counts "
        f"({fmt_count(abs(d.seasonal_count - d.reference_value))} of "
        f"{fmt_count(abs(d.end_value - d.reference_value))}): on the log scale the seasonal "
        "and excess parts multiply and their logs add up, while in counts the seasonal change "
        "is measured from the reference level, before the excess has acted on it, so the two "
        "shares differ."
    )


def era_sentence(a: Any) -> str:
    """What the era test says and which years define normal seasonality."""
    nm = a.normal
    if not np.isfinite(nm.era_p):
        return f"Seasonal eras: {nm.note}."
    w = a.window
    p, fy = nm.fiscal.prefix, "fiscal " if nm.fiscal.fiscal else ""
    ra = f"{p}{nm.clean_years[0]}-{p}{nm.era_split - 1}"
    rb = f"{p}{nm.era_split}-{p}{nm.clean_years[-1]}"
    diff = "whose interval excludes zero" if nm.window_differs else "within the noise"
    change = (
        f"the {w.reference:%b}->{w.end:%b} change is {fmt_pct(nm.window_change_a)} in "
        f"{ra} and {fmt_pct(nm.window_change_b)} in {rb}, a difference {diff}"
    )
    test = f"between {ra} and {rb} (permutation {p_eq(nm.era_p)})"
    if nm.shape_changed and nm.window_differs and nm.note:  # too few recent normal years
        return (f"Seasonal eras: the seasonal shape changed {test}, and for these months: "
                f"{change}; but {nm.note}.")
    if nm.shape_changed and nm.window_differs:
        return (
            f"Seasonal eras: the seasonal shape changed {test}, and for these months: {change}; "
            f"so the recent era ({rb}) defines normal seasonality: the decomposition's profile, "
            "the placebo runs and the seasonal comparison use only its years."
        )
    found = "the seasonal shape changed" if nm.shape_changed else "no change of shape found"
    return (f"Seasonal eras: {found} {test}; {change}; without a difference shown for these "
            f"months, every normal {fy}year is used here.")


def surge_sentence(a: Any) -> str | None:
    """Say when the window follows an unusual surge (or slump) before the reference month."""
    s = a.adjusted
    if s is None or s.prior_z is None or not np.isfinite(s.prior_z):
        return None
    crit = critical_z(a.options.alpha)
    w = a.window
    was = f"seasonally adjusted, {w.reference:%B %Y} was {fmt_pct(s.prior_pct)}"
    if s.prior_z >= crit and a.decision.empirical_direction == "decline":
        return (
            f"The window follows an unusual surge: {was} above a year earlier (robust z = "
            f"{s.prior_z:+.2f} among earlier 12-month changes), so part of the fall may be a "
            "return to the earlier level."
        )
    if s.prior_z <= -crit and a.decision.empirical_direction == "rise":
        return (
            f"The window follows an unusual slump: {was} below a year earlier (robust z = "
            f"{s.prior_z:+.2f}), so part of the rise may be a recovery to the earlier level."
        )
    return None


def _years_words(a: Any, detail: bool = False) -> str:
    """The normal years and the years left out (grouped by kind; ``detail``: by reason)."""
    nm = a.normal
    kinds = {"Title 42": "Title 42 expulsions", "excluded by the user": "excluded on request",
             "earlier seasonal era": "an earlier seasonal era"}  # fmt: skip
    groups: dict[str, list[int]] = {}
    for yr, why in sorted(nm.excluded.items()):
        kind = next((v for k, v in kinds.items() if why.startswith(k)), "outliers")
        groups.setdefault(why if detail else kind, []).append(yr)
    used = nm.comparison_years
    text = (
        f"   Normal years: {len(used)} earlier years are compared ({_span(used)}); placebo runs "
        f"use {len(a.years_used['placebo'])} of them"
        if detail
        else f"Normal seasonality is read from the same months of {len(used)} earlier years "
        f"({_span(used)})"
    )
    if groups:
        text += "; left out: " + "; ".join(f"{_span(v)} ({k})" for k, v in groups.items())
    return text + "."


def neighbour_sentence(a: Any) -> str:
    """Whether the window's neighbours give the same verdict, in plain words."""
    if not a.neighbours:
        return "No neighbouring window could be judged."
    if a.stable:
        labels = ", ".join(n.label for n in a.neighbours)
        return f"The answer is the same for the neighbouring windows ({labels})."
    by: dict[str, list[str]] = {}
    by.setdefault(a.verdict, []).append(f"{a.window.label()} from {a.window.reference:%b %Y}")
    for n in a.neighbours:
        w = n.window
        by.setdefault(n.verdict, []).append(f"{w.label()} from {w.reference:%b %Y}")
    parts = "; ".join(f"{v} for {', '.join(ws)}" for v, ws in by.items())
    return f"The answer depends on the window: {parts}."


def lead_paragraph(a: Any) -> str:
    """The plain first paragraph: the answer, what it means and does not, the effect in counts
    and percent with its interval, the normal years, the neighbours."""
    d, w = a.decision, a.window
    words = {
        "beyond": (
            f"The {d.empirical_direction} in {w.label()} went beyond normal seasonality "
            f"({a.strength} evidence): it is unusual for the time of year, even after allowing "
            "for how much these months vary in normal years."
        ),
        "within": (
            f"The change in {w.label()} stayed within normal seasonality ({a.strength} "
            "evidence): the difference from what was expected lies inside the range normal "
            f"years vary by ({fmt_range(*d.margin_pct)})."
        ),
        "cannot": f"We cannot tell whether the change in {w.label()} went beyond normal "
        f"seasonality: {d.reason}.",
    }
    key = "beyond" if d.verdict.startswith("beyond") else d.verdict.split()[0]
    text = [words[key], "This is a statement about timing and size, not about causes."]
    if a.counterfactuals and np.isfinite(d.effect_pct):
        obs = a.counterfactuals[0].observed_sum

        def diff(pct: float) -> float:
            return obs - obs / (1 + pct / 100)

        text.append(
            f"From {w.start:%B} to {w.end:%B %Y} {fmt_count(obs)} were counted against about "
            f"{fmt_count(obs / (1 + d.effect_pct / 100))} expected from the years before: "
            f"a difference of {fmt_pct(d.effect_pct)} ({diff(d.effect_pct):+,.0f}; 90% interval "
            f"{fmt_range(d.effect_lo_pct, d.effect_hi_pct)}, "
            f"{diff(d.effect_lo_pct):+,.0f} to {diff(d.effect_hi_pct):+,.0f})."
        )
    text.append(_years_words(a))
    text.append(neighbour_sentence(a))
    return " ".join(t for t in text if t)


def test_line(a: Any) -> str:
    """The calibrated test in numbers, with what each number means."""
    d = a.decision
    if d.counterfactual_p_kind != "calibrated":
        return (
            f"Test: only {d.n_years} normal placebo years could be run (at least "
            f"{a.options.min_placebos} are needed), so the models' test is not calibrated."
        )
    k = d.n_years
    extra = ""
    if d.extrapolated:
        extra = (f"; it is below 1/(k+1) = {1 / (k + 1):.3f}, the smallest p the ranks can show, "
                 "so it extrapolates the placebo years' spread with a Student t tail")
    return (
        f"Test: calibrated {p_eq(d.counterfactual_p)} (the models' surprise at the window, "
        f"compared with their surprise in the same months of {k} normal earlier years; "
        f"placebo rank p = {fmt_p(d.rank_p)}{extra}); the window's mean change from "
        f"{a.window.reference:%B} lies {fmt_z(d.empirical_z, d.alpha)} robust standard deviations "
        f"from the normal years' (robust z; the spread never below the series' own month-to-month "
        f"variation); equivalence margin {fmt_range(*d.margin_pct)}."
    )


def evidence_lines(a: Any) -> list[str]:
    """The technical evidence, one item per line (after the plain first paragraph)."""
    surge = surge_sentence(a)
    return [
        test_line(a),
        agreement_sentence(a),
        *([surge] if surge else []),
        *_counterfactual_lines(a),
        _placebo_line(a),
        _years_words(a, detail=True),
        _empirical_line(a),
        _adjusted_line(a),
        _decomposition_line(a),
        "6. " + era_sentence(a),
    ]


def summary_text(a: Any) -> str:
    """The summary of :meth:`Assessment.summary`: the plain paragraph, then the evidence."""
    w = a.window
    lines = [
        f"{a.series}: {w.label()}, change measured from {w.reference:%B %Y}.",
        f"Verdict: {a.verdict} ({a.strength} evidence).",
        lead_paragraph(a),
        "",
        "Evidence",
        *evidence_lines(a),
    ]
    if a.caveats:
        lines += ["", "Caveats", *(f"- {c}" for c in a.caveats)]
    if a.notes:
        lines += ["", "Notes", *(f"- {n}" for n in a.notes)]
    return "\n".join(lines)
