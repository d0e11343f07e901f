"""Sections 6 and 7 of the report: the forecasts earlier reports stored, scored against the
actuals since; the release, sources, definitions, glossary and revisions since the last report."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from . import figures
from .common import SectionOutput
from .vintages import list_vintages, load_actuals, revisions, score_vintages, summarize_scores
from .writer import FigureSpec, fmt_share

SOURCE_TEXT = {
    "cbp_tables": "U.S. Customs and Border Protection (CBP), "
    "“U.S. Border Patrol Monthly Encounters "
    "FY2000–FY2020” (monthly tables by sector; exact counts).",
    "sw_encounters": "CBP, “Southwest Land Border Encounters” (FY2022 onward, monthly, by "
    "demographic and citizenship group; exact counts).",
    "ohss": "DHS Office of Homeland Security Statistics, “CBP Encounters – USBP” workbook "
    "(FY2000 to November 2024; counts rounded to tens; the only source for FY2021).",
    "pages": "Figures transcribed from CBP/DHS web pages and news reports of them, FY2014–FY2021 "
    "(often preliminary).",
}

DEFINITIONS = (
    "Fiscal year (FY): 1 October to 30 September, named after the year in which it ends "
    "(FY2025 = October 2024 to September 2025).",
    "Counts are events, not people: a person apprehended twice in a month counts twice.",
    "Apprehension: U.S. Border Patrol (USBP) detention, between ports of entry, of a person not "
    "lawfully in the United States (Title 8).",
    "Encounters = Title 8 apprehensions + Title 42 expulsions. Title 42 (a public-health order) "
    "applied from March 2020 to May 2023; in those months the series counts encounters.",
    "Demographics: UAC = unaccompanied children; family units = individuals encountered as part "
    "of a family; single adults = the rest.",
    "Forecast intervals are calibrated on the model's own backtest errors where there are enough "
    "of them (the forecast says when not): an 80% interval should contain about 8 of 10 later "
    "actuals.",
)

USER_YEARS = (
    "Years: calendar years (January to December) in the tables, the charts' shading, the "
    "seasonal section and the assessment."
)

GLOSSARY = (
    ("Expected", "the mean of the forecast's sample paths; expected months add up to totals."),
    ("80% / 95% interval", "the range the count should fall in 8 (19) times out of 10 (20)."),
    ("Calibrated", "widened or narrowed so that the model's past forecasts fell inside their "
     "intervals as often as promised (its backtest)."),
    ("Backtest", "the model's forecasts made from earlier months, scored on what came next."),
    ("Rule's score", "what orders the backtest table: the square root of the weighted MASE "
     "times the 95% interval score (lower is better)."),
    ("MASE", "mean absolute error of those forecasts divided by that of repeating the same month "
     "a year earlier: below 1 beats that simple rule; weighted MASE weighs the next months more."),
    ("Counterfactual", "what a model fitted on the months before the window expects for it, "
     "had the months followed a normal season."),
    ("Plausibility gate", "a model whose counterfactual is out of line with the recent data is "
     "flagged and not used as evidence."),
    ("p-value", "how often normal seasonality alone would give a change at least this large "
     "(calibrated: judged against the placebo years; model-based: from the model's own "
     "intervals)."),
    ("Robust z", "how many typical deviations the change lies from the normal years' changes."),
    ("Percentile", "the share of normal years whose change was smaller than this one's."),
    ("Placebo years", "earlier years tested as if they were this one, to check how often the "
     "test cries wolf (its false alarms)."),
    ("Equivalence margin", "how far normal years differ from their own expectation: a "
     "difference inside it is within normal seasonality."),
    ("Seasonally adjusted (STL, X-13)", "the series with its usual seasonal pattern taken out, "
     "by two standard methods; X-13 also flags outlier months."),
    ("Permutation test", "whether the seasonal shape of two eras differs by more than "
     "shuffling the years between them gives."),
)  # fmt: skip
"""The terms the technical tables use, each defined once (the report's glossary)."""


def vintages_section(
    y: pd.Series,
    series: str,
    model: str,
    stored_models: list[str],
    *,
    home: str | os.PathLike[str] | None,
    border: bool = True,
) -> SectionOutput:
    """Section 6: score the vintages stored by earlier reports (data months before this one;
    ``border``: fiscal years on its chart, else calendar years)."""
    m = y.index[-1]
    earlier = list_vintages(series, home=home, before=m)
    scores = score_vintages(earlier, y)
    summary = summarize_scores(scores).sort_values(["data_month", "model"], ascending=[False, True])
    rows: list[dict[str, Any]] = [
        {"data_month": f"{r['data_month']:%Y-%m}", "data_month_label": f"{r['data_month']:%b %Y}",
         "model": str(r["model"]), "months": int(r["months"]),
         **{k: float(r[k]) for k in ("mape", "mean_error", "coverage80", "coverage95")}}
        for _, r in summary.iterrows()
    ]  # fmt: skip
    storage = (
        f"This report's forecasts ({', '.join(stored_models)}) are stored as vintages for "
        f"data month {m:%Y-%m} in the user store (vintages/<series>/<data month>/<model>.csv); "
        "the next reports score them. A stored vintage is never overwritten silently."
        if stored_models
        else f"This report makes no forecast, so it stores none; the data to {m:%B %Y} are kept "
        "(vintages/<series>/<data month>/actuals.csv) so that later reports can list revisions."
    )
    figs: dict[str, FigureSpec] = {}
    if not rows:
        narrative = (
            "No earlier forecasts of this series are stored yet, so there is nothing to "
            "score. Reports of later months will score this one's."
        )
    else:
        narrative = _scored_sentence(rows, model, m)
        pick = model if (scores["model"] == model).any() else str(scores["model"].iloc[0])
        vs = [v for v in earlier if v.model == pick][-6:]
        fig = figures.vintage_chart(y, [(v.data_month, v.forecast()) for v in vs], model=pick,
                                    title=f"Earlier {pick} forecasts against the actuals",
                                    fiscal=border)
        caption = (
            f"Actual counts (black) and the {pick} forecasts stored by up to six earlier reports "
            "(one line per data month; the band is the 80% interval when there is one vintage)."
        )
        figs["vintages"] = FigureSpec("vintages", fig, caption, "Earlier forecasts against actuals")
    data = {"narrative": narrative, "scored": rows, "storage_note": storage,
            "vintages_scored": len({(r["data_month"], r["model"]) for r in rows})}  # fmt: skip
    return SectionOutput(data, figs)


def _scored_sentence(rows: list[dict[str, Any]], model: str, m: pd.Timestamp) -> str:
    """How many stored forecasts were scored, and how the most recent one did."""
    latest = next((r for r in rows if r["model"] == model), rows[0])
    months = sorted({r["data_month"] for r in rows})
    return (
        f"{len(rows)} stored forecasts from {len(months)} earlier data "
        f"month{'s' if len(months) > 1 else ''} ({_mlabel(months[0])}"
        + (f" to {_mlabel(months[-1])}" if len(months) > 1 else "")
        + f") were scored against the actuals to {m:%B %Y}. The most recent, {latest['model']} "
        f"with data to {latest['data_month_label']}, missed by {latest['mape']:.1f}% "
        "on average (mean absolute percentage error) "
        f"over {latest['months']} month{'s' if latest['months'] > 1 else ''}; "
        f"{fmt_share(latest['coverage80'])} of those actuals fell inside its 80% intervals."
    )


def _mlabel(ym: str) -> str:
    return pd.Timestamp(ym + "-01").strftime("%b %Y")


def previous_snapshot(
    series: str, m: pd.Timestamp, home: str | os.PathLike[str] | None
) -> tuple[str | None, pd.Series | None]:
    """The data month and actuals snapshot of the latest earlier report, if any."""
    months = sorted(
        {v.data_month for v in list_vintages(series, home=home, before=m)}, reverse=True
    )
    for dm in months:
        snap = load_actuals(series, dm, home=home)
        if snap is not None:
            return f"{dm:%Y-%m}", snap
    return None, None


def data_section(
    y: pd.Series,
    series: str,
    *,
    home: str | os.PathLike[str] | None,
    full_last: pd.Timestamp,
    stale: bool = False,
    border: bool = True,
) -> SectionOutput:
    """Section 7: release, sources, definitions, revisions since the previous report (a user's
    series, ``border`` false, cites its own file and only the definitions that apply to it)."""
    m = y.index[-1]
    release = str(y.attrs.get("release", "unknown"))
    sources = dict(y.attrs.get("sources", {}))
    prev_month, snap = previous_snapshot(series, m, home)
    rev_rows: list[dict[str, Any]] = [
        {"month": f"{r.month:%Y-%m}", "month_label": f"{r.month:%b %Y}", "before": float(r.before),
         "after": float(r.after), "change": float(r.change)}
        for r in revisions(snap, y).itertuples()
    ]  # fmt: skip
    release_rows = [
        ("series", f"{series}: {y.name}"),
        ("release", release),
        ("months used", f"{y.index[0]:%b %Y} to {m:%b %Y} ({len(y)} months)"),
    ]
    if full_last != m:
        why = "(this series has no later months)" if stale else "(later months were left out)"
        note = f"report on data month {m:%Y-%m}; the release runs to {full_last:%Y-%m} {why}"
        release_rows.append(("note", note))
    if sources:
        release_rows.append(("source of each month", ", ".join(f"{k}: {v}" for k, v in
                                                                sources.items())))  # fmt: skip
    cited = [SOURCE_TEXT.get(k, k) for k in sources] or list(SOURCE_TEXT.values())
    data = {
        "narrative": f"The report uses release {release} of the {y.name} series, "
        f"{y.index[0]:%B %Y} to {m:%B %Y}.",
        "release": release_rows, "release_id": release,
        "sources": cited if border else [f"Your data: {release}."],
        "definitions": list(DEFINITIONS) if border else [USER_YEARS, DEFINITIONS[-1]],
        "glossary": [f"{term}: {text}" for term, text in GLOSSARY],
        "previous_report": prev_month, "revisions": rev_rows,
        "revisions_text": _revisions_sentence(prev_month, rev_rows),
    }  # fmt: skip
    return SectionOutput(data)


def _revisions_sentence(prev_month: str | None, rows: list[dict[str, Any]]) -> str:
    """What changed since the previous report's snapshot of the data."""
    if prev_month is None:
        return "No earlier report of this series is stored, so there is nothing to compare."
    if not rows:
        return (
            f"None: every month in the previous report (data to {_mlabel(prev_month)}) has the "
            "same value now."
        )
    net = sum(r["change"] for r in rows)
    return (
        f"{len(rows)} month{'s' if len(rows) > 1 else ''} changed since the "
        f"previous report (data to {_mlabel(prev_month)}), by {net:+,.0f} in all."
    )
