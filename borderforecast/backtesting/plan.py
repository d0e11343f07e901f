"""The plan of a backtest: validate the series, models and origins before any fitting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import (
    DataError,
    ModelError,
    ShortSeriesError,
    UnknownModelError,
    UnknownSeriesError,
)
from ..models.registry import ModelSpec, get_spec, list_specs
from ..series import as_monthly, month
from .live import origin_grid, warmup_origins
from .options import BacktestOptions

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
        at = f" for the first origin {start:%Y-%m}" if start is not None else ""
        raise ShortSeriesError(
            f"series {sid!r} is too short{at}: the models need {min_len} months of history; {need}"
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
