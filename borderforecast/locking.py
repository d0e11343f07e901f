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

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import PathError, StoreError

LOCK_NAME = ".lock"
DEFAULT_TIMEOUT = 300.0
"""Seconds a writer waits for another one to finish before giving up."""


@contextmanager
def write_lock(folder: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT) -> Iterator[Path]:
    """Hold the lock of ``folder`` (created if missing) for the duration of the block."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder / LOCK_NAME), timeout=timeout)
        lock.acquire()
    except Timeout:
        raise StoreError(
            f"{folder}: another borderforecast process has been writing for over "
            f"{timeout:g} s (lock {folder / LOCK_NAME}); try again later"
        ) from None
    except OSError as exc:
        raise PathError(f"{folder}: cannot lock for writing ({exc.strerror or exc})") from None
    try:
        yield folder
    finally:
        lock.release()
