"""The recommendation rule, and the rule scored out of sample.

:attr:`BacktestResult.recommended` picks, on the whole backtest, the best
MASE among models whose calibrated coverage is acceptable. Quoting that
model's backtest score is an in-sample figure: the pick has seen every error
it is judged on. :func:`out_of_sample_picks` replays the same rule at each
origin *T* with only the errors known at *T* (forecasts whose target month is
at most *T*, calibration warm-up origins included), and the rows of the
model picked at *T* become the forecasts of a pseudo-model
:data:`SELECTION` ("recommended (out-of-sample)"), scored like any model.
With no error known yet at an origin the seasonal naive benchmark is picked
(else the first model by name).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .metrics import level_label

BENCHMARK = "snaive"
SELECTION = "recommended (out-of-sample)"
"""Model name of the out-of-sample recommendation's rows in ``metrics``."""

ACCEPTABLE_COVERAGE = {80: (0.75, 0.85), 95: (0.90, 0.98)}
"""Calibrated coverage a model needs to be recommended."""


def acceptable(rank: pd.DataFrame) -> pd.Series:
    """Models (rows of a ranking table) whose calibrated coverage is acceptable."""
    ok = pd.Series(True, index=rank.index)
    for lv, (lo, hi) in ACCEPTABLE_COVERAGE.items():
        c = f"coverage{lv}"
        if c in rank:
            ok &= rank[c].between(lo, hi)
    return ok


def pick(rank: pd.DataFrame) -> str:
    """The rule: best MASE among acceptable models, else the ensemble, else the best MASE.

    ``rank`` is sorted best MASE first (like :meth:`BacktestResult.ranking`).
    """
    ok = acceptable(rank)
    if ok.any():
        return str(rank[ok].index[0])
    if "ensemble" in rank.index:
        return "ensemble"
    return str(rank.index[0])


def _row_scores(cal: pd.DataFrame, levels) -> pd.DataFrame:
    actual = cal["actual"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "model": cal["model"].to_numpy(),
            "target": cal["target_month"].to_numpy(),
            "ae": np.abs(actual - cal["mean"].to_numpy(dtype=float)) / cal["scale_abs"].to_numpy(),
        }
    )
    for lv in levels:
        lab = level_label(lv)
        inside = (cal[f"lo{lab}"].to_numpy() <= actual) & (actual <= cal[f"hi{lab}"].to_numpy())
        out[f"coverage{lab}"] = inside.astype(float)
    return out[np.isfinite(out["ae"].to_numpy())]


def out_of_sample_picks(cal: pd.DataFrame, levels) -> dict[str, dict[pd.Timestamp, str]]:
    """Per series, the model the rule picks at each scored origin from errors known then.

    ``cal`` is the calibrated long frame with every origin (``scored`` marks
    the scored ones), ``scale_abs`` and the interval columns.
    """
    picks: dict[str, dict[pd.Timestamp, str]] = {}
    cols = ["ae"] + [f"coverage{level_label(lv)}" for lv in levels]
    for sid, g in cal.groupby("series", sort=True):
        rows = _row_scores(g, levels)
        models = sorted(g["model"].unique())
        default = BENCHMARK if BENCHMARK in models else models[0]
        origins = np.array(
            sorted(pd.to_datetime(g.loc[g["scored"].astype(bool), "origin"].unique())),
            dtype="datetime64[ns]",
        )
        # per model: running sums of the scores in target order, read at each origin
        counts = np.zeros((len(models), len(origins)))
        sums = np.zeros((len(models), len(origins), len(cols)))
        for i, mod in enumerate(models):
            r = rows[rows["model"] == mod]
            order = np.argsort(r["target"].to_numpy(), kind="stable")
            t = r["target"].to_numpy()[order].astype("datetime64[ns]")
            cum = np.vstack([np.zeros(len(cols)), np.cumsum(r[cols].to_numpy()[order], axis=0)])
            n = np.searchsorted(t, origins, side="right")
            counts[i] = n
            sums[i] = cum[n]
        out: dict[pd.Timestamp, str] = {}
        bounds = [
            (k + 1, ACCEPTABLE_COVERAGE[int(lv)])
            for k, lv in enumerate(levels)
            if float(lv).is_integer() and int(lv) in ACCEPTABLE_COVERAGE
        ]
        names = np.array(models, dtype=object)
        for j, o in enumerate(origins):
            have = counts[:, j] > 0
            if not have.any():
                out[pd.Timestamp(o)] = default
                continue
            # the rule of pick(), on arrays: models sorted by MASE (ties: by name)
            means = sums[have, j, :] / counts[have, j, None]
            order = np.argsort(means[:, 0], kind="stable")
            means, cand = means[order], names[have][order]
            ok = np.ones(len(cand), dtype=bool)
            for col, (lo, hi) in bounds:
                ok &= (means[:, col] >= lo) & (means[:, col] <= hi)
            if ok.any():
                out[pd.Timestamp(o)] = str(cand[ok][0])
            elif "ensemble" in cand:
                out[pd.Timestamp(o)] = "ensemble"
            else:
                out[pd.Timestamp(o)] = str(cand[0])
        picks[str(sid)] = out
    return picks


def selection_rows(
    frame: pd.DataFrame, picks: Mapping[str, Mapping[pd.Timestamp, str]]
) -> pd.DataFrame:
    """The rows of ``frame`` (scored origins) of the model picked at each origin, renamed
    :data:`SELECTION`."""
    if frame.empty or not picks:
        return frame.iloc[:0]
    chosen = pd.DataFrame(
        [(s, o, m) for s, d in picks.items() for o, m in d.items()],
        columns=["series", "origin", "model"],
    )
    keys = frame[["series", "origin", "model"]].copy()
    keys["origin"] = pd.to_datetime(keys["origin"])
    hit = keys.merge(chosen.assign(_pick=True), how="left", on=["series", "origin", "model"])
    mask = hit["_pick"].eq(True).to_numpy(dtype=bool)
    out = frame[mask].copy()
    out["model"] = SELECTION
    return out
