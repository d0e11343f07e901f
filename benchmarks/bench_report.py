"""Benchmark the monthly report: cold (fresh home and caches) and warm (the same month again).

Targets (2 cores, idle machine): cold at most 25 s, warm at most 8 s wall. Prints wall seconds,
CPU seconds (user + system of the report process and its workers) and the load average before
each run, so a figure measured on a busy machine can be judged (and rerun on a quiet one).

    python benchmarks/bench_report.py                  # southwest, the default report
    python benchmarks/bench_report.py --series sector/tucson --jobs 1
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(label: str, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    load = os.getloadavg()
    c0, t0 = _cpu(), time.perf_counter()
    res = subprocess.run(args, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    if res.returncode != 0:
        sys.exit(f"{label} report failed ({res.returncode}):\n{res.stderr[-3000:]}")
    print(
        f"{label:<5} wall {wall:6.1f} s   CPU {cpu:6.1f} s   "
        f"load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )
    return wall, cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", default=None)
    p.add_argument("--month", default=None)
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: the CLI's)")
    a = p.parse_args()
    env = dict(os.environ)
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(k, "1")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env["BORDERFORECAST_HOME"] = str(home)
        base = [sys.executable, "-c", "import sys; from borderforecast.cli import main; "
                "sys.exit(main())", "report", "--home", str(home)]
        for flag, v in (("--series", a.series), ("--month", a.month), ("--jobs", a.jobs)):
            if v is not None:
                base += [flag, str(v)]
        print(f"cores: {os.cpu_count()}; {' '.join(base[3:])}")
        cold = run("cold", [*base, "--out", str(Path(tmp) / "cold")], env)
        warm = run("warm", [*base, "--out", str(Path(tmp) / "warm")], env)
        print(f"targets: cold <= 25 s, warm <= 8 s wall; measured {cold[0]:.1f} s and "
              f"{warm[0]:.1f} s")


if __name__ == "__main__":
    main()
