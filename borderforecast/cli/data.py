"""``borderforecast data``: build the bundled table, ingest releases, list series and revisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import HomeOption, JsonOption, echo_json, print_table

data_app = typer.Typer(
    name="data",
    help="Build the tidy dataset, ingest new official releases, list series and revisions.",
    no_args_is_help=True,
)


@data_app.command("build")
def build_command(
    raw: Annotated[
        Path, typer.Option("--raw", help="Folder with the official files as published.")
    ],
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
        Path,
        typer.Argument(
            help="A new release: Southwest Land Border Encounters CSV or OHSS workbook."
        ),
    ],
    home: HomeOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Ingest a release older than the newest one held for its source "
            "(the output says what it reverts).",
        ),
    ] = False,
    accept_new: Annotated[
        bool,
        typer.Option(
            "--accept-new",
            help="Accept citizenship values the layout has not named before (with a warning).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Validate a new official release and merge it into the user data store."""
    from ..data import current_release
    from ..data.store import ingest

    result = ingest(file, home=home, force=force, accept_new=accept_new)
    if as_json:
        echo_json({**vars(result), "current_release": current_release(home)})
        return
    typer.echo(result.summary())
    typer.echo(f"current release: {current_release(home)}")


@data_app.command("list")
def list_command(
    source: Annotated[
        str | None, typer.Option("--source", help="List one source's series.")
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every available series with its id, span and sources."""
    from ..data import current_release, datasets

    frame = datasets(source=source, home=home)
    if as_json:
        echo_json({"release": current_release(home), "series": frame.to_dict(orient="records")})
        return
    rows = (
        (r["id"], f"{r['first']:%Y-%m}", f"{r['last']:%Y-%m}", r["n_months"], r["missing"],
         r["sources"]) for _, r in frame.iterrows()
    )  # fmt: skip
    columns = ("id", "first", "last", "months", "missing", "sources")
    title = f"borderforecast series (release {current_release(home)})"
    print_table(title, columns, rows, right=("months", "missing"))


@data_app.command("revisions")
def revisions_command(
    release: Annotated[
        str | None, typer.Option("--release", help="Only this release's revisions.")
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show revised values (old -> new) recorded by data updates."""
    from ..data.naming import SeriesKey
    from ..data.sources._common import DIMS
    from ..data.store import releases, revisions

    rels = releases(home)
    if rels.empty:
        if as_json:
            echo_json([])
            return
        typer.echo("no releases ingested: the bundled data are in use")
        return
    revs = revisions(home)
    if release is not None:
        revs = revs[revs["release"] == release]
    if as_json:
        echo_json(revs.to_dict(orient="records"))
        return
    rows = (
        [r["release"], SeriesKey(*r[DIMS]).id, f"{r['month']:%Y-%m}", r["source"],
         f"{r['old']:,}", f"{r['new']:,}"] for _, r in revs.head(500).iterrows()
    )  # fmt: skip
    columns = ("release", "series", "month", "source", "old", "new")
    print_table(f"revisions ({len(revs):,})", columns, rows, right=("old", "new"))
    if len(revs) > 500:
        typer.echo(f"(first 500 of {len(revs):,} shown)")
