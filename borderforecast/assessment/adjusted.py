"""Shifts of the seasonally adjusted level: line 4 of an assessment and :func:`find_breaks`.

Line 4: the robust-STL adjusted change against earlier changes of the same length, with X-13's
outliers near the window (an X-13 failure is a note). :func:`find_breaks` dates level shifts
beyond normal variation (rule in the assessment guide; X-13's level shifts are one input).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..fiscal import year_of
from ..series import as_monthly, is_bundled
from .normal import SHOCK_Z, TITLE42, normal_fiscal_years
from .options import Window, months_between
from .robust import log_counts, mad, noise_floor, percentile_of, robust_scale, robust_z, span_floor


@dataclass(frozen=True)
class AdjustedChange:
    """The seasonally adjusted change from the reference month to ``end``.

    ``usual_sd_pct`` and ``monthly_sd_pct`` are the robust spreads (log points x 100) of earlier
    adjusted changes of the same length and of one month; ``p_value`` is the normal one of the
    robust z; ``outliers`` (``month, type, coefficient, t``) are X-13's within the margin, None
    when it could not run (``outlier_note`` says what happened).
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
                {"month": f"{pd.Timestamp(r.month):%Y-%m}", "type": str(r.type),
                 "coefficient": float(r.coefficient), "t": float(r.t)}
                for r in self.outliers.itertuples(index=False)
            ]  # fmt: skip
        return out


SEASONAL_SPAN = 13
"""Years in the STL smoother of each calendar month's seasonal subseries."""


def seasonally_adjust(y: pd.Series) -> pd.Series:
    """Seasonally adjusted log series: robust STL, period 12, a stable seasonal
    (:data:`SEASONAL_SPAN` years, local constant): STL's defaults let the last months bend the
    seasonal, absorbing a level shift at the end (-40% showed as -2%)."""
    from statsmodels.tsa.seasonal import STL

    lz = log_counts(y)
    res = STL(lz.to_numpy(), period=12, seasonal=SEASONAL_SPAN, seasonal_deg=0, robust=True).fit()
    return pd.Series(lz.to_numpy() - res.seasonal, index=y.index, name="sa_log")


def x13_table(y: pd.Series) -> pd.DataFrame:
    """X-13's automatic outliers of ``y`` (whatever X-13 raises is raised)."""
    from ..models.x13 import x13_outliers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.DataFrame(x13_outliers(y))


def x13_near_window(y: pd.Series, window: Window, margin: int) -> tuple[pd.DataFrame | None, str]:
    """X-13 automatic outliers within ``margin`` months of the window, and a note."""
    try:
        found = x13_table(y)
    except Exception as exc:  # noqa: BLE001 - the binary may fail in many ways; report, never raise
        return None, f"X-13 outlier detection failed ({type(exc).__name__}: {exc})"
    needed = {"month", "type", "coefficient", "t"}
    if not needed <= set(found.columns):
        cols = sorted(found.columns)
        return None, f"X-13 outlier detection returned columns {cols}, not {sorted(needed)}"
    lo = max(window.start - pd.DateOffset(months=margin), y.index[0])
    hi = min(window.end + pd.DateOffset(months=margin), y.index[-1])  # never past the data
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


def adjusted_change(y: pd.Series, window: Window, *, x13: bool = True,
                    outlier_margin: int = 2) -> AdjustedChange:
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


COLUMNS = ["month", "shift_pct", "lo_pct", "hi_pct", "z", "p_value", "sure", "months", "x13"]


def shift_z(y: pd.Series, years: Any, floor: float, fiscal: bool = True) -> pd.DataFrame:
    """Per month: the three-month window statistic ``stat``, its calendar median ``expected``
    and robust ``scale`` in the other normal (fiscal or calendar) ``years``, ``z``, ``normal``."""
    lz = log_counts(y)
    stat = (lz + lz.shift(-1) + lz.shift(-2)) / 3 - lz.shift(1)
    normal = np.isin(year_of(lz.index, fiscal), list(years)) & stat.notna().to_numpy()
    frame = pd.DataFrame({"stat": stat, "normal": normal, "expected": np.nan, "scale": np.nan})
    for m in range(1, 13):
        idx = stat.index[(stat.index.month == m) & stat.notna().to_numpy()]
        for t in idx:
            ref = stat[(stat.index.month == m) & normal & (stat.index.year != t.year)]
            frame.loc[t, ["expected", "scale"]] = float(np.median(ref)), robust_scale(ref, floor)
    frame["z"] = (frame["stat"] - frame["expected"]) / frame["scale"]
    return frame


