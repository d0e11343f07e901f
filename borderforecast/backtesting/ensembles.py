"""Ensembles in a backtest, computed from their members' forecasts.

When an ``ensemble`` spec's members are all in the run, fitting the
ensemble at an origin would refit every member a second time. Instead its
forecast is combined from the members' forecasts at that origin with
:func:`borderforecast.models.ensemble.combine`, the same function the
ensemble model uses, so the numbers are those of fitting the ensemble spec
(``tests/test_backtest_calibration.py`` checks it). Combinations are cached
by content, so a rerun only combines the new origins.

With ``learned_ensemble=True`` the run also gets ``learned_ensemble``: every
non-ensemble model of the run, weighted by 1 / MASE over its recently
resolved backtest errors (see :func:`learned_ensemble`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ..cache import code_fingerprint, make_key
from ..intervals import interval_columns, level_label, tidy
from ..models.fitted import Transform, future_index
from ..models.registry import ModelSpec
from .frames import LEARNED, assemble
from .metrics import mase
from .options import BacktestOptions
from .plan import Plan
from .units import UnitCache, UnitResult

COMBINE_CODE = ("borderforecast.models._combine", "borderforecast.backtesting.ensembles")
"""Modules whose source is part of a combination's cache key."""


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
    model: Any,
    arrays: dict[str, np.ndarray],
    *,
    origin: pd.Timestamp,
    levels: Sequence[float],
    cache: UnitCache | None,
) -> np.ndarray:
    weights = dict(zip(arrays, model.member_weights(list(arrays)), strict=True))
    transform = Transform("log" if model.log else "none", model.offset)
    return _combine(
        arrays, origin, model.method, weights, model.intervals, transform, levels, cache
    )


def _combine(
    arrays: dict[str, np.ndarray],
    origin: pd.Timestamp,
    method: str,
    weights: dict[str, float] | None,
    intervals: str,
    t: Transform,
    levels: Sequence[float],
    cache: UnitCache | None = None,
) -> np.ndarray:
    """Combine member frames like the ensemble model does; content-addressed cache."""
    key = None
    if cache is not None:
        key = make_key(
            "backtest-combine",
            method=method,
            intervals=intervals,
            transform=[t.kind, t.offset],
            levels=list(levels),
            weights=sorted((weights or {}).items()),
            members=list(arrays),
            origin=f"{origin:%Y-%m}",
            values=np.stack([np.asarray(a, dtype=float) for a in arrays.values()]),
            code=code_fingerprint(*COMBINE_CODE),  # the combining code itself
        )
        hit = cache.get(key, next(iter(arrays.values())).shape)
        if hit is not None:
            return hit[0]
    from ..models.ensemble import combine

    cols = interval_columns(levels)
    idx = future_index(origin, len(next(iter(arrays.values()))))
    frames = {m: pd.DataFrame(a, index=idx, columns=cols) for m, a in arrays.items()}
    fc = combine(frames, method=method, weights=weights, intervals=intervals)
    # the ensemble model passes the combination through its transform and the
    # forecast's clipping and nesting (FittedModel.forecast): do the same

    def trip(col: str) -> np.ndarray:
        return np.asarray(t.inverse(np.asarray(t.forward(fc[col].to_numpy(dtype=float)))))

    out = tidy(
        trip("median"),
        {lv: trip(f"lo{level_label(lv)}") for lv in levels},
        {lv: trip(f"hi{level_label(lv)}") for lv in levels},
        levels,
        fc.index,
    )
    values = out[cols].to_numpy(dtype=float)
    if key is not None and cache is not None and np.isfinite(values).all():
        cache.put(key, values)
    return values


def _members(
    by_key: dict[Any, UnitResult], sid: str, names: Sequence[str], origin: Any, converged: bool
) -> dict[str, np.ndarray]:
    """The members' forecasts at one origin (failed ones left out; with ``converged``, also
    those that warned they did not converge)."""
    out = {}
    for m in names:
        r = by_key.get((sid, m, origin))
        if r is not None and r.ok and r.values is not None and (r.converged or not converged):
            out[m] = r.values
    return out


def _unit(
    sid: str, name: str, origin: pd.Timestamp, frames: dict[str, np.ndarray], combine: Any
) -> UnitResult:
    """One combined cell: ``combine(frames)``, failed when no member is left or on error."""
    if not frames:
        return UnitResult(sid, name, origin, None, "ModelError: every member failed",
                          source="combined")  # fmt: skip
    try:
        values = combine(frames)
        err = None if np.isfinite(values).all() else "non-finite combined forecast"
    except Exception as exc:  # noqa: BLE001 - failure isolation
        values, err = None, f"{type(exc).__name__}: {exc}"
    return UnitResult(sid, name, origin, values if err is None else None, err, source="combined")


