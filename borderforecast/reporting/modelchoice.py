"""Section 2's model choice: a quick backtest of a few models, cached per data release.

The report runs :func:`borderforecast.backtest` on a small set of models with
quarterly origins (fast enough for a monthly report) and keeps the result
under ``<home>/cache/report/backtest/<key>/``, where ``key`` hashes the data
(the series' months and values), the models and the settings. A second
report on the same data reuses it, and states the date the backtest was
first run (so two builds of the same month give the same page).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import write_bytes as atomic_write_bytes
from ..backtesting import BacktestResult
from ..paths import home_dir

BENCHMARK = "snaive"


@dataclass(frozen=True)
class ModelChoice:
    """The backtest behind the report's forecast and the model it leads to."""

    result: BacktestResult
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


def _key(y: pd.Series, models: Sequence[str], settings: dict) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"models": list(models), **settings}, sort_keys=True, default=str).encode())
    h.update(pd.DatetimeIndex(y.index).strftime("%Y-%m").str.cat(sep=",").encode())
    h.update(pd.Series(y, dtype=float).round(3).to_numpy().tobytes())
    return h.hexdigest()[:20]


def _code_and_specs(models: Sequence[str], home) -> dict:
    from ..cache import code_fingerprint
    from ..models.registry import get_spec

    specs = [get_spec(m, home).to_dict() | {"class": get_spec(m, home).class_path} for m in models]
    families = [f"borderforecast.models.{s['family']}" for s in specs]
    return {"specs": specs, "code": code_fingerprint("borderforecast.backtesting.run", *families)}


def cache_folder(home: str | os.PathLike[str] | None = None) -> Path:
    return home_dir(home) / "cache" / "report" / "backtest"


