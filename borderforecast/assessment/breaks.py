"""When did it change? Months where the seasonally adjusted level shifted beyond normal variation.

For every month ``t`` the statistic is the assessment's window statistic for the three months
from ``t`` (reference: the month before): the mean log change from the reference month. It is
seasonally adjusted by the same calendar statistic in the normal fiscal years
(:func:`~borderforecast.assessment.normal.normal_fiscal_years`): its median there is what
normal seasonality expects, its robust spread there (never below the floor the series' own
month-to-month variation implies) is the normal variation; a normal year is compared with the
other normal years only. A month is a break when its robust ``|z|`` exceeds
:data:`~borderforecast.assessment.normal.SHOCK_Z`, the threshold of the rule of normal years; a
run of such months is one break, dated at its largest ``|z|``. X-13's level-shift outliers,
when the program runs, are reported beside it as one more input, never as the answer.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..fiscal import fiscal_year
from ..series import as_monthly
from .normal import SHOCK_Z, TITLE42, normal_fiscal_years
from .options import Window
from .robust import log_counts, mad, noise_floor, span_floor

COLUMNS = ["month", "shift_pct", "lo_pct", "hi_pct", "z", "p_value", "sure", "months", "x13"]


def shift_z(y: pd.Series, fiscal_years: Any, floor: float) -> pd.DataFrame:
    """Per month: the window statistic ``stat``, its calendar median in the normal years
    ``expected``, the ``scale`` and ``z`` (see the module docstring), and ``normal``."""
    lz = log_counts(y)
    stat = (lz + lz.shift(-1) + lz.shift(-2)) / 3 - lz.shift(1)
    fy = np.asarray(fiscal_year(lz.index))
    normal = np.isin(fy, list(fiscal_years)) & stat.notna().to_numpy()
    frame = pd.DataFrame({"stat": stat, "normal": normal, "expected": np.nan, "scale": np.nan})
    for m in range(1, 13):
        idx = stat.index[(stat.index.month == m) & stat.notna().to_numpy()]
        for t in idx:
            ref = stat[(stat.index.month == m) & normal & (stat.index.year != t.year)]
            frame.loc[t, ["expected", "scale"]] = float(np.median(ref)), max(mad(ref), floor)
    frame["z"] = (frame["stat"] - frame["expected"]) / frame["scale"]
    return frame


def find_breaks(
    y: pd.Series | None = None,
    *,
    exclude: Any = None,
    title42: bool = True,
    threshold: float = SHOCK_Z,
    x13: bool = True,
) -> pd.DataFrame:
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
    y = as_monthly(y).astype(float)
    fys = normal_fiscal_years(y, exclude=exclude, title42=title42)
    lz = log_counts(y)
    floor = span_floor(noise_floor(lz, (TITLE42,) if title42 else ()), _window3(y.index[1]))
    f = shift_z(y, fys.years, floor)
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
        from ..models.x13 import x13_outliers

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = pd.DataFrame(x13_outliers(y))
        ls = pd.to_datetime(found.loc[found["type"].str.upper() == "LS", "month"])
    except Exception:  # noqa: BLE001 - X-13 is one input; when it cannot run, say None
        return [None] * len(months)
    return [bool(((ls - m).abs() <= pd.Timedelta(days=31)).any()) for m in months]
