"""Run every section of the report on one series cut at the report month (:func:`build`):
plain JSON-ready data, figures and the forecasts to store as vintages; nothing is written.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ..backtesting.recommend import CANDIDATES
from ..errors import DataError, ShortSeriesError
from ..series import is_bundled
from ..series import month as parse_month
from . import figures
from .breakdown import Headline, breakdown_groups, breakdown_section
from .choice import ModelChoice, model_choice
from .common import SectionOutput, Subject, subject_of
from .headline import first_screen, headline_section
from .outlook import BENCHMARK
from .writer import FigureSpec

SECTIONS: tuple[tuple[str, str], ...] = (
    ("headline", "Headline"),
    ("forecast", "Forecast"),
    ("seasonality", "Seasonality"),
    ("assessment", "Beyond seasonality?"),
    ("breakdown", "Breakdown"),
    ("vintages", "Earlier forecasts"),
    ("data", "Data"),
)
"""Section keys and titles, in report order."""

MIN_MONTHS = 72
"""Fewest months of data a report needs (the backtest and assessment need history)."""

Progress = Callable[[str, str, str], None]
"""``progress(event, section, detail)`` with event ``"start"``, ``"step"`` or ``"done"``."""


@dataclass(frozen=True)
class ReportOptions:
    """Settings of a monthly report (every field has a documented default).

    Attributes
    ----------
    series : str
        Series id (default ``"southwest"``, the USBP Southwest border total).
    model : str, optional
        Model of the forecast; ``None`` (default) uses the backtest's recommendation.
    month : str, optional
        Data month to report on, ``YYYY-MM`` (default: the latest month of the data).
    seed : int
        Seed of every random draw (default 0).
    horizon : int
        Months forecast (default 12).
    models : tuple of str
        Models compared in the report's backtest (default: the one rule's candidates,
        :data:`borderforecast.backtesting.recommend.CANDIDATES`); the benchmark ``snaive`` is
        always included, and a ``model`` outside the set is added.
    backtest_step : int
        Months between backtest origins (default 3: quarterly, to keep the report fast).
    backtest_start : str, optional
        First backtest origin (default: the backtest's own default, December 2011).
    assess_months : int
        Length of the window the assessment tests, ending at the report month (default 3).
    assess_models : tuple of str, optional
        Counterfactual panel of the assessment (default ``None``: the assessment's own
        default panel, :data:`borderforecast.assessment.options.DEFAULT_MODELS`; every
        model is fitted and gated, and those that pass are combined).
    placebo_years : int, optional
        Use at most this many earlier years in the assessment's placebo calibration
        (default ``None``: all of them).
    breakdown_horizon : int
        Months forecast for each sector and demographic (default 6).
    breakdown_model : str
        Model of the parts forecast separately (default ``"stl_ses"``: fast, and the best across
        the parts in the full backtest; ``snaive`` where it fails). A bottom-up headline
        model's own parts are shown as it forecasts them.
    jobs : int, optional
        Worker processes for the assessment's panel of fits (default ``None``: as the backtest).
    backtest_jobs : int, optional
        Worker processes for the backtest (default ``None``: two when the machine has two or
        more cores, else one), and for drawing the figures when the backtest started them
        (else the figures are drawn here: starting workers costs more than they save); the
        results are identical either way.
    today : str, optional
        The date the report is made, ``YYYY-MM-DD`` (default: today's UTC date); a report
        whose data month is more than two months before it says so on its first screen.
    name, unit : str, optional
        For your own series: its name in titles and what it counts, a plural noun
        (``"passengers"``; default for both: the series' name, the file's value column).
    """

    series: str = "southwest"
    model: str | None = None
    month: str | None = None
    seed: int = 0
    horizon: int = 12
    models: tuple[str, ...] = CANDIDATES
    backtest_step: int = 3
    backtest_start: str | None = None
    assess_months: int = 3
    assess_models: tuple[str, ...] | None = None
    placebo_years: int | None = None
    breakdown_horizon: int = 6
    breakdown_model: str = "stl_ses"
    jobs: int | None = None
    backtest_jobs: int | None = None
    today: str | None = None
    name: str | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        for name in ("horizon", "backtest_step", "assess_months", "breakdown_horizon", "jobs"):
            v = getattr(self, name)
            if name == "jobs" and v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise DataError(f"report option {name} must be a whole number >= 1, got {v!r}")
        models = (self.models,) if isinstance(self.models, str) else tuple(self.models)
        models = tuple(dict.fromkeys((BENCHMARK, *models, *([self.model] if self.model else []))))
        object.__setattr__(self, "models", models)


@dataclass(frozen=True)
class Built:
    """The report's content before it is written."""

    sections: dict[str, dict[str, Any]]
    figures: dict[str, FigureSpec]
    forecasts: dict[str, pd.DataFrame]
    y: pd.Series = field(repr=False)
    series: str = "southwest"
    timings: dict[str, float] = field(default_factory=dict)
    jobs: int = 1
    """Processes to draw the figures with: the backtest's workers when it started them."""


def load_series(
    opts: ReportOptions,
    home: str | os.PathLike[str] | None,
    given: pd.Series | None = None,
) -> tuple[pd.Series, pd.Timestamp, pd.Timestamp, pd.Series]:
    """The series (``given``, else loaded) cut at the report month, the report month, the
    release's last month, and the actuals after the report month.

    A series that ends before the report month (bundled sectors) is cut at its own last
    month. A series you give is its own release.
    """
    from ..data import load

    full = load(opts.series, home=home) if given is None else given
    last = pd.Timestamp(full.index[-1])
    national = pd.Timestamp(load("southwest", home=home).index[-1])  # the release's last month
    release = last if given is not None else max(national, last)
    if opts.month is None:
        target = release
    else:
        target = parse_month(opts.month)
        if target > release or target < full.index[0]:
            raise DataError(
                f"--month {target:%Y-%m} is outside the data of series {opts.series!r} "
                f"({full.index[0]:%Y-%m} to {last:%Y-%m})"
            )
    m = min(target, last)
    y = full.loc[:m].copy()
    y.attrs = dict(full.attrs)
    if len(y) < MIN_MONTHS:
        raise ShortSeriesError(
            f"series {opts.series!r} has {len(y)} months up to {m:%Y-%m}; a report needs at least "
            f"{MIN_MONTHS} (six years: its seasonal section and assessment compare years); "
            "'borderforecast forecast' and 'backtest' take shorter series"
        )
    return y, target, release, full.loc[full.index > m].dropna()


def applicable_models(
    models: tuple[str, ...], y: pd.Series, chosen: str | None, parts: Any = None
) -> tuple[tuple[str, ...], str]:
    """The report's models for this series, and a sentence naming any left out (a model
    whose ``applies`` says it adds nothing here), except the user's ``chosen``."""
    from ..data.parts import parts_for
    from ..models.registry import make_model

    parts = parts_for(y) if parts is None else parts
    kept, notes = [], []
    for name in models:
        ok, reason = make_model(name).applies(y, parts) if name != chosen else (True, "")
        if ok:
            kept.append(name)
        else:
            notes.append(f"The {name} model is left out: {reason}.")
    return tuple(kept), " ".join(notes)


def workers(opts: ReportOptions) -> int:
    """Worker processes of the backtest: two on a machine with two or more cores, else one."""
    return opts.backtest_jobs or min(2, os.cpu_count() or 1)


def report_choice(y: pd.Series, opts: ReportOptions, progress: Any = None) -> ModelChoice:
    """The report's model: :func:`borderforecast.forecast.choose`'s, or the user's."""
    from ..data.parts import parts_for
    from ..forecast import choose

    parts = parts_for(y)  # looked up once, for both
    models, left_out = applicable_models(opts.models, y, opts.model, parts)
    c = choose(
        y,
        models=models,
        parts=parts,
        series=opts.series,
        h=opts.horizon,
        seed=opts.seed,
        step=opts.backtest_step,
        start=opts.backtest_start,
        jobs=workers(opts),
        progress=progress,
    )
    return model_choice(c, opts.model, left_out)  # fmt: skip


class _Run:
    """Runs the sections in order, timing each and collecting what it returns."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.figures: dict[str, FigureSpec] = {}
        self.forecasts: dict[str, pd.DataFrame] = {}

    def emit(self, event: str, key: str, detail: str = "") -> None:
        if self.progress is not None:
            self.progress(event, key, detail)

    def __call__(self, key: str, fn: Callable[[], SectionOutput]) -> SectionOutput:
        self.emit("start", key)
        t0 = time.perf_counter()
        out = fn()
        self.timings[key] = round(time.perf_counter() - t0, 2)
        self.sections[key] = out.data
        self.figures.update(out.figures)
        self.forecasts.update(out.forecasts)
        self.emit("done", key, f"{self.timings[key]:.1f} s")
        return out


def build(
    opts: ReportOptions,
    *,
    home: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    y: pd.Series | None = None,
    refuse_changed: bool = False,
) -> Built:
    """Every section of the report; ``y``: a user's series. ``refuse_changed``: raise
    :class:`~borderforecast.errors.StoreError` once the forecasts are known if storing
    them would change a stored vintage."""
    from .outlook import forecast_section, stale_forecast_section
    from .vintages import check_unchanged

    y, target, full_last, later = load_series(opts, home, y)
    today = pd.Timestamp(opts.today or datetime.now(UTC).strftime("%Y-%m-%d"))
    subj = subject_of(y, border=is_bundled(y), name=opts.name, unit=opts.unit)
    stale = y.index[-1] < target
    run = _Run(progress)
    started: list[int] = []
    run(
        "headline",
        lambda: headline_section(y, opts.series, target, home, today, opts.horizon, subj),
    )

    def forecast() -> SectionOutput:
        def bt_progress(done: int, total: int) -> None:
            run.emit("step", "forecast", f"backtest {done}/{total} fits")

        choice = report_choice(y, opts, bt_progress)
        if choice.result.info.get("engine") == "processes":  # its workers are running
            started.append(workers(opts))
        run.emit("step", "forecast", f"forecast with {choice.model}")
        return forecast_section(
            y, opts.series, choice, horizon=opts.horizon, seed=opts.seed, later=later, subj=subj
        )

    fc_out = run("forecast", (lambda: stale_forecast_section(y, target)) if stale else forecast)
    if refuse_changed:
        check_unchanged(opts.series, y, run.forecasts, home)
    _later_sections(run, opts, y, home, subj, fc_out, full_last, stale)
    if not subj.border:  # the figures speak of the user's unit
        for spec in run.figures.values():
            figures.relabel(spec.figure, "encounters", subj.unit)
    run.sections["summary"] = first_screen(run.sections)
    return Built(run.sections, run.figures, run.forecasts, y, opts.series, run.timings,
                 max(started, default=1))  # fmt: skip


def _later_sections(
    run: _Run,
    opts: ReportOptions,
    y: pd.Series,
    home: str | os.PathLike[str] | None,
    subj: Subject,
    fc_out: SectionOutput,
    full_last: pd.Timestamp,
    stale: bool,
) -> None:
    """Seasonality, assessment, breakdown, vintages, data."""
    from .assessment import assessment_section
    from .history import data_section, vintages_section
    from .seasonality import seasonality_section

    m = pd.Timestamp(y.index[-1])
    run("seasonality", lambda: seasonality_section(
        y, horizon=opts.horizon, seed=opts.seed, project=not stale, border=subj.border))
    run("assessment", lambda: assessment_section(
        y, months=opts.assess_months, seed=opts.seed, jobs=opts.jobs or workers(opts),
        models=opts.assess_models, placebo_years=opts.placebo_years, subj=subj))
    run("breakdown", lambda: breakdown_section(
        y, breakdown_groups(opts.series, m, home), horizon=opts.breakdown_horizon,
        model=opts.breakdown_model, seed=opts.seed, headline=_headline(fc_out, opts.series),
        progress=lambda sid: run.emit("step", "breakdown", sid)))
    run("vintages", lambda: vintages_section(
        y, opts.series, fc_out.data["model"] or "", list(fc_out.forecasts), home=home,
        border=subj.border))
    run("data", lambda: data_section(
        y, opts.series, home=home, full_last=full_last, stale=stale, border=subj.border))


def _headline(out: SectionOutput, series: str) -> Headline | None:
    """The headline forecast (table and own parts) the breakdown reconciles with."""
    model = out.data.get("model")
    if not model or model not in out.forecasts:
        return None
    table = out.forecasts[model]
    prefix = "" if series == "southwest" else f"{series}/"
    parts = {
        f"{prefix}demographic/{k}": pd.Series(v, index=table.index[: len(v)])
        for k, v in out.data.get("parts", {}).items()
    }
    return Headline(model, table, parts)
