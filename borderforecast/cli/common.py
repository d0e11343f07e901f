"""What the commands share: options declared once, reading the series, exit codes, output.

The options of :func:`_input_options` (``--input``, ``--id-col``, ``--sheet``, ...) are added
to every command named in ``INPUT_COMMANDS`` (:func:`add_input_options`); a command reads
the series they describe with :func:`read_series` or :func:`read_panel`.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from ..errors import DataError
from ..text import clean

EXIT_OK, EXIT_INTERNAL, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 64, 130
EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 internal error, 2 bad data or bad value, 64 usage error "
    "(unknown option, missing option, bad syntax)."
)
INPUT_COMMANDS = ("forecast", "backtest", "report", "assess", "season", "context")

# -- options that several commands take ----------------------------------------------------

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="User home: data store, vintages, caches (default: BORDERFORECAST_HOME or the "
        "per-user folder).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]
SeriesOption = Annotated[
    str | None,
    typer.Option(
        "--series", "-s", help="Series id (default: southwest); with --input, an id of its panel."
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", "-m", help="One of `borderforecast models` (default: recommended)."),
]
ModelsOption = Annotated[
    list[str] | None, typer.Option("--model", "-m", help="Model name (repeat for several).")
]
HOption = Annotated[int, typer.Option("--h", help="Months to forecast.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of every random draw.")]
JobsOption = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")]
PlotOption = Annotated[
    str | None, typer.Option("--plot", help="Write the figure to this PNG file.")
]


def flag(name: str, help: str) -> Any:
    """An on/off option ``name`` (typer's default would add ``--no-...``)."""
    return typer.Option(name, help=help)


def _input_options(
    input: Annotated[
        Path | None,
        typer.Option(
            "--input",
            "-i",
            help="Your own CSV or Excel file of monthly counts (one series, or a long panel "
            "with an id column) instead of a bundled series.",
        ),
    ] = None,
    id_col: Annotated[
        str | None, typer.Option(help="Series id column of a long panel (default: unique_id).")
    ] = None,
    date_col: Annotated[
        str | None, typer.Option(help="Month column (default: ds, month, date... or detected).")
    ] = None,
    value_col: Annotated[
        str | None, typer.Option(help="Count column (default: y, or the only numeric one).")
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(help="Sheet of an --input workbook (name or number from 0), if several."),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="Delimiter of an --input CSV (default: sniffed).")
    ] = None,
    decimal: Annotated[
        str | None,
        typer.Option(help="Decimal separator of the counts, . or , (35.000: 35 or 35,000?)."),
    ] = None,
    thousands: Annotated[
        str | None, typer.Option(help="Thousands separator of the counts: . or , (or none).")
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(help="Format of the months, e.g. %d/%m/%Y (01/08/2019 is August) or %b-%y."),
    ] = None,
) -> None:
    """The options of the commands that read a series (never run: a template)."""


def add_input_options(cmd: Any) -> None:
    """Give click command ``cmd`` the options of :func:`_input_options`; their values go to
    :attr:`Settings.input` and :attr:`Settings.reading` before ``cmd`` runs."""
    template = typer.Typer(add_completion=False)
    template.command()(_input_options)
    params = typer.main.get_command(template).params
    cmd.params.extend(params)
    inner = cmd.callback

    def callback(**kwargs: Any) -> Any:
        given = {p.name: kwargs.pop(p.name) for p in params if p.name}
        path = given.pop("input")
        Settings.input = None if path is None else Path(path)
        Settings.reading = {k: v for k, v in given.items() if v is not None}
        if Settings.reading and path is None:
            flags = [f"--{k.replace('_', '-')}" for k in Settings.reading]
            need = "needs" if len(flags) == 1 else "need"
            raise DataError(f"{', '.join(flags)} {need} --input FILE")
        return inner(**kwargs)

    cmd.callback = callback


class Settings:
    """The root options (``--quiet``, ``--verbose``) and the input options of the command run."""

    quiet = False
    verbose = False
    input: Path | None = None
    reading: dict[str, Any] = {}


# -- reading the series --------------------------------------------------------------------


def read_panel(series: list[str] | None = None) -> dict[str, pd.Series]:
    """Every series of ``--input`` (or the ones named), by id."""
    from ..data.userdata import from_long, read_series
    from ..errors import UnknownSeriesError

    path = Settings.input
    assert path is not None
    got = read_series(path, **Settings.reading)
    if isinstance(got, pd.Series):
        panel = {str(got.attrs.get("series_id") or path.stem): got}
    else:
        panel = from_long(got, source=path.name)
    for sid in series or ():
        if sid not in panel:
            close = difflib.get_close_matches(sid, list(panel), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownSeriesError(
                f"{path.name} holds no series {sid!r}{hint} (ids: {_first(list(panel), 10)})"
            )
    return {sid: panel[sid] for sid in series} if series else panel


def read_series(series: str | None, *, allow_gaps: bool = False) -> pd.Series:
    """The one series of ``--input`` (``--series`` picks an id of its panel), else the
    bundled ``--series`` (default southwest)."""
    if Settings.input is None:
        from ..data import load

        return load() if series is None else load(series, allow_gaps=allow_gaps)
    panel = read_panel([series] if series else None)
    if len(panel) > 1:
        raise DataError(
            f"{Settings.input.name} holds {len(panel)} series ({_first(list(panel), 5)}); "
            "pick one with --series ID"
        )
    return next(iter(panel.values()))


def _first(ids: list[str], n: int) -> str:
    return ", ".join(ids[:n]) + (", ..." if len(ids) > n else "")


def series_id(y: pd.Series, default: str | None) -> str:
    """The id of ``y``: its own, else ``default``, else the --input file's name."""
    fallback = Settings.input.stem if Settings.input is not None else "southwest"
    return str(y.attrs.get("series_id") or default or fallback)


# -- output --------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as JSON-able Python: months as ``YYYY-MM``, NaN as ``None``, numpy as Python."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [plain(r) for r in value.reset_index().to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, (pd.Timestamp, datetime, date)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m") if ts == ts.to_period("M").to_timestamp() else ts.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if value is pd.NaT:
        return None
    return str(value)


def echo_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON (no NaN), months as ``YYYY-MM``."""
    typer.echo(json.dumps(plain(obj), indent=2, allow_nan=False))


def markup_safe(text: Any) -> str:
    """:func:`clean` text with rich markup escaped (``[start, end]`` stays visible)."""
    from rich.markup import escape

    return escape(clean(text))


def num(v: Any, fmt: str = ",.0f", missing: str = "") -> str:
    """``v`` formatted, or ``missing`` for None and NaN."""
    return missing if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def print_table(
    title: str,
    columns: Iterable[str],
    rows: Iterable[Iterable[Any]],
    right: Iterable[str] = (),
    width: int | None = 160,
    **style: Any,
) -> None:
    """Print a rich table on stdout; cells are :func:`markup_safe`, ``right`` columns (numbers)
    right-aligned; ``style`` goes to :class:`rich.table.Table`."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=markup_safe(title), **style)
    right = set(right)
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left")
    for row in rows:
        table.add_row(*map(markup_safe, row))
    Console(width=width).print(table)


def save_figure(fig: Any, path: str) -> None:
    """Write a matplotlib Figure to ``path`` atomically, then close it."""
    import matplotlib.pyplot as plt

    from ..atomic import replacing

    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(folder):
            raise DataError(f"cannot write the plot: folder {folder!r} does not exist")
        with replacing(path) as tmp:
            fig.savefig(tmp, dpi=110)
    finally:
        plt.close(fig)
