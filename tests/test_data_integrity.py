"""The store under concurrency and faults: one writer at a time, kill -9, full or read-only
disks, a file where a folder belongs, releases out of order."""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from borderforecast import paths as paths_mod
from borderforecast.cli import main
from borderforecast.data import load, table
from borderforecast.data import store as store_mod

try:  # tests/ on sys.path (pytest's default import mode)
    from test_data_store import store_hash, sw_rows, write_csv
except ImportError:  # tests collected as a package
    from .test_data_store import store_hash, sw_rows, write_csv

SEP = pd.Timestamp("2025-09-01")
DEMOS = ("Single Adults", "UAC", "FMUA")


def september(path: Path, base: int) -> Path:
    """A small, complete release: USBP September 2025, every demographic."""
    rows = [
        ["2025 (FYTD)", "FYTD", "SEP", "U.S. Border Patrol", d, "Mexico", "Title 8"]
        + ["Apprehensions", str(base + k)]
        for k, d in enumerate(DEMOS)
    ]
    return write_csv(path, rows)


def _total(base: int) -> int:
    return 3 * base + 0 + 1 + 2


def _ingest_at(barrier, path: str, home: str) -> None:  # runs in a forked child
    barrier.wait(timeout=30)
    try:
        store_mod.ingest(path, home=home)
    except Exception:  # noqa: BLE001 - the exit code is the report
        os._exit(3)
    os._exit(0)


fork = pytest.mark.skipif(
    "fork" not in mp.get_all_start_methods(), reason="needs the fork start method"
)


@fork
def test_concurrent_updates_20_of_20_trials_consistent(tmp_path):
    ctx = mp.get_context("fork")
    table.bundled_table()  # read once before forking
    writers = 2
    consistent = 0
    for trial in range(20):
        home = tmp_path / f"home{trial}"
        files = [september(tmp_path / f"t{trial}-w{w}.csv", 1000 * (w + 1)) for w in range(writers)]
        barrier = ctx.Barrier(writers)
        procs = [ctx.Process(target=_ingest_at, args=(barrier, str(f), str(home))) for f in files]
        for p in procs:
            p.start()
        for p in procs:
            # generous: on a loaded machine a writer waits for the other's whole ingest
            p.join(600)
        assert not [p for p in procs if p.is_alive()], f"trial {trial}: a writer hung"
        codes = [p.exitcode for p in procs]
        rels = store_mod.releases(home)
        revs = store_mod.revisions(home)
        total = revs[
            (revs.component == "USBP") & (revs.demographic == "all") & (revs.citizenship == "all")
        ]
        last = rels["file"].iloc[-1] if len(rels) else None
        expected_last = _total(1000 * (int(last.split("-w")[1][0]) + 1)) if last else None
        ok = (
            codes == [0] * writers  # every writer succeeded ...
            and len(rels) == writers  # ... and every accepted release is in the store
            and set(rels["file"]) == {f.name for f in files}
            and load(home=home)[SEP] == expected_last  # the store holds the last one's figure
            # the revision chain follows the releases' order: each old is the previous new
            and total["old"].tolist()[1:] == total["new"].tolist()[:-1]
            and len(total) == writers - 1
            and not [p.name for p in (home / "store").iterdir() if p.name.endswith(".tmp")]
        )
        consistent += ok
    assert consistent == 20


