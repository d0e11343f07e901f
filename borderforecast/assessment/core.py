"""The :func:`assess` entry point: run every line of evidence, then the verdict rule."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import BorderforecastError, DataError, ModelError
from .adjusted import AdjustedChange, adjusted_change
from .counterfactual import (
    Counterfactual,
    counterfactual,
    default_model_names,
    window_statistic,
)
from .decompose import Decomposition, decompose
from .empirical import empirical
from .narrative import caveats
from .options import AssessOptions, make_window
from .placebo import PlaceboCalibration, placebo
from .result import Assessment
from .verdict import decide


def assess(
    y: pd.Series | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    reference: str | pd.Timestamp | None = None,
    *,
    models: str | Sequence[str] | None = None,
    options: AssessOptions | None = None,
    **option_overrides: Any,
) -> Assessment:
    """Did the series move beyond normal seasonality and the prior trend over ``[start, end]``?

    Five lines of evidence are computed separately: (1) a counterfactual
    forecast from models fitted only on the months before ``start``, with
    intervals and a tail probability from simulated paths; (2) the change from
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
        Counterfactual models (spec names); each is reported, the first that fits
        drives the verdict. Default: the first of ``sarima, structural, ets,
        snaive`` that is available and fits.
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
    t_all = time.perf_counter()
    y, window = make_window(y, start, end, reference, opts.min_history)
    series = str(y.name) if y.name is not None else "series"
    timings: dict[str, float] = {}
    notes: list[str] = []

    t0 = time.perf_counter()
    cfs, errors = _counterfactuals(y, window, opts)
    timings["counterfactual"] = time.perf_counter() - t0
    for name, msg in errors.items():
        notes.append(f"Model {name} could not be used: {msg}")

    t0 = time.perf_counter()
    emp = empirical(y, window)
    timings["empirical"] = time.perf_counter() - t0

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
    pl: PlaceboCalibration | None = None
    if opts.placebo:
        pl_model = opts.placebo_model or cfs[0].model
        target_z = cfs[0].z
        if pl_model != cfs[0].model:
            # calibrate like with like: the target's statistic under the placebo model
            target_z, _ = window_statistic(y, window, pl_model, opts.placebo_paths, opts.seed)
            notes.append(
                f"The placebo calibration uses model {pl_model}, not {cfs[0].model}: the "
                f"calibrated p-value is that of {pl_model}'s counterfactual."
            )
        pl = placebo(
            y,
            window,
            pl_model,
            target_z,
            n_paths=opts.placebo_paths,
            seed=opts.seed,
            alpha=opts.alpha,
            min_history=opts.min_history,
            max_years=opts.placebo_years,
            n_jobs=opts.n_jobs,
        )
        if pl.n_failed:
            notes.append(f"{pl.n_failed} placebo year(s) failed and were left out.")
    timings["placebo"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    dec: Decomposition | None = None
    try:
        dec = decompose(y, window)
    except ImportError:
        notes.append("The decomposition needs borderforecast.season, which is not installed.")
    except Exception as exc:  # noqa: BLE001 - one line of evidence failing is reported, not fatal
        notes.append(f"The decomposition could not be computed ({type(exc).__name__}: {exc}).")
    timings["decomposition"] = time.perf_counter() - t0

    use_cal = (
        pl is not None and pl.n_years >= opts.min_placebos and pl.calibrated_p == pl.calibrated_p
    )
    p = pl.calibrated_p if use_cal and pl is not None else cfs[0].p_value
    decision = decide(
        p, cfs[0].direction, emp.robust_z, opts.alpha, "calibrated" if use_cal else "model-based"
    )
    timings["total"] = time.perf_counter() - t_all
    return Assessment(
        verdict=decision.verdict,
        series=series,
        window=window,
        options=opts,
        counterfactuals=tuple(cfs),
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
    )


def _counterfactuals(
    y: pd.Series, window: Any, opts: AssessOptions
) -> tuple[list[Counterfactual], dict[str, str]]:
    """Fit the requested models (or the first default that works); isolate failures."""
    explicit = opts.models is not None
    names = list(opts.models) if opts.models is not None else default_model_names()
    if not names:
        raise ModelError("no counterfactual model is available (not even snaive)")
    out: list[Counterfactual] = []
    errors: dict[str, str] = {}
    for name in names:
        try:
            out.append(counterfactual(y, window, name, n_paths=opts.n_paths, seed=opts.seed))
        except BorderforecastError as exc:
            if explicit and isinstance(exc, DataError):
                raise
            errors[name] = str(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - a model failing must not kill the assessment
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        if not explicit:
            break
    if not out:
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise ModelError(f"no counterfactual model could be fitted ({detail})")
    return out, errors
