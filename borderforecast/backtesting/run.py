"""``backtest()``: validate, plan units, use the cache, run an engine, calibrate, score."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from ..errors import (
    DataError,
    ModelError,
    ShortSeriesError,
    UnknownModelError,
    UnknownSeriesError,
)
from ..models.base import interval_columns
from ..models.registry import ModelSpec, get_spec, list_specs
from ..series import as_monthly, month
from .cache import UnitCache, code_digest, data_digest, parts_digest, unit_key
from .calibrate import calibrate_frame
from .engines import run_tasks
from .ensembles import combinable, combine_members, learned_ensemble
from .frames import assemble, run_info
from .live import origin_grid, warmup_origins
from .options import BacktestOptions
from .result import BacktestResult, forecast_columns
from .scoring import score
from .selection import out_of_sample_picks, selection_rows
from .units import Task, UnitResult, anchor_of, spec_to_dict

Progress = Callable[[int, int], None]
SMALL_RUN = 24
"""Runs with at most this many units to fit use the sequential engine instead of processes."""
DEFAULT_SERIES = "southwest"  # display id of an unnamed series


@dataclass(frozen=True)
class Plan:
    """What a run will do, fixed before any fitting."""

    series: dict[str, pd.Series]
    specs: list[ModelSpec]
    origins: dict[str, list[pd.Timestamp]]  # scored origins per series
    warmup: dict[str, list[pd.Timestamp]]  # calibration-only origins per series
    options: BacktestOptions
    skipped: dict[str, str] = field(default_factory=dict)  # series id -> why it cannot run
    parts: dict[str, Mapping[str, pd.Series]] = field(default_factory=dict)  # bottom-up inputs


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _load_series(ids: list[str] | None) -> dict[str, pd.Series]:
    from .. import data

    if not ids:
        y = data.load()
        return {str(y.attrs.get("series_id") or DEFAULT_SERIES): y}
    out = {}
    for sid in ids:
        out[sid] = data.load(series=sid)  # raises UnknownSeriesError with the valid ids
    return out


def _resolve_series(y: Any, series: list[str] | None) -> dict[str, pd.Series]:
    if y is None:
        return _load_series(series)
    if isinstance(y, pd.DataFrame):
        from ..data.userdata import from_long

        y = from_long(y)  # a long unique_id, ds, y panel
    if isinstance(y, pd.Series):
        name = (
            (series[0] if series else None)
            or y.attrs.get("series_id")
            or (str(y.name) if y.name is not None else DEFAULT_SERIES)
        )
        return {str(name): y}
    if isinstance(y, Mapping):
        items = {str(k): v for k, v in y.items()}
        if series:
            unknown = [s for s in series if s not in items]
            if unknown:
                raise UnknownSeriesError(
                    f"unknown series {', '.join(unknown)}; available: {', '.join(items)}"
                )
            items = {s: items[s] for s in series}
        return items
    raise DataError(
        "backtest needs a Series, a mapping of id -> Series or a long unique_id, ds, y frame, "
        f"got {type(y).__name__}"
    )


def series_group(kind: str) -> list[str]:
    """Series ids of a group: ``"sectors"`` (the nine USBP Southwest sectors) or
    ``"demographics"`` (USBP Southwest family units, single adults, UAC)."""
    from .. import data

    d = data.datasets()
    base = (d["component"] == "USBP") & (d["region"] == "Southwest") & (d["citizenship"] == "all")
    if kind == "sectors":
        sel = base & (d["sector"] != "all") & (d["demographic"] == "all")
    elif kind == "demographics":
        sel = base & (d["sector"] == "all") & (d["demographic"] != "all")
    else:
        raise DataError(f"unknown series group {kind!r}; choose sectors or demographics")
    return sorted(d.loc[sel, "id"].astype(str))


def _resolve_models(models: str | ModelSpec | Sequence[str | ModelSpec] | None) -> list[ModelSpec]:
    known = list_specs()  # read the spec files once, not once per name
    if models is None:  # the default set: specs without ``default = false``
        specs = [s for s in known.values() if s.default]
    elif models == "all" or (isinstance(models, (list, tuple)) and list(models) == ["all"]):
        specs = list(known.values())
    else:
        items = [models] if isinstance(models, (str, ModelSpec)) else list(models)
        # get_spec raises UnknownModelError with the valid names
        specs = [known[n] if isinstance(n, str) and n in known else get_spec(n) for n in items]
        names = [s.name for s in specs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ModelError(f"model(s) named more than once: {', '.join(dup)}")
    if not specs:
        raise ModelError("no models to backtest")
    return specs


def _series_plan(
    sid: str, s: pd.Series, opts: BacktestOptions, min_len: int
) -> tuple[pd.Series, list[pd.Timestamp], list[pd.Timestamp]]:
    """Validate one series and fix its scored and warm-up origins."""
    attrs = dict(getattr(s, "attrs", {}) or {})
    s = as_monthly(s, name=sid)
    s.attrs.update(attrs)
    first_ok = s.index[min_len - 1] if len(s) >= min_len else None
    last = s.index[-1]
    start = month(opts.start) if opts.start is not None else None
    given_end = month(opts.end) if opts.end is not None else None
    latest = last - pd.DateOffset(months=1)
    outside = [m for m in (start, given_end) if m is not None and not s.index[0] <= m <= latest]
    if outside:
        raise DataError(
            f"origin {outside[0]:%Y-%m} is outside the data of series {sid!r} "
            f"({s.index[0]:%Y-%m} to {last:%Y-%m}); an origin needs at least one month of "
            "actuals after it"
        )
    if first_ok is None or (start is not None and start < first_ok):
        need = (
            f"the earliest possible origin is {first_ok:%Y-%m}"
            if first_ok is not None
            else f"it has only {len(s)} months"
        )
        raise ShortSeriesError(
            f"series {sid!r} is too short for the first origin "
            f"{(start or month(opts.DEFAULT_START)):%Y-%m}: the models need {min_len} "
            f"months of history; {need}"
        )
    try:
        grid, w = origin_grid(
            s.index, h=opts.h, step=opts.step, min_len=min_len, start=start, end=given_end,
            warmup=warmup_origins(opts.calibration, opts.h, opts.step),
        )  # fmt: skip
    except DataError as exc:
        text = str(exc).replace("no origins:", f"no origins for series {sid!r}:")
        raise DataError(text.replace("after it)", "after it, unless --end is given)")) from None
    return s, grid, w


def plan(
    y: Any = None,
    models: str | Sequence[str] | None = None,
    series: str | Sequence[str] | None = None,
    options: BacktestOptions | None = None,
    parts: Mapping[str, Mapping[str, pd.Series]] | None = None,
) -> Plan:
    """Validate everything and fix the units of a run; raises before any fitting.

    Raises
    ------
    UnknownModelError, SpecError
        Unknown model name or invalid spec.
    UnknownSeriesError
        Unknown series id.
    ShortSeriesError
        A series too short for the first origin.
    DataError
        An origin outside the data, an empty set of origins.
    """
    opts = options or BacktestOptions()
    specs = _resolve_models(models)
    known = {s.name for s in specs} | set(list_specs())
    unknown = sorted(set(opts.reselect_every) - known)
    if unknown:
        raise UnknownModelError(
            f"reselect_every names unknown model(s) {', '.join(unknown)}; "
            f"models: {', '.join(sorted(known))}"
        )
    min_len = 13
    for spec in specs:
        model = spec.build(seed=opts.seed)  # validates family and parameters
        min_len = max(min_len, int(model.min_length))
    raw = _resolve_series(y, _as_list(series))
    clean: dict[str, pd.Series] = {}
    origins: dict[str, list[pd.Timestamp]] = {}
    warm: dict[str, list[pd.Timestamp]] = {}
    skipped: dict[str, str] = {}
    for sid, s in raw.items():
        try:
            clean[sid], origins[sid], warm[sid] = _series_plan(sid, s, opts, min_len)
        except (ShortSeriesError, DataError) as exc:
            if len(raw) == 1 or isinstance(exc, UnknownSeriesError):
                raise
            skipped[sid] = str(exc)  # the other series still run
    if not clean:
        raise DataError(
            "no series can be backtested: " + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    if any(s.model_class().uses_parts for s in specs):
        from ..data.parts import parts_for

        given = dict(parts or {})
        looked = {sid: given[sid] if sid in given else parts_for(raw[sid]) for sid in clean}
        parts = {sid: v for sid, v in looked.items() if v is not None}
    found: dict[str, Mapping[str, pd.Series]] = {k: dict(v) for k, v in (parts or {}).items()}
    return Plan(clean, specs, origins, warm, opts, skipped, found)


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
    return [
        Task(
            sid,
            y.loc[: max(c)],
            spec,
            tuple(c),
            opts.h,
            tuple(opts.levels),
            opts.seed,
            every,
            opts.warm_start,
            parts,
        )
        for c in chunks
    ]


def _parts_of(p: Plan, sid: str, spec: ModelSpec) -> Mapping[str, pd.Series] | None:
    """The parts a bottom-up model (``uses_parts``) is fitted with on series ``sid``."""
    return p.parts.get(sid) if spec.model_class().uses_parts else None


def execute(p: Plan, progress: Progress | None = None) -> BacktestResult:
    """Run a validated :class:`Plan`."""
    opts = p.options
    t0 = time.perf_counter()
    ncols = len(interval_columns(opts.levels))
    cache = UnitCache() if opts.cache else None
    combined = combinable(p.specs, opts.seed) if opts.combine_ensembles else {}
    results: list[UnitResult] = []
    tasks: list[Task] = []
    keys: dict[tuple[str, str, pd.Timestamp], str] = {}
    for sid, y in p.series.items():
        all_origins = p.warmup[sid] + p.origins[sid]
        digests = {o: data_digest(y.loc[:o]) for o in all_origins}
        for spec in p.specs:
            if spec.name in combined:
                continue
            sd = spec_to_dict(spec)
            code = code_digest(sd) if cache is not None else ""
            parts = _parts_of(p, sid, spec)
            every = opts.reselect_every.get(spec.name)
            todo = []
            for o in all_origins:
                key = unit_key(
                    sid,
                    digests[o] + (parts_digest(parts, o) if parts is not None else ""),
                    sd,
                    o,
                    opts.h,
                    tuple(opts.levels),
                    opts.seed,
                    (every, opts.warm_start) if every else None,
                    code,
                )
                keys[(sid, spec.name, o)] = key
                hit = cache.get(key, (opts.h, ncols)) if cache is not None else None
                if hit is None:
                    todo.append(o)
                else:
                    results.append(
                        UnitResult(sid, spec.name, o, hit[0], converged=hit[1], source="cache")
                    )
            tasks += _tasks_for(sid, y, sd, todo, opts, every, parts)
    n_fit = sum(len(t.origins) for t in tasks)
    total = n_fit
    done = 0

    def _advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    t_fit = time.perf_counter()
    # a handful of units (an incremental rerun) is faster here than in new processes (which
    # import everything again), and forked copies import the model libraries once each, which
    # cost more CPU than they saved in wall time on a busy 2-core machine; same numbers anyway
    engine = "sequential" if opts.engine == "processes" and n_fit <= SMALL_RUN else opts.engine

    def _store(batch: list[UnitResult]) -> None:  # each task's units, as soon as it finishes
        if cache is None:
            return
        for r in batch:
            if r.ok and r.values is not None:
                cache.put(keys[(r.series, r.model, r.origin)], r.values, r.converged)

    for batch in run_tasks(tasks, engine, opts.jobs, opts.scheduler, _advance, _store):
        results.extend(batch)
    fit_wall = time.perf_counter() - t_fit
    results += combine_members(results, combined, p, opts, cache)
    learned: dict[str, dict[str, float]] = {}
    if opts.learned_ensemble:
        extra, learned = learned_ensemble(results, p, opts, cache)
        results += extra
    raw = assemble(results, p)
    cal = calibrate_frame(raw, opts.levels, opts.calibration, p.series)
    scored = raw["scored"].to_numpy(dtype=bool)
    picks = out_of_sample_picks(cal, opts.levels) if len(p.specs) > 1 else {}
    metrics = score(
        pd.concat([raw[scored], selection_rows(raw[scored], picks)]),
        pd.concat([cal[scored], selection_rows(cal[scored], picks)]),
        opts.levels,
        month(opts.era_split),
    )
    forecasts = cal[scored][forecast_columns(opts.levels)].reset_index(drop=True)
    errors = pd.DataFrame(
        [
            {"series": r.series, "model": r.model, "origin": r.origin, "error": r.error}
            for r in results
            if not r.ok
        ],
        columns=["series", "model", "origin", "error"],
    )
    info = run_info(p, results, n_fit, fit_wall, time.perf_counter() - t0)
    info["skipped"] = dict(p.skipped)
    info["engine"] = engine if tasks else "none"
    if learned:
        info["learned_weights"] = learned
    if picks:
        info["selection"] = {
            sid: {f"{o:%Y-%m}": m for o, m in d.items()} for sid, d in picks.items()
        }
    return BacktestResult(forecasts, raw.reset_index(drop=True), metrics, errors, opts, info)


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
