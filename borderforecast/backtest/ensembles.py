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

from ..models.base import future_index, interval_columns
from ..models.registry import ModelSpec
from .units import UnitResult

if TYPE_CHECKING:  # pragma: no cover
    from .options import BacktestOptions
    from .run import Plan


def combinable(specs: Sequence[ModelSpec]) -> dict[str, dict[str, Any]]:
    """Ensemble specs of the run whose members are all in the run: name -> combine settings."""
    names = {s.name for s in specs}
    out: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if spec.family != "ensemble":
            continue
        try:
            from ..models import ensemble
        except ImportError:
            return {}
        if not callable(getattr(ensemble, "combine", None)):
            return {}
        model = spec.build()
        members = [str(m) for m in (getattr(model, "members", None) or [])]
        conf = {
            "members": members,
            "method": getattr(model, "method", "median"),
            "weights": getattr(model, "weights", None),
        }
        if members and set(members) <= names - {spec.name}:
            out[spec.name] = conf
    return out


def combine_members(
    results: list[UnitResult],
    combined: dict[str, dict[str, Any]],
    plan: Plan,
    options: BacktestOptions,
) -> list[UnitResult]:
    """Unit results of the combinable ensembles, one per series and origin."""
    if not combined:
        return []
    from ..models.ensemble import combine

    cols = interval_columns(options.levels)
    by_key = {(r.series, r.model, r.origin): r for r in results}
    out = []
    for sid in plan.series:
        for origin in plan.warmup[sid] + plan.origins[sid]:
            idx = future_index(origin, options.h)
            for name, conf in combined.items():
                frames, failed = [], []
                for m in conf["members"]:
                    r = by_key.get((sid, m, origin))
                    if r is None or not r.ok or r.values is None:
                        failed.append(m)
                    else:
                        frames.append(pd.DataFrame(r.values, index=idx, columns=cols))
                if failed:
                    out.append(
                        UnitResult(
                            sid,
                            name,
                            origin,
                            None,
                            f"member(s) {', '.join(failed)} failed at this origin",
                            source="combined",
                        )
                    )
                    continue
                try:
                    fc = combine(frames, conf.get("method", "median"), conf.get("weights"))
                    values = fc[cols].to_numpy(dtype=float)
                    err = None if np.isfinite(values).all() else "non-finite combined forecast"
                except Exception as exc:  # noqa: BLE001 - failure isolation
                    values, err = None, f"{type(exc).__name__}: {exc}"
                out.append(
                    UnitResult(
                        sid, name, origin, values if err is None else None, err, source="combined"
                    )
                )
    return out
