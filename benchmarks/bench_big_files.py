"""Big files: a 200 MB release and a 50 MB user panel, read in bounded time and memory.

Run: ``python benchmarks/bench_big_files.py [--release-mb 200] [--panel-mb 50]``.

* **valid release**: the bundled Southwest CSV's rows (the layout allows no more: a key
  twice is refused) with an extra ``Notes`` column of filler text, ``release-mb``
  megabytes in all; ``data update`` must ingest it (exit 0) in memory of a chunk.
* **release**: the bundled Southwest CSV's rows repeated to ``release-mb`` megabytes, with
  one bad cell at row 1,000 (then the valid release above with a bad cell at its last row:
  every row is read and checked); ``data update`` must report the row, the first within
  seconds (the file is validated as it streams), in memory of a chunk, not the file. (A
  repeated key is reported as soon as it is read, so the repeated rows cannot test the end.)
* **panel**: a long ``unique_id, month, count`` panel of ``panel-mb`` megabytes (9,900
  series of 200 months at 50 MB) through :func:`borderforecast.read_series`.
* **user file**: the same panel at ``release-mb`` megabytes with one bad count at row 1,000
  (then at the last row), through :func:`borderforecast.read_series`: the row is reported,
  the first within seconds, in memory of a chunk.

Each case runs in a fresh process; prints wall and CPU seconds, peak RSS and the load
average. Targets: first bad row within 5 s; panel under 20 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_store_faults import full_release  # noqa: E402

MEASURE = (
    "import resource, sys, time; t = time.perf_counter(); c = time.process_time()\n"
    "{body}\n"
    "print(f'wall {{time.perf_counter() - t:.1f}} s, CPU {{time.process_time() - c:.1f}} s, "
    "peak {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} MB')"
)


def release(folder: Path, mb: int, bad_at: int | None) -> Path:
    seed = full_release(folder / "seed.csv", 0).read_text().splitlines()
    header, body = seed[0], seed[1:]
    path = folder / f"big-{bad_at}.csv"
    with path.open("w") as out:
        out.write(header + "\n")
        size, n = 0, 0
        while size < mb * 1e6:
            for line in body:
                n += 1
                text = line if n != bad_at else line.rsplit(",", 1)[0] + ",12x4"
                out.write(text + "\n")
                size += len(text) + 1
    return path


def valid_release(folder: Path, mb: int, bad_last: bool = False) -> Path:
    seed = full_release(folder / "seed.csv", 0).read_text().splitlines()
    header, body = seed[0], seed[1:]
    if bad_last:
        body[-1] = body[-1].rsplit(",", 1)[0] + ",12x4"
    pad = "x" * int(mb * 1e6 / len(body))
    path = folder / f"big-valid-{bad_last}.csv"
    with path.open("w") as out:
        out.write(header + ",Notes\n")
        for line in body:
            out.write(f"{line},{pad}\n")
    return path


def panel(folder: Path, mb: int, bad_at: int | None = None) -> Path:
    rng = np.random.default_rng(0)
    months = [f"{y}-{m:02d}" for y in range(2005, 2022) for m in range(1, 13)][:200]
    path = folder / f"panel-{mb}-{bad_at}.csv"
    n = int(9900 * mb / 50)
    with path.open("w") as out:
        out.write("unique_id,month,count\n")
        for i in range(n):
            vals = rng.integers(1000, 99999, len(months)).astype(str).tolist()
            if bad_at is not None and 0 <= bad_at - i * len(months) - 1 < len(months):
                vals[bad_at - i * len(months) - 1] = "12x4"
            if bad_at == -1 and i == n - 1:
                vals[-1] = "12x4"
            out.write("".join(f"series-{i:05d},{m},{v}\n" for m, v in zip(months, vals,
                                                                           strict=True)))
    return path


def run(body: str, home: Path) -> str:
    env = dict(os.environ, BORDERFORECAST_HOME=str(home))
    done = subprocess.run([sys.executable, "-c", MEASURE.format(body=body)], env=env,
                          capture_output=True, text=True)
    return (done.stdout.strip() + " " + done.stderr.strip().splitlines()[-1:][0]
            if done.stderr.strip() else done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--release-mb", type=int, default=200)
    parser.add_argument("--panel-mb", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = valid_release(folder, args.release_mb)
        body = ("from borderforecast.cli import main\n"
                f"print('exit', main(['data', 'update', {str(path)!r}]))")
        print(f"valid release {path.stat().st_size / 1e6:.0f} MB: {run(body, folder / 'home')}")
        for bad in (1000, -1):
            path = release(folder, args.release_mb, bad) if bad > 0 else valid_release(
                folder, args.release_mb, bad_last=True)
            body = ("from borderforecast.cli import main\n"
                    f"print('exit', main(['data', 'update', {str(path)!r}]))")
            where = "row 1,000" if bad > 0 else "the last row"
            print(f"release {path.stat().st_size / 1e6:.0f} MB, bad cell at {where}: "
                  f"{run(body, folder / 'home')}")
        path = panel(folder, args.panel_mb)
        body = ("from borderforecast.data.userdata import read_series\n"
                f"print(read_series({str(path)!r}).shape)")
        print(f"panel {path.stat().st_size / 1e6:.0f} MB: {run(body, folder / 'home')}")
        path.unlink()
        for bad in (1000, -1):
            path = panel(folder, args.release_mb, bad)
            body = ("from borderforecast.data.userdata import read_series\n"
                    f"try:\n    read_series({str(path)!r})\n"
                    "except Exception as exc:\n    print(str(exc)[:90])")
            where = "row 1,000" if bad > 0 else "the last row"
            print(f"user file {path.stat().st_size / 1e6:.0f} MB, bad cell at {where}: "
                  f"{run(body, folder / 'home')}")
            path.unlink()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
