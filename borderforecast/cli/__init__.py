"""The ``borderforecast`` command line.

The CLI is thin: each sub-module registers its commands on the one typer app
and calls the Python API. :func:`main` turns borderforecast's own errors into
one line on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from ..errors import BorderforecastError
from . import assess as _assess
from . import backtest as _backtest
from . import cache as _cache
from . import data as _data
from . import models as _models
from . import report as _report
from . import season as _season

app = typer.Typer(
    name="borderforecast",
    help="Forecast monthly U.S. Border Patrol Southwest border apprehensions, "
    "and test whether a change goes beyond normal seasonality.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)



@app.callback()
def _root() -> None:
    """Forecast monthly U.S. Border Patrol Southwest border apprehensions."""


for _module in (_models, _assess, _backtest, _season, _data, _report, _cache):
    _module.register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 failure, 2 bad input)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="borderforecast", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BorderforecastError as exc:
        print(f"borderforecast: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path the user gave: read-only, full disk, a file for a folder
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"borderforecast: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("borderforecast: interrupted", file=sys.stderr)
        return 130
    return 0


def run() -> None:  # console-script entry point
    sys.exit(main())
