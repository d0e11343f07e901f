"""The report's forecast table: the one calibrated, guarded forecast of the API.

:func:`forecast_table` is the only place the report gets forecast and interval
numbers from. It fits the model and asks
:func:`borderforecast.calibrated.live_forecast` (the function behind
:func:`borderforecast.forecast`) for the calibrated intervals, which are already
guarded (:mod:`borderforecast.guards`); a model the backtest does not hold keeps
its own intervals, guarded the same way.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..guards import LEVELS, GuardedForecast, check_intervals, guard_intervals, record_moves

__all__ = [
    "LEVELS",
    "GuardedForecast",
    "check_intervals",
    "forecast_table",
    "guard_intervals",
    "record_moves",
]


def forecast_table(
    y: pd.Series,
    model: str,
    *,
    h: int,
    seed: int = 0,
    result: object | None = None,
    series: str | None = None,
    fitted: object | None = None,
) -> GuardedForecast:
    """The report's forecast of ``y``: fit, calibrate on the backtest, guard the intervals.

    Parameters
    ----------
    y : pandas.Series
        The series (cut at the report month).
    model : str
        Model name.
    h : int
        Months ahead.
    seed : int
        Seed of the model.
    result : BacktestResult, optional
        A backtest that includes ``model``: its errors calibrate the intervals
        (:func:`borderforecast.calibrated.live_forecast`); without it the
        model's own intervals are used.
    series : str, optional
        Series id in the backtest.
    fitted : FittedModel, optional
        An already fitted ``model`` on ``y`` (saves a refit).
    """
    from ..calibrated import live_forecast
    from ..models.registry import make_model

    fit: Any = fitted if fitted is not None else make_model(model, seed=seed).fit(y)
    if result is not None and model in getattr(result, "models", ()):
        fc = live_forecast(fit, result, series=series, h=h, level=LEVELS)  # type: ignore[arg-type]
        return GuardedForecast(fc, tuple(fc.attrs.get("interval_notes", ())), model)
    g = guard_intervals(fit.forecast(h, level=LEVELS, intervals="raw", mean=False), y)
    return GuardedForecast(g.frame, g.notes, model)
