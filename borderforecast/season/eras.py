"""Did the seasonal shape change between two eras (sets of years)?

``log y = month effects + era_b x month effects + trend`` (a spline within each era, so a level
difference is no change of shape), tested by permutation of the eras over years (the
primary test) and by the classical F-test of the interactions (too liberal for autocorrelated
errors); the assessment guide has the details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..fiscal import year_of
from ..series import as_monthly, is_bundled
from .estimate import (
    MONTH_NAMES,
    log_counts,
    month_design,
    per_year_rows,
    records,
    select_years,
    trend_design,
    years_label,
)
from .profile import SeasonalProfile, seasonal_profile


@dataclass(frozen=True, repr=False)
class EraComparison:
    """The result of :func:`compare_eras`.

    Attributes
    ----------
    differences : pandas.DataFrame
        Index month 1..12; columns ``name``, ``factor_a``, ``factor_b``,
        ``change`` (percent: era B's factor relative to era A's), ``lo``, ``hi``.
    statistic, p_value : float
        Permutation test over years (the primary test; :attr:`changed` uses it).
    f_statistic, f_df, f_p_value : float, tuple, float
        Classical F-test of the 11 month x era interactions (over-rejects when the monthly
        errors are autocorrelated, as in real border data).
    profile_a, profile_b : SeasonalProfile
        Each era's own regression profile.
    """

    series: str
    years_a: tuple[int, ...]
    years_b: tuple[int, ...]
    level: float
    differences: pd.DataFrame
    statistic: float
    p_value: float
    f_statistic: float
    f_df: tuple[int, int]
    f_p_value: float
    n_permutations: int
    profile_a: SeasonalProfile = field(compare=False)
    profile_b: SeasonalProfile = field(compare=False)
    fiscal: bool = True

    @property
    def era_a(self) -> str:
        return years_label(self.years_a, "FY" if self.fiscal else "")

    @property
    def era_b(self) -> str:
        return years_label(self.years_b, "FY" if self.fiscal else "")

    @property
    def alpha(self) -> float:
        return 1.0 - self.level / 100.0

    @property
    def changed(self) -> bool:
        """Whether the permutation test rejects an unchanged shape at ``1 - level/100``."""
        return self.p_value < self.alpha

    def __repr__(self) -> str:
        return f"<EraComparison {self.series} {self.era_a} vs {self.era_b}: p={self.p_value:.3g}>"

    def to_frame(self) -> pd.DataFrame:
        """Per-month factors of both eras and the change between them."""
        return self.differences.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "series": self.series, "era_a": [int(v) for v in self.years_a],
            "era_b": [int(v) for v in self.years_b], "level": self.level,
            "test": f"permutation test over {'fiscal' if self.fiscal else 'calendar'} years",
            "statistic": self.statistic,
            "p_value": self.p_value, "f_statistic": self.f_statistic, "f_df": list(self.f_df),
            "f_p_value": self.f_p_value, "n_permutations": self.n_permutations,
            "changed": self.changed, "differences": records(self.differences),
        }

    def summary(self) -> str:
        """Plain-language conclusion with the months that moved most."""
        d = self.differences
        verdict = "the seasonal shape changed"
        if not self.changed:
            verdict = f"no evidence that {verdict}"
        lines = [
            f"Seasonal shape of {self.series}: {self.era_a} ({len(self.years_a)} years) "
            f"vs {self.era_b} ({len(self.years_b)} years).",
            f"Permutation test over {'fiscal' if self.fiscal else 'calendar'} years "
            f"({self.n_permutations} permutations): "
            f"p = {self.p_value:.3g}; classical F-test of month x era interactions "
            f"(assumes independent monthly errors): F = {self.f_statistic:.2f} on {self.f_df[0]} "
            f"and {self.f_df[1]} df, p = {self.f_p_value:.3g}.",
            f"Conclusion at the {100 * self.alpha:g}% level: {verdict}.",
        ]
        sig = d[(d["lo"] > 0) | (d["hi"] < 0)]
        if len(sig):
            items = [f"{r['name']} {100 * (r['factor_a'] - 1):+.0f}% -> "
                     f"{100 * (r['factor_b'] - 1):+.0f}%" for _, r in sig.iterrows()]  # fmt: skip
            lines.append(f"Months whose factor differs ({self.level:g}% interval excludes 0): "
                         + "; ".join(items) + ".")  # fmt: skip
        else:
            lines.append("No single month's factor differs clearly between the eras.")
        return "\n".join(lines)

    def plot(self) -> Any:
        """Figure: both eras' factors with intervals, and the per-month change."""
        from .plot import plot_eras

        return plot_eras(self)


