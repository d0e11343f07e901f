"""The verdict rule, the strength, and the words for numbers every summary sentence uses.

"Beyond normal seasonality" when the panel's calibrated p is below ``alpha`` and the window's
robust ``|z|`` among the normal years is at least ``z_(1 - alpha/2)``, in the same direction;
"within normal seasonality" only when both the panel's effect interval and the decomposition's
excess interval lie inside the equivalence margin and neither line rejects; "cannot tell"
otherwise, with the reason. The assessment guide states the rule and the strength in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

BEYOND_DECLINE = "beyond normal seasonality (decline)"
BEYOND_RISE = "beyond normal seasonality (rise)"
WITHIN = "within normal seasonality"
CANNOT_TELL = "cannot tell"
VERDICTS = (BEYOND_DECLINE, BEYOND_RISE, WITHIN, CANNOT_TELL)
NAN = float("nan")
REASONS = {
    "uncalibrated": "too few normal earlier years to calibrate the models",
    "opposite": "the models and the comparison with normal years point in opposite directions",
    "models only": "the models find a change, but the comparison with normal years does not "
    "single it out",
    "comparison only": "the change stands out against normal years, but the models' calibrated "
    "test does not confirm it",
    "large": "the {} lies wholly beyond what normal years vary by, yet neither test can tell "
    "the change from normal seasonality; that is not evidence that the change was normal",
    "wide": "neither test finds a change, but the interval of the difference reaches beyond what "
    "normal years vary by, so a change of that size cannot be ruled out",
}
"""Why an answer is "cannot tell", in words (``Decision.why`` is the key)."""


def critical_z(alpha: float) -> float:
    """``z_(1 - alpha/2)``: 1.96 for alpha = 0.05."""
    return float(stats.norm.ppf(1 - alpha / 2))


@dataclass(frozen=True)
class Decision:
    """The deciding signals, the equivalence test and the verdict that follows from them
    (percentages: the panel's effect with its ``1 - 2 alpha`` interval, the decomposition's
    excess interval, the margin ``(decline side, rise side)``)."""

    verdict: str
    counterfactual_p: float
    counterfactual_p_kind: str  # "calibrated" or "uncalibrated"
    counterfactual_significant: bool
    counterfactual_direction: str
    empirical_z: float
    empirical_extreme: bool
    empirical_direction: str
    alpha: float
    rank_p: float = NAN
    n_years: int = 0
    effect_pct: float = NAN
    effect_lo_pct: float = NAN
    effect_hi_pct: float = NAN
    excess_lo_pct: float = NAN
    excess_hi_pct: float = NAN
    margin_pct: tuple[float, float] = (NAN, NAN)
    equivalent: bool = False
    reason: str = ""
    why: str = ""  # the key of the reason in REASONS ("" unless "cannot tell")

    @property
    def extrapolated(self) -> bool:
        """The calibrated p lies below what the placebo ranks can show (``1 / (k + 1)``)."""
        return bool(self.n_years and self.counterfactual_p < 1 / (self.n_years + 1))


def _log(v: float) -> float:
    return float(np.log1p(v / 100)) if np.isfinite(v) and v > -100 else NAN


def _inside(lo: float, hi: float, margin: float) -> bool:
    return bool(np.isfinite(lo) and np.isfinite(hi) and -margin < lo and hi < margin)


def decide(
    counterfactual_p: float,
    counterfactual_direction: str,
    empirical_z: float,
    alpha: float,
    p_kind: str = "calibrated",
    *,
    effect: tuple[float, float, float] = (NAN, NAN, NAN),
    excess: tuple[float, float] = (NAN, NAN),
    margin: float = NAN,
    rank_p: float = NAN,
    n_years: int = 0,
) -> Decision:
    """Apply the verdict rule: ``effect`` is the panel's ``(estimate, lo, hi)`` and ``excess``
    the decomposition's ``(lo, hi)``, in percent; ``margin`` is on the log scale.

    Examples
    --------
    >>> decide(0.01, "decline", -2.5, 0.05).verdict
    'beyond normal seasonality (decline)'
    >>> decide(0.30, "decline", -2.5, 0.05).verdict
    'cannot tell'
    >>> decide(0.30, "rise", 0.4, 0.05).verdict   # no evidence either way is not "within"
    'cannot tell'
    >>> decide(0.30, "rise", 0.4, 0.05, effect=(2, -8, 9), excess=(-5, 6), margin=0.2).verdict
    'within normal seasonality'
    """
    cal = p_kind == "calibrated"
    cf_sig = bool(np.isfinite(counterfactual_p) and counterfactual_p < alpha)
    emp_sig = bool(np.isfinite(empirical_z) and abs(empirical_z) >= critical_z(alpha))
    emp_dir = "decline" if empirical_z < 0 else "rise"
    equivalent = bool(
        np.isfinite(margin)
        and _inside(_log(effect[1]), _log(effect[2]), margin)
        and _inside(_log(excess[0]), _log(excess[1]), margin)
    )
    margin_pct = (100 * float(np.expm1(-margin)), 100 * float(np.expm1(margin)))
    why = reason = ""
    if cal and cf_sig and emp_sig and emp_dir == counterfactual_direction:
        verdict = BEYOND_DECLINE if emp_dir == "decline" else BEYOND_RISE
    elif cal and not cf_sig and not emp_sig and equivalent:
        verdict = WITHIN
    else:
        verdict = CANNOT_TELL
        if not cal:
            why = "uncalibrated"
        elif cf_sig:
            why = "opposite" if emp_sig else "models only"
        elif emp_sig:
            why = "comparison only"
        else:  # neither test rejects: is an estimate wholly past the margin, or only its interval?
            past = [_log(hi) < -margin or _log(lo) > margin for lo, hi in (effect[1:], excess)]
            why = "large" if np.isfinite(margin) and any(past) else "wide"
            which = "models' estimate" if past[0] else "decomposition's excess"
        reason = REASONS[why].format(which) if why == "large" else REASONS[why]
    return Decision(
        verdict, float(counterfactual_p), p_kind, cf_sig, counterfactual_direction,
        float(empirical_z), emp_sig, emp_dir, alpha, float(rank_p), int(n_years),
        float(effect[0]), float(effect[1]), float(effect[2]), float(excess[0]),
        float(excess[1]), margin_pct, equivalent, reason, why,
    )  # fmt: skip


STRONG, MODERATE, WEAK = "strong", "moderate", "weak"
STRENGTHS = (STRONG, MODERATE, WEAK)


def grade(d: Decision, margin: float = NAN) -> str:
    """Strength of a decision: from the size against normal variation and the p.

    Examples
    --------
    >>> grade(decide(0.001, "decline", -4.5, 0.05)), grade(decide(0.04, "decline", -4.5, 0.05))
    ('strong', 'moderate')
    >>> grade(decide(0.04, "decline", -2.5, 0.05))
    'weak'
    """
    crit = critical_z(d.alpha)
    p, z = d.counterfactual_p, abs(d.empirical_z)
    if d.verdict in (BEYOND_DECLINE, BEYOND_RISE):
        p_ok, z_ok = bool(np.isfinite(p) and p < d.alpha / 5), bool(z >= 2 * crit)
        return STRONG if p_ok and z_ok else MODERATE if (p_ok or z_ok) else WEAK
    if d.verdict == WITHIN:
        half = margin / 2
        tight = _inside(_log(d.effect_lo_pct), _log(d.effect_hi_pct), half) and _inside(
            _log(d.excess_lo_pct), _log(d.excess_hi_pct), half
        )
        return STRONG if tight else MODERATE
    return WEAK


# -- words for numbers -------------------------------------------------------


def p_words(p: float, alpha: float) -> str:
    """Strength of evidence against "nothing unusual happened" for a p-value."""
    if not np.isfinite(p):
        return "not available"
    if p < alpha / 50:
        return "very strong evidence of a change"
    if p < alpha / 5:
        return "strong evidence of a change"
    if p < alpha:
        return "evidence of a change"
    if p < 2 * alpha:
        return "weak evidence, not enough at this level"
    return "not enough evidence to call it a change"


def z_words(z: float, alpha: float) -> str:
    """Reading of a robust z-score against earlier years."""
    if not np.isfinite(z):
        return "far outside earlier years" if not np.isnan(z) else "not available"
    crit = critical_z(alpha)
    side = "lower" if z < 0 else "higher"
    if abs(z) >= 2 * crit:
        return f"far {side} than usual"
    if abs(z) >= crit:
        return f"unusually {'low' if z < 0 else 'high'}"
    if abs(z) >= crit / 2:
        return f"somewhat {side} than usual, not enough to stand out"
    return "close to usual"


def percentile_words(pct: float, n: int) -> str:
    """Where a value sits among ``n`` earlier years, from its percentile."""
    if not np.isfinite(pct):
        return "not comparable"
    if pct <= 0:
        return f"lower than in all {n} earlier years"
    if pct >= 100:
        return f"higher than in all {n} earlier years"
    if pct < 10:
        return "among the lowest tenth of earlier years"
    if pct > 90:
        return "among the highest tenth of earlier years"
    return "within the range of earlier years"


def fmt_pct(x: float, signed: bool = True) -> str:
    """A percentage with one decimal (the rounding every summary number uses)."""
    if not np.isfinite(x):
        return "n/a"
    return f"{x:+.1f}%" if signed else f"{x:.1f}%"


def fmt_range(lo: float, hi: float) -> str:
    """An interval of percentages: ``-12.3% to +4.5%``."""
    return f"{fmt_pct(lo)} to {fmt_pct(hi)}"


def fmt_z(z: float, alpha: float) -> str:
    """A robust z with two decimals, or three where two would round it across ``z_(1-alpha/2)``."""
    crit, two = critical_z(alpha), f"{z:+.2f}"
    return f"{z:+.3f}" if (abs(float(two)) >= round(crit, 2)) != (abs(z) >= crit) else two


def fmt_p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_eq(p: float) -> str:
    """``p = 0.013`` or ``p < 0.001`` (a p-value inside a sentence)."""
    text = fmt_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def fmt_count(x: float) -> str:
    return f"{x:,.0f}" if np.isfinite(x) else "n/a"
