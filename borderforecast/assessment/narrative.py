"""The plain-language summary and the caveats of an assessment.

Every sentence is generated from the numbers through the word functions of
:mod:`borderforecast.assessment.verdict`; every percentage is a ``*_pct`` value of
:meth:`Assessment.to_dict` rounded to one decimal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .options import Window, months_between
from .verdict import (
    fmt_count,
    fmt_p,
    fmt_pct,
    p_words,
    percentile_words,
    verdict_sentence,
    z_words,
)

if TYPE_CHECKING:  # pragma: no cover
    from .placebo import PlaceboCalibration
    from .result import Assessment

TITLE42 = (pd.Timestamp("2020-03-01"), pd.Timestamp("2023-05-01"))


def caveats(
    y: pd.Series,
    window: Window,
    placebo: PlaceboCalibration | None,
    min_placebos: int,
    n_empirical_years: int,
) -> tuple[str, ...]:
    """Caveats that apply to this series and window, each triggered by an explicit rule."""
    out = []
    # regime: Title 42 in the data used
    if y.index[0] <= TITLE42[1] and window.end >= TITLE42[0]:
        out.append(
            "Regime change: from March 2020 to May 2023 the counts include Title 42 expulsions and "
            "many repeat crossings, and their seasonal pattern differs from the Title 8 years; "
            "the data used here overlap that period."
        )
    if placebo is not None and placebo.n_years >= 2 and abs(placebo.z_mean) > 1:
        side = "above" if placebo.z_mean < 0 else "below"
        out.append(
            f"Regime change: in the placebo years the counterfactual was on average {side} the "
            f"observed totals for this window (mean z = {placebo.z_mean:+.2f}), a sign that the "
            "seasonal pattern or the trend has shifted over time; "
            + (
                "the calibrated p-value allows for it."
                if placebo.n_years >= min_placebos
                else "too few placebo years ran to correct for it."
            )
        )
    # scale: the reference level compared with the same calendar month in earlier years
    same = y[(y.index.month == window.reference.month) & (y.index < window.reference)]
    ref = float(y[window.reference])
    if len(same) >= 3:
        ratio = ref / float(np.median(same)) if np.median(same) > 0 else float("nan")
        if ref > same.max():
            out.append(
                f"Scale: the reference month ({fmt_count(ref)}) is higher than the same month "
                f"in any earlier year ({ratio:.1f} times their median); swings measured at lower "
                "levels may not carry over, and a fall from a peak is partly a return toward "
                "usual levels."
            )
        elif ref < same.min():
            out.append(
                f"Scale: the reference month ({fmt_count(ref)}) is lower than the same month "
                f"in any earlier year ({ratio:.2f} times their median); swings measured at "
                "higher levels may not carry over."
            )
    same_end = y[(y.index.month == window.end.month) & (y.index < window.end)]
    last = float(y[window.end])
    if len(same_end) >= 3 and not same_end.min() <= last <= same_end.max():
        side = "lower" if last < same_end.min() else "higher"
        out.append(
            f"Scale: {window.end:%B %Y} ({fmt_count(last)}) is {side} than {window.end:%B} "
            "in any earlier year: the series is at a level where the seasonal pattern of "
            "earlier years is least certain to hold."
        )
    if ref < 1000:
        out.append(
            f"Scale: counts are small ({fmt_count(ref)} in the reference month), so percentage "
            "changes swing widely from month to month."
        )
    out.append(
        "Composition: the counts mix groups (nationalities; single adults, families, "
        "children) whose seasonal patterns differ; when the mix shifts, the seasonal pattern "
        "of earlier years may not apply."
    )
    out.append(
        "Policy: these tests say whether the change is unusual for the time of year, not "
        "what caused it; policy, enforcement, conditions in countries of origin and the "
        "economy all move the numbers, often at once."
    )
    if placebo is None or placebo.n_years < min_placebos:
        k = 0 if placebo is None else placebo.n_years
        out.append(
            f"Calibration: only {k} placebo years could be run (at least {min_placebos} are "
            "needed), so the verdict uses the model-based p-value, which assumes the model's "
            "intervals are right."
        )
    if n_empirical_years < 8:
        out.append(
            f"History: only {n_empirical_years} earlier years for the seasonal comparison; its "
            "percentile is coarse."
        )
    return tuple(out)


def _counterfactual_lines(a: Assessment) -> list[str]:
    cf = a.counterfactual
    w, alpha = a.window, a.options.alpha
    last_train = w.start - pd.DateOffset(months=1)
    lines = [
        f"1. Counterfactual ({cf.model}, fitted on {a.y.index[0]:%Y-%m} to {last_train:%Y-%m}, "
        f"{cf.n_paths} simulated paths): {fmt_count(cf.observed_sum)} observed over the window "
        f"against {fmt_count(cf.expected_sum)} expected (95% interval {fmt_count(cf.sum_lo95)} to "
        f"{fmt_count(cf.sum_hi95)}), a difference of {fmt_pct(100 * cf.relative_effect)} "
        f"(95% interval {fmt_pct(100 * cf.relative_lo95)} to {fmt_pct(100 * cf.relative_hi95)}); "
        f"model-based two-sided p = {fmt_p(cf.p_value)} (one-sided tail {fmt_p(cf.p_one_sided)}): "
        f"{p_words(cf.p_value, alpha)}."
    ]
    for other in a.counterfactuals[1:]:
        lines.append(
            f"   Also {other.model}: {fmt_pct(100 * other.relative_effect)} "
            f"(95% interval {fmt_pct(100 * other.relative_lo95)} to "
            f"{fmt_pct(100 * other.relative_hi95)}), p = {fmt_p(other.p_value)}: "
            f"{p_words(other.p_value, alpha)}."
        )
    return lines


def _placebo_line(a: Assessment) -> str:
    pl = a.placebo
    if pl is None:
        return "2. Placebo calibration: not run."
    if pl.n_years == 0:
        return f"2. Placebo calibration: no earlier year could be run ({pl.n_failed} failed)."
    years = pd.to_datetime(pl.frame.loc[pl.frame["error"] == "", "end"])
    beaten = pl.n_years - pl.n_more_extreme
    return (
        f"2. Placebo calibration ({pl.model}): the same test on the same months of {pl.n_years} "
        f"earlier years ({years.min():%Y} to {years.max():%Y}) fired in "
        f"{fmt_pct(100 * pl.false_alarm_rate, signed=False)} of them "
        f"(nominal alpha = {pl.alpha:g}); "
        f"{a.window.end:%Y} is more extreme than {beaten} of the {pl.n_years}. "
        f"Calibrated p = {fmt_p(pl.calibrated_p)}: {p_words(pl.calibrated_p, pl.alpha)}."
    )


def _empirical_line(a: Assessment) -> str:
    e, w = a.empirical, a.window
    return (
        f"3. Seasonal comparison: from {w.reference:%B %Y} to {w.end:%B %Y} the series changed "
        f"{fmt_pct(e.change_pct)}; the median of the same change in {e.n_years} earlier years "
        f"({e.history.index.min()} to {e.history.index.max()}) is {fmt_pct(e.median_pct)}. "
        f"That is {percentile_words(e.percentile, e.n_years)} (percentile {e.percentile:.0f}; "
        f"robust z = {e.robust_z:+.2f}: {z_words(e.robust_z, a.options.alpha)})."
    )


def _adjusted_line(a: Assessment) -> str:
    s, w = a.adjusted, a.window
    if s is None:
        return "4. Seasonally adjusted change: not available."
    k = months_between(w.reference, w.end)
    return (
        f"4. Seasonally adjusted (robust STL): {fmt_pct(s.change_pct)} from {w.reference:%b %Y} to "
        f"{w.end:%b %Y}, against a usual spread of {fmt_pct(s.usual_sd_pct, signed=False)} for "
        f"{k}-month changes (month-to-month spread {fmt_pct(s.monthly_sd_pct, signed=False)}); "
        f"robust z = {s.robust_z:+.2f}: {z_words(s.robust_z, a.options.alpha)}. {s.outlier_note}."
    )


def _decomposition_line(a: Assessment) -> str:
    d, w = a.decomposition, a.window
    if d is None:
        return "5. Decomposition: not available."
    zero = "excludes" if d.excess_excludes_zero else "includes"
    return (
        f"5. Decomposition: of the {fmt_pct(d.observed_pct)} change from {w.reference:%b %Y} to "
        f"{w.end:%b %Y}, normal seasonality accounts for {fmt_pct(d.seasonal_pct)} (interval "
        f"{fmt_pct(d.seasonal_lo_pct)} to {fmt_pct(d.seasonal_hi_pct)}); the excess is "
        f"{fmt_pct(d.excess_pct)} (interval {fmt_pct(d.excess_lo_pct)} to "
        f"{fmt_pct(d.excess_hi_pct)}, which {zero} zero). A purely seasonal change would have "
        f"given about {fmt_count(d.seasonal_count)} in {w.end:%b %Y} instead of "
        f"{fmt_count(d.end_value)}."
    )


def summary_text(a: Assessment) -> str:
    """The summary of :meth:`Assessment.summary`."""
    w = a.window
    lines = [
        f"{a.series}: {w.label()}, change measured from {w.reference:%B %Y}.",
        f"Verdict: {a.verdict}.",
        verdict_sentence(a.decision),
        "",
        "Evidence",
        *_counterfactual_lines(a),
        _placebo_line(a),
        _empirical_line(a),
        _adjusted_line(a),
        _decomposition_line(a),
    ]
    if a.caveats:
        lines += ["", "Caveats", *(f"- {c}" for c in a.caveats)]
    if a.notes:
        lines += ["", "Notes", *(f"- {n}" for n in a.notes)]
    return "\n".join(lines)
