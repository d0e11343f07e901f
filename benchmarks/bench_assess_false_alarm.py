"""False-alarm rate of the default (combined panel) assessment test over ordinary windows.

Every 3-month window (reference = the month before) whose target year has at least
``min_placebos`` clean placebo years and that ends before Title 42 (starts Jan 2010 -
Dec 2019 on the USBP Southwest total) is assessed as if nothing were known about it: the
default panel, the era choice and the clean reference years (exactly the rule of
``assess``), the plausibility gate, the calibrated combination against the clean placebo
years, the seasonal comparison against the clean comparison years, and the verdict rule.
A "false alarm" is a verdict of ``beyond seasonality``. The rate is printed with the shock
windows in (all windows) and out (windows whose own change the shock rule of
:mod:`borderforecast.assessment.years` would screen out), for the combined test and, for
comparison, for each panel model's own calibrated test.

A placebo run of year ``j`` for window ``W`` is the same computation as the target run of
the window ``j`` years earlier (same training months, same observed months), so each
(model, window) is fitted once, with ``--paths`` sample paths (default 200, the placebo
paths of ``assess``), and reused: 6 models x 183 windows = 1,098 fits, which
``--jobs 2`` runs in parallel. ``--table FILE`` caches the fits.

Run: ``python benchmarks/bench_assess_false_alarm.py [--jobs 2] [--table fits.pkl]``.
Prints the rates, wall and CPU seconds and the load average.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd


def fit_table(y: pd.Series, models: tuple[str, ...], paths: int, jobs: int) -> pd.DataFrame:
    from joblib import Parallel, delayed

    from borderforecast.assessment.options import Window
    from borderforecast.assessment.panel import window_unit

    starts = pd.date_range("2004-10-01", "2019-12-01", freq="MS")
    wins = [Window(s, s + pd.DateOffset(months=2), s - pd.DateOffset(months=1)) for s in starts]
    res = Parallel(n_jobs=jobs)(
        delayed(window_unit)(y, w, m, paths, 0) for m in models for w in wins
    )
    rows, i = [], 0
    for m in models:
        for w in wins:
            z, p, e, imp, err = res[i]
            i += 1
            rows.append(
                {
                    "model": m,
                    "start": w.start,
                    "z": z,
                    "p_value": p,
                    "log_error": e,
                    "implied": imp,
                    "error": err,
                }
            )
    return pd.DataFrame(rows)


def assess_from_table(y, table, window, models, alpha=0.05, min_placebos=5):  # noqa: ANN001
    """The default test of ``window`` rebuilt from precomputed fits: (verdict, per-model)."""
    from borderforecast.assessment.core import reference
    from borderforecast.assessment.empirical import empirical
    from borderforecast.assessment.options import AssessOptions
    from borderforecast.assessment.panel import combine, model_run
    from borderforecast.assessment.verdict import decide

    _, ry, _ = reference(y, window, AssessOptions(alpha=alpha, min_placebos=min_placebos))
    shifts = {int(v) for v in ry.frame.loc[ry.frame["comparison"], "shift"]}
    emp = empirical(y, window, shifts=shifts)
    changes = ry.frame.loc[ry.frame["comparison"], "change"].to_numpy()
    pw = ry.placebo_windows()
    raw = []
    for m in models:
        t = table[table["model"] == m].set_index("start")
        tgt = t.loc[window.start]
        pl = t.loc[[w.start for w in pw]]
        frame = pd.DataFrame(
            {
                "z": pl["z"].to_numpy(),
                "p_value": pl["p_value"].to_numpy(),
                "log_error": pl["log_error"].to_numpy(),
                "error": pl["error"].to_numpy(),
            },
            index=pd.Index([w.end.year for w in pw], name="year"),
        )
        raw.append(
            model_run(m, None, tgt["error"], frame, tgt["z"], tgt["implied"], changes, alpha)
        )
    pan = combine(raw, changes, alpha)
    if pan.n_years < min_placebos or not np.isfinite(pan.calibrated_p):
        return "inconclusive", {}, ry, emp
    verdict = decide(pan.calibrated_p, pan.direction, emp.robust_z, alpha).verdict
    alone = {}
    for r in pan.runs:
        if r.error:
            continue
        direction = "decline" if r.z < 0 else "rise"
        alone[r.model] = decide(r.calibrated_p, direction, emp.robust_z, alpha).verdict
    return verdict, alone, ry, emp


def is_shock(ry, emp, shock_z: float = 3.5) -> bool:  # noqa: ANN001
    """Would the window's own change be screened as a shock among its clean earlier years?"""
    from borderforecast.assessment.panel import robust_z_of

    changes = ry.frame.loc[ry.frame["comparison"], "change"].to_numpy()
    return bool(abs(robust_z_of(emp.change, changes)) > shock_z)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--paths", type=int, default=200)
    ap.add_argument("--table", default=None, help="cache of the fits (pickle)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import borderforecast as bf
    from borderforecast.assessment.options import DEFAULT_MODELS, Window

    t0, c0 = time.perf_counter(), time.process_time()
    y = bf.load().astype(float)
    if args.table and os.path.exists(args.table):
        table = pd.read_pickle(args.table)
    else:
        table = fit_table(y, DEFAULT_MODELS, args.paths, args.jobs)
        if args.table:
            table.to_pickle(args.table)
    t_fit = time.perf_counter() - t0
    rows = []
    for s in pd.date_range("2010-01-01", "2019-12-01", freq="MS"):
        w = Window(s, s + pd.DateOffset(months=2), s - pd.DateOffset(months=1))
        verdict, alone, ry, emp = assess_from_table(y, table, w, DEFAULT_MODELS)
        rows.append(
            {
                "start": s,
                "verdict": verdict,
                "shock": is_shock(ry, emp),
                **{f"alone_{k}": v for k, v in alone.items()},
            }
        )
    res = pd.DataFrame(rows)

    def rate(frame: pd.DataFrame, col: str) -> str:
        hits = frame[col].astype(str).str.startswith("beyond")
        return f"{100 * hits.mean():5.1f}% ({int(hits.sum())}/{len(frame)})"

    ordinary = res[~res["shock"]]
    print(
        f"windows: {len(res)} three-month windows starting 2010-01..2019-12 "
        f"({int(res['shock'].sum())} are shock windows)"
    )
    print(f"{'test':28s} {'shock years in':>20s} {'shock years out':>20s}")
    print(
        f"{'combined panel (default)':28s} {rate(res, 'verdict'):>20s} "
        f"{rate(ordinary, 'verdict'):>20s}"
    )
    for m in DEFAULT_MODELS:
        col = f"alone_{m}"
        if col in res:
            print(f"{m + ' alone':28s} {rate(res, col):>20s} {rate(ordinary, col):>20s}")
    fired = res[res["verdict"].str.startswith("beyond")]
    print("combined test fired in:", ", ".join(f"{s:%Y-%m}" for s in fired["start"]) or "none")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"fits: {t_fit:.1f} s wall; total {wall:.1f} s wall, {cpu:.1f} s CPU (this process; "
        f"worker processes not counted); load average {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
