"""Model classes from outside the package: registered (:func:`check_class_path`), and
imported without the current folder on the path (:func:`load_class`)."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..paths import PLUGINS_ENV, plugin_file


def known_families() -> list[str]:
    """Model families shipped with the package: the modules that define a ``MODEL`` class.

    >>> "persist" in known_families(), "fitted" in known_families(), "ets" in known_families()
    (False, False, True)
    """
    return list(_families(Path(__file__).parent))


@functools.lru_cache(maxsize=1)
def _families(pkg: Path) -> tuple[str, ...]:
    found = (p for p in pkg.glob("*.py") if not p.stem.startswith("_"))
    return tuple(sorted(p.stem for p in found if "\nMODEL = " in p.read_text(encoding="utf-8")))


_CLASS_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
ENTRY_POINTS = "borderforecast.models"
"""Entry point group under which an installed package registers its model classes."""


def _entry_point(class_path: str) -> Any:
    from importlib.metadata import entry_points

    return next((e for e in entry_points(group=ENTRY_POINTS) if e.value == class_path), None)


def check_class_path(class_path: object, where: str) -> None:
    """Refuse a ``class`` that is not a registered model class (nothing is imported).

    Registered: a class of ``borderforecast.models``, the value of an entry point of group
    :data:`ENTRY_POINTS` of an installed package, or a module file in a folder of
    :data:`PLUGINS_ENV`. Any other module (an installed package's ``__main__``, a file in
    the current folder) could run code when imported, so it is refused by its name.
    """
    if not isinstance(class_path, str) or not _CLASS_PATH.match(class_path):
        raise SpecError(
            f"model spec file {where!r}: class {class_path!r} is not of the form "
            "'package.module:ClassName'"
        )
    module = class_path.partition(":")[0]
    if module.startswith("borderforecast.models."):
        if module.split(".")[2] not in known_families():
            raise SpecError(f"model spec file {where!r}: class {class_path!r}: no such family")
        return
    if module.split(".")[0] == "borderforecast":
        raise SpecError(
            f"model spec file {where!r}: class {class_path!r} is not in borderforecast.models"
        )
    if _entry_point(class_path) is None and plugin_file(module) is None:
        raise SpecError(
            f"model spec file {where!r}: class {class_path!r} is not a registered model: "
            f"register it as an entry point of group {ENTRY_POINTS!r}, or put "
            f"{module.replace('.', '/')}.py in a folder named by {PLUGINS_ENV}"
        )


def load_class(class_path: str, registered: bool = True) -> Any:
    """The object ``module:Name`` names; with ``registered`` only a class that
    :func:`check_class_path` accepts, imported without the current folder on the path."""
    module, _, attr = class_path.partition(":")
    if registered and not module.startswith("borderforecast.models."):
        check_class_path(class_path, "spec")
        file = plugin_file(module) if _entry_point(class_path) is None else None
        loaded = sys.modules.get(module)
        if file is not None and getattr(loaded, "__file__", None) != str(file):
            spec = importlib.util.spec_from_file_location(module, file)
            loaded = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            sys.modules[module] = loaded
            spec.loader.exec_module(loaded)  # type: ignore[union-attr]
            return getattr(loaded, attr or "MODEL", None)
    here = {"", ".", os.getcwd()}
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if p not in here]
    try:
        return getattr(importlib.import_module(module), attr or "MODEL", None)
    finally:
        sys.path[:] = saved
