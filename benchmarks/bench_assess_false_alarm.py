"""False alarms of the default assessment test and of find_breaks over ordinary windows, and the
verdicts of the case-study events across their neighbouring windows.

1. Every 3-month window (reference: the month before) starting Oct 2004 - Oct 2019 on the USBP
   Southwest total is judged with the default panel, the one rule of normal years, the gate, the
   calibrated combination and the verdict rule (``borderforecast.assessment.core.judge``, the
   code ``assess`` runs). A window is *ordinary* when it is normal by the package's own rule: its
   own statistic is not beyond normal seasonality and every fiscal year it touches is normal. A
   false alarm is a verdict "beyond normal seasonality" on an ordinary window. Fits use
   ``--paths`` sample paths for the target too (default 200, the placebo paths of ``assess``), so
   a window's fit serves as every later window's placebo run: 6 models x 183 starts.
2. ``find_breaks``: the share of the months of the normal fiscal years 2004-2019 it flags.
3. The case-study events, each with the default options (1000 paths): the verdict as asked and on
   every neighbouring window.

Run: ``python benchmarks/bench_assess_false_alarm.py [--jobs 2] [--table fits.pkl] [--no-events]``.
Prints the rates, the table, wall and CPU seconds and the load average.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import measure  # noqa: E402

EVENTS = (  # (label, start, end, reference): the windows of the case studies
    ("summer 2019", "2019-06", "2019-08", "2019-05"),
    ("June 2024", "2024-06", "2024-09", "2024-05"),
    ("early 2025", "2025-02", "2025-04", "2025-01"),
    ("summer 2014", "2014-07", "2014-09", "2014-06"),
)


def ordinary_windows(y: pd.Series, paths: int, jobs: int, table: str | None) -> pd.DataFrame:
    from borderforecast import errors as bf_errors
    from borderforecast.assessment import core, panel
    from borderforecast.assessment.normal import SHOCK_Z
    from borderforecast.assessment.options import AssessOptions, Window
    from borderforecast.fiscal import fiscal_year

    if table and os.path.exists(table):
        with open(table, "rb") as fh:
            panel._FITS.update(pickle.load(fh))
    opts = AssessOptions(n_paths=paths, placebo_paths=paths, n_jobs=jobs)
    names = core.default_model_names()
    one = pd.DateOffset(months=1)
    rows = []
    for s in pd.date_range("2004-10-01", "2019-10-01", freq="MS"):
        w = Window(s, s + 2 * one, s - one)
        try:
            nm = core._normal(y, w, opts, fiscal=True)  # the Southwest total: fiscal years
        except bf_errors.DataError:  # fewer than 3 normal earlier years: not judged at all
            continue
        fys = {int(fiscal_year(m)) for m in (w.reference, w.end)}
        ordinary = abs(nm.target_z) <= SHOCK_Z and fys <= set(nm.fiscal.years)
        starts = [s, *(p.start for p in nm.placebo_windows())]
        wanted = [(m, st, paths) for m in names for st in starts]
        fits = panel.fit_all(y, wanted, 3, opts.seed, jobs)
        ln = core.judge(y, nm, tuple(names), fits, opts)
        rows.append(
            {"start": s, "ordinary": ordinary, "verdict": ln.decision.verdict,
             "n_years": ln.decision.n_years}
        )
    if table:
        with open(table, "wb") as fh:
            pickle.dump(dict(panel._FITS), fh)
    return pd.DataFrame(rows)


def breaks_rate(y: pd.Series) -> tuple[float, int, list[str]]:
    from borderforecast.assessment.adjusted import shift_z
    from borderforecast.assessment.normal import SHOCK_Z, TITLE42, normal_fiscal_years
    from borderforecast.assessment.options import Window
    from borderforecast.assessment.robust import log_counts, noise_floor, span_floor

    fys = normal_fiscal_years(y)
    t = y.index[1]
    w = Window(t, t + pd.DateOffset(months=2), t - pd.DateOffset(months=1))
    floor = span_floor(noise_floor(log_counts(y), (TITLE42,)), w)
    f = shift_z(y, fys.years, floor)
    f = f[f["normal"] & (f.index >= "2003-10-01") & (f.index <= "2019-09-01")]
    hits = f[f["z"].abs() > SHOCK_Z]
    return float(len(hits) / len(f)), len(f), [f"{m:%Y-%m}" for m in hits.index]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--paths", type=int, default=200)
    ap.add_argument("--table", default=None, help="cache of the fits (pickle)")
    ap.add_argument("--no-events", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    with measure() as m:
        t_fit = run(args)
    print(f"fits and windows: {t_fit:.0f} s wall; total: {m}")


def run(args: argparse.Namespace) -> float:
    """Print the rates, the table and the events; return the seconds the windows took."""
    import borderforecast as bf

    t0 = time.perf_counter()
    y = bf.load().astype(float)
    res = ordinary_windows(y, args.paths, args.jobs, args.table)
    t_fit = time.perf_counter() - t0
    ordinary = res[res["ordinary"]]
    beyond = ordinary["verdict"].str.startswith("beyond")
    calibrated = ordinary[ordinary["n_years"] >= 5]
    print(f"windows: {len(res)} three-month windows starting 2004-10..2019-10 (those with at "
          "least 3 normal earlier years); "
          f"{len(ordinary)} ordinary (normal by the package's rule), {len(calibrated)} of them "
          "with at least 5 normal placebo years")
    print(f"default test, false alarms on ordinary windows: {100 * beyond.mean():.1f}% "
          f"({int(beyond.sum())}/{len(ordinary)}); among the calibrated ones: "
          f"{100 * calibrated['verdict'].str.startswith('beyond').mean():.1f}%")
    print("  verdicts on ordinary windows:", ordinary["verdict"].value_counts().to_dict())
    at = ", ".join(f"{s:%Y-%m}" for s in ordinary["start"][beyond])
    print("  false alarms at:", at or "none")
    rate, n, hits = breaks_rate(y)
    print(f"find_breaks, months of the normal fiscal years FY2004-FY2019 flagged: "
          f"{100 * rate:.1f}% ({len(hits)}/{n}): {', '.join(hits) or 'none'}")
    if not args.no_events:
        print("\ncase-study events (default options), verdict as asked and on each neighbour:")
        for label, s, e, r in EVENTS:
            a = bf.assess(y, s, e, r)
            w = a.window
            print(f"- {label}: {w.label()} from {w.reference:%b %Y}: {a.verdict} "
                  f"({a.strength}); calibrated p {a.decision.counterfactual_p:.3f}")
            for nb in a.neighbours:
                v = nb.window
                print(f"    {nb.label:28s} {v.label()} from {v.reference:%b %Y}: {nb.verdict}")
    return t_fit


if __name__ == "__main__":
    main()
