"""The report's seasonal section: the profile and what the season alone implies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..season.estimate import years_label
from . import figures
from .common import SectionOutput
from .writer import FigureSpec, fmt_pct


def normal_years_sentence(years: Sequence[int], excluded: dict[int, str], last: int,
                          fiscal: bool = True) -> str:
    """The page's one statement of the normal (fiscal or calendar) years and why others are
    left out (up to ``last``).

    >>> s = normal_years_sentence((2000, 2001, 2003), {2002: "shock", 2020: "Title 42"}, 2024)
    >>> s.split(": ", 1)[1].split("; ")
    ['FY2000-FY2001, FY2003 (3 fiscal years)', 'left out: FY2002 (beyond normal seasonality)', \
'FY2020 (Title 42).']
    """
    groups: dict[str, list[int]] = {}
    for yr, why in sorted(excluded.items()):
        if yr <= last:
            kind = why if why.startswith("Title 42") else "beyond normal seasonality"
            groups.setdefault(kind, []).append(yr)
    p, n = "FY" if fiscal else "", f"{len(years)} {'fiscal ' if fiscal else ''}years"
    left = "; ".join(f"{years_label(v, p)} ({k})" for k, v in groups.items())
    return f"Normal years, here and in the assessment: {years_label(years, p)} ({n})" + (
        f"; left out: {left}." if left else "."
    )


def seasonality_section(y: pd.Series, *, horizon: int, seed: int, project: bool = True,
                        border: bool = True) -> SectionOutput:
    """Section 3: the seasonal profile of the assessment's normal years (fiscal years and Title
    42 left out for the border series, calendar years for a user's) and, with ``project``, what
    the season alone implies for the months after the latest."""
    from ..assessment.normal import normal_fiscal_years
    from ..season import seasonal_profile

    normal = normal_fiscal_years(y, fiscal=border)
    years = normal.before(y.index[-1] + pd.DateOffset(months=1))
    prof = seasonal_profile(y, years=list(years), seed=seed, methods=["regression", "stl"],
                            fiscal=border)
    f = prof.factors
    expected = _expected(prof, y, horizon)
    parts = [
        normal_years_sentence(years, normal.excluded, int(prof.years[-1]), border),
        *_profile_sentences(f, prof.contrasts),
    ]
    if project:
        parts.append(_implied(expected, y.index[-1]))
    data = {
        "narrative": " ".join(parts), "summary": prof.summary().replace("\n", " "),
        "factors": [{"month": int(i), "name": str(r["name"]), "factor": float(r["factor"])}
                    for i, r in f.iterrows()],
        "expected": expected if project else [],
        "fiscal_years": [int(prof.years[0]), int(prof.years[-1])],
        "normal_years": [int(v) for v in years],
    }  # fmt: skip
    fy, p = ("fiscal ", "FY") if border else ("", "")
    title = f"Seasonal profile of {len(years)} normal {fy}years, {p}{years[0]}–{p}{years[-1]}"
    fig = figures.seasonal_profile_chart(f["factor"], title=title, fiscal=border)
    caption = (
        f"Each month's typical level relative to an average month of the same {fy}year "
        f"(multiplicative seasonal factors), in {'fiscal-year' if border else 'calendar'} order."
    )
    spec = FigureSpec("seasonality", fig, caption, "Bar chart of seasonal factors by month")
    return SectionOutput(data, {"seasonality": spec})


def _expected(prof: Any, y: pd.Series, horizon: int) -> list[dict[str, Any]]:
    """What the season alone implies for each of the next ``horizon`` months."""
    m, value, f = y.index[-1], float(y.iloc[-1]), prof.factors
    out = []
    for k in range(1, horizon + 1):
        t = m + pd.DateOffset(months=k)
        est, lo, hi = prof.expected_change(m.month, t.month)
        out.append({"month": f"{t:%Y-%m}", "month_label": f"{t:%b %Y}",
                    "factor": float(f.loc[t.month, "factor"]), "change": est / 100,
                    "lo": lo / 100, "hi": hi / 100, "level": value * (1 + est / 100)})  # fmt: skip
    return out


def _profile_sentences(f: pd.DataFrame, c: pd.DataFrame) -> list[str]:
    """The busiest and quietest month, the summer dip and the autumn contrasts."""
    pct = (f["factor"] - 1) * 100
    top, low = int(pct.idxmax()), int(pct.idxmin())
    out = [
        f"In those years {f.loc[top, 'name']} is the busiest month ({pct[top]:+.0f}% against "
        f"the underlying level) and {f.loc[low, 'name']} the quietest ({pct[low]:+.0f}%)."
    ]
    if "summer_dip" in c.index:
        r = c.loc["summer_dip"]
        out.append(f"{r['label']}: {r['estimate']:+.1f}% ({r['reading']}).")
    autumn = [k for k in ("aug_to_oct", "aug_to_nov", "aug_to_dec") if k in c.index]
    if autumn:
        out.append(
            "Autumn: "
            + "; ".join(
                f"{c.loc[k, 'label']} {c.loc[k, 'estimate']:+.1f}% ({c.loc[k, 'reading']})"
                for k in autumn
            )
            + "."
        )
    return out


def _implied(expected: list[dict[str, Any]], m: pd.Timestamp) -> str:
    """``From August, the season alone implies ... by ...``."""
    nxt, third = expected[0], expected[min(3, len(expected)) - 1]
    later = (
        f" and {fmt_pct(third['change'])} by {third['month_label']}" if len(expected) >= 3 else ""
    )
    return (
        f"From {m:%B}, the season alone implies {fmt_pct(nxt['change'])} by {nxt['month_label']} "
        f"(about {nxt['level']:,.0f}){later}, if the underlying level stayed where it is."
    )
