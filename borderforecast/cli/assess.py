"""``borderforecast assess``: did a change go beyond normal seasonality?"""

from __future__ import annotations

from typing import Annotated

import click
import typer

from .common import (
    DateColOption,
    IdColOption,
    InputOption,
    ValueColOption,
    echo_json,
    input_series,
)
from .season import save_figure


def register(app: typer.Typer) -> None:
    @app.command("assess")
    def assess_command(
        start: Annotated[
            str | None, typer.Option("--start", help="First month of the window (YYYY-MM).")
        ] = None,
        event: Annotated[
            str | None,
            typer.Option(
                "--event",
                help="Date of an event (YYYY-MM-DD) instead of --start: the window starts in its "
                "month, the reference is the month before, and the window starting a month "
                "later is judged too when the event falls after the 1st.",
            ),
        ] = None,
        end: Annotated[
            str | None, typer.Option("--end", help="Last month of the window (default: start).")
        ] = None,
        reference: Annotated[
            str | None,
            typer.Option(
                "--reference",
                help="Month the change is measured from (default: month before start).",
            ),
        ] = None,
        series: Annotated[
            str | None,
            typer.Option(
                "--series", help="Series id (default: southwest), e.g. sector/rio-grande-valley."
            ),
        ] = None,
        model: Annotated[
            list[str] | None,
            typer.Option(
                "--model",
                help="Counterfactual panel model (repeat for several; default: sarima, ets, "
                "structural, local_trend, stl, x13).",
            ),
        ] = None,
        exclude: Annotated[
            list[str] | None,
            typer.Option(
                "--exclude",
                help="Leave a period out of the placebo and comparison years: a month "
                "(2014-06) or a range (2014-05:2014-09); repeat or separate with commas. "
                "Title 42 (2020-03:2023-05) is always left out unless --keep-title42.",
            ),
        ] = None,
        keep_title42: Annotated[
            bool,
            typer.Option("--keep-title42", help="Keep the Title 42 months in the reference years."),
        ] = False,
        alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
        n_paths: Annotated[
            int, typer.Option("--n-paths", help="Simulated paths per model.")
        ] = 1000,
        seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
        placebo_years: Annotated[
            int | None, typer.Option("--placebo-years", help="Use at most this many earlier years.")
        ] = None,
        no_placebo: Annotated[
            bool, typer.Option("--no-placebo", help="Skip the placebo calibration.")
        ] = False,
        no_x13: Annotated[
            bool, typer.Option("--no-x13", help="Skip X-13 outlier detection.")
        ] = False,
        jobs: Annotated[
            int, typer.Option("--jobs", help="Parallel workers for the panel's fits.")
        ] = 2,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print every number as JSON.")
        ] = False,
        plot: Annotated[
            str | None, typer.Option("--plot", help="Write the assessment figure to this PNG file.")
        ] = None,
        input: InputOption = None,
        id_col: IdColOption = None,
        date_col: DateColOption = None,
        value_col: ValueColOption = None,
    ) -> None:
        """Test whether the series over [start, end] moved beyond normal seasonality and trend.

        Prints the evidence table and the verdict (or JSON with --json).
        """
        from ..assessment import assess

        if start is None and event is None:  # a missing option: a usage error (exit 64)
            raise click.UsageError("assess needs --start YYYY-MM or --event YYYY-MM-DD")
        y = input_series(input, series, id_col, date_col, value_col)
        result = assess(
            y,
            start,
            end,
            reference,
            event=event,
            models=model or None,
            alpha=alpha,
            n_paths=n_paths,
            seed=seed,
            placebo=not no_placebo,
            placebo_years=placebo_years,
            x13=not no_x13,
            n_jobs=jobs,
            exclude=",".join(exclude) if exclude else None,
            exclude_title42=not keep_title42,
        )
        if plot:
            import matplotlib

            matplotlib.use("Agg", force=False)
            save_figure(result.plot(), plot)
        if as_json:
            echo_json(result.to_dict())
            return
        _print_table(result)
        typer.echo("")
        typer.echo(result.summary())


def _print_table(result) -> None:  # type: ignore[no-untyped-def]
    import math

    from rich.console import Console
    from rich.table import Table

    def num(v: float, digits: int = 2) -> str:
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.{digits}f}"

    frame = result.to_frame()
    table = Table(
        title=f"{result.series}: {result.window.label()} vs {result.window.reference:%b %Y}"
    )
    for col in ("evidence", "statistic", "value", "p-value", "percentile", "reading"):
        table.add_column(
            col, justify="right" if col in ("value", "p-value", "percentile") else "left"
        )
    for name, row in frame.iterrows():
        p = row["p_value"]
        ptxt = "< 0.001" if isinstance(p, float) and p < 0.001 else num(p, 3)
        table.add_row(
            str(name),
            str(row["statistic"]),
            num(row["value"]),
            ptxt,
            num(row["percentile"], 0),
            str(row["reading"]),
        )
    models = Table(title="Counterfactual panel: each model alone")
    for col in ("model", "effect %", "95% interval", "calibrated p", "gate", "verdict alone"):
        models.add_column(col, justify="right" if col in ("effect %", "calibrated p") else "left")
    for r in result.model_table().itertuples():
        models.add_row(
            str(r.model),
            num(r.effect_pct, 1),
            f"{num(r.lo95_pct, 1)} to {num(r.hi95_pct, 1)}",
            num(r.calibrated_p, 3),
            "passed" if r.gate_passed else f"flagged: {r.gate_reason}",
            str(r.verdict),
        )
    console = Console(width=160)
    console.print(table)
    console.print(models)
    if result.neighbours:
        near = Table(title="The same test on the neighbouring windows")
        for col in ("window", "months", "reference", "verdict", "calibrated p"):
            near.add_column(col, justify="right" if col == "calibrated p" else "left")
        near.add_row("as asked", result.window.label(), f"{result.window.reference:%Y-%m}",
                     result.verdict, num(result.decision.counterfactual_p, 3))
        for n in result.neighbours:
            near.add_row(n.label, n.window.label(), f"{n.window.reference:%Y-%m}", n.verdict,
                         num(n.calibrated_p, 3))
        console.print(near)
    console.print(f"Verdict: [bold]{result.verdict}[/bold] ({result.strength} evidence)")
