"""``borderforecast backtest``: which model to trust, at which horizon, how honest its intervals."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console

from ..errors import DataError, DataWarning
from . import common

_STYLE = {
    "title_justify": "left",
    "box": box.SIMPLE_HEAD,
    "pad_edge": False,
    "show_edge": False,
    "collapse_padding": True,
}


def backtest_command(
    model: common.ModelsOption = None,
    series: Annotated[list[str] | None, typer.Option("--series", "-s", help="Series id.")] = None,
    all_sectors: Annotated[bool, common.flag("--all-sectors", "Every Southwest sector.")] = False,
    all_demographics: Annotated[
        bool, common.flag("--all-demographics", "Southwest family units, single adults, UAC.")
    ] = False,
    all_series: Annotated[bool, common.flag("--all-series", "Every bundled series.")] = False,
    start: Annotated[str | None, typer.Option(help="First origin (default 2011-12).")] = None,
    end: Annotated[
        str | None, typer.Option(help="Last origin (default: the last with h months of actuals).")
    ] = None,
    step: Annotated[int, typer.Option(help="Months between origins (3 = quarterly).")] = 1,
    h: common.HOption = 12,
    jobs: common.JobsOption = 1,
    engine: Annotated[str | None, typer.Option(help="sequential, processes or dask.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask scheduler address.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write forecasts.csv, metrics.csv, run.json to this folder.")
    ] = None,
    as_json: common.JsonOption = False,
    no_cache: Annotated[bool, common.flag("--no-cache", "Refit every origin.")] = False,
    seed: common.SeedOption = 0,
    calibration: Annotated[str, typer.Option(help="Calibration: conformal or none.")] = "conformal",
    reselect: Annotated[
        list[str] | None, typer.Option(help="MODEL=N: choose the model's orders every N months.")
    ] = None,
    learned_ensemble: Annotated[
        bool, common.flag("--learned-ensemble", "Add an ensemble of the models weighted by 1/MASE.")
    ] = False,
    home: common.HomeOption = None,
) -> None:
    """Rolling-origin backtest: rank models by MASE and check their interval coverage.

    Default: southwest (--series repeats), and every model spec whose file does not say default
    = false (--model all: every spec). --engine defaults to processes if --jobs > 1. --reselect
    re-estimates the orders in between (default auto_sarima=12; auto_sarima=1 searches at every
    origin). With --all-series (the series of `borderforecast data list`), series that cannot
    run are skipped and listed with the reason.
    """
    from ..atomic import check_output_folder
    from ..backtesting import BacktestOptions, CalibrationOptions
    from ..paths import ensure_writable_dir

    if out is not None:  # before the long computation
        check_output_folder(ensure_writable_dir(out, "--out"))
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
    groups = (all_sectors, all_demographics, all_series)
    the_plan = _plan(model or None, series or [], groups, options)
    result = _execute(the_plan)
    if out is not None:
        result.save(out)
    picks = _door_picks(the_plan, result, h, seed) if not model else {}
    if as_json:
        common.echo_json({"metrics": result.to_dict()["metrics"], "skipped": result.skipped,
                          "recommended": picks})  # fmt: skip
    else:
        _show(result, out, picks)


def _door_picks(the_plan: Any, result: Any, h: int, seed: int) -> dict[str, dict[str, str]]:
    """Per series, the model ``bf.forecast``, ``forecast`` and the report use (the one rule on
    the candidates' backtest, whose fits this run has just cached), and why; on the run's engine."""
    from ..backtesting.engines import parallel_map

    o, ids = the_plan.options, result.series
    items = [(sid, the_plan.series[sid], the_plan.parts.get(sid), h, seed) for sid in ids]
    with _bar("choosing the model per series", len(items)) as (bar, task):
        recs = parallel_map(_door_pick, items, o.engine, o.jobs, o.scheduler,
                            on_done=lambda _: bar.advance(task))  # fmt: skip
    return {sid: {"model": r.model, "reason": r.reason} for sid, r in zip(ids, recs, strict=True)}


def _door_pick(item: tuple[Any, ...]) -> Any:
    from ..forecast import choose

    sid, y, parts, h, seed = item
    return choose(y, series=sid, h=h, seed=seed, parts=parts).recommendation


def _plan(models: list[str] | None, ids: list[str], groups: tuple[bool, ...], options: Any) -> Any:
    """The plan, every input validated before any model is fitted (exit 2 on bad input)."""
    from ..backtesting.plan import plan, series_group
    from ..data import series_ids

    sectors, demographics, every = groups
    user = None
    if common.Settings.input is not None:
        if any(groups):
            raise DataError("--input cannot be combined with --all-sectors, --all-series ...")
        user, ids = common.read_panel(ids or None), []
    ids += series_ids() if every else []
    ids += series_group("sectors") if sectors else []
    ids += series_group("demographics") if demographics else []
    with warnings.catch_warnings():
        if every:  # gaps and early ends are expected here; skipped series are listed
            warnings.simplefilter("ignore", DataWarning)
        return plan(user, models, list(dict.fromkeys(ids)) or None, options)


def _parse_reselect(items: list[str]) -> dict[str, int]:
    from ..errors import ModelError

    out = {}
    for item in items:
        name, sep, n = item.partition("=")
        if not sep or not name or not n.strip().isdigit() or int(n) < 1:
            raise ModelError(f"--reselect takes MODEL=N with N a whole number >= 1, got {item!r}")
        out[name.strip()] = int(n)
    return out


def _execute(the_plan: Any) -> Any:
    """Run a plan with a progress bar on stderr."""
    from ..backtesting.run import execute

    with _bar("fitting") as (bar, task):
        return execute(the_plan, lambda done, total: bar.update(task, completed=done, total=total))


@contextmanager
def _bar(what: str, total: int | None = None) -> Iterator[tuple[Any, Any]]:
    """A transient progress bar on stderr: ``(progress, task)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    err = Console(stderr=True, quiet=common.Settings.quiet)
    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress("{task.description}", *columns, console=err, transient=True) as bar:
        yield bar, bar.add_task(what, total=total)


def _show(result: Any, out: Path | None, picks: dict[str, dict[str, str]]) -> None:
    """The ranking, coverage by era, the recommendation and what failed, on stdout."""
    for sid in result.series:
        _ranking(result, sid if len(result.series) > 1 else None)
    _eras(result)
    console = Console()
    rec = result.recommended
    for sid, pick in picks.items():
        console.print(f"[bold]Recommended for {sid}[/bold] (what forecast and report use): "
                      f"{pick['model']} - {pick['reason']}")  # fmt: skip
    if not picks:  # models named: the rule on this backtest's scores
        console.print(f"[bold]Recommended:[/bold] {rec.model} - {rec.reason}")
    elif {p["model"] for p in picks.values()} != {rec.model}:  # more models, other origins
        console.print(f"[bold]Best on this backtest's scores by the same rule:[/bold] "
                      f"{rec.model} - {rec.reason}")  # fmt: skip
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
            line = f"  {common.markup_safe(sid)}: {common.markup_safe(why)}"
            console.print(line, highlight=False)
    if out is not None:
        console.print(f"Wrote {out}/forecasts.csv, metrics.csv, run.json")


def _ranking(result: Any, series: str | None) -> None:
    """The ranking, best model first."""
    formats = {"mase": ".3f", "rmsse": ".3f", "smape": ".0f", "coverage80": ".0%",
               "coverage95": ".0%", "winkler80": ".0f", "winkler95": ".0f"}  # fmt: skip
    rows = (
        [name, *(common.num(r.get(k), f, "-") for k, f in formats.items()),
         common.num(0.0 if abs(r["skill"]) < 0.005 else r["skill"], "+.0%", "-")]
        for name, r in result.ranking(series=series).iterrows()
    )  # fmt: skip
    columns = ("MASE", "RMSSE", "sMAPE", "cov80", "cov95", "W80", "W95", "skill")
    caption = (
        "MASE, RMSSE and Winkler scores (W80, W95) scaled by the in-sample seasonal-naive "
        "error; coverage of the calibrated intervals; skill = 1 - MASE / MASE(snaive)"
    )
    title = f"Backtest ranking: {series or ', '.join(result.series)} (best first)"
    style = {**_STYLE, "caption": caption, "caption_justify": "left"}
    common.print_table(title, ("model", *columns), rows, right=columns, width=None, **style)


def _eras(result: Any) -> None:
    """Interval coverage per era, calibrated (and raw)."""
    m = result.metrics
    m = m[(m["horizon"] == "all") & (m["era"] != "all")]
    eras = sorted(m["era"].unique())
    labels = [era.replace("..", "..\n") for era in eras]
    columns = [f"{label}\n{lv}%" for label in labels for lv in (80, 95)]
    rows = []
    for model in result.ranking().index:
        row = [model]
        for era in eras:
            mine = m[(m["model"] == model) & (m["era"] == era)]
            cal, raw = (mine[mine["intervals"] == kind] for kind in ("calibrated", "raw"))
            for lv in ("80", "95"):
                c = cal[f"coverage{lv}"].mean() if len(cal) else float("nan")
                r = raw[f"coverage{lv}"].mean() if len(raw) else float("nan")
                row.append(f"{common.num(c, '.0%', '-')} ({common.num(r, '.0%', '-')})")
        rows.append(row)
    title = "Interval coverage by era of origin: calibrated (model's own)"
    common.print_table(title, ["model", *columns], rows, right=columns, width=None, **_STYLE)
