"""Score a backtest: metrics per series x model x horizon x era, raw and calibrated."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .metrics import aggregate, metric_columns, row_scores

BENCHMARK = "snaive"
KEYS = ["series", "model", "intervals", "era", "horizon"]


def era_labels(origins: pd.Series, split: pd.Timestamp) -> pd.Series:
    """``"first..split"`` / ``"after..last"`` labels of each origin (months as YYYY-MM)."""
    o = pd.to_datetime(origins)
    before = o <= split
    out = pd.Series("", index=origins.index, dtype=object)
    if before.any():
        out[before] = f"{o[before].min():%Y-%m}..{o[before].max():%Y-%m}"
    if (~before).any():
        out[~before] = f"{o[~before].min():%Y-%m}..{o[~before].max():%Y-%m}"
    return out


def score(
    raw: pd.DataFrame,
    calibrated: pd.DataFrame,
    levels: Sequence[float],
    era_split: pd.Timestamp,
) -> pd.DataFrame:
    """The metrics table of a backtest, from its ``raw`` and ``calibrated`` scored rows.

    Columns ``series, model, intervals ("calibrated"/"raw"), era ("all" or
    "YYYY-MM..YYYY-MM", split after ``era_split``), horizon ("all" or "1".."h"), n``, the
    metrics of :func:`~borderforecast.backtesting.metrics.metric_columns` and ``skill``
    (``1 - MASE / MASE of snaive`` in the same cell; NaN without snaive)."""
    frames = []
    for label, df in (("calibrated", calibrated), ("raw", raw)):
        if df.empty:
            continue
        d = df.copy()
        d["intervals"] = label
        d["era_label"] = era_labels(d["origin"], era_split)
        d["h_label"] = d["horizon"].astype(int).astype(str)
        # score every row once, then aggregate it four ways (by era x by horizon)
        rows = row_scores(d, ["series", "model", "intervals", "era_label", "h_label"], levels)
        for era_col in ("era_label", None):
            for h_col in ("h_label", None):
                dd = rows.assign(
                    era=rows[era_col] if era_col else "all",
                    horizon=rows[h_col] if h_col else "all",
                )
                frames.append(aggregate(dd, KEYS))
    cols = KEYS + ["n"] + metric_columns(levels) + ["skill"]
    if not frames:
        return pd.DataFrame(columns=cols)
    m = pd.concat(frames, ignore_index=True)
    m["horizon"] = m["horizon"].astype(str)
    m["era"] = m["era"].astype(str)
    bench = m[m["model"] == BENCHMARK][["series", "intervals", "era", "horizon", "mase"]]
    bench = bench.rename(columns={"mase": "_bench"})
    m = m.merge(bench, on=["series", "intervals", "era", "horizon"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        m["skill"] = 1.0 - m["mase"] / m["_bench"]
    m = m.drop(columns="_bench")
    order = {"all": -1}
    m["_h"] = m["horizon"].map(lambda x: order.get(x, 0) or int(x))
    m["_e"] = m["era"].map(lambda x: "" if x == "all" else x)
    m = m.sort_values(["series", "intervals", "_e", "_h", "mase"]).drop(columns=["_h", "_e"])
    return m[cols].reset_index(drop=True)
