"""The monthly forecast report: ``borderforecast report --out reports/2025-08/``.

:func:`report` builds the sections (:mod:`.builder`: options, orchestration; one module
per section), writes HTML, Markdown and every figure as PNG and SVG (:mod:`.writer`),
and stores its forecasts as vintages (:mod:`.vintages`) for later reports to score.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import check_output_folder
from ..paths import with_home
from ..version import __version__
from .builder import SECTIONS, Built, Progress, ReportOptions, build
from .vintages import SaveResult, save_actuals, save_vintage
from .writer import write_report

__all__ = ["Report", "ReportOptions", "SECTIONS", "report"]


@dataclass(frozen=True)
class Report:
    """A written report.

    Attributes
    ----------
    html_path, markdown_path : Path
        The report files.
    figures : mapping
        Figure name -> ``(png_path, svg_path)``.
    sections : mapping
        Section key -> the section's numbers and text (plain Python types).
    options : ReportOptions
        The settings used.
    vintages : tuple of SaveResult
        What happened to each stored forecast (``written``, ``unchanged`` or ``revised``).
    timings : mapping
        Seconds per section.

    Examples
    --------
    A report takes a minute or more (it runs a backtest and an assessment):

    >>> import borderforecast as bf, tempfile  # doctest: +SKIP
    >>> r = bf.report(tempfile.mkdtemp(), month="2024-08")  # doctest: +SKIP
    >>> r.html_path.name, sorted(r.sections)[:3]  # doctest: +SKIP
    ('report.html', ['assessment', 'breakdown', 'data'])
    """

    html_path: Path
    markdown_path: Path
    figures: Mapping[str, tuple[Path, ...]]
    sections: Mapping[str, Any]
    options: ReportOptions
    vintages: tuple[SaveResult, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    generated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready plain types (paths as text, tuples as lists)."""
        return json.loads(json.dumps(asdict(self), default=str))

    def summary(self) -> str:
        """A few lines: month, headline, model, verdict, files."""
        h, f, a = (self.sections[k] for k in ("headline", "forecast", "assessment"))
        lines = [
            f"Report on {h['month_label']} ({self.options.series}): {h['value']:,}",
            *([h["stale_note"]] if h.get("stale") else []),
            h["narrative"],
            f"Forecast model: {f['model']}; next {f['horizon']} months total "
            f"{f['next12_total']:,.0f}"
            if f.get("model")
            else "Forecast: none (the series ends before the report month)",
            f"Assessment of {a['window_label']}: {a['verdict']}",
            f"HTML: {self.html_path}",
            f"Markdown: {self.markdown_path}",
        ]
        lines += [f"Vintage {v.path.parent.name}/{v.path.name}: {v.status}" for v in self.vintages]
        return "\n".join(lines)


@with_home
def report(
    out: str | os.PathLike[str],
    *,
    series: str | None = None,
    model: str | None = None,
    month: str | None = None,
    seed: int = 0,
    home: str | os.PathLike[str] | None = None,
    force: bool = False,
    options: ReportOptions | None = None,
    progress: Progress | None = None,
    y: pd.Series | None = None,
) -> Report:
    """Build the monthly report into the folder ``out`` and store its forecasts as vintages.

    Parameters
    ----------
    out : path
        Output folder (created): ``report.html``, ``report.md``, ``figures/*.png|svg``.
    series, model, month, seed
        Override the same settings of ``options`` (see :class:`ReportOptions`).
    home : path, optional
        User home (data store, vintages, caches); default :func:`borderforecast.paths.home_dir`.
    force : bool
        Replace a stored vintage of the same data month and model that differs (the old
        one is kept as ``<model>.revN.csv``); without it such a report is refused.
    options : ReportOptions, optional
        Further settings (default: :class:`ReportOptions`'s defaults).
    progress : callable, optional
        ``progress(event, section, detail)`` as sections start and finish.
    y : pandas.Series, optional
        Your own monthly series (e.g. from :func:`borderforecast.read_series`)
        instead of a bundled one; ``series`` names it (vintages are stored under it).

    Returns
    -------
    Report

    Raises
    ------
    StoreError
        If a stored vintage would change and ``force`` is false (nothing is written).
    DataError, UnknownSeriesError, UnknownModelError
        On a bad series, month or model.

    Examples
    --------
    >>> import borderforecast as bf, tempfile  # doctest: +SKIP
    >>> r = bf.report(tempfile.mkdtemp(), month="2024-08")  # doctest: +SKIP
    >>> r.sections["headline"]["value"]  # doctest: +SKIP
    58087
    """
    check_output_folder(out, home)  # before the long computation
    given: dict[str, Any] = {"series": series, "model": model, "month": month}
    opts = replace(options or ReportOptions(), **{k: v for k, v in given.items() if v is not None})
    opts = replace(opts, seed=seed) if seed != opts.seed else opts
    y = _user_series(y, opts.series) if y is not None else None
    built = build(opts, home=home, progress=progress, y=y, refuse_changed=not force)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if progress:
        progress("start", "write", "")
    out = Path(out)
    html_path, md_path, fig_paths = write_report(
        out, built.sections, _meta(built, generated), built.figures, home, built.jobs
    )
    m = built.y.index[-1]
    saved = [
        save_vintage(built.series, m, name, fc, home=home, force=force)
        for name, fc in built.forecasts.items()
    ]
    saved.append(save_actuals(built.series, m, built.y, home=home, force=force))
    if progress:
        progress("done", "write", "")
    return Report(
        html_path,
        md_path,
        {k: tuple(v) for k, v in fig_paths.items()},
        built.sections,
        opts,
        tuple(saved),
        built.timings,
        generated,
    )


def _meta(built: Built, generated: str) -> dict[str, Any]:
    h = built.sections["headline"]
    title = f"{h['subject']}: report for {h['month_label']}"
    if h.get("stale"):
        rm = datetime.strptime(h["report_month"], "%Y-%m").strftime("%B %Y")
        title = f"{h['subject']}: latest data {h['month_label']} (report of {rm})"
    return {
        "title": title,
        "subtitle": (
            f"Monthly {h['unit_word']}, data to {h['month_label']}. "
            + ("Forecast, seasonality" if not h.get("stale") else "Seasonality")
            + " and whether the latest move is beyond normal seasonality."
        ),
        "toc": [(k, t) for k, t in SECTIONS],
        "footer": (
            "Made with borderforecast. "
            + ("Counts are events, not people; fiscal years run October to September. "
               if h["border"] else "")
            + "Figures: PNG and SVG files in the figures folder."
        ),
        "generated_at": generated,
        "version": __version__,
    }


def _user_series(y: pd.Series, series: str) -> pd.Series:
    """``y`` as a monthly series that keeps its attributes (its source file)."""
    from ..series import as_monthly

    attrs = dict(y.attrs)
    y = as_monthly(y, name=str(y.name or series))
    y.attrs.update(attrs)
    y.attrs.setdefault("release", str(attrs.get("source_file", "your data")))
    return y
