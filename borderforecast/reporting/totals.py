"""The report's totals (next 12 months, fiscal-year projections), from sample paths."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..fiscal import fiscal_year

LEVEL_PAIR = (80, 95)
TOTAL_PATHS = 2000
"""Sample paths behind every total of the report (next 12 months, fiscal-year projections)."""


def path_totals(
    fitted: Any, result: Any, series: str, fc: pd.DataFrame, seed: int
) -> tuple[pd.Series, list[dict[str, Any]]]:
    """The next ``len(fc)`` months' total and the fiscal-year projections, from sample paths.

    Each total is the median and the 80% / 95% quantiles of the sums of
    :data:`TOTAL_PATHS` seeded sample paths (calibrated on the report's backtest
    when the model is in it), so the months' dependence is kept; a fiscal year is
    projected only when its observed months and the forecast months cover it.
    """
    from ..calibrated import with_calibration

    model = fitted
    if result is not None and fitted.name in set(result.models):
        model = with_calibration(fitted, result, series=series)
    kind = "calibrated" if model is not fitted else "raw"
    opts = {"level": LEVEL_PAIR, "n_paths": TOTAL_PATHS, "seed": seed, "intervals": kind}
    nxt = model.total(len(fc), **opts)
    rows = []
    for fy in sorted({int(fiscal_year(m)) for m in fc.index}):
        months = pd.date_range(f"{fy - 1}-10-01", periods=12, freq="MS")
        obs = fitted.y.reindex(months).dropna()
        fcm = fc.index.intersection(months)
        if len(obs) + len(fcm) < 12:
            continue
        t = model.total(fiscal_year=fy, **opts)
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
