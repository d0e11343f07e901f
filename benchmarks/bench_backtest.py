"""Benchmark of the backtest engine (not a test: it prints figures).

Measures, on the USBP Southwest total, each step as a *fresh process* (so the
figures include interpreter start-up, imports and cache loading, as a user
running ``borderforecast backtest`` sees them):

1. the default full monthly backtest of the model zoo (every spec in
   ``models/``, origins 2011-12 .. last-h, h = 12, calibration warm-up
   included) on ``--jobs`` local processes, starting from an empty cache; the
   series is cut one month short so that step 2 can append it;
2. fits per model (wall and CPU seconds per fit, measured inside the workers);
3. the incremental rerun after appending that one month (the cache holds
   every earlier origin: only the new origin is fitted), again a fresh process;
4. the same rerun once more, with nothing left to fit: the fixed cost of a
   run (start-up, imports, cache reads, calibration, scoring).

Every figure gives wall seconds, CPU seconds (this process plus its child
processes, i.e. the fresh interpreter and its workers) and the load average.
On a busy machine compare CPU seconds; wall seconds only at the same load.

Targets (issue 14): (1) <= 120 s wall on 2 cores; (3) <= 5 s wall.

Usage::

    python benchmarks/bench_backtest.py [--jobs 2] [--models snaive ets ...] [--step 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import header, run_fresh  # noqa: E402

CHILD = """
import json, os, sys
settings = json.loads(os.environ["BF_BENCH"])
import borderforecast as bf
from borderforecast.backtesting import BacktestOptions, backtest
y = bf.load()
if settings["drop_last"]:
    attrs = dict(y.attrs)
    y = y.iloc[:-1].copy()
    y.attrs.update(attrs)
opts = BacktestOptions(engine=settings["engine"], jobs=settings["jobs"], step=settings["step"],
                       learned_ensemble=settings["learned"])
res = backtest(y, models=settings["models"], options=opts)
out = {"info": res.info, "last": f"{y.index[-1]:%Y-%m}",
       "origins": int(res.forecasts["origin"].nunique())}
if settings["ranking"]:
    cols = ["mase", "rmsse", "coverage80", "coverage95", "winkler95", "skill"]
    out["ranking"] = res.ranking()[cols].round(3).to_string()
    out["recommended"] = f"{res.recommended.model} ({res.recommended.reason})"
    sel = getattr(res, "selection_score", None)
    if sel is not None:
        out["selection"] = sel().round(3).to_string()
print(json.dumps(out, default=str))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--models", nargs="*", default=None, help="model names (default: all)")
    parser.add_argument("--step", type=int, default=1, help="months between origins (default 1)")
    parser.add_argument(
        "--learned-ensemble", action="store_true", help="add the 1/MASE-weighted ensemble"
    )
    parser.add_argument("--no-ranking", action="store_true", help="skip the ranking table")
    parser.add_argument(
        "--home", default=None, help="reuse this BORDERFORECAST_HOME (default: a new empty one)"
    )
    parser.add_argument(
        "--incremental-only", action="store_true", help="skip step 1 (needs --home of a full run)"
    )
    args = parser.parse_args()

    home = args.home or tempfile.mkdtemp(prefix="bf-bench-")  # an empty cache, not the user's
    engine = "processes" if args.jobs != 1 else "sequential"
    settings = {
        "engine": engine,
        "jobs": args.jobs,
        "step": args.step,
        "models": args.models,
        "learned": args.learned_ensemble,
        "drop_last": True,
        "ranking": False,
    }
    env = {"BORDERFORECAST_HOME": home, "BF_BENCH": json.dumps(settings)}
    print(header())
    print(f"engine {engine} x {args.jobs}; every step below is a fresh process; home {home}")
    if not args.incremental_only:
        full_step(env)
    settings.update(drop_last=False, ranking=not args.no_ranking)
    env["BF_BENCH"] = json.dumps(settings)
    incremental_step(env)
    settings.update(ranking=False)
    env["BF_BENCH"] = json.dumps(settings)
    again, m_again = run_fresh(CHILD, env)
    print(f"\n4. The same rerun again (fresh process, {again['info']['fits']} fitted): {m_again}")
    print(f"   of which the run itself {again['info']['timings']['wall_seconds']:.2f} s wall")


def full_step(env: dict[str, str]) -> None:
    full, m_full = run_fresh(CHILD, env)
    info = full["info"]
    print(
        f"\n1. Full backtest ({full['last']} data, empty cache): {len(info['models'])} models x "
        f"{full['origins']} origins (+{info['series']['southwest']['warmup_origins']} warm-up) = "
        f"{info['units']} units, {info['fits']} fitted, {info['combined']} combined from "
        f"members, {info['failed']} failed"
    )
    print(f"   {m_full}  (target <= 120 s wall on 2 cores)")
    print(f"   of which fitting {info['timings']['fit_wall_seconds']:.1f} s wall inside the run")

    print("\n2. Fits per model (seconds measured inside the workers)")
    print(
        f"   {'model':<13}{'fits':>6}{'wall s/fit':>12}{'cpu s/fit':>11}{'cpu s':>9}{'failed':>8}"
    )
    per = info["timings"]["per_model"]
    for name, d in sorted(per.items(), key=lambda kv: -(kv[1]["cpu_seconds"] or 0)):
        print(
            f"   {name:<13}{d['fits']:>6}{(d['seconds_per_fit'] or 0):>12.3f}"
            f"{(d['cpu_seconds_per_fit'] or 0):>11.3f}{d['cpu_seconds']:>9.1f}{d['failed']:>8}"
        )


def incremental_step(env: dict[str, str]) -> None:
    inc, m_inc = run_fresh(CHILD, env)
    i2 = inc["info"]
    print(
        f"\n3. Incremental rerun after appending {inc['last']} (fresh process): {i2['fits']} "
        f"fitted, {i2['cached']} from cache, {i2['combined']} combined"
    )
    print(f"   {m_inc}  (target <= 5 s wall)")
    print(f"   of which the run itself {i2['timings']['wall_seconds']:.2f} s wall")
    if "ranking" in inc:
        print("\nRanking (calibrated intervals):")
        print(inc["ranking"])
        print(f"\nRecommended: {inc['recommended']}")
        if "selection" in inc:
            print("\nThe recommendation procedure scored out of sample:")
            print(inc["selection"])


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    main()
