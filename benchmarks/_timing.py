"""Shared measuring helpers of the benchmark scripts (not part of the package).

Every figure a benchmark prints is a :class:`Measure`: wall seconds, CPU
seconds of this process *and* of its descendant processes (worker pools,
fresh interpreters started with :func:`run_fresh`), and the 1-minute load
average at the start and the end. CPU seconds are the robust figure on a busy
machine; wall seconds are only comparable at the same load.

Descendants' CPU: ``getrusage(RUSAGE_CHILDREN)`` counts only children that have
exited and been waited for, not the workers a pool keeps alive for reuse (loky's,
joblib's); with psutil installed those live descendants are sampled at the start
and the end of the block too. Without psutil the printed line says they are missing.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

try:
    import psutil
except ImportError:  # then live workers' CPU is not counted (said in every Measure)
    psutil = None


def _live_descendants_cpu() -> float:
    """CPU seconds so far of the live descendant processes (and of the children they reaped)."""
    total = 0.0
    for proc in psutil.Process().children(recursive=True) if psutil else ():
        try:
            t = proc.cpu_times()
        except psutil.Error:  # exited meanwhile: counted once reaped, by RUSAGE_CHILDREN
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of every descendant: reaped ones (rusage) plus live
    ones (psutil), so a worker reaped during a block is counted once."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime + _live_descendants_cpu()


def load_average() -> float:
    """The 1-minute load average (NaN where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


@dataclass
class Measure:
    """Wall and CPU seconds of one measured block."""

    wall: float = 0.0
    cpu_self: float = 0.0
    cpu_children: float = 0.0
    load_start: float = float("nan")
    load_end: float = float("nan")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        return self.cpu_self + self.cpu_children

    def __str__(self) -> str:
        return (
            f"wall {self.wall:.2f} s, CPU {self.cpu:.2f} s "
            f"(this process {self.cpu_self:.2f} + child processes {self.cpu_children:.2f}"
            f"{'' if psutil else ', live workers not counted: no psutil'}), "
            f"load {self.load_start:.1f}->{self.load_end:.1f}"
        )


@contextmanager
def measure() -> Iterator[Measure]:
    """``with measure() as m: ...``; descendants' CPU as the module docstring says."""
    m = Measure(load_start=load_average())
    s0, c0 = _cpu()
    t0 = time.perf_counter()
    try:
        yield m
    finally:
        m.wall = time.perf_counter() - t0
        s1, c1 = _cpu()
        m.cpu_self, m.cpu_children = s1 - s0, c1 - c0
        m.load_end = load_average()


def timed(fn: Callable[[], Any]) -> tuple[Any, Measure]:
    """Call ``fn()`` and measure it."""
    with measure() as m:
        out = fn()
    return out, m


def run_fresh(code: str, env: dict[str, str] | None = None) -> tuple[Any, Measure]:
    """Run ``code`` in a fresh interpreter and measure it from the outside.

    The code may print one JSON object on its last stdout line; it is returned
    (``None`` otherwise). The measure includes the interpreter start-up, every
    import and every worker process the code starts.
    """
    full_env = {**os.environ, **(env or {})}
    with measure() as m:
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=full_env
        )
    if run.returncode != 0:
        raise RuntimeError(f"fresh process failed ({run.returncode}):\n{run.stderr[-3000:]}")
    lines = run.stdout.strip().splitlines()
    try:
        payload = json.loads(lines[-1]) if lines else None
    except ValueError:
        payload = None
    return payload, m


def header() -> str:
    """One line naming the machine state (CPUs, load, BLAS threads)."""
    threads = {k: os.environ.get(k, "unset") for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    return (
        f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average "
        f"{load_average():.1f}; " + ", ".join(f"{k}={v}" for k, v in threads.items())
    )
