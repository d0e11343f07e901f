"""borderforecast: forecasts of monthly U.S. Border Patrol Southwest border apprehensions.

The public API (imported lazily, so ``import borderforecast`` stays fast):

Data
    :func:`load`, :func:`load_frame`, :func:`datasets`, fiscal-year helpers
    :func:`fiscal_year`, :func:`fiscal_month`, :func:`fytd`.
Your own data
    :func:`read_series` (CSV or Excel), :func:`from_long` / :func:`to_long` (the
    ``unique_id, ds, y`` shape of statsforecast and friends), :func:`month` (the one
    month parser).
Models
    :func:`fit`, :func:`forecast`, :func:`forecast_total` (calibrated intervals, see
    :mod:`borderforecast.forecast`), :func:`list_models`, :func:`make_model`,
    :func:`load_model` (read a ``FittedModel.save`` file).
Evaluation and assessment
    :func:`backtest`, :func:`seasonal_profile`, :func:`assess`, :func:`context`.
Reports
    :func:`report`.
Errors
    :class:`DataError` and friends in :mod:`borderforecast.errors`;
    :class:`DataWarning` when data were cut or end early.

Units: every percentage (changes, FYTD, seasonal factors, effects) is in percent
points: ``-29.6`` means 29.6% lower.

Examples
--------
>>> import borderforecast as bf
>>> int(bf.load()["2019-05-01"])
132856
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .errors import (
    BorderforecastError,
    BorderforecastWarning,
    ConvergenceWarning,
    DataError,
    DataWarning,
    ForecastWarning,
    ModelError,
    ShortSeriesError,
    SpecError,
    UnknownModelError,
    UnknownSeriesError,
)
from .version import __version__

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "load": "borderforecast.data",
    "load_frame": "borderforecast.data",
    "datasets": "borderforecast.data",
    "read_series": "borderforecast.data.userdata",
    "from_long": "borderforecast.data.userdata",
    "to_long": "borderforecast.data.userdata",
    "month": "borderforecast.series",
    "load_model": "borderforecast.models.persist",
    "fiscal_year": "borderforecast.fiscal",
    "fiscal_month": "borderforecast.fiscal",
    "fytd": "borderforecast.fiscal",
    "fit": "borderforecast.forecast",
    "forecast": "borderforecast.forecast",
    "forecast_total": "borderforecast.forecast",
    "list_models": "borderforecast.forecast",
    "make_model": "borderforecast.models.registry",
    "backtest": "borderforecast.backtesting",
    "seasonal_profile": "borderforecast.season",
    "assess": "borderforecast.assessment",
    "find_breaks": "borderforecast.assessment",
    "context": "borderforecast.context",
    "report": "borderforecast.reporting",
}

__all__ = [
    "__version__",
    "BorderforecastError",
    "BorderforecastWarning",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "ForecastWarning",
    "ModelError",
    "ShortSeriesError",
    "SpecError",
    "UnknownModelError",
    "UnknownSeriesError",
    *_LAZY,
]


class _Package(types.ModuleType):
    """The package module: a public function named like a submodule (``context``) stays the
    package's attribute when the import system binds the submodule there."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not (name in _LAZY and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'borderforecast' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover
    from .assessment import assess, find_breaks
    from .backtesting import backtest
    from .context import context
    from .data import datasets, load, load_frame
    from .data.userdata import from_long, read_series, to_long
    from .fiscal import fiscal_month, fiscal_year, fytd
    from .forecast import fit, forecast, forecast_total, list_models
    from .models.persist import load_model
    from .models.registry import make_model
    from .reporting import report
    from .season import seasonal_profile
    from .series import month
