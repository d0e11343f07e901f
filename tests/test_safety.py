"""Security cases of issue 20: no lost files, no code run from data, cache entries bound to keys,
everything under the caller's home, outputs safe for spreadsheets, terminals and browsers.

Each test fails if its defect comes back.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from borderforecast import cache as cache_mod
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


# -- no code runs from data ---------------------------------------------------------------


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_a_pickle_payload_in_the_cache_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    c = cache_mod.Cache("assessment", directory=tmp_path / "cache")
    key = cache_mod.make_key("assessment", x=1)
    c.put_bytes(key, pickle.dumps(_Boom()))  # a valid entry whose payload is a pickle
    assert c.get_data(key) is None and not (tmp_path / "PWNED").exists()
    forged = {"dc": "os:system", "f": {}}  # plain data naming a function outside the package
    c.put_bytes(key, _npz_with_tree(forged))
    assert c.get_data(key) is None and not (tmp_path / "PWNED").exists()


def _npz_with_tree(tree) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez(buf, tree=np.frombuffer(json.dumps(tree).encode(), np.uint8))
    return buf.getvalue()


def test_a_pickled_model_is_refused_unless_trusted(tmp_path, monkeypatch):
    import zlib

    import borderforecast as bf
    from borderforecast.errors import ModelError
    from borderforecast.models.persist import PICKLE_MAGIC

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.bfmodel"
    path.write_bytes(PICKLE_MAGIC + zlib.compress(pickle.dumps(_Boom())))
    with pytest.raises(ModelError, match="pickled model: loading it could run code"):
        bf.load_model(path)
    assert not (tmp_path / "PWNED").exists()
    fitted = bf.make_model("snaive").fit(bf.load(end="2019-12"))
    plain = fitted.save(tmp_path / "m.bfmodel").read_bytes()
    assert b"pickle" not in plain and plain[:2] == b"PK"  # an npz: JSON and arrays
    assert bf.load_model(tmp_path / "m.bfmodel").forecast(3).equals(fitted.forecast(3))


# -- cache entries bound to their key, under the caller's home ----------------------------


def test_a_swapped_or_stale_entry_is_a_miss(tmp_path):
    c = cache_mod.Cache("backtest", directory=tmp_path)
    a, b = cache_mod.make_key("t", i=1), cache_mod.make_key("t", i=2)
    c.put_array(a, np.ones(3), code="v1")
    c.put_array(b, np.zeros(3), code="v1")
    assert c.get_array(a, code="v1").sum() == 3
    c.path(a).write_bytes(c.path(b).read_bytes())  # b's file copied over a's
    assert c.get_array(a, code="v1") is None
    c.put_array(a, np.ones(3), code="v1")
    assert c.get_array(a, code="v2") is None  # other code: recomputed
    head, _, payload = c.path(b).read_bytes().partition(b"\n")
    assert json.loads(head)["key"] == b


def test_user_model_source_is_in_the_fingerprint(tmp_path, monkeypatch):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    monkeypatch.setenv("BORDERFORECAST_PLUGINS", str(plugins))
    (plugins / "mine_fp.py").write_text("X = 1\n")
    cache_mod.code_fingerprint.cache_clear()
    before = cache_mod.code_fingerprint("mine_fp")
    (plugins / "mine_fp.py").write_text("X = 2\n")
    cache_mod.code_fingerprint.cache_clear()
    assert cache_mod.code_fingerprint("mine_fp") != before


def test_api_home_holds_every_cache_and_lock(tmp_path, _isolated_home):
    from borderforecast.locking import write_lock
    from borderforecast.paths import with_home

    @with_home
    def work(home=None):
        cache_mod.Cache("assessment").put_array(cache_mod.make_key("x"), np.ones(1))
        for _ in range(3):
            with write_lock(tmp_path / "vintages", home=None):
                pass

    work(home=tmp_path / "H")
    assert not _isolated_home.exists() or not any(_isolated_home.rglob("*"))
    assert len(list((tmp_path / "H" / "cache" / "assessment").rglob("*.bin"))) == 1
    assert len(list((tmp_path / "H" / "locks").iterdir())) == 1  # reused, not accumulated


def test_cache_size_variable_must_be_a_number(monkeypatch):
    from borderforecast.errors import BadValueError

    monkeypatch.setenv("BORDERFORECAST_CACHE_MB", "abc")
    with pytest.raises(BadValueError, match="BORDERFORECAST_CACHE_MB='abc'"):
        cache_mod.max_bytes()
    monkeypatch.setenv("BORDERFORECAST_CACHE_MB", "2")
    assert cache_mod.max_bytes() == 2 << 20


# -- outputs safe for spreadsheets, terminals and browsers --------------------------------


def _formula_panel(tmp_path) -> Path:
    import pandas as pd

    months = pd.date_range("2019-01-01", periods=40, freq="MS")
    rows = [(sid, f"{m:%Y-%m}", 100 + i % 12) for sid in ("=HYPERLINK(1)", "@b", "ok")
            for i, m in enumerate(months)]
    path = tmp_path / "p.csv"
    pd.DataFrame(rows, columns=["unique_id", "month", "count"]).to_csv(path, index=False)
    return path


def test_every_csv_neutralises_formula_cells(tmp_path):
    import pandas as pd

    import borderforecast as bf
    from borderforecast.backtesting import BacktestResult
    from borderforecast.cli import main

    path = _formula_panel(tmp_path)
    res = bf.backtest(bf.read_series(path), models="snaive", start="2021-06", h=2, step=6,
                      cache=False)
    out = tmp_path / "bt"
    (out / "mine.txt").parent.mkdir()
    (out / "mine.txt").write_text("keep")
    res.save(out)
    for name in ("forecasts.csv", "forecasts_raw.csv", "metrics.csv"):
        firsts = {line.split(",")[0] for line in (out / name).read_text().splitlines()}
        assert not any(f[:1] in "=+-@\t\r" for f in firsts), name
        assert "'=HYPERLINK(1)" in (out / name).read_text()
    assert (out / "mine.txt").read_text() == "keep"
    back = BacktestResult.load(out)  # read back as written
    assert set(back.forecasts["series"]) == {"=HYPERLINK(1)", "@b", "ok"}
    assert main(["forecast", "--input", str(path), "--model", "snaive", "--h", "2",
                 "--out", str(tmp_path / "fc.csv")]) == 0
    cells = pd.read_csv(tmp_path / "fc.csv", dtype=str).iloc[:, 0]
    assert set(cells) == {"'=HYPERLINK(1)", "'@b", "ok"}


def test_control_characters_never_reach_an_output():
    import xml.etree.ElementTree as ET

    import matplotlib.pyplot as plt
    import pandas as pd

    from borderforecast import plotting
    from borderforecast.errors import BadValueError
    from borderforecast.reporting import writer
    from borderforecast.series import as_monthly

    y = pd.Series([1.0, 2.0], index=pd.date_range("2020-01", periods=2, freq="MS"),
                  name="a\x1b[2Jb")
    with pytest.raises(BadValueError, match="control character"):
        as_monthly(y)
    fig, ax = plt.subplots()
    ax.set_title("id \x1b[31mred\x07")
    ET.fromstring(plotting.figure_bytes(writer.inert_figure(fig), "svg"))  # well-formed XML
    plt.close(fig)
    text = writer._environment("md").from_string("# {{ t }}").render(t="a\x1b[2Jb")
    assert text == "# a\\[2Jb"


FAST_REPORT = {"models": ("snaive",), "assess_models": ("snaive",), "placebo_years": 4,
               "backtest_jobs": 1}  # fmt: skip
"""A report of one model on a short user series: the quickest report there is."""


def _user_series():
    from conftest import synthetic_seasonal

    return synthetic_seasonal(n=96, level=900.0, start="2016-01-01", seed=5)


@pytest.mark.slow
def test_cli_report_beside_a_users_files_leaves_them_byte_identical(tmp_path, monkeypatch):
    import functools

    import borderforecast.reporting as reporting
    from borderforecast.cli import main

    csv = tmp_path / "buses.csv"
    csv.write_text("month,riders\n" + "".join(f"{t:%Y-%m},{v:.0f}\n" for t, v in
                                              _user_series().items()))  # fmt: skip
    out = tmp_path / "reports"
    mine = {"notes.txt": b"mine\r\n", "2024-07/report.html": b"<p>last month</p>",
            "book.xlsx": bytes(range(256)), ".hidden": b""}  # fmt: skip
    for name, data in mine.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    monkeypatch.setattr(reporting, "ReportOptions",
                        functools.partial(reporting.ReportOptions, **FAST_REPORT))
    args = ["report", "--input", str(csv), "--out", str(out), "--home", str(tmp_path / "home")]
    assert main(args) == 0
    assert {name: (out / name).read_bytes() for name in mine} == mine
    assert (out / "report.html").is_file() and (out / "report.md").is_file()


@pytest.mark.slow
def test_api_report_writes_nothing_into_the_default_home(tmp_path, monkeypatch):
    import tempfile

    import borderforecast as bf
    from borderforecast.reporting import ReportOptions

    default, scratch = tmp_path / "default-home", tmp_path / "tmp"
    default.mkdir()
    scratch.mkdir()
    monkeypatch.setenv("BORDERFORECAST_HOME", str(default))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    home = tmp_path / "H"
    options = ReportOptions(**FAST_REPORT)
    bf.report(tmp_path / "out", series="buses", home=home, y=_user_series(), options=options)
    assert sorted(default.rglob("*")) == []
    assert not (scratch / "borderforecast-locks").exists()
    assert any((home / "cache").rglob("*.bin"))  # the caches went to the home named
