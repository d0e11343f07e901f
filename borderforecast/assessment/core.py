"""The :func:`assess` entry point: the window and its neighbours, every line of evidence, the
verdict rule."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, ModelError
from ..models.registry import get_spec
from ..series import is_bundled, month
from .adjusted import AdjustedChange, adjusted_change
from .caveats import caveats
from .empirical import Decomposition, EmpiricalComparison, decompose, empirical
from .normal import NormalYears, normal_years
from .options import (
    AssessOptions,
    Window,
    WindowError,
    default_model_names,
    make_window,
    months_between,
)  # fmt: skip
from .panel import Panel, fit_all, panel_placebo, run_panel
from .result import Assessment, Neighbour
from .robust import _memo, fingerprint
from .verdict import Decision, critical_z, decide, grade


def assess(
    y: pd.Series | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    reference: str | pd.Timestamp | None = None,
    *,
    event: str | pd.Timestamp | None = None,
    models: str | Sequence[str] | None = None,
    exclude: Any = None,
    options: AssessOptions | None = None,
    **option_overrides: Any,
) -> Assessment:
    """Did the series move beyond normal seasonality and the prior trend over ``[start, end]``?

    The answer is one of three: beyond normal seasonality (decline or rise), within normal
    seasonality (only with positive evidence of equivalence), or cannot tell (with the reason);
    rule in :mod:`borderforecast.assessment.verdict`. It is computed for the window and its
    neighbours (end a month earlier and later, reference a month earlier and, when it is not
    the month before ``start``, a month later, and with ``event=``
    the window starting a month later when the first month is only partly after the event),
    sharing the fits, and the summary says whether they agree. Normal years come from the one
    rule of :mod:`borderforecast.assessment.normal`.

    The five lines of evidence are those of :mod:`borderforecast.assessment`; the verdict says
    "beyond" only when the calibrated counterfactual panel and the seasonal comparison both say
    so, in the same direction.

    Parameters
    ----------
    y : pandas.Series, optional
        Monthly counts (default: :func:`borderforecast.load`, the USBP Southwest total).
    start, end : str or Timestamp
        First and last month of the window (``end`` defaults to ``start``).
    event : str or Timestamp, optional
        A date (``"2024-06-05"``) instead of ``start``: the reference is the last month wholly
        before it, the window starts in its month and runs 6 months or to the latest month,
        whichever is first (``end=`` overrides); when the event falls after the 1st, the window
        starting a month later is one of the neighbours.
    reference : str or Timestamp, optional
        The month the change is measured from (default: the month before ``start``).
    models : str or list of str, optional
        The counterfactual panel (spec names; see :class:`AssessOptions`).
    exclude : str or list, optional
        Periods to leave out of the placebo and comparison years besides Title 42:
        ``"2014-05:2014-09"``, ``"2019-06"``, or a list of them.
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
        leaves fewer than 3 normal years (a :class:`~borderforecast.errors.DataError`).

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
    if start is None and event is None:
        raise DataError("assess needs a start month (YYYY-MM) or an event date (YYYY-MM-DD)")
    if start is not None and event is not None:
        raise DataError("give either start or event, not both")
    opts = options or AssessOptions()
    if models is not None:
        option_overrides["models"] = models
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
    partial = False
    if event is not None:
        start, end, reference, partial = event_window(y, event, end, reference)
    fiscal = is_bundled(y)  # fiscal years for the bundled border series, else calendar years
    y, window = make_window(y, start, end, reference, opts.min_history)
    return _assess(y, window, opts, partial, event, fiscal)


def event_window(y: pd.Series | Any, event: str | pd.Timestamp, end: str | pd.Timestamp | None,
                 reference: str | pd.Timestamp | None) -> tuple[pd.Timestamp, Any, Any, bool]:
    """``(start, end, reference, partial)`` of the window an event date defines."""
    try:
        ts = pd.Timestamp(event)
    except (TypeError, ValueError):
        raise WindowError(f"event {event!r} is not a date (YYYY-MM-DD)") from None
    first, last = month(y.index[0]), month(y.index[-1])
    start = month(ts)
    if start < first or start > last:
        raise WindowError(
            f"event {ts:%Y-%m-%d} is outside the data: the series covers "
            f"{first:%Y-%m} to {last:%Y-%m}"
        )
    stop = min(start + pd.DateOffset(months=5), last) if end is None else end
    ref = start - pd.DateOffset(months=1) if reference is None else reference
    return start, stop, ref, bool(ts.day > 1)


