"""The report's seasonal section: the profile and what the season alone implies."""

from __future__ import annotations

import pandas as pd

from . import figures
from .common import SectionOutput
from .writer import FigureSpec, fmt_pct


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
