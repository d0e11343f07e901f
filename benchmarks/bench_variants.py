"""How the recommended forecast was found: the variants behind `stl_revert` and `demographic`.

Point accuracy only (MASE), on the peers benchmark's protocol: the USBP Southwest
total from October 1999, expanding window, origins every month December 2011 -
August 2024 (153), horizons 1-12, MASE scaled per origin by the in-sample mean
``|y_t - y_{t-12}|``; overall, origins to December 2019 ("to 2019") and 2020 on.
Each variant is a plain function of the training months (no look-ahead: the
parts of the bottom-up variants are cut at the origin too), so the table is
quick to rerun and every row can be read as code. The settings of the
recommended models were chosen by looking at this same backtest: the
neighbourhood rows say how much that choice is worth.

Usage::

    python benchmarks/bench_variants.py            # every row (about a minute)
    python benchmarks/bench_variants.py --quick    # without the neighbourhood grids
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

START, END, H, SPLIT = "2011-12", "2024-08", 12, "2019-12"


def setup():
    import borderforecast as bf
    from borderforecast.data.parts import DEMOGRAPHIC_PARTS as PARTS

    y = bf.load()
    parts = {p: bf.load(f"demographic/{p}").astype(float) for p in PARTS}
    start = max(s.index[0] for s in parts.values())
    parts = {p: s.loc[start:] for p, s in parts.items()}
    origins = [y.index.get_loc(o) for o in pd.date_range(START, END, freq="MS")]
    v = y.to_numpy(dtype=float)
    actual = np.array([v[t + 1 : t + 1 + H] for t in origins])
    scale = np.array([np.mean(np.abs(v[12 : t + 1] - v[: t + 1 - 12])) for t in origins])
    early = np.array([y.index[t] <= pd.Timestamp(SPLIT) for t in origins])
    return y, parts, origins, actual, scale, early


def score(F, actual, scale, early) -> tuple[float, float, float]:
    e = np.abs(F - actual) / scale[:, None]
    return float(e.mean()), float(e[early].mean()), float(e[~early].mean())


# -- the pieces, on log(y + 1) ---------------------------------------------------------
def stl_ses_point(x: np.ndarray, h: int, revert: float = 0.0, window: int | None = None):
    from borderforecast.models.stl_ses import STLSES

    m = STLSES(revert=revert)
    z = pd.Series(np.log1p(x))
    st = m._fit(z, None)
    if revert and window:  # revert to a trailing mean instead of the whole history's
        a = z.to_numpy() - st.seasonal
        st = type(st)(
            st.level, st.alpha, st.sigma2, st.seasonal, st.fitted, float(a[-window:].mean())
        )
    return np.expm1(m.level_path(st, h) + m._season(st, h))


def stl_revert_point(x: np.ndarray, h: int, **kw):
    from borderforecast.models.stl_revert import STLRevert

    m = STLRevert(**kw)
    rev, s = m.fit_arrays(np.log1p(x))
    return np.expm1(rev.path(h) + m.season(s, h))


def wide_seasonal_flat(x: np.ndarray, h: int):
    """stl_revert's seasonal (STL 101, degree 1) with stl_ses's flat SES level."""
    from borderforecast.models.stl_revert import STLRevert

    m = STLRevert()
    rev, s = m.fit_arrays(np.log1p(x))
    return np.expm1(np.full(h, rev.level) + m.season(s, h))


def bottom_up(y, parts, t, h, family, others, min_months=48, fallback=stl_revert_point):
    end = y.index[t]
    cut = {p: s.loc[:end].to_numpy() for p, s in parts.items()}
    if len(cut["family_units"]) < min_months:
        return fallback(y.to_numpy(dtype=float)[: t + 1], h)
    return sum((family if p == "family_units" else others)(x, h) for p, x in cut.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the neighbourhood grids")
    args = ap.parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    warnings.filterwarnings("ignore")
    t_wall, t_cpu, load0 = time.perf_counter(), time.process_time(), os.getloadavg()
    y, parts, origins, actual, scale, early = setup()
    v = y.to_numpy(dtype=float)

    def total(fn: Callable) -> np.ndarray:
        return np.array([fn(v[: t + 1], H) for t in origins])

    def by_parts(**kw) -> np.ndarray:
        return np.array([bottom_up(y, parts, t, H, **kw) for t in origins])

    rows: list[tuple[str, np.ndarray]] = []

    def add(name: str, F: np.ndarray) -> None:
        rows.append((name, F))
        m, a, b = score(F, actual, scale, early)
        print(f"{name:<78}{m:>7.3f}{a:>9.3f}{b:>9.3f}", flush=True)

    print(
        f"{len(origins)} origins {START}..{END}, h = 1..{H}; load average {load0[0]:.2f}\n"
        f"{'variant':<78}{'MASE':>7}{'to 2019':>9}{'2020 on':>9}"
    )
    add("stl_ses (STL 11/deg 0, SES level flat, seasonal x 0.8)", total(stl_ses_point))
    add(
        "stl_ses, level reverting 0.9/month to its 60-month mean",
        total(lambda x, h: stl_ses_point(x, h, revert=0.9, window=60)),
    )
    add(
        "STL 101/deg 1, SES level flat (stl_revert's seasonal alone)",
        total(wide_seasonal_flat),
    )
    add(
        "stl_revert (STL 101/deg 1, reversion to 72-month mean, phi estimated)",
        total(stl_revert_point),
    )
    ses = stl_ses_point
    fam = lambda x, h: ses(x, h, revert=0.9)  # noqa: E731
    add(
        "bottom-up by demographic, every part stl_ses",
        by_parts(family=ses, others=ses, fallback=ses),
    )
    add(
        "bottom-up, every part stl_revert",
        by_parts(family=stl_revert_point, others=stl_revert_point),
    )
    add(
        "bottom-up, families stl_ses reverting 0.9, others stl_ses",
        by_parts(family=fam, others=ses, fallback=ses),
    )
    add(
        "demographic: families stl_ses reverting 0.9, others stl_revert",
        by_parts(family=fam, others=stl_revert_point),
    )
    if not args.quick:
        grid = []
        for window in (48, 60, 72, 96, 120):
            for arw in (30, 36, 42):
                F = total(
                    lambda x, h, w=window, a=arw: stl_revert_point(x, h, window=w, ar_window=a)
                )
                grid.append(score(F, actual, scale, early))
        g = np.array(grid)
        print(
            f"{'stl_revert neighbourhood: window 48-120 x ar_window 30-42 (15 settings)':<78}"
            f"{g[:, 0].min():>7.3f}-{g[:, 0].max():.3f}  to 2019 max {g[:, 1].max():.3f}, "
            f"2020 on max {g[:, 2].max():.3f}"
        )
        grid = []
        for phi in (0.8, 0.85, 0.9, 0.95):
            for mm in (36, 48, 60, 72):
                F = by_parts(
                    family=lambda x, h, p=phi: ses(x, h, revert=p),
                    others=stl_revert_point,
                    min_months=mm,
                )
                grid.append((phi, mm, *score(F, actual, scale, early)))
        g = np.array(grid)
        print(
            f"{'demographic neighbourhood: revert 0.8-0.95 x min_months 36-72 (16)':<78}"
            f"{g[:, 2].min():>7.3f}-{g[:, 2].max():.3f}  to 2019 max {g[:, 3].max():.3f}, "
            f"2020 on max {g[:, 4].max():.3f}"
        )
        for phi, mm, m, a, b in grid:
            print(f"    revert {phi:<5g} min_months {int(mm):<3d}{m:>48.3f}{a:>9.3f}{b:>9.3f}")
    print(
        f"\nwall {time.perf_counter() - t_wall:.1f} s, CPU {time.process_time() - t_cpu:.1f} s, "
        f"load average {load0[0]:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
