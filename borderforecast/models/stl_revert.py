"""STL + a level that reverts, persists or follows a damped trend, on log counts.

1. ``z = log(y + offset)``; ``s``, its statsmodels STL seasonal (period 12);
   ``a = z - s``, the adjusted series;
2. three forecasts of ``a``: **revert** toward the trailing ``window``-month mean at the
   AR(1) speed ``phi`` of the last ``ar_window`` months of deviations from it (near 1 when
   deviations persist; :func:`fit_reversion`), **persist** (simple exponential smoothing),
   and **trend** (damped trend, ETS(A,Ad,N), least squares, damping in [0.8, 1]);
3. the kind used is the one with the smallest mean absolute 12-month error over the last
   ``select_months`` origins of the series' own history (errors known at the fit), and
   ``persist`` unless another kind is better by the factor ``margin``: so a surge that has
   unwound before is forecast to unwind, a trend that has held is followed, and a level shift
   that has persisted is not pulled back;
4. the last year's seasonal is added back shrunk by ``seasonal_shrink``, or with ``"auto"``
   by :func:`seasonal_persistence`: how much of the pattern of earlier years recurred in the
   last six (1 on a regular series, less where the pattern changes from regime to regime).

Every setting is estimated per series at each fit from data up to it; the fixed ones
(``window`` 72, ``ar_window`` 36, ``select_months`` 72, ``margin`` 0.9) were chosen on the
Southwest sectors, citizenship groups and demographic parts and checked on public series
(docs/guide/models.md, ``benchmarks/bench_generalize.py``). The class defaults (seasonal 101,
degree 1, shrink 0.8, revert only) are the settings chosen on the Southwest total, which the
``demographic`` model uses for its parts; the ``stl_revert`` spec uses the generalizing ones.

Intervals: Gaussian on the log scale with the chosen kind's variance (AR(1); ETS(A,N,N);
ETS(A,Ad,N)), the seasonal treated as known; meant to be calibrated (the backtest does that).
Sample paths simulate the same recursion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from .base import BaseModel, Prediction, gaussian_prediction
from .stl_ses import (
    PERIOD,
    Trend,
    check_stl_params,
    fit_damped,
    ses_fit,
    ses_levels,
    stl_seasonal,
)

MIN_WINDOW = 12
"""Shortest trailing-mean window used on a short series (months)."""


@dataclass(frozen=True)
class Reversion:
    """The fitted reversion of an adjusted series: ``path_h = mean + phi^h (level - mean)``."""

    level: float
    mean: float
    phi: float
    sigma2: float
    alpha: float = 1.0

    def path(self, h: int) -> np.ndarray:
        k = np.arange(1, h + 1)
        return self.mean + self.phi**k * (self.level - self.mean)

    def se(self, h: int) -> np.ndarray:
        k = np.arange(1, h + 1, dtype=float)
        if self.phi >= 1.0 - 1e-9:
            var = self.sigma2 * k
        else:
            var = self.sigma2 * (1.0 - self.phi ** (2 * k)) / (1.0 - self.phi**2)
        return np.sqrt(var)

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        # drawn month by month, so the first k months are the same for any h >= k
        e = rng.standard_normal((h, n)).T * np.sqrt(self.sigma2)
        d = np.empty((n, h))
        prev = np.full(n, self.level - self.mean)
        for j in range(h):
            prev = self.phi * prev + e[:, j]
            d[:, j] = prev
        return self.mean + d


def fit_reversion(a: np.ndarray, window: int = 72, ar_window: int = 36) -> Reversion:
    """Estimate the reversion of the adjusted series ``a`` (see the module docstring).

    On a series shorter than ``window + ar_window`` months the windows shrink
    (the trailing mean to at least :data:`MIN_WINDOW` months).

    Examples
    --------
    A series that returns halfway to its mean each month has ``phi`` near 0.5:

    >>> rng = np.random.default_rng(0)
    >>> d = np.zeros(3000)
    >>> for t in range(1, 3000):
    ...     d[t] = 0.5 * d[t - 1] + rng.standard_normal()
    >>> round(fit_reversion(d, window=500, ar_window=2000).phi, 2)
    0.5
    """
    a = np.asarray(a, dtype=float)
    n = len(a)
    k = max(MIN_WINDOW, min(int(window), n - int(ar_window)))
    k = min(k, n - 2)
    win = max(2, min(int(ar_window), n - k + 1))
    csum = np.cumsum(np.r_[0.0, a])
    m = (csum[k:] - csum[:-k]) / k  # trailing means m_t, t = k-1 .. n-1
    d = (a[k - 1 :] - m)[-win:]
    den = float(d[:-1] @ d[:-1])
    phi = float(np.clip((d[1:] @ d[:-1]) / den, 0.0, 1.0)) if den > 0 else 1.0
    resid = d[1:] - phi * d[:-1]
    sigma2 = float(resid @ resid) / max(len(resid), 1)
    alpha, level, _ = ses_fit(a)
    return Reversion(level, float(m[-1]), phi, max(sigma2, 1e-12), alpha)


def seasonal_persistence(z: np.ndarray, years: int = 6, history: int = 5) -> float:
    """How much of last years' seasonal pattern recurs: the seasonal shrink, in [0, 1].

    ``d``, the log series less its centred 2x12 moving average; over the last ``years``
    years, the least-squares slope (no intercept) of each month's ``d`` on the mean ``d`` of
    the same calendar month in the ``history`` years before it (a forecast from earlier
    data only). 1: the pattern repeats; near 0: it does not recur. 1 on a series too short
    to tell.
    """
    zs = pd.Series(np.asarray(z, dtype=float))
    d = (zs - zs.rolling(12, center=True).mean().rolling(2).mean().shift(-1)).to_numpy()
    num = den = 0.0
    for t in range(max(24, len(d) - 12 * years), len(d)):
        js = t - 12 * np.arange(1, history + 1)
        p = d[js[js >= 0]]
        p = p[np.isfinite(p)]
        if np.isfinite(d[t]) and len(p) >= 2:
            num, den = num + d[t] * p.mean(), den + p.mean() ** 2
    return float(np.clip(num / den, 0.0, 1.0)) if den > 0 else 1.0


KINDS = ("revert", "persist", "trend")


def level_kinds(a: np.ndarray, window: int, ar_window: int, kinds: Sequence[str]) -> dict:
    """Per kind: ``(state, path_at)``, ``path_at(t, h)`` the kind's forecast from month ``t``."""
    rev = fit_reversion(a, window, ar_window)
    lev = ses_levels(a, rev.alpha)
    out: dict[str, tuple[Any, Any]] = {}
    if "revert" in kinds:
        k = max(MIN_WINDOW, min(window, len(a) - ar_window))
        k = min(k, len(a) - 2)
        m = pd.Series(a).rolling(k).mean().to_numpy()
        out["revert"] = (rev, lambda t, h: m[t] + rev.phi ** np.arange(1, h + 1) * (lev[t] - m[t]))
    if "persist" in kinds:
        e = a[1:] - lev[:-1]
        ses = Trend(rev.level, 0.0, rev.alpha, 0.0, 1.0, max(float(np.mean(e**2)), 1e-12))
        out["persist"] = (ses, lambda t, h: np.full(h, lev[t]))
    if "trend" in kinds:
        tr, L, B = fit_damped(a)
        out["trend"] = (tr, lambda t, h: L[t] + np.cumsum(tr.phi ** np.arange(1, h + 1)) * B[t])
    return out


