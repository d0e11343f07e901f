"""``borderforecast forecast``: forecast a bundled series or your own file; ``models``: the
models it can use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from . import common


def forecast_command(
    model: common.ModelOption = None,
    h: common.HOption = 12,
    level: Annotated[
        list[float] | None,
        typer.Option("--level", help="Interval level in percent (repeat; default 80 and 95)."),
    ] = None,
    series: common.SeriesOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the forecast to this .csv or .json file."),
    ] = None,
    long: Annotated[
        bool, common.flag("--long", "The long shape unique_id, ds, <model>, <model>-lo-80, ...")
    ] = False,
    as_json: common.JsonOption = False,
    home: common.HomeOption = None,
) -> None:
    """Forecast the next H months with intervals (counts, never negative).

    With --input and no --series, every series of the file (in the long shape)."""
    from ..data.userdata import to_long
    from ..forecast import forecast

    kwargs: dict[str, Any] = {"h": h}
    if model is not None:
        kwargs["model"] = model
    if level:
        kwargs["level"] = tuple(level)
    if out is not None:  # before the computation
        _check_out(out)
    if common.Settings.input is not None and series is None:
        panel = common.read_panel()
    else:
        y = common.read_series(series)
        panel = {common.series_id(y, series): y}
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
        common.echo_json(fc.to_dict(orient="records") if long else _records(fc))
    elif long:
        typer.echo(fc.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    else:
        rows = ([f"{m:%Y-%m}", *(f"{v:,.0f}" for v in r)] for m, r in fc.iterrows())
        title = f"{sid}: {name} forecast, {len(fc)} months"
        columns = [str(c) for c in fc.columns]
        common.print_table(title, ["month", *columns], rows, right=columns)
    if out is not None and not as_json:
        typer.echo(f"Wrote {out}")


def _records(fc: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per month, each naming the model and how its intervals were made."""
    attrs = {k: str(fc.attrs.get(k, "")) for k in ("model", "intervals")}
    return common.plain(fc.assign(**attrs).rename_axis("month"))


def _check_out(path: Path) -> None:
    """``--out`` ends in .csv or .json and its folder exists or can be made."""
    from ..errors import DataError
    from ..paths import ensure_writable_dir

    if path.suffix.lower() not in (".csv", ".json"):
        raise DataError(f"--out {path}: the file must end in .csv or .json")
    ensure_writable_dir(path.parent, "--out")


def _write(path: Path, fc: pd.DataFrame, long: bool) -> None:
    """The forecast as CSV or JSON; one row per month naming the model and how its intervals
    were made (a panel: the long shape, columns named by model)."""
    import json

    from ..atomic import write_text
    from ..text import csv_text

    table = (fc.assign(ds=pd.DatetimeIndex(fc["ds"]).strftime("%Y-%m")) if long
             else pd.DataFrame(_records(fc)))  # fmt: skip
    if path.suffix.lower() == ".csv":
        write_text(path, csv_text(table, index=False, float_format="%.6g"))
    else:
        write_text(path, json.dumps(common.plain(table.to_dict(orient="records")), indent=1) + "\n")


def models_command(as_json: common.JsonOption = False, home: common.HomeOption = None) -> None:
    """List the named models (specs in models/ and the user home), one line each."""
    from ..forecast import list_models

    table = list_models().reset_index()
    if as_json:
        common.echo_json(table.to_dict(orient="records"))
        return
    rows = table.itertuples(index=False)
    common.print_table("borderforecast models", tuple(table.columns), rows, width=None)
