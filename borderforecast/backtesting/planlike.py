"""What the helpers of a run read from its plan (a structural type, so that they need not
import :mod:`borderforecast.backtesting.run`, which imports them)."""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from ..models.registry import ModelSpec
from .options import BacktestOptions


class PlanLike(Protocol):
    """The fields of :class:`borderforecast.backtesting.run.Plan` that helpers read."""

    series: dict[str, pd.Series]
    specs: list[ModelSpec]
    origins: dict[str, list[pd.Timestamp]]
    warmup: dict[str, list[pd.Timestamp]]
    options: BacktestOptions
