"""Forecast vintages: the forecasts each report made, kept to be scored later.

``<home>/vintages/<series>/<data-month>/<model>.csv`` holds a forecast (``month, mean, lo80,
hi80, lo95, hi95``), ``actuals.csv`` beside it the data it was made from. A vintage is never
overwritten silently: the same bytes again are ``"unchanged"``, different ones raise
:class:`~borderforecast.errors.StoreError` unless ``force=True``, which keeps the old file as
``<model>.rev<N>.csv`` (``"revised"``). Files are written atomically, one writer at a time.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_bytes
from ..errors import StoreError
from ..paths import home_dir
from ..series import month as parse_month

FORECAST_COLUMNS = ("mean", "lo80", "hi80", "lo95", "hi95")
ACTUALS_FILE = "actuals.csv"
_MODEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
Home = str | os.PathLike[str] | None


def series_folder(series: str) -> str:
    """Folder name of a series id (``/`` -> ``__``; other unsafe characters -> a hash suffix).

    >>> series_folder("sector/tucson")
    'sector__tucson'
    >>> series_folder("citizenship/cote-d'ivoire")
    'citizenship__cote-d-ivoire-490efe3b'
    """
    name = str(series).strip().replace("/", "__")
    if not name:
        raise StoreError(f"series id {series!r} cannot name a vintage folder")
    if name.startswith(".") or not re.fullmatch(r"[A-Za-z0-9._+\-]+", name):
        digest = hashlib.sha256(str(series).encode("utf-8")).hexdigest()[:8]
        safe = re.sub(r"[^A-Za-z0-9._+\-]+", "-", name).strip(".-") or "series"
        name = f"{safe}-{digest}"
    return name


def vintages_root(series: str, home: Home = None) -> Path:
    """``<home>/vintages/<series>``."""
    return home_dir(home) / "vintages" / series_folder(series)


def _check_model(model: str) -> str:
    if not _MODEL_RE.match(model) or ".rev" in model or model == "actuals":
        raise StoreError(f"model name {model!r} cannot name a vintage file")
    return model


def forecast_csv(forecast: pd.DataFrame) -> bytes:
    """The canonical CSV bytes of a forecast frame (fixed columns, 3 decimals)."""
    missing = [c for c in FORECAST_COLUMNS if c not in forecast.columns]
    if missing:
        raise StoreError(f"forecast to store lacks columns {missing}")
    return _csv(forecast.loc[:, list(FORECAST_COLUMNS)].astype(float))


def actuals_csv(y: pd.Series) -> bytes:
    """The canonical CSV bytes of an actuals snapshot."""
    return _csv(pd.DataFrame({"value": np.asarray(y, dtype=float)}, index=y.index))


def _csv(frame: pd.DataFrame) -> bytes:
    frame = frame.set_axis(pd.DatetimeIndex(frame.index).strftime("%Y-%m").rename("month"))
    return frame.to_csv(float_format="%.3f", lineterminator="\n").encode()


def _read_monthly_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype={"month": str})
        frame.index = pd.DatetimeIndex(
            pd.to_datetime(frame.pop("month"), format="%Y-%m"), freq="MS", name="month"
        )
    except (OSError, ValueError, KeyError) as exc:
        raise StoreError(f"vintage file {path} cannot be read ({exc})") from None
    return frame.astype(float)


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save_vintage` did: ``status`` is ``written``, ``unchanged`` or ``revised``."""

    path: Path
    status: str
    previous: Path | None = None


def _store(path: Path, data: bytes, force: bool, what: str, home: Home) -> SaveResult:
    from ..locking import write_lock

    with write_lock(path.parent, home=home):
        if not path.exists():
            write_bytes(path, data)
            return SaveResult(path, "written")
        if path.read_bytes() == data:
            return SaveResult(path, "unchanged")
        if not force:
            raise StoreError(
                f"{what} {path} already exists with different content (the data or the model "
                "changed since it was stored); it is never overwritten silently: rerun with "
                "--force (force=True) to keep the old file as a .revN copy and store the new one"
            )
        n = 1
        while (old := path.with_name(f"{path.stem}.rev{n}{path.suffix}")).exists():
            n += 1
        os.replace(path, old)
        write_bytes(path, data)
        return SaveResult(path, "revised", old)


def _folder(series: str, data_month: str | pd.Timestamp, home: Home) -> Path:
    return vintages_root(series, home) / f"{parse_month(data_month):%Y-%m}"


def check_unchanged(
    series: str, y: pd.Series, forecasts: dict[str, pd.DataFrame], home: Home = None
) -> None:
    """Raise :class:`StoreError` if storing ``forecasts`` and the actuals ``y`` of its last
    month would change a stored vintage (a report checks this before its long work)."""
    folder = _folder(series, y.index[-1], home)
    planned = {f"{name}.csv": forecast_csv(fc) for name, fc in forecasts.items()}
    planned[ACTUALS_FILE] = actuals_csv(y)
    for name, data in planned.items():
        path = folder / name
        if path.exists() and path.read_bytes() != data:
            raise StoreError(
                f"forecast vintage {path.parent.name}/{path.name} of series {series!r} is already "
                "stored with different numbers (the data or the model changed since, or another "
                "series has this name); vintages are never overwritten silently: for a revision "
                "of the same series rerun with --force to keep the old one as a .revN copy; for a "
                "different series give its file another name (a user file's name is its id)"
            )


