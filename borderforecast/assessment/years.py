"""Clean reference years: which earlier years the placebo runs and the seasonal comparison use.

Both lines of evidence compare the target window with the same calendar window in earlier
years. An earlier year is left out, with the reason recorded, when

1. its span (reference month to end month) touches an *excluded period*: by default the
   Title 42 months (March 2020 - May 2023, when the counts include expulsions and many repeat
   crossings), plus any period the user names with ``exclude=``;
2. it lies before the recent seasonal era, when the era test finds that the window's calendar
   change differs between the eras (:mod:`borderforecast.assessment.normal`);
3. it is itself a *shock*: its reference-to-end log change has a leave-one-out robust z-score
   ``|z| > shock_z`` (default 3.5) among the other candidate years, i.e. it lies more than 3.5
   robust standard deviations (1.4826 MAD) from the median of the others. The rule looks only
   at the data, never at a model, so it is the same for every model of the panel; it runs
   only when at least 8 candidate years remain after the exclusions.

The placebo runs additionally need ``min_history`` months before a year's window, and must
end before the target window starts.

The same :class:`ReferenceYears` feeds the placebo runs and the empirical comparison, so the
two cannot disagree on which years are "normal".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .exclude import ExcludeError, Period, parse_exclude, period_label

__all__ = ["ExcludeError", "ReferenceYears", "parse_exclude", "reference_years"]
from .options import Window, months_between

TITLE42: tuple[pd.Timestamp, pd.Timestamp] = (
    pd.Timestamp("2020-03-01"),
    pd.Timestamp("2023-05-01"),
)
"""First and last month of the Title 42 period (expulsions counted as encounters)."""

SHOCK_Z = 3.5
"""Default screening threshold: leave-one-out robust |z| of a year's change above this."""

MIN_SCREEN_YEARS = 8
"""Fewest candidate years for shock screening (with fewer, a robust spread is too noisy)."""

@dataclass(frozen=True)
class ReferenceYears:
    """The earlier years of an assessment, each used or left out with its reason.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per candidate year (index: the year of the end month, latest first):
        ``shift`` (years back), ``change`` (reference-to-end log change), ``loo_z`` (its
        leave-one-out robust z), ``comparison`` and ``placebo`` (bool: used by that line),
        ``reason`` (why a year is left out; empty when used).
    exclude : tuple of (Timestamp, Timestamp)
        Every excluded period (default and user).
    shock_z : float or None
        The screening threshold (None: no screening).
    """

    frame: pd.DataFrame
    exclude: tuple[Period, ...]
    shock_z: float | None
    window: Window

    @property
    def comparison_years(self) -> list[int]:
        """Years of the seasonal comparison (ascending)."""
        return sorted(int(v) for v in self.frame.index[self.frame["comparison"]])

    @property
    def placebo_years(self) -> list[int]:
        """Years of the placebo runs (latest first, as the runs are ordered)."""
        return [int(v) for v in self.frame.index[self.frame["placebo"]]]

    def placebo_windows(self) -> list[Window]:
        return [self.window.shifted(int(s)) for s in self.frame.loc[self.frame["placebo"], "shift"]]

    @property
    def excluded(self) -> dict[int, str]:
        """Year -> why it is left out of both lines (Title 42, user period, or shock)."""
        bad = self.frame[~self.frame["comparison"]]
        return {int(k): str(v) for k, v in bad["reason"].items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "comparison_years": self.comparison_years,
            "placebo_years": sorted(self.placebo_years),
            "excluded": {str(k): v for k, v in sorted(self.excluded.items())},
            "exclude_periods": [period_label(p) for p in self.exclude],
            "shock_rule": shock_rule(self.shock_z),
        }


def shock_rule(shock_z: float | None) -> str:
    if shock_z is None:
        return "no shock screening"
    return (
        f"a year is a shock when its reference-to-end log change lies more than {shock_z:g} "
        "robust standard deviations (1.4826 MAD) from the median of the other years"
    )


def loo_robust_z(values: np.ndarray) -> np.ndarray:
    """Leave-one-out robust z of each value among the others (NaN with fewer than 4 others).

    Examples
    --------
    >>> z = loo_robust_z(np.array([0.0, 0.1, -0.1, 0.05, -0.05, 2.0]))
    >>> [round(float(v), 1) for v in z]
    [-0.3, 1.3, -2.0, 0.3, -1.3, 27.0]
    """
    v = np.asarray(values, dtype=float)
    out = np.full(len(v), np.nan)
    for i in range(len(v)):
        others = np.delete(v, i)
        if len(others) < 4:
            continue
        med = float(np.median(others))
        scale = 1.4826 * float(np.median(np.abs(others - med)))
        if scale <= 0:
            scale = float(np.std(others, ddof=1))
        if scale > 0:
            out[i] = (v[i] - med) / scale
    return out


