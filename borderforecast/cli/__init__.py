"""The ``borderforecast`` command line: each sub-module holds commands that call the Python API.

:func:`main` turns errors into one line on stderr and an exit code (:data:`common.EXIT_CODES_HELP`),
with no traceback unless ``--verbose`` and the error is internal.
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
from ..paths import with_home
from ..text import clean
from . import assess, backtest, common, data, forecast, report, season

app = typer.Typer(
    name="borderforecast",
    help="Forecast monthly U.S. Border Patrol Southwest border apprehensions, "
    "and test whether a change goes beyond normal seasonality.",
    epilog=common.EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help texts are plain: "[start, end]" must stay visible
)
# with_home: a command given --home runs under that home (store, caches, user specs, workers)
app.command("models")(with_home(forecast.models_command))
app.command("forecast")(with_home(forecast.forecast_command))
app.command("assess")(with_home(assess.assess_command))
app.command("backtest")(with_home(backtest.backtest_command))
app.command("season")(with_home(season.season_command))
app.command("context")(with_home(season.context_command))
app.add_typer(data.data_app, name="data")
app.command("report")(report.report_command)
app.add_typer(data.cache_app, name="cache")


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"borderforecast {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars, status lines or warnings.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Every warning, and internal errors' traceback.")
    ] = False,
) -> None:
    """Forecast monthly U.S. Border Patrol Southwest border apprehensions."""
    common.Settings.quiet = quiet and not verbose
    common.Settings.verbose = verbose


_METAVARS = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "Path": "PATH"}


@functools.cache
def command() -> Any:
    """The click command behind :data:`app` (built once per process), with the input options
    and readable value types in ``--help`` (no ``<bool>`` after a flag, no ``<list[str]>``)."""
    root = typer.main.get_command(app)
    for name in common.INPUT_COMMANDS:
        common.add_input_options(root.commands[name])  # type: ignore[attr-defined]

    def walk(cmd: Any) -> None:
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


def _show_warning(message: Any, *_: Any, **__: Any) -> None:
    if not common.Settings.quiet:
        print(f"borderforecast: warning: {clean(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    common.Settings.quiet = common.Settings.verbose = False
    common.Settings.input, common.Settings.reading = None, {}
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            result = command().main(args=args, prog_name="borderforecast", standalone_mode=False)
        except (BorderforecastError, OSError) as exc:  # bad data, or a path the user gave
            print(f"borderforecast: error: {clean(_reason(exc))}", file=sys.stderr)
            return common.EXIT_DATA
        except KeyboardInterrupt:
            print("borderforecast: interrupted", file=sys.stderr)
            return common.EXIT_INTERRUPTED
        except Exception as exc:  # click's usage errors, then anything unexpected
            return _other_error(exc)
    return result if isinstance(result, int) else common.EXIT_OK


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):  # a path the user gave: read-only, full disk, a file for a folder
        where = f"{exc.filename}: " if exc.filename else ""
        return where + str(exc.strerror or exc)
    return str(exc)


def _other_error(exc: Exception) -> int:
    kind = type(exc).__name__
    names = {c.__name__ for c in type(exc).__mro__}
    if "ClickException" in names:
        bad_value = "BadParameter" in names and "MissingParameter" not in names
        exc.show()  # type: ignore[attr-defined]
        if "UsageError" in names:
            return common.EXIT_DATA if bad_value else common.EXIT_USAGE
        return int(getattr(exc, "exit_code", common.EXIT_INTERNAL)) or common.EXIT_INTERNAL
    if kind == "Abort":
        print("borderforecast: aborted", file=sys.stderr)
        return common.EXIT_INTERNAL
    if common.Settings.verbose:
        traceback.print_exc()
    print(
        f"borderforecast: internal error: {kind}: {clean(exc)} (run with --verbose for the "
        "traceback; please report it)",
        file=sys.stderr,
    )
    return common.EXIT_INTERNAL


def run() -> None:  # console-script entry point
    sys.exit(main())