def choose_kind(a: np.ndarray, paths: dict, h: int, months: int, margin: float) -> tuple:
    """The kind with the smallest mean absolute ``h``-step error over the last ``months``
    origins of ``a`` (errors known at the end of ``a``); ``persist`` unless another kind is
    better by the factor ``margin``. Returns ``(kind, {kind: error})``."""
    n = len(a)
    ts = np.arange(max(n - 1 - h - months + 1, 24), n - h)
    err = {}
    for kind, (_, at) in paths.items():
        e = [np.abs(at(t, h) - a[t + 1 : t + 1 + h]).mean() for t in ts]
        err[kind] = float(np.mean(e)) if e else np.nan
    best = min(err, key=lambda k: err[k] if np.isfinite(err[k]) else np.inf)
    base = "persist" if "persist" in err else best
    if not np.isfinite(err[best]) or not err[best] < margin * err[base]:
        best = base
    return best, err


@dataclass(frozen=True)
class _State:
    rev: Any  # the chosen kind's level model (Reversion or Trend)
    seasonal: np.ndarray
    fitted: np.ndarray
    kind: str = "revert"
    shrink: float = 0.8
    errors: dict | None = None


class STLRevert(BaseModel):
    """STL (wide linear seasonal) + a level that reverts, persists or trends, on log counts.

    Parameters
    ----------
    seasonal : int
        STL seasonal smoother length, odd and >= 7 (default 101).
    seasonal_deg : int
        Degree of the seasonal LOESS, 0 or 1 (default 1).
    seasonal_shrink : float or "auto"
        Factor in [0, 1] applied to the seasonal added back to the forecast (0.8), or
        ``"auto"``: estimated at each fit (:func:`seasonal_persistence`).
    window : int
        Months of the trailing mean the level reverts to (default 72).
    ar_window : int
        Months of deviations the reversion speed is estimated on (default 36).
    kinds : sequence of str
        Level forecasts to choose from at each fit, among ``revert`` (default, alone),
        ``persist`` (simple exponential smoothing) and ``trend`` (damped trend): the one with
        the smallest 12-step error over the last ``select_months`` origins of the adjusted
        series, ``persist`` unless another is better by the factor ``margin`` (0.9).
    select_months : int
        Origins of that comparison (default 72).
    **kwargs
        ``log``, ``offset``, ``seed``, ``name`` (see :class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fc = STLRevert().fit(bf.load(end="2019-08")).forecast(3)
    >>> bool((fc["lo95"] < fc["median"]).all() and (fc["median"] < fc["hi95"]).all())
    True
    """

    family = "stl_revert"
    description = "STL + a level that reverts, persists or trends (chosen per fit), on log counts"
    min_length = 2 * PERIOD

    def __init__(
        self,
        *,
        seasonal: int = 101,
        seasonal_deg: int = 1,
        seasonal_shrink: float | str = 0.8,
        window: int = 72,
        ar_window: int = 36,
        kinds: Sequence[str] = ("revert",),
        select_months: int = 72,
        margin: float = 0.9,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        auto = seasonal_shrink == "auto"
        check_stl_params(self.name, seasonal, seasonal_deg, 1 if auto else seasonal_shrink)
        self.seasonal = int(seasonal)
        self.seasonal_deg = int(seasonal_deg)
        self.seasonal_shrink: float | str = "auto" if auto else float(seasonal_shrink)
        if int(window) < MIN_WINDOW or int(ar_window) < 6:
            raise SpecError(
                f"model {self.name!r}: window must be >= {MIN_WINDOW} and ar_window >= 6 months, "
                f"got {window!r} and {ar_window!r}"
            )
        self.window = int(window)
        self.ar_window = int(ar_window)
        bad = [k for k in kinds if k not in KINDS]
        if bad or not kinds:
            raise SpecError(f"model {self.name!r}: kinds must be among {', '.join(KINDS)}")
        self.kinds = tuple(str(k) for k in kinds)
        self.select_months = int(select_months)
        self.margin = float(margin)

    def fit_arrays(self, z: np.ndarray) -> tuple[Reversion, np.ndarray]:
        """``(reversion, seasonal)`` of a transformed series (no validation: for combinations)."""
        s = stl_seasonal(z, self.seasonal, self.seasonal_deg, robust=False)
        return fit_reversion(np.asarray(z) - s, self.window, self.ar_window), s

    def season(self, seasonal: np.ndarray, h: int, shrink: float | None = None) -> np.ndarray:
        c = float(self.seasonal_shrink) if shrink is None else shrink
        return c * np.resize(seasonal[-PERIOD:], h)

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        zv = z.to_numpy(dtype=float)
        s = stl_seasonal(zv, self.seasonal, self.seasonal_deg, robust=False)
        a = zv - s
        shrink = (
            seasonal_persistence(zv)
            if self.seasonal_shrink == "auto"
            else float(self.seasonal_shrink)
        )
        paths = level_kinds(a, self.window, self.ar_window, self.kinds)
        kind, errors = (
            choose_kind(a, paths, PERIOD, self.select_months, self.margin)
            if len(paths) > 1
            else (self.kinds[0], None)
        )
        lev = ses_levels(a, fit_reversion(a, self.window, self.ar_window).alpha)
        fitted = np.concatenate([[np.nan], lev[:-1] + s[1:]])
        return _State(paths[kind][0], s, fitted, kind, shrink, errors)

    def _fitted(self, state: _State) -> np.ndarray:
        return state.fitted

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        point = state.rev.path(h) + self.season(state.seasonal, h, state.shrink)
        return gaussian_prediction(point, state.rev.se(h), levels)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        season = self.season(state.seasonal, h, state.shrink)
        return state.rev.simulate(h, n, rng) + season[None, :]

    def _summary(self, state: _State) -> str:
        r = state.rev
        head = f"STL (period 12, seasonal {self.seasonal}, degree {self.seasonal_deg}) + level "
        if state.kind == "revert":
            what = (
                f"reverting toward its {self.window}-month mean: phi {r.phi:.3f} per month "
                f"(estimated on the last {self.ar_window} months), level "
                f"{r.level - r.mean:+.3f} from the mean (log scale)"
            )
        elif state.kind == "persist":
            what = f"persisting (simple exponential smoothing, alpha {r.alpha:.3f})"
        else:
            what = (
                f"following a damped trend ({r.slope * 12:+.3f} a year on the log scale, "
                f"damping {r.phi:.3f})"
            )
        chosen = ""
        if state.errors:
            errs = ", ".join(f"{k} {v:.4f}" for k, v in state.errors.items())
            chosen = (
                f"; {state.kind} chosen on the mean 12-month error over the last "
                f"{self.select_months} origins ({errs})"
            )
        return (
            f"{head}{what}{chosen}; one-step sd {np.sqrt(r.sigma2):.4f}; seasonal shrunk by "
            f"{state.shrink:.2f}"
        )


MODEL = STLRevert
