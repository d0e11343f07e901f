"""The report's headline: the latest month in numbers, the sentences that say them, and the
first screen. Every figure quoted is the rounded value the table shows. Years to date run from
October (fiscal years) for the border series and from January for a user's series."""

from __future__ import annotations

import os
import re
from typing import Any

import pandas as pd

from ..errors import DataError
from . import figures
from .common import SectionOutput, Subject, short_name
from .writer import FigureSpec


def _ratio(change: float, base: float) -> float | None:
    return None if base == 0 else change / base


def headline_numbers(y: pd.Series, m: pd.Timestamp, fiscal: bool = True) -> dict[str, Any]:
    """The latest-month numbers (plain Python types; ratios ``None`` on a zero base).

    The year to date starts in October (``fiscal``; ``fiscal_year`` is the year it ends in)
    or January. Raises :class:`DataError` when a month it needs is missing.
    """
    m = pd.Timestamp(m)
    prev, year_ago = m - pd.DateOffset(months=1), m - pd.DateOffset(years=1)
    first = 10 if fiscal else 1
    start = pd.Timestamp(m.year - (m.month < first), first, 1)
    missing = [t for t in (m, prev, year_ago, start - pd.DateOffset(years=1)) if t not in y.index]
    if missing:
        raise DataError(
            f"series {y.name or 'series'!r} needs data for "
            f"{', '.join(f'{t:%Y-%m}' for t in missing)} "
            f"to report on {m:%Y-%m} (it covers {y.index[0]:%Y-%m} to {y.index[-1]:%Y-%m})"
        )
    value, pv, ya = (float(y.loc[t]) for t in (m, prev, year_ago))
    ytd = float(y.loc[start:m].sum())
    before = float(y.loc[start - pd.DateOffset(years=1) : year_ago].sum())
    year = start.year + (first > 1)
    return {
        "month": f"{m:%Y-%m}", "value": round(value),
        "previous_month": f"{prev:%Y-%m}", "previous_value": round(pv),
        "mom_change": round(value - pv), "mom_pct": _ratio(value - pv, pv),
        "year_ago_month": f"{year_ago:%Y-%m}", "year_ago_value": round(ya),
        "yoy_change": round(value - ya), "yoy_pct": _ratio(value - ya, ya),
        "fiscal_year": year, "year_label": f"FY{year}" if fiscal else str(year),
        "previous_year_label": f"FY{year - 1}" if fiscal else str(year - 1),
        "fytd_start": f"{start:%Y-%m}",
        "fytd_months": (m.year - start.year) * 12 + m.month - start.month + 1,
        "fytd": round(ytd), "fytd_previous": round(before), "fytd_change": round(ytd - before),
        "fytd_pct": _ratio(ytd - before, before),
    }  # fmt: skip


def _compare(ratio: float | None, more: str, fewer: str, than: str, ref: str) -> str:
    """``'37.5% more than in July 2025 (4,596)'``, or ``'unchanged from July 2025 (4,596)'``."""
    if ratio is None:
        return f"(no comparison: the earlier value is zero) {than}{ref}"
    if round(abs(ratio) * 100, 1) == 0:
        return f"unchanged from {ref}"
    return f"{abs(ratio) * 100:.1f}% {more if ratio > 0 else fewer} {than}{ref}"


def headline_narrative(h: dict[str, Any], subject: str) -> str:
    """One paragraph stating the headline numbers (the same rounded values as the table)."""
    prev, ago = (pd.Timestamp(h[k] + "-01") for k in ("previous_month", "year_ago_month"))
    mom = _compare(h["mom_pct"], "more", "fewer", "than in ",
                   f"{prev:%B %Y} ({h['previous_value']:,})")  # fmt: skip
    yoy = _compare(h["yoy_pct"], "more", "fewer", "than in ",
                   f"{ago:%B %Y} ({h['year_ago_value']:,})")  # fmt: skip
    fyw = _compare(h["fytd_pct"], "above", "below", "",
                   f"the same months of {h['previous_year_label']} ({h['fytd_previous']:,})")
    year = ("Fiscal year " if h["year_label"].startswith("FY") else "The year ") + str(
        h["fiscal_year"]
    )
    return (
        f"In {pd.Timestamp(h['month'] + '-01'):%B %Y} there were {h['value']:,} {subject}: "
        f"{mom} and {yoy}. {year} to date ({fytd_span(h)}) counts {h['fytd']:,}, {fyw}."
    )


def fytd_span(h: dict[str, Any]) -> str:
    """``'Oct 2024–Aug 2025'`` (or one month when the year has just begun)."""
    a, b = (pd.Timestamp(h[k] + "-01") for k in ("fytd_start", "month"))
    return f"{a:%b %Y}" if a == b else f"{a:%b %Y}–{b:%b %Y}"