def _touches(w: Window, periods: Sequence[Period]) -> Period | None:
    for p in periods:
        if w.reference <= p[1] and w.end >= p[0]:
            return p
    return None


def reference_years(
    y: pd.Series,
    window: Window,
    *,
    exclude: Any = None,
    title42: bool = True,
    shock_z: float | None = SHOCK_Z,
    min_history: int = 60,
    max_placebo_years: int | None = None,
    min_years: int = 3,
    min_placebos: int = 5,
    since: pd.Timestamp | None = None,
    since_reason: str = "",
) -> ReferenceYears:
    """Screen the earlier copies of ``window`` (see the module docstring).

    Raises
    ------
    ExcludeError
        If a user period is outside the data or overlaps the window (reference to end), or if
        the exclusions leave fewer than ``min_years`` comparison years.
    """
    user = parse_exclude(exclude)
    first, last = y.index[0], y.index[-1]
    for p in user:
        if p[0] < first or p[1] > last:
            raise ExcludeError(
                f"exclude {period_label(p)} is outside the data: the series covers "
                f"{first:%Y-%m} to {last:%Y-%m}"
            )
        if p[0] <= window.end and p[1] >= window.reference:
            raise ExcludeError(
                f"exclude {period_label(p)} overlaps the assessed window "
                f"({window.reference:%Y-%m} to {window.end:%Y-%m}): exclude only earlier periods"
            )
    defaults: tuple[Period, ...] = (TITLE42,) if title42 else ()
    lz = np.log(y + (1.0 if (y <= 0).any() else 0.0))
    rows = []
    j = 1
    while True:
        w = window.shifted(j)
        if w.reference < first:
            break
        reason = ""
        hit = _touches(w, defaults)
        if since is not None and w.reference < since:
            reason = since_reason or f"before {since:%Y-%m}"
            hit = None
        if hit is not None:
            reason = "Title 42 period (Mar 2020 - May 2023)"
        elif not reason:
            hit = _touches(w, user)
            if hit is not None:
                reason = f"excluded by the user ({period_label(hit)})"
        rows.append(
            {
                "year": w.end.year,
                "shift": j,
                "change": float(lz[w.end] - lz[w.reference]),
                "reason": reason,
                "history": months_between(first, w.start),
                "before_target": bool(w.end < window.start),
            }
        )
        j += 1
    frame = pd.DataFrame(
        rows, columns=["year", "shift", "change", "reason", "history", "before_target"]
    ).set_index("year")
    frame["loo_z"] = np.nan
    clean = frame["reason"] == ""
    if shock_z is not None and clean.sum() >= MIN_SCREEN_YEARS:
        z = loo_robust_z(frame.loc[clean, "change"].to_numpy())
        frame.loc[clean, "loo_z"] = z
        shocks = clean & (frame["loo_z"].abs() > shock_z)
        for yr in frame.index[shocks]:
            frame.loc[yr, "reason"] = (
                f"shock year: its {window.reference:%b}->{window.end:%b} change "
                f"({100 * np.expm1(frame.loc[yr, 'change']):+.1f}%) has leave-one-out robust "
                f"z {frame.loc[yr, 'loo_z']:+.1f} (|z| > {shock_z:g})"
            )
    frame["comparison"] = frame["reason"] == ""
    eligible = frame["comparison"] & frame["before_target"] & (frame["history"] >= min_history)
    if max_placebo_years is not None:
        keep = frame.index[eligible][:max_placebo_years]
        eligible = frame.index.isin(keep)
    frame["placebo"] = eligible
    n = int(frame["comparison"].sum())
    if n < min_years:
        if user:
            raise ExcludeError(
                f"the exclusions ({', '.join(period_label(p) for p in user)}) leave {n} earlier "
                f"year(s) for the seasonal comparison; at least {min_years} are needed"
            )
    if user and max_placebo_years is None:
        without = reference_years(
            y,
            window,
            title42=title42,
            shock_z=shock_z,
            min_history=min_history,
            min_years=0,
            since=since,
            since_reason=since_reason,
        )
        if len(without.placebo_years) >= min_placebos > int(frame["placebo"].sum()):
            raise ExcludeError(
                f"the exclusions ({', '.join(period_label(p) for p in user)}) leave "
                f"{int(frame['placebo'].sum())} placebo year(s) (without them: "
                f"{len(without.placebo_years)}); the calibration needs at least {min_placebos}"
            )
    return ReferenceYears(frame=frame, exclude=defaults + user, shock_z=shock_z, window=window)