def test_writer_probe_removed_by_another_writers_cleanup(tmp_path, monkeypatch):
    """A writer checks the store folder (a probe file, outside the lock) while another, holding
    the lock, clears what killed writers left, probes included: the check must still pass (it
    made one writer of 20 concurrent trials fail)."""
    real = paths_mod.tempfile.mkstemp

    def raced(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        store_mod._clean_orphans(tmp_path)  # the other writer's cleanup, between create and remove
        return fd, name

    monkeypatch.setattr(paths_mod.tempfile, "mkstemp", raced)
    assert paths_mod.ensure_writable_dir(tmp_path, "data store") == tmp_path
    assert not list(tmp_path.iterdir())


@fork
def test_kill_9_during_ingest_leaves_old_or_new_state(tmp_path):
    """A short version of benchmarks/bench_store_faults.py (60 kills)."""
    ctx = mp.get_context("fork")
    table.bundled_table()
    rows = sw_rows()
    home = tmp_path / "home"
    store_mod.ingest(write_csv(tmp_path / "seed.csv", rows), home=home)
    for kill in range(6):
        before = store_mod.releases(home)
        changed = [[*r[:8], str(int(r[8]) + kill + 1)] for r in rows]
        path = write_csv(tmp_path / f"k{kill}.csv", changed)
        proc = ctx.Process(target=_ingest_at, args=(ctx.Barrier(1), str(path), str(home)))
        proc.start()
        time.sleep(0.05 + 0.12 * kill)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
        after = store_mod.releases(home)
        # old state or new state, nothing else
        assert len(after) in (len(before), len(before) + 1)
        assert after.iloc[: len(before)].equals(before)
        y = load(home=home)
        assert len(y) == len(load())
        if len(after) > len(before):
            assert after["file"].iloc[-1] == path.name
    # the next writer cleans what killed ones left behind
    store_mod.ingest(september(tmp_path / "after.csv", 10), home=home)
    leftovers = [p.name for p in (home / "store").iterdir() if p.name not in (".lock", "CURRENT")]
    assert len(leftovers) == 1 and leftovers[0].startswith("state-")


def test_disk_full_while_writing_state(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    store_mod.ingest(september(tmp_path / "a.csv", 100), home=home)
    before = store_hash(home)
    calls = []

    def full(path, text):
        calls.append(path)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(store_mod, "_write_file", full)
    code = main(["data", "update", str(september(tmp_path / "b.csv", 200)), "--home", str(home)])
    err = capsys.readouterr().err
    assert calls and code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "No space left on device" in err and str(home / "store") in err
    assert store_hash(home) == before  # nothing left behind
    assert load(home=home)[SEP] == _total(100)


def test_disk_full_while_replacing_current(tmp_path, monkeypatch, capsys):
    from borderforecast import atomic

    home = tmp_path / "home"
    store_mod.ingest(september(tmp_path / "a.csv", 100), home=home)
    before = store_hash(home)

    def full(path, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(atomic, "write_text", full)
    code = main(["data", "update", str(september(tmp_path / "b.csv", 200)), "--home", str(home)])
    assert code == 2 and "No space left" in capsys.readouterr().err
    assert store_hash(home) == before


def test_read_only_store(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(paths_mod.tempfile, "mkstemp", refuse)
    code = main(["data", "update", str(september(tmp_path / "a.csv", 1)), "--home", str(home)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "is not writable (Read-only file system)" in err and str(tmp_path) in err
    assert not home.exists()


def test_home_is_a_file(tmp_path, capsys):
    home = tmp_path / "home"
    home.write_text("not a folder")
    code = main(["data", "update", str(september(tmp_path / "a.csv", 1)), "--home", str(home)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert f"{home} is a file, not a folder" in err
    assert home.read_text() == "not a folder"


@pytest.mark.parametrize("command", ["report", "backtest"])
def test_out_is_a_file_fails_before_computing(command, tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("x")
    args = [command, "--out", str(out / "sub")]
    if command == "backtest":
        args += ["--model", "snaive"]
    start = time.process_time()
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"--out {out / 'sub'}: {out} is a file, not a folder" in err
    assert time.process_time() - start < 20  # checked before any fitting (generous bound)


def test_older_release_refused_then_forced(tmp_path, capsys):
    home = tmp_path / "home"
    newer = september(tmp_path / "sep.csv", 500)
    assert main(["data", "update", str(newer), "--home", str(home)]) == 0
    capsys.readouterr()
    rows = sw_rows()
    rows = [
        [*r[:8], str(int(r[8]) + 1)] if r[0].startswith("2025") and r[2] == "AUG" else r
        for r in rows
    ]
    older = write_csv(tmp_path / "aug.csv", rows)
    before = store_hash(home)
    assert main(["data", "update", str(older), "--home", str(home)]) == 2
    err = capsys.readouterr().err
    assert "aug.csv: release ends 2025-08, older than release sw_encounters-2025-09-" in err
    assert "--force" in err and store_hash(home) == before
    assert main(["data", "update", str(older), "--home", str(home), "--force"]) == 0
    out = capsys.readouterr().out
    assert "forced: older than release sw_encounters-2025-09-" in out
    # reverted: the August cells (+1 each) and their margins
    reverted = store_mod.releases(home)["revised_rows"].iloc[-1]
    assert f"reverted {int(reverted):,} value(s) in 2025-08..2025-08" in out
    n_cells = sum(1 for r in rows if r[:4] == ["2025", "FYTD", "AUG", "U.S. Border Patrol"])
    assert load(home=home)[pd.Timestamp("2025-08-01")] == 6_321 + n_cells  # +1 per cell


def test_whole_month_replaced_not_mixed(tmp_path):
    """A complete release for a month replaces it whole: no old part survives beside a new total."""
    home = tmp_path / "home"
    store_mod.ingest(september(tmp_path / "a.csv", 1000), home=home)
    rows = [
        ["2025 (FYTD)", "FYTD", "SEP", "U.S. Border Patrol", d, "Guatemala", "Title 8"]
        + ["Apprehensions", "5"]
        for d in DEMOS
    ]
    store_mod.ingest(write_csv(tmp_path / "b.csv", rows), home=home)
    assert load(home=home)[SEP] == 15
    assert load("citizenship/mexico", home=home)[SEP] == 0  # not the first release's 3003
    parts = sum(
        load(f"demographic/{d}", home=home)[SEP] for d in ("uac", "family_units", "single_adults")
    )
    assert parts == 15
