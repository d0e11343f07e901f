"""Ensembles in a backtest, combined from their members' forecasts at each origin.

An ``ensemble`` spec whose members are all in the run is not refitted: its forecast is
:func:`~borderforecast.models.ensemble.combine` of the members' forecasts, the numbers of
fitting it (``tests/test_backtest_calibration.py``), cached by content. ``learned_ensemble``
weights every non-ensemble model of the run by 1 / its recent MASE (:func:`learned_ensemble`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ..cache import code_fingerprint, make_key
from ..intervals import interval_columns
from ..models.fitted import future_index
from ..models.registry import ModelSpec
from .frames import LEARNED, assemble
from .metrics import mase
from .options import BacktestOptions
from .plan import Plan
from .units import UnitCache, UnitResult

Recipe = tuple[str, Sequence[str], Callable[..., Any], str, str, bool]
"""An ensemble in a run: name, members, ``weigh(series, origin, member forecasts)`` -> weights
(None: equal), method, intervals, whether to leave out members that did not converge."""


def combinable(specs: Sequence[ModelSpec], seed: int = 0) -> dict[str, Recipe]:
    """Ensemble specs of the run whose members are all in the run: name -> recipe."""
    names = {s.name for s in specs}
    out: dict[str, Recipe] = {}
    for spec in specs:
        if spec.family != "ensemble" or spec.class_path:
            continue
        m: Any = spec.build(seed=seed)
        if set(m.members) <= names - {spec.name}:
            w = partial(_restrict, m.weights)
            out[spec.name] = (spec.name, m.members, w, m.method, m.intervals, m.drop_unconverged)
    return out


def _restrict(table: Mapping[str, float] | None, sid: str, o: Any, frames: dict) -> Any:
    """The weights of the members left (None: equal)."""
    return None if table is None else {m: table.get(m, 0.0) for m in frames}


def _combine(
    arrays: dict[str, np.ndarray],
    origin: pd.Timestamp,
    levels: Sequence[float],
    cache: UnitCache | None,
    method: str,
    weights: Mapping[str, float] | None,
    intervals: str,
) -> np.ndarray:
    """The members' forecasts combined as the ensemble model does; content-addressed cache."""
    first = next(iter(arrays.values()))
    key = None
    if cache is not None:
        key = make_key(
            "backtest-combine",
            method=method,
            intervals=intervals,
            levels=list(levels),
            weights=sorted((weights or {}).items()),
            members=list(arrays),
            origin=f"{origin:%Y-%m}",
            values=np.stack([np.asarray(a, dtype=float) for a in arrays.values()]),
            code=code_fingerprint(__name__),  # the combining code itself
        )
        hit = cache.get(key, first.shape)
        if hit is not None:
            return hit[0]
    from ..models.ensemble import combine

    cols = interval_columns(levels)
    idx = future_index(origin, len(first))
    frames = {m: pd.DataFrame(a, index=idx, columns=cols) for m, a in arrays.items()}
    values = combine(frames, method, weights, intervals)[cols].to_numpy(dtype=float)
    if key is not None and cache is not None and np.isfinite(values).all():
        cache.put(key, values)
    return values


def _members(
    by_key: dict[Any, UnitResult], sid: str, names: Sequence[str], origin: Any, converged: bool
) -> dict[str, np.ndarray]:
    """The members' forecasts at one origin: failed ones left out, and with ``converged``
    those that warned they did not converge (as the ensemble model does)."""
    out = {}
    for m in names:
        r = by_key.get((sid, m, origin))
        if r is not None and r.ok and r.values is not None and (r.converged or not converged):
            out[m] = r.values
    return out


def _unit(
    sid: str, name: str, origin: Any, frames: dict, combine: Callable[[], np.ndarray]
) -> UnitResult:
    """One combined cell: ``combine()``, failed when no member is left or on error."""
    if not frames:
        return UnitResult(sid, name, origin, None, "ModelError: every member failed",
                          source="combined")  # fmt: skip
    try:
        values = combine()
        err = None if np.isfinite(values).all() else "non-finite combined forecast"
    except Exception as exc:  # noqa: BLE001 - failure isolation
        values, err = None, f"{type(exc).__name__}: {exc}"
    return UnitResult(sid, name, origin, values if err is None else None, err, source="combined")


def combine_members(
    results: list[UnitResult], plan: Plan, cache: UnitCache | None, recipes: Sequence[Recipe]
) -> list[UnitResult]:
    """One combined unit per series, origin and recipe (:func:`combinable`'s, or the learned)."""
    by_key = {(r.series, r.model, r.origin): r for r in results}
    levels = plan.options.levels
    out = []
    for sid in plan.series:
        for o in plan.warmup[sid] + plan.origins[sid]:
            for name, members, weigh, method, intervals, converged in recipes:
                frames = _members(by_key, sid, members, o, converged)
                w = weigh(sid, o, frames) if frames else None
                job = partial(_combine, frames, o, levels, cache, method, w, intervals)
                out.append(_unit(sid, name, o, frames, job))
    return out



def learned_ensemble(
    results: list[UnitResult],
    plan: Plan,
    options: BacktestOptions,
    cache: UnitCache | None = None,
) -> tuple[list[UnitResult], dict[str, dict[str, float]]]:
    """A weighted ensemble of every non-ensemble model of the run, weights learned online.

    At origin *T* a member weighs 1 / its MASE over the forecasts resolved by *T* in the last
    ``learn_window`` months (equal weights until every member has 12). Returns the unit
    results and, per series, the weights after the last month of data (for a live forecast).
    """
    members = [s.name for s in plan.specs if s.family != "ensemble"]
    if len(members) < 2:
        return [], {}
    long = assemble(results, plan)  # target months and MASE-scaled errors of every forecast
    long = long.assign(ae=mase(long), target=long["target_month"].to_numpy("datetime64[ns]"))
    long = long[np.isfinite(long["ae"])]
    errors = {
        key: (g["target"].to_numpy(), g["ae"].to_numpy())
        for key, g in long.groupby(["series", "model"], sort=False)
    }
    empty = (np.array([], dtype="datetime64[ns]"), np.array([]))
    window = pd.DateOffset(months=options.learn_window)

    def weigh(sid: str, upto: Any, names: Sequence[str]) -> dict[str, float]:
        start = np.datetime64(pd.Timestamp(upto) - window)
        end = np.datetime64(pd.Timestamp(upto))
        inv = []
        for m in names:
            targets, ae = errors.get((sid, m), empty)
            sel = (targets > start) & (targets <= end)
            if sel.sum() < 12:
                return dict.fromkeys(names, 1.0 / len(names))
            inv.append(1.0 / max(float(ae[sel].mean()), 1e-9))
        total = sum(inv)
        return {m: w / total for m, w in zip(names, inv, strict=True)}

    recipe = (LEARNED, members, weigh, "weighted", "mixture", False)
    out = combine_members(results, plan, cache, [recipe])
    return out, {sid: weigh(sid, y.index[-1], members) for sid, y in plan.series.items()}
