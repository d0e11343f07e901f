"""The report's outlook: the forecast table and its totals (from the sample paths of
:mod:`.totals`), the backtest behind the model choice, the fan chart, and their sentences."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..backtesting.selection import BENCHMARK
from ..intervals import GuardedForecast
from . import figures
from .choice import ModelChoice, cov_decimals
from .common import SectionOutput, Subject, subject_of
from .totals import year_of
from .writer import FigureSpec, fmt_pct


def totals_note(fc: pd.DataFrame) -> str:
    """Why the table shows means, and the month whose mean sits furthest above its median.

    >>> fc = pd.DataFrame({"mean": [10.0, 30.0], "median": [10.0, 15.0]},
    ...                   index=pd.to_datetime(["2026-07-01", "2026-08-01"]))
    >>> totals_note(fc).split(". ")[2].split(":")[0]
    'In Aug 2026 the mean (30) is 100% above the median (15), pulled up by the chance of a surge'
    >>> "above the median" in totals_note(fc.assign(median=[10.0, 0.0]))  # no % of a zero
    False
    """
    note = (
        "Expected counts are means: the months add up to the totals. Each month's count is as "
        "likely to fall below its median (the middle of its interval) as above it."
    )
    positive = fc[fc["median"] > 0]  # a month with a zero median has no percentage gap
    gap = positive["mean"] / positive["median"] - 1
    if gap.empty or gap.max() < 0.005:
        return note
    m = gap.idxmax()
    return (
        f"{note} In {m:%b %Y} the mean ({fc.loc[m, 'mean']:,.0f}) is {gap[m]:.0%} above the "
        f"median ({fc.loc[m, 'median']:,.0f}), pulled up by the chance of a surge: quote the "
        "median as the likeliest count, the mean for totals."
    )


def _forecast_rows(fc: pd.DataFrame, fiscal: bool) -> list[dict[str, Any]]:
    return [
        {
            "month": f"{m:%Y-%m}",
            "month_label": f"{m:%b %Y}",
            "fiscal_year": year_of(m, fiscal),
            "year": f"FY{year_of(m)}" if fiscal else str(m.year),
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
    """Section 2: the chosen model's calibrated, guarded forecast and why that model
    (``later``: actuals published since the report month, which score the forecast)."""
    from .totals import outlook_paths, window_total, year_totals

    subj = subj or subject_of(y)
    f = choice.fitted[choice.model]  # each model fitted once per report
    g = _shown(f, horizon)
    fc, paths = outlook_paths(f.fitted, g.frame, seed)
    nxt = window_total(paths)
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
    plain = plain_model(f.fitted, fc.index)
    if plain:
        narrative += f" How the {choice.model} model works: {plain}."
    why = f"{choice.model}: {choice.reason}."
    if choice.model not in set(choice.result.models):
        why += " It was not part of the backtest, so its intervals are the model's own."
    backtest, bench = _backtest(choice, horizon, seed, first, total, fc)
    data = {
        "model": choice.model,
        "recommended": choice.recommended,
        "user_choice": choice.user_choice,
        "horizon": horizon,
        "unit": subj.per_month,
        "narrative": narrative,
        "why": why,
        "interval_notes": list(g.notes),
        "table": _forecast_rows(fc, subj.border),
        "year_word": "fiscal year" if subj.border else "year",
        "fiscal_totals": year_totals(y, fc, paths, subj.border),
        "next12_total": total,
        "next12_median": float(nxt["median"]),
        "next12_interval": {k: float(nxt[k]) for k in ("lo80", "hi80", "lo95", "hi95")},
        "totals_note": totals_note(fc),
        "previous12_total": prev12,
        "backtest": backtest,
        "parts": {k: v.tolist() for k, v in model_parts(f.fitted, fc.index).items()},
        "assumption": plain_model(f.fitted),
        "record": forecast_record(fc, later),
    }
    stored = {choice.model: fc}
    stored.setdefault(BENCHMARK, bench)
    return SectionOutput(data, {"forecast": _fan(y, fc, bench, choice, subj, history)}, stored)


def _backtest(
    choice: ModelChoice, horizon: int, seed: int, first: pd.Timestamp, total: float, fc: Any
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The backtest table behind the choice (with each model's expected total) and the
    benchmark's forecast table."""
    from .totals import model_totals, outlook_paths, spread_sentence

    def table_of(name: str) -> tuple[Any, pd.DataFrame]:
        f = choice.fitted[name]
        return f.fitted, _shown(f, horizon).frame

    bench = fc if choice.model == BENCHMARK else outlook_paths(*table_of(BENCHMARK), seed)[0]
    rows = [dict(r) for r in choice.rows]
    names = [str(r["model"]) for r in rows if str(r["model"]) != choice.model]
    totals = model_totals(names, seed, table_of)
    totals[choice.model] = total  # the same number as the narrative's
    for r in rows:
        r["next_total"] = totals.get(str(r["model"]), float("nan"))
    refused = [str(r["model"]) for r in rows if str(r.get("status", "")).startswith("refused")]
    spread = spread_sentence(totals, choice.model, horizon, refused)
    result = choice.result
    origins = sorted(pd.to_datetime(result.forecasts["origin"].unique()))
    dec = cov_decimals(rows)
    return {
        "date": choice.date,
        "origins": len(origins),
        "first_origin": f"{origins[0]:%b %Y}" if origins else "–",
        "last_origin": f"{origins[-1]:%b %Y}" if origins else "–",
        "step": result.options.step,
        "horizon": result.options.h,
        "rows": rows,
        "rule": choice.rule,
        "columns": [
            {"key": "joint", "label": "rule's score", "fmt": "0.000"},
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
    }, bench


def _fan(
    y: pd.Series,
    fc: pd.DataFrame,
    bench: pd.DataFrame,
    choice: ModelChoice,
    subj: Subject,
    history: int,
) -> FigureSpec:
    """The fan chart and its caption."""
    fig = figures.fan_chart(
        y,
        fc,
        model=choice.model,
        history=history,
        benchmark=None if choice.model == BENCHMARK else bench,
        title=f"{subj.name}: forecast to {fc.index[-1]:%B %Y} "
        f"({choice.model}, calibrated intervals)",
    )
    return FigureSpec(
        "forecast",
        fig,
        f"Observed {subj.unit} to {y.index[-1]:%B %Y} and the {choice.model} forecast with 80% "
        "and 95% intervals (calibrated on backtest errors). Solid line: the expected count, the "
        "table's number; it runs above the dotted median, the middle of the band, because a "
        "surge can add more than a lull can take away. Dashed: the seasonal naive benchmark. "
        f"Shaded bands: alternate {'fiscal ' if subj.border else ''}years (October–September). "
        "Log scale: equal heights are equal percentage changes.",
        f"Fan chart of the {len(fc)}-month forecast",
    )


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
    data: dict[str, Any] = {"model": None, "skipped": text, "horizon": 0, "narrative": text,
                            "table": [], "next12_total": None, "record": {}}  # fmt: skip
    return SectionOutput(data)


PART_WORDS = {"single_adults": "single adults", "family_units": "people in families",
              "uac": "unaccompanied children"}  # fmt: skip


def forecast_record(table: pd.DataFrame, later: pd.Series | None) -> dict[str, Any]:
    """How the forecast did on the months published since (empty when none are).

    >>> t = pd.DataFrame({"mean": [10.0, 20.0], "lo80": [8.0, 15.0], "hi80": [12.0, 25.0]},
    ...                  index=pd.date_range("2025-09-01", periods=2, freq="MS"))
    >>> r = forecast_record(t, pd.Series([13.0], index=[pd.Timestamp("2025-09-01")]))
    >>> r["months"], r["actual"], r["expected"], r["inside80"]
    (1, 13.0, 10.0, 0)
    """
    months = table.index.intersection(later.index) if later is not None else []
    if later is None or not len(months):
        return {}
    rows: list[dict[str, Any]] = [
        {"month": f"{t:%Y-%m}", "month_label": f"{t:%b %Y}", "expected": float(r["mean"]),
         "lo80": float(r["lo80"]), "hi80": float(r["hi80"]), "actual": float(later.loc[t]),
         "inside80": bool(r["lo80"] <= later.loc[t] <= r["hi80"])}
        for t, r in table.loc[months].iterrows()
    ]  # fmt: skip
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


def plain_model(fitted: Any, months: pd.DatetimeIndex | None = None) -> str:
    """What the fitted model (``fitted.name``: the fallback, if it fell back) does, in a
    reader's words; a bottom-up model's names each part's latest month and its forecast for
    the last of ``months``."""
    from ..errors import UnknownModelError
    from ..models.registry import get_spec

    try:
        text = get_spec(fitted.name).plain
    except UnknownModelError:
        return ""
    if months is None or not len(months):
        return text
    table = fitted.model.part_forecasts(fitted.state, len(months))
    if table is None:
        return text
    last = table.columns[-1]
    parts = "; ".join(
        f"{PART_WORDS.get(str(p), str(p))} {r['last']:,.0f} in {fitted.y.index[-1]:%B %Y}, "
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
