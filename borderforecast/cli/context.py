"""``borderforecast context``: the facts journalists quote about one month."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import (
    JsonOption,
    SeriesOption,
    Settings,
    echo_json,
    markup_safe,
    num,
    print_table,
    read_series,
    series_id,
)
from .season import pct


def context_command(
    month: Annotated[str, typer.Argument(help="The month: 2019-08, Aug 2019 or 2019-08-01.")],
    series: SeriesOption = None,
    compare: Annotated[
        list[str] | None,
        typer.Option("--compare", help="An earlier month to compare with (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Facts for one month: changes, rank among the same month, highest month since,
    FYTD, record comparisons. Percentages are in percent points (-29.6 = 29.6% lower).

    Without --series or --input: southwest USBP, plus USBP + OFO where it exists.
    """
    from ..context import context
    from ..errors import BorderforecastError

    results: dict[str, Any] = {}
    if Settings.input is not None:
        y = read_series(series)
        results[series_id(y, None)] = context(month, y, compare=compare)
    elif series is None:
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


def _print_context(ctx: Any) -> None:
    from rich.console import Console

    def value(v: float | None) -> str:
        return num(v, ",.0f", "n/a")

    def change(c: Any) -> str:
        return "" if c is None else f"{c.absolute:+,.0f} ({pct(c.percent)})"

    rows = [
        ("value", value(ctx.value), ""),
        ("previous month", value(ctx.previous), change(ctx.change_vs_previous)),
        ("a year earlier", value(ctx.year_ago), change(ctx.change_vs_year_ago)),
        (f"rank among {ctx.month_name}s", f"{ctx.rank_among_same_month} of {ctx.n_years}", ""),
    ]
    if ctx.fytd is not None:
        f = ctx.fytd
        vs = f"{f.change:+,.0f} ({pct(f.pct_change)}) vs FY{f.fiscal_year - 1}"
        rows.append((f"FY{f.fiscal_year} to date ({f.months} months)", value(f.total), vs))
    for phrase in (ctx.highest_month_since, ctx.lowest_month_since):
        if phrase:
            rows.append((phrase, "", ""))
    for c in ctx.comparisons:
        rows.append((f"vs {c.label} ({c.month:%Y-%m})", value(c.value), change(c.change)))
    title = f"{ctx.series}: {ctx.month:%B %Y}"
    print_table(title, ("fact", "value", "change"), rows, right=("value", "change"))
    for s in ctx.sentences():
        Console(width=160).print(markup_safe(s), highlight=False)
