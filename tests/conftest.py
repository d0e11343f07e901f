"""Shared test fixtures.

Homes. Every test gets its own user home (``BORDERFORECAST_HOME``), so no test reads or
writes the real one. It is empty, unless the test is marked ``warm_home(...)``: then it
starts with a copy of the run's warm cache (:class:`WarmHome`), which holds the
calibration backtests the mark names (:data:`WARM`), each computed once per run (by one
xdist worker, shared with the others), when a test first asks for it. Cache entries are
bound to their keys (the data, the spec and the code), so a warm entry gives the numbers a
cold run would; mark only tests that do not test the cache, the calibration's fitting or
the store (those keep the empty home).

Workers. ``pytest`` runs on every core (pytest-xdist; ``pytest -n 0`` runs in one process);
the tests of a module with a module-scoped fixture stay on one worker.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

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
        "warm_home(*names): the test's home starts with a copy of the run's warm cache "
        f"holding the calibrations named ({', '.join(WARM)}; default: all)",
    )


_SHARED_FIXTURE = re.compile(r"scope\s*=\s*[\"'](session|package|module|class)[\"']")
"""A fixture a test module defines with a scope wider than a test (a session fixture defined
in a test module serves that module alone)."""

COST: dict[str, float] = {
    "tests/test_assess_panel_real.py": 36,  # with the summer-2019 page (TOGETHER)
    "tests/test_report.py": 27,
    "tests/test_data_integrity.py::test_concurrent_updates_20_of_20_trials_consistent": 12,
    "tests/test_cli_input.py": 9.5,
    "tests/test_calibrated_forecast.py::test_backtest_reports_the_out_of_sample_recommendation": 9,
    "tests/test_data_corpus.py": 9,
    "tests/test_report_intervals.py::test_forecast_table_on_every_series_with_72_months": 8.5,
    "tests/test_userdata.py": 7.5,
    "tests/test_assess.py": 6.5,
    "tests/test_assess_panel.py": 5.5,
    "tests/test_assess_narrative.py": 5,
    "tests/test_front_door.py::test_bf_forecast_takes_the_short_route": 4.5,
    "tests/test_models_ensemble.py": 3.5,
    "tests/test_models_statsmodels.py": 3.5,
    "tests/test_models_gbm.py": 3.5,
    "tests/test_packaging.py": 3,
    "tests/test_doctests.py::test_docstring_examples_run[borderforecast.backtesting.result]": 3,
    "tests/test_cache.py::test_backtest_reuses_exactly_the_unaffected_entries": 3,
    "tests/test_report_userdata.py": 3,
    "tests/test_season.py": 3,
    "tests/test_data_build.py::test_rebuild_reproduces_committed_files": 3,
    "tests/test_models_prophet.py": 3,
}
"""The longest work units (a grouped module, or one test) and the CPU seconds each took
(``pytest -n 2`` with a per-test CPU count, child processes included): under xdist the
longest go first, so no long unit starts last on one worker while the other idles; the
rest follow in collection order. Only the order matters: refresh it from a ``--durations``
run on an idle machine when a long test is added."""


TOGETHER = {
    "tests/test_docs.py::test_summer_2019_page_is_reproduced_by_the_script": (
        "tests/test_assess_panel_real.py"
    ),
}
"""Tests run on the worker of another unit, after it, to reuse what that unit computed in
the process: the summer-2019 page reruns the default assessments of
``test_assess_panel_real`` (the panel's fits are kept per process), at half the CPU."""


def _unit_of(config) -> Callable[[str], str]:
    """A test's work unit: its module, if the module defines a module- (or session-) scoped
    fixture, so the fixture is built once; else the test itself (or as :data:`TOGETHER`)."""
    grouped: dict[str, bool] = {}

    def unit(nodeid: str) -> str:
        if nodeid in TOGETHER:
            return TOGETHER[nodeid]
        module = nodeid.split("::", 1)[0]
        if module not in grouped:
            path = config.rootpath / module
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
            grouped[module] = _SHARED_FIXTURE.search(text) is not None
        return module if grouped[module] else nodeid

    return unit


def pytest_collection_modifyitems(config, items):
    """On an xdist worker: the work units of :data:`COST` first, longest first (every worker
    sorts the same collection the same way; the scheduler keeps the order)."""
    if not hasattr(config, "workerinput"):
        return
    unit = _unit_of(config)
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        first.setdefault(unit(item.nodeid), i)

    def key(item) -> tuple[float, int]:
        u = unit(item.nodeid)
        return -COST.get(u, 0.0), first[u]

    items.sort(key=key)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist load`` (the default of ``-n``), except that the tests of a test module that
    defines a module- (or session-) scoped fixture go to one worker together, so the fixture
    is built once; work units go out in collection order (:func:`pytest_collection_modifyitems`
    puts the longest first)."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    unit = _unit_of(config)
    config.option.loadscopereorder = False

    class ModuleFixtureScheduling(LoadScopeScheduling):
        """Work units: a test module with a module-scoped fixture, or one test."""

        def _split_scope(self, nodeid: str) -> str:
            return unit(nodeid)

    return ModuleFixtureScheduling(config, log)


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _link_new(src: str, dst: str) -> None:
    """Hard-link ``src`` to ``dst`` unless ``dst`` exists (two warm items may hold the same
    entry: same key, same bytes)."""
    if not os.path.exists(dst):
        os.link(src, dst)


class WarmHome:
    """A cache warmed once per test run, item by item on demand (:data:`WARM`), shared by
    all xdist workers of the run: each item is warmed by the first worker that needs it,
    under a file lock, into its own folder, which is then frozen: its files are read-only,
    tests get hard-linked copies (:meth:`copy_to`; the package replaces files atomically,
    which breaks the link), and any change to an item's content by a test fails the session
    (checked at the end of each worker's session against the digest taken after warming)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: set[str] = set()
        path.mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        for name in sorted(self.done):
            digest = (self.path / f"{name}.sha256").read_text()
            assert _tree_digest(self.path / name) == digest, "a test changed the shared warm home"

    def ensure(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.done:
                self._warm(name)
                self.done.add(name)

    def _warm(self, name: str) -> None:
        from filelock import FileLock

        folder, digest = self.path / name, self.path / f"{name}.sha256"
        with FileLock(self.path / f"{name}.lock"):
            if digest.is_file():  # warmed by another worker of this run
                return
            shutil.rmtree(folder, ignore_errors=True)  # a killed worker's half warming
            folder.mkdir()
            with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
                mp.setenv("BORDERFORECAST_HOME", str(folder))
                warnings.simplefilter("ignore")
                WARM[name]()
            for path in folder.rglob("*"):
                if path.is_file():
                    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            digest.write_text(_tree_digest(folder))  # last: the item is complete

    def copy_to(self, home: Path, names: Iterable[str] = tuple(WARM)) -> Path:
        """Warm ``names`` if needed and copy their cache into ``home``; return ``home``."""
        names = tuple(names)
        self.ensure(names)
        for name in names:
            if (self.path / name / "cache").is_dir():
                shutil.copytree(
                    self.path / name / "cache",
                    home / "cache",
                    copy_function=_link_new,
                    dirs_exist_ok=True,
                )
        return home


@pytest.fixture(scope="session")
def warm_home(tmp_path_factory) -> Iterator[WarmHome]:
    """The run's :class:`WarmHome`, in the temporary folder all xdist workers share
    (empty until a test asks for something)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # each worker's base is a folder of the run's
    warm = WarmHome(base / "warm-home")
    yield warm
    warm.check()


@pytest.fixture(autouse=True, scope="session")
def _assessment_panel_in_process() -> Iterator[None]:
    """An assessment a test makes without ``n_jobs`` fits its panel in the test's process
    (``AssessOptions.n_jobs`` defaults to 1, not 2, during the run): the xdist workers
    already keep every core busy, and two more processes per assessment only cost the CPU
    of shipping the work (a quarter of ``test_assess_panel_real``'s). Any ``n_jobs`` gives
    the same numbers; tests that pass ``n_jobs``, and the CLI's ``--jobs``, keep theirs."""
    import inspect

    from borderforecast.assessment.options import AssessOptions

    init: Any = AssessOptions.__init__
    params = inspect.signature(init).parameters.values()
    names = [p.name for p in params if p.default is not p.empty]
    before = init.__defaults__
    init.__defaults__ = tuple(1 if n == "n_jobs" else d for n, d in zip(names, before, strict=True))
    assert AssessOptions().n_jobs == 1 and AssessOptions(n_jobs=2).n_jobs == 2
    yield
    init.__defaults__ = before


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
