"""The report's outlook: the forecast table, its totals, and why that model.

:func:`forecast_section` takes the series and the model choice, and returns the
calibrated, guarded forecast, the totals of the next months and of the fiscal
years (from sample paths, :mod:`.totals`), the backtest table behind the
choice, and the fan chart. Sentences are generated from the numbers the
tables show.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..fiscal import fiscal_year
from ..intervals import GuardedForecast
from . import figures
from .common import SectionOutput, short_name
from .modelchoice import BENCHMARK, ModelChoice, ranking_rows
from .writer import FigureSpec


def _forecast_rows(fc: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "month": f"{m:%Y-%m}",
            "month_label": f"{m:%b %Y}",
            "fiscal_year": int(fiscal_year(m)),
            **{c: float(fc.loc[m, c]) for c in ("mean", "lo80", "hi80", "lo95", "hi95")},
        }
        for m in fc.index
    ]


def _shown(f: Any, h: int) -> GuardedForecast:
    """A forecaster's guarded forecast (the model's own intervals guarded when uncalibrated)."""
    from ..intervals import LEVELS, guard_intervals

    fc = f.frames(h, LEVELS)[1]
    if f.calibration is None:
        return guard_intervals(fc, f.y)
    return GuardedForecast(fc, tuple(fc.attrs.get("interval_notes", ())), f.name)


def forecast_section(
    y: pd.Series,
    series: str,
    choice: ModelChoice,
    *,
    horizon: int,
    seed: int,
    history: int = 60,
) -> SectionOutput:
    """Section 2: the chosen model's calibrated, guarded forecast and why that model."""
    from .totals import path_totals

    result = choice.result
    f = choice.fitted[choice.model]
    g = _shown(f, horizon)
    fc = g.frame
    bench = fc if choice.model == BENCHMARK else _shown(choice.fitted[BENCHMARK], horizon).frame
    m = y.index[-1]
    rows = ranking_rows(choice)
    fitted = f.fitted
    nxt, fy_totals = path_totals(f, fc, seed)
    total = float(nxt["median"])
    prev12 = float(y.iloc[-12:].sum())
    first = fc.index[0]
    narrative = (
        f"The {choice.model} model expects {fc.loc[first, 'mean']:,.0f} in {first:%B %Y} "
        f"(80% interval {fc.loc[first, 'lo80']:,.0f} to {fc.loc[first, 'hi80']:,.0f}) and "
        f"{total:,.0f} over the next {horizon} months ({fc.index[0]:%b %Y}–{fc.index[-1]:%b %Y}; "
        f"80% interval {nxt['lo80']:,.0f} to {nxt['hi80']:,.0f}), "
        f"{_change_words(total, prev12)} the previous {min(12, len(y))} months ({prev12:,.0f})."
    )
    plain = plain_model(choice.model, fitted, fc.index)
    if plain:
        narrative += f" How the {choice.model} model works: {plain}."
    why = f"{choice.model}: {choice.reason}."
    if choice.model not in set(result.models):
        why += " It was not part of the backtest, so its intervals are the model's own."
    from .totals import model_totals, spread_sentence

    names = [str(r["model"]) for r in rows]
    totals = model_totals(names, dict(choice.fitted), horizon, seed)
    totals[choice.model] = total  # the same number as the narrative's
    for r in rows:
        r["next_total"] = totals.get(str(r["model"]), float("nan"))
    implausible = [str(r["model"]) for r in rows if r.get("plausible") is False]
    spread = spread_sentence(totals, choice.model, horizon, implausible)
    fo = result.forecasts
    origins = sorted(pd.to_datetime(fo["origin"].unique()))
    dec = _cov_decimals(rows)
    backtest = {
        "date": choice.date,
        "origins": len(origins),
        "first_origin": f"{origins[0]:%b %Y}" if origins else "–",
        "last_origin": f"{origins[-1]:%b %Y}" if origins else "–",
        "step": result.options.step,
        "horizon": result.options.h,
        "rows": rows,
        "rule": choice.rule,
        "columns": [
            {"key": "wmase", "label": "weighted MASE", "fmt": "0.000"},
            {"key": "mase1", "label": "MASE next month", "fmt": "0.000"},
            {"key": "mase3", "label": "MASE next 3", "fmt": "0.000"},
            {"key": "mase", "label": "MASE 1–12", "fmt": "0.000"},
            {"key": "coverage80", "label": "inside 80%", "fmt": f"share{dec}"},
            {"key": "coverage95", "label": "inside 95%", "fmt": f"share{dec}"},
            {"key": "next", "label": "next month", "fmt": "count"},
            {"key": "next_total", "label": f"{horizon}-month total", "fmt": "count"},
        ],
        "note": (
            "MASE: mean absolute error scaled by the in-sample seasonal naive error (below 1 "
            "beats a same-month-last-year forecast made in-sample); weighted MASE weighs the "
            "horizons as the rule says. Inside 80% / 95%: share of backtest actuals inside the "
            "calibrated intervals. Next month: each model's forecast for "
            f"{first:%B %Y}. {horizon}-month total: each model's median total, from sample "
            f"paths as for the model used. {spread}"
        ).strip(),
        "cached": choice.cached,
        "failed_cells": int(len(result.errors)),
    }
    data = {
        "model": choice.model,
        "recommended": choice.recommended,
        "user_choice": choice.user_choice,
        "horizon": horizon,
        "unit": "encounters per month",
        "narrative": narrative,
        "why": why,
        "interval_notes": list(g.notes),
        "table": _forecast_rows(fc),
        "fiscal_totals": fy_totals,
        "next12_total": total,
        "next12_interval": {k: float(nxt[k]) for k in ("lo80", "hi80", "lo95", "hi95")},
        "previous12_total": prev12,
        "backtest": backtest,
    }
    fig = figures.fan_chart(
        y,
        fc,
        model=choice.model,
        history=history,
        benchmark=None if choice.model == BENCHMARK else bench,
        title=f"{short_name(y)}: forecast to {fc.index[-1]:%B %Y} "
        f"({choice.model}, calibrated intervals)",
    )
    figs = {
        "forecast": FigureSpec(
            "forecast",
            fig,
            f"Observed encounters to {m:%B %Y} and the {choice.model} forecast with 80% and 95% "
            "intervals (calibrated on backtest errors); dashed: the seasonal naive benchmark. "
            "Shaded bands: alternate fiscal years (October–September). "
            "Log scale: equal heights are equal percentage changes.",
            f"Fan chart of the {horizon}-month forecast",
        )
    }
    stored = {choice.model: fc}
    stored.setdefault(BENCHMARK, bench)
    return SectionOutput(data, figs, stored)