def neighbour_windows(y: pd.Series, w: Window, partial: bool) -> list[tuple[str, Window]]:
    """The window's natural neighbours that the data allow (labels say how they differ)."""
    one = pd.DateOffset(months=1)
    out = []
    if w.end > w.start:
        out.append(("end one month earlier", Window(w.start, w.end - one, w.reference)))
    if w.end < y.index[-1]:
        out.append(("end one month later", Window(w.start, w.end + one, w.reference)))
    if w.reference - one >= y.index[0] and months_between(w.reference - one, w.end) <= 24:
        out.append(("reference one month earlier", Window(w.start, w.end, w.reference - one)))
    if w.reference + one < w.start:  # a reference the analyst set earlier than the default
        out.append(("reference one month later", Window(w.start, w.end, w.reference + one)))
    if partial and w.end > w.start:
        out.append(("start one month later", Window(w.start + one, w.end, w.reference)))
    return out


@dataclasses.dataclass(frozen=True)
class Lines:
    """The deciding lines of one window."""

    normal: NormalYears
    empirical: EmpiricalComparison
    panel: Panel
    decomposition: Decomposition | None
    decision: Decision
    margin: float
    note: str = ""


def _normal(y: pd.Series, w: Window, opts: AssessOptions, fiscal: bool) -> NormalYears:
    era = (2011 if fiscal else None) if isinstance(opts.era_split, str) else opts.era_split
    return normal_years(
        y, w, exclude=opts.exclude, title42=opts.exclude_title42, shock_z=opts.shock_z,
        min_history=opts.min_history, max_placebo_years=opts.placebo_years,
        era_split=era, alpha=opts.alpha, seed=opts.seed, fiscal=fiscal,
    )  # fmt: skip


