"""Shared test fixtures.

Homes. Every test gets its own user home (``BORDERFORECAST_HOME``), so no test reads or
writes the real one. It is empty, unless the test is marked ``warm_home(...)``: then it
starts with a copy of the session's warm cache (:class:`WarmHome`), which holds the
calibration backtests the mark names (:data:`WARM`), each computed once per session, when a
test first asks for it. Cache entries are bound to their keys (the data, the spec and the
code), so a warm entry gives the numbers a cold run would; mark only tests that do not test
the cache, the calibration's fitting or the store (those keep the empty home).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "raw"

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


def _fit_bundled(model: str) -> None:
    import borderforecast as bf

    bf.fit(bf.load(), model=model).forecast(12)


def _forecast_panel() -> None:
    import borderforecast as bf

    bf.forecast(bundled_panel(), model="snaive", h=1)


WARM: dict[str, Callable[[], None]] = {
    "snaive": lambda: _fit_bundled("snaive"),
    "stl": lambda: _fit_bundled("stl"),
    "ets": lambda: _fit_bundled("ets"),
    "panel": _forecast_panel,
}
"""What a warm home can hold: a model's calibration on the bundled Southwest total (the
report's backtest shares its units), or the ``snaive`` calibrations of :func:`bundled_panel`;
each warmed through the public API."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "warm_home(*names): the test's home starts with a copy of the session's warm cache "
        f"holding the calibrations named ({', '.join(WARM)}; default: all)",
    )


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class WarmHome:
    """A home whose cache is warmed once per session, item by item on demand, and frozen
    between warmings: its files are read-only, tests get hard-linked copies (:meth:`copy_to`;
    the package replaces files atomically, which breaks the link), and any change to its
    content by a test fails the session (checked before each warming and at the end)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: set[str] = set()
        self.digest = _tree_digest(path)

    def check(self) -> None:
        assert _tree_digest(self.path) == self.digest, "a test changed the shared warm home"

    def ensure(self, names: Iterable[str]) -> None:
        todo = [n for n in names if n not in self.done]
        if not todo:
            return
        self.check()
        with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
            mp.setenv("BORDERFORECAST_HOME", str(self.path))
            warnings.simplefilter("ignore")
            for name in todo:
                WARM[name]()
        for path in self.path.rglob("*"):
            if path.is_file():
                path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        self.done.update(todo)
        self.digest = _tree_digest(self.path)

    def copy_to(self, home: Path, names: Iterable[str] = tuple(WARM)) -> Path:
        """Warm ``names`` if needed and copy the cache into ``home``; return ``home``."""
        self.ensure(names)
        if (self.path / "cache").is_dir():
            shutil.copytree(
                self.path / "cache", home / "cache", copy_function=os.link, dirs_exist_ok=True
            )
        return home


@pytest.fixture(scope="session")
def warm_home(tmp_path_factory) -> Iterator[WarmHome]:
    """The session's :class:`WarmHome` (empty until a test asks for something)."""
    warm = WarmHome(tmp_path_factory.mktemp("warm-home"))
    yield warm
    warm.check()


@pytest.fixture(autouse=True)
def _isolated_home(request, tmp_path_factory, monkeypatch):
    """Every test gets its own home: empty, or a copy of the warm one (``warm_home`` mark)."""
    home = tmp_path_factory.mktemp("bfhome")
    mark = request.node.get_closest_marker("warm_home")
    if mark is not None:
        request.getfixturevalue("warm_home").copy_to(home, mark.args or tuple(WARM))
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
