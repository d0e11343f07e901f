"""Shared test fixtures.

Homes. Every test gets its own user home (``BORDERFORECAST_HOME``), so no test reads or
writes the real one. It is empty, unless the test is marked ``warm_home``: then it starts
with a copy of the session's warm cache (:func:`warm_home`), so a ``bf.fit``/``bf.forecast``
on the bundled series finds its calibration backtest there instead of fitting it again.
Cache entries are content-addressed (the data, the spec and the code are in the key), so a
warm entry gives the numbers a cold run would; mark only tests that do not test the cache,
the calibration's fitting or the store (those keep the empty home).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "raw"

WARM_MODELS = ("snaive", "stl", "ets")
"""Models whose calibration backtest on the bundled Southwest total is warmed once per
session: those that several warm tests fit (examples, saved models, user files, the report,
whose backtest shares the calibration's units)."""
PANEL_IDS = (
    "southwest",
    "sector/tucson",
    "sector/el-paso",
    "sector/rio-grande-valley",
    "sector/san-diego",
    "sector/yuma",
    "sector/laredo",
    "sector/del-rio",
    "demographic/uac",
    "demographic/family_units",
)


def bundled_panel() -> pd.DataFrame:
    """A 10-series long panel from the bundled data (to November 2024, where all have data);
    its ``snaive`` calibrations are in the warm home."""
    import borderforecast as bf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        series = {i: bf.load(i, start="2012-10", end="2024-11") for i in PANEL_IDS}
    return bf.to_long(series)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "warm_home: the test's home starts with a copy of the session's warm cache "
        "(calibration backtests of the bundled series already run)",
    )


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def warm_home(tmp_path_factory) -> Iterator[Path]:
    """A home whose cache holds the calibration backtests of :data:`WARM_MODELS` on the
    bundled series, built once per session through the public API and then frozen: its
    files are read-only, tests get hard-linked copies (:func:`copy_warm_home`; the package
    replaces files atomically, which breaks the link), and the session fails at the end if
    any of its content changed."""
    home = tmp_path_factory.mktemp("warm-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BORDERFORECAST_HOME", str(home))
        import borderforecast as bf

        y = bf.load()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in WARM_MODELS:
                bf.fit(y, model=name).forecast(12)
            bf.forecast(bundled_panel(), model="snaive", h=1)
    for path in home.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    digest = _tree_digest(home)
    yield home
    assert _tree_digest(home) == digest, "a test changed the shared warm home"


def copy_warm_home(warm: Path, home: Path) -> Path:
    """Copy the warm home's cache into ``home`` (hard links: instant, and copy-on-write,
    since the package writes files atomically)."""
    shutil.copytree(warm / "cache", home / "cache", copy_function=os.link, dirs_exist_ok=True)
    return home


@pytest.fixture(autouse=True)
def _isolated_home(request, tmp_path_factory, monkeypatch):
    """Every test gets its own home: empty, or a copy of the warm one (``warm_home`` mark)."""
    home = tmp_path_factory.mktemp("bfhome")
    if request.node.get_closest_marker("warm_home") is not None:
        copy_warm_home(request.getfixturevalue("warm_home"), home)
    monkeypatch.setenv("BORDERFORECAST_HOME", str(home))
    return home


@pytest.fixture
def raw_dir() -> Path:
    """The official source files beside the project (``../shared/data/raw``)."""
    if not RAW.is_dir():
        pytest.skip(
            "../shared/data/raw (the official source files) is not present beside the project"
        )
    return RAW


def synthetic_seasonal(
    n: int = 180,
    level: float = 20000.0,
    growth: float = 0.002,
    sigma: float = 0.05,
    seed: int = 0,
    start: str = "2005-01-01",
) -> pd.Series:
    """A multiplicative seasonal series with known trend and factors (spring peak, summer dip)."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=n, freq="MS")
    factors = np.array([0.95, 1.05, 1.25, 1.3, 1.2, 0.95, 0.85, 0.8, 0.85, 0.95, 0.9, 0.85])
    factors = factors / np.exp(np.mean(np.log(factors)))
    t = np.arange(n)
    mu = np.log(level) + growth * t + np.log(factors[idx.month - 1])
    return pd.Series(np.round(np.exp(mu + rng.normal(0, sigma, n))), index=idx, name="synthetic")


@pytest.fixture
def seasonal_series() -> pd.Series:
    return synthetic_seasonal()