def _assess(y: pd.Series, window: Window, opts: AssessOptions, partial: bool = False,
            event: Any = None, fiscal: bool = True) -> Assessment:
    """Every line for the window and its neighbours (fits shared), then the verdicts."""
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    notes: list[str] = []
    names = tuple(opts.models if opts.models is not None else default_model_names())
    if not names:
        raise ModelError("no counterfactual model is available")
    if opts.models is not None:
        for name in names:
            get_spec(name)  # an unknown name is the user's error, not a model failure
    normals = {"as asked": _normal(y, window, opts, fiscal)}
    for label, w in neighbour_windows(y, window, partial):
        try:
            normals[label] = _normal(y, w, opts, fiscal)
        except DataError as exc:
            notes.append(f"The neighbour window ({label}) could not be judged: {exc}.")
    timings["years"] = time.perf_counter() - t_all
    t0 = time.perf_counter()
    fits = _fits(y, list(normals.values()), names, opts)
    timings["fits"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    lines = {k: judge(y, nm, names, fits, opts) for k, nm in normals.items()}
    main = lines["as asked"]
    timings["panel"] = time.perf_counter() - t0
    pan = main.panel
    errors = {r.model: r.error for r in pan.runs if r.error}
    if len(errors) == len(pan.runs):
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise ModelError(f"no counterfactual model could be fitted ({detail})")
    notes += [f"Model {name} could not be used: {msg}" for name, msg in errors.items()]
    notes += [ln.note for ln in lines.values() if ln.note]
    t0 = time.perf_counter()
    adj: AdjustedChange | None = None
    try:
        adj = adjusted_change(y, window, x13=opts.x13, outlier_margin=opts.outlier_margin)
    except Exception as exc:  # noqa: BLE001 - one line of evidence failing is reported, not fatal
        notes.append(_failed("seasonally adjusted change", exc))
    timings["adjusted"] = time.perf_counter() - t0
    neighbours = tuple(_neighbour(k, ln) for k, ln in lines.items() if k != "as asked")
    own = grade(main.decision, main.margin)
    strength = steady(own, main.decision.verdict, [n.verdict for n in neighbours])
    pl = panel_placebo(pan, main.normal, opts.alpha) if opts.placebo else None
    timings["total"] = time.perf_counter() - t_all
    return Assessment(
        verdict=main.decision.verdict, series=str(y.name) if y.name is not None else "series",
        window=window, options=opts,
        counterfactuals=tuple(r.counterfactual for r in pan.runs if r.counterfactual is not None),
        empirical=main.empirical, adjusted=adj, placebo=pl, decomposition=main.decomposition,
        decision=main.decision,
        caveats=caveats(y, window, pl, opts.min_placebos, main.empirical.n_years, fiscal),
        notes=tuple(notes), model_errors=errors, timings=timings, y=y, strength=strength, panel=pan,
        normal=main.normal, neighbours=neighbours,
        event=None if event is None else f"{pd.Timestamp(event):%Y-%m-%d}",
    )


def _fits(y: pd.Series, normals: list[NormalYears], names: tuple[str, ...],
          opts: AssessOptions) -> dict[Any, Any]:
    """Every fit of the windows and their placebo years (see :func:`fit_all`)."""
    wanted = []
    for nm in normals:
        wanted += [(m, nm.window.start, opts.n_paths) for m in names]
        pws = nm.placebo_windows() if opts.placebo else []
        wanted += [(m, pw.start, opts.placebo_paths) for pw in pws for m in names]
    h = max(nm.window.h for nm in normals)
    return fit_all(y, wanted, h, opts.seed, opts.n_jobs)


def judge(y: pd.Series, nm: NormalYears, names: tuple[str, ...], fits: dict[Any, Any],
          opts: AssessOptions) -> Lines:
    """The panel, the seasonal comparison, the decomposition and the verdict of one window."""
    w = nm.window
    emp = empirical(y, w, nm)
    pws = nm.placebo_windows() if opts.placebo else []
    pan = run_panel(
        y, w, names, pws, nm.column("gate_change"), fits, n_paths=opts.n_paths,
        placebo_paths=opts.placebo_paths, alpha=opts.alpha, use_gate=opts.gate,
    )  # fmt: skip
    note = ""
    dec: Decomposition | None = None
    try:
        dec = decompose(y, w, profile=_profile_of(nm.years, nm.fiscal.fiscal))
    except Exception as exc:  # noqa: BLE001 - one line of evidence failing is reported, not fatal
        note = _failed("decomposition", exc)
    margin = critical_z(opts.alpha) * emp.stat_scale
    excess = (dec.excess_lo_pct, dec.excess_hi_pct) if dec is not None else (np.nan, np.nan)
    kw: dict[str, Any] = {"effect": panel_effect(pan), "excess": excess, "margin": margin}
    if opts.placebo and pan.n_years >= opts.min_placebos and np.isfinite(pan.calibrated_p):
        decision = decide(
            pan.calibrated_p, pan.direction, emp.robust_z, opts.alpha,
            rank_p=pan.rank_p, n_years=pan.n_years, **kw,
        )  # fmt: skip
    else:
        lead = pan.passed[0] if pan.passed else next((r for r in pan.runs if not r.error), None)
        cf = lead.counterfactual if lead is not None else None
        p, d = (cf.p_value, cf.direction) if cf is not None else (np.nan, pan.direction)
        decision = decide(p, d, emp.robust_z, opts.alpha, "uncalibrated",
                          n_years=pan.n_years, **kw)  # fmt: skip
    return Lines(nm, emp, pan, dec, decision, margin, note)


def _failed(line: str, exc: Exception) -> str:
    return f"The {line} could not be computed ({type(exc).__name__}: {exc})."


def panel_effect(pan: Panel) -> tuple[float, float, float]:
    """The gated models' median effect and median 90% interval, percent of the window total."""
    cfs = [r.counterfactual for r in pan.passed if r.counterfactual is not None]
    if not cfs:
        return (np.nan, np.nan, np.nan)
    return tuple(  # type: ignore[return-value]
        100 * float(np.median([getattr(c, k) for c in cfs]))
        for k in ("relative_effect", "relative_lo90", "relative_hi90")
    )


def steady(strength: str, verdict: str, others: Sequence[str]) -> str:
    """The strength once the neighbours are counted: unchanged when they all agree, at most
    moderate when at least half of them do, weak otherwise."""
    if not others or all(v == verdict for v in others):
        return strength
    if sum(v == verdict for v in others) >= len(others) / 2:
        return "moderate" if strength == "strong" else strength
    return "weak"


def _neighbour(label: str, ln: Lines) -> Neighbour:
    return Neighbour(label, ln.normal.window, ln.decision, grade(ln.decision, ln.margin))


def _profile_of(years: tuple[int, ...], fiscal: bool) -> Any:
    """The regression profile of ``years`` (none: every complete year) of the history."""
    from ..season import seasonal_profile

    def fit(history: pd.Series) -> Any:
        return _memo(
            ("profile", fingerprint(history), years, fiscal),
            lambda: seasonal_profile(history, years=list(years) or None, methods=["regression"],
                                     fiscal=fiscal),
        )

    return fit
