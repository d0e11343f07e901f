"""Forecast accuracy metrics, apart from the engine that produces forecasts.

Every metric has one signature (Nixtla's ``utilsforecast.losses`` style),
``metric(df, level=None) -> numpy.ndarray``, one score per row of a long frame with
``actual``, ``median``, ``lo<L>``/``hi<L>`` and the origin's in-sample seasonal-naive scales
``scale_abs`` (mean absolute lag-12 error) and ``scale_sq`` (mean squared); a group's value is
the mean of its rows' (RMSSE: its root, :data:`ROOTED`). Count scale throughout; definitions
in docs/guide/backtest.md (MASE, RMSSE, sMAPE, MAPE, coverage, Winkler / ``scale_abs``).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"actual": [10.0, 20.0], "median": [12.0, 20.0], "lo80": [11.0, 15.0],
...                    "hi80": [13.0, 25.0], "scale_abs": [2.0, 2.0], "scale_sq": [4.0, 4.0]})
>>> mase(df).tolist()
[1.0, 0.0]
>>> winkler(df, level=80).round(6).tolist()   # (2 + 2/0.2 * 1) / 2, then 10 / 2
[6.0, 5.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..models.base import level_label

Metric = Callable[..., np.ndarray]


def seasonal_scales(y: np.ndarray, period: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Scales of MASE and RMSSE for every possible training window ``y[:n]``.

    Returns two arrays indexed by ``n - 1`` (the position of the origin):
    the mean absolute and mean squared lag-``period`` difference of
    ``y[:n]``; NaN while ``n <= period``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1.0, 2, 3, 5, 6, 9])   # lag-2 diffs: 2, 3, 3, 4
    >>> seasonal_scales(y, period=2)[0].tolist()
    [nan, nan, 2.0, 2.5, 2.6666666666666665, 3.0]
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    abs_scale = np.full(n, np.nan)
    sq_scale = np.full(n, np.nan)
    if n > period:
        d = y[period:] - y[:-period]
        counts = np.arange(1, len(d) + 1)
        abs_scale[period:] = np.cumsum(np.abs(d)) / counts
        sq_scale[period:] = np.cumsum(d**2) / counts
    return abs_scale, sq_scale


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].to_numpy(dtype=float)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    return out


def mase(df: pd.DataFrame, level: float | None = None) -> np.ndarray:
    """Absolute error scaled by the origin's in-sample seasonal-naive MAE (mean -> MASE)."""
    return _safe_div(np.abs(_col(df, "actual") - _col(df, "median")), _col(df, "scale_abs"))


def rmsse(df: pd.DataFrame, level: float | None = None) -> np.ndarray:
    """Squared error scaled by the in-sample seasonal-naive MSE (root of mean -> RMSSE)."""
    return _safe_div((_col(df, "actual") - _col(df, "median")) ** 2, _col(df, "scale_sq"))


def smape(df: pd.DataFrame, level: float | None = None) -> np.ndarray:
    """Symmetric absolute percentage error, 0-200 (0 when actual and forecast are both 0)."""
    a, f = _col(df, "actual"), _col(df, "median")
    den = np.abs(a) + np.abs(f)
    out = _safe_div(200.0 * np.abs(a - f), den)
    out[(den == 0) & np.isfinite(a) & np.isfinite(f)] = 0.0
    return out


def mape(df: pd.DataFrame, level: float | None = None) -> np.ndarray:
    """Absolute percentage error (NaN where the actual is 0, so such rows are skipped)."""
    a, f = _col(df, "actual"), _col(df, "median")
    return _safe_div(100.0 * np.abs(a - f), np.where(a > 0, np.abs(a), np.nan))


def coverage(df: pd.DataFrame, level: float | None = 80) -> np.ndarray:
    """1.0 where ``lo<level> <= actual <= hi<level>``, else 0.0 (NaN without an actual)."""
    lab = level_label(_need_level(level))
    a = _col(df, "actual")
    inside = (a >= _col(df, f"lo{lab}")) & (a <= _col(df, f"hi{lab}"))
    out = inside.astype(float)
    out[~np.isfinite(a)] = np.nan
    return out


def winkler(df: pd.DataFrame, level: float | None = 80) -> np.ndarray:
    """Winkler (interval) score of the ``level``% interval, scaled by ``scale_abs``."""
    lv = _need_level(level)
    lab = level_label(lv)
    a = _col(df, "actual")
    lo, hi = _col(df, f"lo{lab}"), _col(df, f"hi{lab}")
    alpha = 1.0 - lv / 100.0
    score = (
        (hi - lo)
        + (2.0 / alpha) * np.maximum(lo - a, 0.0)
        + (2.0 / alpha) * np.maximum(a - hi, 0.0)
    )
    return _safe_div(score, _col(df, "scale_abs"))


