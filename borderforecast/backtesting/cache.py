"""A disk cache of backtest units, so reruns only fit what is new.

A unit's key hashes everything its forecast depends on: the series id, the
training data itself (the months and values up to and including the origin:
a stronger key than a release label, since a revised past month changes the
key while appending a new month does not), the model spec (family and
parameters), the origin, the horizon, the levels, the seed, the
reselection setting, the package version and the source code of the model's
module (so editing a model refits it). Rerunning after one new month
of data therefore finds every earlier origin in the cache and fits only the
new ones.

Entries live under ``home_dir()/cache/backtest/<2 hex>/<key>.npy`` and are
written atomically (a temporary file in the same folder, then
:func:`os.replace`), so an interrupted run never leaves a torn entry. Only
successful units are stored: a failed cell is retried next time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import replacing
from ..paths import home_dir


def default_dir() -> Path:
    """``home_dir()/cache/backtest``."""
    return home_dir() / "cache" / "backtest"


def data_digest(y: pd.Series) -> str:
    """Digest of a training window (its months and values)."""
    h = hashlib.sha256()
    h.update(f"{y.index[0]:%Y-%m}|{len(y)}|".encode())
    h.update(np.ascontiguousarray(y.to_numpy(dtype=float)).tobytes())
    return h.hexdigest()


def code_digest(spec: dict[str, Any]) -> str:
    """Digest of the source of the model family's module (so that code changes refit).

    An ensemble depends on its members' code too: its digest covers every module
    of ``borderforecast.models``.
    """
    from .units import spec_from_dict

    cls = spec_from_dict(spec).model_class()
    module = sys.modules.get(cls.__module__)
    files = [Path(module.__file__)] if module is not None and module.__file__ else []
    if spec["family"] == "ensemble" and files:
        files = sorted(files[0].parent.glob("*.py"))
    base = Path(__file__).resolve().parents[1] / "models" / "base.py"
    h = hashlib.sha256()
    for f in [base, *files]:
        h.update(_file_digest(f).encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=256)
def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "?"


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
    from .. import __version__

    payload = {
        "v": __version__,
        "series": series,
        "data": data,
        "spec": {
            "family": spec["family"],
            "class_path": spec.get("class_path"),
            "params": spec.get("params", {}),
            "name": spec["name"],
        },
        "origin": f"{origin:%Y-%m}",
        "h": h,
        "levels": list(levels),
        "seed": seed,
        "reselect_every": reselect_every,
        "code": code,
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class UnitCache:
    """Read and write unit forecasts by key.

    Parameters
    ----------
    directory : path, optional
        Cache folder (default :func:`default_dir`).
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_dir()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.npy"

    def get(self, key: str, shape: tuple[int, int]) -> tuple[np.ndarray, bool] | None:
        """The stored forecast array and its converged flag, or None if absent or unreadable."""
        path = self._path(key)
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        if arr.shape != (shape[0] + 1, shape[1]):
            return None
        return arr[:-1], bool(arr[-1, 0])

    def put(self, key: str, values: np.ndarray, converged: bool = True) -> None:
        """Store a forecast array (and whether the fit converged) atomically."""
        values = np.asarray(values, dtype=float)
        flag = np.zeros((1, values.shape[1]))
        flag[0, 0] = float(converged)
        values = np.vstack([values, flag])
        path = self._path(key)
        with replacing(path) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.asarray(values, dtype=float), allow_pickle=False)
