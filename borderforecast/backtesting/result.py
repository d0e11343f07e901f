"""The immutable result of a backtest: forecasts, metrics, ranking, recommendation.

The recommendation is :func:`borderforecast.backtesting.recommend.recommend` on the scores."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import write_files
from ..errors import StoreError
from ..models.base import interval_columns
from ..text import csv_text, csv_unquote
from .calibrate import CalibrationOptions
from .metrics import metric_columns
from .options import BacktestOptions
from .recommend import Recommendation, recommended_model
from .scoring import BENCHMARK
from .selection import SELECTION

FORECAST_COLUMNS = ["origin", "target_month", "horizon", "model", "series", "actual"]
"""The leading columns of ``forecasts.csv`` (then ``median, lo80, hi80, lo95, hi95``)."""


def _fmt_months(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in ("origin", "target_month"):
        if c in out:
            out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d")
    return out


@dataclass(frozen=True, repr=False)
class BacktestResult:
    """What :func:`borderforecast.backtest` returns.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per scored (origin, horizon, model, series) with exactly the
        columns ``origin, target_month, horizon, model, series, actual,
        median, lo80, hi80, lo95, hi95``; intervals are the *calibrated* ones.
    raw_forecasts : pandas.DataFrame
        The same with the models' own intervals, plus the calibration
        warm-up origins (``scored`` False) and the MASE/RMSSE scales.
    metrics : pandas.DataFrame
        See :func:`borderforecast.backtesting.scoring.score`.
    errors : pandas.DataFrame
        Failed cells: ``series, model, origin, error``.
    options : BacktestOptions
        The settings of the run.
    info : dict
        Data release, package version, timings, fit counts.

    Examples
    --------
    >>> import borderforecast as bf
    >>> res = bf.backtest(bf.load(), models="snaive", start="2024-01", h=3, cache=False)
    >>> res.forecasts["origin"].nunique(), res.ranking().columns[:3].tolist()
    (17, ['mase', 'rmsse', 'smape'])
    >>> str(res.recommended)
    'snaive'
    """

    forecasts: pd.DataFrame = field(compare=False)
    raw_forecasts: pd.DataFrame = field(compare=False)
    metrics: pd.DataFrame = field(compare=False)
    errors: pd.DataFrame = field(compare=False)
    options: BacktestOptions = field(compare=False)
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        f = self.forecasts
        if f.empty:
            return "<BacktestResult (empty)>"
        return (
            f"<BacktestResult {f['model'].nunique()} models x {f['series'].nunique()} series x "
            f"{f['origin'].nunique()} origins "
            f"({f['origin'].min():%Y-%m}..{f['origin'].max():%Y-%m}), "
            f"h={self.options.h}, {len(self.errors)} failed cells>"
        )

    # -- tables --------------------------------------------------------
    @property
    def models(self) -> list[str]:
        return sorted(self.forecasts["model"].unique())

    @property
    def series(self) -> list[str]:
        return sorted(self.forecasts["series"].unique())

    @property
    def skipped(self) -> dict[str, str]:
        """Series left out of the run (too short, no origin in range): id -> reason."""
        return dict(self.info.get("skipped") or {})

    def to_long(self, **names: str) -> pd.DataFrame:
        """The forecasts as ``unique_id, ds, cutoff, y, <model>, <model>-lo-80, ...``
        (the cross-validation shape of statsforecast; see
        :func:`borderforecast.to_long`)."""
        from ..data.userdata import to_long

        return to_long(self.forecasts, **names)

    def ranking(
        self, series: str | None = None, era: str = "all", intervals: str = "calibrated"
    ) -> pd.DataFrame:
        """Models ranked by MASE over all horizons (best first).

        Parameters
        ----------
        series : str, optional
            One series; default: the mean of each metric over all series.
        era : str
            ``"all"`` (default) or an era label from ``metrics["era"]``.
        intervals : {"calibrated", "raw"}
            Which intervals the coverage and Winkler columns describe.

        Returns
        -------
        pandas.DataFrame
            Indexed by model (rank order): ``mase, rmsse, smape, mape,
            coverage80, coverage95, winkler80, winkler95, skill, n``, and
            ``raw_coverage80`` ... from the model's own intervals.
        """
        m = self.metrics
        sel = m[(m["horizon"] == "all") & (m["era"] == era) & (m["model"] != SELECTION)]
        if series is not None:
            sel = sel[sel["series"] == series]
        cols = metric_columns(self.options.levels) + ["skill", "n"]
        agg = {c: "mean" for c in cols}
        agg["n"] = "sum"
        table = sel[sel["intervals"] == intervals].groupby("model").agg(agg)
        raw = sel[sel["intervals"] == "raw"].groupby("model").mean(numeric_only=True)
        if intervals != "raw":
            for c in cols:
                if c.startswith("coverage") and c in raw:
                    table[f"raw_{c}"] = raw[c]
        return table.sort_values(["mase", "rmsse"])

    @property
    def recommended(self) -> Recommendation:
        """The model to trust, by the package's one rule (:mod:`.recommend`) on this backtest's
        scores (the joint score of accuracy and interval score; no live next-month check here:
        ``bf.forecast`` and the report add it)."""
        rec = recommended_model(self)
        sel = self._selection_mase()
        if sel is None:
            return rec
        oos = (f"; the rule itself, scored out of sample (picking at each origin from the "
               f"errors known then), has MASE {sel:.3f}")  # fmt: skip
        return replace(rec, reason=rec.reason + oos)

    def _selection_mase(self) -> float | None:
        m = self.metrics
        keep = (m["horizon"] == "all") & (m["era"] == "all") & (m["intervals"] == "calibrated")
        row = m[keep & (m["model"] == SELECTION)]
        return float(row["mase"].mean()) if len(row) else None

    def selection_score(self, era: str = "all") -> pd.DataFrame:
        """The recommendation procedure scored out of sample, beside the in-sample pick.

        Rows: ``recommended (out-of-sample)`` (at each origin the rule of
        :attr:`recommended` applied to the errors known at that origin, and
        that model's forecasts scored), and the model recommended on the
        whole backtest (whose score is in-sample: the pick saw the errors it
        is judged on). Columns as :meth:`ranking` (calibrated intervals),
        plus ``picked`` (origins at which each was picked, for the first row
        the number of distinct models picked). Empty for a one-model backtest.

        Examples
        --------
        >>> import borderforecast as bf
        >>> res = bf.backtest(bf.load(), models=["snaive", "ets"], start="2024-01", h=3,
        ...                   cache=False)
        >>> res.selection_score().index.tolist()[0]
        'recommended (out-of-sample)'
        """
        m = self.metrics
        sel = m[(m["horizon"] == "all") & (m["era"] == era) & (m["intervals"] == "calibrated")]
        cols = metric_columns(self.options.levels) + ["skill", "n"]
        oos = sel[sel["model"] == SELECTION]
        if oos.empty:
            return pd.DataFrame(columns=cols + ["picked"])
        rec = self.recommended.model
        mine = sel[sel["model"] == rec]
        table = pd.concat([oos.groupby("model")[cols].mean(), mine.groupby("model")[cols].mean()])
        picks = self.selection_picks()
        picked = [float(picks["model"].nunique()), float((picks["model"] == rec).sum())]
        table["picked"] = picked[: len(table)]
        table.index = [SELECTION, f"{rec} (in-sample pick)"][: len(table)]
        return table

    def selection_picks(self) -> pd.DataFrame:
        """The model the out-of-sample rule picked at each origin: ``series, origin, model``."""
        rows = [
            (sid, pd.Timestamp(o), mod)
            for sid, d in (self.info.get("selection") or {}).items()
            for o, mod in d.items()
        ]
        return pd.DataFrame(rows, columns=["series", "origin", "model"])

    def summary(self) -> str:
        """A plain-text summary: the settings, the ranking and the recommendation."""
        f = self.forecasts
        lines = [
            f"Backtest: {', '.join(self.series)}; origins {f['origin'].min():%Y-%m} to "
            f"{f['origin'].max():%Y-%m} every {self.options.step} month(s), "
            f"{f['origin'].nunique()} origins, h = {self.options.h}",
            f"Data release: {self.info.get('data_release', 'unknown')}; "
            f"calibration: {self.options.calibration.method}",
            "",
            f"{'model':<16}{'MASE':>7}{'RMSSE':>7}{'sMAPE':>7}{'cov80':>7}{'cov95':>7}"
            f"{'raw80':>7}{'raw95':>7}{'skill':>7}",
        ]
        rank = self.ranking()
        for name, r in rank.iterrows():
            lines.append(
                f"{name:<16}{r['mase']:7.3f}{r['rmsse']:7.3f}{r['smape']:7.1f}"
                f"{r.get('coverage80', np.nan):7.0%}{r.get('coverage95', np.nan):7.0%}"
                f"{r.get('raw_coverage80', np.nan):7.0%}{r.get('raw_coverage95', np.nan):7.0%}"
                f"{r['skill']:7.1%}"
            )
        if not rank.empty:
            rec = self.recommended
            lines += ["", f"Recommended: {rec.model} ({rec.reason})"]
            sel = self.selection_score()
            if len(sel) == 2:
                lines.append(
                    f"The recommendation rule out of sample: MASE {sel['mase'].iloc[0]:.3f}, "
                    f"coverage {sel['coverage80'].iloc[0]:.0%} / {sel['coverage95'].iloc[0]:.0%}"
                    f" ({int(sel['picked'].iloc[0])} models picked over the origins); "
                    f"{rec.model} in sample: MASE {sel['mase'].iloc[1]:.3f}"
                )
        if len(self.errors):
            lines.append(f"{len(self.errors)} cells failed (see .errors)")
        return "\n".join(lines)

    def learned_weights(self, series: str | None = None) -> dict[str, float]:
        """Weights of ``learned_ensemble`` after the last month of data (for a live forecast).

        Use them as ``make_model("ensemble", members=list(w), method="weighted", weights=w)``.
        """
        weights = self.info.get("learned_weights") or {}
        if not weights:
            raise StoreError("this backtest has no learned ensemble (it needs two or more models)")
        sid = series or self.series[0]
        if sid not in weights:
            raise StoreError(f"no learned weights for series {sid!r}; series: {', '.join(weights)}")
        return dict(weights[sid])

    def to_frame(self) -> pd.DataFrame:
        """The metrics table (one row per series x model x intervals x era x horizon)."""
        return self.metrics.copy()

    def to_dict(self) -> dict[str, Any]:
        """Settings, info, ranking and errors as plain Python objects (JSON-able)."""
        rank = self.ranking().reset_index()
        return {
            "options": self.options.to_dict(),
            "info": self.info,
            "ranking": json.loads(rank.to_json(orient="records")),
            "metrics": json.loads(self.metrics.to_json(orient="records")),
            "recommended": {"model": self.recommended.model, "reason": self.recommended.reason}
            if not rank.empty
            else None,
            "errors": json.loads(_fmt_months(self.errors).to_json(orient="records")),
        }

    def plot(self, series: str | None = None, axes: Any = None) -> Any:
        """MASE by horizon per model (left) and interval coverage, raw vs calibrated (right).

        Returns the matplotlib Figure.
        """
        import matplotlib.pyplot as plt

        if axes is None:
            fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        else:
            fig = axes[0].figure
        m = self.metrics[
            (self.metrics["era"] == "all") & (self.metrics["intervals"] == "calibrated")
        ]
        m = m[m["series"] == (series or self.series[0])]
        byh = m[m["horizon"] != "all"].assign(h=lambda d: d["horizon"].astype(int))
        for model, g in byh.groupby("model"):
            g = g.sort_values("h")
            bench = model == BENCHMARK
            axes[0].plot(g["h"], g["mase"], marker="o", ms=3, lw=2.2 if bench else 1.3,
                         ls="--" if bench else "-", label=model)  # fmt: skip
        axes[0].set_xlabel("horizon (months ahead)")
        axes[0].set_ylabel("MASE (lower is better)")
        axes[0].set_title("Accuracy by horizon")
        axes[0].legend(fontsize=8, frameon=False)
        axes[0].grid(alpha=0.3)
        rank = self.ranking(series=series or self.series[0])
        x = np.arange(len(rank))
        width = 0.2
        for j, lv in enumerate(self.options.levels):
            for k, (prefix, alpha) in enumerate((("raw_", 0.35), ("", 0.9))):
                col = f"{prefix}coverage{lv:g}"
                if col in rank:
                    label = f"{lv:g}% {'raw' if prefix else 'calibrated'}"
                    axes[1].bar(x + (2 * j + k - 1.5) * width, rank[col], width, alpha=alpha,
                                color=f"C{j}", label=label)  # fmt: skip
            axes[1].axhline(lv / 100.0, color=f"C{j}", lw=1, ls=":")
        axes[1].set_xticks(x, rank.index, rotation=30, ha="right")
        axes[1].set_ylim(0, 1.05)
        axes[1].set_ylabel("share of actuals inside the interval")
        axes[1].set_title("Interval coverage (dotted: nominal)")
        axes[1].legend(fontsize=8, frameon=False, ncol=2)
        fig.tight_layout()
        return fig

    # -- files -------------------------------------------------------------
    def save(
        self, directory: str | os.PathLike[str], home: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write forecasts.csv, forecasts_raw.csv, metrics.csv and run.json into ``directory``
        (beside any other files there, all at once: :func:`borderforecast.atomic.write_files`)."""
        run = {
            "options": self.options.to_dict(),
            "info": self.info,
            "errors": json.loads(_fmt_months(self.errors).to_json(orient="records")),
        }
        files = {
            "forecasts.csv": csv_text(_fmt_months(self.forecasts), index=False),
            "forecasts_raw.csv": csv_text(_fmt_months(self.raw_forecasts), index=False),
            "metrics.csv": csv_text(self.metrics, index=False),
            "run.json": json.dumps(run, indent=2, default=str) + "\n",
        }
        try:
            write_files(directory, {k: v.encode() for k, v in files.items()}, "backtest", home)
        except OSError as exc:
            raise StoreError(f"cannot write the output folder {str(directory)!r}: {exc}") from None
        return Path(directory)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> BacktestResult:
        """Read a result written by :meth:`save`."""
        d = Path(directory)
        try:
            run = json.loads((d / "run.json").read_text(encoding="utf-8"))
            months = ["origin", "target_month"]
            fc, raw = (
                pd.read_csv(d / name, parse_dates=months, dtype={"series": str, "model": str})
                for name in ("forecasts.csv", "forecasts_raw.csv")
            )
            metrics = pd.read_csv(
                d / "metrics.csv", dtype={"horizon": str, "era": str, "series": str}
            )
        except (OSError, ValueError) as exc:
            raise StoreError(f"{str(d)!r} does not hold a saved backtest: {exc}") from None
        for frame in (fc, raw, metrics):
            frame.rename(columns={"mean": "median"}, inplace=True)  # saved before the rename
            for col in {"series", "model"} & set(frame.columns):
                frame[col] = csv_unquote(frame[col])
        known = {f.name for f in fields(BacktestOptions)}  # options since removed are unused
        opts = {k: v for k, v in run["options"].items() if k in known}
        known = {f.name for f in fields(CalibrationOptions)}
        opts["calibration"] = CalibrationOptions(
            **{k: v for k, v in opts["calibration"].items() if k in known}
        )
        opts["levels"] = tuple(opts["levels"])
        opts["scheduler"] = None
        opts["engine"] = "sequential"
        errors = pd.DataFrame(run.get("errors", []), columns=["series", "model", "origin", "error"])
        errors["origin"] = pd.to_datetime(errors["origin"])
        return cls(fc, raw, metrics, errors, BacktestOptions(**opts), run.get("info", {}))


def forecast_columns(levels: tuple[float, ...]) -> list[str]:
    """All columns of ``forecasts.csv`` for the given levels."""
    return FORECAST_COLUMNS + interval_columns(levels)
