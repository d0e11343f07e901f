"""``borderforecast backtest``: which model to trust, at which horizon, how honest its intervals."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import DataError, DataWarning
from .common import (
    DateColOption,
    IdColOption,
    InputOption,
    Settings,
    ValueColOption,
    echo_json,
    input_panel,
    input_series,
    markup_safe,
)


def _num(v: Any, fmt: str = ".3f") -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def _pct(v: Any) -> str:
    return _num(v, ".0%")


def _table(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )


def ranking_table(result: Any, series: str | None = None) -> Table:
    """The ranking as a rich table (best model first)."""
    rank = result.ranking(series=series)
    title = f"Backtest ranking: {series or ', '.join(result.series)} (best first)"
    table = _table(title)
    table.add_column("model", style="bold", no_wrap=True, min_width=16)
    for col in ("MASE", "RMSSE", "sMAPE", "cov80", "cov95", "W80", "W95", "skill"):
        table.add_column(col, justify="right")
    for name, r in rank.iterrows():
        table.add_row(
            str(name),
            _num(r["mase"]),
            _num(r["rmsse"]),
            _num(r["smape"], ".0f"),
            _pct(r.get("coverage80")),
            _pct(r.get("coverage95")),
            _num(r.get("winkler80"), ".0f"),
            _num(r.get("winkler95"), ".0f"),
            _num(0.0 if abs(r["skill"]) < 0.005 else r["skill"], "+.0%"),
        )
    table.caption = (
        "MASE, RMSSE and Winkler scores (W80, W95) scaled by the in-sample seasonal-naive "
        "error; coverage of the calibrated intervals; skill = 1 - MASE / MASE(snaive)"
    )
    table.caption_justify = "left"
    return table


def era_table(result: Any) -> Table:
    """Interval coverage per era, calibrated vs raw."""
    m = result.metrics
    m = m[(m["horizon"] == "all") & (m["era"] != "all")]
    table = _table("Interval coverage by era of origin: calibrated (model's own)")
    table.add_column("model", style="bold")
    eras = sorted(m["era"].unique())
    for era in eras:
        label = era.replace("..", "..\n")
        table.add_column(f"{label}\n80%", justify="right")
        table.add_column(f"{label}\n95%", justify="right")
    for model in result.ranking().index:
        row = [str(model)]
        for era in eras:
            cal = m[(m["model"] == model) & (m["era"] == era) & (m["intervals"] == "calibrated")]
            raw = m[(m["model"] == model) & (m["era"] == era) & (m["intervals"] == "raw")]
            for lv in ("80", "95"):
                c = cal[f"coverage{lv}"].mean() if len(cal) else float("nan")
                r = raw[f"coverage{lv}"].mean() if len(raw) else float("nan")
                row.append(f"{_pct(c)} ({_pct(r)})")
        table.add_row(*row)
    return table


def _parse_reselect(items: list[str]) -> dict[str, int]:
    from ..errors import ModelError

    out = {}
    for item in items:
        name, sep, n = item.partition("=")
        if not sep or not name or not n.strip().isdigit() or int(n) < 1:
            raise ModelError(f"--reselect takes MODEL=N with N a whole number >= 1, got {item!r}")
        out[name.strip()] = int(n)
    return out


def register(app: typer.Typer) -> None:
    """Add ``backtest`` to ``app`` (over 60 lines: the command's typed options)."""

    @app.command("backtest")
    def backtest_command(
        model: Annotated[
            list[str] | None,
            typer.Option(
                "--model",
                "-m",
                help="Model spec name (repeat for several; 'all' for every spec; default: "
                "every spec whose file does not say default = false).",
            ),
        ] = None,
        series: Annotated[
            list[str] | None,
            typer.Option("--series", "-s", help="Series id (repeat; default: southwest)."),
        ] = None,
        all_sectors: Annotated[
            bool, typer.Option("--all-sectors", help="Every USBP Southwest sector.")
        ] = False,
        all_demographics: Annotated[
            bool,
            typer.Option(
                "--all-demographics", help="USBP Southwest family units, single adults, UAC."
            ),
        ] = False,
        start: Annotated[
            str | None, typer.Option(help="First origin YYYY-MM (default 2011-12).")
        ] = None,
        end: Annotated[
            str | None,
            typer.Option(
                help="Last origin YYYY-MM (default: last with h months of actuals after it)."
            ),
        ] = None,
        step: Annotated[int, typer.Option(help="Months between origins (3 = quarterly).")] = 1,
        h: Annotated[int, typer.Option("--h", help="Forecast horizon in months.")] = 12,
        jobs: Annotated[int, typer.Option(help="Worker processes (engine 'processes').")] = 1,
        engine: Annotated[
            str | None,
            typer.Option(help="sequential, processes or dask (default: processes if --jobs > 1)."),
        ] = None,
        scheduler: Annotated[
            str | None, typer.Option(help="dask scheduler address (engine 'dask').")
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(help="Write forecasts.csv, metrics.csv and run.json to this folder."),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="Refit every origin.")] = False,
        seed: Annotated[int, typer.Option(help="Seed passed to every model.")] = 0,
        calibration: Annotated[
            str, typer.Option(help="Interval calibration: conformal or none.")
        ] = "conformal",
        reselect: Annotated[
            list[str] | None,
            typer.Option(
                "--reselect",
                help="MODEL=N: choose the model's orders only every N months, re-estimating "
                "in between (default auto_sarima=12; auto_sarima=1 searches at every origin).",
            ),
        ] = None,
        learned_ensemble: Annotated[
            bool,
            typer.Option(
                "--learned-ensemble",
                help="Add an ensemble of all models weighted by 1/MASE of their past errors.",
            ),
        ] = False,
        all_series: Annotated[
            bool,
            typer.Option(
                "--all-series",
                help="Every bundled series (see `borderforecast data list`); series that "
                "cannot run are skipped and listed with the reason.",
            ),
        ] = False,
        input: InputOption = None,
        id_col: IdColOption = None,
        date_col: DateColOption = None,
        value_col: ValueColOption = None,
    ) -> None:
        """Rolling-origin backtest: rank models by MASE and check their interval coverage."""
        from ..atomic import check_output_folder
        from ..backtesting import BacktestOptions, CalibrationOptions
        from ..backtesting.plan import plan, series_group
        from ..paths import ensure_writable_dir

        if out is not None:  # before the long computation
            check_output_folder(ensure_writable_dir(out, "--out"))
        ids = list(series or [])
        user = None
        if input is not None:
            if all_sectors or all_demographics or all_series:
                raise DataError("--input cannot be combined with --all-sectors, --all-series ...")
            user = input_panel(input, ids or None, id_col, date_col, value_col)
            ids = []
        else:
            input_series(None, None, id_col, date_col, value_col)  # --*-col need --input
        if all_series:
            from ..data import series_ids

            ids += series_ids()
        if all_sectors:
            ids += series_group("sectors")
        if all_demographics:
            ids += series_group("demographics")
        options = BacktestOptions(
            h=h,
            start=start,
            end=end,
            step=step,
            seed=seed,
            engine=engine or ("processes" if jobs != 1 else "sequential"),
            jobs=jobs,
            scheduler=scheduler,
            cache=not no_cache,
            calibration=CalibrationOptions(method=calibration),
            learned_ensemble=learned_ensemble,
        )
        if reselect:
            options = options.replace(reselect_every=_parse_reselect(reselect))
        # everything is validated here, before any model is fitted (exit 2 on bad input)
        with warnings.catch_warnings():
            if all_series:  # gaps and early ends are expected here; skipped series are listed
                warnings.simplefilter("ignore", DataWarning)
            the_plan = plan(user, model or None, list(dict.fromkeys(ids)) or None, options)
        result = _execute(the_plan)
        if out is not None:
            result.save(out)
        if as_json:
            echo_json({"metrics": result.to_dict()["metrics"], "skipped": result.skipped})
        else:
            _show(result, out)


