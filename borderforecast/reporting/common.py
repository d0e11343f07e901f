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


@dataclass(frozen=True)
class Subject:
    """What the report speaks of: the series' name, what it counts, and whether it is the
    package's border data (then sources, definitions and the Title 42 period apply)."""

    name: str
    unit: str = "encounters"
    border: bool = True

    @property
    def counted(self) -> str:
        """``"USBP Southwest border encounters"``; a user's series: its unit (``"passengers"``)."""
        if not self.border:
            return self.unit
        return self.name if "encounter" in self.name.lower() else f"{self.name} {self.unit}"

    @property
    def per_month(self) -> str:
        return f"{self.unit} per month"


def subject_of(
    y: pd.Series, *, border: bool = True, name: str | None = None, unit: str | None = None
) -> Subject:
    """The report's subject: bundled border data, or a user's series named by ``name`` and
    ``unit`` (default: the series' own name, the file's value column, or "counts" for a
    generic column name such as ``count``).

    >>> y = pd.Series([1.0], name="Passengers")
    >>> subject_of(y, border=False).counted, subject_of(y, border=False, unit="riders").per_month
    ('passengers', 'riders per month')
    >>> subject_of(y.rename("count"), border=False).counted
    'counts'
    """
    if border:
        return Subject(short_name(y))
    col = str(y.name or "series")
    generic = col.lower() in ("count", "n", "y", "value", "values", "number", "total", "series")
    return Subject(name or col, unit or ("counts" if generic else col.lower()), border=False)
