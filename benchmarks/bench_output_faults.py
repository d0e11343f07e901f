"""Output folders under kill -9 and concurrent writers (separate processes), beside a user's files.

Run: ``python benchmarks/bench_output_faults.py [--kills 8] [--trials 3] [--writers 3]``.
The sibling of ``bench_store_faults.py`` (the data store), for what the package writes
into a folder the user names:

* **report kill loop**: ``report`` (fast settings, warm caches) into a folder that also
  holds the user's own files is started as a new process and killed with SIGKILL after
  a random delay (seeded). After every kill: the user's files are byte-identical, and the
  report's files are one complete report (every file its manifest lists exists; the
  HTML and Markdown carry the same ``Generated at`` line, i.e. come from one run),
  once the next write has finished any committed stage.
* **backtest kill loop**: the same for ``backtest --out`` (forecasts.csv, metrics.csv,
  run.json from one run: run.json's origins agree with forecasts.csv).
* **concurrent report writers**: ``writers`` processes write a report into one folder
  at the same moment; every one must succeed and the folder must hold one complete
  report and the user's files.

Prints tried / consistent counts, wall and CPU seconds and the load average.
Target: every kill and every trial consistent, no user file lost.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

print = functools.partial(print, flush=True)  # noqa: A001 - progress as it happens

REPORT = (
    "import sys; from borderforecast.reporting import ReportOptions, report; "
    "o = ReportOptions(models=('snaive', 'stl'), assess_models=('snaive',), placebo_years=6, "
    "breakdown_model='snaive', backtest_jobs=1, today='2025-10-15'); "
    "report(sys.argv[1], home=sys.argv[2], options=o, month=sys.argv[3])"
)
BACKTEST = (
    "import sys; from borderforecast.cli import main; "
    "sys.exit(main(['backtest', '--model', 'snaive', '--start', sys.argv[3], '--h', '3', "
    "'--out', sys.argv[1]]))"
)
MONTHS = ["2024-06", "2024-07", "2024-08", "2024-09"]
USER = {"notes.txt": b"my notes\n", "earlier/report.html": b"<p>last month</p>\n"}


def user_files(folder: Path) -> None:
    for name, data in USER.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def user_intact(folder: Path) -> bool:
    return all((folder / n).read_bytes() == d for n, d in USER.items())


def report_consistent(folder: Path) -> bool:
    listed = json.loads((folder / ".borderforecast-report.json").read_text())["files"]
    if not all((folder / n).is_file() for n in listed):
        return False
    stamp = [re.search(r"Generated at ([^<\n]*)", (folder / n).read_text()) for n in
             ("report.html", "report.md")]
    return all(stamp) and stamp[0].group(1).strip() == stamp[1].group(1).strip()


def backtest_consistent(folder: Path) -> bool:
    import pandas as pd

    run = json.loads((folder / "run.json").read_text())
    fc = pd.read_csv(folder / "forecasts.csv")
    return str(run["options"]["start"]) == str(fc["origin"].min())[:7]


def run(code: str, out: Path, home: Path, arg: str) -> subprocess.Popen:
    env = dict(os.environ, BORDERFORECAST_HOME=str(home))
    return subprocess.Popen([sys.executable, "-c", code, str(out), str(home), arg], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_loop(code: str, check, n: int, folder: Path, rng: np.random.Generator) -> tuple:
    home, out = folder / "home", folder / "out"
    out.mkdir(parents=True)
    user_files(out)
    t = time.perf_counter()
    first = run(code, out, home, MONTHS[0])  # the first run also warms the caches
    assert first.wait() == 0, first.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
    warm = time.perf_counter()
    assert run(code, out, home, MONTHS[1]).wait() == 0
    warm = time.perf_counter() - warm
    print(f"  cold run {warm + (time.perf_counter() - t - warm):.1f} s, warm run {warm:.1f} s")
    ok = 0
    for k in range(n):
        p = run(code, out, home, MONTHS[k % len(MONTHS)])
        time.sleep(float(rng.uniform(0.2, max(warm, 0.5))))
        p.send_signal(signal.SIGKILL)
        p.wait()
        finish = run(code, out, home, MONTHS[(k + 1) % len(MONTHS)])  # recovers, then writes
        good = finish.wait() == 0 and user_intact(out) and check(out)
        ok += good
    left = [p.name for p in out.iterdir() if p.name.startswith(".bf-staging")]
    return ok, left


def concurrent(n: int, writers: int, folder: Path) -> int:
    home = folder / "home"
    ok = 0
    for t in range(n):
        out = folder / f"c{t}"
        out.mkdir()
        user_files(out)
        procs = [run(REPORT, out, home, MONTHS[w % len(MONTHS)]) for w in range(writers)]
        codes = [p.wait() for p in procs]
        ok += codes == [0] * writers and user_intact(out) and report_consistent(out)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("backtest --out, kill -9:")
        ok, left = kill_loop(BACKTEST, backtest_consistent, args.kills, folder / "b", rng)
        print(f"  {ok} of {args.kills} consistent; stages left: {left}")
        print("report, kill -9:")
        ok, left = kill_loop(REPORT, report_consistent, args.kills, folder / "r", rng)
        print(f"  {ok} of {args.kills} consistent (user files intact, one complete report); "
              f"stages left: {left}")
        c = concurrent(args.trials, args.writers, folder / "r")
        print(f"concurrent reports ({args.writers} writers, one folder): {c} of {args.trials} "
              "trials consistent")
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = c1.ru_utime + c1.ru_stime + time.process_time()
    print(f"wall {time.perf_counter() - t0:.1f} s, CPU {cpu:.1f} s, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
