"""Speed of the data layer: cold ``import borderforecast; borderforecast.load()`` and warm calls.

Run: ``python benchmarks/bench_data.py``. Prints figures; target: cold import + load well under 1 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

COLD = (
    "import time; t = time.perf_counter(); import borderforecast as bf; y = bf.load(); "
    "print(time.perf_counter() - t)"
)


PANDAS = "import time; t = time.perf_counter(); import pandas; print(time.perf_counter() - t)"


def cold(n: int = 5, code: str = COLD) -> list[float]:
    out = []
    for _ in range(n):
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        out.append(float(run.stdout))
    return out


def warm(fn, n: int = 20) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    import borderforecast as bf
    from borderforecast.data import datasets, load_frame

    base = cold(code=PANDAS)
    print(f"cold import pandas alone: median {statistics.median(base):.3f} s (reference)")
    runs = cold()
    print(f"cold import + load(): median {statistics.median(runs):.3f} s, max {max(runs):.3f} s")
    bf.load()
    print(f"warm load():                 {warm(bf.load) * 1e3:.1f} ms")
    print(f"warm load('sector/tucson'):  {warm(lambda: bf.load('sector/tucson')) * 1e3:.1f} ms")
    print(
        f"warm load(component='all', start='2021-10'): "
        f"{warm(lambda: bf.load(component='all', start='2021-10')) * 1e3:.1f} ms"
    )
    print(f"datasets():                  {warm(datasets, 3) * 1e3:.1f} ms")
    print(f"load_frame(all): {warm(lambda: load_frame(all_sources=True), 5) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
