"""The counterfactual panel: many models, a plausibility gate, one calibrated evidence line.

Every model forecasts the window and the same window of every placebo year (a ``z`` of
:func:`~borderforecast.assessment.counterfactual.window_z` each); the gate and the calibrated
combination are in the assessment guide; :class:`PlaceboCalibration` is ``Assessment.placebo``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BorderforecastError
from .counterfactual import (
    HORIZON,
    Counterfactual,
    counterfactual,
    fit_paths,
    implied_change,
    window_z,
)  # fmt: skip
from .options import Window
from .robust import calibrate, fingerprint, loo_alarms, rank_p, robust_z

MAX_FALSE_ALARM = 0.30
"""Gate: a model's own placebo false-alarm rate (nominal: alpha) may exceed this only up to
twice the panel's median rate (turbulent placebo years raise every model's rate)."""

MAX_IMPLIED_Z = 3.0
"""Gate: largest robust |z| of the implied seasonal change among the reference years."""

MAX_ERROR_RATIO = 2.0
"""Gate: largest placebo error relative to the panel's median placebo error."""


@dataclass(frozen=True)
class ModelRun:
    """One panel model: its counterfactual, placebo runs (index year; ``z, p_value, log_error,
    error``), own calibrated p, implied seasonal change (percent) with its robust z among the
    normal years, and the gate (``gate_reason`` is "" when it passed)."""

    model: str
    counterfactual: Counterfactual | None
    error: str
    placebo: pd.DataFrame = field(repr=False)
    z: float = float("nan")
    calibrated_p: float = float("nan")
    false_alarm_rate: float = float("nan")
    placebo_error: float = float("nan")
    implied_change_pct: float = float("nan")
    implied_z: float = float("nan")
    gate_passed: bool = False
    gate_reason: str = ""

    @property
    def n_placebo(self) -> int:
        return int((self.placebo["error"] == "").sum()) if len(self.placebo) else 0


@dataclass(frozen=True)
class Panel:
    """The panel's runs and the calibrated combination."""

    runs: tuple[ModelRun, ...]
    reference_median_change: float
    combined_z: float
    placebo_median_z: pd.Series
    calibrated_p: float
    rank_p: float
    z_mean: float
    z_scale: float
    n_years: int
    alpha: float
    seconds: float

    @property
    def passed(self) -> list[ModelRun]:
        return [r for r in self.runs if r.gate_passed]

    @property
    def flagged(self) -> list[ModelRun]:
        return [r for r in self.runs if not r.gate_passed]

    @property
    def direction(self) -> str:
        """Direction of the combined evidence (below the placebo centre: decline)."""
        m = self.z_mean if np.isfinite(self.z_mean) else 0.0
        return "decline" if self.combined_z < m else "rise"

    def more_extreme_years(self) -> list[int]:
        """Placebo years whose panel median is at least as far from the centre as the target."""
        if not np.isfinite(self.combined_z) or not np.isfinite(self.z_mean):
            return []
        d = abs(self.combined_z - self.z_mean)
        s = self.placebo_median_z.dropna()
        return sorted(int(k) for k, v in s.items() if abs(v - self.z_mean) >= d)

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": [r.model for r in self.runs], "passed": [r.model for r in self.passed],
            "flagged": {r.model: r.gate_reason for r in self.flagged},
            "reference_median_change_pct": 100 * float(np.expm1(self.reference_median_change)),
            "combined_z": self.combined_z, "calibrated_p": self.calibrated_p, "rank_p": self.rank_p,
            "z_mean": self.z_mean, "z_scale": self.z_scale, "n_years": self.n_years,
            "direction": self.direction, "more_extreme_years": self.more_extreme_years(),
            "seconds": self.seconds,
        }


Fit = tuple[Any, Any, str]
"""``(paths, fitted levels, error)`` of one model fitted on the months before one start."""

_FITS: dict[tuple[Any, ...], Fit] = {}
"""Fits made in this process, shared by a window's neighbours and repeated assessments."""

MAX_CACHED = 4000


def fit_unit(unit: tuple[Any, ...]) -> Fit:
    """One fit of ``unit = (y, start, model, h, n_paths, seed)``; errors are returned."""
    try:
        paths, levels = fit_paths(*unit)
        return paths, levels, ""
    except BorderforecastError as exc:
        return None, None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one failing fit must not kill the panel
        return None, None, f"{type(exc).__name__}: {exc}"


def fit_all(
    y: pd.Series, wanted: list[tuple[str, pd.Timestamp, int]], h: int, seed: int, n_jobs: int
) -> dict[tuple[str, pd.Timestamp, int], Fit]:
    """Every ``(model, start, n_paths)`` fit, from the process cache or run (in parallel)."""
    key, H = fingerprint(y), max(HORIZON, h)
    out: dict[tuple[str, pd.Timestamp, int], Fit] = {}
    todo = []
    for item in dict.fromkeys(wanted):
        hit = _FITS.get((key, *item, H, seed))
        if hit is None:
            todo.append(item)
        else:
            out[item] = hit
    from ..backtesting.engines import parallel_map

    units = [(y, s, m, H, n, seed) for m, s, n in todo]
    results = parallel_map(fit_unit, units, "processes", n_jobs)
    if len(_FITS) > MAX_CACHED:
        _FITS.clear()
    for item, res in zip(todo, results, strict=True):
        _FITS[(key, *item, H, seed)] = res
        out[item] = res
    return out


