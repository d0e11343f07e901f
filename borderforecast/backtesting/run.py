"""``backtest()``: plan units, use the cache, run an engine, calibrate, score."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import Any

import pandas as pd

from ..errors import ModelError
from ..models.base import interval_columns
from ..series import month
from .calibrate import calibrate_frame
from .engines import parallel_map
from .ensembles import combinable, combine_members, learned_ensemble
from .frames import assemble, run_info
from .options import BacktestOptions
from .plan import Plan, plan
from .recommend import hac_lag
from .result import BacktestResult, forecast_columns
from .scoring import score
from .selection import out_of_sample_picks, selection_rows
from .units import (
    Task,
    UnitCache,
    UnitResult,
    anchor_of,
    run_task,
    spec_to_dict,
    unit_keys,
)

Progress = Callable[[int, int], None]
Key = tuple[str, str, pd.Timestamp]  # (series, model, origin)
SMALL_RUN = 24
"""Runs with at most this many units to fit use the sequential engine instead of processes."""


def _tasks_for(
    sid: str,
    y: pd.Series,
    spec: dict[str, Any],
    todo: list[pd.Timestamp],
    opts: BacktestOptions,
    every: int | None,
    parts: Mapping[str, pd.Series] | None = None,
) -> list[Task]:
    if not todo:
        return []
    if every:
        groups: dict[pd.Timestamp, list[pd.Timestamp]] = {}
        for o in todo:
            groups.setdefault(anchor_of(o, every), []).append(o)
        chunks = list(groups.values())
    else:
        size = 6 if opts.engine != "sequential" else 1
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    return [Task(sid, y.loc[: max(c)], spec, tuple(c), opts.h, tuple(opts.levels), opts.seed,
                 every, opts.warm_start, parts) for c in chunks]  # fmt: skip


def not_run(p: Plan) -> dict[str, list[str]]:
    """Per series, the bottom-up models that do not apply to it (their ``applies``: no parts,
    or parts that are not its own), which would only repeat their fallback."""
    bottom_up = [s.build() for s in p.specs if s.model_class().uses_parts]
    out = {sid: [m.name for m in bottom_up if not m.applies(y, p.parts.get(sid))[0]]
           for sid, y in p.series.items()}  # fmt: skip
    return {sid: names for sid, names in out.items() if names}


def _look_up(
    p: Plan, cache: UnitCache | None, combined: Mapping[str, Any], idle: dict[str, list[str]]
) -> tuple[list[UnitResult], list[Task], dict[Key, str]]:
    """The units found in the cache, the tasks that fit the others (not those of ``combined``
    models, nor per series those ``idle``: :func:`not_run`), and every unit's key."""
    opts = p.options
    shape = (opts.h, len(interval_columns(opts.levels)))
    found: list[UnitResult] = []
    tasks: list[Task] = []
    keys: dict[Key, str] = {}
    for sid, y in p.series.items():
        origins = p.warmup[sid] + p.origins[sid]
        for spec in (s for s in p.specs if s.name not in {*combined, *idle.get(sid, ())}):
            parts = p.parts.get(sid) if spec.model_class().uses_parts else None
            sd, every = spec_to_dict(spec), opts.reselect_every.get(spec.name)
            ukeys = {}
            if cache is not None:
                ukeys = unit_keys(sid, y, sd, origins, opts.h, tuple(opts.levels), opts.seed,
                                  every, opts.warm_start, parts)  # fmt: skip
            todo = []
            for o in origins:
                hit = cache.get(ukeys[o], shape) if cache is not None else None
                if hit is None:
                    todo.append(o)
                else:
                    found.append(
                        UnitResult(sid, spec.name, o, hit[0], converged=hit[1], source="cache")
                    )
            keys.update({(sid, spec.name, o): k for o, k in ukeys.items()})
            tasks += _tasks_for(sid, y, sd, todo, opts, every, parts)
    return found, tasks, keys


def _fit(
    tasks: list[Task],
    keys: dict[Key, str],
    cache: UnitCache | None,
    opts: BacktestOptions,
    progress: Progress | None,
) -> tuple[list[UnitResult], str]:
    """Run the tasks, storing each one's units as soon as it finishes (an interrupted run
    keeps its finished work); the results and the engine that ran them."""
    total = sum(len(t.origins) for t in tasks)
    done = 0

    def _done(batch: list[UnitResult]) -> None:
        nonlocal done
        if cache is not None:
            for r in batch:
                if r.ok and r.values is not None:
                    cache.put(keys[(r.series, r.model, r.origin)], r.values, r.converged)
        done += len(batch)
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    # a handful of units (an incremental rerun) is faster here than in new processes (which
    # import everything again), and forked copies import the model libraries once each, which
    # cost more CPU than they saved in wall time on a busy 2-core machine; same numbers anyway
    engine = "sequential" if opts.engine == "processes" and total <= SMALL_RUN else opts.engine
    batches = parallel_map(run_task, tasks, engine, opts.jobs, opts.scheduler, _done)
    return [r for batch in batches for r in batch], engine


def _errors(results: list[UnitResult]) -> pd.DataFrame:
    """One row per failed unit."""
    cols = ["series", "model", "origin", "error"]
    rows = [(r.series, r.model, r.origin, r.error) for r in results if not r.ok]
    return pd.DataFrame(rows, columns=cols)


