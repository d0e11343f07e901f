"""The tidy table (bundled file plus the user store), read once per process and again only
when a file's modification time or size changes."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import StoreError
from ..paths import data_dir
from . import state
from .build import TABLE_NAME, apply_precedence, sort_table
from .sources._common import COLUMNS, DIMS, KEY

_DTYPES = {"fiscal_year": "int64", "count": "int64"} | dict.fromkeys([*DIMS, "source"], str)


def bundled_path() -> Path:
    """Path of the bundled ``encounters.csv``."""
    return data_dir() / TABLE_NAME


def _stamp(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def read_csv_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a tidy CSV written by :func:`borderforecast.data.build.write_table`."""
    frame = pd.read_csv(path, dtype=_DTYPES, keep_default_na=False, na_values=[])
    frame["month"] = pd.to_datetime(frame["month"], format="%Y-%m-%d")
    return frame[COLUMNS]


@lru_cache(maxsize=4)
def _read_cached(stamp: tuple[str, int, int]) -> pd.DataFrame:
    return read_csv_table(stamp[0])


@lru_cache(maxsize=4)
def _hash_cached(stamp: tuple[str, int, int]) -> str:
    return hashlib.sha256(Path(stamp[0]).read_bytes()).hexdigest()


def bundled_table() -> pd.DataFrame:
    """Every source's rows of the bundled table (do not modify the returned frame)."""
    return _read_cached(_stamp(bundled_path()))


def bundled_release() -> str:
    """Id of the bundled data: ``bundled-<last month>-<first 8 hex of the file's sha256>``."""
    path = bundled_path()
    last = bundled_table()["month"].max()
    return f"bundled-{last:%Y-%m}-{_hash_cached(_stamp(path))[:8]}"


@lru_cache(maxsize=8)
def _combined(bundled_stamp: tuple, store_stamp: tuple | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = _read_cached(bundled_stamp)
    if store_stamp is None:
        full = base
    else:
        extra = _read_cached(store_stamp)
        keyed = pd.concat([extra, base], ignore_index=True)
        full = sort_table(keyed.drop_duplicates([*KEY, "source"], keep="first"))
    return full, apply_precedence(full, sort=False)


def stamps(home: str | os.PathLike[str] | None = None) -> tuple[tuple, tuple | None]:
    """(bundled file stamp, store rows stamp or None): changes whenever the data change."""
    rows_path = state.rows_path(home)
    return _stamp(bundled_path()), (_stamp(rows_path) if rows_path is not None else None)


def frame(*, all_sources: bool = False, home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The tidy table with store rows overriding bundled ones (same series, month and source).

    With ``all_sources=False`` precedence is applied (one row per month and series).
    Do not modify the returned frame (it is cached).
    """
    for attempt in range(3):
        try:
            full, chosen = _combined(*stamps(home))
            break
        except FileNotFoundError:  # a writer replaced the state while we read: read again
            if attempt == 2:
                raise StoreError(
                    f"data store {state.store_dir(home)} changed while being read; try again"
                ) from None
    return full if all_sources else chosen
