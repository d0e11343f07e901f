"""Atomic file writes: write a temporary file beside the target, then ``os.replace`` it.

Every file borderforecast writes (the bundled dataset, the user store, forecast
vintages, backtest results and caches, reports, figures) goes through here, so
an interrupted or failed write leaves the previous file exactly as it was. A set
of output files (a report, a backtest) goes into a user's folder with
:func:`write_files`, which never touches a file the package did not write there.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_text(folder / "a.txt", "hello\\n")
>>> (folder / "a.txt").read_text()
'hello\\n'
>>> sorted(p.name for p in folder.iterdir())  # no temporary file left behind
['a.txt']
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: str | os.PathLike[str], *, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it atomically becomes ``path``.

    The temporary name keeps the target's suffix (``.png``, ``.npy``, ...), so
    writers that infer the format from the name work unchanged. If the block
    raises, the temporary file is removed and ``path`` is untouched. Missing
    parent folders are created.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (flushed to disk before the rename)."""
    with replacing(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, line endings as given) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def check_output_folder(
    path: str | os.PathLike[str], home: str | os.PathLike[str] | None = None, what: str = "--out"
) -> Path:
    """Refuse an output folder that is the home, contains the home, or is a system folder.

    Returns the folder as given. Nothing is created.

    >>> check_output_folder("/")
    Traceback (most recent call last):
    ...
    borderforecast.errors.PathError: --out /: a system folder; choose a folder of your own
    """
    from .errors import PathError
    from .paths import home_dir

    folder = Path(path).expanduser()
    real = folder.resolve()
    user = Path.home().resolve()
    if len(real.parts) <= 2 or real == user or user.is_relative_to(real) or any(
        real.is_relative_to(s) for s in _SYSTEM
    ):
        raise PathError(f"{what} {folder}: a system folder; choose a folder of your own")
    store = home_dir(home).resolve()
    if real == store or store.is_relative_to(real):
        raise PathError(
            f"{what} {folder}: {'is' if real == store else 'contains'} the borderforecast home "
            f"{store} (its data and caches); choose another folder"
        )
    return folder


_SYSTEM = tuple(
    Path(p)
    for p in ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys",
              "/usr", "/System", "/Library", "C:/Windows", "C:/Program Files")
)
_STAGE = ".bf-staging-"


def write_files(
    folder: str | os.PathLike[str],
    files: dict[str, bytes],
    kind: str,
    home: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write ``files`` (relative name -> bytes) into ``folder``, beside whatever is there.

    Only the package's own files are touched: the new ones, and those the manifest
    of the last write of this ``kind`` (``.borderforecast-<kind>.json``) lists and this
    one does not (a figure that is no longer drawn). Any other file is left alone.
    The folder is checked with :func:`check_output_folder` first.

    The set is written as one change: every file is staged in a hidden folder inside
    ``folder``, a commit mark is written, then the files are renamed into place and
    the manifest updated. A write killed before its commit mark leaves the old files;
    one killed after it is completed by the next write to the folder (roll forward).
    Writers of one folder take turns (a lock under the home).
    """
    from .locking import write_lock

    out = check_output_folder(folder, home)
    for name in files:
        _safe_relative(name)
    with write_lock(out, home=home):
        _recover(out)
        stage = Path(tempfile.mkdtemp(prefix=f"{_STAGE}{os.getpid()}-", dir=out))
        try:
            for name, data in files.items():
                write_bytes(stage / name, data)
            plan = {"kind": kind, "files": sorted(files)}
            write_text(stage / "COMMIT", json.dumps(plan))
            _commit(out, stage)
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)
    return [out / name for name in sorted(files)]


def manifest(folder: str | os.PathLike[str], kind: str) -> list[str]:
    """The files the last write of ``kind`` into ``folder`` left (empty if none or unreadable)."""
    try:
        listed = json.loads((Path(folder) / f".borderforecast-{kind}.json").read_text("utf-8"))
        names = [str(n) for n in listed["files"]]
        for name in names:
            _safe_relative(name)
        return names
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _safe_relative(name: str) -> None:
    p = Path(name)
    if p.is_absolute() or not p.parts or ".." in p.parts or p.parts[0].startswith(_STAGE):
        raise ValueError(f"{name!r} is not a file name inside the output folder")


def _commit(out: Path, stage: Path) -> None:
    """Move a committed stage's files into ``out``, update the manifest, drop stale files."""
    plan = json.loads((stage / "COMMIT").read_text("utf-8"))
    kind, names = str(plan["kind"]), [str(n) for n in plan["files"]]
    old = manifest(out, kind)
    for name in names:
        _safe_relative(name)
        src = stage / name
        if src.exists():  # absent: moved by the run that was killed
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, out / name)
    write_text(out / f".borderforecast-{kind}.json", json.dumps({"files": names}, indent=1) + "\n")
    for name in sorted(set(old) - set(names)):
        stale = out / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
            with contextlib.suppress(OSError):
                stale.parent.rmdir() if stale.parent != out else None
    shutil.rmtree(stage, ignore_errors=True)


def _recover(out: Path) -> None:
    """Finish (committed) or drop (uncommitted) the stages of killed writes."""
    for stage in out.glob(f"{_STAGE}*"):
        pid = stage.name[len(_STAGE) :].split("-")[0]
        if not pid.isdigit() or _alive(int(pid)) and int(pid) != os.getpid():
            continue
        if (stage / "COMMIT").is_file():
            try:
                _commit(out, stage)
                continue
            except (OSError, ValueError, KeyError):
                pass
        shutil.rmtree(stage, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
