"""Did a change go beyond normal seasonality?

:func:`assess` weighs five lines of evidence (counterfactual forecast,
empirical seasonal comparison, seasonally adjusted change with X-13 outliers,
placebo calibration, seasonal/excess decomposition) and returns an immutable
:class:`Assessment` whose verdict follows the rule in
:mod:`borderforecast.assess.verdict`.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .core import assess
from .options import AssessOptions, WindowError
from .result import Assessment
from .verdict import BEYOND_DECLINE, BEYOND_RISE, INCONCLUSIVE, VERDICTS, WITHIN

__all__ = [
    "assess",
    "Assessment",
    "AssessOptions",
    "WindowError",
    "VERDICTS",
    "BEYOND_DECLINE",
    "BEYOND_RISE",
    "WITHIN",
    "INCONCLUSIVE",
]


class _CallableModule(types.ModuleType):
    """Lets ``borderforecast.assess(...)`` work even after ``import borderforecast.assess``.

    Importing the sub-package makes Python set the attribute ``assess`` of the
    parent package to this module, shadowing the lazily exported function;
    calling the module calls :func:`assess`.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Assessment:
        return assess(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
