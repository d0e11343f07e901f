"""The report's headline: the latest month in numbers, and the sentences that say them.

The numbers are computed here from the series alone (plain pandas), and the
narrative is generated from those same numbers, so the text cannot disagree
with the table: "fewer" appears only when the change is negative, and every
figure quoted is the rounded value shown in the table.

Examples
--------
>>> import pandas as pd
>>> y = pd.Series(range(100, 136), index=pd.date_range("2022-01-01", periods=36, freq="MS"))
>>> h = headline_numbers(y, pd.Timestamp("2024-12-01"))
>>> h["value"], h["previous_value"], h["year_ago_value"], h["fytd"], h["fytd_previous"]
(135, 134, 123, 402, 366)
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ..errors import DataError
from ..fiscal import fiscal_year, fiscal_year_start, fytd
from . import figures
from .common import SectionOutput, Subject, short_name
from .writer import FigureSpec


def _int(v: float) -> int:
    return int(round(float(v)))


def _ratio(change: float, base: float) -> float | None:
    return None if base == 0 else change / base


def headline_numbers(y: pd.Series, m: pd.Timestamp) -> dict[str, Any]:
    """The latest-month numbers of the headline (plain Python types).

    Keys: ``month, value, previous_month, previous_value, mom_change,
    mom_pct`` (ratio), ``year_ago_month, year_ago_value, yoy_change, yoy_pct``,
    ``fiscal_year, fytd_start, fytd_months, fytd, fytd_previous, fytd_change,
    fytd_pct``. Ratios are ``None`` when the base is zero.

    Raises
    ------
    DataError
        If the series lacks the month, the previous month, or the same months
        a year (and a fiscal year) earlier.
    """
    m = pd.Timestamp(m)
    prev = m - pd.DateOffset(months=1)
    year_ago = m - pd.DateOffset(years=1)
    fy_start = fiscal_year_start(int(fiscal_year(m)))
    prev_fy_start = fy_start - pd.DateOffset(years=1)
    need = [m, prev, year_ago, prev_fy_start]
    missing = [t for t in need if t not in y.index]
    if missing:
        raise DataError(
            f"series {y.name or 'series'!r} needs data for "
            f"{', '.join(f'{t:%Y-%m}' for t in missing)} "
            f"to report on {m:%Y-%m} (it covers {y.index[0]:%Y-%m} to {y.index[-1]:%Y-%m})"
        )
    value, pv, ya = (float(y.loc[t]) for t in (m, prev, year_ago))
    ytd = fytd(y, m)
    return {
        "month": f"{m:%Y-%m}",
        "value": _int(value),
        "previous_month": f"{prev:%Y-%m}",
        "previous_value": _int(pv),
        "mom_change": _int(value - pv),
        "mom_pct": _ratio(value - pv, pv),
        "year_ago_month": f"{year_ago:%Y-%m}",
        "year_ago_value": _int(ya),
        "yoy_change": _int(value - ya),
        "yoy_pct": _ratio(value - ya, ya),
        "fiscal_year": int(ytd.fiscal_year),
        "fytd_start": f"{fy_start:%Y-%m}",
        "fytd_months": ytd.months,
        "fytd": _int(ytd.total),
        "fytd_previous": _int(ytd.previous_total),
        "fytd_change": _int(ytd.change),
        "fytd_pct": _ratio(ytd.change, ytd.previous_total),
    }


def _pct_words(ratio: float | None, more: str, fewer: str) -> str:
    if ratio is None:
        return "(no comparison: the earlier value is zero)"
    pct = abs(ratio) * 100
    if round(pct, 1) == 0:
        return "unchanged"
    return f"{pct:.1f}% {more if ratio > 0 else fewer}"


def headline_narrative(h: dict[str, Any], subject: str) -> str:
    """One paragraph stating the headline numbers (the same rounded values as the table)."""
    m = pd.Timestamp(h["month"] + "-01")
    prev = pd.Timestamp(h["previous_month"] + "-01")
    ya = pd.Timestamp(h["year_ago_month"] + "-01")
    fy = h["fiscal_year"]
    span = fytd_span(h)
    mom = _pct_words(h["mom_pct"], "more", "fewer")
    yoy = _pct_words(h["yoy_pct"], "more", "fewer")
    fyw = _pct_words(h["fytd_pct"], "above", "below")
    sentences = [
        f"In {m:%B %Y} there were {h['value']:,} {subject}: "
        + (
            f"{mom} than in {prev:%B %Y} ({h['previous_value']:,})"
            if mom != "unchanged"
            else f"unchanged from {prev:%B %Y} ({h['previous_value']:,})"
        )
        + " and "
        + (
            f"{yoy} than in {ya:%B %Y} ({h['year_ago_value']:,})."
            if yoy != "unchanged"
            else f"unchanged from {ya:%B %Y} ({h['year_ago_value']:,})."
        ),
        f"Fiscal year {fy} to date ({span}) counts {h['fytd']:,}, "
        + (
            f"{fyw} the same months of FY{fy - 1} ({h['fytd_previous']:,})."
            if fyw != "unchanged"
            else f"unchanged from the same months of FY{fy - 1} ({h['fytd_previous']:,})."
        ),
    ]
    return " ".join(sentences)


def fytd_span(h: dict[str, Any]) -> str:
    """``'Oct 2024–Aug 2025'`` (or one month when the fiscal year has just begun)."""
    a = pd.Timestamp(h["fytd_start"] + "-01")
    b = pd.Timestamp(h["month"] + "-01")
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
    """The headline: the numbers of ``y``'s last month, their sentences, the history chart.

    ``target`` is the month the report was asked for; a series that ends before
    it is reported as of its own last month, and says so. A report made (``today``)
    more than two months after its data month says that too.
    """
    m = pd.Timestamp(y.index[-1])
    stale = m < target
    h = headline_numbers(y, m)
    unit = subj.counted
    h.update(
        month_label=f"{m:%B %Y}",
        month_short=f"{m:%b %Y}",
        previous_label=pd.Timestamp(h["previous_month"] + "-01").strftime("%B %Y"),
        year_ago_label=pd.Timestamp(h["year_ago_month"] + "-01").strftime("%B %Y"),
        fytd_span=fytd_span(h),
        unit=unit,
        series=series,
        series_label=str(y.name),
        narrative=headline_narrative(h, unit),
        context=context_sentences(m, y),
        stale=stale,
        report_month=f"{target:%Y-%m}",
        stale_note=stale_note(y, target, home) if stale else "",
        clock_note=clock_note(m, today, 0 if stale else horizon),
        subject=subj.name,
        unit_word=subj.unit,
        border=subj.border,
    )
    fig = figures.history_chart(y, latest=m, title=f"{subj.name}, {y.index[0]:%Y}–{m:%Y}")
    caption = (
        f"Monthly counts since {y.index[0]:%B %Y}; dots mark every {m:%B}, the orange dot "
        f"{m:%B %Y}. Shading: alternate fiscal years."
    )
    spec = FigureSpec("history", fig, caption, "Line chart of the full monthly history")
    return SectionOutput(h, {"history": spec})


def context_sentences(m: pd.Timestamp, y: pd.Series) -> list[str]:
    """Context facts for the month (``borderforecast.context``) that say something new.

    Left out: what the headline table already states (the value, the changes, the fiscal
    year to date), a comparison with the previous month or the same month a year
    earlier (the table's own changes, again), and a "highest month since" that reaches
    back fewer than six months.
    """
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
    restated = ("Up ", "Down ", "Unchanged ", "Fiscal year ", f"{y.name}:")
    return [s for s in ctx.sentences() if not s.startswith(restated)]


def months_behind(m: pd.Timestamp, today: pd.Timestamp) -> int:
    """Whole months from the data month ``m`` to the month of ``today``.

    >>> months_behind(pd.Timestamp("2025-08-01"), pd.Timestamp("2026-12-07"))
    16
    """
    return (today.year - m.year) * 12 + today.month - m.month


def clock_note(m: pd.Timestamp, today: pd.Timestamp, horizon: int) -> str:
    """The sentence a report more than two months behind the clock opens with ("" if not);
    ``horizon`` 0: a report that makes no forecast.

    >>> clock_note(pd.Timestamp("2024-11-01"), pd.Timestamp("2026-12-07"), 0)
    'These data end in November 2024, 25 months before this report was made (December 2026).'
    """
    behind = months_behind(m, today)
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
    """The three answers at the top of the report, from the sections' own numbers.

    What happened (the count, its changes, one record-type fact), what comes next
    (next month and the next months' total, one interval each, and the model's key
    assumption), and whether the latest change is beyond normal seasonality.
    """
    h, f, a = (sections.get(k, {}) for k in ("headline", "forecast", "assessment"))
    record = next((c for c in h.get("context", []) if " on record" in c), "")
    happened = h.get("narrative", "").split(". Fiscal year")[0].rstrip(".") + "."
    if record:
        happened += " " + record
    nxt = ""
    if f.get("table"):
        first = f["table"][0]
        iv = f["next12_interval"]
        nxt = (
            f"The {f['model']} model expects {first['mean']:,.0f} in {first['month_label']} "
            f"(80% interval {first['lo80']:,.0f} to {first['hi80']:,.0f}) and "
            f"{f['next12_total']:,.0f} over the next {f['horizon']} months on average "
            f"(median {f['next12_median']:,.0f}; 80% interval {iv['lo80']:,.0f} to "
            f"{iv['hi80']:,.0f})."
        )
        if f.get("assumption"):
            nxt += f" Its key assumption: {f['assumption']}."
    elif f.get("skipped"):
        nxt = f["skipped"]
    return {
        "happened": happened,
        "next": nxt,
        "verdict": a.get("verdict", ""),
        "beyond": a.get("lead", ""),
        "window_label": a.get("window_label", ""),
        "clock_note": h.get("clock_note", ""),
    }


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
