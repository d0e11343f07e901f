"""Where borderforecast keeps user files (the data store, vintages, caches) and finds its own.

The bundled dataset and model specifications are package data under
``borderforecast/_bundled`` in an installed wheel (read with :mod:`importlib.resources`);
in a source checkout (editable install, or running the tests) they are the top-level
``data/`` and ``models/`` folders of the checkout, which the wheel build copies in.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from .errors import PathError

HOME_ENV = "BORDERFORECAST_HOME"
_SCOPE: contextvars.ContextVar[str | os.PathLike[str] | None] = contextvars.ContextVar(
    "borderforecast_home", default=None
)
F = TypeVar("F", bound=Callable[..., Any])


def with_home(func: F) -> F:
    """Decorate an API function taking ``home=``: everything it does (caches, locks,
    vintages, the store) goes under that home, including the helpers it calls
    without passing ``home`` on."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        home = signature.bind_partial(*args, **kwargs).arguments.get("home")
        token = _SCOPE.set(home if home is not None else _SCOPE.get())
        env = os.environ.get(HOME_ENV)
        if home is not None:  # worker processes started meanwhile inherit it too
            os.environ[HOME_ENV] = str(Path(home).expanduser())
        try:
            return func(*args, **kwargs)
        finally:
            _SCOPE.reset(token)
            if home is not None and env is None:
                os.environ.pop(HOME_ENV, None)
            elif env is not None:
                os.environ[HOME_ENV] = env

    return call  # type: ignore[return-value]


def home_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """Return the user data directory.

    Order: the ``home`` argument, the home of the call in progress (an API call
    given ``home=``, see :func:`with_home`), the ``BORDERFORECAST_HOME`` environment
    variable, then the platform's per-user data directory. The folder is not
    created here; writers create it when they first write.

    Examples
    --------
    >>> import os
    >>> str(home_dir("~/bf-data")) == os.path.expanduser("~/bf-data")
    True
    """
    if home is None:
        home = _SCOPE.get()
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("borderforecast", appauthor=False))


def ensure_writable_dir(path: str | os.PathLike[str], what: str = "folder") -> Path:
    """Check that ``path`` is (or can become) a writable folder; return it.

    Call it before a long computation whose results go to ``path``. Nothing is
    created: the nearest existing folder on the way is probed with a temporary
    file that is removed at once.

    Raises
    ------
    PathError
        One line naming the path: a file where a folder belongs, a read-only or
        full location, or a missing permission.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ensure_writable_dir(folder / "out" / "report") == folder / "out" / "report"
    True
    >>> _ = (folder / "file").write_text("x")
    >>> ensure_writable_dir(folder / "file" / "report", "--out")
    Traceback (most recent call last):
    ...
    borderforecast.errors.PathError: --out ...: ... is a file, not a folder
    """
    target = Path(path).expanduser()
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise PathError(f"{what} {target}: {probe} is a file, not a folder")
    try:
        fd, name = tempfile.mkstemp(prefix=".bf-write-test-", dir=probe)
        os.close(fd)
        Path(name).unlink(missing_ok=True)  # a writer clearing orphans may have removed it
    except OSError as exc:
        raise PathError(
            f"{what} {target}: {probe} is not writable ({exc.strerror or exc})"
        ) from None
    return target


PLUGINS_ENV = "BORDERFORECAST_PLUGINS"
"""Folders (separated like ``PATH``) whose ``<module>.py`` files hold your model classes."""


def plugin_file(module: str) -> Path | None:
    """The file of ``module`` in a plugin folder (:data:`PLUGINS_ENV`), found by path."""
    for folder in filter(None, os.environ.get(PLUGINS_ENV, "").split(os.pathsep)):
        path = Path(folder).expanduser().joinpath(*module.split(".")).with_suffix(".py")
        if path.is_file():
            return path.resolve()
    return None


def _bundled(name: str) -> Path | None:
    candidate = resources.files("borderforecast").joinpath("_bundled", name)
    return Path(str(candidate)) if candidate.is_dir() else None


def _checkout(name: str) -> Path | None:
    package_dir = Path(str(resources.files("borderforecast")))
    candidate = package_dir.parent / name
    if candidate.is_dir() and (package_dir.parent / "pyproject.toml").is_file():
        return candidate
    return None


def resource_dir(name: str) -> Path:
    """Return the folder holding the bundled ``data`` or ``models``.

    Raises
    ------
    FileNotFoundError
        If neither the installed package data nor a checkout folder exists.
    """
    if name not in ("data", "models"):
        raise ValueError(f"unknown resource folder {name!r}; expected 'data' or 'models'")
    found = _bundled(name) or _checkout(name)
    if found is None:
        raise FileNotFoundError(
            f"borderforecast's bundled {name!r} folder is missing: the installation is incomplete"
        )
    return found


def data_dir() -> Path:
    """Folder of the bundled tidy dataset."""
    return resource_dir("data")


def models_dir() -> Path:
    """Folder of the bundled model specifications (TOML)."""
    return resource_dir("models")
