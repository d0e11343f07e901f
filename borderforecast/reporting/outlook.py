"""The report's outlook: the forecast table and its totals, the backtest behind the model
choice, the fan chart, and their sentences.

One set of seeded sample paths, mapped rank for rank onto the table's quantiles, is behind every
number: the table's ``mean`` is the paths' mean, a window's expected total the sum of its means,
a year's total its observed months plus the same paths; a month's paths do not depend on ``h``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..backtesting.selection import BENCHMARK
from ..errors import ModelError
from ..fiscal import year_of
from ..forecaster import matched_paths
from ..intervals import GuardedForecast
from . import figures
from .choice import ModelChoice, cov_decimals
from .common import SectionOutput, Subject, subject_of
from .writer import FigureSpec, fmt_pct

LEVEL_PAIR = (80, 95)
TOTAL_PATHS = 2001
"""Sample paths behind every number of the outlook (``n - 1`` divisible by 40, so the
2.5%, 10%, 50%, 90% and 97.5% quantiles fall exactly on a path)."""


def raw_paths(fitted: Any, h: int, seed: int, n: int = TOTAL_PATHS) -> np.ndarray:
    """The model's own seeded paths; a model that cannot simulate gets fully dependent months
    (every month at the same rank: the widest, most cautious totals)."""
    try:
        return np.asarray(fitted.simulate(h, n_paths=n, seed=seed))
    except ModelError as exc:
        if "cannot simulate" not in str(exc):
            raise
        return np.tile(np.arange(n, dtype=float)[:, None], (1, h))


def outlook_paths(fitted: Any, frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The table (``median`` = the point forecast, ``mean`` = the paths' mean, the intervals)
    and the paths behind it."""
    paths = matched_paths(raw_paths(fitted, len(frame), seed), frame, fitted.cap)
    table = frame.copy()
    table.insert(0, "mean", paths.mean(axis=0))
    table.attrs.update(frame.attrs)
    return table, paths


def window_total(paths: np.ndarray, observed: float = 0.0) -> dict[str, float]:
    """The expected total (mean of the path sums), median and intervals of ``observed`` plus
    the paths summed over their months."""
    sums = observed + paths.sum(axis=1)
    out = {"mean": float(sums.mean()), "median": float(np.median(sums))}
    for lv in LEVEL_PAIR:
        a = (100.0 - lv) / 200.0
        out[f"lo{lv}"] = float(np.quantile(sums, a))
        out[f"hi{lv}"] = float(np.quantile(sums, 1.0 - a))
    return out


def year_totals(
    y: pd.Series, table: pd.DataFrame, paths: np.ndarray, fiscal: bool = True
) -> list[dict[str, Any]]:
    """The (fiscal or calendar) years the observed and forecast months complete: observed plus
    the paths over the year's forecast months."""
    rows = []
    for yr in sorted({year_of(m, fiscal) for m in table.index}):
        start = f"{yr - 1}-10-01" if fiscal else f"{yr}-01-01"
        months = pd.date_range(start, periods=12, freq="MS")
        obs = y.reindex(months).dropna()
        cols = np.flatnonzero(table.index.isin(months))
        if len(obs) + len(cols) < 12:
            continue
        t = window_total(paths[:, cols], float(obs.sum()))
        rows.append({"fiscal_year": yr, "year": f"FY{yr}" if fiscal else str(yr),
                     "observed_months": len(obs), "observed": float(obs.sum()),
                     "forecast_months": len(cols), "total": t["mean"],
                     **{k: t[k] for k in ("median", "lo80", "hi80", "lo95", "hi95")}})  # fmt: skip
    return rows


def spread_sentence(
    totals: dict[str, float], chosen: str, h: int, refused: list[str] | tuple[str, ...] = ()
) -> str:
    """One sentence: the range of the totals of the models the rule accepts, and the chosen one.

    >>> s = spread_sentence({"a": 100.0, "b": 120.0, "c": 900.0}, "a", 12, ["c"])
    >>> s.split(": ", 1)[1].split(";")[0]
    'over the next 12 months the 2 models the rule accepts expect from 100 (a) to 120 (b)'
    >>> s.endswith("(left out: c, refused by the rule).")
    True
    """
    ok = {k: v for k, v in totals.items() if v == v and (k not in refused or k == chosen)}
    if len(ok) < 2 or chosen not in ok:
        return ""
    lo, hi = min(ok, key=ok.__getitem__), max(ok, key=ok.__getitem__)
    out = (
        f"How much the total depends on the model: over the next {h} months the {len(ok)} "
        f"models the rule accepts expect from {ok[lo]:,.0f} ({lo}) to {ok[hi]:,.0f} ({hi}); "
        f"{chosen}, the model used, expects {ok[chosen]:,.0f}"
    )
    left = [m for m in refused if m != chosen and m in totals]
    if left:
        out += f" (left out: {', '.join(left)}, refused by the rule)"
    return out + "."


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
        {"month": f"{m:%Y-%m}", "month_label": f"{m:%b %Y}", "fiscal_year": year_of(m, fiscal),
         "year": f"FY{year_of(m)}" if fiscal else str(m.year),
         **{c: float(fc.loc[m, c]) for c in ("mean", "median", "lo80", "hi80", "lo95", "hi95")}}
        for m in fc.index
    ]  # fmt: skip


