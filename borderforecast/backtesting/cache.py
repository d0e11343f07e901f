"""Backtest units in the package cache (:mod:`borderforecast.cache`): reruns fit only the new.

A unit's key hashes everything its forecast depends on: the series id, the
training data itself (the months and values up to and including the origin:
a stronger key than a release label, since a revised past month changes the
key while appending a new month does not), the model spec (family, class and
parameters), the origin, the horizon, the levels, the seed, the reselection
setting and the code (:func:`code_digest`: the family's module and every
package module it imports, such as ``models/_smtools.py``, ``models/base.py``
and ``series.py``, plus the unit runner and the library versions). Rerunning
after one new month of data finds every earlier origin in the cache and fits
only the new ones.

Entries are written as each batch of units finishes, with a checksum (a damaged
or tampered entry is recomputed), under ``<home>/cache/backtest``; only
successful units are stored, so a failed cell is retried next time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import cache as _cache

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
    """Digest of the code a unit of this spec runs (see the module docstring).

    An ensemble fitted as a unit builds its members by name: its digest covers
    every module of ``borderforecast.models``. A spec with its own ``class`` covers
    that class's module when it is a package module.
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
    return _cache.make_key(
        "backtest-unit",
        series=series,
        data=data,
        spec={
            "family": spec["family"],
            "class_path": spec.get("class_path"),
            "params": spec.get("params", {}),
            "name": spec["name"],
        },
        origin=f"{origin:%Y-%m}",
        h=h,
        levels=list(levels),
        seed=seed,
        reselect_every=reselect_every,
        code=code,
    )


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
