"""``borderforecast cache``: show or empty the result cache (:mod:`borderforecast.cache`)."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import HomeOption

cache_app = typer.Typer(
    name="cache",
    help="Show or empty the result cache (backtest units, ensemble combinations, reports).",
    no_args_is_help=True,
)


@cache_app.command("info")
def info_command(home: HomeOption = None) -> None:
    """Entries and size per part of the cache, and the size limit."""
    from ..cache import cache_dir, info, max_bytes

    parts = info(home)
    typer.echo(f"cache {cache_dir(home)} (limit {max_bytes() / 2**20:,.0f} MB)")
    if not parts:
        typer.echo("empty")
        return
    for name, (n, size) in parts.items():
        typer.echo(f"{name:>10}: {n:,} entries, {size / 2**20:,.1f} MB")
    total = sum(s for _, s in parts.values())
    typer.echo(
        f"{'total':>10}: {sum(n for n, _ in parts.values()):,} entries, {total / 2**20:,.1f} MB"
    )


@cache_app.command("clear")
def clear_command(
    part: Annotated[
        str | None,
        typer.Argument(help="Only this part (backtest, report, ...); default: everything."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Remove cached results (they are recomputed when next needed)."""
    from ..cache import cache_dir, clear

    n = clear(home, part)
    typer.echo(f"removed {n:,} cache entries from {cache_dir(home)}")
