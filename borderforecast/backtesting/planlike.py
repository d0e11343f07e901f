"""What the helpers of a run read from its plan (a structural type, so that they need not
import :mod:`borderforecast.backtesting.run`, which imports them)."""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from ..models.registry import ModelSpec
from .options import BacktestOptions


class PlanLike(Protocol):
    """The fields of :class:`borderforecast.backtesting.run.Plan` that helpers read (read-only,
    as the frozen ``Plan`` holds them)."""

    @property
    def series(self) -> dict[str, pd.Series]: ...

    @property
    def specs(self) -> list[ModelSpec]: ...

    @property
    def origins(self) -> dict[str, list[pd.Timestamp]]: ...

    @property
    def warmup(self) -> dict[str, list[pd.Timestamp]]: ...

    @property
    def options(self) -> BacktestOptions: ...
