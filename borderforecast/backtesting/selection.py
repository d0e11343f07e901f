"""The recommendation rule scored out of sample.

Quoting the backtest score of :attr:`BacktestResult.recommended` is in-sample: the pick saw
every error it is judged on. :func:`out_of_sample_picks` replays the rule of :mod:`.recommend`
at each origin *T* with only the errors known at *T* (target month <= *T*, warm-up origins
included); the picked models' forecasts form the pseudo-model :data:`SELECTION`, scored like any
model (the incumbent where nothing is known yet, else the first model by name).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .metrics import mase, winkler
from .recommend import HORIZON_WEIGHTS, decide, incumbent, joint_score
from .scoring import BENCHMARK  # noqa: F401 - the report's benchmark model, named once

SELECTION = "recommended (out-of-sample)"
"""Model name of the out-of-sample recommendation's rows in ``metrics``."""


def _row_scores(cal: pd.DataFrame, levels) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "model": cal["model"].to_numpy(),
            "target": cal["target_month"].to_numpy(),
            "horizon": cal["horizon"].to_numpy(dtype=int),
            "ae": mase(cal),  # the absolute scaled error of each row
        }
    )
    # the widest interval's score, as scores(), only where the interval was calibrated: the
    # rule does not judge the models' own intervals (those of the warm-up origins)
    calibrated = cal["calibrated"].to_numpy(dtype=bool)
    out["msis"] = np.where(calibrated, winkler(cal, level=max(levels)), np.nan)
    return out[np.isfinite(out["ae"].to_numpy())]


def _known(t: np.ndarray, v: np.ndarray, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running count and sums of the rows ``v`` whose target ``t`` is at most each origin."""
    order = np.argsort(t, kind="stable")
    cum = np.vstack([np.zeros(v.shape[1]), np.cumsum(v[order], axis=0)])
    n = np.searchsorted(t[order].astype("datetime64[ns]"), origins, side="right")
    return n, cum[n]


def out_of_sample_picks(cal: pd.DataFrame, levels) -> dict[str, dict[pd.Timestamp, str]]:
    """Per series, the model the rule picks at each scored origin from errors known then.

    ``cal`` is the calibrated long frame with every origin (``scored`` marks
    the scored ones), ``scale_abs`` and the interval columns. At each origin the
    rule of :func:`~borderforecast.backtesting.recommend.recommend` runs on the
    known errors: weighted MASE (each horizon's mean absolute scaled error) and MSIS95
    over the calibrated rows (none known: the incumbent).
    """
    picks: dict[str, dict[pd.Timestamp, str]] = {}
    for sid, g in cal.groupby("series", sort=True):
        rows = _row_scores(g, levels)
        models = sorted(g["model"].unique())
        inc = incumbent(models)
        default = models[inc] if inc is not None else models[0]
        origins = np.array(
            sorted(pd.to_datetime(g.loc[g["scored"].astype(bool), "origin"].unique())),
            dtype="datetime64[ns]",
        )
        horizons = sorted(rows["horizon"].unique())
        w = np.array([HORIZON_WEIGHTS.get(int(k), 1.0) for k in horizons])
        wmase = np.full((len(models), len(origins)), np.nan)
        msis = np.full((len(models), len(origins)), np.nan)
        known = np.zeros((len(models), len(origins)))
        for i, mod in enumerate(models):
            r = rows[rows["model"] == mod]
            c = r[np.isfinite(r["msis"].to_numpy())]
            n, sums = _known(c["target"].to_numpy(), c[["msis"]].to_numpy(dtype=float), origins)
            known[i] = n
            with np.errstate(invalid="ignore", divide="ignore"):
                msis[i] = sums[:, 0] / n
                means = np.full((len(horizons), len(origins)), np.nan)
                for j, hk in enumerate(horizons):
                    rk = r[r["horizon"] == hk]
                    nk, sk = _known(rk["target"].to_numpy(), rk[["ae"]].to_numpy(), origins)
                    means[j] = np.where(nk > 0, sk[:, 0] / np.maximum(nk, 1), np.nan)
                ok = np.isfinite(means)
                wmase[i] = np.nansum(w[:, None] * means, axis=0) / np.sum(w[:, None] * ok, axis=0)
        joint = joint_score(wmase, msis)
        everyone = np.ones(len(models), dtype=bool)
        out: dict[pd.Timestamp, str] = {}
        for j, o in enumerate(origins):
            best = decide(wmase[:, j], joint[:, j], known[:, j], everyone, inc)
            out[pd.Timestamp(o)] = str(models[best]) if known[:, j].any() else default
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
