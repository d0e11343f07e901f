"""Line 5: split the observed change into normal seasonality and the excess.

The observed change from the reference month to ``end`` is written as
``(1 + observed) = (1 + seasonal) * (1 + excess)``: ``seasonal`` is the change
between those calendar months that the seasonal profile of the years before
``start`` expects (:func:`borderforecast.season.seasonal_profile`), and
``excess`` is what is left (the profile holds the level fixed, so the excess
includes any underlying trend). The excess interval follows from the seasonal
interval: ``(1 + observed) / (1 + seasonal_hi) - 1`` to
``(1 + observed) / (1 + seasonal_lo) - 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .options import Window


@dataclass(frozen=True)
class Decomposition:
    """Observed change = seasonal part x excess (all in percent)."""

    observed_pct: float
    seasonal_pct: float
    seasonal_lo_pct: float
    seasonal_hi_pct: float
    excess_pct: float
    excess_lo_pct: float
    excess_hi_pct: float
    reference_value: float
    end_value: float
    seasonal_count: float
    """What the end month would have been had the change been purely seasonal."""

    @property
    def excess_excludes_zero(self) -> bool:
        return self.excess_hi_pct < 0 or self.excess_lo_pct > 0

    @property
    def share_explained(self) -> float:
        """Share of the observed log change that seasonality accounts for (may be < 0 or > 1)."""
        obs = np.log1p(self.observed_pct / 100)
        return float(np.log1p(self.seasonal_pct / 100) / obs) if obs != 0 else float("nan")

    @property
    def share_explained_counts(self) -> float:
        """Share of the observed count change (end minus reference) that the seasonal change
        in counts (reference x seasonal %) accounts for."""
        obs = self.end_value - self.reference_value
        seas = self.seasonal_count - self.reference_value
        return float(seas / obs) if obs != 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "share_explained_log": self.share_explained,
            "share_explained_counts": self.share_explained_counts,
            **vars(self),
        }


def _excess(observed_pct: float, seasonal_pct: float) -> float:
    return 100 * ((1 + observed_pct / 100) / (1 + seasonal_pct / 100) - 1)


def decompose(
    y: pd.Series,
    window: Window,
    profile: Callable[[pd.Series], Any] | None = None,
) -> Decomposition:
    """Decompose the change from ``window.reference`` to ``window.end``.

    Parameters
    ----------
    y : pandas.Series
        The validated series.
    window : Window
    profile : callable, optional
        ``profile(history) -> object with .expected_change(from_month, to_month)``
        returning ``(estimate, lo, hi)`` in percent. Defaults to
        :func:`borderforecast.season.seasonal_profile`, fitted on the months
        before ``window.start``.

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.assessment.options import make_window
    >>> y, w = make_window(bf.load(), "2019-06", "2019-08", "2019-05", 60)
    >>> d = decompose(y, w)
    >>> d.excess_pct < 0 and d.seasonal_pct < 0
    True
    """
    history = y[y.index < window.start]
    if profile is None:
        from ..season import seasonal_profile

        prof = seasonal_profile(history, methods=["regression"])
    else:
        prof = profile(history)
    seasonal = prof.expected_change(window.reference.month, window.end.month)
    ref, end = float(y[window.reference]), float(y[window.end])
    observed_pct = 100 * (end / ref - 1) if ref > 0 else float("nan")
    est, s_lo, s_hi = (float(v) for v in seasonal)
    return Decomposition(
        observed_pct=observed_pct, seasonal_pct=est, seasonal_lo_pct=min(s_lo, s_hi),
        seasonal_hi_pct=max(s_lo, s_hi), excess_pct=_excess(observed_pct, est),
        excess_lo_pct=_excess(observed_pct, max(s_hi, s_lo)),
        excess_hi_pct=_excess(observed_pct, min(s_hi, s_lo)),
        reference_value=ref, end_value=end, seasonal_count=ref * (1 + est / 100),
    )