def combine_members(
    results: list[UnitResult],
    combined: dict[str, Any],
    plan: Plan,
    options: BacktestOptions,
    cache: UnitCache | None = None,
) -> list[UnitResult]:
    """Unit results of the combinable ensembles, one per series and origin.

    Members that failed at an origin (or, with the ensemble's
    ``drop_unconverged``, warned that they did not converge) are left out,
    as the ensemble model itself does; if none is left the cell fails.
    """
    if not combined:
        return []
    by_key = {(r.series, r.model, r.origin): r for r in results}
    out = []
    for sid in plan.series:
        for origin in plan.warmup[sid] + plan.origins[sid]:
            for name, model in combined.items():
                drop = getattr(model, "drop_unconverged", True)
                frames = _members(by_key, sid, model.members, origin, drop)
                fn = partial(_combine_one, model, origin=origin, levels=options.levels, cache=cache)
                out.append(_unit(sid, name, origin, frames, fn))
    return out


def inverse_mase_weights(
    errors: dict[str, tuple[np.ndarray, np.ndarray]],
    upto: Any,
    window: int,
    min_errors: int,
) -> dict[str, float] | None:
    """Weights proportional to 1 / MASE over the errors resolved by ``upto``.

    ``errors`` maps member -> (target months, scaled absolute errors). Only
    targets in the ``window`` months up to ``upto`` count. Returns None
    (equal weights) if a member has fewer than ``min_errors`` of them.
    """
    start = np.datetime64(pd.Timestamp(upto) - pd.DateOffset(months=window))
    end = np.datetime64(pd.Timestamp(upto))
    out = {}
    for m, (targets, err) in errors.items():
        sel = (targets > start) & (targets <= end) & np.isfinite(err)
        if sel.sum() < min_errors:
            return None
        out[m] = 1.0 / max(float(err[sel].mean()), 1e-9)
    total = sum(out.values())
    return {m: w / total for m, w in out.items()}


def learned_ensemble(
    results: list[UnitResult],
    plan: Plan,
    options: BacktestOptions,
    cache: UnitCache | None = None,
) -> tuple[list[UnitResult], dict[str, dict[str, float]]]:
    """A weighted ensemble of every non-ensemble model of the run, weights learned online.

    At origin *T* each member's weight is proportional to 1 / its MASE over
    the forecasts resolved by *T* (target month <= *T*) in the last
    ``learn_window`` months (no look-ahead; equal weights until every member
    has ``12`` resolved errors). Point forecasts are the weighted mean on the
    log scale and intervals the weighted mixture
    (:func:`borderforecast.models.ensemble.combine` with ``method="weighted"``).

    Returns the unit results and, per series, the weights after the last
    month of data, for a live forecast: ``make_model("ensemble",
    members=list(w), method="weighted", weights=w)``.
    """
    members = [s.name for s in plan.specs if s.family != "ensemble"]
    if len(members) < 2:
        return [], {}
    by_key = {(r.series, r.model, r.origin): r for r in results}
    long = assemble(results, plan)  # target months and MASE-scaled errors of every forecast
    long = long.assign(ae=mase(long), target=long["target_month"].to_numpy("datetime64[ns]"))
    out: list[UnitResult] = []
    final: dict[str, dict[str, float]] = {}
    for sid, y in plan.series.items():
        origins = plan.warmup[sid] + plan.origins[sid]
        g = long[long["series"] == sid]
        errors = {m: (g.loc[g["model"] == m, "target"].to_numpy(),
                      g.loc[g["model"] == m, "ae"].to_numpy()) for m in members}  # fmt: skip
        for o in origins:
            frames = _members(by_key, sid, members, o, False)
            w = inverse_mase_weights({m: errors[m] for m in frames}, o, options.learn_window, 12)
            fn = partial(_combine, origin=o, method="weighted",
                         weights=w or dict.fromkeys(frames, 1.0), intervals="mixture",
                         t=Transform("log", 1.0), levels=options.levels, cache=cache)  # fmt: skip
            out.append(_unit(sid, LEARNED, o, frames, fn))
        live = inverse_mase_weights(errors, y.index[-1], options.learn_window, 12)
        final[sid] = live or dict.fromkeys(members, 1.0 / len(members))
    return out, final
