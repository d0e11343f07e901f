"""Peers benchmark: the package's models against the tools an analyst would pick instead.

One run, one protocol, one table (issue 14). On ``bf.load()`` (USBP Southwest
total, from Oct 1999), expanding window, origins every ``--step`` months from
Dec 2011 to Aug 2024, horizons 1-12:

* the package's models are run through ``bf.backtest`` (its cache is reused)
  and scored with *calibrated* intervals, i.e. what the package reports;
* the peers are run with their defaults, no tuning, at the same origins:
  statsforecast ``MSTL(season_length=12)`` on log(y) and on y, ``AutoETS``
  and ``AutoTheta`` (season 12) on log(y), seasonal naive with empirical
  intervals (quantiles of the in-sample 12-month log changes), Prophet
  with its defaults on y, and R's ``forecast::ets(y)`` (when ``Rscript`` and
  the forecast package are installed: ``apt install r-cran-forecast``);
* everything is scored by ``borderforecast.backtesting.metrics.evaluate`` on
  the same (origin, horizon) pairs: MASE and RMSSE scaled per origin by the
  in-sample seasonal-naive error, coverage 80/95, MSIS80/MSIS95 (interval
  score / the MASE scale), overall and per era (origins to Dec 2019; 2020 on),
  and seconds per fit (wall and CPU).

The peers need the optional extra: ``pip install -e ".[bench]"`` (statsforecast,
utilsforecast; Prophet is a core dependency). The run prints wall and CPU
seconds and the load average; timings taken on a loaded machine are not figures.

Usage::

    python benchmarks/bench_peers.py                       # full monthly protocol
    python benchmarks/bench_peers.py --step 3              # a quick look (quarterly origins)
    python benchmarks/bench_peers.py --models stl snaive --peers mstl_log snaive_emp
    python benchmarks/bench_peers.py --out runs/peers      # also write table.csv, forecasts.csv
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

START, END, H, LEVELS, ERA_SPLIT = "2011-12", "2024-08", 12, (80, 95), "2019-12"
DEFAULT_MODELS = ["all"]  # every spec of the default set; the recommendation among them
PEERS: dict[str, Callable[[np.ndarray, int], dict[str, np.ndarray]]] = {}
PEER_LABELS: dict[str, str] = {}


def peer(name: str, label: str):
    def deco(fn):
        PEERS[name] = fn
        PEER_LABELS[name] = label
        return fn

    return deco


def _sf(model, y: np.ndarray, h: int, log: bool) -> dict[str, np.ndarray]:
    z = np.log(y) if log else y
    fc = model.forecast(y=z, h=h, level=list(LEVELS))
    out = {"median": fc["mean"]}  # statsforecast names its point forecast "mean"
    for lv in LEVELS:
        out[f"lo{lv}"], out[f"hi{lv}"] = fc[f"lo-{lv}"], fc[f"hi-{lv}"]
    if log:
        out = {k: np.exp(v) for k, v in out.items()}
    return {k: np.maximum(np.asarray(v, dtype=float), 0.0) for k, v in out.items()}


@peer("mstl_log", "statsforecast MSTL(12), log y")
def mstl_log(y, h):
    from statsforecast.models import MSTL

    return _sf(MSTL(season_length=12), y, h, log=True)


@peer("mstl_raw", "statsforecast MSTL(12), y")
def mstl_raw(y, h):
    from statsforecast.models import MSTL

    return _sf(MSTL(season_length=12), y, h, log=False)


@peer("autoets_log", "statsforecast AutoETS(12), log y")
def autoets_log(y, h):
    from statsforecast.models import AutoETS

    return _sf(AutoETS(season_length=12), y, h, log=True)


@peer("autotheta_log", "statsforecast AutoTheta(12), log y")
def autotheta_log(y, h):
    from statsforecast.models import AutoTheta

    return _sf(AutoTheta(season_length=12), y, h, log=True)


@peer("snaive_emp", "seasonal naive, empirical intervals")
def snaive_emp(y, h):
    z = np.log(y)
    d = z[12:] - z[:-12]  # in-sample 12-month log changes = one-year snaive errors
    point = np.resize(z[-12:], h)
    out = {"median": np.exp(point)}
    for lv in LEVELS:
        a = (1 - lv / 100) / 2
        out[f"lo{lv}"] = np.exp(point + np.quantile(d, a))
        out[f"hi{lv}"] = np.exp(point + np.quantile(d, 1 - a))
    return out


@peer("prophet", "Prophet, defaults, y")
def prophet(y, h, _index={}):  # noqa: B006 - the training months, set by run_peer
    from prophet import Prophet

    idx = _index["months"][: len(y)]
    m = Prophet()
    m.fit(pd.DataFrame({"ds": idx, "y": y}))
    future = pd.DataFrame({"ds": pd.date_range(idx[-1], periods=h + 1, freq="MS")[1:]})
    point = m.predict(future)["yhat"].to_numpy()
    draws = m.predictive_samples(future)["yhat"]  # (h, 1000)
    out = {"median": point}
    for lv in LEVELS:
        a = (1 - lv / 100) / 2
        out[f"lo{lv}"] = np.quantile(draws, a, axis=1)
        out[f"hi{lv}"] = np.quantile(draws, 1 - a, axis=1)
    return {k: np.maximum(v, 0.0) for k, v in out.items()}


R_ETS = r"""
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
y <- scan(args[1], quiet = TRUE)
ns <- scan(args[2], quiet = TRUE)
h <- as.integer(args[3])
rows <- list()
t0 <- proc.time()
for (n in ns) {
  x <- ts(y[1:n], frequency = 12)
  f <- forecast(ets(x), h = h, level = c(80, 95))
  rows[[length(rows) + 1]] <- data.frame(n = n, horizon = 1:h, median = as.numeric(f$mean),
    lo80 = as.numeric(f$lower[, 1]), hi80 = as.numeric(f$upper[, 1]),
    lo95 = as.numeric(f$lower[, 2]), hi95 = as.numeric(f$upper[, 2]))
}
t1 <- proc.time() - t0
write.csv(do.call(rbind, rows), args[4], row.names = FALSE)
cat(sprintf("%.6f %.6f\n", t1[["elapsed"]], t1[["user.self"]] + t1[["sys.self"]]))
"""
R_LABEL = "R forecast ets(y)"


def run_r_ets(y: pd.Series, grid: list[pd.Timestamp]) -> tuple[pd.DataFrame, dict]:
    """R's ``forecast::ets(y)`` with its defaults, every origin in one ``Rscript`` process.

    Needs R and the forecast package (Debian: ``apt install r-cran-forecast``);
    raises ImportError when ``Rscript`` or the package is missing. The time per
    fit is measured inside R (the process start is not a cost per fit).
    """
    import shutil
    import subprocess
    import tempfile

    rscript = shutil.which("Rscript")
    if rscript is None:
        raise ImportError("Rscript not found (apt install r-cran-forecast)")
    ns = [y.index.get_loc(o) + 1 for o in grid]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        np.savetxt(d / "y.txt", y.to_numpy(dtype=float), fmt="%.0f")
        np.savetxt(d / "n.txt", np.array(ns), fmt="%d")
        (d / "ets.R").write_text(R_ETS, encoding="utf-8")
        proc = subprocess.run(
            [rscript, str(d / "ets.R"), str(d / "y.txt"), str(d / "n.txt"), str(H),
             str(d / "out.csv")],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise ImportError(f"R forecast failed: {proc.stderr.strip().splitlines()[-1:]}")
        out = pd.read_csv(d / "out.csv")
    wall, cpu = (float(v) for v in proc.stdout.split()[-2:])
    when = dict(zip(ns, grid, strict=True))
    out["origin"] = out.pop("n").map(when)
    for c in ("median", "lo80", "hi80", "lo95", "hi95"):
        out[c] = np.maximum(out[c].to_numpy(dtype=float), 0.0)
    out["model"] = R_LABEL
    timing = {"fits": len(grid), "wall_per_fit": wall / len(grid), "cpu_per_fit": cpu / len(grid)}
    return out, {**timing, "first_call_wall": 0.0, "first_call_cpu": 0.0}


def origins(y: pd.Series, step: int) -> list[pd.Timestamp]:
    return list(pd.date_range(START, END, freq=pd.DateOffset(months=step)))


def run_peer(name: str, y: pd.Series, grid: list[pd.Timestamp]) -> tuple[pd.DataFrame, dict]:
    fn = PEERS[name]
    prophet.__defaults__[0]["months"] = y.index
    values = y.to_numpy(dtype=float)
    # one untimed fit first: numba / Stan compilation is not a cost per fit
    t0, c0 = time.perf_counter(), time.process_time()
    fn(values[: y.index.get_loc(grid[0]) + 1], H)
    warm = {"first_call_wall": time.perf_counter() - t0, "first_call_cpu": time.process_time() - c0}
    rows, wall, cpu = [], 0.0, 0.0
    for o in grid:
        n = y.index.get_loc(o) + 1
        t0, c0 = time.perf_counter(), time.process_time()
        fc = fn(values[:n], H)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in fc.items()})
        frame["origin"], frame["horizon"] = o, np.arange(1, H + 1)
        rows.append(frame)
    timing = {"fits": len(grid), "wall_per_fit": wall / len(grid), "cpu_per_fit": cpu / len(grid)}
    out = pd.concat(rows, ignore_index=True)
    out["model"] = PEER_LABELS[name]
    return out, {**timing, **warm}


def run_package(
    y: pd.Series, models: list[str], step: int, cache: bool, jobs: int
) -> tuple[pd.DataFrame, dict, str]:
    import borderforecast as bf

    names = [n for n in models if n not in ("recommended", "all")]
    rec_name = ""
    if "all" in models:
        names += list(bf.list_models().index)
    res = bf.backtest(
        y,
        models=sorted(set(names)),
        start=START,
        end=END,
        step=step,
        cache=cache,
        engine="processes" if jobs > 1 else "sequential",
        jobs=jobs,
    )
    if "recommended" in models or "all" in models:
        rec_name = str(res.recommended)  # chosen among the models of this run
    fc = res.forecasts.copy()
    picks = res.selection_picks()
    if rec_name and len(picks):  # the recommendation rule replayed on the errors known then
        chosen = picks.rename(columns={"model": "picked"})[["origin", "picked"]]
        oos = fc.merge(chosen, on="origin")
        oos = oos[oos["model"] == oos["picked"]].drop(columns="picked")
        oos["model"] = "recommended (out-of-sample)"
        fc = pd.concat([fc, oos], ignore_index=True)
    fc["model"] = "borderforecast " + fc["model"].astype(str)
    timing = {}
    for name, d in res.info["timings"]["per_model"].items():
        timing["borderforecast " + name] = {
            "fits": d["fits"],
            "wall_per_fit": d["seconds_per_fit"],
            "cpu_per_fit": d["cpu_seconds_per_fit"],
        }
    return fc, timing, rec_name


def score(frames: list[pd.DataFrame], y: pd.Series) -> pd.DataFrame:
    from borderforecast.backtesting.metrics import evaluate, seasonal_scales

    df = pd.concat(frames, ignore_index=True)
    scale_abs, scale_sq = seasonal_scales(y.to_numpy(dtype=float))
    pos = y.index.get_indexer(pd.DatetimeIndex(df["origin"]))
    tpos = pos + df["horizon"].to_numpy(dtype=int)
    df["actual"] = y.to_numpy(dtype=float)[tpos]
    df["scale_abs"], df["scale_sq"] = scale_abs[pos], scale_sq[pos]
    split = pd.Timestamp(ERA_SPLIT)
    df["era"] = np.where(pd.DatetimeIndex(df["origin"]) <= split, "to 2019-12", "2020 on")
    whole = evaluate(df.assign(era="all"), ["model", "era"], LEVELS)
    eras = evaluate(df, ["model", "era"], LEVELS)
    return pd.concat([whole, eras], ignore_index=True), df


def sanity(long: pd.DataFrame, y: pd.Series) -> str:
    """Implausible intervals: upper 95% bounds above the record so far, ratios, jumps.

    The record is the highest month up to the origin; a jump is a 95% log
    width that shrinks by more than a quarter from one horizon to the next.
    """
    record = y.cummax()
    rec = record.reindex(pd.DatetimeIndex(long["origin"])).to_numpy()
    d = long.assign(
        above=long["hi95"].to_numpy() > rec,
        ratio=long["hi95"] / long["median"],
        over=long["hi95"].to_numpy() / rec,
        logw=np.log((long["hi95"] + 1) / (long["lo95"] + 1)),
    ).sort_values(["model", "origin", "horizon"])
    # a jump: the 95% log width shrinks by more than 25% from one horizon to the next
    d["jump"] = d.groupby(["model", "origin"])["logw"].diff() < -0.25 * d["logw"]
    lines = [
        f"{'model':<44}{'hi95>record':>12}{'max hi95/record':>16}{'max hi95/median':>15}"
        f"{'width jumps':>12}"
    ]
    for m, g in d.groupby("model"):
        lines.append(
            f"{m:<44}{g['above'].mean():>12.3f}{g['over'].max():>16.2f}{g['ratio'].max():>15.1f}"
            f"{g['jump'].mean():>12.3f}"
        )
    return "\n".join(lines)


def fmt_table(table: pd.DataFrame, timing: dict, rec: str) -> str:
    wide = table.pivot(index="model", columns="era")
    lines = [
        f"{'model':<44}{'MASE':>7}{'RMSSE':>7}{'cov80':>7}{'cov95':>7}{'MSIS80':>8}"
        f"{'MSIS95':>8} | {'MASE<20':>7}{'MASE20+':>8}{'c80<20':>7}{'c80 20+':>8}"
        f"{'c95<20':>7}{'c95 20+':>8}{'MSIS95<20':>10}{'MSIS95 20+':>11} | "
        f"{'s/fit':>7}{'cpu/fit':>8}"
    ]
    order = wide[("mase", "all")].sort_values().index
    a, b, c = "all", "to 2019-12", "2020 on"
    for m in order:
        r = wide.loc[m]
        t = timing.get(m, {})
        label = m + (" (recommended)" if rec and m == "borderforecast " + rec else "")
        sp = t.get("wall_per_fit")
        cp = t.get("cpu_per_fit")
        lines.append(
            f"{label:<44}{r[('mase', a)]:>7.3f}{r[('rmsse', a)]:>7.3f}"
            f"{r[('coverage80', a)]:>7.3f}{r[('coverage95', a)]:>7.3f}"
            f"{r[('winkler80', a)]:>8.2f}{r[('winkler95', a)]:>8.2f} | "
            f"{r[('mase', b)]:>7.3f}{r[('mase', c)]:>8.3f}"
            f"{r[('coverage80', b)]:>7.3f}{r[('coverage80', c)]:>8.3f}"
            f"{r[('coverage95', b)]:>7.3f}{r[('coverage95', c)]:>8.3f}"
            f"{r[('winkler95', b)]:>10.2f}{r[('winkler95', c)]:>11.2f} | "
            f"{(f'{sp:.4f}' if sp else 'cached'):>7}{(f'{cp:.4f}' if cp else ''):>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--models",
        nargs="*",
        default=DEFAULT_MODELS,
        help="package model specs ('all' = every spec, the default; "
        "the run's recommendation is marked)",
    )
    ap.add_argument(
        "--peers",
        nargs="*",
        default=[*PEERS, "r_ets"],
        choices=[*PEERS, "r_ets"],
        help="peers to run (default: all)",
    )
    ap.add_argument("--step", type=int, default=1, help="months between origins (default 1)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes of the backtest")
    ap.add_argument("--no-cache", action="store_true", help="refit the package's models")
    ap.add_argument("--out", type=Path, default=None, help="folder for table.csv, forecasts.csv")
    args = ap.parse_args(argv)
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(v, "1")
    logging.getLogger("prophet").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").disabled = True
    warnings.filterwarnings("ignore")

    import borderforecast as bf

    t_wall, t_cpu = time.perf_counter(), time.process_time()
    load0 = os.getloadavg()
    y = bf.load()
    grid = origins(y, args.step)
    print(
        f"borderforecast {bf.__version__}; data {y.index[0]:%Y-%m}..{y.index[-1]:%Y-%m} "
        f"(release {y.attrs.get('release')}); {len(grid)} origins {START}..{END} every "
        f"{args.step} month(s), h = 1..{H}; {os.cpu_count()} CPUs; load average at start "
        f"{load0[0]:.2f}"
    )
    frames, timing, rec = [], {}, ""
    if args.models:
        c0 = time.process_time()
        fc, t, rec = run_package(y, args.models, args.step, not args.no_cache, args.jobs)
        frames.append(fc[["model", "origin", "horizon", "median", "lo80", "hi80", "lo95", "hi95"]])
        timing.update(t)
        print(
            f"package backtest: {time.process_time() - c0:.1f} CPU s in this process"
            + (f"; recommended: {rec}" if rec else "")
        )
    for name in args.peers:
        try:
            fc, t = run_r_ets(y, grid) if name == "r_ets" else run_peer(name, y, grid)
        except ImportError as exc:
            hint = "" if name == "r_ets" else " (pip install -e '.[bench]')"
            print(f"skipping peer {name}: {exc}{hint}", file=sys.stderr)
            continue
        frames.append(fc)
        timing[R_LABEL if name == "r_ets" else PEER_LABELS[name]] = t
        print(
            f"peer {name}: {t['cpu_per_fit']:.4f} CPU s per fit "
            f"(first call {t['first_call_wall']:.1f} s wall)",
            flush=True,
        )
    table, long = score(frames, y)
    print()
    print(fmt_table(table, timing, rec))
    print()
    print(sanity(long, y))
    print(
        f"\nMSIS = interval score / in-sample seasonal-naive MAE; '<20' = origins to 2019-12, "
        f"'20+' = 2020 on; package intervals are calibrated.\n"
        f"wall {time.perf_counter() - t_wall:.1f} s, "
        f"CPU {time.process_time() - t_cpu:.1f} s (this process; backtest workers not counted), "
        f"load average {load0[0]:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out / "table.csv", index=False)
        long.to_csv(args.out / "forecasts.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
