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
from .common import SectionOutput, Subject, subject_of
from .modelchoice import BENCHMARK, ModelChoice, ranking_rows
from .writer import FigureSpec, fmt_pct

TOTALS_NOTE = (
    "Expected counts are means: the months add up to the totals. Each month's count is as "
    "likely to fall below its median (the middle of its interval) as above it; the mean is "
    "a little higher, because a surge can add more than a lull can take away."
)


def _forecast_rows(fc: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "month": f"{m:%Y-%m}",
            "month_label": f"{m:%b %Y}",
            "fiscal_year": int(fiscal_year(m)),
            **{c: float(fc.loc[m, c]) for c in ("mean", "median", "lo80", "hi80", "lo95", "hi95")},
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
    later: pd.Series | None = None,
    subj: Subject | None = None,
) -> SectionOutput:
    """Section 2: the chosen model's calibrated, guarded forecast and why that model.

    ``later``: actuals published after the report month (a report on an earlier
    month); the forecast is scored against them. (Over 60 lines: the section's
    numbers, sentences and backtest table are assembled in one place.)
    """
    from .totals import fiscal_totals, model_totals, outlook_paths, spread_sentence, window_total

    subj = subj or subject_of(y)
    result = choice.result

    def table_of(name: str) -> tuple[Any, pd.DataFrame]:
        f = choice.fitted[name]  # each model fitted once per report
        return f.fitted, _shown(f, horizon).frame

    g = _shown(choice.fitted[choice.model], horizon)
    fitted = choice.fitted[choice.model].fitted
    fc, paths = outlook_paths(fitted, g.frame, seed)
    bench = fc if choice.model == BENCHMARK else outlook_paths(*table_of(BENCHMARK), seed)[0]
    m = y.index[-1]
    rows = ranking_rows(choice)
    nxt = window_total(paths)
    fy_totals = fiscal_totals(y, fc, paths)
    total = float(nxt["mean"])
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
    names = [str(r["model"]) for r in rows if str(r["model"]) != choice.model]
    totals = model_totals(names, y, horizon, seed, table_of)
    totals[choice.model] = total  # the same number as the narrative's
    for r in rows:
        r["next_total"] = totals.get(str(r["model"]), float("nan"))
    refused = [str(r["model"]) for r in rows if str(r.get("status", "")).startswith("refused")]
    spread = spread_sentence(totals, choice.model, horizon, refused)
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
            {"key": "next", "label": "next month (median)", "fmt": "count"},
            {"key": "next_total", "label": f"{horizon}-month total", "fmt": "count"},
        ],
        "note": (
            "Terms: see the glossary at the end. Inside 80% / 95%: share of backtest actuals "
            "inside the calibrated intervals. Next month: each model's median forecast for "
            f"{first:%B %Y}. {horizon}-month total: each model's expected total, from sample "
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
        "unit": subj.per_month,
        "narrative": narrative,
        "why": why,
        "interval_notes": list(g.notes),
        "table": _forecast_rows(fc),
        "fiscal_totals": fy_totals,
        "next12_total": total,
        "next12_median": float(nxt["median"]),
        "next12_interval": {k: float(nxt[k]) for k in ("lo80", "hi80", "lo95", "hi95")},
        "totals_note": TOTALS_NOTE,
        "previous12_total": prev12,
        "backtest": backtest,
        "parts": {k: v.tolist() for k, v in model_parts(fitted, fc.index).items()},
        "assumption": PLAIN_MODELS.get(choice.model, "")
        if getattr(fitted.state, "used_parts", True)
        else PLAIN_MODELS["stl_revert"],
        "record": forecast_record(fc, later),
    }
    fig = figures.fan_chart(
        y,
        fc,
        model=choice.model,
        history=history,
        benchmark=None if choice.model == BENCHMARK else bench,
        title=f"{subj.name}: forecast to {fc.index[-1]:%B %Y} "
        f"({choice.model}, calibrated intervals)",
    )
    figs = {
        "forecast": FigureSpec(
            "forecast",
            fig,
            f"Observed {subj.unit} to {m:%B %Y} and the {choice.model} forecast with 80% and 95% "
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
        f"No forecast: {subject_of(y).name} data end in {m:%B %Y}, while the national data run to "
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
        "record": {},
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
        "it sets the usual seasonal pattern aside, then carries the level forward, lets it "
        "drift back toward its six-year average or follows its trend, whichever has forecast "
        "this series best in its own recent record"
    ),
    "stl_ses": "it sets the usual seasonal pattern aside and carries the latest level forward",
    "snaive": "each month repeats the same month a year earlier",
    "ets": "exponential smoothing of the level, a damped trend and the seasonal pattern",
    "structural": "a level and a seasonal pattern that both change slowly over time",
}
"""Plain words for the bundled models, for the report's forecast paragraph."""


def forecast_record(table: pd.DataFrame, later: pd.Series | None) -> dict[str, Any]:
    """How the forecast did on the months published since (empty when none are).

    >>> t = pd.DataFrame({"mean": [10.0, 20.0], "lo80": [8.0, 15.0], "hi80": [12.0, 25.0]},
    ...                  index=pd.date_range("2025-09-01", periods=2, freq="MS"))
    >>> r = forecast_record(t, pd.Series([13.0], index=[pd.Timestamp("2025-09-01")]))
    >>> r["months"], r["actual"], r["expected"], r["inside80"]
    (1, 13.0, 10.0, 0)
    """
    if later is None or not len(later):
        return {}
    months = table.index.intersection(later.index)
    if not len(months):
        return {}
    rows: list[dict[str, Any]] = [
        {
            "month": f"{t:%Y-%m}",
            "month_label": f"{t:%b %Y}",
            "expected": float(table.loc[t, "mean"]),
            "lo80": float(table.loc[t, "lo80"]),
            "hi80": float(table.loc[t, "hi80"]),
            "actual": float(later.loc[t]),
            "inside80": bool(table.loc[t, "lo80"] <= later.loc[t] <= table.loc[t, "hi80"]),
        }
        for t in months
    ]
    actual = float(sum(r["actual"] for r in rows))
    expected = float(sum(r["expected"] for r in rows))
    inside = int(sum(r["inside80"] for r in rows))
    n = len(rows)
    text = (
        f"{n} of the {len(table)} forecast months have been published since "
        f"({rows[0]['month_label']}"
        + (f" to {rows[-1]['month_label']}" if n > 1 else "")
        + f"): {actual:,.0f} came in against {expected:,.0f} expected "
        f"({fmt_pct(actual / expected - 1 if expected else None)}); {inside} of {n} "
        f"{'month' if n == 1 else 'months'} fell inside the 80% interval."
    )
    return {"rows": rows, "months": n, "actual": actual, "expected": expected,
            "inside80": inside, "text": text}  # fmt: skip


def model_parts(fitted: Any, months: pd.DatetimeIndex) -> dict[str, pd.Series]:
    """A bottom-up model's own point forecasts of its parts over ``months`` (else empty)."""
    state = getattr(fitted, "state", None)
    hook = getattr(fitted.model, "part_forecasts", None)
    if hook is None or not getattr(state, "used_parts", False) or not len(months):
        return {}
    table = hook(state, len(months))
    if table is None:
        return {}
    cols = [c for c in table.columns if c != "last"]
    return {
        str(p): pd.Series(r[cols].to_numpy(dtype=float), index=months[: len(cols)])
        for p, r in table.iterrows()
    }


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
