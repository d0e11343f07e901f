"""The user data store: newer official releases merged over the bundled table.

``borderforecast data update FILE`` (or :func:`ingest`) reads a new release of
the CBP Southwest Land Border Encounters CSV or the DHS OHSS workbook in its
published layout, validates it, and merges it into the store under
:func:`borderforecast.paths.home_dir`::

    <home>/store/CURRENT              name of the active state folder
    <home>/store/state-NNNN/rows.csv       ingested rows (tidy columns)
    <home>/store/state-NNNN/releases.csv   one line per ingested release
    <home>/store/state-NNNN/revisions.csv  month, series, old, new, release

An update writes a complete new state folder, then replaces ``CURRENT``
atomically (temporary file + :func:`os.replace`): an interrupted or failed
update leaves the store exactly as it was. Store rows override bundled rows
with the same series, month and source; new months extend the series.
A release's id is ``<source>-<last month>-<first 10 hex of the file's
SHA-256>``; ingesting the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import MalformedFileError, MissingMonthError, StoreError
from ..paths import home_dir
from ..series import format_months
from .sources import ohss, sw_encounters
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
REVISION_COLUMNS = [
    "component",
    "region",
    "sector",
    "demographic",
    "citizenship",
    "month",
    "source",
    "old",
    "new",
    "release",
]


def store_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """``<home>/store``."""
    return home_dir(home) / "store"


def _state_dir(home: str | os.PathLike[str] | None) -> Path | None:
    root = store_dir(home)
    pointer = root / CURRENT
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    state = root / name
    if not name or not (state / "rows.csv").is_file():
        raise StoreError(
            f"data store {root} is damaged: {CURRENT} names {name!r}, which is missing"
        )
    return state


def rows_path(home: str | os.PathLike[str] | None = None) -> Path | None:
    """Path of the store's rows, or ``None`` when nothing has been ingested."""
    state = _state_dir(home)
    return None if state is None else state / "rows.csv"