def _scored(
    p: Plan, results: list[UnitResult]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """The raw long frame, the calibrated scored forecasts, the metrics and the
    out-of-sample picks of the selection rule."""
    opts = p.options
    raw = assemble(results, p)
    cal = calibrate_frame(raw, opts.levels, opts.calibration, p.series)
    scored = raw["scored"].to_numpy(dtype=bool)
    lag = hac_lag(opts.h, opts.step)
    picks = out_of_sample_picks(cal, opts.levels, lag) if len(p.specs) > 1 else {}
    metrics = score(
        pd.concat([raw[scored], selection_rows(raw[scored], picks)]),
        pd.concat([cal[scored], selection_rows(cal[scored], picks)]),
        opts.levels,
        month(opts.era_split),
    )
    forecasts = cal[scored][forecast_columns(opts.levels)].reset_index(drop=True)
    return raw.reset_index(drop=True), forecasts, metrics, picks


def execute(p: Plan, progress: Progress | None = None) -> BacktestResult:
    """Run a validated :class:`~borderforecast.backtesting.plan.Plan`."""
    opts = p.options
    t0 = time.perf_counter()
    cache = UnitCache() if opts.cache else None
    combined = combinable(p.specs, opts.seed)  # ensembles from their members' forecasts
    idle = not_run(p)
    found, tasks, keys = _look_up(p, cache, combined, idle)
    t_fit = time.perf_counter()
    fitted, engine = _fit(tasks, keys, cache, opts, progress)
    fit_wall = time.perf_counter() - t_fit
    results = found + fitted
    results += combine_members(results, p, cache, list(combined.values()))
    learned: dict[str, dict[str, float]] = {}
    if opts.learned_ensemble:
        extra, learned = learned_ensemble(results, p, opts, cache)
        results += extra
    raw, forecasts, metrics, picks = _scored(p, results)
    n_fit = sum(len(t.origins) for t in tasks)
    info = run_info(p, results, n_fit, fit_wall, time.perf_counter() - t0)
    info["skipped"] = dict(p.skipped)
    info["not_run"] = idle
    info["engine"] = engine if tasks else "none"
    if learned:
        info["learned_weights"] = learned
    if picks:
        info["selection"] = {
            sid: {f"{o:%Y-%m}": m for o, m in d.items()} for sid, d in picks.items()
        }
    return BacktestResult(forecasts, raw, metrics, _errors(results), opts, info)


def backtest(
    y: pd.Series | Mapping[str, pd.Series] | None = None,
    models: str | Sequence[str] | None = None,
    *,
    series: str | Sequence[str] | None = None,
    options: BacktestOptions | None = None,
    progress: Progress | None = None,
    parts: Mapping[str, Mapping[str, pd.Series]] | None = None,
    **settings: Any,
) -> BacktestResult:
    """Rolling-origin backtest of named models on one or many monthly series.

    Every origin *T* trains a model on the data up to and including *T*
    (expanding window) and forecasts *T+1 .. T+h*. Forecasts are scored on the
    count scale (MASE, RMSSE, sMAPE, MAPE, interval coverage and Winkler
    score), overall, by horizon and by era, with raw and calibrated intervals
    (see :mod:`borderforecast.backtesting.calibrate`).

    Parameters
    ----------
    y : Series or mapping of id -> Series, optional
        The series (default: ``borderforecast.load()``, the USBP Southwest
        total, or the ids in ``series``).
    models : str or list of str, optional
        Model spec names, or ``"all"`` for every spec (default: the default set, every
        spec whose file does not say ``default = false``; see ``list_models()``).
    series : str or list of str, optional
        Series ids to load with ``borderforecast.load(series=...)`` (or to
        pick from the mapping ``y``).
    options : BacktestOptions, optional
        All settings; keyword ``settings`` (``h=6, start="2015-01", step=3,
        engine="processes", jobs=2, cache=False`` ...) override them.
    progress : callable, optional
        ``progress(done, total)`` as fits finish.
    parts : mapping of series id -> {part name -> Series}, optional
        The parts of each series for a bottom-up model (``demographic``);
        default: the bundled demographic parts for the bundled Southwest total
        (:func:`borderforecast.data.parts.parts_for`), none for other series.

    Returns
    -------
    BacktestResult
        Series that cannot be backtested (too short, no origin in range) are
        left out of a many-series run, each with its reason, in
        ``result.info["skipped"]`` (a single series raises instead).

    Raises
    ------
    UnknownModelError, UnknownSeriesError, ShortSeriesError, DataError, ModelError
        On bad input, before any model is fitted.

    Examples
    --------
    >>> import borderforecast as bf
    >>> res = bf.backtest(bf.load(), models="snaive", start="2023-06", h=3, cache=False)
    >>> res.forecasts.columns.tolist()[:6]
    ['origin', 'target_month', 'horizon', 'model', 'series', 'actual']
    >>> str(res.forecasts["origin"].max().date())
    '2025-05-01'
    """
    known = {f.name for f in fields(BacktestOptions)}
    unknown = sorted(set(settings) - known)
    if unknown:
        import difflib

        bad = unknown[0]
        close = difflib.get_close_matches(bad, sorted(known), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ModelError(
            f"backtest got an unknown option {bad!r}{hint} (valid options: "
            f"{', '.join(sorted(known))})"
        )
    if options is None:
        options = BacktestOptions(**settings)
    elif settings:
        options = options.replace(**settings)
    return execute(plan(y, models, series, options, parts), progress)
