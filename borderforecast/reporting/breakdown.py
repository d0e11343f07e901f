"""The report's breakdown: each part of the total (demographics, citizenship, OFO, sectors)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..backtesting.selection import BENCHMARK
from ..errors import BorderforecastError
from . import figures
from .common import SectionOutput
from .writer import FigureSpec


@dataclass(frozen=True)
class Part:
    """One part of the total (a sector or a demographic) in the breakdown's small multiples."""

    id: str
    label: str
    y: pd.Series


def breakdown_section(
    total: pd.Series,
    groups: Sequence[tuple[str, str, Sequence[Part]]],
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


def _tail_without_gaps(yy: pd.Series) -> pd.Series:
    """The series after its last missing month."""
    gaps = yy.index[yy.isna()]
    return yy.loc[yy.index > gaps[-1]] if len(gaps) else yy


def breakdown_groups(
    series: str, m: pd.Timestamp, home: str | os.PathLike[str] | None
) -> list[tuple[str, str, list[Part]]]:
    """The parts of ``series``: demographics, citizenship, OFO (with data for ``m``), sectors.

    Parts that end before ``m`` (the sectors of the bundled data end in November
    2024) are kept as a snapshot of their own latest month; the section draws no
    forecast for them.
    """
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
    demos = ("uac", "family_units", "single_adults")
    labels = {
        "uac": "Unaccompanied children",
        "family_units": "Family-unit individuals",
        "single_adults": "Single adults",
    }
    cit = []
    if series == "southwest":
        sub = table[table["id"].str.fullmatch(r"citizenship/[^/]+") & (table["last"] >= m)]
        cit = [(sid, str(lab)) for sid, lab in zip(sub["id"], sub["citizenship"], strict=True)]
        cit.sort(key=lambda t: (t[1] == "Other", t[1]))
    ofo = [("ofo", "OFO (at ports of entry)")] if series == "southwest" else []
    groups: list[tuple[str, str, list[Part]]] = []
    for key, title, items in (
        ("demographics", "Demographics", [(f"{prefix}demographic/{d}", labels[d]) for d in demos]),
        ("citizenship", "Citizenship", cit),
        ("ofo", "Office of Field Operations", ofo),
        ("sectors", "Sectors", [(f"sector/{slug(s)}", s) for s in sectors]),
    ):
        panels = []
        for sid, label in items:
            if sid not in ids:
                continue
            yy = _tail_without_gaps(load(sid, home=home, end=m, allow_gaps=True))
            if len(yy) < 36 or yy.index[-1] < m - pd.DateOffset(months=24):
                continue  # too short, or discontinued (e.g. Livermore): not forecastable
            panels.append(Part(sid, label, yy.astype(float)))
        if panels:
            groups.append((key, title, panels))
    return groups
