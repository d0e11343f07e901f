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

from ..errors import BorderforecastError
from ..fiscal import fiscal_year
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


def fiscal_totals(y: pd.Series, fc: pd.DataFrame) -> list[dict[str, Any]]:
    """Fiscal years completed by observed months plus the forecast: projected totals."""
    rows = []
    for fy in sorted({int(fiscal_year(m)) for m in fc.index}):
        months = pd.date_range(f"{fy - 1}-10-01", periods=12, freq="MS")
        obs = y.reindex(months).dropna()
        fcm = fc.index.intersection(months)
        if len(obs) + len(fcm) < 12:
            continue
        rows.append(
            {
                "fiscal_year": fy,
                "observed_months": len(obs),
                "observed": float(obs.sum()),
                "forecast_months": len(fcm),
                "total": float(obs.sum() + fc.loc[fcm, "mean"].sum()),
            }
        )
    return rows


def forecast_section(
    y: pd.Series,
    series: str,
    choice: ModelChoice,
    *,
    horizon: int,
    seed: int,
    history: int = 60,
) -> SectionOutput:
    """Section 2: the chosen model's calibrated forecast and why that model."""
    from ..calibrated import live_forecast
    from ..models.registry import make_model

    result = choice.result

    def live(name: str) -> pd.DataFrame:
        # the one calibrated forecast, shared with bf.forecast (raw if not in the backtest)
        return live_forecast(make_model(name, seed=seed).fit(y), result, series=series, h=horizon)

    fc = live(choice.model)
    bench = fc if choice.model == BENCHMARK else live(BENCHMARK)
    m = y.index[-1]
    rows = ranking_rows(choice)
    by_model = {r["model"]: r for r in rows}
    chosen, snaive = by_model.get(choice.model), by_model.get(BENCHMARK)
    total = float(fc["mean"].sum())
    prev12 = float(y.iloc[-12:].sum())
    first = fc.index[0]
    narrative = (
        f"The {choice.model} model expects {fc.loc[first, 'mean']:,.0f} in {first:%B %Y} "
        f"(80% interval {fc.loc[first, 'lo80']:,.0f} to {fc.loc[first, 'hi80']:,.0f}) and "
        f"{total:,.0f} over the next {horizon} months ({fc.index[0]:%b %Y}–{fc.index[-1]:%b %Y}), "
        f"{_change_words(total, prev12)} the previous {min(12, len(y))} months ({prev12:,.0f})."
    )
    why = f"{choice.model}: {choice.reason}."
    if chosen is not None and snaive is not None and choice.model != BENCHMARK:
        better = "better" if chosen["mase"] < snaive["mase"] else "worse"
        why += (
            f" Its backtest MASE is {chosen['mase']:.3f} against {snaive['mase']:.3f} for the "
            f"seasonal naive benchmark ({BENCHMARK}), {better} by "
            f"{abs(1 - chosen['mase'] / snaive['mase']):.0%}."
        )
    elif choice.model == BENCHMARK:
        why += " It is the seasonal naive benchmark itself: no model beat it in the backtest."
    if chosen is None:
        why += " It was not part of the backtest, so its intervals are the model's own."
    fo = result.forecasts
    origins = sorted(pd.to_datetime(fo["origin"].unique()))
    backtest = {
        "date": choice.date,
        "origins": len(origins),
        "first_origin": f"{origins[0]:%b %Y}" if origins else "–",
        "last_origin": f"{origins[-1]:%b %Y}" if origins else "–",
        "step": result.options.step,
        "horizon": result.options.h,
        "rows": rows,
        "columns": [
            {"key": "mase", "label": "MASE", "fmt": "0.000"},
            {"key": "rmsse", "label": "RMSSE", "fmt": "0.000"},
            {"key": "smape", "label": "sMAPE %", "fmt": "0.0"},
            {"key": "coverage80", "label": "inside 80%", "fmt": "share"},
            {"key": "coverage95", "label": "inside 95%", "fmt": "share"},
            {"key": "skill", "label": "skill vs snaive", "fmt": "pct"},
        ],
        "note": (
            "MASE: mean absolute error over all horizons, scaled by the in-sample seasonal "
            "naive error (below 1 beats a same-month-last-year forecast made in-sample). "
            "Coverage: share of actuals inside the calibrated intervals (nominal 80% and "
            "95%). Skill: 1 − MASE / MASE of snaive."
        ),
        "cached": choice.cached,
        "failed_cells": int(len(result.errors)),
    }
    data = {
        "model": choice.model,
        "recommended": choice.recommended,
        "user_choice": choice.user_choice,
        "horizon": horizon,
        "unit": "apprehensions per month",
        "narrative": narrative,
        "why": why,
        "table": _forecast_rows(fc),
        "fiscal_totals": fiscal_totals(y, fc),
        "next12_total": total,
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
    logged = figures.log_scale(
        np.concatenate([y.iloc[-history:].to_numpy(dtype=float), fc.to_numpy(dtype=float).ravel()])
    )
    figs = {
        "forecast": FigureSpec(
            "forecast",
            fig,
            f"Observed counts to {m:%B %Y} and the {choice.model} forecast with 80% and 95% "
            "intervals "
            f"(calibrated on backtest errors); dashed: the seasonal naive benchmark. "
            "Shaded bands: alternate fiscal years (October–September)."
            + (" Log scale: equal heights are equal percentage changes." if logged else ""),
            f"Fan chart of the {horizon}-month forecast",
        )
    }
    stored = {choice.model: fc}
    stored.setdefault(BENCHMARK, bench)
    return SectionOutput(data, figs, stored)


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


def seasonality_section(y: pd.Series, *, horizon: int, seed: int) -> SectionOutput:
    """Section 3: the seasonal profile and what the season alone implies from the latest month."""
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
    )
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
    from ..assessment import assess

    a = assess(y, **assessment_settings(y, months, seed, jobs, models, placebo_years))
    frame = a.to_frame()
    table = []
    for name, r in frame.iterrows():
        table.append(
            {
                "evidence": str(name),
                "statistic": str(r["statistic"]),
                "value": _num(r["value"], 2),
                "p_value": _num(r["p_value"], 3),
                "percentile": _num(r["percentile"], 0),
                "reading": str(r["reading"]),
            }
        )
    w = a.window
    data = {
        "verdict": a.verdict,
        "window": [f"{w.start:%Y-%m}", f"{w.end:%Y-%m}"],
        "window_label": w.label(),
        "reference": f"{w.reference:%Y-%m}",
        "reference_label": f"{w.reference:%B %Y}",
        "narrative": [line.strip() for line in a.summary().splitlines() if line.strip()],
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
    """Section 5: small multiples with a short forecast for each part of the total.

    Each panel's forecast runs from the panel's own last month to ``horizon``
    months after the report month, so that every "next months" total covers
    the same months as the headline forecast.
    """
    from ..models.registry import make_model

    m = total.index[-1]
    out_groups, figs = [], {}
    notes = []
    for key, title, panels in groups:
        rows, drawn = [], []
        for p in panels:
            if progress:
                progress(p.id)
            yy = p.y
            last = yy.index[-1]
            h = horizon
            used = model
            try:
                fc = make_model(model, seed=seed).fit(yy).forecast(h, level=(80, 95))
            except BorderforecastError as exc:
                used = BENCHMARK
                notes.append(f"{p.label}: {model} failed ({exc}); {BENCHMARK} used instead.")
                fc = make_model(BENCHMARK, seed=seed).fit(yy).forecast(h, level=(80, 95))
            nxt = fc
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
                    "forecast_span": f"{fc.index[0]:%b %Y}–{fc.index[-1]:%b %Y}",
                    "value": value,
                    "yoy_pct": (value / prev - 1) if prev and not np.isnan(prev) else None,
                    "share": share,
                    "model": used,
                    "forecast_total": float(nxt["mean"].sum()),
                    "lo80_total": float(nxt["lo80"].sum()),
                    "hi80_total": float(nxt["hi80"].sum()),
                }
            )
            drawn.append((p.label, yy, fc))
        name = f"breakdown-{key}"
        fig = figures.small_multiples(drawn, title=f"{title}: history and {model} forecast")
        figs[name] = FigureSpec(
            name,
            fig,
            f"{title}: monthly counts (last four years) and the {model} forecast with its 80% "
            "interval; each panel has its own scale.",
            f"Small multiples of {title.lower()}",
        )
        out_groups.append({"key": key, "title": title, "figure": name, "rows": rows})
    stale = sorted(
        {r["last_month"] for g in out_groups for r in g["rows"] if r["last_month"] != f"{m:%Y-%m}"}
    )
    narrative = (
        f"Each part of the total has its own {horizon}-month {model} forecast from its own latest "
        "month. The 80% interval of a sum is the sum of the monthly interval ends "
        "(a conservative range)."
    )
    if stale:
        narrative += (
            " Some series are published less often than the total and end earlier (latest month "
            f"{', '.join(pd.Timestamp(s + '-01').strftime('%B %Y') for s in stale)}): "
            "their values, shares and forecasts refer to those months, not to "
            f"{m:%B %Y}."
        )
    if notes:
        narrative += " " + " ".join(notes)
    if not groups:
        narrative = "No breakdown by sector or demographic is available for this series."
    data = {"narrative": narrative, "horizon": horizon, "model": model, "groups": out_groups}
    return SectionOutput(data, figs)