def _pooled(rows: np.ndarray, is_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Per month: era B's mean minus era A's, the pooled variance; and the two eras' sizes."""
    a, b = rows[~is_b], rows[is_b]
    na, nb = len(a), len(b)
    pooled = ((na - 1) * a.var(axis=0, ddof=1) + (nb - 1) * b.var(axis=0, ddof=1)) / (na + nb - 2)
    return b.mean(axis=0) - a.mean(axis=0), pooled, na, nb


def _perm_stat(rows: np.ndarray, is_b: np.ndarray) -> float:
    diff, pooled, na, nb = _pooled(rows, is_b)
    return float(np.sum(diff**2 / (np.maximum(pooled, 1e-12) * (1 / na + 1 / nb))))


def _f_test(z: np.ndarray, index: pd.DatetimeIndex, is_b: np.ndarray) -> tuple[Any, ...]:
    """``(F, df, p, fitted trend)`` of the 11 month x era interactions."""
    M, T = month_design(index), trend_design(index, groups=is_b.astype(int))
    X = np.hstack([M, M * is_b[:, None], T])
    beta, *_ = np.linalg.lstsq(X, z, rcond=None)
    resid = z - X @ beta
    df = (11, int(len(z) - np.linalg.matrix_rank(X)))
    rss_full = float(resid @ resid)
    beta0, *_ = np.linalg.lstsq(np.hstack([M, T]), z, rcond=None)
    rss_null = float(np.sum((z - np.hstack([M, T]) @ beta0) ** 2))
    fstat = ((rss_null - rss_full) / df[0]) / (rss_full / df[1])
    return fstat, df, float(stats.f.sf(fstat, *df)), T @ beta[22:]


def compare_eras(y: pd.Series, era_a: object, era_b: object, *, level: float = 95, seed: int = 0,
                 n_permutations: int = 999, fiscal: bool | None = None) -> EraComparison:
    """Test whether the seasonal shape differs between two sets of years.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts.
    era_a, era_b
        Years of each era (fiscal or calendar as ``fiscal``), in any form :func:`seasonal_profile`
        accepts (``(2000, 2010)``, ``range(2011, 2020)``, ``"FY2011-FY2019"``).
        The eras must not share a year; each needs at least 3 complete years.
    level : float
        Interval level in percent; the test's significance level is ``1 - level/100``.
    seed : int
        Seed of the permutation test.
    n_permutations : int
        Number of permutations (0 to skip; the p-value is then NaN).
    fiscal : bool, optional
        Fiscal (Oct-Sep) or calendar years; default as :func:`seasonal_profile`.

    Examples
    --------
    >>> from borderforecast.season import compare_eras, synthetic_example
    >>> cmp = compare_eras(synthetic_example(), (2000, 2007), (2008, 2013))
    >>> bool(cmp.p_value > 0.05)
    True
    """
    fiscal = is_bundled(y) if fiscal is None else bool(fiscal)
    ys = as_monthly(y, min_length=12, allow_nan=True)
    sel_a, sel_b = select_years(ys, era_a, fiscal), select_years(ys, era_b, fiscal)
    ya, yb = (year_of(s.index, fiscal) for s in (sel_a, sel_b))
    if overlap := sorted(set(ya) & set(yb)):
        kind, p = ("fiscal", "FY") if fiscal else ("calendar", "")
        raise DataError(f"the eras share {kind} years {', '.join(f'{p}{v}' for v in overlap)}")
    sel = pd.concat([sel_a, sel_b]).sort_index()
    z = log_counts(sel).to_numpy(float)
    is_b = np.isin(year_of(sel.index, fiscal), yb)
    fstat, df, f_p, trend = _f_test(z, sel.index, is_b)
    # per-year detrended, centred log profiles: the units of the permutation test
    rows = per_year_rows(pd.Series(z - trend, index=sel.index), fiscal)
    labels = np.isin(rows.index.to_numpy(), yb)
    arr = rows.to_numpy(float)
    obs = _perm_stat(arr, labels)
    if n_permutations > 0:
        rng = np.random.default_rng(seed)
        hits = sum(
            _perm_stat(arr, rng.permutation(labels)) >= obs - 1e-12 for _ in range(n_permutations)
        )
        perm_p = (1 + hits) / (n_permutations + 1)
    else:
        perm_p = float("nan")

    d, pooled, na, nb = _pooled(arr, labels)
    se = np.sqrt(pooled * (1 / na + 1 / nb))
    q = float(stats.t.ppf(0.5 + level / 200.0, na + nb - 2))
    diffs = pd.DataFrame(
        {
            "name": list(MONTH_NAMES), "factor_a": np.exp(arr[~labels].mean(axis=0)),
            "factor_b": np.exp(arr[labels].mean(axis=0)), "change": 100 * np.expm1(d),
            "lo": 100 * np.expm1(d - q * se), "hi": 100 * np.expm1(d + q * se),
        },
        index=pd.Index(range(1, 13), name="month"),
    )

    pa, pb = (seasonal_profile(ys, sorted(set(v)), level=level, methods=["regression"],
                               fiscal=fiscal) for v in (ya, yb))
    return EraComparison(
        series=str(y.name or "series"), years_a=pa.years, years_b=pb.years, level=float(level),
        differences=diffs, statistic=obs, p_value=float(perm_p), f_statistic=float(fstat), f_df=df,
        f_p_value=f_p, n_permutations=int(n_permutations), profile_a=pa, profile_b=pb,
        fiscal=fiscal,
    )
