"""``borderforecast context``: the facts journalists quote about one month."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import (
    DateColOption,
    IdColOption,
    InputOption,
    JsonOption,
    ValueColOption,
    echo_json,
    input_series,
    markup_safe,
)
from .season import pct


def _print_context(ctx: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    def num(v: float | None) -> str:
        return "n/a" if v is None else f"{v:,.0f}"

    def change(c: Any) -> str:
        return "" if c is None else f"{c.absolute:+,.0f} ({pct(c.percent)})"

    table = Table(title=markup_safe(f"{ctx.series}: {ctx.month:%B %Y}"))
    table.add_column("fact")
    table.add_column("value", justify="right")
    table.add_column("change", justify="right")
    table.add_row("value", num(ctx.value), "")
    table.add_row("previous month", num(ctx.previous), change(ctx.change_vs_previous))
    table.add_row("a year earlier", num(ctx.year_ago), change(ctx.change_vs_year_ago))
    table.add_row(
        f"rank among {ctx.month_name}s", f"{ctx.rank_among_same_month} of {ctx.n_years}", ""
    )
    if ctx.fytd is not None:
        f = ctx.fytd
        table.add_row(
            f"FY{f.fiscal_year} to date ({f.months} months)",
            num(f.total),
            f"{f.change:+,.0f} ({pct(f.pct_change)}) vs FY{f.fiscal_year - 1}",
        )
    for phrase in (ctx.highest_month_since, ctx.lowest_month_since):
        if phrase:
            table.add_row(phrase, "", "")
    for c in ctx.comparisons:
        table.add_row(f"vs {c.label} ({c.month:%Y-%m})", num(c.value), change(c.change))
    console = Console(width=160)
    console.print(table)
    for s in ctx.sentences():
        console.print(markup_safe(s), highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("context")
    def context_command(
        month: Annotated[str, typer.Argument(help="The month: 2019-08, Aug 2019 or 2019-08-01.")],
        series: Annotated[
            str | None,
            typer.Option(
                "--series",
                help="Series id (default: southwest USBP, plus USBP + OFO where it exists); "
                "with --input, an id of the file's panel.",
            ),
        ] = None,
        compare: Annotated[
            list[str] | None,
            typer.Option("--compare", help="An earlier month to compare with (repeatable)."),
        ] = None,
        input: InputOption = None,
        id_col: IdColOption = None,
        date_col: DateColOption = None,
        value_col: ValueColOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Facts for one month: changes, rank among the same month, highest month since,
        FYTD, record comparisons. Percentages are in percent points (-29.6 = 29.6% lower)."""
        from ..context import context
        from ..errors import BorderforecastError

        results: dict[str, Any] = {}
        if input is not None:
            y = input_series(input, series, id_col, date_col, value_col)
            results[str(y.attrs.get("series_id") or input.stem)] = context(
                month, y, compare=compare
            )
        elif series is None:
            input_series(None, None, id_col, date_col, value_col)  # --*-col without --input
            results["southwest"] = context(month, compare=compare)
            try:
                results["usbp+ofo"] = context(month, series="usbp+ofo", compare=compare)
            except BorderforecastError:
                pass  # no USBP + OFO figure for this month: show USBP alone
        else:
            results[series] = context(month, series=series, compare=compare)
        if as_json:
            echo_json({k: v.to_dict() for k, v in results.items()})
            return
        for i, ctx in enumerate(results.values()):
            if i:
                typer.echo("")
            _print_context(ctx)
