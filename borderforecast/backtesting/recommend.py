"""The one rule for which model to trust, from a backtest's scores.

:func:`recommend` is the only place the package decides which model to use:
``bf.forecast`` (no model named), :attr:`BacktestResult.recommended`, the CLI
(``forecast``, ``backtest``) and the monthly report all call it, on the scores of
a backtest (:func:`scores`) and, where a live fit exists, each model's next-month
forecast. The rule:

1. rank the models by **horizon-weighted MASE** (:data:`HORIZON_WEIGHTS`: the
   next month counts 4, the two after it 2 each, every later month 1);
2. keep those whose **calibrated coverage** is acceptable
   (:data:`ACCEPTABLE_COVERAGE`: 75-85% of actuals inside the 80% intervals,
   90-98% inside the 95% ones) and whose **next-month forecast is plausible**
   (within :func:`plausible_range`; not judged when no live forecast is given);
3. the first kept model wins; if none passes both, the best plausible one; if
   none is plausible, the best weighted MASE, with a caution.

Changing the rule means changing this module only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

HORIZON_WEIGHTS = {1: 4.0, 2: 2.0, 3: 2.0}
"""Weights of the horizons in the weighted MASE (every later horizon weighs 1)."""
ACCEPTABLE_COVERAGE = {80: (0.75, 0.85), 95: (0.90, 0.98)}
"""Calibrated backtest coverage a model needs (share of actuals inside its intervals)."""
PLAUSIBLE_WIDEN = 1.5
"""How far the next-month forecast may go beyond the month-on-month moves of the last 12 months."""
CANDIDATES = ("snaive", "demographic", "stl_revert", "stl_ses", "structural", "ets")
"""The models ``bf.forecast`` and the report choose among by default: the benchmark, the three
best of the full monthly backtest and two familiar model classes."""
STEP = 3
"""Months between the origins of the backtest behind a recommendation (quarterly)."""


@dataclass(frozen=True)
class Recommendation:
    """The model to trust, why, and the scores behind it. ``str()`` gives the model name.

    ``table`` has one row per model in the rule's order: ``rank, wmase, mase1,
    mase3, mase, coverage80, coverage95, skill, next, coverage_ok, plausible``
    (``plausible`` is None where no next-month forecast was judged), and
    ``status`` (``used``, ``refused: coverage``, ``refused: next month`` or empty).
    """

    model: str
    reason: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)
    fallback: str = ""
    plausible: tuple[float, float, float, float] | None = None

    def __str__(self) -> str:
        return self.model


def scores(result: Any, series: str | None = None) -> pd.DataFrame:
    """Per model: horizon-weighted MASE, MASE at horizon 1, over 1-3 and over all, coverage.

    From the backtest's calibrated metrics (era ``all``), for one series or the
    mean over series.
    """
    m = result.metrics
    sel = m[(m["era"] == "all") & (m["intervals"] == "calibrated")]
    sel = sel[~sel["model"].str.startswith("recommended")]
    if series is not None:
        sel = sel[sel["series"] == series]
    overall = sel[sel["horizon"] == "all"].groupby("model").mean(numeric_only=True)
    by_h = sel[sel["horizon"] != "all"].assign(k=lambda d: d["horizon"].astype(int))
    by_h = by_h.groupby(["model", "k"])["mase"].mean().reset_index()
    rows = {}
    for name, g in by_h.groupby("model"):
        g = g.sort_values("k")
        w = np.array([HORIZON_WEIGHTS.get(int(k), 1.0) for k in g["k"]])
        mase = g["mase"].to_numpy(dtype=float)
        ok = np.isfinite(mase)
        rows[str(name)] = {
            "wmase": float(np.sum(w[ok] * mase[ok]) / np.sum(w[ok])) if ok.any() else np.nan,
            "mase1": float(g.loc[g["k"] == 1, "mase"].mean()),
            "mase3": float(g.loc[g["k"] <= 3, "mase"].mean()),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    for c in ("mase", "coverage80", "coverage95", "skill"):
        out[c] = overall[c].reindex(out.index) if c in overall else np.nan
    return out


def plausible_range(
    y: pd.Series, widen: float = PLAUSIBLE_WIDEN
) -> tuple[float, float, float, float]:
    """``(low, high, smallest ratio, largest ratio)`` a next-month forecast should stay within.

    The latest month times the smallest and largest month-on-month ratio of
    the last 12 months (counts + 1), widened by ``widen`` on both sides.

    >>> y = pd.Series([100.0] * 11 + [50.0, 100.0], index=pd.date_range("2024-01-01",
    ...               periods=13, freq="MS"))
    >>> [round(v, 1) for v in plausible_range(y)]
    [33.0, 299.0, 0.5, 2.0]
    """
    z = np.asarray(y.iloc[-13:], dtype=float) + 1.0
    ratios = z[1:] / z[:-1]
    lo_r, hi_r = float(min(ratios.min(), 1.0)), float(max(ratios.max(), 1.0))
    last = float(y.iloc[-1]) + 1.0
    return last * lo_r / widen - 1.0, last * hi_r * widen - 1.0, lo_r, hi_r


def recommend(
    table: pd.DataFrame,
    next_month: Mapping[str, float] | None = None,
    y: pd.Series | None = None,
) -> Recommendation:
    """The rule (see the module docstring) on a :func:`scores` table.

    ``next_month`` (model -> next-month point forecast) and ``y`` (the series)
    turn on the plausibility check; without them every model counts as plausible.

    Examples
    --------
    >>> t = pd.DataFrame({"wmase": [0.9, 1.1], "mase1": [0.8, 1.0], "mase3": [0.9, 1.0],
    ...                   "mase": [1.0, 1.2], "coverage80": [0.60, 0.80],
    ...                   "coverage95": [0.85, 0.95], "skill": [0.1, 0.0]}, index=["a", "b"])
    >>> rec = recommend(t)
    >>> rec.model, rec.table["status"].tolist()
    ('b', ['refused: coverage', 'used'])
    """
    if table.empty:
        from ..errors import StoreError

        raise StoreError("the backtest has no scored forecasts")
    t = table.copy()
    t["wmase"] = t["wmase"].fillna(t["mase"])
    t = t.assign(_nan=~np.isfinite(t["wmase"])).sort_values(["_nan", "wmase"], kind="stable")
    t = t.drop(columns="_nan")
    t["rank"] = np.arange(1, len(t) + 1)
    t["coverage_ok"] = [
        all(lo <= float(r.get(f"coverage{lv}", np.nan)) <= hi
            for lv, (lo, hi) in ACCEPTABLE_COVERAGE.items())
        for _, r in t.iterrows()
    ]  # fmt: skip
    rng = plausible_range(y) if next_month is not None and y is not None else None
    t["next"] = [float((next_month or {}).get(str(m), np.nan)) for m in t.index]
    t["plausible"] = [
        None if rng is None else bool(np.isfinite(v) and rng[0] <= v <= rng[1]) for v in t["next"]
    ]
    plausible = t["plausible"].map(lambda p: p is not False).to_numpy(dtype=bool)
    covered = t["coverage_ok"].to_numpy(dtype=bool)
    i = decide(t["wmase"].to_numpy(dtype=float), covered, plausible)
    best = str(t.index[i])
    fallback = "" if covered[i] and plausible[i] else "coverage" if plausible[i] else "plausible"
    t["status"] = [_status(str(m), r, best) for m, r in t.iterrows()]
    return Recommendation(best, _reason(t, best, fallback), t, fallback, rng)


def decide(wmase: np.ndarray, coverage_ok: np.ndarray, plausible: np.ndarray) -> int:
    """The rule's pick among models (arrays in one order; ties go to the earlier model).

    The lowest weighted MASE among models with acceptable coverage and a
    plausible next month; else among plausible ones; else overall.

    >>> decide(np.array([1.0, 0.8, 0.9]), np.array([True, False, True]), np.ones(3, bool))
    2
    """
    order = np.argsort(np.where(np.isfinite(wmase), wmase, np.inf), kind="stable")
    for mask in (coverage_ok & plausible, plausible):
        hit = order[mask[order]]
        if len(hit):
            return int(hit[0])
    return int(order[0])


def _status(name: str, r: pd.Series, best: str) -> str:
    if name == best:
        return "used"
    if r["plausible"] is False:
        return "refused: next month"
    return "" if r["coverage_ok"] else "refused: coverage"


def _reason(t: pd.DataFrame, best: str, fallback: str) -> str:
    r = t.loc[best]
    cov = ", ".join(f"{lv}%: {r[f'coverage{lv}']:.0%}" for lv in ACCEPTABLE_COVERAGE)
    text = f"lowest weighted MASE ({r['wmase']:.3f}) among models whose calibrated intervals "
    text += f"cover as promised ({cov})"
    if t["plausible"].notna().any():
        text += " and whose next-month forecast is plausible"
    if fallback == "coverage":
        text = (f"lowest weighted MASE ({r['wmase']:.3f}) among plausible models; no plausible "
                "model's calibrated coverage is within the acceptable range")  # fmt: skip
    elif fallback == "plausible":
        text = (f"lowest weighted MASE ({r['wmase']:.3f}); caution: no model's next-month "
                "forecast is within the plausible range")  # fmt: skip
    return text


def recommended_model(
    result: Any,
    series: str | None = None,
    next_month: Mapping[str, float] | None = None,
    y: pd.Series | None = None,
) -> Recommendation:
    """:func:`recommend` on the scores of ``result`` (a :class:`~.result.BacktestResult`, which
    imports this module), for one series or the mean over series."""
    return recommend(scores(result, series), next_month, y)


def candidates_for(y: pd.Series, parts: Any, names: Sequence[str] = CANDIDATES) -> list[str]:
    """The candidate models that are themselves on ``y`` (a bottom-up model needs its parts)."""
    from ..models.registry import make_model

    return [n for n in names if make_model(n).applies(y, parts)[0]]
