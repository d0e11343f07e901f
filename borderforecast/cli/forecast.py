"""``borderforecast forecast``: forecast a bundled series or your own file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from .common import (
    DateColOption,
    IdColOption,
    InputOption,
    JsonOption,
    ValueColOption,
    echo_json,
    input_panel,
    input_series,
    markup_safe,
    plain,
)


def _records(fc: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per month, each naming the model and how its intervals were made."""
    frame = fc.copy()
    frame.index = pd.DatetimeIndex(frame.index).strftime("%Y-%m")
    frame["model"] = str(fc.attrs.get("model", ""))
    frame["intervals"] = str(fc.attrs.get("intervals", ""))
    return plain(frame.rename_axis("month"))


def _write(path: Path, fc: pd.DataFrame, long: bool) -> None:
    import json

    from ..atomic import write_text
    from ..errors import DataError
    from ..text import csv_text

    if not path.parent.resolve().is_dir():
        raise DataError(f"cannot write {path}: folder {path.parent} does not exist")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise DataError(f"--out {path}: the file must end in .csv or .json")
    table = fc if long else fc.rename_axis("month").reset_index()
    if "month" in table.columns:
        table["month"] = pd.DatetimeIndex(table["month"]).strftime("%Y-%m")
    if "ds" in table.columns:
        table["ds"] = pd.DatetimeIndex(table["ds"]).strftime("%Y-%m")
    if suffix == ".csv":
        write_text(path, csv_text(table, index=False, float_format="%.6g"))
    else:
        write_text(path, json.dumps(plain(table.to_dict(orient="records")), indent=1) + "\n")


def _print(fc: pd.DataFrame, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=markup_safe(title))
    table.add_column("month")
    for col in fc.columns:
        table.add_column(str(col), justify="right")
    for m, row in fc.iterrows():
        table.add_row(f"{pd.Timestamp(m):%Y-%m}", *(f"{v:,.0f}" for v in row))
    Console(width=160).print(table)


def register(app: typer.Typer) -> None:
    """Add ``forecast`` to ``app`` (over 60 lines: the command's typed options)."""

    @app.command("forecast")
    def forecast_command(
        model: Annotated[
            str | None,
            typer.Option(
                "--model",
                "-m",
                help="Model name (see `borderforecast models`; default: the model the package's "
                "rule recommends for the series, as `backtest` and `report` do).",
            ),
        ] = None,
        h: Annotated[int, typer.Option("--h", help="Months to forecast.")] = 12,
        level: Annotated[
            list[float] | None,
            typer.Option("--level", help="Interval level in percent (repeat; default 80 and 95)."),
        ] = None,
        series: Annotated[
            str | None,
            typer.Option(
                "--series",
                "-s",
                help="Series id (default: southwest); with --input, an id of the file's panel "
                "(default: every series of the file).",
            ),
        ] = None,
        input: InputOption = None,
        id_col: IdColOption = None,
        date_col: DateColOption = None,
        value_col: ValueColOption = None,
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Write the forecast to this .csv or .json file."),
        ] = None,
        long: Annotated[
            bool,
            typer.Option(
                "--long",
                help="Write and print the long shape unique_id, ds, <model>, <model>-lo-80, ... "
                "(always so for a panel).",
            ),
        ] = False,
        as_json: JsonOption = False,
    ) -> None:
        """Forecast the next H months with intervals (counts, never negative)."""
        from ..data.userdata import to_long
        from ..forecast import forecast

        kwargs: dict[str, Any] = {"h": h}
        if model is not None:
            kwargs["model"] = model
        if level:
            kwargs["level"] = tuple(level)
        if input is not None and series is None:
            panel = input_panel(input, None, id_col, date_col, value_col)
        else:
            y = input_series(input, series, id_col, date_col, value_col)
            sid = str(y.attrs.get("series_id") or series or "southwest")
            panel = {sid: y}
        if len(panel) > 1:
            long = True
            fc = forecast(to_long(panel), **kwargs)
            name = model or "recommended"
        else:
            ((sid, y),) = panel.items()
            fc = forecast(y, **kwargs)
            name = str(fc.attrs.get("model", model))
            if long:
                fc = to_long(fc, model=name, unique_id=sid)
        if out is not None:
            _write(out, fc, long)
        if as_json:
            echo_json(fc.to_dict(orient="records") if long else _records(fc))
        elif long:
            typer.echo(fc.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
        else:
            _print(fc, f"{sid}: {name} forecast, {len(fc)} months")
        if out is not None and not as_json:
            typer.echo(f"Wrote {out}")
