"""Gradient boosting of log counts against their recent level, with conformal intervals.

A scikit-learn ``HistGradientBoostingRegressor`` learns the change of ``z_t`` against the
mean of the 12 months before it from relative features (year-on-year growth, seasonal lags,
the level's change, a seasonal index, the month), and forecasts recursively. Intervals are
conformal, from the model's own rolling-origin errors on the last ``calibration_folds * 24``
months; sample paths resample whole error paths. See docs/guide/models.md ("gbm").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from ..errors import ModelError
from .base import BaseModel, Prediction, real, whole

PERIOD = 12
WINDOW = 24  # months of history behind every feature row
MIN_TRAIN = 24  # fewest training rows of any fit (calibration folds included)
STEP = 24  # origins per calibration block
MIN_PATHS = 20  # fewer complete calibration error paths: complete the partial ones
FEATURES = ("d1", "d2", "d3", "s12", "s24", "level_change", "position", "month_effect", "month")


def _features(windows: np.ndarray, months: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """Feature matrix from windows ``(n, 24)`` of the months before each target.

    ``effect`` holds the 12 mean month effects of the training targets.
    """
    w = windows
    recent = w[:, -PERIOD:].mean(axis=1)
    year_before = w[:, :PERIOD].mean(axis=1)
    return np.column_stack(
        [
            w[:, -1] - w[:, -13],
            w[:, -2] - w[:, -14],
            w[:, -3] - w[:, -15],
            w[:, -12] - recent,
            w[:, -24] - year_before,
            recent - year_before,
            w[:, -1] - recent,
            effect[months - 1],
            months,
        ]
    )


_CONTROLLER: list[ThreadpoolController] = []


def _one_thread() -> Any:
    """Limit OpenMP to one thread (a context manager).

    On a few hundred rows OpenMP threads only add overhead, and they
    oversubscribe the cores when a backtest runs models in parallel.
    scikit-learn is imported first: the controller only sees loaded libraries.
    """
    if not _CONTROLLER:
        import sklearn.ensemble  # noqa: F401

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="openmp")


@dataclass(frozen=True)
class _Learner:
    regressor: Any
    effect: np.ndarray  # mean target by calendar month (a seasonal index)

    def predict(self, windows: np.ndarray, months: np.ndarray) -> np.ndarray:
        return self.regressor.predict(_features(windows, months, self.effect))


@dataclass(frozen=True)
class _State:
    z: np.ndarray
    month0: int  # calendar month (0-11) of z[0]
    model: _Learner  # the fitted regressor (never refitted)
    scale: np.ndarray  # s_h for h = 1..calibration_horizon
    scores: np.ndarray  # pooled standardised calibration errors
    paths: np.ndarray  # complete calibration error paths (m, calibration_horizon)
    fitted: np.ndarray


class GradientBoosting(BaseModel):
    """Histogram gradient boosting of log changes vs the 12-month level; conformal intervals.

    Parameters
    ----------
    max_iter, learning_rate, max_depth, min_samples_leaf, l2_regularization
        Those of scikit-learn's ``HistGradientBoostingRegressor`` (boosting
        iterations, shrinkage, tree depth, fewest months per leaf, L2 penalty).
    calibration_folds, calibration_horizon : int
        The conformal calibration's 24-month blocks (fewer on a short series)
        and longest horizon measured (see the module's text).
    log, offset, seed, name
        See :class:`~borderforecast.models.base.BaseModel`; ``seed`` is the
        regressor's ``random_state``.

    Notes
    -----
    Needs 72 months: 24 months of lags before the first training row, and
    24 training rows for the fit of the calibration block.

    Examples
    --------
    >>> from borderforecast.models.gbm import GradientBoosting
    >>> GradientBoosting(max_iter=100).min_length
    72
    """

    family = "gbm"
    description = "Gradient boosting of log changes vs the 12-month level (recursive, conformal)"
    min_length = WINDOW + MIN_TRAIN + STEP

    def __init__(
        self,
        *,
        max_iter: int = 150,
        learning_rate: float = 0.05,
        max_depth: int = 3,
        min_samples_leaf: int = 15,
        l2_regularization: float = 1.0,
        calibration_folds: int = 3,
        calibration_horizon: int = 24,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_iter = whole(max_iter, "max_iter", self.name, 1)
        self.learning_rate = real(learning_rate, "learning_rate", self.name, high=1.0)
        self.max_depth = whole(max_depth, "max_depth", self.name, 1)
        self.min_samples_leaf = whole(min_samples_leaf, "min_samples_leaf", self.name, 1)
        self.l2_regularization = real(l2_regularization, "l2_regularization", self.name, zero=True)
        self.calibration_folds = whole(calibration_folds, "calibration_folds", self.name, 1)
        self.calibration_horizon = whole(calibration_horizon, "calibration_horizon", self.name, 1)

    # -- pieces ----------------------------------------------------------
    def _regressor(self) -> Any:
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=False,
            random_state=self.seed,
        )

    @staticmethod
    def _rows(z: np.ndarray, month0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Windows, target months, targets (change vs the 12-month mean) and bases."""
        windows = np.lib.stride_tricks.sliding_window_view(z[:-1], WINDOW)
        t = np.arange(WINDOW, len(z))
        months = (month0 + t) % PERIOD + 1
        base = windows[:, -PERIOD:].mean(axis=1)
        return windows, months, z[t] - base, base

    def _train(self, z: np.ndarray, month0: int) -> _Learner:
        windows, months, target, _ = self._rows(z, month0)
        if len(target) < PERIOD:
            raise ModelError(f"model {self.name!r}: too few months to train on")
        effect = np.array([target[months == m].mean() for m in range(1, PERIOD + 1)])
        try:
            reg = self._regressor().fit(_features(windows, months, effect), target)
        except (ValueError, FloatingPointError) as exc:
            raise ModelError(f"model {self.name!r}: gradient boosting failed ({exc})") from None
        return _Learner(reg, effect)

    @staticmethod
    def _recursive(
        model: _Learner, z: np.ndarray, month0: int, origins: np.ndarray, h: int
    ) -> np.ndarray:
        """Forecasts ``(len(origins), h)`` from each origin (index of the last month used)."""
        buf = np.empty((len(origins), WINDOW + h))
        buf[:, :WINDOW] = z[origins[:, None] + np.arange(1 - WINDOW, 1)]
        for j in range(h):
            months = (month0 + origins + j + 1) % PERIOD + 1
            window = buf[:, j : j + WINDOW]
            buf[:, WINDOW + j] = window[:, -PERIOD:].mean(axis=1) + model.predict(window, months)
        return buf[:, WINDOW:]

    # -- protocol --------------------------------------------------------
    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        with _one_thread():
            v = z.to_numpy(dtype=float)
            n = len(v)
            month0 = int(pd.Timestamp(z.index[0]).month) - 1
            H = self.calibration_horizon
            folds = min(self.calibration_folds, (n - WINDOW - MIN_TRAIN) // STEP)
            errors = []
            for k in range(folds, 0, -1):
                cut = n - k * STEP  # train on v[:cut]
                model = self._train(v[:cut], month0)
                origins = np.arange(cut - 1, min(cut - 1 + STEP, n - 1))
                fc = self._recursive(model, v, month0, origins, H)
                truth_idx = origins[:, None] + np.arange(1, H + 1)[None, :]
                truth = np.where(truth_idx < n, v[np.minimum(truth_idx, n - 1)], np.nan)
                errors.append(truth - fc)
            E = np.vstack(errors)
            scale = np.full(H, np.nan)
            for j in range(H):
                col = E[:, j][np.isfinite(E[:, j])]
                if len(col) >= 5:
                    scale[j] = np.sqrt(np.mean(col**2))
            scale = pd.Series(scale).ffill().to_numpy()
            scale = np.maximum.accumulate(np.maximum(scale, 1e-6))
            scores = (E / scale[None, :])[np.isfinite(E)]
            complete = np.isfinite(E).all(axis=1)
            if complete.sum() >= MIN_PATHS:
                paths = E[complete]
            else:  # short series: complete the paths by holding their last standardised error
                paths = pd.DataFrame(E / scale[None, :]).ffill(axis=1).to_numpy() * scale[None, :]
            model = self._train(v, month0)
            windows, months, _, base = self._rows(v, month0)
            fitted = np.full(n, np.nan)
            fitted[WINDOW:] = base + model.predict(windows, months)
            if not np.all(np.isfinite(fitted[WINDOW:])):
                raise ModelError(f"model {self.name!r}: non-finite fitted values")
            return _State(v, month0, model, scale, np.asarray(scores), paths, fitted)

    def _fitted(self, state: _State) -> np.ndarray:
        return state.fitted

    def _point(self, state: _State, h: int) -> np.ndarray:
        origin = np.array([len(state.z) - 1])
        with _one_thread():
            return self._recursive(state.model, state.z, state.month0, origin, h)[0]

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        point = self._point(state, h)
        H, steps = len(state.scale), np.arange(1, h + 1)  # beyond H, s_h grows like sqrt(h)
        s = np.where(
            steps <= H, state.scale[np.minimum(steps, H) - 1], state.scale[-1] * np.sqrt(steps / H)
        )
        lower, upper = {}, {}
        n = len(state.scores)
        for lv in levels:
            a = (100.0 - lv) / 200.0
            # split-conformal finite-sample correction of the tail probabilities
            lo_p = max(0.0, (np.floor(a * (n + 1)) - 1) / max(n - 1, 1))
            hi_p = min(1.0, (np.ceil((1 - a) * (n + 1)) - 1) / max(n - 1, 1))
            lower[lv] = point + s * np.quantile(state.scores, lo_p)
            upper[lv] = point + s * np.quantile(state.scores, hi_p)
        return Prediction(point, lower, upper)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        point = self._point(state, h)
        H = state.paths.shape[1]
        err = np.zeros((n, h))
        carry = np.zeros(n)
        for start in range(0, h, H):
            width = min(H, h - start)
            block = state.paths[rng.integers(0, len(state.paths), n)]
            err[:, start : start + width] = carry[:, None] + block[:, :width]
            carry = carry + block[:, -1]
        return point[None, :] + err

    def _summary(self, state: _State) -> str:
        imp = ", ".join(FEATURES)
        return (
            f"Recursive gradient boosting of log changes vs the 12-month level; features: {imp}\n"
            f"Conformal scale (transformed scale) at h=1, 12, {len(state.scale)}: "
            f"{state.scale[0]:.4f}, {state.scale[min(11, len(state.scale) - 1)]:.4f}, "
            f"{state.scale[-1]:.4f}; {len(state.scores)} calibration errors, "
            f"{len(state.paths)} complete error paths"
        )


MODEL = GradientBoosting