def headline_section(
    y: pd.Series,
    series: str,
    target: pd.Timestamp,
    home: str | os.PathLike[str] | None,
    today: pd.Timestamp,
    horizon: int,
    subj: Subject,
) -> SectionOutput:
    """The headline of ``y``'s last month: numbers, sentences, the history chart; it says so
    when the series ends before ``target`` or the report is made long after (``today``)."""
    m = pd.Timestamp(y.index[-1])
    stale = m < target
    h = headline_numbers(y, m, fiscal=subj.border)
    unit = subj.counted
    h.update(
        month_label=f"{m:%B %Y}", month_short=f"{m:%b %Y}", fytd_span=fytd_span(h),
        previous_label=pd.Timestamp(h["previous_month"] + "-01").strftime("%B %Y"),
        year_ago_label=pd.Timestamp(h["year_ago_month"] + "-01").strftime("%B %Y"),
        unit=unit, series=series, series_label=str(y.name), narrative=headline_narrative(h, unit),
        context=context_sentences(m, y),
        stale=stale, report_month=f"{target:%Y-%m}",
        stale_note=stale_note(y, target, home) if stale else "",
        clock_note=clock_note(m, today, 0 if stale else horizon),
        subject=subj.name, unit_word=subj.unit, border=subj.border,
    )  # fmt: skip
    fig = figures.history_chart(y, latest=m, title=f"{subj.name}, {y.index[0]:%Y}–{m:%Y}",
                                fiscal=subj.border)  # fmt: skip
    caption = (
        f"Monthly counts since {y.index[0]:%B %Y}; dots mark every {m:%B}, the orange dot "
        f"{m:%B %Y}. Shading: alternate {'fiscal ' if subj.border else ''}years."
    )
    spec = FigureSpec("history", fig, caption, "Line chart of the full monthly history")
    return SectionOutput(h, {"history": spec})


def context_sentences(m: pd.Timestamp, y: pd.Series) -> list[str]:
    """Context facts (``borderforecast.context``) the headline table does not already state,
    without a "highest month since" reaching back fewer than six months."""
    from dataclasses import replace

    from ..context import context

    ctx = context(m, y=y)
    near = {m - pd.DateOffset(months=1), m - pd.DateOffset(years=1)}

    def recent(phrase: str | None) -> str | None:
        if not phrase or " since " not in phrase:
            return phrase
        try:
            since = pd.Timestamp(phrase.rsplit(" since ", 1)[1])
        except ValueError:
            return phrase
        return None if since > m - pd.DateOffset(months=6) else phrase

    ctx = replace(
        ctx,
        highest_month_since=recent(ctx.highest_month_since),
        lowest_month_since=recent(ctx.lowest_month_since),
        comparisons=tuple(c for c in ctx.comparisons if c.month not in near),
    )
    restated = ("Up ", "Down ", "Unchanged ", "Fiscal year ", "Year ", f"{y.name}:")
    return [s for s in ctx.sentences() if not s.startswith(restated)]


def clock_note(m: pd.Timestamp, today: pd.Timestamp, horizon: int) -> str:
    """The sentence a report more than two months behind the clock opens with ("" if not);
    ``horizon`` 0: a report that makes no forecast.

    >>> clock_note(pd.Timestamp("2024-11-01"), pd.Timestamp("2026-12-07"), 0)
    'These data end in November 2024, 25 months before this report was made (December 2026).'
    """
    behind = (today.year - m.year) * 12 + today.month - m.month
    if behind <= 2:
        return ""
    end = m + pd.DateOffset(months=horizon)
    over = min(behind - 1, horizon)
    text = (
        f"These data end in {m:%B %Y}, {behind} months before this report was made ({today:%B %Y})."
    )
    if not horizon:
        return text
    text += " "
    if over >= horizon:
        return text + (
            f"Every month it forecasts ({m + pd.DateOffset(months=1):%B %Y} to {end:%B %Y}) "
            "is already over: read it as the forecast made at the time."
        )
    return text + f"The first {over} of the {horizon} months it forecasts are already over."


def first_screen(sections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The three answers at the top (what happened, what comes next, beyond normal
    seasonality?), from the sections' own numbers."""
    h, f, a = (sections.get(k, {}) for k in ("headline", "forecast", "assessment"))
    record = next((c for c in h.get("context", []) if " on record" in c), "")
    happened = re.split(r"\. (?:Fiscal year|The year) ", h.get("narrative", ""))[0]
    happened = happened.rstrip(".") + "."
    if record:
        happened += " " + record
    nxt = f.get("lead") or f.get("skipped", "")
    if f.get("lead") and f.get("assumption"):
        nxt += f" Its key assumption: {f['assumption']}."
    return {"happened": happened, "next": nxt, "verdict": a.get("verdict", ""),
            "beyond": a.get("plain", ""), "window_label": a.get("window_label", ""),
            "clock_note": h.get("clock_note", "")}  # fmt: skip


def stale_note(y: pd.Series, target: pd.Timestamp, home: str | os.PathLike[str] | None) -> str:
    """The sentence a report on a series that ends early opens with."""
    from ..data import load

    m = y.index[-1]
    text = (
        f"{short_name(y)} data end in {m:%B %Y}: the files this release is built from publish "
        f"no later months for it, so this report speaks for {m:%B %Y}, not {target:%B %Y}."
    )
    try:
        nat = load("southwest", home=home)
    except Exception:  # noqa: BLE001 - the national sentence is context only
        return text
    if target in nat.index:
        text += (
            f" The national series (USBP Southwest border) runs to {target:%B %Y}, when it "
            f"counted {float(nat.loc[target]):,.0f} encounters."
        )
    return text
