"""The report's breakdown: each part of the total (demographics, citizenship, OFO, sectors)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..backtesting.selection import BENCHMARK
from ..errors import BorderforecastError
from . import figures
from .common import SectionOutput, short_name
from .writer import FigureSpec


@dataclass(frozen=True)
class Part:
    """One part: its id, label and series; ``part`` is False for a series beside the total
    (OFO's ports of entry beside USBP's total), never shown as its share."""

    id: str
    label: str
    y: pd.Series
    part: bool = True


@dataclass(frozen=True)
class Headline:
    """The headline model, its forecast table and its own point forecasts of parts (by id)."""

    model: str
    table: pd.DataFrame
    parts: dict[str, pd.Series] = field(default_factory=dict)


def _part_forecast(
    yy: pd.Series, model: str, horizon: int, seed: int, notes: list[str], label: str
) -> tuple[pd.DataFrame, str, dict[str, float]]:
    """A part forecast separately: its table (expected means from paths) and expected total."""
    from ..intervals import guard_intervals
    from ..models.registry import make_model
    from .outlook import outlook_paths, window_total

    used = model
    try:
        fitted = make_model(model, seed=seed).fit(yy)
    except BorderforecastError as exc:
        used = BENCHMARK
        notes.append(f"{label}: {model} failed ({exc}); {BENCHMARK} used instead.")
        fitted = make_model(BENCHMARK, seed=seed).fit(yy)
    frame = guard_intervals(fitted.forecast(horizon, level=(80, 95)), yy).frame
    table, paths = outlook_paths(fitted, frame, seed)
    return table, used, window_total(paths)


def _row(p: Part, total: pd.Series) -> dict[str, Any]:
    yy, last = p.y, p.y.index[-1]
    ya = last - pd.DateOffset(years=1)
    value = float(yy.iloc[-1])
    prev = float(yy.loc[ya]) if ya in yy.index else float("nan")
    base = float(total.loc[last]) if last in total.index else 0.0
    return {
        "id": p.id, "label": p.label, "last_month": f"{last:%Y-%m}", "last_label": f"{last:%b %Y}",
        "forecast_span": "–", "value": value, "part": p.part, "own": False,
        "yoy_pct": (value / prev - 1) if prev and not np.isnan(prev) else None,
        "share": value / base if p.part and base else None,
        **dict.fromkeys(("model", "forecast_total", "lo80_total", "hi80_total")),
    }  # fmt: skip


def breakdown_section(
    total: pd.Series,
    groups: Sequence[tuple[str, str, Sequence[Part]]],
    *,
    horizon: int,
    model: str,
    seed: int,
    headline: Headline | None = None,
    progress: Callable[[str], None] | None = None,
) -> SectionOutput:
    """Section 5: small multiples of the parts, one forecast per part.

    A part the headline model forecasts itself shows that forecast; others with data for the
    report month get their own ``model`` forecast, and a group's sum is set against the
    headline's. Parts that end earlier are a snapshot, never forecast. A series beside the
    total (OFO) is drawn beside it, never as its share.
    """
    m = total.index[-1]
    out_groups: list[dict[str, Any]] = []
    figs: dict[str, FigureSpec] = {}
    notes: list[str] = []
    own = headline.parts if headline is not None else {}
    for key, title, panels in groups:
        rows, drawn = [], []
        lasts = {p.y.index[-1] for p in panels}
        current = all(t >= m for t in lasts)
        for p in panels:
            if progress:
                progress(p.id)
            row, fc = _row(p, total), None
            if p.y.index[-1] >= m and p.id in own:
                path = own[p.id].iloc[:horizon]
                fc = pd.DataFrame({"mean": path.to_numpy(dtype=float)}, index=path.index)
                row.update(model=headline.model if headline else model, own=True,
                           forecast_total=float(path.sum()))  # fmt: skip
            elif p.y.index[-1] >= m:
                fc, used, t = _part_forecast(p.y, model, horizon, seed, notes, p.label)
                row.update(model=used, forecast_total=t["mean"], lo80_total=t["lo80"],
                           hi80_total=t["hi80"])  # fmt: skip
            if fc is not None:
                row["forecast_span"] = f"{fc.index[0]:%b %Y}–{fc.index[-1]:%b %Y}"
                row["jump"] = jump_sentence(p, fc, str(row["model"]), bool(row["own"]))
            rows.append(row)
            drawn.append((p.label, p.y, fc))
        if headline is not None and current and not any(p.part for p in panels):
            drawn.append((f"{short_name(total)} (the report's total)", total,
                          headline.table.iloc[:horizon]))  # fmt: skip
        out_groups.append(
            _group(key, title, rows, drawn, (current, lasts, m, horizon), model, headline, figs)
        )
    narrative = _narrative(out_groups, m, horizon, model, headline, notes)
    data = {"narrative": narrative, "horizon": horizon, "model": model, "groups": out_groups}
    return SectionOutput(data, figs)


def _group(
    key: str, title: str, rows: list[dict[str, Any]], drawn: list,
    when: tuple[bool, set, pd.Timestamp, int], model: str, headline: Headline | None,
    figs: dict[str, FigureSpec],
) -> dict[str, Any]:  # fmt: skip
    """One group's table, figure and reconciliation sentence."""
    current, lasts, m, horizon = when
    name = f"breakdown-{key}"
    own = any(r["own"] for r in rows)
    if current:
        heading = title
        who = f"the {headline.model} model's own" if own and headline else f"the {model}"
        fig_title = f"{title}: history and {who} forecast" + (
            f" (the total: {headline.model})" if headline and len(drawn) > len(rows) else "")
        caption = (
            f"{title}: monthly counts (last four years) and {who} forecast"
            + ("" if own else " with its 80% interval")
            + "; the panels share one scale."
            + (" Right: the report's total and its forecast, for comparison, not as a share."
               if not any(r["part"] for r in rows) and len(drawn) > len(rows) else "")
        )  # fmt: skip
    else:
        dates = sorted(lasts)
        stamp = " and ".join(f"{t:%b %Y}" for t in (dates[0], dates[-1])[: len(set(dates))])
        heading = f"{title}: latest available ({stamp})"
        fig_title = f"{title}: monthly counts to {stamp} (no later data published)"
        caption = (
            f"{title}: monthly counts (last four years) to {stamp}, the latest month "
            f"published for them; no forecast is drawn, because the months after {stamp} "
            f"are already over (the report's data run to {m:%B %Y})."
        )
    fig = figures.small_multiples(drawn, title=fig_title, ncols=min(3, len(drawn)))
    figs[name] = FigureSpec(name, fig, caption, f"Small multiples of {title.lower()}")
    jumps = [r["jump"] for r in rows if r.get("jump")]
    note = " ".join([_reconcile(rows, horizon, headline), *jumps]).strip() if current else ""
    return {"key": key, "title": heading, "figure": name, "rows": rows, "current": current,
            "as_of": f"{max(lasts):%b %Y}", "note": note}  # fmt: skip