def _need_level(level: float | None) -> float:
    if level is None:
        raise ValueError("interval metrics need a level, e.g. level=80")
    return float(level)


POINT_METRICS: dict[str, Metric] = {"mase": mase, "rmsse": rmsse, "smape": smape, "mape": mape}
ROOTED = ("rmsse",)
"""Metrics aggregated as the root of the mean of their row scores (all others: the mean)."""


def metric_columns(levels: Sequence[float]) -> list[str]:
    """Names of the metric columns of :func:`evaluate`, in display order."""
    cols = list(POINT_METRICS)
    for lv in levels:
        cols.append(f"coverage{level_label(lv)}")
    for lv in levels:
        cols.append(f"winkler{level_label(lv)}")
    return cols


def evaluate(
    df: pd.DataFrame, by: Sequence[str], levels: Sequence[float] = (80, 95)
) -> pd.DataFrame:
    """Every metric aggregated over the groups ``by`` (e.g. ``["series", "model", "horizon"]``).

    ``df``: forecast rows with ``actual``, ``median``, interval columns and
    ``scale_abs``/``scale_sq`` (rows without an actual are ignored). One row per group: the
    ``by`` columns, ``n`` (rows scored) and one column per metric (:func:`metric_columns`)."""
    return aggregate(row_scores(df, by, levels), by)


def row_scores(
    df: pd.DataFrame, keep: Sequence[str], levels: Sequence[float] = (80, 95)
) -> pd.DataFrame:
    """Every metric of every row with an actual (before aggregation), plus the ``keep`` columns.

    Computing the row scores once and aggregating them several ways
    (:func:`aggregate`) gives the same numbers as :func:`evaluate` each way.
    """
    df = df[np.isfinite(df["actual"].to_numpy(dtype=float))]
    scores = pd.DataFrame({c: df[c].to_numpy() for c in keep}, index=df.index)
    for name, fn in POINT_METRICS.items():
        scores[name] = fn(df)
    for lv in levels:
        scores[f"coverage{level_label(lv)}"] = coverage(df, lv)
    for lv in levels:
        scores[f"winkler{level_label(lv)}"] = winkler(df, lv)
    return scores


def aggregate(scores: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Aggregate row scores (:func:`row_scores`) over groups: means, roots of mean squares."""
    metric_cols = [c for c in scores.columns if c not in by and _is_metric(c)]
    grouped = scores[list(by) + metric_cols].groupby(list(by), sort=True, dropna=False)
    out = grouped.mean()
    for name in ROOTED:
        if name in out:
            out[name] = np.sqrt(out[name])
    out.insert(0, "n", grouped.size())
    return out.reset_index()


def _is_metric(column: str) -> bool:
    return column in POINT_METRICS or column.startswith(("coverage", "winkler"))


def error_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Absolute scaled errors of the long frame ``rows`` (``series, origin, horizon, model,
    actual, median, scale_abs``): one row per series x origin x horizon, one column per model."""
    return rows.assign(ae=mase(rows)).pivot_table(
        index=["series", "origin", "horizon"], columns="model", values="ae", aggfunc="first"
    )


def paired_t(origins: np.ndarray, diff: np.ndarray, weight: np.ndarray, lag: int) -> float:
    """Diebold-Mariano t of paired errors: ``diff`` (a challenger's absolute scaled error minus
    the incumbent's, per origin x horizon) averaged per origin with ``weight``, the mean of those
    over its Newey-West standard error (Bartlett weights, ``lag`` lags, times ``n / (n - 1)``:
    statsmodels' HAC with its small-sample correction; with no lag, Student's one-sample t).
    Negative: the challenger was more accurate. NaN with fewer than ``lag + 3`` origins.

    >>> d = np.array([-0.3, -0.1, -0.2, -0.4, 0.1, -0.2])
    >>> round(paired_t(np.arange(6), d, np.ones(6), lag=0), 4)  # scipy's ttest_1samp: -2.6073
    -2.6073
    >>> w = np.tile([2.0, 1.0], 3)  # 3 origins of 2 horizons: means -0.233, -0.267, 0.0
    >>> round(paired_t(np.repeat(np.arange(3), 2), d, w, lag=0), 4)
    -1.9868
    """
    _, pos = np.unique(origins, return_inverse=True)
    per = np.bincount(pos, weight * diff) / np.bincount(pos, weight) if len(pos) else diff
    n, e = len(per), per - per.mean()
    if n < lag + 3:
        return np.nan
    gamma = np.array([e[j:] @ e[: n - j] / n for j in range(lag + 1)])  # autocovariances
    var = (2 * (1 - np.arange(lag + 1) / (lag + 1)) @ gamma - gamma[0]) * n / (n - 1)
    if var <= 0:
        return 0.0 if per[0] == 0 else float(np.copysign(np.inf, per[0]))
    return float(per.mean() / np.sqrt(var / n))
