"""The data store under kill -9 and concurrent writers (separate processes, real CLI).

Run: ``python benchmarks/bench_store_faults.py [--kills 60] [--trials 20] [--writers 3]``.

* **kill -9**: ``borderforecast data update`` of a full-size release is started as a
  new process and killed with SIGKILL after a random delay (seeded); after every
  kill the store must be in the old or the new state (``releases.csv`` has n or
  n+1 lines, the older lines unchanged, ``load()`` works), and the next update
  must clean every leftover.
* **concurrency**: ``writers`` processes start ``data update`` on one store at the
  same moment (each a different release); every one must succeed, every release
  must be in the store, and the revision chain must follow the releases' order.

Prints the counts of consistent outcomes, wall and CPU seconds and the load average.
Target: every kill and every trial consistent.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEADER = (
    "Fiscal Year,Month Grouping,Month (abbv),Component,Demographic,Citizenship Grouping,"
    "Title of Authority,Encounter Type,Encounter Count"
)
CLI = [sys.executable, "-c", "import sys; from borderforecast.cli import main; sys.exit(main())"]


def full_release(path: Path, bump: int) -> Path:
    """The bundled Southwest CSV's cells back in the published layout, every count + bump."""
    from borderforecast.data import load_frame
    from borderforecast.data.sources._common import MONTH_ABBR
    from borderforecast.fiscal import fiscal_month, fiscal_year

    names = {"uac": "UAC", "family_units": "FMUA", "single_adults": "Single Adults"}
    names["accompanied_minors"] = "Accompanied Minors"
    f = load_frame(all_sources=True)
    f = f[(f.source == "sw_encounters") & (f.demographic != "all") & (f.citizenship != "all")]
    f = f[f["count"] > 0]
    lines = [HEADER]
    for r in f.itertuples(index=False):
        usbp = r.component == "USBP"
        lines.append(
            ",".join(
                [
                    str(fiscal_year(r.month)),
                    "FYTD",
                    MONTH_ABBR[fiscal_month(r.month) - 1],
                    "U.S. Border Patrol" if usbp else "Office of Field Operations",
                    names[r.demographic],
                    r.citizenship,
                    "Title 8",
                    "Apprehensions" if usbp else "Inadmissibles",
                    str(r.count + bump),
                ]
            )
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def releases(home: Path) -> list[str]:
    from borderforecast.data.store import releases as rel

    return rel(home)["file"].tolist()


def kills(n: int, folder: Path, rng: np.random.Generator) -> int:
    from borderforecast.data import load

    home = folder / "kill-home"
    subprocess.run(
        [*CLI, "data", "update", str(full_release(folder / "seed.csv", 0)), "--home", str(home)],
        check=True,
        capture_output=True,
    )
    ok = 0
    for k in range(n):
        before = releases(home)
        path = full_release(folder / f"kill{k}.csv", k + 1)
        proc = subprocess.Popen(
            [*CLI, "data", "update", str(path), "--home", str(home)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(float(rng.uniform(0.5, 4.0)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = releases(home)
        good = len(after) in (len(before), len(before) + 1) and after[: len(before)] == before
        try:
            load(home=home)
        except Exception:  # noqa: BLE001 - counted as inconsistent
            good = False
        ok += good
    # the next writer removes what killed ones left behind
    subprocess.run(
        [*CLI, "data", "update", str(full_release(folder / "last.csv", 999)), "--home", str(home)],
        check=True,
        capture_output=True,
    )
    left = [p.name for p in (home / "store").iterdir() if p.name not in (".lock", "CURRENT")]
    print(f"  leftovers after the next update: {left}")
    return ok


def trials(n: int, writers: int, folder: Path) -> int:
    from borderforecast.data.store import revisions

    ok = 0
    for t in range(n):
        home = folder / f"trial{t}"
        files = [full_release(folder / f"t{t}w{w}.csv", 10 * (w + 1)) for w in range(writers)]
        procs = [
            subprocess.Popen(
                [*CLI, "data", "update", str(f), "--home", str(home)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for f in files
        ]
        codes = [p.wait() for p in procs]
        rels = releases(home)
        revs = revisions(home)
        tot = revs[
            (revs.component == "USBP")
            & (revs.demographic == "all")
            & (revs.citizenship == "all")
            & (revs.month == revs.month.max())
        ]
        chain = tot["old"].tolist()[1:] == tot["new"].tolist()[:-1]
        ok += codes == [0] * writers and sorted(rels) == sorted(f.name for f in files) and chain
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        k = kills(args.kills, folder, rng)
        print(f"kill -9 during data update: {k} of {args.kills} left the old or the new state")
        c = trials(args.trials, args.writers, folder)
        print(
            f"concurrent updates ({args.writers} writers): {c} of {args.trials} trials consistent"
        )
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime) + time.process_time()
    print(
        f"wall {time.perf_counter() - t0:.1f} s, CPU {cpu:.1f} s, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