def save_vintage(
    series: str, data_month: str | pd.Timestamp, model: str, forecast: pd.DataFrame, *,
    home: Home = None, force: bool = False,
) -> SaveResult:  # fmt: skip
    """Store a forecast made with data through ``data_month`` (a different one already stored
    raises :class:`StoreError` unless ``force``)."""
    path = _folder(series, data_month, home) / f"{_check_model(model)}.csv"
    return _store(path, forecast_csv(forecast), force, "forecast vintage", home)


def save_actuals(
    series: str, data_month: str | pd.Timestamp, y: pd.Series, *, home: Home = None,
    force: bool = False,
) -> SaveResult:  # fmt: skip
    """Store the series a report was built from (used later to list revisions)."""
    path = _folder(series, data_month, home) / ACTUALS_FILE
    return _store(path, actuals_csv(y), force, "actuals snapshot", home)


@dataclass(frozen=True)
class Vintage:
    """One stored forecast: the series, the last data month it saw, the model."""

    series: str
    data_month: pd.Timestamp
    model: str
    path: Path

    def forecast(self) -> pd.DataFrame:
        """The stored forecast (month index; ``mean, lo80, hi80, lo95, hi95``)."""
        return _read_monthly_csv(self.path)


def list_vintages(
    series: str, *, home: Home = None, before: str | pd.Timestamp | None = None
) -> list[Vintage]:
    """Stored vintages of ``series`` (not the ``.revN`` copies), oldest first; ``before``: only
    those of an earlier data month."""
    root = vintages_root(series, home)
    if not root.is_dir():
        return []
    cutoff = parse_month(before) if before is not None else None
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and _MONTH_RE.match(p.name)):
        dm = pd.Timestamp(f"{folder.name}-01")
        if cutoff is not None and dm >= cutoff:
            continue
        for f in sorted(folder.glob("*.csv")):
            if f.name == ACTUALS_FILE or ".rev" in f.stem:
                continue
            out.append(Vintage(series, dm, f.stem, f))
    return out


def load_actuals(
    series: str, data_month: str | pd.Timestamp, *, home: Home = None
) -> pd.Series | None:
    """The actuals snapshot stored with a data month's vintages, or ``None``."""
    path = _folder(series, data_month, home) / ACTUALS_FILE
    if not path.exists():
        return None
    return _read_monthly_csv(path)["value"].rename(series)


def score_vintages(vintages: list[Vintage], y: pd.Series) -> pd.DataFrame:
    """One row per vintage and forecast month with an actual in ``y``: ``data_month, model,
    month, horizon, actual, mean, lo80, hi80, lo95, hi95, error`` (actual - mean), ``ape``
    (absolute % error, NaN at a zero actual), ``in80, in95`` (actual inside the interval)."""
    cols = ["data_month", "model", "month", "horizon", "actual", *FORECAST_COLUMNS, "error",
            "ape", "in80", "in95"]  # fmt: skip
    frames = []
    for v in vintages:
        fc = v.forecast()
        months = fc.index.intersection(y.index)
        f = fc.loc[months, list(FORECAST_COLUMNS)].reset_index(drop=True)
        f.insert(0, "actual", y.loc[months].to_numpy(dtype=float))
        ahead = (months.year - v.data_month.year) * 12 + months.month - v.data_month.month
        frames.append(f.assign(data_month=v.data_month, model=v.model, month=months,
                               horizon=np.asarray(ahead)))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out["error"] = out["actual"] - out["mean"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ape"] = np.where(out["actual"] > 0, out["error"].abs() / out["actual"] * 100, np.nan)
    for lv in (80, 95):
        out[f"in{lv}"] = (out[f"lo{lv}"] <= out["actual"]) & (out["actual"] <= out[f"hi{lv}"])
    return out[cols]


def summarize_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (data month, model): months scored, MAPE, bias, interval coverage."""
    cols = ["data_month", "model", "months", "mape", "mean_error", "coverage80", "coverage95"]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    g = scores.groupby(["data_month", "model"], sort=True)
    out = g.agg(months=("ape", "size"), mape=("ape", "mean"), mean_error=("error", "mean"),
                coverage80=("in80", "mean"), coverage95=("in95", "mean"))  # fmt: skip
    return out.reset_index()[cols]


def revisions(old: pd.Series | None, new: pd.Series) -> pd.DataFrame:
    """Months whose value changed between an earlier snapshot and the current data.

    Returns ``month, before, after, change`` for the months present in both.
    """
    cols = ["month", "before", "after", "change"]
    if old is None:
        return pd.DataFrame(columns=cols)
    common = old.index.intersection(new.index)
    a, b = old.reindex(common).astype(float), new.reindex(common).astype(float)
    changed = ~np.isclose(a.values, b.values, rtol=0, atol=0.0005)
    out = pd.DataFrame(
        {"month": common[changed], "before": a.values[changed], "after": b.values[changed]}
    )
    out["change"] = out["after"] - out["before"]
    return out[cols]
