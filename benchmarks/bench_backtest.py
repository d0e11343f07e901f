"""Benchmark of the backtest engine (not a test: it prints figures).

Measures, on the USBP Southwest total:

1. the wall time of the default full monthly backtest of the whole model zoo
   (every spec in ``models/``, origins 2011-12 .. last-h, h = 12, calibration
   warm-up included) on local processes, starting from an empty cache; the
   series is cut one month short so that step 2 can append it;
2. fits per second per model (wall and CPU seconds per fit, inside workers);
3. the wall time of the incremental rerun after appending that one month
   (the cache holds every earlier origin: only the new origin is fitted).

Targets (issue 4): (1) <= 120 s on 2 cores; (3) <= 5 s.

Usage::

    python benchmarks/bench_backtest.py [--jobs 2] [--models snaive ets ...] [--step 1]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--models", nargs="*", default=None, help="model names (default: all)")
    parser.add_argument("--step", type=int, default=1, help="months between origins (default 1)")
    parser.add_argument(
        "--learned-ensemble", action="store_true", help="add the 1/MASE-weighted ensemble"
    )
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="bf-bench-")
    os.environ["BORDERFORECAST_HOME"] = home  # an empty cache, not the user's

    import borderforecast as bf
    from borderforecast.backtesting import BacktestOptions, backtest

    y = bf.load()
    before = y.iloc[:-1].copy()
    before.attrs.update(y.attrs)
    engine = "processes" if args.jobs != 1 else "sequential"
    opts = BacktestOptions(
        engine=engine, jobs=args.jobs, step=args.step, learned_ensemble=args.learned_ensemble
    )
    print(
        f"borderforecast {bf.__version__}; data release {y.attrs.get('release')}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; engine {engine} "
        f"x {args.jobs}"
    )

    t0 = time.perf_counter()
    full = backtest(before, models=args.models, options=opts)
    wall_full = time.perf_counter() - t0
    info = full.info
    n_origins = full.forecasts["origin"].nunique()
    print(
        f"\n1. Full backtest ({before.index[-1]:%Y-%m} data): {len(info['models'])} models x "
        f"{n_origins} origins (+{info['series']['southwest']['warmup_origins']} warm-up) = "
        f"{info['units']} units, {info['fits']} fitted, {info['combined']} combined from "
        f"members, {info['failed']} failed"
    )
    print(
        f"   wall time {wall_full:.1f} s (target <= 120 s; "
        f"fitting {info['timings']['fit_wall_seconds']:.1f} s)"
    )

    print("\n2. Fits per model (seconds measured inside the workers)")
    print(
        f"   {'model':<13}{'fits':>6}{'wall s/fit':>12}{'cpu s/fit':>11}{'fits/s':>9}{'failed':>8}"
    )
    per = info["timings"]["per_model"]
    for name, d in sorted(per.items(), key=lambda kv: -(kv[1]["fit_seconds"] or 0)):
        spf = d["seconds_per_fit"]
        cpf = d["cpu_seconds_per_fit"]
        rate = f"{1 / spf:9.1f}" if spf else f"{'-':>9}"
        print(
            f"   {name:<13}{d['fits']:>6}{(spf or 0):>12.3f}{(cpf or 0):>11.3f}{rate}"
            f"{d['failed']:>8}"
        )

    t0 = time.perf_counter()
    inc = backtest(y, models=args.models, options=opts)
    wall_inc = time.perf_counter() - t0
    print(
        f"\n3. Incremental rerun after appending {y.index[-1]:%Y-%m}: {inc.info['fits']} fitted, "
        f"{inc.info['cached']} from cache, {inc.info['combined']} combined; wall time "
        f"{wall_inc:.1f} s (target <= 5 s)"
    )

    print("\nRanking (calibrated intervals; raw coverage in raw_coverage*):")
    cols = [
        "mase",
        "rmsse",
        "smape",
        "coverage80",
        "coverage95",
        "raw_coverage80",
        "raw_coverage95",
        "winkler80",
        "winkler95",
        "skill",
    ]
    print(inc.ranking()[cols].round(3).to_string())
    m = inc.metrics
    era = m[(m["horizon"] == "all") & (m["era"] != "all")]
    print("\nCoverage by era:")
    print(
        era.pivot_table(
            index="model", columns=["intervals", "era"], values=["coverage80", "coverage95"]
        )
        .round(3)
        .to_string()
    )
    rec = inc.recommended
    print(f"\nRecommended: {rec.model} ({rec.reason})")


if __name__ == "__main__":
    main()
