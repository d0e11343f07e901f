"""``borderforecast models``: list the named model specifications."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from .common import JsonOption, echo_json, markup_safe


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models_command(as_json: JsonOption = False) -> None:
        """List the named models (specs in models/ and the user home), one line each."""
        from ..models.registry import list_specs

        specs = list_specs().values()
        if as_json:
            echo_json(
                [{"name": s.name, "family": s.family, "description": s.description} for s in specs]
            )
            return
        table = Table(title="borderforecast models")
        table.add_column("name", style="bold")
        table.add_column("family")
        table.add_column("description")
        for spec in specs:
            table.add_row(markup_safe(spec.name), spec.family, markup_safe(spec.description))
        Console().print(table)
