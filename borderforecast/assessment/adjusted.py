"""Line 3: the seasonally adjusted change, and X-13's automatic outliers.

The series up to ``end`` is seasonally adjusted with a robust STL (period 12,
stable seasonal: see :func:`seasonally_adjust`) on the log scale; the
adjusted change from the reference month to ``end`` is compared with the
adjusted changes over the same number of months before the window (robust
z-score and percentile). X-13ARIMA-SEATS's automatic outlier
detection (additive outliers, level shifts, temporary changes) is run on the
same data when :mod:`borderforecast.models.x13` and its binary are available;
its findings near the window are reported as they come, and any failure
becomes a note, never an error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .options import Window, months_between
from .robust import log_counts, mad, percentile_of, robust_z


@dataclass(frozen=True)
class AdjustedChange:
    """The seasonally adjusted change from the reference month to ``end``.

    Attributes
    ----------
    change, change_pct : float
        Adjusted log change and the same as a percent.
    usual_sd_pct : float
        Robust spread (1.4826 MAD) of adjusted changes over the same number of
        months before the window, in percent (log points x 100).
    monthly_sd_pct : float
        The same for one-month adjusted changes: the usual month-to-month variation.
    robust_z, percentile, p_value : float
        Where the change sits among the earlier changes (p from the normal
        approximation of the robust z).
    outliers : pandas.DataFrame or None
        X-13 outliers within ``outlier_margin`` months of the window (columns
        ``month, type, coefficient, t``), or None when X-13 could not run.
    outlier_note : str
        What happened with X-13 (found, none found, or why it did not run).
    """

    change: float
    change_pct: float
    usual_sd_pct: float
    monthly_sd_pct: float
    robust_z: float
    percentile: float
    p_value: float
    n_changes: int
    sa: pd.Series = field(repr=False)
    outliers: pd.DataFrame | None = None
    outlier_note: str = ""
    prior_pct: float = float("nan")
    """Seasonally adjusted change over the 12 months up to the reference month, percent."""
    prior_z: float = float("nan")
    """Robust z of that change among the earlier 12-month adjusted changes."""

    @property
    def direction(self) -> str:
        return "decline" if self.robust_z < 0 else "rise"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": f"robust STL, period 12, seasonal span {SEASONAL_SPAN} years, log counts",
            "change_log": self.change, "change_pct": self.change_pct,
            "usual_sd_pct": self.usual_sd_pct, "monthly_sd_pct": self.monthly_sd_pct,
            "robust_z": self.robust_z, "percentile": self.percentile, "p_value": self.p_value,
            "n_changes": self.n_changes, "x13_note": self.outlier_note,
            "prior_12m_pct": self.prior_pct, "prior_12m_z": self.prior_z,
        }
        if self.outliers is not None:
            out["x13_outliers"] = [
                {
                    "month": f"{pd.Timestamp(r.month):%Y-%m}", "type": str(r.type),
                    "coefficient": float(r.coefficient), "t": float(r.t),
                }
                for r in self.outliers.itertuples(index=False)
            ]
        return out


SEASONAL_SPAN = 13
"""Years in the STL smoother of each calendar month's seasonal subseries."""


def seasonally_adjust(y: pd.Series) -> pd.Series:
    """Seasonally adjusted log series: robust STL, period 12, stable seasonal.

    The seasonal component is smoothed over :data:`SEASONAL_SPAN` years with a
    local-constant fit (``seasonal_deg=0``). STL's defaults (7 years, local
    linear) let the last few months bend the seasonal component at the end of
    the series, so a level shift in the final months is absorbed into the
    "seasonal" pattern (a -40% shift showed as a -2% adjusted change on the
    synthetic test series); the stable seasonal keeps it in the adjusted series.
    """
    from statsmodels.tsa.seasonal import STL

    lz = log_counts(y)
    res = STL(lz.to_numpy(), period=12, seasonal=SEASONAL_SPAN, seasonal_deg=0, robust=True).fit()
    return pd.Series(lz.to_numpy() - res.seasonal, index=y.index, name="sa_log")


def x13_near_window(y: pd.Series, window: Window, margin: int) -> tuple[pd.DataFrame | None, str]:
    """X-13 automatic outliers within ``margin`` months of the window, and a note."""
    from ..models.x13 import x13_outliers

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = x13_outliers(y)
    except Exception as exc:  # noqa: BLE001 - the binary may fail in many ways; report, never raise
        return None, f"X-13 outlier detection failed ({type(exc).__name__}: {exc})"
    found = pd.DataFrame(found)
    needed = {"month", "type", "coefficient", "t"}
    if not needed <= set(found.columns):
        return (
            None,
            f"X-13 outlier detection returned columns {sorted(found.columns)}, "
            f"not {sorted(needed)}",
        )
    lo = window.start - pd.DateOffset(months=margin)
    hi = window.end + pd.DateOffset(months=margin)
    months = pd.to_datetime(found["month"])
    near = found[(months >= lo) & (months <= hi)].reset_index(drop=True)
    if near.empty:
        note = (
            f"X-13 found no outlier between {lo:%Y-%m} and {hi:%Y-%m} "
            f"({len(found)} elsewhere in the series)"
        )
    else:
        items = ", ".join(
            f"{r.type} {pd.Timestamp(r.month):%Y-%m} (t = {float(r.t):.1f})"
            for r in near.itertuples(index=False)
        )
        note = f"X-13 found {items}"
    return near, note


def adjusted_change(
    y: pd.Series, window: Window, *, x13: bool = True, outlier_margin: int = 2
) -> AdjustedChange:
    """Seasonally adjusted change from the reference month to ``end`` vs its usual variation.

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.assessment.options import make_window
    >>> y, w = make_window(bf.load(), "2019-06", "2019-08", "2019-05", 60)
    >>> adjusted_change(y, w, x13=False).direction
    'decline'
    """
    upto = y[y.index <= window.end]
    sa = seasonally_adjust(upto)
    k = months_between(window.reference, window.end)
    change = float(sa[window.end] - sa[window.reference])
    before = sa[sa.index < window.start]
    earlier = (before - before.shift(k)).dropna().to_numpy()
    monthly = before.diff().dropna().to_numpy()
    z = robust_z(change, earlier)
    prior_pct = prior_z = float("nan")
    ref_pos = sa.index.get_loc(window.reference)
    if ref_pos >= 24:
        upto_ref = sa[sa.index <= window.reference]
        yearly = (upto_ref - upto_ref.shift(12)).dropna()
        prior = float(yearly.iloc[-1])
        prior_pct = float(100 * np.expm1(prior))
        prior_z = robust_z(prior, yearly.iloc[:-1].to_numpy())
    outliers, note = (None, "X-13 outlier detection not requested")
    if x13:
        outliers, note = x13_near_window(upto, window, outlier_margin)
    return AdjustedChange(
        change=change, change_pct=float(100 * np.expm1(change)), usual_sd_pct=100 * mad(earlier),
        monthly_sd_pct=100 * mad(monthly), robust_z=z, percentile=percentile_of(change, earlier),
        p_value=float(2 * stats.norm.sf(abs(z))), n_changes=len(earlier), sa=sa, outliers=outliers,
        outlier_note=note, prior_pct=prior_pct, prior_z=prior_z,
    )
