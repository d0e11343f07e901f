"""``borderforecast season``: the seasonal profile (``context`` lives in :mod:`.context`)."""

from __future__ import annotations

import math
import os
from typing import Annotated, Any

import typer

from ..atomic import replacing
from ..errors import DataError
from .common import (
    DateColOption,
    IdColOption,
    InputOption,
    ValueColOption,
    echo_json,
    input_series,
)


def save_figure(fig: Any, path: str) -> None:
    """Write a matplotlib Figure to ``path`` atomically (temp file + rename), then close it."""
    import matplotlib.pyplot as plt

    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(folder):
            raise DataError(f"cannot write the plot: folder {folder!r} does not exist")
        with replacing(path) as tmp:
            fig.savefig(tmp, dpi=110)
    finally:
        plt.close(fig)


def pct(v: float) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.1f}%"


def _print_profile(profile: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    frames = profile.by_method
    lv = f"{profile.level:g}%"
    table = Table(
        title=f"{profile.series}: seasonal factors, {profile.years_label} "
        f"(% vs underlying level, {lv} interval)"
    )
    table.add_column("month")
    for m in frames:
        table.add_column(m + (" (primary)" if m == profile.method else ""), justify="right")
    for month in range(1, 13):
        cells = []
        for f in frames.values():
            r = f.loc[month]
            lo, hi = pct(100 * (r["lo"] - 1)), pct(100 * (r["hi"] - 1))
            cells.append(f"{pct(100 * (r['factor'] - 1))} ({lo} to {hi})")
        table.add_row(str(frames[profile.method].loc[month, "name"]), *cells)
    console.print(table)
    ctab = Table(title=f"Seasonal contrasts ({profile.method}, {lv} interval)")
    for col in ("contrast", "change", "interval", "reading"):
        ctab.add_column(col, justify="right" if col in ("change", "interval") else "left")
    for _, r in profile.contrasts.iterrows():
        ctab.add_row(
            str(r["label"]),
            pct(r["estimate"]),
            f"{pct(r['lo'])} to {pct(r['hi'])}",
            str(r["reading"]),
        )
    console.print(ctab)


def _print_eras(cmp: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{cmp.series}: {cmp.era_a} vs {cmp.era_b} (% vs underlying level)")
    for col in ("month", cmp.era_a, cmp.era_b, "change of factor", f"{cmp.level:g}% interval"):
        table.add_column(col, justify="left" if col == "month" else "right")
    for _, r in cmp.differences.iterrows():
        table.add_row(
            str(r["name"]),
            pct(100 * (r["factor_a"] - 1)),
            pct(100 * (r["factor_b"] - 1)),
            pct(r["change"]),
            f"{pct(r['lo'])} to {pct(r['hi'])}",
        )
    Console(width=160).print(table)


def register(app: typer.Typer) -> None:
    @app.command("season")
    def season_command(
        series: Annotated[
            str | None,
            typer.Option("--series", help="Series id (default: southwest), e.g. sector/tucson."),
        ] = None,
        years: Annotated[
            str | None,
            typer.Option(
                "--years",
                help="Fiscal years, e.g. 2000-2019 or FY2000-FY2019 (default: all complete).",
            ),
        ] = None,
        method: Annotated[
            str, typer.Option("--method", help="Primary method: regression, stl or x13.")
        ] = "regression",
        compare: Annotated[
            tuple[str, str] | None,
            typer.Option(
                "--compare", help="Two eras to compare, e.g. --compare FY2000-FY2010 FY2011-FY2019."
            ),
        ] = None,
        level: Annotated[float, typer.Option("--level", help="Interval level in percent.")] = 95.0,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the era permutation test.")] = 0,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print every number as JSON.")
        ] = False,
        plot: Annotated[
            str | None, typer.Option("--plot", help="Write the figure to this PNG file.")
        ] = None,
        input: InputOption = None,
        id_col: IdColOption = None,
        date_col: DateColOption = None,
        value_col: ValueColOption = None,
    ) -> None:
        """Print the monthly seasonal profile: factors by method, the summer dip, the autumn months.

        With --compare, test whether the seasonal shape changed between two eras.
        """
        from ..season import compare_eras, seasonal_profile

        y = input_series(input, series, id_col, date_col, value_col, allow_gaps=True)
        profile = seasonal_profile(y, years, method=method, level=level, seed=seed)
        eras = None
        if compare is not None:
            eras = compare_eras(y, compare[0], compare[1], level=level, seed=seed)
        if plot:
            save_figure(eras.plot() if eras is not None else profile.plot(), plot)
        if as_json:
            out = profile.to_dict()
            if eras is not None:
                out["eras"] = eras.to_dict()
            echo_json(out)
            return
        _print_profile(profile)
        typer.echo(profile.summary())
        if eras is not None:
            typer.echo("")
            _print_eras(eras)
            typer.echo(eras.summary())
