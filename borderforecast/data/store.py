"""The user data store: newer official releases merged over the bundled table.

:func:`ingest` (``borderforecast data update FILE``) validates a new CBP or OHSS release and
merges it into the store under :func:`borderforecast.paths.home_dir` (layout:
:mod:`borderforecast.data.state`): atomically (a new state folder, then ``CURRENT`` replaced),
one writer at a time (:func:`borderforecast.locking.write_lock`), releases in order (an older
one only with ``force=True``) and whole months per source and component. Store rows override
bundled ones; re-ingesting a file changes nothing. See docs/guide/data.md (data integrity).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataError, MalformedFileError, MissingMonthError, StoreError
from ..locking import DEFAULT_TIMEOUT, write_lock
from ..paths import ensure_writable_dir
from ..series import format_months
from . import table
from .build import to_csv_text
from .sources import ohss, sw_encounters
from .sources._common import KEY
from .state import (
    CURRENT,
    RELEASE_COLUMNS,
    REVISION_COLUMNS,
    current_release,
    releases,
    revisions,
    rows_path,
    state_dir,
    store_dir,
)
from .userfile import check_file

__all__ = [
    "CURRENT",
    "RELEASE_COLUMNS",
    "REVISION_COLUMNS",
    "UpdateResult",
    "current_release",
    "detect_layout",
    "ingest",
    "releases",
    "revisions",
    "rows_path",
    "store_dir",
]


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
    note: str = ""
    """What a forced (out-of-order) ingest reverted; empty otherwise."""

    def summary(self) -> str:
        """One line for the CLI."""
        if self.already_ingested:
            return f"release {self.release} ({self.file}) is already in the store: nothing changed"
        text = (
            f"ingested release {self.release} ({self.file}): {self.source} "
            f"{self.first_month:%Y-%m}..{self.last_month:%Y-%m}, {self.rows:,} rows, "
            f"{self.new_rows:,} new, {self.revised_rows:,} revised"
        )
        return f"{text}; {self.note}" if self.note else text


def detect_layout(path: Path) -> str:
    """``"ohss"`` for a workbook, ``"sw_encounters"`` for the Southwest CSV; else an error."""
    check_file(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise MalformedFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"PK"):
        return "ohss"
    # lenient here: a bad byte later in the file is the parser's error (naming it)
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = head[: len(head) // 2 * 2].decode("utf-16" if utf16 else "utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    fields = [f.strip() for f in next(csv.reader(io.StringIO(first)), [])]
    if "Encounter Count" in fields or "Citizenship Grouping" in fields:
        return "sw_encounters"
    raise MalformedFileError(
        f"{path.name}: not a known release layout (expected the CBP Southwest Land Border "
        "Encounters CSV or the DHS OHSS USBP encounters workbook .xlsx)"
    )


def _parse(path: Path, layout: str, accept_new: bool = False) -> pd.DataFrame:
    if layout == "ohss":
        return ohss.parse(path, accept_new=accept_new)
    return sw_encounters.parse(path, accept_new=accept_new)


def ingest(
    file: str | os.PathLike[str],
    *,
    home: str | os.PathLike[str] | None = None,
    force: bool = False,
    accept_new: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> UpdateResult:
    """Validate a new official release and merge it into the store (atomically).

    Parameters
    ----------
    file : path
        The release as published (CSV or ``.xlsx``).
    home : path, optional
        User home holding the store.
    force : bool
        Ingest a release older than the newest one held for its source; the
        result's ``note`` says which release it reverts and how many values.
    accept_new : bool
        Accept citizenship values the layout has not named before (with a
        :class:`~borderforecast.errors.DataWarning`) instead of refusing them.
    timeout : float
        Seconds to wait for another process writing the same store.

    Raises
    ------
    DataError
        For a malformed or invalid file, or an out-of-order release (nothing is written).
    StoreError, PathError
        If the store cannot be written (read-only or full disk, a file where the
        folder belongs); nothing is left behind.

    Examples
    --------
    A (tiny) release of the CBP Southwest Land Border Encounters CSV with one
    new month, September 2025 (USBP, each demographic), ingested into a
    throw-away home folder:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import borderforecast as bf
    >>> folder = Path(tempfile.mkdtemp())
    >>> release = folder / "sbo-encounters-fy25-sep.csv"
    >>> cells = [("Single Adults", 5000), ("UAC", 300), ("FMUA", 200)]
    >>> _ = release.write_text(
    ...     "Fiscal Year,Month Grouping,Month (abbv),Component,Demographic,"
    ...     "Citizenship Grouping,Title of Authority,Encounter Type,Encounter Count\\n"
    ...     + "".join(f"2025 (FYTD),FYTD,SEP,U.S. Border Patrol,{d},Mexico,Title 8,"
    ...               f"Apprehensions,{n}\\n" for d, n in cells))
    >>> result = ingest(release, home=folder / "home")
    >>> result.release.startswith("sw_encounters-2025-09-"), result.new_rows
    (True, 24)
    >>> int(bf.load(home=folder / "home")["2025-09-01"])
    5500
    >>> ingest(release, home=folder / "home").already_ingested   # same file: no change
    True
    """
    path = Path(file)
    layout = detect_layout(path)
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise MalformedFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    new = _parse(path, layout, accept_new)
    first, last = new["month"].min(), new["month"].max()
    release = f"{layout}-{last:%Y-%m}-{digest[:10]}"
    root = store_dir(home)
    ensure_writable_dir(root, "data store")
    with write_lock(root, timeout):
        _clean_orphans(root)
        known = releases(home)
        if release in set(known["release"]):
            n = int(known.loc[known["release"] == release, "rows"].iloc[0])
            return UpdateResult(release, layout, path.name, first, last, n, 0, 0, True)
        existing = table.frame(all_sources=True, home=home)
        existing = existing[existing["source"] == layout]
        newer = _newer_release(known, existing, layout, last)
        _check_no_gap(existing, new, path.name)
        new = _whole_months(new, existing)
        merged = new.merge(existing[[*KEY, "count"]], on=KEY, how="left", suffixes=("", "_old"))
        old = merged["count_old"]
        is_new = old.isna()
        changed = ~is_new & (old != merged["count"])
        n_changed = int(changed.sum())
        note = ""
        if newer is not None:
            note = _older(path.name, layout, last, newer, merged, changed, force)
        revs = merged[changed].rename(columns={"count_old": "old", "count": "new"})
        revs = revs.assign(old=revs["old"].astype("int64"), release=release)[REVISION_COLUMNS]
        result = UpdateResult(
            release,
            layout,
            path.name,
            first,
            last,
            len(new),
            int(is_new.sum()),
            n_changed,
            False,
            note,
        )
        _add_release(root, home, new, known, revs, result, digest)
    return result


def _older(
    name: str, layout: str, last: pd.Timestamp, newer: str, merged: pd.DataFrame,
    changed: pd.Series, force: bool,
) -> str:
    """The note of a release older than ``newer`` (refused unless ``force``)."""
    n_changed = int(changed.sum())
    if not force:
        raise DataError(
            f"{name}: release ends {last:%Y-%m}, older than {newer} held for "
            f"{layout}; ingesting it would revert {n_changed:,} value(s) "
            "(pass --force to do so anyway)"
        )
    months = sorted(set(merged.loc[changed, "month"]))
    span = f" in {months[0]:%Y-%m}..{months[-1]:%Y-%m}" if months else ""
    return (
        f"forced: older than {newer}; reverted {n_changed:,} value(s){span} "
        "to this release's figures"
    )


def _add_release(
    root: Path,
    home: str | os.PathLike[str] | None,
    new: pd.DataFrame,
    known: pd.DataFrame,
    revs: pd.DataFrame,
    result: UpdateResult,
    digest: str,
) -> None:
    """Write the state holding the release's rows over the store's, its line in the
    releases and its revisions (the caller holds the lock)."""
    state = state_dir(home)
    prev_revs = revisions(home)
    rows = new
    if state is not None:
        prev_rows = table.read_csv_table(state / "rows.csv")
        rows = pd.concat([new, prev_rows], ignore_index=True)
        rows = rows.drop_duplicates([*KEY, "source"], keep="first")
    rel_row = pd.DataFrame([vars(result)]).assign(  # the result's fields, as stored
        sha256=digest,
        first_month=f"{result.first_month:%Y-%m}",
        last_month=f"{result.last_month:%Y-%m}",
        ingested_at=pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
    )[RELEASE_COLUMNS]
    all_revs = pd.concat([prev_revs, revs], ignore_index=True) if len(prev_revs) else revs
    all_rels = pd.concat([known, rel_row], ignore_index=True) if len(known) else rel_row
    _write_state(root, state, rows, all_rels, all_revs)


def _newer_release(
    known: pd.DataFrame, existing: pd.DataFrame, layout: str, last: pd.Timestamp
) -> str | None:
    """The newest release held for ``layout`` if it ends after ``last`` (else None)."""
    mine = known[known["source"] == layout]
    if len(mine):
        ends = pd.to_datetime(mine["last_month"], format="%Y-%m")
        i = int(ends.to_numpy().argmax())
        if ends.iloc[i] > last:
            return f"release {mine['release'].iloc[i]} (to {ends.iloc[i]:%Y-%m})"
    bundled = table.bundled_table()
    months = bundled.loc[bundled["source"] == layout, "month"]
    if len(months) and months.max() > last:
        return f"the bundled data (to {months.max():%Y-%m})"
    return None


def _whole_months(new: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Add explicit zeros for series the source held in a (month, component) the release
    covers but omits: both layouts define an absent combination as zero, and the parsers
    have checked that every promised cell is present, so a month is replaced whole."""
    if existing.empty or new.empty:
        return new
    covered = new[["month", "component"]].drop_duplicates()
    held = existing[KEY].merge(covered, on=["month", "component"], how="inner")
    absent = held.merge(new[KEY], on=KEY, how="left", indicator=True)
    absent = absent[absent["_merge"] == "left_only"].drop(columns="_merge")
    if absent.empty:
        return new
    fiscal = new[["month", "fiscal_year"]].drop_duplicates()
    zeros = absent.merge(fiscal, on="month", how="left").assign(
        count=0, source=new["source"].iloc[0]
    )
    return pd.concat([new, zeros[new.columns]], ignore_index=True)


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


