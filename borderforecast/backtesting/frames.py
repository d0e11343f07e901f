"""Assemble unit results into the long forecast frame, and the run's info record."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..models.base import interval_columns
from .metrics import seasonal_scales
from .plan import Plan
from .result import forecast_columns
from .units import UnitResult

LEARNED = "learned_ensemble"
"""Name of the ensemble whose weights are learned from the members' past backtest errors."""


def assemble(results: list[UnitResult], p: Plan) -> pd.DataFrame:
    """The long frame of every successful unit (vectorised: one row per unit x horizon)."""
    opts = p.options
    h = opts.h
    cols = interval_columns(opts.levels)
    extra = ["scale_abs", "scale_sq", "scored"]
    order = {s.name: i for i, s in enumerate(p.specs)}
    order[LEARNED] = len(order)
    ok = sorted(
        (r for r in results if r.ok), key=lambda r: (r.series, order.get(r.model, 99), r.origin)
    )
    if not ok:
        return pd.DataFrame(columns=forecast_columns(opts.levels) + extra)
    parts = []
    for sid, y in p.series.items():
        rs = [r for r in ok if r.series == sid]
        if not rs:
            continue
        yv = y.to_numpy(dtype=float)
        scale_abs, scale_sq = seasonal_scales(yv)
        pos = y.index.get_indexer(pd.DatetimeIndex([r.origin for r in rs]))
        steps = np.arange(1, h + 1)
        tpos = (pos[:, None] + steps[None, :]).ravel()
        inside = tpos < len(yv)
        actual = np.full(tpos.shape, np.nan)
        actual[inside] = yv[tpos[inside]]
        origin = np.repeat(y.index[pos].to_numpy(), h)
        scored = set(p.origins[sid])
        target = (pd.DatetimeIndex(origin).to_period("M") + np.tile(steps, len(rs))).to_timestamp()
        frame = pd.DataFrame({"origin": origin, "target_month": target,
                              "horizon": np.tile(steps, len(rs)),
                              "model": np.repeat([r.model for r in rs], h),
                              "series": sid, "actual": actual})  # fmt: skip
        values = np.vstack([np.asarray(r.values, dtype=float) for r in rs])
        for j, c in enumerate(cols):
            frame[c] = values[:, j]
        frame["scale_abs"] = np.repeat(scale_abs[pos], h)
        frame["scale_sq"] = np.repeat(scale_sq[pos], h)
        frame["scored"] = np.repeat([r.origin in scored for r in rs], h)
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out["origin"] = pd.to_datetime(out["origin"])
    out["target_month"] = pd.to_datetime(out["target_month"])
    return out


def run_info(
    p: Plan, results: list[UnitResult], n_fit: int, fit_wall: float, wall: float
) -> dict[str, Any]:
    from ..version import __version__

    per_model: dict[str, dict[str, Any]] = {}
    for r in results:
        d = per_model.setdefault(
            r.model,
            {"fits": 0, "fit_seconds": 0.0, "cpu_seconds": 0.0, "failed": 0, "warnings": {}},
        )
        if r.source == "fit":
            d["fits"] += 1
            d["fit_seconds"] += r.seconds
            d["cpu_seconds"] += r.cpu_seconds
        if not r.ok:
            d["failed"] += 1
        for w in r.warnings:
            d["warnings"][w] = d["warnings"].get(w, 0) + 1
    for d in per_model.values():
        d["seconds_per_fit"] = round(d["fit_seconds"] / d["fits"], 4) if d["fits"] else None
        d["cpu_seconds_per_fit"] = round(d["cpu_seconds"] / d["fits"], 4) if d["fits"] else None
        d["fit_seconds"] = round(d["fit_seconds"], 3)
        d["cpu_seconds"] = round(d["cpu_seconds"], 3)
        d["warnings"] = dict(sorted(d["warnings"].items(), key=lambda kv: -kv[1])[:5])
    releases = {sid: y.attrs.get("release") for sid, y in p.series.items()}
    return {
        "package_version": __version__,
        "data_release": next(iter(set(releases.values())))
        if len(set(releases.values())) == 1
        else releases,
        "series": {
            sid: {
                "first": f"{y.index[0]:%Y-%m}",
                "last": f"{y.index[-1]:%Y-%m}",
                "origins": len(p.origins[sid]),
                "first_origin": f"{p.origins[sid][0]:%Y-%m}",
                "last_origin": f"{p.origins[sid][-1]:%Y-%m}",
                "warmup_origins": len(p.warmup[sid]),
            }
            for sid, y in p.series.items()
        },
        "models": [s.name for s in p.specs],
        "units": len(results),
        "fits": n_fit,
        "cached": sum(1 for r in results if r.source == "cache"),
        "combined": sum(1 for r in results if r.source == "combined"),
        "failed": sum(1 for r in results if not r.ok),
        "timings": {
            "wall_seconds": round(wall, 3),
            "fit_wall_seconds": round(fit_wall, 3),
            "per_model": per_model,
        },
    }
