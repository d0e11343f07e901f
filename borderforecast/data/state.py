"""Reading the user data store's layout (no writing: see :mod:`borderforecast.data.store`).

::

    <home>/store/CURRENT                   name of the active state folder
    <home>/store/state-NNNN/rows.csv       ingested rows (tidy columns)
    <home>/store/state-NNNN/releases.csv   one line per ingested release
    <home>/store/state-NNNN/revisions.csv  month, series, old, new, release
    <home>/store/.lock                     held by the one writer (filelock)

This module sits below both the table reader (:mod:`~borderforecast.data.table`)
and the writer, so neither needs the other's internals.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import StoreError
from ..paths import home_dir
from .sources._common import KEY

CURRENT = "CURRENT"
RELEASE_COLUMNS = [
    "release",
    "source",
    "file",
    "sha256",
    "first_month",
    "last_month",
    "ingested_at",
    "rows",
    "new_rows",
    "revised_rows",
]
REVISION_COLUMNS = [*KEY, "source", "old", "new", "release"]

Home = str | os.PathLike[str] | None


def store_dir(home: Home = None) -> Path:
    """``<home>/store``."""
    return home_dir(home) / "store"


def state_dir(home: Home = None) -> Path | None:
    """The active state folder, ``None`` for an empty store; StoreError if damaged."""
    root = store_dir(home)
    pointer = root / CURRENT
    try:
        if not pointer.is_file():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise StoreError(f"data store {root}: cannot read {CURRENT} ({exc.strerror})") from None
    state = root / name
    if not name or "/" in name or not (state / "rows.csv").is_file():
        raise StoreError(
            f"data store {root} is damaged: {CURRENT} names {name!r}, which is missing"
        )
    return state


def rows_path(home: Home = None) -> Path | None:
    """Path of the store's rows, or ``None`` when nothing has been ingested."""
    state = state_dir(home)
    return None if state is None else state / "rows.csv"


def releases(home: Home = None) -> pd.DataFrame:
    """Ingested releases, oldest first (empty frame when the store is empty)."""
    state = state_dir(home)
    if state is None:
        return pd.DataFrame(columns=RELEASE_COLUMNS)
    return pd.read_csv(state / "releases.csv", dtype=str, keep_default_na=False)


def revisions(home: Home = None) -> pd.DataFrame:
    """Every revised value: series, month, source, ``old``, ``new`` and the changing ``release``."""
    state = state_dir(home)
    if state is None:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    frame = pd.read_csv(
        state / "revisions.csv", dtype={"old": "int64", "new": "int64"}, keep_default_na=False
    )
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def current_release(home: Home = None) -> str | None:
    """Id of the most recently ingested release, or ``None``."""
    rel = releases(home)
    return None if rel.empty else str(rel["release"].iloc[-1])
