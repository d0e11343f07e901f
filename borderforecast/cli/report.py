"""``borderforecast report``: the monthly forecast report (HTML, Markdown, figures)."""

from __future__ import annotations

import functools
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from . import common


def report_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (created), e.g. reports/2025-08/.")
    ],
    series: common.SeriesOption = None,
    model: common.ModelOption = None,
    month: Annotated[
        str | None, typer.Option(help="Data month to report on, YYYY-MM (default: the latest).")
    ] = None,
    seed: common.SeedOption = 0,
    home: common.HomeOption = None,
    force: Annotated[
        bool, common.flag("--force", "Replace a stored forecast of this month that differs.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Workers (default: up to 2, backtest and assessment)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="The series' name in titles.")] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="What it counts, a plural such as 'passengers'.")
    ] = None,
    as_json: common.JsonOption = False,
) -> None:
    """Write the monthly report: headline, forecast, seasonality, assessment, breakdown,
    earlier forecasts scored, data. Stores this report's forecasts as vintages: one of the same
    month that differs is refused unless --force (then the old one is kept as <model>.revN.csv).

    --name and --unit need --input (default: the file's value column)."""
    from rich.console import Console

    from ..errors import DataError
    from ..paths import ensure_writable_dir, home_dir
    from ..reporting import SECTIONS, ReportOptions, report

    ensure_writable_dir(out, "--out")  # before the long computation
    ensure_writable_dir(home_dir(home), "--home")
    user_y = None
    if common.Settings.input is not None:
        user_y = common.read_series(series)
        series = common.series_id(user_y, None)
    for option, value in (("--name", name), ("--unit", unit)):
        if value is not None and user_y is None:
            raise DataError(f"{option} needs --input FILE (bundled series name themselves)")
    console = Console(stderr=True, quiet=common.Settings.quiet or as_json)
    titles = dict(SECTIONS) | {"write": "Writing files and vintages"}
    start = time.perf_counter()
    opts = ReportOptions(name=name, unit=unit)
    if jobs is not None:
        opts = replace(opts, jobs=jobs, backtest_jobs=jobs)
    run = functools.partial(
        report, out, series=series, model=model, month=month, seed=seed, home=home, force=force,
        options=opts, y=user_y,
    )  # fmt: skip
    if console.is_terminal:
        result = _with_bars(console, titles, lambda on_event: run(progress=on_event))
    else:  # a log or a pipe: one plain line per stage, no animation
        result = run(progress=_plain(titles, start, common.Settings.quiet or as_json))
    if as_json:
        common.echo_json(result.to_dict())
        return
    Console().print(common.markup_safe(result.summary()), highlight=False, soft_wrap=True)
    Console().print(f"Done in {time.perf_counter() - start:.1f} s.", highlight=False)


def _plain(titles: dict[str, str], start: float, quiet: bool) -> Any:
    """Progress as plain lines on stderr: each stage, and the backtest at each quarter."""
    import sys

    def shown(event: str, detail: str) -> bool:
        if event != "step":
            return True
        if detail.startswith("backtest"):
            done, _, total = detail.split()[1].partition("/")
            return bool(total) and (done == total or int(done) % max(1, int(total) // 4) == 0)
        return detail.startswith(("choosing", "forecast"))

    def plain(event: str, key: str, detail: str) -> None:
        if not quiet and shown(event, detail):
            word = {"start": "...", "step": "  ", "done": "done"}[event]
            line = f"[{time.perf_counter() - start:6.1f} s] {titles.get(key, key)} {word} {detail}"
            print(line.rstrip(), file=sys.stderr, flush=True)

    return plain


def _with_bars(console: Any, titles: dict[str, str], call: Any) -> Any:
    """``call(on_event)`` with a progress bar per stage on the terminal."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<22}"),
        BarColumn(bar_width=20),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        tasks = {
            k: progress.add_task(t, total=1, detail="waiting", start=False)
            for k, t in titles.items()
        }

        def on_event(event: str, key: str, detail: str) -> None:
            task = tasks.get(key)
            if task is None:
                return
            if event == "start":
                progress.start_task(task)
                progress.update(task, detail="running")
            elif event == "step":
                progress.update(task, detail=detail)
            elif event == "done":
                progress.update(task, completed=1, detail=detail or "done")

        return call(on_event)
