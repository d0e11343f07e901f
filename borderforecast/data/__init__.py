"""Monthly encounter data: :func:`load` a series, :func:`load_frame` the tidy table,
:func:`datasets` to see what exists.

The bundled table (``data/encounters.csv``) holds every source's rows; :data:`PRECEDENCE`
picks one row per month and series (docs/guide/data.md); releases ingested with
``borderforecast data update`` override and extend it. Series ids: :mod:`.naming`
(``"southwest"``, the default, ``"sector/tucson"``, ``"usbp+ofo"``, ``"region/northern"``...).

Examples
--------
>>> import borderforecast as bf
>>> y = bf.load()
>>> int(y["2019-05-01"]), y.index.freqstr, str(y.index[0].date())
(132856, 'MS', '1999-10-01')
>>> int(bf.load("sector/tucson")["2019-05-01"])
6875
"""

from __future__ import annotations

import difflib
import functools
import os
import warnings

import numpy as np
import pandas as pd

from ..errors import DataWarning, MissingMonthError, UnknownSeriesError
from ..series import format_months
from ..series import month as _month
from . import store, table
from .build import PRECEDENCE
from .naming import (
    ALL,
    SECTOR_REGION,
    SeriesKey,
    canonical_citizenship,
    canonical_component,
    canonical_demographic,
    canonical_region,
    canonical_sector,
    parse_series_id,
)
from .sources._common import DIMS

__all__ = [
    "PRECEDENCE",
    "MissingMonthError",
    "SeriesKey",
    "UnknownSeriesError",
    "current_release",
    "datasets",
    "load",
    "load_frame",
    "series_ids",
]

Home = str | os.PathLike[str] | None


def load_frame(*, all_sources: bool = False, home: Home = None) -> pd.DataFrame:
    """The tidy long table: one row per month and series.

    Parameters
    ----------
    all_sources : bool
        ``False`` (default): source precedence applied, one row per month and
        series. ``True``: every source's rows (column ``source`` tells them apart).
    home : path, optional
        User home holding the data store (default :func:`borderforecast.paths.home_dir`).

    Returns
    -------
    pandas.DataFrame
        Columns ``month, fiscal_year, component, region, sector, demographic,
        citizenship, count, source`` (a copy; modifying it changes nothing).

    Examples
    --------
    >>> frame = load_frame()
    >>> sorted(frame["component"].unique())
    ['OFO', 'USBP']
    """
    out = table.frame(all_sources=all_sources, home=home).copy()
    out.attrs["release"] = current_release(home)
    return out


def current_release(home: Home = None) -> str:
    """Id of the data release :func:`load` uses: the newest ingested release in the
    user store, or ``bundled-<last month>-<hash>`` for the bundled table.

    Examples
    --------
    >>> current_release().startswith("bundled-")
    True
    """
    return store.current_release(home) or table.bundled_release()


def _resolve(
    series: str | None,
    component: str,
    region: str | None,
    sector: str,
    demographic: str,
    citizenship: str,
    frame: pd.DataFrame,
) -> SeriesKey:
    citizenships = frame["citizenship"].unique()
    if series is not None:
        return parse_series_id(series, citizenships)
    comp = canonical_component(component)
    sec = canonical_sector(sector)
    if sec != ALL:
        reg = SECTOR_REGION[sec]
        if region is not None and canonical_region(region) not in (reg, ALL):
            raise UnknownSeriesError(f"sector {sec!r} is in the {reg} region, not {region!r}")
    else:
        reg = canonical_region(region) if region is not None else "Southwest"
    return SeriesKey(
        component=comp,
        region=reg,
        sector=sec,
        demographic=canonical_demographic(demographic),
        citizenship=canonical_citizenship(citizenship, citizenships),
    )


def _select(frame: pd.DataFrame, key: SeriesKey, component: str) -> pd.DataFrame:
    mask = (
        (frame["component"] == component)
        & (frame["sector"] == key.sector)
        & (frame["demographic"] == key.demographic)
        & (frame["citizenship"] == key.citizenship)
    )
    if key.sector == ALL:
        mask &= frame["region"] == key.region
    return frame[mask]


def _no_series(key: SeriesKey, source: str | None, home: Home) -> UnknownSeriesError:
    ids = datasets(home=home, source=source)["id"].tolist()
    close = difflib.get_close_matches(key.id, ids, n=4, cutoff=0.5)
    where = f" in source {source!r}" if source else ""
    hint = f"; close: {', '.join(close)}" if close else "; see borderforecast.datasets()"
    return UnknownSeriesError(f"no data for series {key.id!r}{where}{hint}")