def releases(home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Ingested releases, oldest first (empty frame when the store is empty)."""
    state = _state_dir(home)
    if state is None:
        return pd.DataFrame(columns=RELEASE_COLUMNS)
    return pd.read_csv(state / "releases.csv", dtype=str, keep_default_na=False)


def revisions(home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every revised value: series, month, source, ``old``, ``new`` and the changing ``release``."""
    state = _state_dir(home)
    if state is None:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    frame = pd.read_csv(
        state / "revisions.csv", dtype={"old": "int64", "new": "int64"}, keep_default_na=False
    )
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def current_release(home: str | os.PathLike[str] | None = None) -> str | None:
    """Id of the most recently ingested release, or ``None``."""
    rel = releases(home)
    return None if rel.empty else str(rel["release"].iloc[-1])


@dataclass(frozen=True)
class UpdateResult:
    """What an update did."""

    release: str
    source: str
    file: str
    first_month: pd.Timestamp
    last_month: pd.Timestamp
    rows: int
    new_rows: int
    revised_rows: int
    already_ingested: bool

    def summary(self) -> str:
        """One line for the CLI."""
        if self.already_ingested:
            return f"release {self.release} ({self.file}) is already in the store: nothing changed"
        return (
            f"ingested release {self.release} ({self.file}): {self.source} "
            f"{self.first_month:%Y-%m}..{self.last_month:%Y-%m}, {self.rows:,} rows, "
            f"{self.new_rows:,} new, {self.revised_rows:,} revised"
        )


def detect_layout(path: Path) -> str:
    """``"ohss"`` for a workbook, ``"sw_encounters"`` for the Southwest CSV; else an error."""
    if not path.is_file():
        raise MalformedFileError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK"):
        return "ohss"
    try:
        first = head.decode("utf-8-sig", errors="strict").splitlines()[0] if head else ""
    except UnicodeDecodeError:
        first = ""
    fields = [f.strip() for f in next(csv.reader(io.StringIO(first)), [])]
    if "Encounter Count" in fields or "Citizenship Grouping" in fields:
        return "sw_encounters"
    raise MalformedFileError(
        f"{path.name}: not a known release layout (expected the CBP Southwest Land Border "
        "Encounters CSV or the DHS OHSS USBP encounters workbook .xlsx)"
    )


def _parse(path: Path, layout: str) -> pd.DataFrame:
    if layout == "ohss":
        return ohss.parse(path)
    return sw_encounters.parse(path)


def ingest(
    file: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None
) -> UpdateResult:
    """Validate a new official release and merge it into the store (atomically).

    Raises
    ------
    DataError
        For a malformed or invalid file (nothing is written).

    Examples
    --------
    A (tiny) release of the CBP Southwest Land Border Encounters CSV with one
    new month, September 2025, ingested into a throw-away home folder:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import borderforecast as bf
    >>> folder = Path(tempfile.mkdtemp())
    >>> release = folder / "sbo-encounters-fy25-sep.csv"
    >>> _ = release.write_text(
    ...     "Fiscal Year,Month Grouping,Month (abbv),Component,Demographic,"
    ...     "Citizenship Grouping,Title of Authority,Encounter Type,Encounter Count\\n"
    ...     "2025 (FYTD),FYTD,SEP,U.S. Border Patrol,Single Adults,Mexico,Title 8,"
    ...     "Apprehensions,5000\\n")
    >>> result = ingest(release, home=folder / "home")
    >>> result.release.startswith("sw_encounters-2025-09-"), result.new_rows
    (True, 4)
    >>> int(bf.load(home=folder / "home")["2025-09-01"])
    5000
    >>> ingest(release, home=folder / "home").already_ingested   # same file: no change
    True
    """
    from . import table  # late import: table imports this module

    path = Path(file)
    layout = detect_layout(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    new = _parse(path, layout)
    first, last = new["month"].min(), new["month"].max()
    release = f"{layout}-{last:%Y-%m}-{digest[:10]}"
    known = releases(home)
    if release in set(known["release"]):
        n = int(known.loc[known["release"] == release, "rows"].iloc[0])
        return UpdateResult(release, layout, path.name, first, last, n, 0, 0, True)

    existing = table.frame(all_sources=True, home=home)
    existing = existing[existing["source"] == layout]
    _check_no_gap(existing, new, path.name)
    merged = new.merge(existing[[*KEY, "count"]], on=KEY, how="left", suffixes=("", "_old"))
    old = merged["count_old"]
    is_new = old.isna()
    changed = ~is_new & (old != merged["count"])
    revs = merged[changed].rename(columns={"count_old": "old", "count": "new"})
    revs = revs.assign(old=revs["old"].astype("int64"), release=release)[REVISION_COLUMNS]

    state = _state_dir(home)
    prev_revs = revisions(home)
    rows = new
    if state is not None:
        prev_rows = table.read_csv_table(state / "rows.csv")
        rows = pd.concat([new, prev_rows], ignore_index=True)
        rows = rows.drop_duplicates([*KEY, "source"], keep="first")
    result = UpdateResult(
        release,
        layout,
        path.name,
        first,
        last,
        len(new),
        int(is_new.sum()),
        int(changed.sum()),
        False,
    )
    rel_row = pd.DataFrame(
        [
            {
                "release": release,
                "source": layout,
                "file": path.name,
                "sha256": digest,
                "first_month": f"{first:%Y-%m}",
                "last_month": f"{last:%Y-%m}",
                "ingested_at": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                "rows": len(new),
                "new_rows": result.new_rows,
                "revised_rows": result.revised_rows,
            }
        ]
    )
    all_revs = pd.concat([prev_revs, revs], ignore_index=True) if len(prev_revs) else revs
    all_rels = pd.concat([known, rel_row], ignore_index=True) if len(known) else rel_row
    _write_state(home, rows, all_rels, all_revs)
    return result


def _check_no_gap(existing: pd.DataFrame, new: pd.DataFrame, name: str) -> None:
    """The source's total series must stay gap-free once the release is merged."""
    for component, part in new.groupby("component"):
        months = set(part["month"]) | set(existing.loc[existing["component"] == component, "month"])
        full = pd.date_range(min(months), max(months), freq="MS")
        missing = full.difference(pd.DatetimeIndex(sorted(months)))
        if len(missing):
            raise MissingMonthError(
                f"{name}: merging this release would leave {component} without data for "
                f"{format_months(missing)} (the file starts or ends too far from the data in hand)"
            )


def _write_state(home, rows: pd.DataFrame, rels: pd.DataFrame, revs: pd.DataFrame) -> None:
    from ..atomic import write_text
    from .build import to_csv_text

    root = store_dir(home)
    root.mkdir(parents=True, exist_ok=True)
    current = _state_dir(home)
    number = int(current.name.split("-")[-1]) + 1 if current is not None else 1
    name = f"state-{number:04d}"
    tmp = root / f".{name}.tmp"
    final = root / name
    for leftover in (tmp, final):
        if leftover.exists():
            shutil.rmtree(leftover)
    tmp.mkdir()
    try:
        (tmp / "rows.csv").write_text(to_csv_text(rows), encoding="utf-8", newline="")
        rels.to_csv(tmp / "releases.csv", index=False, lineterminator="\n")
        out = revs.copy()
        if len(out):
            out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m-%d")
        out.to_csv(
            tmp / "revisions.csv", index=False, lineterminator="\n", columns=REVISION_COLUMNS
        )
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_text(root / CURRENT, name + "\n")
    if current is not None and current != final:
        shutil.rmtree(current, ignore_errors=True)
