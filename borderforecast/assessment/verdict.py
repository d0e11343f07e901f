"""The verdict rule and the words that describe numbers.

Every sentence of an assessment's summary is produced from the numbers by the
functions below, so the text cannot drift from the table.

Verdict rule
------------
Two lines of evidence decide, each two-sided at level ``alpha``:

* the counterfactual panel: the calibrated p-value of the panel's median ``z``
  (:mod:`borderforecast.assessment.panel`: the models that pass the plausibility
  gate, calibrated against the same median in the clean placebo years);
  *significant* when ``p < alpha``, in the direction of the panel's median;
* the empirical seasonal comparison: *extreme* when the robust z-score of the
  reference-to-end change among earlier years satisfies
  ``|z| >= z_(1 - alpha/2)`` (1.96 for alpha = 0.05), in the direction of its sign.

Then:

* ``"beyond seasonality (decline)"`` / ``"beyond seasonality (rise)"``: both
  significant and in the same direction;
* ``"within normal seasonality"``: neither significant;
* ``"inconclusive"``: one is and the other is not, or they point in opposite
  directions.

When the panel cannot be calibrated (fewer than ``min_placebos`` clean placebo years, or
placebo runs switched off), the verdict is capped at ``"inconclusive"``: less information
never gives a stronger verdict.

Strength
--------
Beside the verdict, :func:`grade` gives ``strong``, ``moderate`` or ``weak``:

* a "beyond" verdict is *strong* when the calibrated p is below ``alpha / 5``, the
  seasonal comparison's ``|z|`` is at least twice the critical value and at least two
  thirds of the gated models give the same verdict alone; *moderate* when the p-value
  condition or the agreement condition holds; *weak* otherwise;
* "within normal seasonality" is *strong* when the calibrated p is at least
  ``4 alpha``, ``|z|`` is below half the critical value and two thirds of the models agree;
  *moderate* when p is at least ``2 alpha`` and half of them agree; *weak* otherwise;
* "inconclusive" is always *weak*.

The seasonally adjusted change, X-13's outliers and the decomposition are
reported beside the verdict but do not change it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

BEYOND_DECLINE = "beyond seasonality (decline)"
BEYOND_RISE = "beyond seasonality (rise)"
WITHIN = "within normal seasonality"
INCONCLUSIVE = "inconclusive"
VERDICTS = (BEYOND_DECLINE, BEYOND_RISE, WITHIN, INCONCLUSIVE)


def critical_z(alpha: float) -> float:
    """``z_(1 - alpha/2)``: 1.96 for alpha = 0.05."""
    return float(stats.norm.ppf(1 - alpha / 2))


@dataclass(frozen=True)
class Decision:
    """The two deciding signals and the verdict that follows from them."""

    verdict: str
    counterfactual_p: float
    counterfactual_p_kind: str  # "calibrated" or "model-based"
    counterfactual_significant: bool
    counterfactual_direction: str
    empirical_z: float
    empirical_extreme: bool
    empirical_direction: str
    alpha: float


def decide(
    counterfactual_p: float,
    counterfactual_direction: str,
    empirical_z: float,
    alpha: float,
    p_kind: str = "calibrated",
) -> Decision:
    """Apply the verdict rule of this module.

    Examples
    --------
    >>> decide(0.01, "decline", -2.5, 0.05).verdict
    'beyond seasonality (decline)'
    >>> decide(0.30, "decline", -2.5, 0.05).verdict
    'inconclusive'
    >>> decide(0.30, "rise", 0.4, 0.05).verdict
    'within normal seasonality'
    """
    cf_sig = bool(np.isfinite(counterfactual_p) and counterfactual_p < alpha)
    emp_sig = bool(np.isfinite(empirical_z) and abs(empirical_z) >= critical_z(alpha))
    emp_dir = "decline" if empirical_z < 0 else "rise"
    if cf_sig and emp_sig and emp_dir == counterfactual_direction:
        verdict = BEYOND_DECLINE if emp_dir == "decline" else BEYOND_RISE
    elif not cf_sig and not emp_sig:
        verdict = WITHIN
    else:
        verdict = INCONCLUSIVE
    return Decision(
        verdict,
        float(counterfactual_p),
        p_kind,
        cf_sig,
        counterfactual_direction,
        float(empirical_z),
        emp_sig,
        emp_dir,
        alpha,
    )


STRONG, MODERATE, WEAK = "strong", "moderate", "weak"
STRENGTHS = (STRONG, MODERATE, WEAK)


def grade(d: Decision, n_agree: int, n_models: int) -> str:
    """Strength of a decision (rule in the module docstring).

    Examples
    --------
    >>> d = decide(0.001, "decline", -4.5, 0.05)
    >>> grade(d, 5, 6), grade(d, 2, 6)
    ('strong', 'moderate')
    >>> grade(decide(0.04, "decline", -2.5, 0.05), 2, 6)
    'weak'
    """
    frac = n_agree / n_models if n_models else 0.0
    crit = critical_z(d.alpha)
    p, z = d.counterfactual_p, abs(d.empirical_z)
    if d.verdict in (BEYOND_DECLINE, BEYOND_RISE):
        p_ok = bool(np.isfinite(p) and p < d.alpha / 5)
        if p_ok and z >= 2 * crit and frac >= 2 / 3:
            return STRONG
        return MODERATE if (p_ok or frac >= 2 / 3) else WEAK
    if d.verdict == WITHIN:
        if p >= 4 * d.alpha and z < crit / 2 and frac >= 2 / 3:
            return STRONG
        return MODERATE if (p >= 2 * d.alpha and frac >= 1 / 2) else WEAK
    return WEAK


def capped(d: Decision) -> Decision:
    """The decision with its verdict capped at inconclusive (no calibration possible)."""
    import dataclasses

    return dataclasses.replace(d, verdict=INCONCLUSIVE)


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
    return "no evidence of a change"


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
        return f"somewhat {side} than usual, within the normal range"
    return "within the normal range"


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


def verdict_sentence(d: Decision) -> str:
    """One sentence saying why the verdict is what it is (generated from the decision)."""
    cf = (
        f"the counterfactual ({d.counterfactual_p_kind} {p_eq(d.counterfactual_p)}, "
        f"{d.counterfactual_direction})"
    )
    emp = f"the comparison with earlier years (robust z = {d.empirical_z:+.2f})"
    a = f"alpha = {d.alpha:g}"
    if d.counterfactual_p_kind == "uncalibrated":
        return (
            f"The counterfactual panel could not be calibrated (too few clean placebo years), "
            f"so the verdict is capped at inconclusive; uncalibrated, {cf} and {emp} would "
            f"read {_raw_reading(d)}."
        )
    if d.verdict in (BEYOND_DECLINE, BEYOND_RISE):
        direction = "decline" if d.verdict == BEYOND_DECLINE else "rise"
        return f"Both {cf} and {emp} show a {direction} beyond normal seasonality at {a}."
    if d.verdict == WITHIN:
        return (
            f"Neither {cf} nor {emp} is significant at {a}: "
            "the change is within normal seasonality."
        )
    parts = []
    parts.append(f"{cf} is {'significant' if d.counterfactual_significant else 'not significant'}")
    parts.append(f"{emp} is {'extreme' if d.empirical_extreme else 'not extreme'}")
    if d.counterfactual_significant and d.empirical_extreme:
        parts.append("but they point in opposite directions")
    text = "; ".join(parts)
    return (
        f"The two deciding lines of evidence disagree at {a}: {text}, "
        "so the result is inconclusive."
    )


def _raw_reading(d: Decision) -> str:
    return (
        f"{'significant' if d.counterfactual_significant else 'not significant'} and "
        f"{'extreme' if d.empirical_extreme else 'not extreme'}"
    )
