"""Rolling-origin backtests: which model to trust, at which horizon, with honest intervals.

>>> import borderforecast as bf
>>> res = bf.backtest(bf.load(), models="snaive", start="2024-01", cache=False)
>>> res.ranking().index.tolist()
['snaive']

Modules: :mod:`.options` (settings), :mod:`.plan` (validation), :mod:`.run`
(orchestration), :mod:`.units` (the pure unit of work, its key and cache),
:mod:`.engines` (sequential, processes, dask), :mod:`.ensembles` (ensembles
from their members' forecasts), :mod:`.frames` (the long forecast frame),
:mod:`.calibrate` (conformal intervals), :mod:`.live` (the calibration of a
live forecast, by the short route), :mod:`.metrics` (one signature per
metric), :mod:`.scoring` (metrics by model, horizon, era), :mod:`.result`.

The names below are imported on first use, so the forecast front door can
use :mod:`.live` without loading the whole backtest machinery (the plan builder is
``borderforecast.backtesting.plan.plan``: the bare name is its module).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "BacktestOptions": ".options",
    "CalibrationOptions": ".calibrate",
    "BacktestResult": ".result",
    "Recommendation": ".recommend",
    "backtest": ".run",
}

__all__ = [
    "BacktestOptions",
    "BacktestResult",
    "CalibrationOptions",
    "Recommendation",
    "backtest",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)


if TYPE_CHECKING:  # pragma: no cover
    from .calibrate import CalibrationOptions
    from .options import BacktestOptions
    from .recommend import Recommendation
    from .result import BacktestResult
    from .run import backtest