def _clean_orphans(root: Path) -> None:
    """Remove what a killed writer left behind (called with the write lock held)."""
    current = state_dir(root.parent)
    for p in root.iterdir():
        orphan = (
            (p.name.startswith(".state-") and p.name.endswith(".tmp"))
            or (p.name.startswith(f".{CURRENT}.") and ".tmp" in p.name)
            or p.name.startswith(".bf-write-test-")  # a killed ensure_writable_dir probe
            or (p.name.startswith("state-") and p != current)
        )
        if not orphan:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _write_file(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _write_state(
    root: Path, current: Path | None, rows: pd.DataFrame, rels: pd.DataFrame, revs: pd.DataFrame
) -> None:
    """Write a new state folder and point ``CURRENT`` at it (the caller holds the lock)."""
    from ..atomic import write_text

    number = int(current.name.split("-")[-1]) + 1 if current is not None else 1
    name = f"state-{number:04d}"
    final = root / name
    tmp: Path | None = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", suffix=".tmp", dir=root))
        _write_file(tmp / "rows.csv", to_csv_text(rows))
        _write_file(tmp / "releases.csv", rels.to_csv(index=False, lineterminator="\n"))
        out = revs.assign(month=pd.to_datetime(revs["month"]).dt.strftime("%Y-%m-%d"))
        text = out.to_csv(index=False, lineterminator="\n", columns=REVISION_COLUMNS)
        _write_file(tmp / "revisions.csv", text)
        os.replace(tmp, final)
        tmp = None
        write_text(root / CURRENT, name + "\n")
    except BaseException as exc:
        if tmp is None and _pointer(root) != name:
            shutil.rmtree(final, ignore_errors=True)
        if isinstance(exc, OSError):
            raise StoreError(
                f"data store {root}: cannot write ({exc.strerror or exc}); the store is unchanged"
            ) from None
        raise
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if current is not None and current != final:
        shutil.rmtree(current, ignore_errors=True)


def _pointer(root: Path) -> str:
    try:
        return (root / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return ""