def jump_sentence(p: Part, fc: pd.DataFrame, model: str, own: bool) -> str:
    """Why a part's expected monthly count is far (over 20%) from its latest month ("" if not).

    >>> y = pd.Series([90.0, 100.0], index=pd.date_range("2025-07-01", periods=2, freq="MS"))
    >>> fc = pd.DataFrame({"mean": [150.0, 170.0], "median": [140.0, 150.0]},
    ...                   index=pd.date_range("2025-09-01", periods=2, freq="MS"))
    >>> jump_sentence(Part("x", "Other", y), fc, "snaive", False).split(": the")[0]
    'Other: 100 in August 2025, about 160 a month expected for Sep 2025–Oct 2025 (+60%)'
    """
    last, avg = float(p.y.iloc[-1]), float(fc["mean"].mean())
    if not last or abs(avg / last - 1) <= 0.2:
        return ""
    text = (
        f"{p.label}: {last:,.0f} in {p.y.index[-1]:%B %Y}, about {avg:,.0f} a month expected "
        f"for {fc.index[0]:%b %Y}–{fc.index[-1]:%b %Y} ({avg / last - 1:+.0%})"
    )
    if own:
        return f"{text}: the {model} model's own assumption for it, stated in the forecast section."
    med = fc["median"]
    peak = med.idxmax()
    why = (
        f"follows the part's own seasonal pattern, learnt from its data since "
        f"{p.y.index[0]:%B %Y} (its middle forecast peaks at {med[peak]:,.0f} in {peak:%B %Y})"
        if med.max() > 1.1 * med.min()
        else f"carries the part's level forward (its middle forecast {med.mean():,.0f} a month)"
    )
    return (
        f"{text}: the {model} forecast {why}, and expected counts add the chance of a surge "
        f"to the middle path ({med.mean():,.0f} a month)."
    )


