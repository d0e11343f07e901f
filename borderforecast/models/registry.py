"""Named model specifications, read from TOML files.

A specification file names a model *family* and its parameters::

    # models/sarima.toml
    family = "sarima"
    description = "SARIMA(1,1,1)(0,1,1)12 on log counts"
    [params]
    order = [1, 1, 1]
    seasonal_order = [0, 1, 1, 12]

The family ``xyz`` is the class ``MODEL`` of module
``borderforecast.models.xyz``; a spec may instead give ``class =
"package.module:ClassName"`` for a model defined outside the package, registered
as an entry point of group ``borderforecast.models`` of an installed package, or
in a plugin folder named by ``BORDERFORECAST_PLUGINS``. Specs
are looked up in the bundled ``models/`` folder, then in ``models/`` under the
user home (``BORDERFORECAST_HOME``), which may add or override names; a path
to a ``.toml`` file works anywhere a name does. Adding a model family means
adding one module and one spec file.

Every spec file is checked before anything is imported: keys known, the family
one of :func:`known_families` (or a ``class``), a ``class`` path of the form
``package.module:ClassName`` naming a registered class (:func:`check_class_path`);
the current folder is never on the import path of a spec. A malformed
file in a spec folder is skipped with a :class:`~borderforecast.errors.SpecWarning`
naming it, so one bad file never breaks every model lookup.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import SpecError, SpecWarning, UnknownModelError
from ..paths import home_dir, models_dir
from .base import BaseModel
from .plugins import (  # noqa: F401 - re-exported: the registry's public names
    ENTRY_POINTS,
    PLUGINS_ENV,
    check_class_path,
    known_families,
    load_class,
    plugin_file,
)


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
