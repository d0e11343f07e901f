"""The unit of work of a backtest: fit one model on ``y[:origin]``, forecast ``h`` months.

A unit is a pure function of (series, origin, model spec, seed), shipped in small batches
(:class:`Task`: one series and model, a few origins); an exception becomes that cell's error
record. A model whose module has ``selected_orders``/``warm_start`` (SARIMA) may reselect its
structure only at anchor origins (:func:`anchor_of`) and reuse it up to the next. Units live
in the package cache under a key of everything their forecast depends on (:func:`unit_keys`:
series, training data, spec, origin, horizon, levels, seed, reselection, code); only
successful units are stored.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .. import cache as _cache
from ..errors import ConvergenceWarning
from ..intervals import interval_columns
from ..models.base import BaseModel
from ..models.registry import ModelSpec


def spec_to_dict(spec: ModelSpec) -> dict[str, Any]:
    """A picklable, JSON-able description of a spec (what a worker needs to rebuild it)."""
    return {
        "name": spec.name,
        "family": spec.family,
        "description": spec.description,
        "params": _plain(dict(spec.params)),
        "class_path": spec.class_path,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, (dict, MappingProxyType)):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def spec_from_dict(d: dict[str, Any]) -> ModelSpec:
    return ModelSpec(name=d["name"], family=d["family"], description=d.get("description", ""),
                     params=MappingProxyType(dict(d.get("params", {}))),
                     class_path=d.get("class_path"))  # fmt: skip


@dataclass(frozen=True)
class Task:
    """A batch of units: one series, one model spec, several origins."""

    series: str
    y: pd.Series
    spec: dict[str, Any]
    origins: tuple[pd.Timestamp, ...]
    h: int
    levels: tuple[float, ...]
    seed: int
    reselect_every: int | None = None
    warm_start: bool = True
    parts: Mapping[str, pd.Series] | None = None
    """The series' parts, for a bottom-up model (``uses_parts``); cut at each origin."""


@dataclass(frozen=True)
class UnitResult:
    """The outcome of one unit: forecasts (``h`` x columns) or an error."""

    series: str
    model: str
    origin: pd.Timestamp
    values: np.ndarray | None
    error: str | None = None
    seconds: float = 0.0
    warnings: tuple[str, ...] = field(default=())
    converged: bool = True
    cpu_seconds: float = 0.0
    """False if the fit raised a :class:`~borderforecast.errors.ConvergenceWarning`."""
    source: str = "fit"
    """``"fit"`` (fitted now), ``"cache"`` (read from the cache) or ``"combined"`` (an ensemble
    computed from its members' forecasts)."""

    @property
    def ok(self) -> bool:
        return self.error is None


RESELECT_EVERY: Mapping[str, int] = MappingProxyType({"auto_sarima": 12})
"""Default months between structure reselections, per model (``BacktestOptions``)."""


