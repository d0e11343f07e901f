"""``borderforecast models``: list the named model specifications."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models_command() -> None:
        """List the named models (specs in models/ and the user home), one line each."""
        from ..models.registry import list_specs

        table = Table(title="borderforecast models")
        table.add_column("name", style="bold")
        table.add_column("family")
        table.add_column("description")
        for spec in list_specs().values():
            table.add_row(spec.name, spec.family, spec.description)
        Console().print(table)
