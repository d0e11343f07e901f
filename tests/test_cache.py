"""The one result cache: keys that cover the code and the spec, checksums, size limit, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import borderforecast as bf
from borderforecast import cache as cache_mod
from borderforecast.backtesting import units as unit_cache
from borderforecast.cli import main
from borderforecast.models.registry import get_spec

SMTOOLS = Path(cache_mod.__file__).parent / "models" / "_smtools.py"


@pytest.fixture
def edited_smtools(monkeypatch):
    """Simulate an edit of models/_smtools.py: its digest changes, nothing else does."""
    real = cache_mod._file_digest

    def digest(path: Path) -> str:
        return "edited" if Path(path).resolve() == SMTOOLS.resolve() else real(path)

    def apply() -> None:
        monkeypatch.setattr(cache_mod, "_file_digest", digest)
        cache_mod.code_fingerprint.cache_clear()

    yield apply
    cache_mod.code_fingerprint.cache_clear()


def _digest(name: str, **params) -> str:
    spec = get_spec(name).to_dict()
    spec["params"] = {**spec["params"], **params}
    return unit_cache.code_digest(spec) + unit_cache.unit_key(
        "southwest", "d", spec, bf.load().index[-1], 3, (80, 95), 0, None
    )


def test_smtools_is_in_the_key_of_exactly_the_models_that_use_it(edited_smtools):
    users = {"sarima", "ets", "stl", "structural", "x13"}
    others = {"snaive", "gbm", "prophet"}
    before = {m: unit_cache.code_digest(get_spec(m).to_dict()) for m in users | others}
    edited_smtools()
    after = {m: unit_cache.code_digest(get_spec(m).to_dict()) for m in users | others}
    assert {m for m in before if before[m] != after[m]} == users


def test_series_and_base_are_in_every_models_key():
    closure = cache_mod.module_closure(["borderforecast.models.snaive"])
    assert {"borderforecast.series", "borderforecast.models.base"} <= set(closure)
    closure = cache_mod.module_closure(["borderforecast.models.sarima"])
    assert "borderforecast.models._smtools" in closure


def test_spec_parameter_changes_only_that_specs_key():
    assert _digest("ets") == _digest("ets")
    assert _digest("ets") != _digest("ets", damped=False)
    assert _digest("snaive") == _digest("snaive")


def _run(models):
    return bf.backtest(bf.load(end="2024-12"), models=models, start="2024-06", h=2, step=3)


def test_backtest_reuses_exactly_the_unaffected_entries(edited_smtools):
    first = _run(["snaive", "ets"])
    n = first.info["units"] if "units" in first.info else None
    second = _run(["snaive", "ets"])
    assert second.info["cached"] == first.info["cached"] + first.info["fits"]
    assert second.info["fits"] == 0
    edited_smtools()  # ets uses _smtools, snaive does not
    third = _run(["snaive", "ets"])
    assert third.info["fits"] == second.info["cached"] // 2
    assert third.info["cached"] == second.info["cached"] // 2
    assert n is None or n > 0
    # the numbers do not depend on where they came from
    assert np.allclose(
        first.forecasts.select_dtypes("number"), third.forecasts.select_dtypes("number")
    )


def test_tampered_entry_is_detected_and_recomputed(tmp_path):
    c = unit_cache.UnitCache(tmp_path / "backtest")
    values = np.arange(10.0).reshape(2, 5)
    c.put("ab" * 32, values, converged=True)
    got = c.get("ab" * 32, (2, 5))
    assert got is not None and np.array_equal(got[0], values) and got[1]
    path = c.store.path("ab" * 32)
    data = bytearray(path.read_bytes())
    # a same-shape array of zeros written over the payload: the checksum no longer matches
    head, _, payload = bytes(data).partition(b"\n")
    zeros = payload.replace(np.asarray(values).tobytes(), np.zeros_like(values).tobytes())
    assert zeros != payload
    path.write_bytes(head + b"\n" + zeros)
    assert c.get("ab" * 32, (2, 5)) is None
    assert not path.exists()  # removed, so the next run recomputes and rewrites it


def test_tampered_backtest_entry_changes_nothing():
    first = _run(["snaive"])
    root = cache_mod.cache_dir() / "backtest"
    for path in root.rglob("*.bin"):
        head, _, payload = path.read_bytes().partition(b"\n")
        tampered = payload[:-80] + bytes(40) + payload[-40:]  # the last forecast row zeroed
        assert tampered != payload
        path.write_bytes(head + b"\n" + tampered)
    second = _run(["snaive"])
    assert second.info["cached"] == 0
    assert first.metrics.equals(second.metrics)


def test_size_limit_evicts_least_recently_used(tmp_path):
    c = cache_mod.Cache("t", directory=tmp_path, limit=10_000)
    keys = [cache_mod.make_key("t", i=i) for i in range(12)]
    import os

    for i, key in enumerate(keys):
        c.put_array(key, np.zeros(200))  # ~1.7 kB each
        os.utime(c.path(key), (1_000_000 + i, 1_000_000 + i))
    c.get_array(keys[0])  # used recently: survives
    c.trim()
    total = sum(p.stat().st_size for p in tmp_path.rglob("*.bin"))
    assert total <= 10_000
    kept = [k for k in keys if c.path(k).exists()]
    assert keys[0] in kept and keys[1] not in kept and keys[-1] in kept


def test_unwritable_cache_warns_and_continues(tmp_path, monkeypatch):
    from borderforecast import atomic

    def full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod, "write_bytes", full)
    c = cache_mod.Cache("t", directory=tmp_path)
    with pytest.warns(cache_mod.CacheWarning, match="No space left"):
        c.put_array("cd" * 32, np.ones(3))
    c.put_array("ef" * 32, np.ones(3))  # disabled: no second warning, no error
    assert atomic.write_bytes is not full


def test_cache_cli_info_and_clear(tmp_path, capsys):
    home = tmp_path / "home"
    c = cache_mod.Cache("backtest", directory=home / "cache")
    for i in range(3):
        c.put_array(cache_mod.make_key("x", i=i), np.ones(4))
    assert main(["cache", "info", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "backtest: 3 entries" in out and "limit" in out
    assert main(["cache", "clear", "--home", str(home)]) == 0
    assert "removed 3 cache entries" in capsys.readouterr().out
    assert cache_mod.info(home) == {}


def test_interrupted_backtest_keeps_finished_units():
    seen = []

    def interrupt(done: int, total: int) -> None:
        seen.append(done)
        if done >= 5:
            raise KeyboardInterrupt

    y = bf.load(end="2024-12")
    with pytest.raises(KeyboardInterrupt):
        bf.backtest(y, models=["snaive"], start="2023-06", h=2, step=1, progress=interrupt)
    stored = cache_mod.info().get("backtest", (0, 0))[0]
    assert 0 < stored < 19  # the finished units are on disk, not the whole run
    rerun = bf.backtest(y, models=["snaive"], start="2023-06", h=2, step=1)
    assert rerun.info["cached"] == stored and rerun.info["fits"] == rerun.info["units"] - stored


def test_orphan_temp_files_are_removed_on_the_next_run(tmp_path):
    import os

    c = cache_mod.Cache("t", directory=tmp_path)
    orphan = tmp_path / "t" / "ab" / ".abcd.bin.x1y2.tmp.bin"
    fresh = tmp_path / "t" / "ab" / ".abce.bin.z3w4.tmp.bin"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"half")
    fresh.write_bytes(b"in progress")
    os.utime(orphan, (1_000_000, 1_000_000))  # a killed write, long ago
    c.put_array(cache_mod.make_key("t", i=1), np.ones(2))  # the first write of a run trims
    assert not orphan.exists() and fresh.exists()
