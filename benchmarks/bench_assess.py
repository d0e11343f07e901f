"""Time the default assessment (the six-model panel x its clean placebo years) of one window.

Target: under 15 s wall on 2 cores for one window with default options.

Run: ``python benchmarks/bench_assess.py [--jobs 1 2] [--window 2019-06:2019-08:2019-05 ...]``.
For each window and each ``--jobs`` value prints the seconds each line of evidence took,
the wall seconds, the CPU seconds (this process plus its worker processes, counted after the
workers are shut down), the number of fits, the verdict and strength, and the load average
(a figure measured on a busy machine is not a final figure).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import warnings

import borderforecast as bf
from borderforecast.assessment import assess

WINDOWS = ("2019-06:2019-08:2019-05", "2024-06:2024-09:2024-05", "2025-02:2025-08:2025-01")


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def shutdown_workers() -> None:
    """Stop joblib's reusable worker processes so their CPU time is counted."""
    try:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
    except Exception:  # noqa: BLE001 - nothing to shut down
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--window", nargs="+", default=list(WINDOWS), help="start:end:reference")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    y = bf.load()
    assess(y, "2019-06", "2019-06", n_paths=50, placebo=False, models="snaive", x13=False)
    for spec in args.window:
        start, end, ref = spec.split(":")
        for jobs in args.jobs:
            c0, t0 = cpu_seconds(), time.perf_counter()
            a = assess(y, start, end, ref, n_jobs=jobs)
            wall = time.perf_counter() - t0
            shutdown_workers()
            cpu = cpu_seconds() - c0
            n_fits = len(a.panel.runs) * (1 + len(a.years_used["placebo"]))
            print(f"{a.window.label()} vs {a.window.reference:%Y-%m}, n_jobs={jobs}: "
                  f"{a.verdict} ({a.strength} evidence)")
            print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in a.timings.items()))
            print(f"  wall {wall:.2f} s, CPU {cpu:.2f} s, {n_fits} fits "
                  f"({len(a.panel.runs)} models x {1 + len(a.years_used['placebo'])} windows); "
                  f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
