"""The one disk cache of computed results, and the one builder of its keys.

The caches, each a namespace under ``<home>/cache/``:

* ``backtest``: one entry per backtest unit (model, series, origin), and per origin of
  an ensemble combined from its members (:mod:`borderforecast.backtesting.units`);
* ``assessment``: the report's assessment of the latest months, as plain data
  (:mod:`borderforecast.reporting.assessed`).

The forecast front door and the report reuse the backtest units (no cache of their own).

``<home>`` is the home the caller names (``home=``, ``--home``), else
``BORDERFORECAST_HOME`` (:func:`borderforecast.paths.home_dir`).

An entry is ``<namespace>/<2 hex>/<key>.bin``: a first line of JSON naming the key,
the code fingerprint and the SHA-256 of the payload, then the payload (numpy ``.npy``
or :mod:`borderforecast.plaindata`, never a pickle). An entry is served only for the
key and code it names: a torn, truncated or damaged entry, one file copied over
another's, or one made by other code is a miss, removed and recomputed. Entries are
written atomically (:mod:`borderforecast.atomic`) as they are computed, so an
interrupted run keeps its finished work and concurrent runs never see half an entry.
The whole cache is kept under a size limit (:data:`DEFAULT_MAX_BYTES`, or
``BORDERFORECAST_CACHE_MB``): beyond it, the least recently used entries are evicted.
``borderforecast cache info`` / ``cache clear`` show and empty it.

Keys (:func:`make_key`) are hashes of everything a result depends on: the callers pass
the data and parameters, and :func:`~borderforecast.fingerprint.code_fingerprint` the
code (editing ``models/_smtools.py`` changes the key of every model that uses it, and of
no other).

A cache that cannot be written (read-only or full disk) is switched off for the
run with one :class:`~borderforecast.errors.CacheWarning`; results are unaffected.

Examples
--------
>>> import tempfile, numpy as np
>>> c = Cache("demo", directory=tempfile.mkdtemp())
>>> key = make_key("demo", x=1)
>>> c.get_array(key) is None
True
>>> c.put_array(key, np.arange(3.0))
>>> c.get_array(key)
array([0., 1., 2.])
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import write_bytes
from .errors import BadValueError, BorderforecastWarning
from .fingerprint import _imports, code_fingerprint, module_closure  # noqa: F401 - re-exported
from .paths import home_dir

DEFAULT_MAX_BYTES = 1 << 30
"""Size limit of the whole cache (1 GiB); ``BORDERFORECAST_CACHE_MB`` overrides it."""
MAX_ENV = "BORDERFORECAST_CACHE_MB"
_SUFFIX = ".bin"
ORPHAN_AGE = 3600.0
"""A temporary file older than this (seconds) is a killed write's leftover: removed."""


class CacheWarning(BorderforecastWarning):
    """The cache could not be used (e.g. a read-only home); results were computed anyway."""


def cache_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """``<home>/cache``."""
    return home_dir(home) / "cache"