def _shown(f: Any, h: int) -> GuardedForecast:
    """A forecaster's guarded forecast (the model's own intervals guarded when uncalibrated)."""
    from ..intervals import LEVELS, guard_intervals

    fc = f.frames(h, LEVELS)[1]
    if f.calibration is None:
        g = guard_intervals(fc, f.y)
        g.frame.attrs["intervals"] = "raw"
        return g
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

    subj = subj or subject_of(y)
    f = choice.fitted[choice.model]  # each model fitted once per report
    g = _shown(f, horizon)
    fc, paths = outlook_paths(f.fitted, g.frame, seed)
    nxt = window_total(paths)
    total = float(nxt["mean"])
    prev12 = float(y.iloc[-12:].sum())
    first = fc.index[0]
    lead = (  # the first screen's sentence too
        f"The {choice.model} model expects {fc.loc[first, 'mean']:,.0f} in {first:%B %Y} "
        f"(80% interval {fc.loc[first, 'lo80']:,.0f} to {fc.loc[first, 'hi80']:,.0f}) and "
        f"{total:,.0f} over the next {horizon} months on average (median {nxt['median']:,.0f}; "
        f"80% interval {nxt['lo80']:,.0f} to {nxt['hi80']:,.0f}), "
        f"{_change_words(total, prev12)} the previous {min(12, len(y))} months ({prev12:,.0f})."
    )
    plain = plain_model(f.fitted, fc.index)
    narrative = f"{lead} How the {choice.model} model works: {plain}." if plain else lead
    why = f"{choice.model}: {choice.reason}."
    if choice.model not in set(choice.result.models):
        why += " It was not part of the backtest, so its intervals are the model's own."
    elif fc.attrs.get("intervals") == "raw":
        why += " Too few of its past errors are known to calibrate its intervals: they are its own."
    backtest, bench = _backtest(choice, horizon, seed, first, total, fc)
    data = {
        "model": choice.model, "recommended": choice.recommended,
        "user_choice": choice.user_choice, "horizon": horizon, "unit": subj.per_month,
        "lead": lead, "narrative": narrative, "why": why, "interval_notes": list(g.notes),
        "table": _forecast_rows(fc, subj.border),
        "year_word": "fiscal year" if subj.border else "year",
        "fiscal_totals": year_totals(y, fc, paths, subj.border),
        "next12_total": total, "next12_median": float(nxt["median"]),
        "next12_interval": {k: float(nxt[k]) for k in ("lo80", "hi80", "lo95", "hi95")},
        "totals_note": totals_note(fc), "previous12_total": prev12, "backtest": backtest,
        "parts": {k: v.tolist() for k, v in model_parts(f.fitted, fc.index).items()},
        "assumption": plain_model(f.fitted), "record": forecast_record(fc, later),
    }  # fmt: skip
    stored = {choice.model: fc}
    stored.setdefault(BENCHMARK, bench)
    return SectionOutput(data, {"forecast": _fan(y, fc, bench, choice, subj, history)}, stored)