def stale_forecast_section(y: pd.Series, release_last: pd.Timestamp) -> SectionOutput:
    """Section 2 for a series that ends before the report month: no forecast, and why."""
    m = y.index[-1]
    text = (
        f"No forecast: {short_name(y)} data end in {m:%B %Y}, while the national data run to "
        f"{release_last:%B %Y}. A forecast from {m:%B %Y} would cover months that are already "
        "over, and would disagree with the national counts already published for them. For "
        f"the report as it stood in {m:%B %Y}, forecast included, run the report with "
        f"--month {m:%Y-%m}."
    )
    data: dict[str, Any] = {
        "model": None,
        "skipped": text,
        "horizon": 0,
        "narrative": text,
        "table": [],
        "next12_total": None,
    }
    return SectionOutput(data)


def _cov_decimals(rows: list[dict]) -> int:
    from .modelchoice import COVERAGE, _decimals

    return _decimals(
        [r[f"coverage{lv}"] for r in rows for lv in COVERAGE],
        [t for p in COVERAGE.values() for t in p],
    )


PLAIN_MODELS = {
    "demographic": (
        "it forecasts single adults, families and unaccompanied children separately and adds "
        "them up; the number of people in families moves back toward its average since 2011, "
        "up or down (after past surges and falls it did), the other two only as fast as their "
        "own recent record says"
    ),
    "stl_revert": (
        "it sets the usual seasonal pattern aside, then lets the level drift back toward its "
        "six-year average only as fast as the series' own recent surges did"
    ),
    "stl_ses": "it sets the usual seasonal pattern aside and carries the latest level forward",
    "snaive": "each month repeats the same month a year earlier",
    "ets": "exponential smoothing of the level, a damped trend and the seasonal pattern",
    "structural": "a level and a seasonal pattern that both change slowly over time",
}
"""Plain words for the bundled models, for the report's forecast paragraph."""


def plain_model(name: str, fitted: Any, months: pd.DatetimeIndex | None = None) -> str:
    """What the model does, in a reader's words ("" for a model without a description).

    For ``demographic`` the sentence names each part's latest month and its
    forecast for the last month of ``months``, so the assumption is in view.
    """
    state = getattr(fitted, "state", None)
    if name == "demographic" and not getattr(state, "used_parts", True):
        return PLAIN_MODELS["stl_revert"]
    text = PLAIN_MODELS.get(name, "")
    if name != "demographic" or months is None or not len(months):
        return text
    try:
        table = fitted.model.part_forecasts(state, len(months))
    except Exception:  # noqa: BLE001 - the sentence without the numbers
        return text
    words = {
        "single_adults": "single adults",
        "family_units": "people in families",
        "uac": "unaccompanied children",
    }
    last = table.columns[-1]
    parts = "; ".join(
        f"{words.get(str(p), str(p))} {r['last']:,.0f} in {fitted.y.index[-1]:%B %Y}, "
        f"{r[last]:,.0f} expected in {months[-1]:%B %Y}"
        for p, r in table.iterrows()
    )
    return f"{text} ({parts})" if parts else text


def _change_words(new: float, old: float) -> str:
    if old == 0:
        return "compared with"
    r = new / old - 1
    if round(abs(r) * 100, 1) == 0:
        return "about the same as"
    return f"{abs(r):.1%} {'above' if r > 0 else 'below'}"