def load(
    series: str | None = None,
    *,
    component: str = "USBP",
    region: str | None = None,
    sector: str = "all",
    demographic: str = "all",
    citizenship: str = "all",
    source: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    allow_gaps: bool = False,
    home: Home = None,
) -> pd.Series:
    """Load one monthly series (by default USBP Southwest border encounters).

    Parameters
    ----------
    series : str, optional
        A series id such as ``"southwest"``, ``"sector/tucson"``,
        ``"demographic/uac"``, ``"citizenship/mexico"``, ``"ofo"``,
        ``"usbp+ofo"`` (see :func:`series_ids`); overrides the keyword filters.
    component : {"USBP", "OFO", "all"}
        ``"all"`` adds USBP and OFO for the months where both exist.
    region : str, optional
        ``"Southwest"`` (default), ``"Northern"``, ``"Coastal"``, ``"national"``;
        with a sector, defaults to the sector's region.
    sector, demographic, citizenship : str
        ``"all"`` or a value (``"Rio Grande Valley"``, ``"uac"``,
        ``"family_units"``, ``"Mexico"``); matching ignores case.
    source : str, optional
        Use only this source's rows (``"cbp_tables"``, ``"sw_encounters"``,
        ``"ohss"``, ``"pages"``) instead of the precedence-chosen ones.
    start, end : month, optional
        Cut the series to these months (inclusive).
    allow_gaps : bool
        ``False`` (default): a series with gaps is cut to its latest gap-free
        run, with a :class:`~borderforecast.errors.DataWarning` naming the
        missing and left-out months; ``True``: the full history, NaN for the
        missing months (float series).
    home : path, optional
        User home with the data store.

    Returns
    -------
    pandas.Series
        int64 counts on a monthly DatetimeIndex (freq ``MS``, name ``month``);
        ``name`` is a readable label; ``attrs`` holds ``series_id``,
        ``release`` and ``sources`` (months per source).

    Raises
    ------
    UnknownSeriesError
        For an unknown id or filter value (with close matches), or a filter
        combination without data.

    Warns
    -----
    DataWarning
        When months were left out (gaps, see ``allow_gaps``), or when the
        series ends before the latest month of the release (e.g. the sector
        tables end in November 2024) and ``end`` is not given.

    Examples
    --------
    >>> y = load()
    >>> int(y["2019-08-01"]), y.name
    (50684, 'USBP Southwest border, monthly encounters')
    >>> load("ofo", start="2021-10").index[0].strftime("%Y-%m")
    '2021-10'
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ofo = load("ofo")
    >>> ofo.index[0].strftime("%Y-%m"), type(caught[0].message).__name__
    ('2019-10', 'DataWarning')
    """
    if source is not None and source not in PRECEDENCE:
        raise UnknownSeriesError(f"unknown source {source!r}; choices: {', '.join(PRECEDENCE)}")
    frame = table.frame(all_sources=source is not None, home=home)
    if source is not None:
        frame = frame[frame["source"] == source]
    key = _resolve(series, component, region, sector, demographic, citizenship, frame)
    components = ["USBP", "OFO"] if key.component == ALL else [key.component]
    counts, parts = _counts(frame, key, components, source, home)
    if start is not None:
        counts = counts[counts.index >= _month(start)]
    if end is not None:
        counts = counts[counts.index <= _month(end)]
    if counts.empty:
        raise UnknownSeriesError(f"series {key.id!r} has no months between {start} and {end}")
    full = pd.date_range(counts.index[0], counts.index[-1], freq="MS", name="month")
    missing = full.difference(counts.index)
    if len(missing) and not allow_gaps:
        counts = _latest_run(counts, missing, key)
        full = pd.date_range(counts.index[0], counts.index[-1], freq="MS", name="month")
    latest = pd.Timestamp(frame["month"].max())
    if end is None and counts.index[-1] < latest:
        warnings.warn(
            f"series {key.id!r} ends {counts.index[-1]:%Y-%m}, before the latest release "
            f"month {latest:%Y-%m} (the source publishing it stopped or lags)",
            DataWarning,
            stacklevel=2,
        )
    out = pd.Series(
        counts.reindex(full).to_numpy(dtype=np.int64 if len(full) == len(counts) else np.float64),
        index=pd.DatetimeIndex(full, freq="MS", name="month"),
        name=key.label if source is None else f"{key.label} [{source}]",
    )
    sources = pd.concat([r.loc[r.index.isin(counts.index), "source"] for r in parts]).value_counts()
    out.attrs.update(
        series_id=key.id,
        release=current_release(home),
        sources={str(k): int(v) for k, v in sources.sort_index().items()},
    )
    return out