def anchor_of(origin: pd.Timestamp, every: int) -> pd.Timestamp:
    """The latest month ``<= origin`` whose index ``12 * year + month - 1`` divides by ``every``."""
    idx = origin.year * 12 + origin.month - 1
    a = idx - idx % every
    return pd.Timestamp(year=a // 12, month=a % 12 + 1, day=1)


# Overrides chosen at anchors, memoised per process (pure: keyed by the inputs).
_FROZEN: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_FROZEN_MAX = 64


def reuse_hook(model: BaseModel, warm: bool) -> Callable[[Any], dict[str, Any]] | None:
    """The function turning an anchor fit into constructor overrides, if the model has one.

    Looked up in the model's module: ``warm_start(fitted)`` (orders and starting
    parameters; used when ``warm`` is true), else ``selected_orders(fitted)``.
    """
    module = sys.modules.get(type(model).__module__)
    names = ("warm_start", "selected_orders") if warm else ("selected_orders",)
    for name in names:
        fn = getattr(module, name, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


def _model_for(task: Task, spec: ModelSpec, model: BaseModel, origin: pd.Timestamp) -> BaseModel:
    every = task.reselect_every
    hook = reuse_hook(model, task.warm_start) if every else None
    if hook is None or every is None:
        return model
    anchor = anchor_of(origin, every)
    y_anchor = task.y.loc[:anchor]
    if len(y_anchor) < max(model.min_length, 1) or anchor == origin:
        return model
    key = (
        task.series,
        repr(task.spec),
        task.seed,
        task.warm_start,
        anchor,
        y_anchor.to_numpy().tobytes(),
    )
    overrides = _FROZEN.get(key)
    if overrides is None:
        overrides = dict(hook(model.fit(y_anchor)))
        _FROZEN[key] = overrides
        while len(_FROZEN) > _FROZEN_MAX:
            _FROZEN.popitem(last=False)
    return spec.build(seed=task.seed, **overrides)


def run_unit(task: Task, origin: pd.Timestamp) -> UnitResult:
    """Fit the task's model on ``y`` up to and including ``origin``; forecast ``h`` months."""
    name = task.spec["name"]
    t0 = time.perf_counter()
    c0 = time.process_time()
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            spec = spec_from_dict(task.spec)
            model = _model_for(task, spec, spec.build(seed=task.seed), origin)
            y_train = task.y.loc[:origin]
            parts = task.parts if model.uses_parts else None
            fc = model.fit(y_train, parts=parts).forecast(task.h, level=task.levels)
        values = fc[interval_columns(task.levels)].to_numpy(dtype=float)
        if (
            values.shape != (task.h, len(interval_columns(task.levels)))
            or not np.isfinite(values).all()
        ):
            raise ValueError("the model returned missing or non-finite forecasts")
        error = None
    except Exception as exc:  # noqa: BLE001 - failure isolation: record and go on
        values = None
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
        error = f"{type(exc).__name__}: {exc}{where}"
    msgs = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return UnitResult(task.series, name, origin, values, error, time.perf_counter() - t0,
                      msgs[:3], converged, cpu_seconds=time.process_time() - c0)  # fmt: skip


def run_task(task: Task) -> list[UnitResult]:
    """Run every unit of a task, in origin order."""
    return [run_unit(task, origin) for origin in task.origins]


NAMESPACE = "backtest"


def data_digest(y: pd.Series) -> str:
    """Digest of a training window (its months and values)."""
    return _cache.make_key("data", start=f"{y.index[0]:%Y-%m}", values=y.to_numpy(dtype=float))


def parts_digest(parts: Mapping[str, pd.Series], origin: pd.Timestamp) -> str:
    """Digest of the parts a bottom-up model reads at ``origin`` (appended to the data digest),
    so a release that revises a part refits its units even when the total is unchanged."""
    cut = {str(name): s.loc[:origin].to_numpy(dtype=float) for name, s in parts.items()}
    return "|" + _cache.make_key("parts", **cut)


def code_digest(spec: dict[str, Any]) -> str:
    """Digest of the code a unit of this spec runs (:func:`~borderforecast.cache.code_fingerprint`:
    the family's module or a spec's own ``class`` module, every package module it imports, this
    module, library versions); an ensemble, which builds its members by name: every model module.
    """
    family = spec["family"]
    target = spec.get("class_path") or f"borderforecast.models.{family}:MODEL"
    modules = [target.partition(":")[0], "borderforecast.backtesting.units"]
    if family == "ensemble":
        folder = Path(_cache.__file__).parent / "models"
        modules += [f"borderforecast.models.{p.stem}" for p in sorted(folder.glob("*.py"))]
    return _cache.code_fingerprint(*modules)


def unit_key(
    series: str,
    data: str,
    spec: dict[str, Any],
    origin: pd.Timestamp,
    h: int,
    levels: tuple[float, ...],
    seed: int,
    reselect_every: Any,
    code: str = "",
) -> str:
    """The cache key of one unit (a hex digest)."""
    spec = {"family": spec["family"], "class_path": spec.get("class_path"),
            "params": spec.get("params", {}), "name": spec["name"]}  # fmt: skip
    return _cache.make_key("backtest-unit", series=series, data=data, spec=spec,
                           origin=f"{origin:%Y-%m}", h=h, levels=list(levels), seed=seed,
                           reselect_every=reselect_every, code=code)  # fmt: skip


def unit_keys(
    series: str,
    y: pd.Series,
    spec: dict[str, Any],
    origins: list[pd.Timestamp],
    h: int,
    levels: tuple[float, ...],
    seed: int,
    every: int | None,
    warm: bool,
    parts: Mapping[str, pd.Series] | None,
) -> dict[pd.Timestamp, str]:
    """The key of each origin's unit of one model on one series (and its parts), for the
    backtest and the live calibration alike (so they share their fits)."""
    code = code_digest(spec)
    reselect = (every, warm) if every else None
    data = {o: data_digest(y.loc[:o]) + (parts_digest(parts, o) if parts is not None else "")
            for o in origins}  # fmt: skip
    return {o: unit_key(series, data[o], spec, o, h, levels, seed, reselect, code) for o in origins}


class UnitCache:
    """Read and write unit forecasts by key (a namespace of :class:`borderforecast.cache.Cache`).

    Parameters
    ----------
    directory : path, optional
        Cache folder (default ``<home>/cache/backtest``); entries go straight under it.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        if directory is None:
            self.store = _cache.Cache(NAMESPACE)
        else:
            folder = Path(directory)
            self.store = _cache.Cache(folder.name, directory=folder.parent)
        self.directory = self.store.directory

    def get(self, key: str, shape: tuple[int, int]) -> tuple[np.ndarray, bool] | None:
        """The stored forecast array and its converged flag, or None if absent or damaged."""
        arr = self.store.get_array(key)
        if arr is None or arr.ndim != 2 or arr.shape != (shape[0] + 1, shape[1]):
            return None
        return arr[:-1], bool(arr[-1, 0])

    def put(self, key: str, values: np.ndarray, converged: bool = True) -> None:
        """Store a forecast array (and whether the fit converged) atomically."""
        values = np.asarray(values, dtype=float)
        flag = np.zeros((1, values.shape[1]))
        flag[0, 0] = float(converged)
        self.store.put_array(key, np.vstack([values, flag]))
