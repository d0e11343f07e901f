"""Line 1: the counterfactual forecast (CausalImpact style) of one model.

A model fitted only on the months before ``start`` simulates sample paths of the window: the
expected counts with intervals, month by month and summed (the paths keep the dependence
between months), and the tail probability of the observed sum.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..models.registry import make_model
from .options import Window
from .robust import tail_probabilities


@dataclass(frozen=True)
class Counterfactual:
    """The counterfactual of one model over one window.

    ``frame`` has one row per month: ``observed, expected, lo80, hi80, lo95, hi95`` (counts),
    ``effect, effect_lo95, effect_hi95`` (observed minus the paths) and the same cumulated
    (``cum_*``). ``relative_*`` is ``observed_sum / simulated total - 1`` (a fraction: median,
    95% and 90% intervals); ``p_lower, p_upper`` the tails of the observed total among the
    simulated ones; ``z`` the statistic of :func:`window_z` that the placebo years calibrate.
    """

    model: str
    frame: pd.DataFrame
    observed_sum: float
    expected_sum: float
    sum_lo95: float
    sum_hi95: float
    relative_effect: float
    relative_lo95: float
    relative_hi95: float
    relative_lo90: float
    relative_hi90: float
    p_lower: float
    p_upper: float
    z: float
    n_paths: int

    @property
    def direction(self) -> str:
        """``'decline'`` if the observed total is below the expected one, else ``'rise'``."""
        return "decline" if self.observed_sum < self.expected_sum else "rise"

    @property
    def p_one_sided(self) -> float:
        """CausalImpact's posterior tail-area probability: the tail in the observed direction."""
        return min(self.p_lower, self.p_upper)

    @property
    def p_value(self) -> float:
        """Two-sided model-based p-value, ``min(1, 2 * p_one_sided)`` (what the verdict uses)."""
        return min(1.0, 2.0 * self.p_one_sided)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "observed_sum": self.observed_sum,
            "expected_sum": self.expected_sum, "sum_lo95": self.sum_lo95, "sum_hi95": self.sum_hi95,
            **{f"relative_{k}_pct": 100 * getattr(self, f"relative_{k}")
               for k in ("effect", "lo95", "hi95", "lo90", "hi90")},
            "p_one_sided": self.p_one_sided,
            "p_value": self.p_value, "direction": self.direction, "z": self.z,
            "n_paths": self.n_paths,
            "monthly": [
                {"month": f"{m:%Y-%m}", **{k: float(v) for k, v in row.items()}}
                for m, row in self.frame.iterrows()
            ],
        }


HORIZON = 13
"""Months every fit simulates (more for a longer window): the window and its neighbours share
the same paths, so each gives the same numbers alone."""


def fit_paths(
    y: pd.Series, start: pd.Timestamp, model: str, h: int, n_paths: int, seed: int
) -> tuple[np.ndarray, pd.Series]:
    """Fit ``model`` on the months before ``start``: paths ``(n_paths, max(HORIZON, h))`` from
    ``start`` on, and its fitted (one-step) counts of the last 3 training months."""
    train = y[y.index < start]
    H = max(HORIZON, int(h))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of statsmodels on placebo fits
        fitted = make_model(model, seed=seed).fit(train)
        paths = np.asarray(fitted.simulate(H, n_paths=n_paths, seed=seed), dtype=float)
    if paths.shape != (n_paths, H) or not np.all(np.isfinite(paths)):
        raise ModelError(f"model {model!r} returned unusable sample paths from {start:%Y-%m}")
    levels = getattr(fitted, "fitted_values", None)
    levels = train.iloc[-3:] * np.nan if levels is None else levels.iloc[-3:]
    return paths, levels.astype(float)


def implied_change(paths: np.ndarray, levels: pd.Series, window: Window) -> float:
    """The seasonal change (log) a model implies over :func:`gate_span`, from its own
    expectations only (median paths, or its fitted value of the month before a one-month
    window): the observed reference month never enters, so the gate ignores the reference."""
    end = float(np.median(paths[:, window.h - 1]))
    if window.h > 1:
        first = float(np.median(paths[:, 0]))
    else:
        first = float(levels.get(window.start - pd.DateOffset(months=1), np.nan))
    return float(np.log(end) - np.log(first)) if first > 0 and end > 0 else float("nan")


def gate_span(window: Window) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The months whose observed log change :func:`implied_change` is compared with."""
    if window.h > 1:
        return window.start, window.end
    return window.start - pd.DateOffset(months=1), window.start


def window_z(observed_sum: float, totals: np.ndarray) -> float:
    """Standardised log distance of an observed total from simulated totals."""
    lt = np.log(totals + 1.0)
    lo, sd = np.log(observed_sum + 1.0), float(np.std(lt, ddof=1))
    if sd <= 0:
        return 0.0 if np.isclose(lo, lt.mean()) else float(np.sign(lo - lt.mean()) * np.inf)
    return float((lo - lt.mean()) / sd)


def _band(name: str, a: np.ndarray) -> dict[str, np.ndarray]:
    """Median and 95% interval of each column of ``a``, as frame columns."""
    q = np.quantile(a, [0.025, 0.975], axis=0)
    return {name: np.median(a, axis=0), f"{name}_lo95": q[0], f"{name}_hi95": q[1]}


def counterfactual(
    y: pd.Series, window: Window, model: str, paths: np.ndarray | None = None,
    n_paths: int = 1000, seed: int = 0,
) -> Counterfactual:
    """Counterfactual of ``window`` from ``paths`` (:func:`fit_paths`; fitted here when None).

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.assessment.options import make_window
    >>> y, w = make_window(bf.load(), "2019-06", "2019-08", "2019-05", 60)
    >>> cf = counterfactual(y, w, "ets", n_paths=200)
    >>> cf.direction
    'decline'
    """
    if paths is None:
        paths = fit_paths(y, window.start, model, window.h, n_paths, seed)[0]
    paths = paths[:, : window.h]
    n_paths = len(paths)
    obs = y.reindex(window.months).to_numpy(dtype=float)
    q = np.quantile
    cum_paths = np.cumsum(paths, axis=1)
    frame = pd.DataFrame(
        {
            "observed": obs, "expected": np.median(paths, axis=0), "lo80": q(paths, 0.10, axis=0),
            "hi80": q(paths, 0.90, axis=0), "lo95": q(paths, 0.025, axis=0),
            "hi95": q(paths, 0.975, axis=0), **_band("effect", obs[None, :] - paths),
            "cum_observed": np.cumsum(obs), "cum_expected": np.median(cum_paths, axis=0),
            **_band("cum_effect", np.cumsum(obs)[None, :] - cum_paths),
        },
        index=window.months,
    )
    totals = cum_paths[:, -1]
    observed_sum = float(obs.sum())
    rel = observed_sum / np.maximum(totals, 1e-9) - 1.0
    p_lower, p_upper = tail_probabilities(observed_sum, totals)
    return Counterfactual(
        model=str(model), frame=frame, observed_sum=observed_sum,
        expected_sum=float(np.median(totals)), sum_lo95=float(q(totals, 0.025)),
        sum_hi95=float(q(totals, 0.975)), relative_effect=float(np.median(rel)),
        relative_lo95=float(q(rel, 0.025)), relative_hi95=float(q(rel, 0.975)),
        relative_lo90=float(q(rel, 0.05)), relative_hi90=float(q(rel, 0.95)), p_lower=p_lower,
        p_upper=p_upper, z=window_z(observed_sum, totals), n_paths=int(n_paths),
    )
