"""Did a change go beyond normal seasonality?

:func:`assess` weighs five lines of evidence (the assessment guide) and returns an immutable
:class:`Assessment` whose verdict follows :mod:`borderforecast.assessment.verdict`.
"""

from __future__ import annotations

from .adjusted import find_breaks
from .core import assess
from .normal import TITLE42, NormalYears, normal_fiscal_years, normal_years
from .options import DEFAULT_MODELS, AssessOptions, ExcludeError, WindowError
from .result import Assessment
from .verdict import (
    BEYOND_DECLINE,
    BEYOND_RISE,
    CANNOT_TELL,
    STRENGTHS,
    VERDICTS,
    WITHIN,
)

__all__ = [
    "assess",
    "find_breaks",
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
    "CANNOT_TELL",
    "NormalYears",
    "normal_years",
    "normal_fiscal_years",
]
