"""Locate the bundled dataset and model specifications.

In an installed wheel they are package data under ``borderforecast/_bundled``
(read with :mod:`importlib.resources`). In a source checkout (editable
install, or running the tests) they are the top-level ``data/`` and
``models/`` folders of the checkout, which the wheel build copies in.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _bundled(name: str) -> Path | None:
    root = resources.files("borderforecast")
    candidate = root.joinpath("_bundled", name)
    if candidate.is_dir():
        return Path(str(candidate))
    return None


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
