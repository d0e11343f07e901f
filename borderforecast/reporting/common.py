"""What every section of the report returns, and the series' name in sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .writer import FigureSpec


@dataclass(frozen=True)
class SectionOutput:
    """A section's plain data, its figures, and the forecasts it wants stored as vintages."""

    data: dict[str, Any]
    figures: dict[str, FigureSpec] = field(default_factory=dict)
    forecasts: dict[str, pd.DataFrame] = field(default_factory=dict)


def short_name(y: pd.Series) -> str:
    """The series' name without the ", monthly encounters" suffix of the bundled names."""
    return str(y.name or "series").replace(", monthly encounters", "")


def subject(y: pd.Series) -> str:
    """What one unit of the series is, for sentences ("USBP Southwest border encounters")."""
    name = short_name(y)
    return f"{name} encounters" if "encounter" not in name.lower() else name
