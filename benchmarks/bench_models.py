"""Time fit + forecast (and 1,000 simulated paths) for every named model spec.

Run: ``python benchmarks/bench_models.py [--repeat 3] [--h 12] [--model NAME ...]``.

Uses the USBP Southwest monthly total (``borderforecast.load()``), or the
synthetic seasonal series of the tests when the data layer is not available.
Every spec in ``list_specs()`` is timed, so models added later show up. Each
model gets one warm-up run (imports, compiled caches), then the median of
``--repeat`` runs is printed: wall-clock seconds and CPU seconds of this
process *plus* its finished child processes (X-13's binary, Stan), and the
load average at the start and the end. A model that fails is reported with
its error and does not stop the table.

Targets: a fit + 12-month forecast under ~1.5 s per statsmodels model.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from borderforecast.models.registry import list_specs, make_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import header, load_average, measure  # noqa: E402


def load_series() -> pd.Series:
    try:
        import borderforecast as bf

        return bf.load()
    except Exception as exc:  # the data layer may not be built yet
        print(f"(borderforecast.load() unavailable: {exc}; using a synthetic series)")
        rng = np.random.default_rng(0)
        idx = pd.date_range("1999-10-01", periods=311, freq="MS")
        factors = np.array([0.95, 1.05, 1.25, 1.3, 1.2, 0.95, 0.85, 0.8, 0.85, 0.95, 0.9, 0.85])
        mu = np.log(50000) + 0.001 * np.arange(311) + np.log(factors[idx.month - 1])
        values = np.round(np.exp(mu + rng.normal(0, 0.1, 311)))
        return pd.Series(values, index=idx, name="synthetic")


def timed(fn: Any, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds (this process and its children) of ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        with measure() as m:
            fn()
        walls.append(m.wall)
        cpus.append(m.cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--h", type=int, default=12)
    parser.add_argument("--model", action="append", default=None, help="spec name (repeatable)")
    args = parser.parse_args()
    y = load_series()
    names = args.model or sorted(list_specs())
    print(header())
    print(f"series: {y.name}, {len(y)} months ({y.index[0]:%Y-%m} to {y.index[-1]:%Y-%m})")
    print(f"median of {args.repeat} runs after a warm-up; h = {args.h}")
    print(f"{'model':<13}{'fit+fcst wall':>14}{'cpu':>8}{'sim 1000 wall':>15}  note")
    for name in names:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fitted = make_model(name).fit(y)  # warm-up
                fitted.forecast(args.h)
                wall, cpu = timed(lambda n=name: make_model(n).fit(y).forecast(args.h), args.repeat)
                try:
                    sim, _ = timed(lambda f=fitted: f.simulate(args.h, 1000, seed=1), args.repeat)
                    sim_txt = f"{sim:13.3f} s"
                except Exception as exc:  # a model may not simulate
                    sim_txt = f"{'n/a':>13}  "
                    caught.append(warnings.WarningMessage(str(exc)[:40], UserWarning, "", 0))
            kinds = sorted({w.category.__name__ for w in caught})
            note = ", ".join(kinds)
            print(f"{name:<13}{wall:12.3f} s{cpu:6.2f} s{sim_txt}  {note}")
        except Exception as exc:
            print(f"{name:<13}{'FAILED':>14}  {type(exc).__name__}: {str(exc)[:70]}")
    print(f"load average at the end: {load_average():.1f}")


if __name__ == "__main__":
    main()
