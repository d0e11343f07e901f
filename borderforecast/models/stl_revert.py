"""STL + a level that reverts, persists or follows a damped trend, on log counts.

``a = log(y + offset) - s`` (``s`` the STL seasonal, estimated with :func:`level_shifts` taken
out) is forecast by the kind (**revert** to the trailing mean at an AR(1) speed, **persist**
by simple exponential smoothing, damped **trend**) with the smallest 12-month error over the
series' own last origins (``persist`` unless another is better by ``margin``); the last year's
seasonal is added back shrunk (or by :func:`seasonal_persistence`). Gaussian intervals of that
kind on the log scale, meant to be calibrated. Also the STL core :mod:`.stl_ses` shares. See
docs/guide/models.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from .base import BaseModel, Prediction, flag, gaussian_prediction

PERIOD = 12
ALPHA_BOUNDS = (1e-4, 0.9999)


def ses_levels(a: np.ndarray, alpha: float) -> np.ndarray:
    """Levels ``l_t = alpha a_t + (1 - alpha) l_{t-1}`` with ``l_0 = a_0``."""
    from scipy.signal import lfilter  # imported when needed: scipy.signal is slow to import

    a = np.asarray(a, dtype=float)
    out, _ = lfilter([alpha], [1.0, alpha - 1.0], a[1:], zi=[(1.0 - alpha) * a[0]])
    return np.concatenate([a[:1], out])


def ses_fit(a: np.ndarray) -> tuple[float, float, float]:
    """Least-squares simple exponential smoothing: ``(alpha, last level, sigma^2)``, the
    mean square of the one-step errors ``a_t - l_{t-1}`` that ``alpha`` minimises."""
    from scipy.optimize import minimize_scalar

    a = np.asarray(a, dtype=float)

    def sse(alpha: float) -> float:
        e = a[1:] - ses_levels(a, alpha)[:-1]
        return float(e @ e)

    res = minimize_scalar(sse, bounds=ALPHA_BOUNDS, method="bounded", options={"xatol": 1e-4})
    lev = ses_levels(a, float(res.x))
    return float(res.x), float(lev[-1]), float(np.mean((a[1:] - lev[:-1]) ** 2))


@dataclass(frozen=True)
class Trend:
    """A damped-trend level (ETS(A,Ad,N)): ``path_h = level + (phi + .. + phi^h) slope``
    (``slope = 0, beta = 0, phi = 1``: simple exponential smoothing)."""

    level: float
    slope: float
    alpha: float
    beta: float
    phi: float
    sigma2: float

    def path(self, h: int) -> np.ndarray:
        return self.level + np.cumsum(self.phi ** np.arange(1, h + 1)) * self.slope

    def se(self, h: int) -> np.ndarray:
        c = self.alpha * (1.0 + self.beta * np.cumsum(self.phi ** np.arange(1, h)))
        return np.sqrt(self.sigma2 * (1.0 + np.concatenate([[0.0], np.cumsum(c**2)])))

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        e = rng.standard_normal((h, n)).T * np.sqrt(self.sigma2)  # month by month: same for any h
        lev, b = np.full(n, self.level), np.full(n, self.slope)
        out = np.empty((n, h))
        for j in range(h):
            f = lev + self.phi * b
            out[:, j] = f + e[:, j]
            lev, b = f + self.alpha * e[:, j], self.phi * b + self.alpha * self.beta * e[:, j]
        return out


def fit_damped(a: np.ndarray) -> tuple[Trend, np.ndarray, np.ndarray]:
    """Damped trend of ``a`` (statsmodels' Holt, start estimated, ``phi`` in [0.8, 0.995]): the
    fit, and its levels and slopes after each month."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    a = np.asarray(a, dtype=float)
    mod = ExponentialSmoothing(a, trend="add", damped_trend=True, initialization_method="estimated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' optimiser notes: the fit is least squares
        res = mod.fit()
    p, e = res.params, a - np.asarray(res.fittedvalues)
    L, B = np.asarray(res.level, dtype=float), np.asarray(res.trend, dtype=float)
    ab = (float(p["smoothing_level"]), float(p["smoothing_trend"]), float(p["damping_trend"]))
    return Trend(L[-1], B[-1], *ab, max(float(np.mean(e**2)), 1e-12)), L, B


def stl_seasonal(z: np.ndarray, seasonal: int, seasonal_deg: int, robust: bool) -> np.ndarray:
    """The STL seasonal component of ``z`` (statsmodels, period 12), estimated with the level
    shifts of the adjusted series (:func:`level_shifts`) taken out: a step left in smears into
    the seasonal factors of the months around it, for years, and shifts the adjusted level."""
    from statsmodels.tsa.seasonal import STL

    z = np.asarray(z, dtype=float)
    kw = {"period": PERIOD, "seasonal": seasonal, "seasonal_deg": seasonal_deg, "robust": robust}
    s = np.asarray(STL(z, **kw).fit().seasonal, dtype=float)
    steps = level_shifts(z - s)
    return np.asarray(STL(z - steps, **kw).fit().seasonal, dtype=float) if steps.any() else s


SHIFT_Z = 4.0  # robust z of a change that may be a level shift (about X-13's critical value)


def level_shifts(a: np.ndarray, crit: float = SHIFT_Z) -> np.ndarray:
    """The permanent level shifts of the adjusted series ``a``, as a step function (0: none).

    A change from one month to the next whose robust z (the MAD of all such changes) exceeds
    ``crit`` is a shift if the level stays: the mean of the 12 months from it less that of the
    12 before (medians of 6 when fewer follow; at least 3 must) has its sign and half its size,
    and is the shift. A spike that returns (an outlier) is not one. Largest first, 6 months
    apart, each measured with those found before taken out."""
    a = np.asarray(a, dtype=float)
    n, d = len(a), np.diff(a)
    mad = 1.4826 * np.median(np.abs(d - np.median(d)))
    steps, taken = np.zeros(n), list[int]()
    for i in np.argsort(-np.abs(d), kind="stable")[: int(np.sum(np.abs(d) > crit * mad))]:
        t, b = i + 1, a - steps
        if t < 6 or n - t < 3 or any(abs(t - u) < 6 for u in taken):
            continue
        k, f = (12, np.mean) if min(t, n - t) >= 12 else (6, np.median)
        delta = f(b[t : t + k]) - f(b[t - k : t])
        if delta * d[i] > 0 and abs(delta) >= 0.5 * abs(d[i]):
            taken.append(t)
            steps[t:] += delta
    return steps


def check_stl_params(name: str, seasonal: Any, seasonal_deg: Any, shrink: Any) -> None:
    """Raise :class:`SpecError` for STL settings statsmodels would refuse or misuse."""
    if int(seasonal) < 7 or int(seasonal) % 2 == 0:
        raise SpecError(f"model {name!r}: seasonal must be an odd number >= 7, got {seasonal!r}")
    if seasonal_deg not in (0, 1):
        raise SpecError(f"model {name!r}: seasonal_deg must be 0 or 1, got {seasonal_deg!r}")
    if not isinstance(shrink, (int, float)) or not 0.0 <= float(shrink) <= 1.0:
        raise SpecError(f"model {name!r}: seasonal_shrink must be in [0, 1], got {shrink!r}")


MIN_WINDOW = 12  # months: the shortest trailing-mean window, on a short series


@dataclass(frozen=True)
class Reversion:
    """The fitted reversion of an adjusted series: ``path_h = mean + phi^h (level - mean)``."""

    level: float
    mean: float
    phi: float
    sigma2: float
    alpha: float = 1.0
    window: int = MIN_WINDOW  # months of the trailing mean

    def path(self, h: int) -> np.ndarray:
        return self.mean + self.phi ** np.arange(1, h + 1) * (self.level - self.mean)

    def se(self, h: int) -> np.ndarray:
        k, p2 = np.arange(1, h + 1, dtype=float), self.phi**2
        return np.sqrt(self.sigma2 * (k if self.phi >= 1.0 - 1e-9 else (1.0 - p2**k) / (1.0 - p2)))

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        from scipy.signal import lfilter

        e = rng.standard_normal((h, n)).T * np.sqrt(self.sigma2)  # month by month: same for any h
        zi = np.full((n, 1), self.phi * (self.level - self.mean))  # d_j = phi d_{j-1} + e_j
        return self.mean + lfilter([1.0], [1.0, -self.phi], e, axis=1, zi=zi)[0]


def trailing_means(a: np.ndarray, k: int, steps: np.ndarray | None = None) -> np.ndarray:
    """Mean of the ``k`` months to each month (NaN before the first ``k``), or of the months since
    the last shift of ``steps`` where fewer: a shifted level reverts within its new regime."""
    t = np.arange(len(a))
    start = np.maximum(t - k + 1, 0)
    if steps is not None:  # the month of the last shift so far
        start = np.maximum(start, np.maximum.accumulate(np.where(np.diff(steps, prepend=0), t, 0)))
    csum = np.r_[0.0, np.cumsum(a)]
    return np.where(t >= k - 1, (csum[t + 1] - csum[start]) / (t + 1 - start), np.nan)


def fit_reversion(
    a: np.ndarray, window: int = 72, ar_window: int = 36, steps: np.ndarray | None = None
) -> Reversion:
    """Estimate the reversion of the adjusted series ``a``; on a series shorter than
    ``window + ar_window`` months the windows shrink (the mean's to >= :data:`MIN_WINDOW`).
    Given its level shifts ``steps`` (:func:`level_shifts`), the mean is :func:`trailing_means`'s:
    of the months since the last shift, never of the level before it."""
    a = np.asarray(a, dtype=float)
    n = len(a)
    k = min(max(MIN_WINDOW, min(int(window), n - int(ar_window))), n - 2)
    win = max(2, min(int(ar_window), n - k + 1))
    m = trailing_means(a, k, steps)
    d = (a - m)[k - 1 :][-win:]
    den = float(d[:-1] @ d[:-1])
    phi = float(np.clip((d[1:] @ d[:-1]) / den, 0.0, 1.0)) if den > 0 else 1.0
    resid = d[1:] - phi * d[:-1]
    sigma2 = float(resid @ resid) / max(len(resid), 1)
    alpha, level, _ = ses_fit(a)
    return Reversion(level, float(m[-1]), phi, max(sigma2, 1e-12), alpha, k)


def seasonal_persistence(z: np.ndarray, years: int = 6, history: int = 5) -> float:
    """How much of last years' seasonal pattern recurs (the seasonal shrink, in [0, 1]): the
    no-intercept slope, over the last ``years`` years, of each month's ``d`` (log series less
    its centred 2x12 moving average) on the mean ``d`` of that calendar month in the
    ``history`` years before (all of them: a mean of fewer is noisier, which biases the slope
    toward 0 and shrank short series' seasons for no reason). 1 on a series too short to tell."""
    zs = pd.Series(np.asarray(z, dtype=float))
    d = (zs - zs.rolling(12, center=True).mean().rolling(2).mean().shift(-1)).to_numpy()
    num = den = 0.0
    for t in range(max(24, len(d) - 12 * years), len(d)):
        js = t - 12 * np.arange(1, history + 1)
        p = d[js[js >= 0]]
        p = p[np.isfinite(p)]
        if np.isfinite(d[t]) and len(p) == history:  # fewer years: attenuated, biased to 0
            num, den = num + d[t] * p.mean(), den + p.mean() ** 2
    return float(np.clip(num / den, 0.0, 1.0)) if den > 0 else 1.0


KINDS = ("revert", "persist", "trend")


def level_kinds(a: np.ndarray, rev: Reversion, kinds: Sequence[str], m: np.ndarray) -> tuple:
    """``({kind: (state, path_at)}, SES levels)``, ``path_at(t, h)`` the kind's forecast from
    month ``t``; ``revert`` is ``rev``, toward the trailing means ``m`` (:func:`trailing_means`)."""
    lev = ses_levels(a, rev.alpha)
    out: dict[str, tuple[Any, Any]] = {}
    if "revert" in kinds:
        out["revert"] = (rev, lambda t, h: m[t] + rev.phi ** np.arange(1, h + 1) * (lev[t] - m[t]))
    if "persist" in kinds:
        e = a[1:] - lev[:-1]
        ses = Trend(rev.level, 0.0, rev.alpha, 0.0, 1.0, max(float(np.mean(e**2)), 1e-12))
        out["persist"] = (ses, lambda t, h: np.full(h, lev[t]))
    if "trend" in kinds:
        tr, L, B = fit_damped(a)
        out["trend"] = (tr, lambda t, h: L[t] + np.cumsum(tr.phi ** np.arange(1, h + 1)) * B[t])
    return out, lev


def choose_kind(a: np.ndarray, paths: dict, h: int, months: int, margin: float) -> tuple:
    """The kind with the smallest mean absolute ``h``-step error over the last ``months``
    origins of ``a`` (errors known at the end of ``a``); ``persist`` unless another kind is
    better by the factor ``margin``. Returns ``(kind, {kind: error})``."""
    ts = np.arange(max(len(a) - h - months, 24), len(a) - h)
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

    Parameters: ``seasonal`` (odd, >= 7; default 101) and ``seasonal_deg`` (0 or 1; default
    1) of the STL; ``seasonal_shrink`` in [0, 1] (0.8) or ``"auto"``
    (:func:`seasonal_persistence` at each fit); ``window``, the months of the trailing mean
    the level reverts to (72), ``ar_window``, the months its speed is estimated on (36);
    ``kinds``, the level forecasts chosen among at each fit (``revert``, ``persist``,
    ``trend``; default ``revert`` alone) over the last ``select_months`` origins (72), with
    ``margin`` (0.9); ``regime``, revert toward the mean since the last level shift, not across
    it (False); and ``log``, ``offset``, ``seed``, ``name`` (:class:`BaseModel`). The
    class defaults are the settings tuned on the Southwest total (``demographic``'s parts);
    the ``stl_revert`` spec uses the generalizing ones.

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
        regime: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        auto = seasonal_shrink == "auto"
        check_stl_params(self.name, seasonal, seasonal_deg, 1 if auto else seasonal_shrink)
        self.seasonal, self.seasonal_deg = int(seasonal), int(seasonal_deg)
        self.seasonal_shrink: float | str = "auto" if auto else float(seasonal_shrink)
        if int(window) < MIN_WINDOW or int(ar_window) < 6:
            raise SpecError(
                f"model {self.name!r}: window must be >= {MIN_WINDOW} and ar_window >= 6 months, "
                f"got {window!r} and {ar_window!r}"
            )
        self.window, self.ar_window = int(window), int(ar_window)
        bad = [k for k in kinds if k not in KINDS]
        if bad or not kinds:
            raise SpecError(f"model {self.name!r}: kinds must be among {', '.join(KINDS)}")
        self.kinds = tuple(str(k) for k in kinds)
        self.select_months, self.margin = int(select_months), float(margin)
        self.regime = flag(regime, "regime", self.name)

    def adjusted(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The STL seasonal of ``z``, the adjusted series and (``regime``) its level shifts."""
        s = stl_seasonal(z, self.seasonal, self.seasonal_deg, robust=False)
        a = np.asarray(z, dtype=float) - s
        return s, a, level_shifts(a) if self.regime else None

    def fit_arrays(self, z: np.ndarray) -> tuple[Reversion, np.ndarray]:
        """``(reversion, seasonal)`` of a transformed series (no validation: for combinations)."""
        s, a, steps = self.adjusted(z)
        return fit_reversion(a, self.window, self.ar_window, steps), s

    def season(self, seasonal: np.ndarray, h: int, shrink: float | None = None) -> np.ndarray:
        c = float(self.seasonal_shrink) if shrink is None else shrink
        return c * np.resize(seasonal[-PERIOD:], h)

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        zv = z.to_numpy(dtype=float)
        s, a, steps = self.adjusted(zv)
        auto = self.seasonal_shrink == "auto"
        shrink = seasonal_persistence(zv) if auto else float(self.seasonal_shrink)
        rev = fit_reversion(a, self.window, self.ar_window, steps)
        paths, lev = level_kinds(a, rev, self.kinds, trailing_means(a, rev.window, steps))
        kind, errors = self.kinds[0], None
        if len(paths) > 1:
            kind, errors = choose_kind(a, paths, PERIOD, self.select_months, self.margin)
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
        r, k = state.rev, state.kind
        what = f"persisting (simple exponential smoothing, alpha {r.alpha:.3f})"
        if k == "revert":
            since = f"mean since its last level shift (at most {self.window} months)"
            mean = since if self.regime else f"{self.window}-month mean"
            what = (
                f"reverting toward its {mean}: phi {r.phi:.3f} per month "
                f"(estimated on the last {self.ar_window} months), level "
                f"{r.level - r.mean:+.3f} from the mean (log scale)"
            )
        elif k == "trend":
            what = f"following a damped trend ({r.slope * 12:+.3f} a year on the log scale, "
            what += f"damping {r.phi:.3f})"
        if state.errors:
            errs = ", ".join(f"{n} {v:.4f}" for n, v in state.errors.items())
            what += f"; {k} chosen on the mean 12-month error over the last "
            what += f"{self.select_months} origins ({errs})"
        return (
            f"STL (period 12, seasonal {self.seasonal}, degree {self.seasonal_deg}) + level {what}"
            f"; one-step sd {np.sqrt(r.sigma2):.4f}; seasonal shrunk by {state.shrink:.2f}"
        )


MODEL = STLRevert
