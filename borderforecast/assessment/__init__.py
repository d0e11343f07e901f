"""Did a change go beyond normal seasonality?

:func:`assess` weighs five lines of evidence (counterfactual forecast,
empirical seasonal comparison, seasonally adjusted change with X-13 outliers,
placebo calibration, seasonal/excess decomposition) and returns an immutable
:class:`Assessment` whose verdict follows the rule in
:mod:`borderforecast.assessment.verdict`.
"""

from __future__ import annotations

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
