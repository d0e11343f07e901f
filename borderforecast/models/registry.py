"""Named model specifications, read from TOML files, and the classes they name.

A spec file names a *family* (the class ``MODEL`` of ``borderforecast.models.<family>``) or a
registered ``class = "package.module:ClassName"`` (an entry point of group
``borderforecast.models``, or a module in a ``BORDERFORECAST_PLUGINS`` folder), and its
``[params]``. Specs come from the bundled ``models/`` folder, then ``<home>/models`` (which may
override names); a ``.toml`` path works anywhere a name does. Every file is checked before
anything is imported, never from the current folder; a malformed one is skipped with a
:class:`~borderforecast.errors.SpecWarning`. See docs/guide/models.md.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.util
import os
import re
import sys
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import SpecError, SpecWarning, UnknownModelError
from ..paths import PLUGINS_ENV, home_dir, models_dir, plugin_file
from .base import BaseModel


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


@dataclass(frozen=True)
class ModelSpec:
    """A named model specification."""

    name: str
    family: str
    description: str = ""
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    class_path: str | None = None
    path: Path | None = None
    default: bool = True
    """Whether the spec is in the default backtest set (``default = false`` in its file leaves
    a slow or uncompetitive model out unless it is named, or ``models="all"``)."""
    plain: str = ""
    """What the model does, in a reader's words (the report's forecast paragraph)."""

    def model_class(self) -> type[BaseModel]:
        """Import and return the model class of this spec (a spec read from a file is
        imported only through :func:`load_class`: a registered class, never the current
        folder)."""
        target = self.class_path or f"borderforecast.models.{self.family}:MODEL"
        try:
            cls = load_class(target, registered=self.path is not None)
        except ImportError as exc:
            raise SpecError(
                f"model spec {self.name!r}: cannot import {target.partition(':')[0]!r} ({exc}); "
                f"known families: {', '.join(known_families())}"
            ) from None
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            raise SpecError(
                f"model spec {self.name!r}: {target!r} is not a borderforecast model class"
            )
        return cls

    def build(self, **overrides: Any) -> BaseModel:
        """Instantiate the model, with ``overrides`` replacing spec parameters."""
        cls = self.model_class()
        params = {**dict(self.params), **overrides}
        allowed = cls.parameter_names()
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise SpecError(
                f"model spec {self.name!r}: unknown parameter(s) {', '.join(unknown)} for family "
                f"{self.family!r}; valid parameters: {', '.join(allowed)}"
            )
        params.setdefault("name", self.name)
        try:
            return cls(**params)
        except (TypeError, ValueError) as exc:
            raise SpecError(f"model spec {self.name!r}: invalid parameters ({exc})") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "family": self.family,
            "description": self.description,
            "params": dict(self.params),
        }


def read_spec(path: str | os.PathLike[str], name: str | None = None) -> ModelSpec:
    """Read one specification file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise SpecError(f"model spec file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"model spec file {path.name!r} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"model spec file {path.name!r} cannot be read ({exc})") from None
    keys = {"family", "class", "description", "plain", "params", "name", "default"}
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise SpecError(
            f"model spec file {path.name!r}: unknown key(s) {', '.join(unknown)}; "
            "expected family, class, description, plain, default, [params]"
        )
    if not isinstance(raw.get("default", True), bool):
        raise SpecError(f"model spec file {path.name!r}: 'default' must be true or false")
    family = raw.get("family")
    class_path = raw.get("class")
    if not family and not class_path:
        raise SpecError(
            f"model spec file {path.name!r} names no 'family' "
            f"(one of {', '.join(known_families())})"
        )
    if family and not class_path and family not in known_families():
        raise SpecError(
            f"model spec file {path.name!r}: unknown family {family!r}; "
            f"known families: {', '.join(known_families())}"
        )
    if class_path is not None:
        check_class_path(class_path, path.name)
    for key in ("family", "description", "plain", "name"):
        if key in raw and not isinstance(raw[key], str):
            raise SpecError(f"model spec file {path.name!r}: {key!r} must be a string")
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise SpecError(f"model spec file {path.name!r}: [params] must be a table")
    return ModelSpec(
        name=str(raw.get("name") or name or path.stem),
        family=str(family or class_path),
        description=str(raw.get("description", "")),
        params=MappingProxyType(dict(params)),
        class_path=class_path,
        path=path,
        default=bool(raw.get("default", True)),
        plain=str(raw.get("plain", "")),
    )


def list_specs(home: str | os.PathLike[str] | None = None) -> dict[str, ModelSpec]:
    """All named specifications, bundled first, user specs overriding by name.

    Examples
    --------
    >>> specs = list_specs()
    >>> specs["sarima"].family, dict(specs["sarima"].params)["order"]
    ('sarima', [1, 1, 1])
    """
    specs: dict[str, ModelSpec] = {}
    for folder in (models_dir(), home_dir(home) / "models"):  # a missing folder has no files
        for path in sorted(folder.glob("*.toml")):
            try:
                spec = read_spec(path)
            except SpecError as exc:  # one bad file must not break every lookup
                warnings.warn(f"skipped {path}: {exc}", SpecWarning, stacklevel=2)
                continue
            specs[spec.name] = spec
    return specs


def get_spec(
    name: str | os.PathLike[str] | ModelSpec, home: str | os.PathLike[str] | None = None
) -> ModelSpec:
    """Look up a specification by name, or read it from a ``.toml`` path.

    Raises
    ------
    UnknownModelError
        If no spec has that name (the message lists the valid names).

    Examples
    --------
    >>> get_spec("ets").description
    'ETS(A,Ad,A) exponential smoothing on log counts (statsmodels ETSModel)'
    >>> get_spec("etz")
    Traceback (most recent call last):
    ...
    borderforecast.errors.UnknownModelError: unknown model 'etz'. Did you mean 'ets'? ...
    """
    if isinstance(name, ModelSpec):
        return name
    text = str(name)
    if text.endswith(".toml") or os.sep in text:
        return read_spec(text)
    specs = list_specs(home)
    if text in specs:
        return specs[text]
    folded = {k.lower(): v for k, v in specs.items()}
    if text.strip().lower() in folded:  # "ETS", "Prophet": names ignore case
        return folded[text.strip().lower()]
    close = difflib.get_close_matches(text.lower(), list(specs), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownModelError(
        f"unknown model {text!r}.{hint} Available models: {', '.join(sorted(specs))}"
    )


def make_model(name: str | os.PathLike[str] | ModelSpec | BaseModel, **overrides: Any) -> BaseModel:
    """Build a model from a spec name, a spec path, a :class:`ModelSpec`, or pass a model through.

    Keyword ``overrides`` replace the spec's parameters (and set ``seed``, ``log``, ...).

    Examples
    --------
    >>> import borderforecast as bf
    >>> model = make_model("snaive", seed=1)
    >>> fitted = model.fit(bf.load(end="2019-05"))
    >>> round(fitted.forecast(1)["median"].iloc[0])   # June 2019 = June 2018
    34089
    """
    if isinstance(name, BaseModel):
        if overrides:
            raise SpecError("parameter overrides need a model name, not a model object")
        return name
    return get_spec(name).build(**overrides)
