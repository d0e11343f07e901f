"""Sections 2-5 of the report: forecast, seasonality, assessment, breakdown.

Each ``*_section`` function takes the series and settings, calls the public
API (backtest, models, seasonal profile, assessment), and returns the
section as plain numbers and strings (for the templates and ``to_dict``) plus
the figures it draws. Sentences are generated from the same numbers the
tables show.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import plotting
from ..errors import BorderforecastError
from ..fiscal import fiscal_year
from ..intervals import GuardedForecast
from . import figures
from .modelchoice import BENCHMARK, ModelChoice, ranking_rows
from .writer import FigureSpec, fmt_pct


@dataclass(frozen=True)
class SectionOutput:
    """A section's plain data, its figures, and the forecasts it wants stored as vintages."""

    data: dict[str, Any]
    figures: dict[str, FigureSpec] = field(default_factory=dict)
    forecasts: dict[str, pd.DataFrame] = field(default_factory=dict)


def _f(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


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
        title=f"{_short(y)}: forecast to {fc.index[-1]:%B %Y} "
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


def _shown(f: Any, h: int) -> GuardedForecast:
    """A forecaster's guarded forecast (the model's own intervals guarded when uncalibrated)."""
    from ..intervals import LEVELS, guard_intervals

    fc = f.frames(h, LEVELS)[1]
    if f.calibration is None:
        return guard_intervals(fc, f.y)
    return GuardedForecast(fc, tuple(fc.attrs.get("interval_notes", ())), f.name)


def stale_forecast_section(y: pd.Series, release_last: pd.Timestamp) -> SectionOutput:
    """Section 2 for a series that ends before the report month: no forecast, and why."""
    m = y.index[-1]
    text = (
        f"No forecast: {_short(y)} data end in {m:%B %Y}, while the national data run to "
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


def _short(y: pd.Series) -> str:
    name = str(y.name or "series")
    return name.replace(", monthly encounters", "")


def seasonality_section(
    y: pd.Series, *, horizon: int, seed: int, project: bool = True
) -> SectionOutput:
    """Section 3: the seasonal profile and what the season alone implies from the latest month.

    ``project=False`` (a series that ends before the report month) leaves out what the
    season implies for the months after the series' end: they are already over.
    """
    from ..season import seasonal_profile

    prof = seasonal_profile(y, seed=seed, methods=["regression", "stl"])
    f = prof.factors
    m = y.index[-1]
    value = float(y.iloc[-1])
    expected = []
    for k in range(1, horizon + 1):
        t = m + pd.DateOffset(months=k)
        est, lo, hi = prof.expected_change(m.month, t.month)
        expected.append(
            {
                "month": f"{t:%Y-%m}",
                "month_label": f"{t:%b %Y}",
                "factor": float(f.loc[t.month, "factor"]),
                "change": est / 100,
                "lo": lo / 100,
                "hi": hi / 100,
                "level": value * (1 + est / 100),
            }
        )
    pct = (f["factor"] - 1) * 100
    top, low = int(pct.idxmax()), int(pct.idxmin())
    c = prof.contrasts
    parts = [
        f"Estimated from FY{prof.years[0]}–FY{prof.years[-1]} ({len(prof.years)} fiscal years), "
        f"{f.loc[top, 'name']} is the busiest month ({pct[top]:+.0f}% against the underlying "
        "level) "
        f"and {f.loc[low, 'name']} the quietest ({pct[low]:+.0f}%)."
    ]
    if "summer_dip" in c.index:
        r = c.loc["summer_dip"]
        parts.append(f"{r['label']}: {r['estimate']:+.1f}% ({r['reading']}).")
    autumn = [k for k in ("aug_to_oct", "aug_to_nov", "aug_to_dec") if k in c.index]
    if autumn:
        parts.append(
            "Autumn: "
            + "; ".join(
                f"{c.loc[k, 'label']} {c.loc[k, 'estimate']:+.1f}% ({c.loc[k, 'reading']})"
                for k in autumn
            )
            + "."
        )
    nxt = expected[0]
    if not project:
        expected = []
    parts.append(
        f"From {m:%B}, the season alone implies {fmt_pct(nxt['change'])} by {nxt['month_label']} "
        f"(about {nxt['level']:,.0f})"
        + (
            f" and {fmt_pct(expected[min(3, len(expected)) - 1]['change'])} by "
            f"{expected[min(3, len(expected)) - 1]['month_label']}"
            if len(expected) >= 3
            else ""
        )
        + ", if the underlying level stayed where it is."
    ) if project else None
    parts = [p for p in parts if p]
    data = {
        "narrative": " ".join(parts),
        "summary": prof.summary().replace("\n", " "),
        "factors": [
            {"month": int(i), "name": str(f.loc[i, "name"]), "factor": float(f.loc[i, "factor"])}
            for i in f.index
        ],
        "expected": expected,
        "fiscal_years": [int(prof.years[0]), int(prof.years[-1])],
    }
    fig = figures.seasonal_profile_chart(
        f["factor"], title=f"Seasonal profile, FY{prof.years[0]}–FY{prof.years[-1]} ({prof.method})"
    )
    return SectionOutput(
        data,
        {
            "seasonality": FigureSpec(
                "seasonality",
                fig,
                "Each month's typical level relative to an average month of the same fiscal year "
                "(multiplicative seasonal factors), in fiscal-year order.",
                "Bar chart of seasonal factors by month",
            )
        },
    )


def assessment_settings(
    y: pd.Series,
    months: int,
    seed: int,
    jobs: int,
    models: Sequence[str] | None,
    placebo_years: int | None,
) -> dict[str, Any]:
    """The exact arguments the report passes to :func:`borderforecast.assess`."""
    end = y.index[-1]
    out: dict[str, Any] = {
        "start": end - pd.DateOffset(months=months - 1),
        "end": end,
        "seed": seed,
        "n_jobs": jobs,
    }
    if models is not None:
        out["models"] = tuple(models)
    if placebo_years is not None:
        out["placebo_years"] = placebo_years
    return out


def assessment_section(
    y: pd.Series,
    *,
    months: int,
    seed: int,
    jobs: int = 1,
    models: Sequence[str] | None = None,
    placebo_years: int | None = None,
) -> SectionOutput:
    """Section 4: :func:`borderforecast.assess` on the latest ``months`` months."""
    from .assessed import cached_assessment

    a = cached_assessment(y, assessment_settings(y, months, seed, jobs, models, placebo_years))
    frame = a.to_frame()
    table = []
    for name, r in frame.iterrows():
        table.append(
            {
                "evidence": str(name),
                "statistic": str(r["statistic"]),
                "value": _num(r["value"], 0 if str(r["statistic"]).startswith("number") else 2),
                "p_value": _num(r["p_value"], 3),
                "percentile": _num(r["percentile"], 0),
                "reading": str(r["reading"]),
            }
        )
    w = a.window
    lead, evidence, caveats = _summary_parts(a)
    strength = getattr(a, "strength", None)
    agree, total = a.agreement  # (models agreeing with the panel's verdict, models in it)
    data = {
        "verdict": a.verdict,
        "strength": str(strength) if strength is not None else None,
        # the lead sentence already states the agreement in words; keep the numbers here
        "agreement": None,
        "models_agreeing": int(agree),
        "models_in_panel": int(total),
        "window": [f"{w.start:%Y-%m}", f"{w.end:%Y-%m}"],
        "window_label": w.label(),
        "reference": f"{w.reference:%Y-%m}",
        "reference_label": f"{w.reference:%B %Y}",
        "lead": lead,
        "evidence": evidence,
        "caveats": caveats,
        "narrative": [lead, *evidence],
        "columns": [
            {"key": "evidence", "label": "evidence", "num": False},
            {"key": "statistic", "label": "statistic", "num": False},
            {"key": "value", "label": "value", "num": True},
            {"key": "p_value", "label": "p-value", "num": True},
            {"key": "percentile", "label": "percentile", "num": True},
            {"key": "reading", "label": "reading", "num": False},
        ],
        "table": table,
    }
    fig = a.plot()

    for ax in fig.axes:  # long titles would run off a report-width figure
        if len(ax.get_title()) > 70:
            ax.set_title(textwrap.fill(ax.get_title(), 70), fontsize=9.5)
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(plotting.thousands))  # one minus sign
        if ax.get_yscale() == "log":  # label 2x and 5x ticks when a decade has one label
            ax.yaxis.set_minor_formatter(FuncFormatter(figures._minor_label(ax)))
        label = ax.get_ylabel()
        if label.startswith("per month"):
            ax.set_ylabel(f"encounters {label}")
        elif label.endswith("effect"):
            ax.set_ylabel(f"{label.replace(' effect', '')}\n(encounters)")
    _legend_below(fig)
    return SectionOutput(
        data,
        {
            "assessment": FigureSpec(
                "assessment",
                fig,
                f"{w.label()}: observed counts against the counterfactual band of models "
                "fitted on the "
                f"months before {w.start:%B %Y}, with the pointwise and cumulative difference.",
                "Observed versus counterfactual forecast",
            )
        },
    )


def _legend_below(fig: Any) -> None:
    """Move the figure's legends under the panels, where they cannot cover a line."""
    legends = [ax for ax in fig.axes if ax.get_legend() is not None]
    if not legends:
        return
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        for ax in legends:
            plotting.legend_outside(ax, "below")
        return
    handles, labels = [], []
    for ax in legends:
        h, lab = ax.get_legend_handles_labels()
        ax.get_legend().remove()
        for hh, ll in zip(h, lab, strict=True):
            if ll not in labels:
                handles.append(hh)
                labels.append(ll)
    w, h_in = fig.get_size_inches()
    fig.set_size_inches(w, h_in + 0.45)
    if fig.get_layout_engine() is not None:
        fig.set_layout_engine("none")
    fig.tight_layout(rect=(0, 0.45 / (h_in + 0.45), 1, 1))
    fig.legend(
        handles, labels, loc="lower center", ncols=min(4, len(handles)), frameon=False, fontsize=8.5
    )


def _summary_parts(a: Any) -> tuple[str, list[str], list[str]]:
    """The assessment's summary as (lead sentence, evidence items, caveats), without the
    title and verdict lines the report's verdict box already shows."""
    lines = [line.strip() for line in a.summary().splitlines() if line.strip()]
    lead, evidence, caveats, part = [], [], [], "lead"
    for line in lines[1:]:
        if line.lower().startswith("verdict:"):
            continue
        if line in ("Evidence", "Caveats"):
            part = line.lower()
            continue
        if part == "lead":
            lead.append(line)
        elif part == "evidence":
            evidence.append(line)
        else:
            caveats.append(line[2:] if line.startswith("- ") else line)
    if isinstance(getattr(a, "caveats", None), (tuple, list)) and a.caveats:
        caveats = [str(c) for c in a.caveats]
    return " ".join(lead), evidence, caveats


def _num(v: Any, decimals: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):,.{decimals}f}"


