"""Did a change go beyond normal seasonality?

:func:`assess` weighs five lines of evidence (a calibrated panel of counterfactual forecasts,
empirical seasonal comparison, seasonally adjusted change with X-13 outliers,
placebo calibration, seasonal/excess decomposition) and returns an immutable
:class:`Assessment` whose verdict follows the rule in
:mod:`borderforecast.assessment.verdict`.
"""

from __future__ import annotations

from .core import assess
from .options import DEFAULT_MODELS, AssessOptions, WindowError
from .result import Assessment
from .verdict import (
    BEYOND_DECLINE,
    BEYOND_RISE,
    INCONCLUSIVE,
    STRENGTHS,
    VERDICTS,
    WITHIN,
)
from .years import TITLE42, ExcludeError

__all__ = [
    "assess",
    "Assessment",
    "AssessOptions",
    "WindowError",
    "ExcludeError",
    "DEFAULT_MODELS",
    "TITLE42",
    "STRENGTHS",
    "VERDICTS",
    "BEYOND_DECLINE",
    "BEYOND_RISE",
    "WITHIN",
    "INCONCLUSIVE",
]
