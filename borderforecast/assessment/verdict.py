"""The verdict rule and the words that describe numbers.

Every sentence of an assessment's summary is produced from the numbers by the
functions below, so the text cannot drift from the table.

Verdict rule
------------
Two lines of evidence decide, each two-sided at level ``alpha``:

* the counterfactual: its *calibrated* p-value (placebo years, see
  :mod:`borderforecast.assessment.placebo`) when at least ``min_placebos`` placebo
  years ran, otherwise its model-based p-value; *significant* when
  ``p < alpha``, in the direction of observed minus expected;
* the empirical seasonal comparison: *extreme* when the robust z-score of the
  reference-to-end change among earlier years satisfies
  ``|z| >= z_(1 - alpha/2)`` (1.96 for alpha = 0.05), in the direction of its sign.

Then:

* ``"beyond seasonality (decline)"`` / ``"beyond seasonality (rise)"``: both
  significant and in the same direction;
* ``"within normal seasonality"``: neither significant;
* ``"inconclusive"``: one is and the other is not, or they point in opposite
  directions.

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


def fmt_count(x: float) -> str:
    return f"{x:,.0f}" if np.isfinite(x) else "n/a"


def verdict_sentence(d: Decision) -> str:
    """One sentence saying why the verdict is what it is (generated from the decision)."""
    cf = (
        f"the counterfactual ({d.counterfactual_p_kind} p = {fmt_p(d.counterfactual_p)}, "
        f"{d.counterfactual_direction})"
    )
    emp = f"the comparison with earlier years (robust z = {d.empirical_z:+.2f})"
    a = f"alpha = {d.alpha:g}"
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
