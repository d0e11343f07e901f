"""Ensembles in a backtest, computed from their members' forecasts.

When an ``ensemble`` spec's members are all in the run, fitting the
ensemble at an origin would refit every member a second time. Instead its
forecast is combined from the members' forecasts at that origin with
:func:`borderforecast.models.ensemble.combine`, the same function the
ensemble model uses, so the numbers are those of fitting the ensemble spec
(``tests/test_backtest_ensemble.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..models.base import Transform, future_index, interval_columns, level_label
from ..models.registry import ModelSpec
from .units import UnitResult

if TYPE_CHECKING:  # pragma: no cover
    from .options import BacktestOptions
    from .run import Plan


def combinable(specs: Sequence[ModelSpec], seed: int = 0) -> dict[str, Any]:
    """Ensemble specs of the run whose members are all in the run: name -> built ensemble model."""
    names = {s.name for s in specs}
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.family != "ensemble" or spec.class_path:
            continue
        model = spec.build(seed=seed)
        members = [str(m) for m in (getattr(model, "members", None) or [])]
        if members and set(members) <= names - {spec.name}:
            out[spec.name] = model
    return out


def _combine_one(
    model: Any, frames: dict[str, pd.DataFrame], levels: Sequence[float]
) -> np.ndarray:
    from ..models.ensemble import combine

    weights = dict(zip(frames, model._member_weights(list(frames)), strict=True))
    fc = combine(frames, method=model.method, weights=weights, intervals=model.intervals)
    # the ensemble model passes the combination through its transform and the
    # forecast's clipping and nesting (FittedModel.forecast): do the same
    t = Transform("log" if model.log else "none", model.offset)

    def trip(col: str) -> np.ndarray:
        return np.asarray(t.inverse(np.asarray(t.forward(fc[col].to_numpy(dtype=float)))))

    out = pd.DataFrame({"mean": trip("mean")}, index=fc.index)
    for lv in levels:
        lab = level_label(lv)
        out[f"lo{lab}"] = np.minimum(trip(f"lo{lab}"), out["mean"])
        out[f"hi{lab}"] = np.maximum(trip(f"hi{lab}"), out["mean"])
    for narrow, wide in zip(levels, levels[1:], strict=False):
        ln, lw = f"lo{level_label(narrow)}", f"lo{level_label(wide)}"
        hn, hw = f"hi{level_label(narrow)}", f"hi{level_label(wide)}"
        out[lw] = np.minimum(out[lw], out[ln])
        out[hw] = np.maximum(out[hw], out[hn])
    return out[interval_columns(levels)].to_numpy(dtype=float)


def combine_members(
    results: list[UnitResult],
    combined: dict[str, Any],
    plan: Plan,
    options: BacktestOptions,
) -> list[UnitResult]:
    """Unit results of the combinable ensembles, one per series and origin.

    Members that failed at an origin (or, with the ensemble's
    ``drop_unconverged``, warned that they did not converge) are left out,
    as the ensemble model itself does; if none is left the cell fails.
    """
    if not combined:
        return []
    cols = interval_columns(options.levels)
    by_key = {(r.series, r.model, r.origin): r for r in results}
    out = []
    for sid in plan.series:
        for origin in plan.warmup[sid] + plan.origins[sid]:
            idx = future_index(origin, options.h)
            for name, model in combined.items():
                frames = {}
                for m in model.members:
                    r = by_key.get((sid, m, origin))
                    if r is None or not r.ok or r.values is None:
                        continue
                    if not r.converged and getattr(model, "drop_unconverged", True):
                        continue
                    frames[m] = pd.DataFrame(r.values, index=idx, columns=cols)
                if not frames:
                    out.append(
                        UnitResult(
                            sid,
                            name,
                            origin,
                            None,
                            "ModelError: every member failed",
                            source="combined",
                        )
                    )
                    continue
                try:
                    values = _combine_one(model, frames, options.levels)
                    err = None if np.isfinite(values).all() else "non-finite combined forecast"
                except Exception as exc:  # noqa: BLE001 - failure isolation
                    values, err = None, f"{type(exc).__name__}: {exc}"
                out.append(
                    UnitResult(
                        sid, name, origin, values if err is None else None, err, source="combined"
                    )
                )
    return out
