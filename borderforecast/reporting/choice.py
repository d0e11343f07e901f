"""The words for the report's model choice (the rule, why the model won, the ranked rows);
the decision is :func:`borderforecast.backtesting.recommend.recommend`'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..backtesting.recommend import (
    ACCEPTABLE_COVERAGE,
    HORIZON_WEIGHTS,
    MIN_ERRORS,
    PLAUSIBLE_WIDEN,
)


@dataclass(frozen=True)
class ModelChoice:
    """The backtest behind the report's forecast, the model it leads to and the words for it."""

    result: Any
    date: str
    model: str
    reason: str
    recommended: str
    user_choice: bool
    cached: bool
    rule: str = ""
    rows: tuple[dict, ...] = ()
    plausible: tuple[float, float] | None = None
    fitted: dict = field(default_factory=dict, compare=False, repr=False)


def model_choice(c: Any, model: str | None, left_out: str = "") -> ModelChoice:
    """The report's words for a :class:`~borderforecast.forecast.Choice` (and the user's model)."""
    rec = c.recommendation
    cols = ["rank", "wmase", "mase1", "mase3", "mase", "coverage80", "coverage95", "skill",
            "next", "coverage_ok", "plausible", "status", "why_not"]  # fmt: skip
    rows = [{"model": str(m), **{k: r.get(k) for k in [*cols, "joint"]}}
            for m, r in rec.table.iterrows()]  # fmt: skip
    for r in rows:
        r["rank"], r["coverage_ok"] = int(r["rank"]), bool(r["coverage_ok"])
    lo, hi, lo_r, hi_r = rec.plausible
    dec = cov_decimals(rows)
    wm = sorted(r["wmase"] for r in rows if np.isfinite(r["wmase"]))
    wdec = 3
    while wdec < 5 and len(wm) > 1 and len({round(v, wdec) for v in wm}) < len(wm):
        wdec += 1
    weights = (f"{HORIZON_WEIGHTS[1]:g} for next month, {HORIZON_WEIGHTS[2]:g} for each of the "
               "two months after it")  # fmt: skip
    rule = (
        "Rule: every candidate's backtest intervals are calibrated, and each is scored by "
        "accuracy and interval score together: the square root of its horizon-weighted MASE "
        f"(weights {weights}, 1 for each later month) times its 95% interval score. The default "
        f"model is kept unless another scores better over at least {MIN_ERRORS} resolved "
        "forecasts and is more accurate by more than chance (a lower weighted MASE, and a "
        "paired test of the two models' errors at the 5% level), and a model is used "
        "only if its next-month forecast lies within "
        f"{lo:,.0f}–{hi:,.0f} (the latest month times the smallest and largest month-on-month "
        f"ratio of the last 12 months, {lo_r:.2f} and {hi_r:.2f}, widened by a factor "
        f"{PLAUSIBLE_WIDEN:g}: a forecast outside would be a move the recent data have not "
        "shown)." + _FALLBACK.get(rec.fallback, "")
    )
    rule = f"{rule} {left_out}" if left_out else rule
    first = next(r for r in rows if r["model"] == rec.model)
    reason = _reason(first, rows, dec, wdec)
    user = model is not None
    if user:
        reason = f"chosen by the user (the report's rule picks {rec.model}: {reason})"
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    cached = int(c.result.info.get("fits", 1)) == 0
    return ModelChoice(c.result, date, model or rec.model, reason, rec.model, user, cached, rule,
                       tuple(rows), (lo, hi), dict(c.forecasters))  # fmt: skip


_FALLBACK = {
    "": "",
    "coverage": " No plausible model's coverage is within the range, so the plausible model "
    "with the lowest weighted MASE is used.",
    "plausible": " Caution: no model's next-month forecast is within the plausible range; the "
    "default model, or the lowest weighted MASE, is used.",
}


def _decimals(values: list[float], thresholds: list[float], start: int = 0) -> int:
    """Fewest decimals (of a percentage) keeping every value on its side of each threshold."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    for d in range(start, 4):
        r = np.round(v * 100, d) / 100
        if all(np.array_equal(v < t, r < t) and np.array_equal(v > t, r > t) for t in thresholds):
            return d
    return 3


def cov_decimals(rows: list[dict]) -> int:
    """Decimals of the coverage shares that keep each on its side of the rule's bounds."""
    return _decimals(
        [r[f"coverage{lv}"] for r in rows for lv in ACCEPTABLE_COVERAGE],
        [t for p in ACCEPTABLE_COVERAGE.values() for t in p],
    )


def fmt_cov(v: float, dec: int) -> str:
    return "–" if not np.isfinite(v) else f"{v * 100:.{dec}f}%"


def _reason(first: dict, rows: list[dict], dec: int, wdec: int) -> str:
    above = [r for r in rows if r["rank"] < first["rank"]]
    text = (
        f"weighted MASE {first['wmase']:.{wdec}f} (next month {first['mase1']:.{wdec}f}, "
        f"next quarter {first['mase3']:.{wdec}f}); in past tests its 80% ranges held the "
        f"outcome {fmt_cov(first['coverage80'], dec)} of the time, its 95% ranges "
        f"{fmt_cov(first['coverage95'], dec)}"
    )
    for r in above:
        score = f"a better joint score ({r['joint']:.{wdec}f} against {first['joint']:.{wdec}f})"
        text += f"; {r['model']} has {score}" + (f", but {r['why_not']}" if r["why_not"] else "")
    return text