def run_backtest(
    y: pd.Series,
    series: str,
    models: Sequence[str],
    *,
    step: int = 3,
    start: str | None = None,
    h: int = 12,
    seed: int = 0,
    jobs: int = 1,
    home: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[BacktestResult, str, bool]:
    """Run (or load from the report cache) the backtest; return ``(result, date, cached)``."""
    from ..backtesting import backtest
    from ..version import __version__

    settings = {
        "series": series,
        "step": step,
        "start": start,
        "h": h,
        "seed": seed,
        "version": __version__,
    }
    settings.update(_code_and_specs(models, home))  # spec parameters and code are in the key
    folder = cache_folder(home) / _key(y, models, settings)
    stamp = folder / "report.json"
    if stamp.exists():
        try:
            meta = json.loads(stamp.read_text(encoding="utf-8"))
            return BacktestResult.load(folder), str(meta["date"]), True
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache: run again and overwrite it
    kwargs: dict[str, Any] = {"step": step, "h": h, "seed": seed, "cache": True}
    if start is not None:
        kwargs["start"] = start
    if jobs > 1:
        kwargs.update(engine="processes", jobs=jobs)
    result = backtest({series: y}, models=list(models), progress=progress, **kwargs)
    result.save(folder)
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    atomic_write_bytes(
        stamp, json.dumps({"date": date, "settings": settings, "models": list(models)}).encode()
    )
    return result, date, False


HORIZON_WEIGHTS = {1: 4.0, 2: 2.0, 3: 2.0}
"""Weights of the horizons in the report's model choice (every later horizon weighs 1)."""

PLAUSIBLE_WIDEN = 1.5
"""How far the next-month forecast may go beyond the month-on-month moves of the last 12 months."""

COVERAGE = {80: (0.75, 0.85), 95: (0.90, 0.98)}
"""Calibrated backtest coverage a model needs (share of actuals inside its intervals)."""


def weighted_mase(result: BacktestResult, series: str) -> pd.DataFrame:
    """Per model: MASE at horizon 1, over horizons 1-3, over all, and the horizon-weighted MASE."""
    m = result.metrics
    sel = m[(m["era"] == "all") & (m["intervals"] == "calibrated") & (m["series"] == series)]
    by_h = sel[sel["horizon"] != "all"].assign(k=lambda d: d["horizon"].astype(int))
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
    return pd.DataFrame.from_dict(rows, orient="index")


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


def _decimals(values: list[float], thresholds: list[float], start: int = 0) -> int:
    """Fewest decimals (of a percentage) keeping every value on its side of each threshold."""
    for d in range(start, 4):
        ok = True
        for v in values:
            if not np.isfinite(v):
                continue
            r = round(v * 100, d) / 100
            for t in thresholds:
                if (v < t) != (r < t) or (v > t) != (r > t):
                    ok = False
        if ok:
            return d
    return 3


def choose_model(
    result: BacktestResult,
    date: str,
    cached: bool,
    model: str | None,
    *,
    y: pd.Series,
    series: str,
    forecasters: dict[str, Any],
) -> ModelChoice:
    """The model the report uses, by the rule the report states (or the user's model).

    Rule: the lowest horizon-weighted MASE (:data:`HORIZON_WEIGHTS`) among models
    whose calibrated coverage is acceptable (:data:`COVERAGE`) and whose
    next-month forecast is plausible (:func:`plausible_range`). If none passes
    both, plausibility alone decides; if none is plausible, the lowest weighted
    MASE, with a caution. ``forecasters`` holds each model fitted once (name -> Forecaster).
    """
    rank = result.ranking(series=series)
    wm = weighted_mase(result, series)
    lo, hi, lo_r, hi_r = plausible_range(y)
    rows: list[dict[str, Any]] = []
    for name in rank.index:
        name = str(name)
        r = rank.loc[name]
        cov = {lv: float(r.get(f"coverage{lv}", np.nan)) for lv in COVERAGE}
        rows.append(
            {
                "model": name,
                "wmase": float(wm.loc[name, "wmase"]) if name in wm.index else float(r["mase"]),
                "mase1": float(wm.loc[name, "mase1"]) if name in wm.index else np.nan,
                "mase3": float(wm.loc[name, "mase3"]) if name in wm.index else np.nan,
                "mase": float(r["mase"]),
                "coverage80": cov[80],
                "coverage95": cov[95],
                "skill": float(r.get("skill", np.nan)),
                "next": float("nan"),
                "coverage_ok": all(a <= cov[lv] <= b for lv, (a, b) in COVERAGE.items()),
                "plausible": None,  # decided below, for the models the rule needs to look at
            }
        )
    fitted = forecasters

    def judge(row: dict) -> bool:
        """Decide (once) whether the model's next-month forecast is plausible."""
        if row["plausible"] is None:
            try:
                row["next"] = float(fitted[row["model"]].fitted.forecast(1)["mean"].iloc[0])
            except Exception:  # noqa: BLE001 - a model that cannot fit now is refused
                row["next"] = float("nan")
            row["plausible"] = bool(np.isfinite(row["next"]) and lo <= row["next"] <= hi)
        return bool(row["plausible"])

    rows.sort(key=lambda r: (not np.isfinite(r["wmase"]), r["wmase"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    # in the rule's order
    first = next((r for r in rows if r["coverage_ok"] and judge(r)), None)
    fallback = ""
    if first is None:
        first = next((r for r in rows if judge(r)), None)
        fallback = (
            " No plausible model's coverage is within the range, so the plausible model with "
            "the lowest weighted MASE is used."
        )
    if first is None:
        first = rows[0]
        fallback = (
            " Caution: no model's next-month forecast is within the plausible range; the "
            "lowest weighted MASE is used."
        )
    for r in rows:  # every model's next month is shown (and judged), the rule's pick unchanged
        judge(r)
    rec = first["model"]
    for r in rows:
        r["status"] = _status(r, rec, lo, hi)
    dec = _decimals(
        [r[f"coverage{lv}"] for r in rows for lv in COVERAGE],
        [t for p in COVERAGE.values() for t in p],
    )
    wm_vals = sorted(r["wmase"] for r in rows if np.isfinite(r["wmase"]))
    wdec = 3
    while wdec < 5 and len(wm_vals) > 1 and len({round(v, wdec) for v in wm_vals}) < len(wm_vals):
        wdec += 1
    weights = (
        f"{HORIZON_WEIGHTS[1]:g} for next month, {HORIZON_WEIGHTS[2]:g} for each of the two "
        "months after it"
    )
    rule = (
        "Rule: the report uses the model with the lowest horizon-weighted MASE (weights "
        f"{weights}, 1 for each later month) among models whose calibrated backtest intervals "
        "held 75–85% (80% intervals) and 90–98% (95% intervals) of the actuals and whose "
        f"next-month forecast lies within {lo:,.0f}–{hi:,.0f} (the latest month times the "
        f"smallest and largest month-on-month ratio of the last 12 months, {lo_r:.2f} and "
        f"{hi_r:.2f}, widened by a factor {PLAUSIBLE_WIDEN:g}: a forecast outside would be a "
        "move the recent data have not shown)." + fallback
    )
    reason = _reason(first, rows, dec, wdec)
    if model is not None:
        return ModelChoice(
            result,
            date,
            model,
            f"chosen by the user (the report's rule picks {rec}: {reason})",
            rec,
            True,
            cached,
            rule,
            tuple(rows),
            (lo, hi),
            fitted,
        )
    return ModelChoice(
        result, date, rec, reason, rec, False, cached, rule, tuple(rows), (lo, hi), fitted
    )


def _status(r: dict, chosen: str, lo: float, hi: float) -> str:
    if r["model"] == chosen:
        return "used"
    if r["plausible"] is False:
        return "refused: next month"
    if not r["coverage_ok"]:
        return "refused: coverage"
    return ""


def fmt_cov(v: float, dec: int) -> str:
    return "–" if not np.isfinite(v) else f"{v * 100:.{dec}f}%"


def _reason(first: dict, rows: list[dict], dec: int, wdec: int) -> str:
    above = [r for r in rows if r["rank"] < first["rank"]]
    text = (
        f"weighted MASE {first['wmase']:.{wdec}f} (next month {first['mase1']:.{wdec}f}, "
        f"next quarter {first['mase3']:.{wdec}f}), coverage {fmt_cov(first['coverage80'], dec)} "
        f"(80%) and {fmt_cov(first['coverage95'], dec)} (95%), next month "
        f"{first['next']:,.0f}"
    )
    for r in above:
        why = []
        if r["plausible"] is False:
            why.append(f"its next-month forecast ({r['next']:,.0f}) is outside the plausible range")
        if not r["coverage_ok"]:
            why.append(
                f"its coverage ({fmt_cov(r['coverage80'], dec)} and "
                f"{fmt_cov(r['coverage95'], dec)}) is outside the range"
            )
        text += (
            f"; {r['model']} ranks higher (weighted MASE {r['wmase']:.{wdec}f}) but "
            + " and ".join(why)
        )
    return text


def ranking_rows(choice: ModelChoice) -> list[dict]:
    """The ranking as plain rows, in the order of the report's rule."""
    return [dict(r) for r in choice.rows]
