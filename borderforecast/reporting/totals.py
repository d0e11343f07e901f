"""The report's totals (next 12 months, fiscal-year projections), from sample paths."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..fiscal import fiscal_year

LEVEL_PAIR = (80, 95)
TOTAL_PATHS = 2000
"""Sample paths behind every total of the report (next 12 months, fiscal-year projections)."""


def path_totals(f: Any, fc: pd.DataFrame, seed: int) -> tuple[pd.Series, list[dict[str, Any]]]:
    """The next ``len(fc)`` months' total and the fiscal-year projections, from sample paths.

    Each total is the median and the 80% / 95% quantiles of the sums of
    :data:`TOTAL_PATHS` seeded sample paths of the forecaster ``f`` (calibrated on
    the report's backtest when the model is in it), so the months' dependence is
    kept; a fiscal year is projected only when its observed months and the
    forecast months cover it.
    """
    opts = {"level": LEVEL_PAIR, "n_paths": TOTAL_PATHS, "seed": seed}
    nxt = f.forecast_total(len(fc), **opts)
    rows = []
    for fy in sorted({int(fiscal_year(m)) for m in fc.index}):
        months = pd.date_range(f"{fy - 1}-10-01", periods=12, freq="MS")
        obs = f.y.reindex(months).dropna()
        fcm = fc.index.intersection(months)
        if len(obs) + len(fcm) < 12:
            continue
        t = f.forecast_total(fiscal_year=fy, **opts)
        rows.append(
            {
                "fiscal_year": fy,
                "observed_months": len(obs),
                "observed": float(obs.sum()),
                "forecast_months": len(fcm),
                "total": float(t["median"]),
                "lo80": float(t["lo80"]),
                "hi80": float(t["hi80"]),
                "lo95": float(t["lo95"]),
                "hi95": float(t["hi95"]),
            }
        )
    return nxt, rows


def model_totals(
    names: list[str], forecasters: dict[str, Any], h: int, seed: int
) -> dict[str, float]:
    """Each model's median total of the next ``h`` months, computed as :func:`path_totals` does.

    Shows how much the report's headline total depends on the model; a model
    that cannot fit or simulate now is left out (NaN).
    """
    out: dict[str, float] = {}
    for name in names:
        try:
            t = forecasters[name].forecast_total(
                h, level=LEVEL_PAIR, n_paths=TOTAL_PATHS, seed=seed
            )
            out[name] = float(t["median"])
        except Exception:  # noqa: BLE001 - one model's failure must not stop the report
            out[name] = float("nan")
    return out


def spread_sentence(
    totals: dict[str, float], chosen: str, h: int, implausible: list[str] | tuple[str, ...] = ()
) -> str:
    """One sentence: the range of the plausible models' totals and where the chosen one sits.

    >>> s = spread_sentence({"a": 100.0, "b": 120.0, "c": 900.0}, "a", 12, ["c"])
    >>> s.split(": ", 1)[1].split(";")[0]
    'over the next 12 months the 2 plausible models expect from 100 (a) to 120 (b)'
    >>> s.endswith("(left out of the range: c, whose next-month forecast is implausible).")
    True
    """
    ok = {k: v for k, v in totals.items() if v == v and (k not in implausible or k == chosen)}
    if len(ok) < 2 or chosen not in ok:
        return ""
    lo, hi = min(ok, key=ok.__getitem__), max(ok, key=ok.__getitem__)
    out = (
        f"How much the total depends on the model: over the next {h} months the {len(ok)} "
        f"plausible models expect from {ok[lo]:,.0f} ({lo}) to {ok[hi]:,.0f} ({hi}); "
        f"{chosen}, the model used, expects {ok[chosen]:,.0f}"
    )
    left = [m for m in implausible if m != chosen and m in totals]
    if left:
        out += (
            f" (left out of the range: {', '.join(left)}, whose next-month forecast is implausible)"
        )
    return out + "."
