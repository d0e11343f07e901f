"""Speed of the data layer: cold ``import borderforecast; borderforecast.load()`` and warm calls.

Run: ``python benchmarks/bench_data.py``. Prints figures (wall and CPU seconds, the cold runs
measured from outside as fresh processes, and the load average); target: cold import + load well
under 1 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import header, load_average, measure, run_fresh  # noqa: E402

COLD = (
    "import time; t = time.perf_counter(); import borderforecast as bf; y = bf.load(); "
    "print(time.perf_counter() - t)"
)


PANDAS = "import time; t = time.perf_counter(); import pandas; print(time.perf_counter() - t)"


def cold(n: int = 5, code: str = COLD) -> tuple[list[float], list[float]]:
    """Inside-measured seconds of ``code`` and outside CPU seconds of each fresh process."""
    inside, cpu = [], []
    for _ in range(n):
        value, m = run_fresh(code)
        inside.append(float(value))
        cpu.append(m.cpu)
    return inside, cpu


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

    print(header())
    base, base_cpu = cold(code=PANDAS)
    print(
        f"cold import pandas alone: median {statistics.median(base):.3f} s wall "
        f"(process CPU {statistics.median(base_cpu):.3f} s incl. start-up; reference)"
    )
    runs, cpu = cold()
    print(
        f"cold import + load(): median {statistics.median(runs):.3f} s wall, max {max(runs):.3f} s "
        f"(process CPU {statistics.median(cpu):.3f} s incl. start-up)"
    )
    bf.load()
    print(f"warm load():                 {warm(bf.load) * 1e3:.1f} ms")
    print(f"warm load('sector/tucson'):  {warm(lambda: bf.load('sector/tucson')) * 1e3:.1f} ms")
    print(
        f"warm load(component='all', start='2021-10'): "
        f"{warm(lambda: bf.load(component='all', start='2021-10')) * 1e3:.1f} ms"
    )
    print(f"datasets():                  {warm(datasets, 3) * 1e3:.1f} ms")
    with measure() as m:
        t = warm(lambda: load_frame(all_sources=True), 5)
    print(f"load_frame(all): {t * 1e3:.1f} ms wall ({m.cpu / 5 * 1e3:.1f} ms CPU per call)")
    print(f"load average at the end: {load_average():.1f}")


if __name__ == "__main__":
    main()