@dataclass(frozen=True)
class Panel:
    id: str
    label: str
    y: pd.Series


def breakdown_section(
    total: pd.Series,
    groups: Sequence[tuple[str, str, Sequence[Panel]]],
    *,
    horizon: int,
    model: str,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> SectionOutput:
    """Section 5: small multiples of each part of the total.

    Parts with data for the report month get a ``horizon``-month forecast (the
    same months as the headline forecast). Parts that end earlier are shown as
    a snapshot of their own latest month ("latest available (Nov 2024)"), never
    forecast over months that are already over.
    """
    from ..intervals import guard_intervals
    from ..models.registry import make_model

    m = total.index[-1]
    out_groups: list[dict[str, Any]] = []
    figs = {}
    notes = []
    for key, title, panels in groups:
        rows, drawn = [], []
        lasts = {p.y.index[-1] for p in panels}
        current = all(t >= m for t in lasts)
        for p in panels:
            if progress:
                progress(p.id)
            yy = p.y
            last = yy.index[-1]
            fc = None
            used = model
            if last >= m:
                try:
                    raw = make_model(model, seed=seed).fit(yy).forecast(horizon, level=(80, 95))
                except BorderforecastError as exc:
                    used = BENCHMARK
                    notes.append(f"{p.label}: {model} failed ({exc}); {BENCHMARK} used instead.")
                    raw = make_model(BENCHMARK, seed=seed).fit(yy).forecast(horizon, level=(80, 95))
                fc = guard_intervals(raw, yy).frame
            ya = last - pd.DateOffset(years=1)
            value = float(yy.iloc[-1])
            prev = float(yy.loc[ya]) if ya in yy.index else float("nan")
            share = (
                value / float(total.loc[last]) if last in total.index and total.loc[last] else None
            )
            rows.append(
                {
                    "id": p.id,
                    "label": p.label,
                    "last_month": f"{last:%Y-%m}",
                    "last_label": f"{last:%b %Y}",
                    "forecast_span": f"{fc.index[0]:%b %Y}–{fc.index[-1]:%b %Y}"
                    if fc is not None
                    else "–",
                    "value": value,
                    "yoy_pct": (value / prev - 1) if prev and not np.isnan(prev) else None,
                    "share": share,
                    "model": used if fc is not None else None,
                    "forecast_total": float(fc["mean"].sum()) if fc is not None else None,
                    "lo80_total": float(fc["lo80"].sum()) if fc is not None else None,
                    "hi80_total": float(fc["hi80"].sum()) if fc is not None else None,
                }
            )
            drawn.append((p.label, yy, fc))
        name = f"breakdown-{key}"
        if current:
            heading = title
            fig_title = f"{title}: history and {model} forecast"
            caption = (
                f"{title}: monthly encounters (last four years) and the {model} forecast with "
                "its 80% interval; each panel has its own scale."
            )
        else:
            dates = sorted(lasts)
            stamp = " and ".join(f"{t:%b %Y}" for t in (dates[0], dates[-1])[: len(set(dates))])
            heading = f"{title}: latest available ({stamp})"
            fig_title = f"{title}: monthly encounters to {stamp} (no later data published)"
            caption = (
                f"{title}: monthly encounters (last four years) to {stamp}, the latest month "
                f"published for them; no forecast is drawn, because the months after {stamp} "
                f"are already over (national data run to {m:%B %Y})."
            )
        fig = figures.small_multiples(drawn, title=fig_title)
        figs[name] = FigureSpec(name, fig, caption, f"Small multiples of {title.lower()}")
        out_groups.append(
            {
                "key": key,
                "title": heading,
                "figure": name,
                "rows": rows,
                "current": current,
                "as_of": f"{max(lasts):%b %Y}",
            }
        )
    stale = sorted(
        {r["last_month"] for g in out_groups for r in g["rows"] if r["last_month"] != f"{m:%Y-%m}"}
    )
    narrative = (
        f"Parts of the total with data for {m:%B %Y} get their own {horizon}-month {model} "
        "forecast. The 80% interval of a sum is the sum of the monthly interval ends "
        "(a conservative range)."
    )
    if stale:
        names = [g["title"].split(":")[0].lower() for g in out_groups if not g["current"]]
        narrative += (
            f" The {' and '.join(names)} series end earlier (latest month "
            f"{', '.join(pd.Timestamp(s + '-01').strftime('%B %Y') for s in stale)}): they are "
            "shown as of that month, with their shares of the total in that month, and are not "
            "forecast."
        )
    if notes:
        narrative += " " + " ".join(notes)
    if not groups:
        narrative = "No breakdown by sector or demographic is available for this series."
    data = {"narrative": narrative, "horizon": horizon, "model": model, "groups": out_groups}
    return SectionOutput(data, figs)
