"""``borderforecast data``: build the bundled table, ingest releases, list series and revisions;
``borderforecast cache``: show or empty the result cache (:mod:`borderforecast.cache`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common

data_app = typer.Typer(
    name="data",
    help="Build the tidy dataset, ingest new official releases, list series and revisions.",
    no_args_is_help=True,
)


@data_app.command("build")
def build_command(
    raw: Annotated[Path, typer.Option(help="Folder with the official files as published.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: the bundled data/ folder)."),
    ] = None,
) -> None:
    """Parse the official files and write data/encounters.csv and data/SOURCES.md."""
    from ..data.build import build_table, write_table
    from ..paths import data_dir, ensure_writable_dir

    target = ensure_writable_dir(out if out is not None else data_dir(), "--out")
    frame = build_table(raw)
    path = write_table(frame, target)
    counts = frame.groupby("source").size()
    detail = ", ".join(f"{s} {n:,}" for s, n in counts.items())
    typer.echo(f"wrote {path} ({len(frame):,} rows: {detail})")


@data_app.command("update")
def update_command(
    file: Annotated[
        Path, typer.Argument(help="Southwest Land Border Encounters CSV or OHSS workbook.")
    ],
    home: common.HomeOption = None,
    force: Annotated[
        bool, common.flag("--force", "Ingest a release older than the newest held for its source.")
    ] = False,
    accept_new: Annotated[
        bool, common.flag("--accept-new", "Accept citizenship values the layout has not named.")
    ] = False,
    as_json: common.JsonOption = False,
) -> None:
    """Validate a new official release and merge it into the user data store.

    The output says what a release ingested with --force reverts; a citizenship value accepted
    with --accept-new is named in a warning."""
    from ..data import current_release
    from ..data.store import ingest

    result = ingest(file, home=home, force=force, accept_new=accept_new)
    if as_json:
        common.echo_json({**vars(result), "current_release": current_release(home)})
        return
    typer.echo(result.summary())
    typer.echo(f"current release: {current_release(home)}")


@data_app.command("list")
def list_command(
    source: Annotated[str | None, typer.Option(help="List one source's series.")] = None,
    home: common.HomeOption = None,
    as_json: common.JsonOption = False,
) -> None:
    """List every available series with its id, span and sources."""
    from ..data import current_release, datasets

    frame = datasets(source=source, home=home)
    if as_json:
        series = frame.to_dict(orient="records")
        common.echo_json({"release": current_release(home), "series": series})
        return
    rows = (
        (r["id"], f"{r['first']:%Y-%m}", f"{r['last']:%Y-%m}", r["n_months"], r["missing"],
         r["sources"]) for _, r in frame.iterrows()
    )  # fmt: skip
    columns = ("id", "first", "last", "months", "missing", "sources")
    title = f"borderforecast series (release {current_release(home)})"
    common.print_table(title, columns, rows, right=("months", "missing"))


@data_app.command("revisions")
def revisions_command(
    release: Annotated[str | None, typer.Option(help="Only this release's revisions.")] = None,
    home: common.HomeOption = None,
    as_json: common.JsonOption = False,
) -> None:
    """Show revised values (old -> new) recorded by data updates."""
    from ..data.naming import SeriesKey
    from ..data.sources._common import DIMS
    from ..data.store import releases, revisions

    if releases(home).empty and not as_json:
        typer.echo("no releases ingested: the bundled data are in use")
        return
    revs = revisions(home)
    if release is not None:
        revs = revs[revs["release"] == release]
    if as_json:
        common.echo_json(revs.to_dict(orient="records"))
        return
    rows = (
        [r["release"], SeriesKey(*r[DIMS]).id, f"{r['month']:%Y-%m}", r["source"],
         f"{r['old']:,}", f"{r['new']:,}"] for _, r in revs.head(500).iterrows()
    )  # fmt: skip
    columns = ("release", "series", "month", "source", "old", "new")
    common.print_table(f"revisions ({len(revs):,})", columns, rows, right=("old", "new"))
    if len(revs) > 500:
        typer.echo(f"(first 500 of {len(revs):,} shown)")


cache_app = typer.Typer(
    name="cache",
    help="Show or empty the result cache (backtest units, ensemble combinations, reports).",
    no_args_is_help=True,
)


@cache_app.command("info")
def info_command(home: common.HomeOption = None) -> None:
    """Entries and size per part of the cache, and the size limit."""
    from ..cache import cache_dir, info, max_bytes

    parts = info(home)
    typer.echo(f"cache {cache_dir(home)} (limit {max_bytes() / 2**20:,.0f} MB)")
    if not parts:
        typer.echo("empty")
        return
    parts["total"] = (sum(n for n, _ in parts.values()), sum(s for _, s in parts.values()))
    for name, (n, size) in parts.items():
        typer.echo(f"{name:>10}: {n:,} entries, {size / 2**20:,.1f} MB")


@cache_app.command("clear")
def clear_command(
    part: Annotated[str | None, typer.Argument(help="Only this part, e.g. backtest.")] = None,
    home: common.HomeOption = None,
) -> None:
    """Remove cached results, of every part by default (recomputed when next needed)."""
    from ..cache import cache_dir, clear

    n = clear(home, part)
    typer.echo(f"removed {n:,} cache entries from {cache_dir(home)}")
