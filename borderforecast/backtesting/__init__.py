"""Rolling-origin backtests: which model to trust, at which horizon, with honest intervals.

>>> import borderforecast as bf
>>> res = bf.backtest(bf.load(), models="snaive", start="2024-01", cache=False)
>>> res.ranking().index.tolist()
['snaive']

Modules: :mod:`.options` (settings), :mod:`.plan` (validation), :mod:`.run`
(orchestration), :mod:`.units` (the pure unit of work), :mod:`.engines`
(sequential, processes, dask), :mod:`.cache`, :mod:`.ensembles` (ensembles
from their members' forecasts), :mod:`.frames` (the long forecast frame),
:mod:`.calibrate` (conformal intervals), :mod:`.metrics` (one signature per
metric), :mod:`.scoring` (metrics by model, horizon, era), :mod:`.result`.
"""

from __future__ import annotations

from .calibrate import calibrated_forecast
from .options import BacktestOptions, CalibrationOptions
from .plan import plan
from .result import BacktestResult, Recommendation
from .run import backtest

__all__ = [
    "BacktestOptions",
    "BacktestResult",
    "CalibrationOptions",
    "Recommendation",
    "backtest",
    "calibrated_forecast",
    "plan",
]
