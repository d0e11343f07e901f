"""Time the 2019 assessment of the USBP Southwest total (target: a few seconds to ~20 s).

Run: ``python benchmarks/bench_assess.py [--jobs 2] [--model NAME]``. Prints the
seconds each line of evidence took with default options, and the verdict.
"""

from __future__ import annotations

import argparse
import time

import borderforecast as bf
from borderforecast.assessment import assess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1, help="placebo workers (default 1)")
    parser.add_argument("--model", action="append", default=None, help="counterfactual model(s)")
    parser.add_argument("--start", default="2019-06")
    parser.add_argument("--end", default="2019-08")
    parser.add_argument("--reference", default="2019-05")
    args = parser.parse_args()
    y = bf.load()
    t0 = time.perf_counter()
    a = assess(y, args.start, args.end, args.reference, models=args.model, n_jobs=args.jobs)
    wall = time.perf_counter() - t0
    print(f"{a.series}: {a.window.label()} vs {a.window.reference:%Y-%m}")
    n_placebo = a.placebo.n_years if a.placebo else 0
    print(f"model: {a.counterfactual.model}; placebo years: {n_placebo}")
    for name, sec in a.timings.items():
        print(f"  {name:<15} {sec:7.2f} s")
    print(f"  {'wall':<15} {wall:7.2f} s  (n_jobs={args.jobs})")
    print(f"verdict: {a.verdict}")


if __name__ == "__main__":
    main()
