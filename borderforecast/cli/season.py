"""``borderforecast season``: the seasonal profile, and whether it changed between two eras;
``borderforecast context``: the facts journalists quote about one month."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import common


def season_command(
    series: common.SeriesOption = None,
    years: Annotated[
        str | None, typer.Option(help="Years, e.g. FY2000-FY2019 or, your own series, 2000-2019.")
    ] = None,
    method: Annotated[
        str, typer.Option(help="Primary method: regression, stl or x13.")
    ] = "regression",
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Two eras to compare, e.g. --compare FY2000-FY2010 FY2011-FY2019."),
    ] = None,
    level: Annotated[float, typer.Option(help="Interval level in percent.")] = 95.0,
    seed: common.SeedOption = 0,
    as_json: common.JsonOption = False,
    plot: common.PlotOption = None,
    home: common.HomeOption = None,
) -> None:
    """Print the monthly seasonal profile: factors by method, the summer dip, the autumn months.

    With --compare, test whether the seasonal shape changed between two eras.
    """
    from ..season import compare_eras, seasonal_profile

    y = common.read_series(series, allow_gaps=True)
    profile = seasonal_profile(y, years, method=method, level=level, seed=seed)
    eras = None
    if compare is not None:
        eras = compare_eras(y, compare[0], compare[1], level=level, seed=seed)
    if plot:
        common.save_figure(eras.plot() if eras is not None else profile.plot(), plot)
    if as_json:
        common.echo_json(profile.to_dict() | ({"eras": eras.to_dict()} if eras is not None else {}))
        return
    _print_profile(profile)
    typer.echo(profile.summary())
    if eras is not None:
        typer.echo("")
        _print_eras(eras)
        typer.echo(eras.summary())


def pct(v: float | None) -> str:
    """A change in percent points as ``+12.3%`` (blank if missing)."""
    text = common.num(v, "+.1f")
    return f"{text}%" if text else ""


def _print_profile(profile: Any) -> None:
    frames, lv = profile.by_method, f"{profile.level:g}%"
    columns = [m + (" (primary)" if m == profile.method else "") for m in frames]
    rows = []
    for month in range(1, 13):
        cells = []
        for f in frames.values():
            r = f.loc[month]
            lo, hi = pct(100 * (r["lo"] - 1)), pct(100 * (r["hi"] - 1))
            cells.append(f"{pct(100 * (r['factor'] - 1))} ({lo} to {hi})")
        rows.append([frames[profile.method].loc[month, "name"], *cells])
    title = f"{profile.series}: seasonal factors, {profile.years_label} "
    title += f"(% vs underlying level, {lv} interval)"
    common.print_table(title, ["month", *columns], rows, right=columns)
    contrasts = (
        (r["label"], pct(r["estimate"]), f"{pct(r['lo'])} to {pct(r['hi'])}", r["reading"])
        for _, r in profile.contrasts.iterrows()
    )
    title = f"Seasonal contrasts ({profile.method}, {lv} interval)"
    columns = ["contrast", "change", "interval", "reading"]
    common.print_table(title, columns, contrasts, right=("change", "interval"))


def _print_eras(cmp: Any) -> None:
    columns = ("month", cmp.era_a, cmp.era_b, "change of factor", f"{cmp.level:g}% interval")
    rows = (
        (r["name"], pct(100 * (r["factor_a"] - 1)), pct(100 * (r["factor_b"] - 1)),
         pct(r["change"]), f"{pct(r['lo'])} to {pct(r['hi'])}")
        for _, r in cmp.differences.iterrows()
    )  # fmt: skip
    title = f"{cmp.series}: {cmp.era_a} vs {cmp.era_b} (% vs underlying level)"
    common.print_table(title, columns, rows, right=columns[1:])


def context_command(
    month: Annotated[str, typer.Argument(help="The month: 2019-08, Aug 2019 or 2019-08-01.")],
    series: common.SeriesOption = None,
    compare: Annotated[
        list[str] | None,
        typer.Option("--compare", help="An earlier month to compare with (repeatable)."),
    ] = None,
    as_json: common.JsonOption = False,
    home: common.HomeOption = None,
) -> None:
    """Facts for one month: changes, rank among the same month, highest month since,
    FYTD, record comparisons. Percentages are in percent points (-29.6 = 29.6% lower).

    Without --series or --input: southwest USBP, plus USBP + OFO where it exists.
    """
    from ..context import context
    from ..errors import BorderforecastError

    results: dict[str, Any] = {}
    if common.Settings.input is not None:
        y = common.read_series(series)
        results[common.series_id(y, None)] = context(month, y, compare=compare)
    elif series is None:
        results["southwest"] = context(month, compare=compare)
        try:
            results["usbp+ofo"] = context(month, series="usbp+ofo", compare=compare)
        except BorderforecastError:
            pass  # no USBP + OFO figure for this month: show USBP alone
    else:
        results[series] = context(month, series=series, compare=compare)
    if as_json:
        common.echo_json({k: v.to_dict() for k, v in results.items()})
        return
    for i, ctx in enumerate(results.values()):
        if i:
            typer.echo("")
        _print_context(ctx)


def _print_context(ctx: Any) -> None:
    from rich.console import Console

    def value(v: float | None) -> str:
        return common.num(v, ",.0f", "n/a")

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
        fy = "FY" if f.fiscal else ""
        vs = f"{f.change:+,.0f} ({pct(f.pct_change)}) vs {fy}{f.fiscal_year - 1}"
        rows.append((f"{fy}{f.fiscal_year} to date ({f.months} months)", value(f.total), vs))
    for phrase in (ctx.highest_month_since, ctx.lowest_month_since):
        if phrase:
            rows.append((phrase, "", ""))
    for c in ctx.comparisons:
        rows.append((f"vs {c.label} ({c.month:%Y-%m})", value(c.value), change(c.change)))
    title = f"{ctx.series}: {ctx.month:%B %Y}"
    common.print_table(title, ("fact", "value", "change"), rows, right=("value", "change"))
    for s in ctx.sentences():
        Console(width=160).print(common.markup_safe(s), highlight=False)
