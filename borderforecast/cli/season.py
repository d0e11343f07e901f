"""``borderforecast season``: the seasonal profile, and whether it changed between two eras."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import (
    JsonOption,
    PlotOption,
    SeriesOption,
    echo_json,
    num,
    print_table,
    read_series,
    save_figure,
)


def season_command(
    series: SeriesOption = None,
    years: Annotated[
        str | None,
        typer.Option(help="Fiscal years, e.g. 2000-2019 or FY2000-FY2019 (default: all complete)."),
    ] = None,
    method: Annotated[
        str, typer.Option(help="Primary method: regression, stl or x13.")
    ] = "regression",
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Two eras to compare, e.g. --compare FY2000-FY2010 FY2011-FY2019."),
    ] = None,
    level: Annotated[float, typer.Option(help="Interval level in percent.")] = 95.0,
    seed: Annotated[int, typer.Option(help="Seed of the era permutation test.")] = 0,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Print the monthly seasonal profile: factors by method, the summer dip, the autumn months.

    With --compare, test whether the seasonal shape changed between two eras.
    """
    from ..season import compare_eras, seasonal_profile

    y = read_series(series, allow_gaps=True)
    profile = seasonal_profile(y, years, method=method, level=level, seed=seed)
    eras = None
    if compare is not None:
        eras = compare_eras(y, compare[0], compare[1], level=level, seed=seed)
    if plot:
        save_figure(eras.plot() if eras is not None else profile.plot(), plot)
    if as_json:
        echo_json(profile.to_dict() | ({"eras": eras.to_dict()} if eras is not None else {}))
        return
    _print_profile(profile)
    typer.echo(profile.summary())
    if eras is not None:
        typer.echo("")
        _print_eras(eras)
        typer.echo(eras.summary())


def pct(v: float | None) -> str:
    """A change in percent points as ``+12.3%`` (blank if missing)."""
    text = num(v, "+.1f")
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
    print_table(title, ["month", *columns], rows, right=columns)
    contrasts = (
        (r["label"], pct(r["estimate"]), f"{pct(r['lo'])} to {pct(r['hi'])}", r["reading"])
        for _, r in profile.contrasts.iterrows()
    )
    title = f"Seasonal contrasts ({profile.method}, {lv} interval)"
    columns = ["contrast", "change", "interval", "reading"]
    print_table(title, columns, contrasts, right=("change", "interval"))


def _print_eras(cmp: Any) -> None:
    columns = ("month", cmp.era_a, cmp.era_b, "change of factor", f"{cmp.level:g}% interval")
    rows = (
        (r["name"], pct(100 * (r["factor_a"] - 1)), pct(100 * (r["factor_b"] - 1)),
         pct(r["change"]), f"{pct(r['lo'])} to {pct(r['hi'])}")
        for _, r in cmp.differences.iterrows()
    )  # fmt: skip
    title = f"{cmp.series}: {cmp.era_a} vs {cmp.era_b} (% vs underlying level)"
    print_table(title, columns, rows, right=columns[1:])
