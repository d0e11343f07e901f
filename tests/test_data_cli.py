"""``borderforecast data ...`` commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

try:  # tests/ on sys.path (pytest's default import mode)
    from test_data_store import store_hash, sw_rows, write_csv
except ImportError:  # tests collected as a package
    from .test_data_store import store_hash, sw_rows, write_csv

from borderforecast.cli import main
from borderforecast.data import build as build_mod
from borderforecast.data import load
from borderforecast.data.table import bundled_path, read_csv_table
from borderforecast.errors import DataError
from borderforecast.paths import home_dir


def test_update_prints_release_and_revisions(tmp_path, capsys):
    rows = sw_rows()
    home = tmp_path / "home"
    changed = [
        [*r[:8], str(int(r[8]) + 7)]
        if (r[0], r[2], r[4], r[5]) == ("2025", "AUG", "UAC", "Mexico")
        and r[3] == "U.S. Border Patrol"
        else r
        for r in rows
    ]
    path = write_csv(tmp_path / "release.csv", changed)
    assert main(["data", "update", str(path), "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "ingested release sw_encounters-2025-08-" in out and "4 revised" in out
    assert "current release: sw_encounters-2025-08-" in out
    assert load(home=home)[pd.Timestamp("2025-08-01")] == 6_321 + 7
    assert main(["data", "revisions", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "demographic/uac/citizenship/mexico" in out and "2025-08" in out
    assert main(["data", "update", str(path), "--home", str(home)]) == 0
    assert "already in the store" in capsys.readouterr().out


def test_update_bad_file_one_line_exit_2(tmp_path, capsys):
    home = tmp_path / "home"
    rows = sw_rows()
    bad = write_csv(tmp_path / "bad.csv", [*rows[:3], [*rows[3][:8], "abc"], *rows[4:]])
    code = main(["data", "update", str(bad), "--home", str(home)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("borderforecast: error: bad.csv, row 5, column 'Encounter Count': 'abc'")
    assert store_hash(home) == store_hash(tmp_path / "nothing")  # nothing written
    assert not (home / "store").exists()


def test_list_and_empty_revisions(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for series_id in ("southwest", "sector/rio-grande-valley", "usbp+ofo", "ofo/demographic/uac"):
        assert series_id in out
    assert "bundled-" in out
    assert main(["data", "list", "--source", "pages"]) == 0
    assert "sector/tucson" not in capsys.readouterr().out
    assert main(["data", "revisions"]) == 0
    assert "bundled data are in use" in capsys.readouterr().out


def test_build_writes_table(tmp_path, capsys, monkeypatch):
    frame = read_csv_table(bundled_path())  # stands in for parsing the raw files
    seen: list[Path] = []

    def fake_build_table(raw):
        seen.append(Path(raw))
        return frame

    monkeypatch.setattr(build_mod, "build_table", fake_build_table)
    assert (
        main(["data", "build", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out")]) == 0
    )
    assert seen == [tmp_path / "raw"]
    assert (tmp_path / "out" / "encounters.csv").read_bytes() == bundled_path().read_bytes()
    assert "cbp_tables" in capsys.readouterr().out


def test_build_missing_raw_folder(tmp_path, capsys):
    code = main(
        ["data", "build", "--raw", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]
    )
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_list_prints_ingested_names_literally(tmp_path, capsys):
    """Rich markup in an ingested name is printed as text, never interpreted."""
    import warnings

    from borderforecast.data.store import ingest

    home = tmp_path / "home"
    name = "[bold red]Narnia[/bold red] [link=javascript:alert(1)]x[/link]"
    rows = [
        ["2025 (FYTD)", "FYTD", "SEP", "U.S. Border Patrol", d, name, "Title 8", "Apprehensions"]
        + ["10"]
        for d in ("Single Adults", "UAC", "FMUA")
    ]
    path = write_csv(tmp_path / "markup.csv", rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ingest(path, home=home, accept_new=True)
    assert main(["data", "list", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "[bold" in out and "[link=" in out  # shown literally (markup escaped)
    assert "\x1b" not in out


def test_control_characters_refused_even_with_accept_new(tmp_path, capsys):
    home = tmp_path / "home"
    rows = [
        ["2025 (FYTD)", "FYTD", "SEP", "U.S. Border Patrol", d, "\x1b[31mX", "Title 8"]
        + ["Apprehensions", "10"]
        for d in ("Single Adults", "UAC", "FMUA")
    ]
    path = write_csv(tmp_path / "ansi.csv", rows)
    assert main(["data", "update", str(path), "--home", str(home), "--accept-new"]) == 2
    err = capsys.readouterr().err
    assert "holds control characters" in err and "\x1b" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "-m", "snaive", "--h", "2"],
        ["backtest", "-m", "snaive", "--h", "2", "--start", "2024-01", "--json"],
    ],
    ids=["forecast", "backtest"],
)
def test_home_option_puts_the_cache_under_that_home(args, tmp_path, monkeypatch, capsys):
    default, home = tmp_path / "default", tmp_path / "home"
    monkeypatch.setenv("BORDERFORECAST_HOME", str(default))
    assert main([*args, "--home", str(home)]) == 0
    assert any((home / "cache" / "backtest").iterdir())
    assert not default.exists()
    assert os.environ["BORDERFORECAST_HOME"] == str(default)  # restored after the command


@pytest.mark.parametrize(
    "command, api, args",
    [
        ("assess", "borderforecast.assessment.assess", ["--start", "2024-06"]),
        ("season", "borderforecast.season.seasonal_profile", []),
    ],
)
def test_home_option_reaches_everything_the_command_does(
    command, api, args, tmp_path, monkeypatch, capsys
):
    """What the command calls (and worker processes it starts) sees --home as the home."""
    default, home = tmp_path / "default", tmp_path / "home"
    monkeypatch.setenv("BORDERFORECAST_HOME", str(default))
    seen = []

    def spy(*_, **__):
        seen.append((home_dir(), os.environ["BORDERFORECAST_HOME"]))
        raise DataError("stop here")

    monkeypatch.setattr(api, spy)
    assert main([command, *args, "--home", str(home)]) == 2
    assert seen == [(home, str(home))]


def test_home_option_reads_the_store_and_the_models_of_that_home(tmp_path, capsys):
    home = tmp_path / "home"
    rows = [
        [*r[:8], str(int(r[8]) + 7)]
        if (r[0], r[2], r[4], r[5], r[3]) == ("2025", "AUG", "UAC", "Mexico", "U.S. Border Patrol")
        else r
        for r in sw_rows()
    ]
    assert (
        main(["data", "update", str(write_csv(tmp_path / "r.csv", rows)), "--home", str(home)]) == 0
    )
    (home / "models").mkdir()
    (home / "models" / "mine.toml").write_text('family = "snaive"\ndescription = "my own"\n')
    capsys.readouterr()
    assert main(["context", "2025-08", "--json", "--home", str(home)]) == 0
    assert json.loads(capsys.readouterr().out)["southwest"]["value"] == 6_321 + 7
    assert main(["models", "--json", "--home", str(home)]) == 0
    assert "mine" in {m["name"] for m in json.loads(capsys.readouterr().out)}