def window_stats(y: pd.Series, w: Window, fit: Fit) -> tuple[float, float, float]:
    """``(z, model-based p, log error)`` of window ``w`` from its fit."""
    obs = float(y.reindex(w.months).sum())
    totals = fit[0][:, : w.h].sum(axis=1)
    err = float(np.log(obs + 1.0) - np.mean(np.log(totals + 1.0)))
    return window_z(obs, totals), rank_p(obs, totals), err


def gate(run: ModelRun, reference_changes: np.ndarray, panel_error: float, alpha: float,
         panel_false_alarm: float = 0.0) -> tuple[bool, str]:
    """The plausibility gate of one run: ``(passed, reason)``.

    Examples
    --------
    >>> r = ModelRun("m", None, "", pd.DataFrame(), false_alarm_rate=0.4, implied_z=0.5,
    ...              placebo_error=0.1)
    >>> gate(r, np.array([]), 0.1, 0.05)
    (False, 'placebo false-alarm rate 40% (nominal 5%, limit 30%)')
    """
    if run.error:
        return False, f"could not be fitted ({run.error})"
    reasons = []
    limit = max(MAX_FALSE_ALARM, 2 * panel_false_alarm if np.isfinite(panel_false_alarm) else 0)
    if np.isfinite(run.false_alarm_rate) and run.false_alarm_rate > limit:
        reasons.append(
            f"placebo false-alarm rate {100 * run.false_alarm_rate:.0f}% "
            f"(nominal {100 * alpha:g}%, limit {100 * limit:.0f}%)"
        )
    if np.isfinite(run.implied_z) and abs(run.implied_z) > MAX_IMPLIED_Z:
        med = 100 * np.expm1(float(np.median(reference_changes)))
        reasons.append(
            f"implies a seasonal change of {run.implied_change_pct:+.1f}% over the window, "
            f"robust z {run.implied_z:+.1f} against the normal years (median {med:+.1f}%)"
        )
    bad = np.isfinite(run.placebo_error) and run.placebo_error > MAX_ERROR_RATIO * panel_error
    if bad and panel_error > 0:
        reasons.append(
            f"poor backtest at this horizon: placebo error {100 * run.placebo_error:.0f}% "
            f"vs panel median {100 * panel_error:.0f}%"
        )
    return (not reasons), "; ".join(reasons)


def run_panel(y: pd.Series, window: Window, models: tuple[str, ...],
              placebo_windows: list[Window], reference_changes: np.ndarray,
              fits: dict[tuple[str, pd.Timestamp, int], Fit], *, n_paths: int = 1000,
              placebo_paths: int = 200, alpha: float = 0.05, use_gate: bool = True) -> Panel:
    """Every model on the window and its placebo years (from ``fits``); gate, combine and
    calibrate."""
    t0 = time.perf_counter()
    years = [w.end.year for w in placebo_windows]
    raw = []
    for m in models:
        paths, levels, err = fits[(m, window.start, n_paths)]
        cf = counterfactual(y, window, m, paths) if paths is not None else None
        implied = implied_change(paths, levels, window) if paths is not None else np.nan
        rows = []
        for w in placebo_windows:
            f = fits[(m, w.start, placebo_paths)]
            ok = f[0] is not None
            rows.append((*window_stats(y, w, f), f[2]) if ok else (np.nan,) * 3 + (f[2],))
        frame = pd.DataFrame(
            rows, columns=["z", "p_value", "log_error", "error"], index=pd.Index(years, name="year")
        )
        z = cf.z if cf is not None else np.nan
        raw.append(model_run(m, cf, err, frame, z, implied, reference_changes, alpha))
    return combine(raw, reference_changes, alpha, use_gate, seconds=time.perf_counter() - t0)


def model_run(model: str, cf: Counterfactual | None, error: str, placebo: pd.DataFrame, z: float,
              implied_log: float, reference_changes: np.ndarray, alpha: float) -> ModelRun:
    """A :class:`ModelRun` (gate not yet applied) from a target ``z`` and placebo runs."""
    ok = placebo["error"] == ""
    cal_p = calibrate(z, placebo.loc[ok, "z"].to_numpy(), robust=True)[0] if not error else np.nan
    far = float((placebo.loc[ok, "p_value"] < alpha).mean()) if ok.any() else float("nan")
    perr = float(placebo.loc[ok, "log_error"].abs().median()) if ok.any() else float("nan")
    implied_pct = 100 * float(np.expm1(implied_log))
    return ModelRun(model, cf, error, placebo, float(z), float(cal_p), far, perr, implied_pct,
                    robust_z(implied_log, reference_changes))  # fmt: skip