def find_breaks(y: pd.Series | None = None, *, exclude: Any = None, title42: bool | None = None,
                threshold: float = SHOCK_Z, x13: bool = True) -> pd.DataFrame:
    """Months where the seasonally adjusted level shifted beyond its normal variation.

    Returns
    -------
    pandas.DataFrame
        One row per break: ``month`` (its date), ``shift_pct`` (the size, percent) with its
        95% interval ``lo_pct, hi_pct`` (from the normal years' spread), ``z``, ``p_value``
        (two-sided, normal), ``sure`` (words), ``months`` (how many adjacent months exceed
        the threshold) and ``x13`` (whether X-13 found a level shift within a month of it;
        None when X-13 did not run). ``attrs["false_positive_rate"]`` is the share of the
        normal years' months that exceed the threshold.

    Examples
    --------
    >>> import borderforecast as bf
    >>> b = bf.find_breaks(bf.load(), x13=False)
    >>> "2017-02" in list(b["month"].dt.strftime("%Y-%m"))  # the largest break before 2025
    True
    """
    if y is None:
        from ..data import load

        y = load()
    fiscal = is_bundled(y)
    title42 = fiscal if title42 is None else title42
    y = as_monthly(y).astype(float)
    fys = normal_fiscal_years(y, exclude=exclude, title42=title42, fiscal=fiscal)
    lz = log_counts(y)
    floor = span_floor(noise_floor(lz, (TITLE42,) if title42 else ()), _window3(y.index[1]))
    f = shift_z(y, fys.years, floor, fiscal)
    z, normal = f["z"], f["normal"].to_numpy()
    hit = z.abs() > threshold
    out = []
    for run in _runs(hit):
        t = z[run].abs().idxmax()
        zt, scale = float(z[t]), float(f.loc[t, "scale"])
        p = float(2 * stats.norm.sf(abs(zt)))
        shift = float(f.loc[t, "stat"] - f.loc[t, "expected"])
        out.append({
            "month": t, "shift_pct": 100 * np.expm1(shift),
            "lo_pct": 100 * np.expm1(shift - 1.96 * scale),
            "hi_pct": 100 * np.expm1(shift + 1.96 * scale), "z": zt, "p_value": p,
            "sure": "very sure" if p < 1e-4 else "sure" if p < 1e-3 else "fairly sure",
            "months": len(run), "x13": None,
        })  # fmt: skip
    frame = pd.DataFrame(out, columns=COLUMNS)
    if x13 and len(frame):
        frame["x13"] = _x13_level_shifts(y, frame["month"])
    frame.attrs["false_positive_rate"] = float(hit[normal].mean()) if normal.any() else np.nan
    frame.attrs["normal_fiscal_years"] = list(fys.years)
    return frame


def _window3(t: pd.Timestamp) -> Window:
    one = pd.DateOffset(months=1)
    return Window(t, t + 2 * one, t - one)


def _runs(hit: pd.Series) -> list[list[pd.Timestamp]]:
    """The runs of adjacent months where ``hit`` is true."""
    groups = itertools.groupby(hit.items(), key=lambda item: bool(item[1]))
    return [[t for t, _ in run] for h, run in groups if h]


def _x13_level_shifts(y: pd.Series, months: pd.Series) -> list[Any]:
    try:
        found = x13_table(y)
        ls = pd.to_datetime(found.loc[found["type"].str.upper() == "LS", "month"])
    except Exception:  # noqa: BLE001 - X-13 is one input; when it cannot run, say None
        return [None] * len(months)
    return [bool(((ls - m).abs() <= pd.Timedelta(days=31)).any()) for m in months]
