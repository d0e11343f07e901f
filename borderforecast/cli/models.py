"""``borderforecast models``: list the named model specifications."""

from __future__ import annotations

from .common import JsonOption, echo_json, print_table


def models_command(as_json: JsonOption = False) -> None:
    """List the named models (specs in models/ and the user home), one line each."""
    from ..models.registry import list_specs

    specs = [{"name": s.name, "family": s.family, "description": s.description}
             for s in list_specs().values()]  # fmt: skip
    if as_json:
        echo_json(specs)
        return
    rows = [s.values() for s in specs]
    print_table("borderforecast models", ("name", "family", "description"), rows, width=None)
