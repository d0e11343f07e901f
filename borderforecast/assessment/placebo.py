"""Line 4: placebo calibration on the same calendar window of the normal earlier years.

The counterfactual panel is rerun, with fewer paths, on the same calendar window in every
normal earlier year (:mod:`borderforecast.assessment.normal`) that has ``min_history`` months
before it and ends before the target window starts. Those years give the test's empirical
false-alarm rate and the spread of its statistic ``z`` in ordinary years, from which
:func:`calibrate` computes the calibrated p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .robust import mad


@dataclass(frozen=True)
class PlaceboCalibration:
    """Placebo runs and the calibrated p-value of the target window.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per placebo year: ``start, end, z, p_value, alarm`` (``alarm`` =
        model-based p below alpha); failed years carry ``error``.
    false_alarm_rate : float
        Share of placebo years in which the model-based test fired (nominal: alpha).
    calibrated_p : float
        Two-sided calibrated p-value of the target (see the module docstring).
    rank_p : float
        ``(1 + #placebo years with |z - centre| >= |z target - centre|) / (k + 1)``.
    seconds : float
        Wall time of the placebo runs.
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


def calibrate(
    target_z: float, placebo_z: np.ndarray, robust: bool = False
) -> tuple[float, float, float, float]:
    """``(calibrated_p, rank_p, centre, scale)`` of ``target_z`` given placebo statistics.

    With ``m``, ``s`` the mean and standard deviation of the ``k`` placebo ``z`` values (``s``
    never below 1, so calibration never narrows the spread of the model's intervals; the
    centring on ``m`` can still move the p-value either way when the placebo years lean to one
    side), ``t = (z - m) / (s * sqrt(1 + 1/k))`` is referred to a Student t with ``k - 1``
    degrees of freedom (a prediction interval for a new year). The rank of the target among
    the placebo years is reported beside it.

    ``robust=True`` (what the counterfactual panel uses) centres on the median and scales
    by ``1.4826 * MAD`` instead of the mean and standard deviation, so one or two turbulent
    placebo years that the shock screen let through do not widen the null for every other
    year; the scale is still never below 1, and the Student t reference has
    ``0.37 (k - 1)`` degrees of freedom (at least 2): the MAD is a noisier scale estimate.

    Examples
    --------
    >>> z = np.array([-0.5, 0.2, 0.4, -0.1, 0.3, 4.0])
    >>> p, rank, m, s = calibrate(-3.0, z)
    >>> round(p, 3), round(m, 2), round(s, 2)
    (0.09, 0.72, 1.64)
    >>> p, rank, m, s = calibrate(-3.0, z, robust=True)
    >>> round(p, 3), round(m, 2), round(s, 2)
    (0.095, 0.25, 1.0)
    """
    z = np.asarray(placebo_z, dtype=float)
    z = z[np.isfinite(z)]
    k = len(z)
    if k == 0:
        return float("nan"), float("nan"), float("nan"), float("nan")
    if robust:
        m = float(np.median(z))
        s = max(1.0, mad(z)) if k > 1 else 1.0
    else:
        m = float(z.mean())
        s = max(1.0, float(z.std(ddof=1))) if k > 1 else 1.0
    rank = float((1 + np.sum(np.abs(z - m) >= abs(target_z - m))) / (k + 1))
    if k < 2:
        return float("nan"), rank, m, s
    t = (target_z - m) / (s * np.sqrt(1 + 1 / k))
    # the MAD estimates a scale with about 37% of the standard deviation's efficiency under
    # normality, so it carries about 0.37 (k - 1) degrees of freedom
    df = max(2.0, MAD_EFFICIENCY * (k - 1)) if robust else k - 1
    return float(2 * stats.t.sf(abs(t), df=df)), rank, m, s


MAD_EFFICIENCY = 0.37
"""Asymptotic efficiency of the MAD relative to the standard deviation (normal data)."""


def loo_alarms(z: np.ndarray, robust: bool = True) -> np.ndarray:
    """Calibrated p of each placebo statistic against the others (leave one out).

    The share below ``alpha`` is the false-alarm rate of the calibrated test itself in
    the placebo years.
    """
    z = np.asarray(z, dtype=float)
    return np.array([calibrate(z[i], np.delete(z, i), robust)[0] for i in range(len(z))])


def panel_placebo(panel: Any, years: Any, alpha: float) -> PlaceboCalibration:
    """The placebo calibration of the panel's combined statistic (see
    :mod:`borderforecast.assessment.panel`), in the shape of a single model's."""
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