def combine(raw: list[ModelRun], reference_changes: np.ndarray, alpha: float,
            use_gate: bool = True, seconds: float = float("nan")) -> Panel:
    """Gate every run, then combine the passing ones and calibrate the combination."""
    errs = [r.placebo_error for r in raw if not r.error]
    panel_error = float(np.nanmedian(errs)) if errs and np.any(np.isfinite(errs)) else np.nan
    fars = [r.false_alarm_rate for r in raw if not r.error]
    panel_far = float(np.nanmedian(fars)) if fars and np.any(np.isfinite(fars)) else 0.0
    runs = []
    for r in raw:
        ok, why = gate(r, reference_changes, panel_error, alpha, panel_far)
        if not use_gate and not r.error:
            ok, why = True, ""
        runs.append(dataclasses.replace(r, gate_passed=ok, gate_reason=why))
    passed = [r for r in runs if r.gate_passed]
    if passed:
        combined = float(np.median([r.z for r in passed]))
        zmat = pd.concat([r.placebo["z"].where(r.placebo["error"] == "") for r in passed], axis=1)
        med = zmat.median(axis=1, skipna=True)
        cal_p, rank, mean, scale = calibrate(combined, med.dropna().to_numpy(), robust=True)
    else:
        combined = cal_p = rank = mean = scale = float("nan")
        med = pd.Series(dtype=float)
    ref = float(np.median(reference_changes)) if len(reference_changes) else float("nan")
    return Panel(
        runs=tuple(runs), reference_median_change=ref, combined_z=combined, placebo_median_z=med,
        calibrated_p=float(cal_p), rank_p=float(rank),
        z_mean=float(mean), z_scale=float(scale), n_years=int(med.notna().sum()), alpha=alpha,
        seconds=seconds,
    )


@dataclass(frozen=True)
class PlaceboCalibration:
    """The panel's placebo years and the calibrated p-value of the window.

    ``frame`` has one row per placebo year (``start, end, z, p_value, error, alarm``: ``p_value``
    is the year calibrated against the others, ``alarm`` that p below alpha), so
    ``false_alarm_rate`` is the calibrated test's own rate in ordinary years; ``rank_p`` is
    ``(1 + #years with |z - centre| >= |z target - centre|) / (k + 1)``.
    """

    model: str
    frame: pd.DataFrame
    target_z: float
    false_alarm_rate: float
    calibrated_p: float
    rank_p: float
    z_mean: float
    z_scale: float
    n_years: int
    n_failed: int
    alpha: float
    seconds: float

    @property
    def n_more_extreme(self) -> int:
        """Placebo years whose ``|z|`` is at least the target's."""
        ok = self.frame["z"].dropna()
        return int(np.sum(np.abs(ok.to_numpy()) >= abs(self.target_z)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "n_years": self.n_years, "n_failed": self.n_failed,
            "years": [int(pd.Timestamp(s).year) for s in self.frame["start"]],
            "false_alarm_rate": self.false_alarm_rate,
            "false_alarm_rate_pct": 100 * self.false_alarm_rate, "calibrated_p": self.calibrated_p,
            "rank_p": self.rank_p, "n_more_extreme": self.n_more_extreme, "z_mean": self.z_mean,
            "z_scale": self.z_scale, "target_z": self.target_z, "seconds": self.seconds,
        }


def panel_placebo(panel: Any, years: Any, alpha: float) -> PlaceboCalibration:
    """The :class:`PlaceboCalibration` of the panel's combined statistic."""
    med = panel.placebo_median_z
    wins = {w.end.year: w for w in years.placebo_windows()}
    idx = [int(v) for v in med.index] if len(med) else []
    z = med.to_numpy(dtype=float)
    ok = np.isfinite(z)
    p = np.full(len(z), np.nan)
    if ok.sum() >= 3:
        p[ok] = loo_alarms(z[ok])
    frame = pd.DataFrame(
        {
            "start": [wins[v].start for v in idx], "end": [wins[v].end for v in idx], "z": z,
            "p_value": p, "error": ["" if o else "no panel model ran" for o in ok],
        }
    )
    frame["alarm"] = frame["p_value"] < alpha
    n_ok = int(ok.sum())
    passed = [r.model for r in panel.passed]
    return PlaceboCalibration(
        model=f"panel median of {len(passed)} models ({', '.join(passed)})", frame=frame,
        target_z=float(panel.combined_z),
        false_alarm_rate=float(frame.loc[ok, "alarm"].mean()) if n_ok >= 3 else float("nan"),
        calibrated_p=float(panel.calibrated_p), rank_p=float(panel.rank_p),
        z_mean=float(panel.z_mean), z_scale=float(panel.z_scale), n_years=n_ok,
        n_failed=int((~ok).sum()), alpha=alpha, seconds=float(panel.seconds),
    )
