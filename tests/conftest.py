"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "raw"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own empty user home, so no test reads or writes the real one."""
    home = tmp_path_factory.mktemp("bfhome")
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