def _backtest(
    choice: ModelChoice, horizon: int, seed: int, first: pd.Timestamp, total: float, fc: Any
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The backtest table behind the choice (with each model's expected total) and the
    benchmark's forecast table (each outlook table built once)."""
    tables = {choice.model: fc}

    def table_of(name: str) -> pd.DataFrame:
        if name not in tables:
            f = choice.fitted[name]
            tables[name] = outlook_paths(f.fitted, _shown(f, horizon).frame, seed)[0]
        return tables[name]

    bench = table_of(BENCHMARK)
    rows = [dict(r) for r in choice.rows]
    totals: dict[str, float] = {}
    for name in (str(r["model"]) for r in rows if str(r["model"]) != choice.model):
        try:  # each model's expected total; one that cannot forecast now is left out (NaN)
            totals[name] = float(table_of(name)["mean"].sum())
        except Exception:  # noqa: BLE001 - one model's failure must not stop the report
            totals[name] = float("nan")
    totals[choice.model] = total  # the same number as the narrative's
    for r in rows:
        r["next_total"] = totals.get(str(r["model"]), float("nan"))
    refused = [str(r["model"]) for r in rows if str(r.get("status", "")).startswith("refused")]
    spread = spread_sentence(totals, choice.model, horizon, refused)
    result = choice.result
    origins = sorted(pd.to_datetime(result.forecasts["origin"].unique()))
    dec = cov_decimals(rows)
    return {
        "date": choice.date, "origins": len(origins),
        "first_origin": f"{origins[0]:%b %Y}" if origins else "–",
        "last_origin": f"{origins[-1]:%b %Y}" if origins else "–",
        "step": result.options.step, "horizon": result.options.h, "rows": rows,
        "rule": choice.rule,
        "columns": [
            {"key": k, "label": label, "fmt": fmt} for k, label, fmt in (
                ("joint", "rule's score", "0.000"), ("wmase", "weighted MASE", "0.000"),
                ("mase1", "MASE next month", "0.000"), ("mase3", "MASE next 3", "0.000"),
                ("mase", "MASE 1–12", "0.000"), ("coverage80", "inside 80%", f"share{dec}"),
                ("coverage95", "inside 95%", f"share{dec}"),
                ("next", "next month (median)", "count"),
                ("next_total", f"{horizon}-month total", "count"))
        ],
        "note": (
            "Terms: see the glossary at the end. Inside 80% / 95%: share of backtest actuals "
            "inside the calibrated intervals. Next month: each model's median forecast for "
            f"{first:%B %Y}. {horizon}-month total: each model's expected total, from sample "
            f"paths as for the model used. {spread}"
        ).strip(),
        "cached": choice.cached, "failed_cells": int(len(result.errors)),
    }, bench  # fmt: skip


def _fan(
    y: pd.Series, fc: pd.DataFrame, bench: pd.DataFrame, choice: ModelChoice, subj: Subject,
    history: int,
) -> FigureSpec:  # fmt: skip
    """The fan chart and its caption."""
    own = fc.attrs.get("intervals") == "raw"  # too few past errors to calibrate them
    kind = "the model's own intervals" if own else "calibrated intervals"
    how = ("the model's own: too few backtest errors to calibrate them" if own
           else "calibrated on backtest errors")  # fmt: skip
    title = f"{subj.name}: forecast to {fc.index[-1]:%B %Y} ({choice.model}, {kind})"
    fig = figures.fan_chart(y, fc, model=choice.model, history=history, title=title,
                            benchmark=None if choice.model == BENCHMARK else bench,
                            fiscal=subj.border)  # fmt: skip
    years = "fiscal years (October–September)" if subj.border else "years"
    return FigureSpec(
        "forecast",
        fig,
        f"Observed {subj.unit} to {y.index[-1]:%B %Y} and the {choice.model} forecast with 80% "
        f"and 95% intervals ({how}). Solid line: the expected count, the "
        "table's number; it runs above the dotted median, the middle of the band, because a "
        "surge can add more than a lull can take away. Dashed: the seasonal naive benchmark. "
        f"Shaded bands: alternate {years}. "
        "Log scale: equal heights are equal percentage changes.",
        f"Fan chart of the {len(fc)}-month forecast",
    )


def stale_forecast_section(y: pd.Series, release_last: pd.Timestamp) -> SectionOutput:
    """Section 2 for a series that ends before the report month: no forecast, and why."""
    m = y.index[-1]
    text = (
        f"No forecast: {subject_of(y).name} data end in {m:%B %Y}, while the national data run to "
        f"{release_last:%B %Y}. A forecast from {m:%B %Y} would cover months that are already "
        "over, and would disagree with the national counts already published for them."
    )
    rerun = (f"For the report as it stood in {m:%B %Y}, forecast included, run the report "
             f"with --month {m:%Y-%m}.")  # fmt: skip
    data: dict[str, Any] = {"model": None, "skipped": text, "rerun": rerun, "horizon": 0,
                            "narrative": text, "table": [], "next12_total": None, "record": {}}
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
    h = len(months) if months is not None and len(months) else 1
    table = fitted.model.part_forecasts(fitted.state, h)
    if fitted.model.uses_parts and table is None:  # without its parts: the model says why
        return fitted.model.applies(fitted.y)[1]
    if months is None or not len(months) or table is None:
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