def _counts(
    frame: pd.DataFrame, key: SeriesKey, components: list[str], source: str | None, home: Home
) -> tuple[pd.Series, list[pd.DataFrame]]:
    """The series' counts by month (USBP + OFO: the months both have) and each part's rows."""
    parts = []
    for comp in components:
        rows = _select(frame, key, comp)
        if rows.empty:
            raise _no_series(key, source, home)
        parts.append(rows.set_index("month"))
    counts = parts[0]["count"]
    for extra in parts[1:]:
        common = counts.index.intersection(extra.index)
        if common.empty:
            raise _no_series(key, source, home)
        counts = counts.loc[common] + extra["count"].loc[common]
    return counts.sort_index(), parts


def _latest_run(counts: pd.Series, missing: pd.DatetimeIndex, key: SeriesKey) -> pd.Series:
    """The latest gap-free run of ``counts``, warning what was left out (for :func:`load`)."""
    resume = missing[-1] + pd.offsets.MonthBegin(1)
    dropped = counts[counts.index < resume]
    kept = counts[counts.index >= resume]
    warnings.warn(
        f"series {key.id!r} has no data for {format_months(missing)}: returning its latest "
        f"gap-free run {resume:%Y-%m} to {kept.index[-1]:%Y-%m} and leaving out "
        f"{len(dropped)} earlier months ({dropped.index[0]:%Y-%m} to "
        f"{dropped.index[-1]:%Y-%m}); pass allow_gaps=True for the full history with NaN",
        DataWarning,
        stacklevel=3,
    )
    return kept


def datasets(*, source: str | None = None, home: Home = None) -> pd.DataFrame:
    """Every available series: id, filters, first/last month, months, gaps, sources.

    Parameters
    ----------
    source : str, optional
        List one source's series (default: precedence-chosen rows).

    Examples
    --------
    >>> d = datasets()
    >>> [f"{m:%Y-%m}" for m in d.set_index("id").loc["southwest", ["first", "last"]]]
    ['1999-10', '2025-08']
    """
    return _datasets(source, table.stamps(home)).copy()


def _joined(sources: pd.Series) -> str:
    return "+".join(sorted(set(sources), key=PRECEDENCE.index))


@functools.lru_cache(maxsize=16)
def _datasets(source: str | None, stamps: tuple) -> pd.DataFrame:
    full, chosen = table._combined(*stamps)
    frame = full[full["source"] == source] if source is not None else chosen
    order = ["id", *DIMS, "first", "last", "n_months", "missing", "sources", "label"]
    if frame.empty:
        return pd.DataFrame(columns=order)
    grouped = frame.groupby(DIMS, sort=True)
    info = grouped["month"].agg(first="min", last="max", n_months="size").reset_index()
    info["sources"] = grouped["source"].agg(_joined).to_numpy()
    # USBP + OFO where both components exist: the months both have, per series
    both = frame[frame["component"] == "OFO"].merge(
        frame.loc[frame["component"] == "USBP", [*DIMS[1:], "month", "source"]],
        on=[*DIMS[1:], "month"],
        suffixes=("", "_usbp"),
    )
    if len(both):
        pair = both.groupby(DIMS[1:], sort=True)
        extra = pair["month"].agg(first="min", last="max", n_months="size").reset_index()
        used = frame.merge(extra[DIMS[1:]], on=DIMS[1:]).groupby(DIMS[1:], sort=True)["source"]
        extra["sources"] = used.agg(_joined).to_numpy()
        info = pd.concat([info, extra.assign(component=ALL)], ignore_index=True)
    first, last = info["first"].dt, info["last"].dt
    span = (last.year - first.year) * 12 + (last.month - first.month) + 1
    info["missing"] = (span - info["n_months"]).astype("int64")
    keys = [SeriesKey(*(r[d] for d in DIMS)) for _, r in info.iterrows()]
    info.insert(0, "id", [k.id for k in keys])
    info["label"] = [k.label for k in keys]
    return info[order].sort_values("id", kind="stable").reset_index(drop=True)


def series_ids(*, source: str | None = None, home: Home = None) -> list[str]:
    """Ids of every available series (see :func:`datasets`).

    Examples
    --------
    >>> {"southwest", "sector/tucson", "demographic/uac", "ofo", "usbp+ofo"} <= set(series_ids())
    True
    """
    return datasets(source=source, home=home)["id"].tolist()
