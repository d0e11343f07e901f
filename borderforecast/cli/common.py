"""Pieces every command shares: input options, JSON output, exit codes, safe terminal text.

Exit codes (the same for every command):

==== ===========================================================================
0    success
1    internal error (a bug or an environment problem; ``--verbose`` shows the
     traceback)
2    bad data or a bad value: a malformed or invalid file, an unknown model or
     series, a month outside the data, an option value of the wrong type
64   usage error: an unknown option or command, a missing required option, bad
     option syntax (``EX_USAGE`` of BSD's ``sysexits.h``)
130  interrupted (Ctrl-C)
==== ===========================================================================
"""

from __future__ import annotations

import difflib
import json
import math
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

# -- options shared by the commands that read a series -------------------------------------

InputOption = Annotated[
    Path | None,
    typer.Option(
        "--input",
        "-i",
        help="Your own CSV or Excel file of monthly counts (one series, or a long panel "
        "with an id column) instead of a bundled series.",
    ),
]
IdColOption = Annotated[
    str | None,
    typer.Option("--id-col", help="Series id column of a long panel (default: unique_id)."),
]
DateColOption = Annotated[
    str | None,
    typer.Option("--date-col", help="Month column (default: ds, month, date... or detected)."),
]
ValueColOption = Annotated[
    str | None,
    typer.Option("--value-col", help="Count column (default: y, or the only numeric one)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]
HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="User home: data store, vintages, caches (default: BORDERFORECAST_HOME or the "
        "per-user folder).",
    ),
]


class Settings:
    """Process-wide switches set by the root options (``--quiet``, ``--verbose``), and the
    reading options of ``--input`` (``--sheet``, ``--delimiter``, ...) of the command run."""

    quiet = False
    verbose = False
    reading: dict[str, Any] = {}


READING_OPTIONS = {
    "sheet": "Sheet of an --input workbook (name or number from 0); needed when it has several.",
    "delimiter": "Delimiter of an --input CSV (default: sniffed among , ; tab |).",
    "decimal": "Decimal separator of the counts in --input, when the file does not settle it "
    "(35.000: 35 or 35,000?): . or ,",
    "thousands": "Thousands separator of the counts in --input: . or , (or none).",
    "date_format": "Format of the months in --input when the file does not settle it, e.g. "
    "%d/%m/%Y (01/08/2019 is August) or %b-%y.",
}


def add_reading_options(cmd: Any) -> None:
    """Give a click command that takes ``--input`` the options of :data:`READING_OPTIONS`;
    their values go to :attr:`Settings.reading` (read by :func:`input_panel`)."""
    import copy

    template = next((p for p in cmd.params if p.name == "date_col"), None)
    if template is None or cmd.callback is None:  # the commands that take --input
        return
    for name, text in READING_OPTIONS.items():
        option = copy.copy(template)  # a text option of the same kind as --date-col
        option.name, option.opts, option.secondary_opts = name, ["--" + name.replace("_", "-")], []
        option.help = text
        cmd.params.append(option)
    inner = cmd.callback

    def callback(*args: Any, **kwargs: Any) -> Any:
        given = {k: kwargs.pop(k, None) for k in READING_OPTIONS}
        Settings.reading = {k: v for k, v in given.items() if v is not None}
        if Settings.reading and kwargs.get("input") is None:
            flags = ", ".join("--" + k.replace("_", "-") for k in Settings.reading)
            raise DataError(f"{flags} need --input FILE")
        return inner(*args, **kwargs)

    cmd.callback = callback


# -- reading input -------------------------------------------------------------------------


def _read(input: Path, id_col: str | None, date_col: str | None, value_col: str | None) -> Any:
    from ..data.userdata import read_series

    return read_series(
        input, id_col=id_col, date_col=date_col, value_col=value_col, **Settings.reading
    )


def _pick(panel: dict[str, pd.Series], wanted: list[str], where: str) -> dict[str, pd.Series]:
    from ..errors import UnknownSeriesError

    out = {}
    for sid in wanted:
        if sid not in panel:
            close = difflib.get_close_matches(sid, list(panel), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownSeriesError(
                f"{where} holds no series {sid!r}{hint} (ids: {', '.join(list(panel)[:10])}"
                f"{', ...' if len(panel) > 10 else ''})"
            )
        out[sid] = panel[sid]
    return out


def input_panel(
    input: Path,
    series: list[str] | None = None,
    id_col: str | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
) -> dict[str, pd.Series]:
    """Every series of a user's file (or the ones named by ``--series``), by id."""
    from ..data.userdata import from_long

    got = _read(input, id_col, date_col, value_col)
    if isinstance(got, pd.Series):
        panel = {str(got.attrs.get("series_id") or input.stem): got}
    else:
        panel = from_long(got, source=input.name)
    return _pick(panel, series, input.name) if series else panel


def input_series(
    input: Path | None,
    series: str | None,
    id_col: str | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    *,
    allow_gaps: bool = False,
) -> pd.Series:
    """The one series a command works on: from ``--input`` (``--series`` picks an id of a
    panel) or the bundled data (``--series`` id, default southwest)."""

    if input is None:
        cols = (("--id-col", id_col), ("--date-col", date_col), ("--value-col", value_col))
        for flag, value in cols:
            if value is not None:
                raise DataError(f"{flag} needs --input FILE")
        from ..data import load

        return load() if series is None else load(series, allow_gaps=allow_gaps)
    panel = input_panel(input, [series] if series else None, id_col, date_col, value_col)
    if len(panel) > 1:
        ids = list(panel)
        raise DataError(
            f"{input.name} holds {len(ids)} series ({', '.join(ids[:5])}"
            f"{', ...' if len(ids) > 5 else ''}); pick one with --series ID"
        )
    return next(iter(panel.values()))


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
