"""Benchmark of many-series backtests (not a test: it prints figures).

1. ``--all``: a backtest over every bundled series (quarterly origins, snaive and ets,
   local processes) completes; prints how many series ran, how many were skipped and
   the reasons by kind.
2. ``--engines``: the same backtest of the first ``--n`` series (sectors, demographics,
   citizenships...) on local processes and on dask (a ``LocalCluster`` with as many
   single-threaded workers as ``--jobs``); prints wall and CPU seconds of each and checks
   that both give identical forecasts.

Every figure comes with the load average: timings measured on a busy machine are not
final figures.

Usage::

    python benchmarks/bench_many_series.py --all
    python benchmarks/bench_many_series.py --engines --n 20 --jobs 2
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import time
import warnings


def _run(ids: list[str], models: list[str], **settings: object):  # type: ignore[no-untyped-def]
    import borderforecast as bf

    w0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.DataWarning)
        res = bf.backtest(None, models=models, series=ids, step=3, cache=False, **settings)
    return res, time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="every bundled series")
    parser.add_argument("--engines", action="store_true", help="processes vs dask LocalCluster")
    parser.add_argument("--n", type=int, default=20, help="series for --engines (default 20)")
    parser.add_argument("--jobs", type=int, default=2, help="workers (default 2)")
    parser.add_argument("--models", nargs="+", default=["snaive", "ets"])
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from borderforecast.data import series_ids

    ids = series_ids()
    print(f"{os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.1f}")
    if args.all:
        res, wall, cpu = _run(ids, args.models, engine="processes", jobs=args.jobs)
        kinds = collections.Counter(
            re.sub(r"series '[^']*'", "series", v).split(":")[0] for v in res.skipped.values()
        )
        print(
            f"all {len(ids)} series: {len(res.series)} ran, {len(res.skipped)} skipped, "
            f"{len(res.errors)} failed cells; wall {wall:.1f} s, CPU (parent) {cpu:.1f} s, "
            f"load {os.getloadavg()[0]:.1f}"
        )
        for kind, n in kinds.most_common():
            print(f"  skipped {n:3d}: {kind}")
    if args.engines:
        from dask.distributed import LocalCluster

        runnable = [s for s in ids if s.startswith(("sector/", "demographic/"))] + ids
        chosen = list(dict.fromkeys(runnable))[: args.n]
        proc, pw, pc = _run(chosen, args.models, engine="processes", jobs=args.jobs)
        print(
            f"processes ({args.jobs} workers), {len(chosen)} series: wall {pw:.1f} s, "
            f"CPU (parent) {pc:.1f} s, load {os.getloadavg()[0]:.1f}"
        )
        t0 = time.perf_counter()
        with LocalCluster(
            n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            start = time.perf_counter() - t0
            dask, dw, dc = _run(
                chosen, args.models, engine="dask", scheduler=cluster.scheduler_address
            )
            print(
                f"dask LocalCluster ({args.jobs} workers; cluster start {start:.1f} s "
                f"not included), {len(chosen)} series: wall {dw:.1f} s, "
                f"CPU (parent) {dc:.1f} s, load {os.getloadavg()[0]:.1f}"
            )
        same = proc.forecasts.reset_index(drop=True).equals(dask.forecasts.reset_index(drop=True))
        print(f"dask / processes wall ratio {dw / pw:.2f}; identical forecasts: {same}")


if __name__ == "__main__":
    main()