def _execute(the_plan: Any) -> Any:
    """Run a plan with a progress bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ..backtesting.run import execute

    err = Console(stderr=True, quiet=Settings.quiet)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("fitting", total=None)

        def _progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return execute(the_plan, _progress)


def _show(result: Any, out: Path | None) -> None:
    """The ranking, coverage by era, the recommendation and what failed, on stdout."""
    console = Console()
    for sid in result.series:
        console.print(ranking_table(result, sid if len(result.series) > 1 else None))
    console.print(era_table(result))
    rec = result.recommended
    console.print(f"[bold]Recommended:[/bold] {rec.model} - {rec.reason}")
    info = result.info
    console.print(
        f"[dim]{info['fits']} fits, {info['cached']} from cache, {info['combined']} combined, "
        f"{info['failed']} failed; {info['timings']['wall_seconds']:.1f} s; data release "
        f"{info['data_release']}[/dim]"
    )
    if len(result.errors):
        sample = result.errors.iloc[0]
        console.print(
            f"[yellow]{len(result.errors)} cells failed[/yellow] (e.g. {sample['model']} at "
            f"{sample['origin']:%Y-%m}: {sample['error']}); see run.json"
        )
    if result.skipped:
        console.print(f"[yellow]{len(result.skipped)} series skipped[/yellow]:")
        for sid, why in result.skipped.items():
            console.print(f"  {markup_safe(sid)}: {markup_safe(why)}", highlight=False)
    if out is not None:
        console.print(f"Wrote {out}/forecasts.csv, metrics.csv, run.json")
