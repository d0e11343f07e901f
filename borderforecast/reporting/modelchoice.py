"""Section 2's model choice: a quick backtest of a few models, cached per data release.

The report runs :func:`borderforecast.backtest` on a small set of models with
quarterly origins (fast enough for a monthly report) and keeps the result
under ``<home>/cache/report/backtest/<key>/``, where ``key`` hashes the data
(the series' months and values), the models and the settings. A second
report on the same data reuses it, and states the date the backtest was
first run (so two builds of the same month give the same page).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_bytes as atomic_write_bytes
from ..backtesting import BacktestResult
from ..paths import home_dir

BENCHMARK = "snaive"


@dataclass(frozen=True)
class ModelChoice:
    """The backtest behind the report's forecast and the model it leads to."""

    result: BacktestResult
    date: str
    model: str
    reason: str
    recommended: str
    user_choice: bool
    cached: bool


def _key(y: pd.Series, models: Sequence[str], settings: dict) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"models": list(models), **settings}, sort_keys=True, default=str).encode())
    h.update(pd.DatetimeIndex(y.index).strftime("%Y-%m").str.cat(sep=",").encode())
    h.update(pd.Series(y, dtype=float).round(3).to_numpy().tobytes())
    return h.hexdigest()[:20]


def _code_and_specs(models: Sequence[str], home) -> dict:
    from ..cache import code_fingerprint
    from ..models.registry import get_spec

    specs = [get_spec(m, home).to_dict() | {"class": get_spec(m, home).class_path} for m in models]
    families = [f"borderforecast.models.{s['family']}" for s in specs]
    return {"specs": specs, "code": code_fingerprint("borderforecast.backtesting.run", *families)}


def cache_folder(home: str | os.PathLike[str] | None = None) -> Path:
    return home_dir(home) / "cache" / "report" / "backtest"


def run_backtest(
    y: pd.Series,
    series: str,
    models: Sequence[str],
    *,
    step: int = 3,
    start: str | None = None,
    h: int = 12,
    seed: int = 0,
    jobs: int = 1,
    home: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[BacktestResult, str, bool]:
    """Run (or load from the report cache) the backtest; return ``(result, date, cached)``."""
    from .. import __version__
    from ..backtesting import backtest

    settings = {
        "series": series,
        "step": step,
        "start": start,
        "h": h,
        "seed": seed,
        "version": __version__,
    }
    settings.update(_code_and_specs(models, home))  # spec parameters and code are in the key
    folder = cache_folder(home) / _key(y, models, settings)
    stamp = folder / "report.json"
    if stamp.exists():
        try:
            meta = json.loads(stamp.read_text(encoding="utf-8"))
            return BacktestResult.load(folder), str(meta["date"]), True
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache: run again and overwrite it
    kwargs: dict[str, Any] = {"step": step, "h": h, "seed": seed, "cache": True}
    if start is not None:
        kwargs["start"] = start
    if jobs > 1:
        kwargs.update(engine="processes", jobs=jobs)
    result = backtest({series: y}, models=list(models), progress=progress, **kwargs)
    result.save(folder)
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    atomic_write_bytes(
        stamp, json.dumps({"date": date, "settings": settings, "models": list(models)}).encode()
    )
    return result, date, False


def choose_model(result: BacktestResult, date: str, cached: bool, model: str | None) -> ModelChoice:
    """The model the report uses: the user's, else the backtest's recommendation."""
    rec = result.recommended
    if model is not None:
        return ModelChoice(
            result,
            date,
            model,
            f"chosen by the user (the backtest recommends {rec.model}: {rec.reason})",
            rec.model,
            True,
            cached,
        )
    return ModelChoice(result, date, rec.model, rec.reason, rec.model, False, cached)


def ranking_rows(choice: ModelChoice) -> list[dict]:
    """The ranking as plain rows: rank, model, MASE, RMSSE, sMAPE, coverage, skill vs snaive."""
    rank = choice.result.ranking()
    rows = []
    for i, (name, r) in enumerate(rank.iterrows(), start=1):
        rows.append(
            {
                "rank": i,
                "model": str(name),
                "mase": float(r["mase"]),
                "rmsse": float(r["rmsse"]),
                "smape": float(r["smape"]),
                "coverage80": float(r.get("coverage80", float("nan"))),
                "coverage95": float(r.get("coverage95", float("nan"))),
                "skill": float(r.get("skill", float("nan"))),
            }
        )
    return rows
