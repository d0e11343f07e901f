"""One set of seeded sample paths behind every number of the report's outlook.

Each month's paths are mapped, rank for rank, onto the table's own quantiles (the paths' 2.5%,
10%, 50%, 90% and 97.5% points are the table's numbers; the model's dependence between months
is kept), so the table's ``mean`` is the paths' mean and any window's expected total is the
sum of its means; a year's total is its observed months plus the same paths over the rest.
The model draws month by month, so a month's paths do not depend on the horizon.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..forecaster import matched_paths

LEVEL_PAIR = (80, 95)
TOTAL_PATHS = 2001
"""Sample paths behind every number of the outlook (``n - 1`` divisible by 40, so the
2.5%, 10%, 50%, 90% and 97.5% quantiles fall exactly on a path)."""


def raw_paths(fitted: Any, h: int, seed: int, n: int = TOTAL_PATHS) -> np.ndarray:
    """The model's own seeded paths; a model that cannot simulate gets fully dependent months
    (every month at the same rank: the widest, most cautious totals)."""
    try:
        return np.asarray(fitted.simulate(h, n_paths=n, seed=seed))
    except ModelError as exc:
        if "cannot simulate" not in str(exc):
            raise
        return np.tile(np.arange(n, dtype=float)[:, None], (1, h))


def outlook_paths(fitted: Any, frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The table (``median`` = the point forecast, ``mean`` = the paths' mean, the intervals)
    and the paths behind it."""
    paths = matched_paths(raw_paths(fitted, len(frame), seed), frame, fitted.cap)
    table = frame.copy()
    table.insert(0, "mean", paths.mean(axis=0))
    table.attrs.update(frame.attrs)
    return table, paths


def window_total(paths: np.ndarray, observed: float = 0.0) -> dict[str, float]:
    """The expected total (mean of the path sums), median and intervals of ``observed`` plus
    the paths summed over their months."""
    sums = observed + paths.sum(axis=1)
    out = {"mean": float(sums.mean()), "median": float(np.median(sums))}
    for lv in LEVEL_PAIR:
        a = (100.0 - lv) / 200.0
        out[f"lo{lv}"] = float(np.quantile(sums, a))
        out[f"hi{lv}"] = float(np.quantile(sums, 1.0 - a))
    return out


def year_of(m: pd.Timestamp, fiscal: bool = True) -> int:
    """The fiscal year (ends in September, named by its end) or calendar year of ``m``."""
    return m.year + int(fiscal and m.month >= 10)


def year_totals(
    y: pd.Series, table: pd.DataFrame, paths: np.ndarray, fiscal: bool = True
) -> list[dict[str, Any]]:
    """The (fiscal or calendar) years the observed and forecast months complete: observed plus
    the paths over the year's forecast months."""
    rows = []
    for yr in sorted({year_of(m, fiscal) for m in table.index}):
        start = f"{yr - 1}-10-01" if fiscal else f"{yr}-01-01"
        months = pd.date_range(start, periods=12, freq="MS")
        obs = y.reindex(months).dropna()
        cols = np.flatnonzero(table.index.isin(months))
        if len(obs) + len(cols) < 12:
            continue
        t = window_total(paths[:, cols], float(obs.sum()))
        rows.append(
            {
                "fiscal_year": yr,
                "year": f"FY{yr}" if fiscal else str(yr),
                "observed_months": len(obs),
                "observed": float(obs.sum()),
                "forecast_months": len(cols),
                "total": t["mean"],
                **{k: t[k] for k in ("median", "lo80", "hi80", "lo95", "hi95")},
            }
        )
    return rows


def model_totals(names: list[str], seed: int, table_of: Any) -> dict[str, float]:
    """Each model's expected total of the months of its table, computed as the report's own.

    ``table_of(name)`` gives the model's fitted result and forecast frame; a
    model that cannot fit or forecast now is left out (NaN).
    """
    out: dict[str, float] = {}
    for name in names:
        try:
            fitted, frame = table_of(name)
            table, _ = outlook_paths(fitted, frame, seed)
            out[name] = float(table["mean"].sum())
        except Exception:  # noqa: BLE001 - one model's failure must not stop the report
            out[name] = float("nan")
    return out


def spread_sentence(
    totals: dict[str, float], chosen: str, h: int, refused: list[str] | tuple[str, ...] = ()
) -> str:
    """One sentence: the range of the totals of the models the rule accepts, and the chosen one.

    >>> s = spread_sentence({"a": 100.0, "b": 120.0, "c": 900.0}, "a", 12, ["c"])
    >>> s.split(": ", 1)[1].split(";")[0]
    'over the next 12 months the 2 models the rule accepts expect from 100 (a) to 120 (b)'
    >>> s.endswith("(left out: c, refused by the rule).")
    True
    """
    ok = {k: v for k, v in totals.items() if v == v and (k not in refused or k == chosen)}
    if len(ok) < 2 or chosen not in ok:
        return ""
    lo, hi = min(ok, key=ok.__getitem__), max(ok, key=ok.__getitem__)
    out = (
        f"How much the total depends on the model: over the next {h} months the {len(ok)} "
        f"models the rule accepts expect from {ok[lo]:,.0f} ({lo}) to {ok[hi]:,.0f} ({hi}); "
        f"{chosen}, the model used, expects {ok[chosen]:,.0f}"
    )
    left = [m for m in refused if m != chosen and m in totals]
    if left:
        out += f" (left out: {', '.join(left)}, refused by the rule)"
    return out + "."