def max_bytes() -> int:
    """The size limit in force (bytes)."""
    value = os.environ.get(MAX_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_BYTES
    try:
        mb = float(value)
    except ValueError:
        mb = -1.0
    if not 0 <= mb < float("inf"):
        raise BadValueError(f"{MAX_ENV}={value!r} is not a size in megabytes (e.g. 500)")
    return int(mb * (1 << 20))


# --- keys ------------------------------------------------------------------------------


def make_key(kind: str, **parts: Any) -> str:
    """A key: hash of ``kind`` and the JSON of ``parts`` (numpy arrays hashed by bytes)."""
    h = hashlib.sha256(kind.encode())
    arrays = {k: v for k, v in parts.items() if isinstance(v, np.ndarray)}
    plain = {k: v for k, v in parts.items() if k not in arrays}
    h.update(json.dumps(plain, sort_keys=True, default=str).encode())
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(f"|{k}:{a.dtype}:{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


# --- storage ---------------------------------------------------------------------------


class Cache:
    """One namespace of the disk cache.

    Parameters
    ----------
    namespace : str
        Sub-folder (``"backtest"``, ``"assessment"``).
    directory : path, optional
        Root of the cache (default :func:`cache_dir` of ``home``).
    limit : int, optional
        Size limit of the whole root in bytes (default :func:`max_bytes`).
    home : path, optional
        The home whose cache this is (default :func:`borderforecast.paths.home_dir`).
    """

    def __init__(
        self,
        namespace: str,
        directory: str | os.PathLike[str] | None = None,
        limit: int | None = None,
        home: str | os.PathLike[str] | None = None,
    ) -> None:
        self.root = Path(directory) if directory is not None else cache_dir(home)
        self.directory = self.root / namespace
        self.limit = max_bytes() if limit is None else int(limit)
        self.enabled = True
        self._since_trim = 0
        self._trimmed = False

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}{_SUFFIX}"

    def get_bytes(self, key: str, code: str = "") -> bytes | None:
        """The payload stored under ``key`` by ``code``; None if absent, damaged, or made
        for another key or by other code (then removed)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head, _, payload = data.partition(b"\n")
        try:
            meta = json.loads(head)
            ok = meta == {"key": key, "code": code, "sha256": hashlib.sha256(payload).hexdigest()}
        except ValueError:
            ok = False
        if not ok:
            path.unlink(missing_ok=True)  # torn, tampered, swapped or stale: never trusted
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently used = oldest mtime
        return payload

    def put_bytes(self, key: str, payload: bytes, code: str = "") -> None:
        """Store ``payload`` atomically, bound to ``key`` and ``code`` (a failure disables
        the cache)."""
        if not self.enabled:
            return
        head = {"key": key, "code": code, "sha256": hashlib.sha256(payload).hexdigest()}
        data = json.dumps(head).encode() + b"\n" + payload
        try:
            write_bytes(self.path(key), data)
        except OSError as exc:
            self.enabled = False
            warnings.warn(
                f"cache {self.directory} cannot be written ({exc.strerror or exc}); "
                "continuing without it",
                CacheWarning,
                stacklevel=2,
            )
            return
        self._since_trim += len(data)
        if not self._trimmed or self._since_trim > max(self.limit // 20, 1 << 20):
            self.trim()

    def get_array(self, key: str, code: str = "") -> np.ndarray | None:
        payload = self.get_bytes(key, code)
        if payload is None:
            return None
        try:
            return np.load(io.BytesIO(payload), allow_pickle=False)
        except (OSError, ValueError):
            self.path(key).unlink(missing_ok=True)
            return None

    def put_array(self, key: str, array: np.ndarray, code: str = "") -> None:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        self.put_bytes(key, buffer.getvalue(), code)

    def get_data(self, key: str, code: str = "") -> Any:
        """An object stored with :meth:`put_data` (:mod:`borderforecast.plaindata`), or None."""
        from . import plaindata  # only the caches of plain data need it

        payload = self.get_bytes(key, code)
        if payload is None:
            return None
        try:
            return plaindata.loads(payload)
        except (ValueError, AttributeError, ImportError):
            self.path(key).unlink(missing_ok=True)
            return None

    def put_data(self, key: str, obj: Any, code: str = "") -> None:
        """Store ``obj`` as plain data; an object that is not plain data is not stored."""
        from . import plaindata

        try:
            payload = plaindata.dumps(obj)
        except TypeError:
            return
        self.put_bytes(key, payload, code)

    def trim(self) -> int:
        """Remove killed writes' temporary files (older than an hour) and evict least
        recently used entries of the whole root until under the limit."""
        self._trimmed, self._since_trim = True, 0
        stale = time.time() - ORPHAN_AGE
        entries = []
        for path, size, used, temporary in _entries(self.root):
            if temporary and used < stale:
                with contextlib.suppress(OSError):
                    path.unlink()
            else:  # a write in progress goes first, as if never used
                entries.append((path, size, 0.0 if temporary else used))
        total = sum(size for _, size, _ in entries)
        removed = 0
        target = int(self.limit * 0.9)
        for path, size, _ in sorted(entries, key=lambda e: e[2]) if total > self.limit else ():
            if total <= target:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            removed += 1
        return removed


def _entries(root: Path) -> list[tuple[Path, int, float, bool]]:
    """(path, bytes, last use, whether a temporary file) of every file under ``root``."""
    out = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            try:
                st = p.stat()
            except OSError:
                continue
            out.append((p, st.st_size, st.st_mtime, name.startswith(".") and ".tmp" in name))
    return out


def info(home: str | os.PathLike[str] | None = None) -> dict[str, tuple[int, int]]:
    """Namespace -> (entries, bytes) of the cache under ``home``."""
    root = cache_dir(home)
    out: dict[str, tuple[int, int]] = {}
    for path, size, _, _ in _entries(root):
        ns = path.relative_to(root).parts[0]
        n, b = out.get(ns, (0, 0))
        out[ns] = (n + 1, b + size)
    return dict(sorted(out.items()))


def clear(home: str | os.PathLike[str] | None = None, namespace: str | None = None) -> int:
    """Remove every entry (of one namespace); return how many were removed."""
    root = cache_dir(home)
    found = [e for e in _entries(root) if namespace in (None, e[0].relative_to(root).parts[0])]
    for path, *_ in found:
        path.unlink(missing_ok=True)
    return len(found)
