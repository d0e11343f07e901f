"""Security cases of issue 20: no lost files, no code run from data, cache entries bound to keys,
everything under the caller's home, outputs safe for spreadsheets, terminals and browsers.

Each test fails if its defect comes back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from borderforecast.atomic import check_output_folder, manifest, write_files
from borderforecast.errors import PathError


def _others(folder: Path) -> dict[str, str]:
    (folder / "sub").mkdir(parents=True)
    files = {"notes.txt": "mine", "sub/old-report.html": "earlier month", "report.csv": "x"}
    for name, text in files.items():
        (folder / name).write_text(text)
    return files


def _kept(folder: Path, files: dict[str, str]) -> bool:
    return all((folder / n).read_text() == t for n, t in files.items())


def test_write_files_leaves_other_files_and_replaces_only_its_own(tmp_path):
    out = tmp_path / "reports"
    others = _others(out)
    write_files(out, {"report.html": b"1", "figures/a.svg": b"a", "figures/b.svg": b"b"}, "report")
    assert _kept(out, others)
    assert manifest(out, "report") == ["figures/a.svg", "figures/b.svg", "report.html"]
    write_files(out, {"report.html": b"2", "figures/a.svg": b"A"}, "report")
    assert _kept(out, others)
    assert (out / "report.html").read_text() == "2" and (out / "figures/a.svg").read_text() == "A"
    assert not (out / "figures/b.svg").exists()  # its own file of the last run, no longer drawn
    write_files(out, {"metrics.csv": b"m"}, "backtest")  # another kind never removes a report
    assert (out / "report.html").exists() and _kept(out, others)
    assert not [p for p in out.iterdir() if p.name.startswith(".bf-staging")]


def test_a_tampered_manifest_cannot_delete_other_files(tmp_path):
    out = tmp_path / "out"
    others = _others(out)
    (tmp_path / "outside.txt").write_text("keep")
    (out / ".borderforecast-report.json").write_text(
        json.dumps({"files": ["../outside.txt", "notes.txt"]})
    )
    write_files(out, {"report.html": b"1"}, "report")
    assert (tmp_path / "outside.txt").read_text() == "keep"  # the whole list is distrusted
    assert _kept(out, others)


def test_a_killed_write_leaves_old_or_new(tmp_path):
    out = tmp_path / "out"
    write_files(out, {"report.html": b"old", "report.md": b"old"}, "report")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stage = out / f".bf-staging-{dead}-x"  # killed before its commit mark: dropped
    stage.mkdir()
    (stage / "report.html").write_text("half")
    write_files(out, {"notes.md": b"n"}, "other")
    assert (out / "report.html").read_text() == "old" and not stage.exists()
    stage.mkdir()  # killed after its commit mark, half moved: completed by the next write
    (stage / "report.md").write_text("new")
    (out / "report.html").write_text("new")
    (stage / "COMMIT").write_text(json.dumps({"kind": "report", "files": ["report.html",
                                                                           "report.md"]}))
    write_files(out, {"notes.md": b"n"}, "other")
    assert (out / "report.md").read_text() == "new" and not stage.exists()


def test_home_system_and_home_containing_folders_are_refused(tmp_path):
    home = tmp_path / "a" / "home"
    for bad in (home, tmp_path / "a", Path("/"), Path("/usr/share"), Path.home()):
        with pytest.raises(PathError, match="--out"):
            check_output_folder(bad, home)
    assert check_output_folder(tmp_path / "b", home) == tmp_path / "b"
    with pytest.raises(PathError, match="contains the borderforecast home"):
        write_files(tmp_path / "a", {"x.csv": b""}, "report", home)
    assert not (tmp_path / "a" / "x.csv").exists()
