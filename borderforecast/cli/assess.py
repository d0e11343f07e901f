"""``borderforecast assess``: did a change go beyond normal seasonality?"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import common


def assess_command(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option(help="First month of the window, YYYY-MM.")] = None,
    event: Annotated[
        str | None, typer.Option(help="Date of an event, YYYY-MM-DD, instead of --start.")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last month (default: start).")] = None,
    reference: Annotated[
        str | None, typer.Option(help="Reference month (default: the month before start).")
    ] = None,
    series: common.SeriesOption = None,
    model: common.ModelsOption = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="Leave a month (2014-06) or a range (2014-05:2014-09) out."),
    ] = None,
    keep_title42: Annotated[
        bool, common.flag("--keep-title42", "Keep the Title 42 months (2020-03:2023-05).")
    ] = False,
    era_split: Annotated[
        int | None, typer.Option(help="First year of a seasonal era to test (border: FY2011).")
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    n_paths: Annotated[int, typer.Option(help="Simulated paths per model.")] = 1000,
    seed: common.SeedOption = 0,
    placebo_years: Annotated[
        int | None, typer.Option(help="Use at most this many earlier years.")
    ] = None,
    no_placebo: Annotated[bool, common.flag("--no-placebo", "Skip the placebo runs.")] = False,
    no_x13: Annotated[bool, common.flag("--no-x13", "Skip X-13 outlier detection.")] = False,
    jobs: common.JobsOption = 2,
    as_json: common.JsonOption = False,
    plot: common.PlotOption = None,
    home: common.HomeOption = None,
) -> None:
    """Test whether the series over [start, end] moved beyond normal seasonality and trend.

    Prints the evidence table and the verdict. With --event the window starts in the event's
    month, the reference is the month before, and the window a month later is judged too when
    the event falls after the 1st. Title 42 and the months of --exclude (repeat, or separate
    with commas) are left out of the placebo and comparison years. --model default: sarima,
    ets, structural, local_trend, stl, x13.
    """
    from ..assessment import assess

    if start is None and event is None:  # a missing option: a usage error (exit 64)
        ctx.fail("assess needs --start YYYY-MM or --event YYYY-MM-DD")
    result = assess(
        common.read_series(series),
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
        exclude_title42=False if keep_title42 else None,
        era_split="auto" if era_split is None else era_split,
    )
    if plot:
        import matplotlib

        matplotlib.use("Agg", force=False)
        common.save_figure(result.plot(), plot)
    if as_json:
        common.echo_json(result.to_dict())
        return
    _print_tables(result)
    typer.echo("")
    typer.echo(result.summary())


def _print_tables(result: Any) -> None:
    """The evidence, each model of the panel alone, and the neighbouring windows."""
    from rich.console import Console

    w = result.window
    rows: list[tuple[Any, ...]] = []
    for name, r in result.to_frame().iterrows():
        p = r["p_value"]
        p_text = "< 0.001" if isinstance(p, float) and p < 0.001 else common.num(p, ",.3f")
        value, percentile = common.num(r["value"], ",.2f"), common.num(r["percentile"], ",.0f")
        rows.append((name, r["statistic"], value, p_text, percentile, r["reading"]))
    columns: Any = ("evidence", "statistic", "value", "p-value", "percentile", "reading")
    title = f"{result.series}: {w.label()} vs {w.reference:%b %Y}"
    common.print_table(title, columns, rows, right=("value", "p-value", "percentile"))
    rows = []
    for m in result.model_table().itertuples():
        interval = f"{common.num(m.lo95_pct, ',.1f')} to {common.num(m.hi95_pct, ',.1f')}"
        gate = "passed" if m.gate_passed else f"flagged: {m.gate_reason}"
        effect, p_text = common.num(m.effect_pct, ",.1f"), common.num(m.calibrated_p, ",.3f")
        rows.append((m.model, effect, interval, p_text, gate, m.verdict))
    columns = ("model", "effect %", "95% interval", "calibrated p", "gate", "verdict alone")
    title = "Counterfactual panel: each model alone"
    common.print_table(title, columns, rows, right=("effect %", "calibrated p"))
    if result.neighbours:
        windows = [("as asked", w, result.verdict, result.decision.counterfactual_p)]
        windows += [(n.label, n.window, n.verdict, n.calibrated_p) for n in result.neighbours]
        rows = [
            (label, win.label(), f"{win.reference:%Y-%m}", verdict, common.num(p, ",.3f"))
            for label, win, verdict, p in windows
        ]
        columns = ("window", "months", "reference", "verdict", "calibrated p")
        title = "The same test on the neighbouring windows"
        common.print_table(title, columns, rows, right=("calibrated p",))
    verdict = f"Verdict: [bold]{result.verdict}[/bold] ({result.strength} evidence)"
    Console(width=160).print(verdict)
