"""``borderforecast report``: the monthly forecast report (HTML, Markdown, figures)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    DateColOption,
    HomeOption,
    IdColOption,
    InputOption,
    JsonOption,
    Settings,
    ValueColOption,
    echo_json,
    input_series,
    markup_safe,
)

OutOption = Annotated[
    Path, typer.Option("--out", "-o", help="Output folder (created), e.g. reports/2025-08/.")
]
SeriesOption = Annotated[
    str | None, typer.Option("--series", help="Series id (default: southwest).")
]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="Forecast model (default: the backtest's recommendation)."),
]
MonthOption = Annotated[
    str | None,
    typer.Option("--month", help="Data month to report on, YYYY-MM (default: the latest)."),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of every random draw.")]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace a stored forecast vintage of this month that "
        "differs (the old one is kept as <model>.revN.csv); without it the report "
        "is refused.",
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        help="Worker processes (backtest, figures, placebo runs; default: 2 for the backtest "
        "on a machine with 2+ cores, 1 for the figures and the placebo runs).",
    ),
]
NameOption = Annotated[
    str | None,
    typer.Option(
        "--name",
        help="With --input: the series' name in titles (default: the file's value column).",
    ),
]
UnitOption = Annotated[
    str | None,
    typer.Option(
        "--unit",
        help="With --input: what the series counts, a plural noun "
        "such as 'passengers' (default: the file's value column).",
    ),
]


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        out: OutOption,
        series: SeriesOption = None,
        model: ModelOption = None,
        month: MonthOption = None,
        seed: SeedOption = 0,
        home: HomeOption = None,
        force: ForceOption = False,
        jobs: JobsOption = None,
        input: InputOption = None,
        id_col: IdColOption = None,
        date_col: DateColOption = None,
        value_col: ValueColOption = None,
        name: NameOption = None,
        unit: UnitOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Write the monthly report: headline, forecast, seasonality, assessment, breakdown,
        earlier forecasts scored, data. Stores this report's forecasts as vintages."""
        from rich.console import Console

        from ..paths import ensure_writable_dir, home_dir
        from ..reporting import SECTIONS, ReportOptions, report

        ensure_writable_dir(out, "--out")  # before the long computation
        ensure_writable_dir(home_dir(home), "--home")

        user_y, series = _user_series(input, series, (id_col, date_col, value_col), name, unit)
        console = Console(stderr=True, quiet=Settings.quiet or as_json)
        titles = dict(SECTIONS) | {"write": "Writing files and vintages"}
        start = time.perf_counter()
        opts = ReportOptions(name=name, unit=unit)
        if jobs is not None:
            opts = replace(opts, jobs=jobs, backtest_jobs=jobs)
        run: dict[str, Any] = {
            "out": out,
            "series": series,
            "model": model,
            "month": month,
            "seed": seed,
            "home": home,
            "force": force,
            "options": opts,
            "y": user_y,
        }
        if not console.is_terminal:  # a log or a pipe: one plain line per stage, no animation
            result = report(**run, progress=_plain(titles, start, Settings.quiet or as_json))
        else:
            result = _with_bars(console, titles, lambda on_event: report(**run, progress=on_event))
        if as_json:
            echo_json(result.to_dict())
            return
        Console().print(markup_safe(result.summary()), highlight=False, soft_wrap=True)
        Console().print(f"Done in {time.perf_counter() - start:.1f} s.", highlight=False)


def _user_series(
    path: Path | None, series: str | None, cols: tuple[Any, Any, Any], name: Any, unit: Any
) -> tuple[Any, str | None]:
    """``(the series of --input, its id)``, or ``(None, series)`` when there is no file
    (then --*-col, --name and --unit are errors: bundled series name themselves)."""
    if path is not None:
        y = input_series(path, series, *cols)
        return y, str(y.attrs.get("series_id") or path.stem)
    input_series(None, None, *cols)  # --*-col need --input
    from ..errors import DataError

    for flag, value in (("--name", name), ("--unit", unit)):
        if value is not None:
            raise DataError(f"{flag} needs --input FILE (bundled series name themselves)")
    return None, series


def _plain(titles: dict[str, str], start: float, quiet: bool) -> Any:
    """Progress as plain lines on stderr: each stage, and the backtest at each quarter."""
    import sys

    def plain(event: str, key: str, detail: str) -> None:
        if quiet:
            return
        if event == "step" and not detail.startswith(("backtest", "choosing", "forecast")):
            return
        if event == "step" and detail.startswith("backtest"):
            done, _, total = detail.split()[1].partition("/")
            if not total or (int(done) % max(1, int(total) // 4) and done != total):
                return  # a line at each quarter of the backtest
        word = {"start": "...", "step": "  ", "done": "done"}[event]
        print(
            f"[{time.perf_counter() - start:6.1f} s] {titles.get(key, key)} {word} "
            f"{detail}".rstrip(),
            file=sys.stderr,
            flush=True,
        )

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
