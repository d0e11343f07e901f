"""The one rule for which model to trust, from a backtest's scores.

:func:`recommend` is the only place the package decides which model to use:
``bf.forecast`` (no model named), :attr:`BacktestResult.recommended`, the CLI
(``forecast``, ``backtest``) and the monthly report all call it, on the scores of
a backtest (:func:`scores`) and, where a live fit exists, each model's next-month
forecast. The rule:

1. score every model on its **calibrated** backtest forecasts by accuracy and interval score
   together: ``joint = sqrt(wmase * msis)``, the horizon-weighted MASE
   (:data:`HORIZON_WEIGHTS`: the next month counts 4, the two after it 2 each, every later
   month 1) times the interval score of the widest interval (MSIS95), both scaled like MASE;
   coverage is reported, never a gate, so a worse forecaster is not chosen for its coverage;
2. rule out a model whose **next-month forecast is implausible** (outside
   :func:`plausible_range`; not judged when no live forecast is given) or that has fewer than
   :data:`MIN_ERRORS` resolved forecasts;
3. keep the **incumbent** (:func:`incumbent`: ``demographic`` where it applies, else
   ``stl_revert``) unless another model has a lower joint score and is more accurate beyond
   chance: a lower weighted MASE, and a paired t (:func:`paired_ts`) of the two models' errors
   below :data:`T_CRITICAL` (so the rule does not switch between near-equal models on noise,
   nor to a less accurate model for its intervals); then the lowest joint score wins.
   With no eligible model: the incumbent if plausible, else the lowest weighted MASE.

Changing the rule means changing this module only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .metrics import error_table, paired_t

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
MIN_ERRORS = 96
"""Resolved forecasts (origin x horizon) a model needs before its score counts."""
T_CRITICAL = -1.645
"""A challenger's paired t (:func:`paired_ts`) must be below this: one-sided, 5%."""
INCUMBENTS = ("demographic", "stl_revert", "snaive")
"""The incumbent is the first of these among the models (the package's default model)."""
MIN_MONTHS = 24
"""The shortest series the package chooses a model for (two years: the seasonal pattern twice)."""


@dataclass(frozen=True)
class Recommendation:
    """The model to trust, why, and the scores behind it. ``str()`` gives the model name.

    ``table`` has one row per model, best joint score first: ``rank, wmase, mase1,
    mase3, mase, coverage80, coverage95, skill, n, msis, joint, next, coverage_ok,
    plausible`` (``plausible`` is None where no next-month forecast was judged), and
    ``status`` (``used``, ``refused: next month`` or empty) and ``why_not`` (the first
    condition of the rule a model other than the one used fails, in words, or empty).
    """

    model: str
    reason: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)
    fallback: str = ""
    plausible: tuple[float, float, float, float] | None = None

    def __str__(self) -> str:
        return self.model


def scores(result: Any, series: str | None = None) -> pd.DataFrame:
    """Per model: horizon-weighted MASE, MASE at horizon 1, over 1-3 and over all, coverage,
    from the backtest's calibrated metrics (era ``all``) of one series or the mean over series,
    and ``t``, the paired t against the incumbent (:func:`paired_ts`) over every resolved
    forecast of the run (warm-up origins included, series pooled), as the replay judges it."""
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
    for c in ("mase", "coverage80", "coverage95", "skill", "n"):
        out[c] = overall[c].reindex(out.index) if c in overall else np.nan
    wide = sorted(c for c in overall if c.startswith("winkler"))
    out["msis"] = overall[wide[-1]].reindex(out.index) if wide else np.nan
    out["joint"] = joint_score(out["wmase"].to_numpy(float), out["msis"].to_numpy(float))
    raw = result.raw_forecasts
    errors = error_table(raw if series is None else raw[raw["series"] == series])
    lag = hac_lag(result.options.h, result.options.step)
    out["t"] = pd.Series(paired_ts(errors, lag), index=errors.columns).reindex(out.index)
    return out


