"""Which fiscal years define "normal" seasonality: the era test, applied to the assessment.

:func:`borderforecast.season.compare_eras` tests whether the seasonal shape of the fiscal
years before ``era_split`` differs from that of the years from ``era_split`` on (each era
needs at least 3 complete, clean fiscal years before the window). When it does (permutation
p below ``alpha``) *and* the window's own calendar change (reference month to end month)
differs between the eras (its interval, from the per-month era differences combined as if
independent, excludes zero), the recent era defines normal seasonality for the
decomposition; when the shape changed elsewhere in the year, every clean year is kept (more
years, same expected change). When the recent era defines normal, the placebo runs and the
seasonal comparison also use only its years (:mod:`borderforecast.assessment.years`). The
narrative names the change either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..fiscal import fiscal_year
from .options import Window


@dataclass(frozen=True)
class NormalYears:
    """The fiscal years taken as normal, and the era test behind the choice.

    Attributes
    ----------
    years : tuple of int
        Fiscal years of the seasonal profile used by the decomposition.
    clean_years : tuple of int
        Every complete fiscal year before the window that no excluded period touches.
    era_split : int or None
        First fiscal year of the recent era tested (None: not tested).
    era_p : float
        Permutation p-value of "same shape in both eras" (NaN when not tested).
    shape_changed : bool
    window_change_a, window_change_b : float
        The window's calendar change (reference to end month, percent) in each era.
    window_differs : bool
        Whether that change differs between the eras (its interval excludes zero).
    note : str
        Why the era test was not run, when it was not.
    """

    years: tuple[int, ...]
    clean_years: tuple[int, ...]
    era_split: int | None
    era_p: float
    shape_changed: bool
    window_change_a: float
    window_change_b: float
    window_diff_lo: float
    window_diff_hi: float
    window_differs: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "years": list(self.years),
            "clean_years": list(self.clean_years),
            "era_split": self.era_split,
            "era_p": self.era_p,
            "shape_changed": self.shape_changed,
            "window_change_a_pct": self.window_change_a,
            "window_change_b_pct": self.window_change_b,
            "window_differs": self.window_differs,
            "note": self.note,
        }


def clean_fiscal_years(
    y: pd.Series, window: Window, exclude: Sequence[tuple[pd.Timestamp, pd.Timestamp]]
) -> list[int]:
    """Complete fiscal years before ``window.start`` that no excluded period touches."""
    hist = y[y.index < window.start]
    fy = pd.Series(np.asarray(fiscal_year(hist.index)), index=hist.index)
    counts = fy.value_counts()
    out = []
    for year in sorted(counts.index[counts == 12]):
        months = fy.index[fy == year]
        if any(months[0] <= p[1] and months[-1] >= p[0] for p in exclude):
            continue
        out.append(int(year))
    return out


def normal_years(
    y: pd.Series,
    window: Window,
    exclude: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    era_split: int | None,
    alpha: float = 0.05,
    seed: int = 0,
) -> NormalYears:
    """Choose the fiscal years that define normal seasonality (see the module docstring)."""
    clean = clean_fiscal_years(y, window, exclude)
    nan = float("nan")
    a = [v for v in clean if era_split is not None and v < era_split]
    b = [v for v in clean if era_split is not None and v >= era_split]
    if era_split is None or len(a) < 3 or len(b) < 3:
        why = (
            "era test not requested"
            if era_split is None
            else f"era test not run: fewer than 3 clean fiscal years on one side of FY{era_split}"
        )
        return NormalYears(
            tuple(clean), tuple(clean), era_split, nan, False, nan, nan, nan, nan, False, why
        )
    from ..season import compare_eras

    hist = y[y.index < window.start]
    cmp = compare_eras(hist, a, b, level=100 * (1 - alpha), seed=seed, n_permutations=999)
    changed = bool(np.isfinite(cmp.p_value) and cmp.p_value < alpha)
    r, e = window.reference.month, window.end.month
    ca = cmp.profile_a.expected_change(r, e)
    cb = cmp.profile_b.expected_change(r, e)
    # difference of the window's change between eras: per-month era differences in log
    d = cmp.differences
    diff = float(np.log1p(d.loc[e, "change"] / 100) - np.log1p(d.loc[r, "change"] / 100))
    se_e = (np.log1p(d.loc[e, "hi"] / 100) - np.log1p(d.loc[e, "lo"] / 100)) / 2
    se_r = (np.log1p(d.loc[r, "hi"] / 100) - np.log1p(d.loc[r, "lo"] / 100)) / 2
    half = float(np.hypot(se_e, se_r)) if r != e else 0.0
    lo, hi = 100 * np.expm1(diff - half), 100 * np.expm1(diff + half)
    differs = bool(lo > 0 or hi < 0)
    return NormalYears(
        years=tuple(b) if changed and differs else tuple(clean),
        clean_years=tuple(clean),
        era_split=era_split,
        era_p=float(cmp.p_value),
        shape_changed=changed,
        window_change_a=float(ca[0]),
        window_change_b=float(cb[0]),
        window_diff_lo=float(lo),
        window_diff_hi=float(hi),
        window_differs=differs,
    )
