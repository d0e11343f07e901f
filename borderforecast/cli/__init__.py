"""The ``borderforecast`` command line.

The CLI is thin: each sub-module registers its commands on the one typer app
and calls the Python API; shared options, JSON output and the exit codes live
in :mod:`borderforecast.cli.common`. :func:`main` turns errors into one line
on stderr and an exit code, with no traceback (``--verbose`` shows it for
internal errors): 0 ok, 1 internal error, 2 bad data or bad value, 64 usage
error.
"""

from __future__ import annotations

import functools
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from ..errors import BorderforecastError
from . import assess as _assess
from . import backtest as _backtest
from . import cache as _cache
from . import context as _context
from . import data as _data
from . import forecast as _forecast
from . import models as _models
from . import report as _report
from . import season as _season
from .common import (
    EXIT_CODES_HELP,
    EXIT_DATA,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Settings,
    add_reading_options,
    clean,
)

app = typer.Typer(
    name="borderforecast",
    help="Forecast monthly U.S. Border Patrol Southwest border apprehensions, "
    "and test whether a change goes beyond normal seasonality.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help texts are plain: "[start, end]" must stay visible
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"borderforecast {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars, status lines or warnings.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Show every warning, and the traceback of internal errors."
        ),
    ] = False,
) -> None:
    """Forecast monthly U.S. Border Patrol Southwest border apprehensions."""
    Settings.quiet = quiet and not verbose
    Settings.verbose = verbose


for _module in (_models, _forecast, _assess, _backtest, _season, _context, _data, _report, _cache):
    _module.register(app)

_METAVARS = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "Path": "PATH"}


@functools.cache
def command() -> Any:
    """The click command behind :data:`app` (built once per process), with readable value
    types in ``--help`` (no ``<bool>`` after a flag; ``TEXT`` rather than ``<list[str]>``)."""
    root = typer.main.get_command(app)

    def walk(cmd: Any) -> None:
        add_reading_options(cmd)
        for p in cmd.params:
            if getattr(p, "param_type_name", "") != "option" or p.metavar is not None:
                continue
            if getattr(p, "is_flag", False):
                p.metavar = ""
            elif hasattr(p, "bare_type"):
                name = p.bare_type()
                inner = name[5:-1] if name.startswith("list[") else name
                p.metavar = _METAVARS.get(inner, inner.upper())
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(root)
    return root


def _show_warning(message: Any, category: Any, *_: Any, **__: Any) -> None:
    if Settings.quiet:
        return
    print(f"borderforecast: warning: {clean(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 internal error, 2 bad data or value,
    64 usage error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    Settings.quiet = Settings.verbose = False
    Settings.reading = {}
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            result = command().main(args=args, prog_name="borderforecast", standalone_mode=False)
        except BorderforecastError as exc:
            print(f"borderforecast: error: {clean(exc)}", file=sys.stderr)
            return EXIT_DATA
        except OSError as exc:  # a path the user gave: read-only, full disk, a file for a folder
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"borderforecast: error: {where}{clean(exc.strerror or exc)}", file=sys.stderr)
            return EXIT_DATA
        except KeyboardInterrupt:
            print("borderforecast: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:  # click's usage errors, then anything unexpected
            return _other_error(exc)
    return result if isinstance(result, int) else EXIT_OK


def _other_error(exc: Exception) -> int:
    kind = type(exc).__name__
    names = {c.__name__ for c in type(exc).__mro__}
    if "ClickException" in names:
        bad_value = "BadParameter" in names and "MissingParameter" not in names
        exc.show()  # type: ignore[attr-defined]
        if "UsageError" in names:
            return EXIT_DATA if bad_value else EXIT_USAGE
        return int(getattr(exc, "exit_code", EXIT_INTERNAL)) or EXIT_INTERNAL
    if kind == "Abort":
        print("borderforecast: aborted", file=sys.stderr)
        return EXIT_INTERNAL
    if Settings.verbose:
        traceback.print_exc()
    print(
        f"borderforecast: internal error: {kind}: {clean(exc)} (run with --verbose for the "
        "traceback; please report it)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def run() -> None:  # console-script entry point
    sys.exit(main())