def hac_lag(h: int, step: int) -> int:
    """Lags of :func:`~.metrics.paired_t`: how many later origins share a target month."""
    return max(-(-int(h) // max(int(step), 1)) - 1, 0)


def paired_ts(errors: pd.DataFrame, lag: int, known: np.ndarray | None = None) -> np.ndarray:
    """Per column of ``errors`` (:func:`~.metrics.error_table`), the paired t of its rows
    ``known`` (default all) against the incumbent's column, errors weighted by
    :data:`HORIZON_WEIGHTS`; NaN for the incumbent and without one."""
    cols = [str(c) for c in errors.columns]
    inc, out = incumbent(cols), np.full(len(cols), np.nan)
    idx = errors.index  # series x origin x horizon: their codes, not their values
    w = np.array([HORIZON_WEIGHTS.get(int(k), 1.0) for k in idx.levels[-1]])[idx.codes[-1]]
    origin = np.ravel_multi_index(idx.codes[:-1], [len(v) for v in idx.levels[:-1]])
    e, keep = errors.to_numpy(dtype=float), np.ones(len(errors), bool) if known is None else known
    for i in [] if inc is None else [i for i in range(len(cols)) if i != inc]:
        ok = keep & np.isfinite(e[:, i] - e[:, inc])
        out[i] = paired_t(origin[ok], e[ok, i] - e[ok, inc], w[ok], lag)
    return out


def joint_score(wmase: np.ndarray, msis: np.ndarray) -> np.ndarray:
    """``sqrt(wmase * msis)``: accuracy and interval score together (NaN where either is).

    >>> joint_score(np.array([1.0, 2.0]), np.array([4.0, np.nan])).tolist()
    [2.0, nan]
    """
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.asarray(wmase, dtype=float) * np.asarray(msis, dtype=float))


def incumbent(models: Sequence[str]) -> int | None:
    """Position of the incumbent among ``models`` (see :data:`INCUMBENTS`), or None."""
    names = [str(m) for m in models]
    return next((names.index(m) for m in INCUMBENTS if m in names), None)


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
    ``a`` forecasts best but its intervals score far worse (joint ``sqrt(0.9 * 20) = 4.24``);
    ``b`` has the best joint score (``sqrt(1.1 * 9) = 3.15``) but is less accurate than the
    incumbent ``stl_revert`` (``sqrt(1.0 * 10.5) = 3.24``), so the incumbent stays:

    >>> t = pd.DataFrame({"wmase": [0.9, 1.1, 1.0], "mase": [1.0, 1.2, 1.1],
    ...                   "msis": [20.0, 9.0, 10.5], "n": [120, 120, 120],
    ...                   "coverage80": [0.6, 0.8, 0.8], "coverage95": [0.85, 0.95, 0.95]},
    ...                  index=["a", "b", "stl_revert"])
    >>> rec = recommend(t)
    >>> rec.model, rec.table.index.tolist(), rec.table["status"].tolist()
    ('stl_revert', ['b', 'stl_revert', 'a'], ['', 'used', ''])
    >>> rec.table.loc["b", "why_not"]
    'less accurate than the default model (weighted MASE 1.100)'
    >>> recommend(t.assign(wmase=[0.9, 0.95, 1.0])).model  # more accurate, no paired t given
    'b'
    >>> rec = recommend(t.assign(wmase=[0.9, 0.95, 1.0], t=[np.nan, -1.2, np.nan]))
    >>> rec.model, rec.table.loc["a", "why_not"]  # a's edge passes, but its joint score is higher
    ('stl_revert', '')
    >>> rec.table.loc["b", "why_not"]  # b's edge could be chance
    'its edge over the default model could be chance (paired t -1.20, needs < -1.645)'
    """
    if table.empty:
        from ..errors import StoreError

        raise StoreError("the backtest has no scored forecasts")
    t = table.copy()
    t["wmase"] = t["wmase"].fillna(t["mase"])
    if "joint" not in t:
        t["joint"] = joint_score(t["wmase"].to_numpy(float), t.get("msis", np.nan))
    t = t.assign(_nan=~np.isfinite(t["joint"]))
    t = t.sort_values(["_nan", "joint", "wmase"], kind="stable")
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
    n = t["n"].to_numpy(dtype=float) if "n" in t else np.full(len(t), np.inf)
    inc = incumbent(list(t.index))
    w, j = t["wmase"].to_numpy(float), t["joint"].to_numpy(float)
    paired = t["t"].to_numpy(float) if "t" in t else None
    i = decide(w, j, n, plausible, inc, paired)
    best = str(t.index[i])
    fallback = "" if plausible[i] else "plausible"
    fails = failures(w, j, n, plausible, inc, paired)
    t["why_not"] = ["" if m == best else _words(f, r) for (m, r), f in
                    zip(t.iterrows(), fails, strict=True)]  # fmt: skip
    t["status"] = ["used" if m == best else "refused: next month" if r["plausible"] is False
                   else "" for m, r in t.iterrows()]  # fmt: skip
    return Recommendation(best, _reason(t, best, fallback, inc), t, fallback, rng)


def failures(wmase: np.ndarray, joint: np.ndarray, n: np.ndarray, plausible: np.ndarray,
             incumbent: int | None = None, paired: np.ndarray | None = None) -> np.ndarray:
    """Per model, the first condition of the rule it fails (``""``: none): ``next month``,
    ``errors`` (no joint score or < :data:`MIN_ERRORS`), then, against an incumbent that passes
    those, ``accuracy`` (wmase not lower), ``noise`` (``paired``, each model's paired t, not
    below :data:`T_CRITICAL`; not judged where it is NaN or not given)."""
    joint, w = np.asarray(joint, dtype=float), np.asarray(wmase, dtype=float)
    enough = np.isfinite(joint) & (np.asarray(n, dtype=float) >= MIN_ERRORS)
    out = np.select([~np.asarray(plausible, dtype=bool), ~enough], ["next month", "errors"], "")
    if incumbent is not None and out[incumbent] == "":
        t = np.full(len(w), np.nan) if paired is None else np.asarray(paired, dtype=float)
        conds = [out != "", ~(w < w[incumbent]), t >= T_CRITICAL]  # a NaN t: not judged
        out = np.select(conds, [out, "accuracy", "noise"], "")
        out[incumbent] = ""
    return out


def decide(
    wmase: np.ndarray,
    joint: np.ndarray,
    n: np.ndarray,
    plausible: np.ndarray,
    incumbent: int | None = None,
    paired: np.ndarray | None = None,
) -> int:
    """The rule's pick (arrays in one order; ties to the earlier model): the lowest joint score
    of the models failing no condition (:func:`failures`); with none, the incumbent if
    plausible, else the lowest weighted MASE among plausible models, else overall.

    >>> w, j = np.array([1.0, 0.9, 0.8]), np.array([2.0, 1.95, 1.5])
    >>> n, ok = np.full(3, 99), np.ones(3, bool)
    >>> decide(w, j, n, ok, incumbent=0), decide(w, j, n, ok, 0, np.array([np.nan, -2.0, -1.0]))
    (2, 1)
    >>> decide(w, j, np.array([99, 99, 5]), ok, incumbent=0)  # too few errors to judge the third
    1
    >>> j2 = np.array([2.0, 1.0, 1.5])  # the best joint score is less accurate: the next one
    >>> decide(np.array([1.0, 1.2, 0.9]), j2, n, ok, incumbent=0)
    2
    >>> failures(np.array([1.0, 1.2, 0.9]), j2, np.array([99, 99, 5]), ok, incumbent=0).tolist()
    ['', 'accuracy', 'errors']
    """
    joint = np.asarray(joint, dtype=float)
    eligible = failures(wmase, joint, n, plausible, incumbent, paired) == ""
    if eligible.any():
        return int(np.flatnonzero(eligible)[np.argmin(joint[eligible])])
    if incumbent is not None and plausible[incumbent]:
        return incumbent
    order = np.argsort(np.where(np.isfinite(wmase), wmase, np.inf), kind="stable")
    hit = order[plausible[order]]
    return int(hit[0]) if len(hit) else int(order[0])


def _words(code: str, r: pd.Series) -> str:
    """A :func:`failures` code of model row ``r``, in the report's words."""
    n = float(r.get("n", np.nan))
    return {
        "next month": f"its next-month median ({r['next']:,.0f}) is outside the plausible range",
        "errors": f"too few backtest errors to judge ({n:.0f}; {MIN_ERRORS} needed)"
        if n < MIN_ERRORS else "it has no interval score to judge it by",
        "accuracy": f"less accurate than the default model (weighted MASE {r['wmase']:.3f})",
        "noise": f"its edge over the default model could be chance (paired t "
        f"{r.get('t', np.nan):.2f}, needs < {T_CRITICAL:g})",
    }.get(code, "")


def _reason(t: pd.DataFrame, best: str, fallback: str, inc: int | None) -> str:
    r = t.loc[best]
    cov = ", ".join(f"{lv}%: {r[f'coverage{lv}']:.0%}" for lv in ACCEPTABLE_COVERAGE)
    score = (
        f"joint score {r['joint']:.3f} (weighted MASE {r['wmase']:.3f}, MSIS95 {r['msis']:.2f}; "
        f"calibrated coverage {cov})"
    )
    others = t.drop(index=best)["joint"]
    lower = others[others < r["joint"]]
    few = "n" in t and not (t["n"].fillna(0) >= MIN_ERRORS).any()
    if inc is not None and str(t.index[inc]) == best and (few or not np.isfinite(r["joint"])):
        text = (
            f"the default model {best}: the backtest has too few resolved forecasts to judge "
            f"the models ({MIN_ERRORS} needed)"
        )
    elif inc is not None and str(t.index[inc]) == best and len(lower):
        text = (
            f"kept the default model {best}, {score}: no model with a lower joint score is more "
            f"accurate beyond chance (best other: {lower.idxmin()}, {lower.min():.3f})"
        )
    elif inc is not None and str(t.index[inc]) == best:
        text = f"the default model {best} has the lowest {score}"
    else:
        text = f"lowest {score}; more accurate than the default model beyond chance"
    if fallback == "plausible":
        text += "; caution: no model's next-month forecast is within the plausible range"
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
    """The candidate models that are themselves on ``y`` (a bottom-up model needs its parts)
    and can fit it (``len(y)`` at least the model's ``min_length``)."""
    from ..models.registry import make_model

    models = {n: make_model(n) for n in names}
    return [n for n, m in models.items() if len(y) >= m.min_length and m.applies(y, parts)[0]]


def backtestable(y: pd.Series, name: str, h: int) -> bool:
    """Whether a backtest of ``name`` on ``y`` has an origin with ``h`` months after it."""
    from ..models.registry import make_model

    return len(y) >= make_model(name).min_length + h


def fallback_model(y: pd.Series, names: Sequence[str]) -> str:
    """The model used without a backtest: the incumbent among ``names`` that can fit ``y``."""
    i = incumbent(list(names))
    return str(names[i]) if i is not None else str(names[0])


def too_short(y: pd.Series, names: Sequence[str], h: int) -> str:
    """Why ``y`` cannot be backtested (then its forecast has raw intervals), or ``""``.

    Raises :class:`~borderforecast.errors.ShortSeriesError` (a one-line message naming the
    length needed) when no candidate can fit ``y`` at all.
    """
    from ..errors import ShortSeriesError
    from ..models.registry import make_model

    sid = str(y.attrs.get("series_id") or y.name or "the series")
    if not names or len(y) < MIN_MONTHS:
        raise ShortSeriesError(
            f"series {sid!r} has {len(y)} months; a forecast needs at least {MIN_MONTHS} months "
            "(two years, to see the seasonal pattern twice)"
        )
    if any(backtestable(y, n, h) for n in names):
        return ""
    need = min(make_model(n).min_length for n in names) + h
    return (
        f"{len(y)} months are too few to backtest the models (at least {need} are needed for "
        f"calibrated intervals): the default model {fallback_model(y, names)} with its own "
        "(raw) intervals"
    )