def _reconcile(rows: list[dict[str, Any]], horizon: int, h: Headline | None) -> str:
    """How a group's forecasts add up against the headline's, or why they are beside it."""
    beside = [r for r in rows if not r["part"]]
    parts = [r for r in rows if r["part"] and r["forecast_total"] is not None]
    out = []
    if beside:
        out.append(
            f"{' and '.join(r['label'] for r in beside)}: not part of the total this report "
            "is about, so shown beside it, never as a share of it."
        )
    if not parts or h is None or not len(h.table):
        return " ".join(out)
    share = sum(r["share"] or 0.0 for r in parts)
    if not 0.99 <= share <= 1.01:
        return " ".join(out)  # the parts shown do not make up the total
    span = parts[0]["forecast_span"]
    months = h.table.iloc[:horizon]
    summed = sum(r["forecast_total"] for r in parts)
    if all(r["own"] for r in parts):
        point = float(months["median"].sum()) if "median" in months else float("nan")
        out.append(
            f"These are the {h.model} model's own forecasts of its parts: they add up to "
            f"{summed:,.0f} for {span}, the headline's middle (median) path ({point:,.0f}); "
            f"the headline's expected total for those months is {months['mean'].sum():,.0f}, "
            "higher, as expected counts are (the forecast section says by how much)."
        )
    else:
        head = float(months["mean"].sum())
        diff = summed - head
        out.append(
            f"Forecast separately, part by part: their expected totals add up to {summed:,.0f} "
            f"for {span}, against {head:,.0f} from the headline {h.model} forecast "
            f"(a difference of {diff:+,.0f}, {diff / head:+.1%}); the headline is the one to quote."
        )
    return " ".join(out)


def _narrative(
    groups: list[dict[str, Any]], m: pd.Timestamp, horizon: int, model: str,
    headline: Headline | None, notes: list[str],
) -> str:  # fmt: skip
    if not groups:
        return "No breakdown: the data hold no parts of this series."
    own = f"the {headline.model} model's own where it forecasts the part itself, " if (
        headline and headline.parts) else ""  # fmt: skip
    text = (
        f"Parts of the total with data for {m:%B %Y} get a {horizon}-month forecast: {own}"
        f"otherwise their own {model} forecast (expected counts; 80% intervals of sums from "
        "sample paths)."
    )
    stale = sorted({r["last_month"] for g in groups for r in g["rows"]} - {f"{m:%Y-%m}"})
    if stale:
        names = [g["title"].split(":")[0].lower() for g in groups if not g["current"]]
        text += (
            f" The {' and '.join(names)} series end earlier (latest month "
            f"{', '.join(pd.Timestamp(s + '-01').strftime('%B %Y') for s in stale)}): they are "
            "shown as of that month, with their shares of the total in that month, and are not "
            "forecast."
        )
    return " ".join([text, *notes])


def _tail_without_gaps(yy: pd.Series) -> pd.Series:
    """The series after its last missing month."""
    gaps = yy.index[yy.isna()]
    return yy.loc[yy.index > gaps[-1]] if len(gaps) else yy


def breakdown_groups(
    series: str, m: pd.Timestamp, home: str | os.PathLike[str] | None
) -> list[tuple[str, str, list[Part]]]:
    """The parts of ``series``: demographics, citizenship, OFO (with data for ``m``), sectors
    (which may end earlier: a snapshot of their own latest month, never forecast)."""
    from ..data import datasets, load
    from ..data.naming import SECTOR_REGION, slug

    table = datasets(home=home)
    ids = set(table["id"])
    if series == "southwest":
        region, prefix = "Southwest", ""
    elif series.startswith("region/") and series.count("/") == 1:
        region, prefix = series.split("/")[1].capitalize(), series + "/"
    elif series == "national":
        region, prefix = None, "national/"
    else:
        return []
    sectors = [s for s, r in SECTOR_REGION.items() if region and r == region]
    demos = [(f"{prefix}demographic/{d}", v) for d, v in (("uac", "Unaccompanied children"),
             ("family_units", "Family-unit individuals"), ("single_adults", "Single adults"))]
    cit = []
    if series == "southwest":
        sub = table[table["id"].str.fullmatch(r"citizenship/[^/]+") & (table["last"] >= m)]
        cit = [(sid, str(lab)) for sid, lab in zip(sub["id"], sub["citizenship"], strict=True)]
        cit.sort(key=lambda t: (t[1] == "Other", t[1]))
    ofo = [("ofo", "OFO (at ports of entry)")] if series == "southwest" else []  # beside USBP
    groups: list[tuple[str, str, list[Part]]] = []
    for key, title, items in (
        ("demographics", "Demographics", demos),
        ("citizenship", "Citizenship", cit),
        ("ofo", "Office of Field Operations, beside the total", ofo),
        ("sectors", "Sectors", [(f"sector/{slug(s)}", s) for s in sectors]),
    ):
        panels = []
        for sid, label in items:
            if sid not in ids:
                continue
            yy = _tail_without_gaps(load(sid, home=home, end=m, allow_gaps=True))
            if len(yy) < 36 or yy.index[-1] < m - pd.DateOffset(months=24):
                continue  # too short, or discontinued (e.g. Livermore): not forecastable
            panels.append(Part(sid, label, yy.astype(float), part=key != "ofo"))
        if panels:
            groups.append((key, title, panels))
    return groups
