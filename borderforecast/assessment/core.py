"""The :func:`assess` entry point: run every line of evidence, then the verdict rule."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, ModelError
from ..fiscal import fiscal_year_start
from ..models.registry import get_spec
from .adjusted import AdjustedChange, adjusted_change
from .counterfactual import default_model_names
from .decompose import Decomposition, decompose
from .empirical import empirical
from .narrative import caveats, summary_text
from .normal import NormalYears, normal_years
from .options import AssessOptions, Window, make_window
from .panel import ModelRun, run_panel
from .placebo import panel_placebo
from .plotting import plot_assessment
from .result import Assessment
from .verdict import capped, decide, grade
from .years import TITLE42, ReferenceYears, reference_years


def assess(
    y: pd.Series | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    reference: str | pd.Timestamp | None = None,
    *,
    models: str | Sequence[str] | None = None,
    exclude: Any = None,
    options: AssessOptions | None = None,
    **option_overrides: Any,
) -> Assessment:
    """Did the series move beyond normal seasonality and the prior trend over ``[start, end]``?

    Five lines of evidence are computed separately: (1) counterfactual
    forecasts from a panel of models fitted only on the months before ``start``, with
    intervals and tail probabilities from simulated paths, each checked by a
    plausibility gate; (2) the change from
    ``reference`` to each window month against the same calendar change in every
    earlier year; (3) the seasonally adjusted change against its usual variation,
    with X-13's automatic outliers near the window; (4) placebo runs of (1) on the
    same calendar window of earlier years, giving the test's false-alarm rate and
    a calibrated p-value; (5) the observed change split into the part normal
    seasonality explains and the excess. The verdict follows the rule written in
    :mod:`borderforecast.assessment.verdict` (beyond seasonality only when the
    calibrated counterfactual and the seasonal comparison both say so, in the same
    direction).

    Parameters
    ----------
    y : pandas.Series, optional
        Monthly counts (default: :func:`borderforecast.load`, the USBP Southwest total).
    start, end : str or Timestamp
        First and last month of the window (``end`` defaults to ``start``).
    reference : str or Timestamp, optional
        The month the change is measured from (default: the month before ``start``).
    models : str or list of str, optional
        The counterfactual panel (spec names; default
        :data:`~borderforecast.assessment.options.DEFAULT_MODELS`: sarima, ets, structural,
        local_trend, stl, x13). Every model is fitted, gated and reported; the models that
        pass the plausibility gate are combined (:mod:`borderforecast.assessment.panel`).
    exclude : str or list, optional
        Periods to leave out of the placebo and comparison years besides Title 42:
        ``"2014-05:2014-09"``, ``"2019-06"``, or a list of them
        (:func:`~borderforecast.assessment.years.parse_exclude`).
    options : AssessOptions, optional
        All settings; keyword arguments (``alpha=0.1``, ``n_paths=500``,
        ``placebo_years=8``, ...) override single fields.

    Returns
    -------
    Assessment

    Raises
    ------
    WindowError
        If ``end < start``, ``reference`` is not before ``start``, or a month is
        outside the data (a :class:`~borderforecast.errors.DataError`).
    ShortSeriesError
        If fewer than ``min_history`` months precede ``start``.
    ModelError
        If no counterfactual model could be fitted.
    ExcludeError
        If an ``exclude`` period is malformed, outside the data, overlaps the window, or
        leaves too few reference years (a :class:`~borderforecast.errors.DataError`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> a = bf.assess(start="2019-06", end="2019-08", reference="2019-05",
    ...               models="ets", n_paths=200, placebo=False, x13=False)
    >>> a.counterfactual.direction, a.empirical.percentile
    ('decline', 0.0)
    >>> from borderforecast.assessment import VERDICTS
    >>> a.verdict in VERDICTS
    True
    """
    if start is None:
        raise DataError("assess needs a start month (YYYY-MM)")
    opts = options or AssessOptions()
    if models is not None:
        option_overrides["models"] = (models,) if isinstance(models, str) else tuple(models)
    if exclude is not None:
        option_overrides["exclude"] = exclude
    if option_overrides:
        valid = {f.name for f in dataclasses.fields(AssessOptions)}
        unknown = sorted(set(option_overrides) - valid)
        if unknown:
            raise DataError(
                f"unknown assess option(s) {', '.join(unknown)}; "
                f"valid options: {', '.join(sorted(valid))}"
            )
        opts = dataclasses.replace(opts, **option_overrides)
    if y is None:
        from ..data import load

        y = load()
    y, window = make_window(y, start, end, reference, opts.min_history)
    return _assess(y, window, opts)


def _assess(y: pd.Series, window: Window, opts: AssessOptions) -> Assessment:
    t_all = time.perf_counter()
    series = str(y.name) if y.name is not None else "series"
    timings: dict[str, float] = {}
    notes: list[str] = []

    t0 = time.perf_counter()
    normal, years, era_notes = reference(y, window, opts)
    notes += era_notes
    timings["years"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    shifts = {int(v) for v in years.frame.loc[years.frame["comparison"], "shift"]}
    emp = empirical(y, window, shifts=shifts)
    timings["empirical"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    names = opts.models if opts.models is not None else default_model_names()
    if not names:
        raise ModelError("no counterfactual model is available")
    if opts.models is not None:
        for name in names:
            get_spec(name)  # an unknown name is the user's error, not a model failure
    changes = years.frame.loc[years.frame["comparison"], "change"].to_numpy()
    pan = run_panel(
        y,
        window,
        tuple(names),
        years.placebo_windows() if opts.placebo else [],
        changes,
        n_paths=opts.n_paths,
        placebo_paths=opts.placebo_paths,
        seed=opts.seed,
        alpha=opts.alpha,
        n_jobs=opts.n_jobs,
        use_gate=opts.gate,
    )
    errors = {r.model: r.error for r in pan.runs if r.error}
    if len(errors) == len(pan.runs):
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise ModelError(f"no counterfactual model could be fitted ({detail})")
    for name, msg in errors.items():
        notes.append(f"Model {name} could not be used: {msg}")
    timings["panel"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    adj: AdjustedChange | None = None
    try:
        adj = adjusted_change(y, window, x13=opts.x13, outlier_margin=opts.outlier_margin)
    except Exception as exc:  # noqa: BLE001 - one line of evidence failing is reported, not fatal
        notes.append(
            f"The seasonally adjusted change could not be computed ({type(exc).__name__}: {exc})."
        )
    timings["adjusted"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    dec: Decomposition | None = None
    try:
        fys = normal.years if normal is not None else ()
        dec = decompose(y, window, profile=_profile_of(fys) if fys else None)
    except Exception as exc:  # noqa: BLE001 - one line of evidence failing is reported, not fatal
        notes.append(f"The decomposition could not be computed ({type(exc).__name__}: {exc}).")
    timings["decomposition"] = time.perf_counter() - t0

    pl = panel_placebo(pan, years, opts.alpha) if opts.placebo else None
    calibrated = opts.placebo and pan.n_years >= opts.min_placebos and np.isfinite(pan.calibrated_p)
    if calibrated:
        decision = decide(pan.calibrated_p, pan.direction, emp.robust_z, opts.alpha)
    else:
        lead = pan.passed[0] if pan.passed else next(r for r in pan.runs if not r.error)
        lead_cf = lead.counterfactual
        assert lead_cf is not None  # a run without error has its counterfactual
        raw = decide(
            lead_cf.p_value,
            lead_cf.direction,
            emp.robust_z,
            opts.alpha,
            "uncalibrated",
        )
        decision = capped(raw)
    alone = {r.model: verdict_alone(r, emp.robust_z, opts.alpha) for r in pan.passed}
    agree = sum(v == decision.verdict for v in alone.values())
    strength = grade(decision, agree, len(alone))
    timings["total"] = time.perf_counter() - t_all
    cfs = tuple(r.counterfactual for r in pan.runs if r.counterfactual is not None)
    return Assessment(
        verdict=decision.verdict,
        series=series,
        window=window,
        options=opts,
        counterfactuals=cfs,
        empirical=emp,
        adjusted=adj,
        placebo=pl,
        decomposition=dec,
        decision=decision,
        caveats=caveats(y, window, pl, opts.min_placebos, emp.n_years),
        notes=tuple(notes),
        model_errors=errors,
        timings=timings,
        y=y,
        strength=strength,
        panel=pan,
        reference_years=years,
        normal=normal,
        narrative=summary_text,
        variant=_variant(y, opts),
        plotter=plot_assessment,
    )


def reference(
    y: pd.Series, window: Window, opts: AssessOptions
) -> tuple[NormalYears | None, ReferenceYears, list[str]]:
    """The era choice and the clean reference years of an assessment (also used by the
    false-alarm benchmark, so it measures exactly this rule)."""
    notes: list[str] = []
    normal: NormalYears | None = None
    defaults = (TITLE42,) if opts.exclude_title42 else ()
    try:
        normal = normal_years(
            y, window, defaults + opts.exclude, opts.era_split, opts.alpha, opts.seed
        )
    except Exception as exc:  # noqa: BLE001 - the era test failing is reported, not fatal
        notes.append(f"The era test could not be run ({type(exc).__name__}: {exc}).")
    since, since_reason = None, ""
    if normal is not None and normal.years != normal.clean_years and normal.era_split:
        since = fiscal_year_start(normal.era_split)
        since_reason = (
            f"earlier seasonal era (before FY{normal.era_split}): the "
            f"{window.reference:%b}->{window.end:%b} change differs between the eras"
        )
    kw: dict[str, Any] = {
        "exclude": opts.exclude,
        "title42": opts.exclude_title42,
        "shock_z": opts.shock_z,
        "min_history": opts.min_history,
        "max_placebo_years": opts.placebo_years,
        "min_placebos": opts.min_placebos,
    }
    years = reference_years(y, window, **kw)
    if since is not None:
        recent = reference_years(y, window, since=since, since_reason=since_reason, **kw)
        enough = (
            len(recent.placebo_years) >= opts.min_placebos
            and len(recent.comparison_years) >= 3
        ) or len(recent.placebo_years) >= len(years.placebo_years)
        if enough:
            years = recent
        else:
            notes.append(
                f"The recent seasonal era (from FY{opts.era_split}) has too few years before "
                "the window for the placebo runs and the seasonal comparison, so they use "
                "every clean year; the decomposition uses the recent era."
            )
    return normal, years, notes


def verdict_alone(run: ModelRun, empirical_z: float, alpha: float) -> str:
    """The verdict one panel model would give alone (its own calibrated p)."""
    if run.counterfactual is None:
        return "n/a"
    return decide(run.calibrated_p, run.counterfactual.direction, empirical_z, alpha).verdict


def _profile_of(fiscal_years: tuple[int, ...]) -> Any:
    from ..season import seasonal_profile

    def fit(history: pd.Series) -> Any:
        return seasonal_profile(history, years=list(fiscal_years), methods=["regression"])

    return fit


def _variant(y: pd.Series, opts: AssessOptions) -> Any:
    """A function ``window -> Assessment`` for the sensitivity table's window variants
    (a partial of a module-level function, so an assessment can be pickled and cached)."""
    import functools

    return functools.partial(_rerun, y, opts)


def _rerun(y: pd.Series, opts: AssessOptions, window: Window) -> Assessment:
    return _assess(y, window, opts)
