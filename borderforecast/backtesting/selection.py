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

from .metrics import error_table, mase, winkler
from .recommend import HORIZON_WEIGHTS, decide, incumbent, joint_score, paired_ts
from .scoring import BENCHMARK  # noqa: F401 - the report's benchmark model, named once

SELECTION = "recommended (out-of-sample)"
"""Model name of the out-of-sample recommendation's rows in ``metrics``."""


def out_of_sample_picks(cal: pd.DataFrame, levels, lag: int) -> dict[str, dict[pd.Timestamp, str]]:
    """Per series, the model the rule picks at each scored origin from errors known then.

    ``cal`` is the calibrated long frame with every origin (``scored`` marks
    the scored ones), ``scale_abs`` and the interval columns. At each origin the
    rule of :func:`~borderforecast.backtesting.recommend.recommend` runs on the
    known errors: weighted MASE (each horizon's mean absolute scaled error), MSIS95
    over the calibrated rows (the rule does not judge the models' own intervals, those of the
    warm-up origins) and the paired test against the incumbent with ``lag`` lags (no
    calibrated row known: the incumbent, else the first model by name).
    """
    picks: dict[str, dict[pd.Timestamp, str]] = {}
    for sid, g in cal.groupby("series", sort=True):
        g = g[np.isfinite(mase(g))]
        msis = np.where(g["calibrated"].to_numpy(bool), winkler(g, level=max(levels)), np.nan)
        errors = error_table(g)
        models = [str(m) for m in errors.columns]
        v = (
            g.assign(v=msis)
            .pivot_table(index=errors.index.names, columns="model", values="v", aggfunc="first")
            .reindex(errors.index, columns=models)
        )
        inc = incumbent(models)
        o_at, h_at = (errors.index.get_level_values(k) for k in ("origin", "horizon"))
        target = (o_at.year * 12 + o_at.month + h_at).to_numpy()
        e, v = errors.to_numpy(dtype=float), v.to_numpy(dtype=float)
        everyone = np.ones(len(models), dtype=bool)  # the replay judges no next-month forecast
        out: dict[pd.Timestamp, str] = {}
        for o in sorted(pd.to_datetime(g.loc[g["scored"].astype(bool), "origin"].unique())):
            k = target <= o.year * 12 + o.month
            means = pd.DataFrame(e[k]).groupby(h_at[k]).mean()
            wk = np.array([HORIZON_WEIGHTS.get(int(h), 1.0) for h in means.index])[:, None]
            means = means.to_numpy()
            n = np.isfinite(v[k]).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                wmase = np.nansum(wk * means, axis=0) / np.sum(wk * np.isfinite(means), axis=0)
                joint = joint_score(wmase, np.nansum(v[k], axis=0) / n)
            best = decide(wmase, joint, n, everyone, inc, paired_ts(errors, lag, k))
            out[pd.Timestamp(o)] = models[best] if n.any() else models[inc or 0]
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
