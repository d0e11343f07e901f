"""One writer at a time: an inter-process lock file beside what is written.

Every write to the user data store (and to forecast vintages) happens inside
:func:`write_lock` on the folder it changes, so two processes never interleave
their writes; a second writer waits (up to ``timeout`` seconds) and then sees
the first one's result. The lock is :class:`filelock.FileLock` (an OS-level
lock: it is released when its process dies, even by ``kill -9``).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with write_lock(folder):
...     _ = (folder / "a.txt").write_text("one writer")
>>> sorted(p.name for p in folder.iterdir())
['.lock', 'a.txt']
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import PathError, StoreError
from .paths import home_dir

LOCK_NAME = ".lock"
DEFAULT_TIMEOUT = 300.0
"""Seconds a writer waits for another one to finish before giving up."""


def lock_file(folder: str | os.PathLike[str], home: str | os.PathLike[str] | None) -> Path:
    """``<home>/locks/<hash of folder>.lock``: the lock of a folder whose listing must hold
    only its own files (forecast vintages, a user's output folder). One file per folder,
    reused by every later write: lock files never accumulate."""
    key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:24]
    return home_dir(home) / "locks" / f"{key}.lock"


@contextmanager
def write_lock(
    folder: str | os.PathLike[str],
    timeout: float = DEFAULT_TIMEOUT,
    *,
    home: str | os.PathLike[str] | None | bool = False,
) -> Iterator[Path]:
    """Hold the lock of ``folder`` (created if missing) for the duration of the block.

    The lock file is ``folder/.lock``; with ``home`` (a path, or None for the default
    home) it is :func:`lock_file` under that home instead.
    """
    folder = Path(folder)
    path = folder / LOCK_NAME if isinstance(home, bool) else lock_file(folder, home)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=timeout)
        lock.acquire()
    except Timeout:
        raise StoreError(
            f"{folder}: another borderforecast process has been writing for over "
            f"{timeout:g} s (lock {path}); try again later"
        ) from None
    except OSError as exc:
        raise PathError(f"{folder}: cannot lock for writing ({exc.strerror or exc})") from None
    try:
        yield folder
    finally:
        lock.release()
