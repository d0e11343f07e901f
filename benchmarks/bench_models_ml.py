"""Time a fit + 24-month forecast of prophet, gbm and ensemble (target: ~1 s each for prophet, gbm).

Run: ``python benchmarks/bench_models_ml.py [--repeat 3] [--model NAME ...]``. Uses the
USBP Southwest total (311 months). Prints the median wall-clock and CPU seconds of the
fit + forecast (CPU excludes Stan and X-13 subprocesses), after one warm-up run that
pays for imports.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import borderforecast as bf
from borderforecast.models.registry import make_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", action="append", default=None)
    args = parser.parse_args()
    y = bf.load()
    names = args.model or ["prophet", "gbm", "ensemble"]
    print(f"series: {y.name}, {len(y)} months")
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make_model(name).fit(y).forecast(24)  # warm-up: imports, compiled caches
            walls, cpus = [], []
            for _ in range(args.repeat):
                w0, c0 = time.perf_counter(), time.process_time()
                make_model(name).fit(y).forecast(24)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
        print(
            f"  {name:<10} fit+forecast: wall {statistics.median(walls):6.3f} s, "
            f"cpu {statistics.median(cpus):6.3f} s"
        )


if __name__ == "__main__":
    main()
