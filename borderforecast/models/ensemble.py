"""The ensemble: named member models fitted on one series, their forecasts combined.

Forecasts are combined on the log scale, ``log(1 + count)``, by :func:`combine`: the point by
``method`` (median, mean or weighted mean), the bounds as quantiles of the (weighted) mixture
of the members' distributions (``"mixture"``; each a two-piece normal through its point and
bounds, so disagreement widens them) or like the point (``"quantiles"``). A member that raises,
or by default warns that it did not converge, is dropped with a warning naming it; regressors
go to the members that take them. The rule and its measured record: docs/guide/models.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr  # = scipy.stats.norm.cdf, without importing scipy.stats

from ..errors import (
    ConvergenceWarning,
    ModelError,
    ShortSeriesError,
    ShortSeriesWarning,
    SpecError,
    UnknownModelError,
)
from ..intervals import POINT, interval_columns, levels_of, tidy
from .base import BaseModel, FittedModel, Prediction, choice, flag, level_label, normal_quantile
from .registry import get_spec, make_model

DEFAULT_MEMBERS: tuple[str, ...] = ("ets", "stl", "sarima", "gbm")
METHODS = ("median", "mean", "weighted")
INTERVALS = ("mixture", "quantiles")


def _weights(names: Sequence[str], weights: Mapping[str, float] | None) -> np.ndarray:
    """Normalised weights of ``names``: equal for None; a name left out of ``weights`` weighs 0."""
    if weights is None:
        return np.full(len(names), 1.0 / len(names))
    if not isinstance(weights, Mapping):
        raise ModelError(f"weights must map member names to weights, got {weights!r}")
    unknown = sorted(set(weights) - set(names))
    if unknown:
        raise ModelError(f"weights name unknown members {unknown}; members are {list(names)}")
    w = np.array([float(weights.get(n, 0.0)) for n in names])
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ModelError(f"weights of {list(names)} must be >= 0 and not all 0, got {w.tolist()}")
    return w / w.sum()


def _center(values: np.ndarray, method: str, w: np.ndarray) -> np.ndarray:
    """Member rows ``(m, h)`` combined into one row, over each column's finite values."""
    out = np.full(values.shape[1], np.nan)
    ok = np.isfinite(values)
    for j in np.flatnonzero(ok.any(axis=0)):
        col, wj = values[ok[:, j], j], w[ok[:, j]]
        if method == "median":
            out[j] = np.median(col)
        elif method == "mean" or wj.sum() <= 0:
            out[j] = col.mean()
        else:
            out[j] = (wj @ col) / wj.sum()
    return out


def _mixture_quantile(
    center: np.ndarray, lo: np.ndarray, hi: np.ndarray, z: float, w: np.ndarray, prob: float
) -> np.ndarray:
    """Quantile ``prob`` of a weighted mixture of two-piece normals, per column.

    Member ``i`` has median ``center[i]`` and quantiles ``lo[i]``/``hi[i]`` at
    ``Phi(-z)``/``Phi(z)``; arrays are ``(m, h)``.
    """
    s_lo = np.maximum((center - lo) / z, 1e-9)
    s_hi = np.maximum((hi - center) / z, 1e-9)
    a, b = lo.min(axis=0) - 1e-9, hi.max(axis=0) + 1e-9
    for _ in range(60):  # bisection: the interval shrinks 2^60-fold
        x = 0.5 * (a + b)
        dev = x[None, :] - center
        cdf = ndtr(dev / np.where(dev < 0, s_lo, s_hi))
        below = (w @ cdf) < prob
        a = np.where(below, x, a)
        b = np.where(below, b, x)
    return 0.5 * (a + b)


def _counts(z: np.ndarray) -> np.ndarray:
    return np.maximum(np.expm1(z), 0.0)


def combine(
    forecasts: Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame],
    method: str = "median",
    weights: Mapping[str, float] | None = None,
    intervals: str = "mixture",
) -> pd.DataFrame:
    """Member forecast frames (counts, same months and levels) combined into one.

    ``weights`` (name -> weight) count for ``method="weighted"`` only, normalised; a member
    left out weighs 0. Returns counts with the members' index and columns, nested intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2025-01-01", periods=1, freq="MS")
    >>> a = pd.DataFrame({"median": [99.0], "lo80": [80.0], "hi80": [120.0]}, index=idx)
    >>> b = pd.DataFrame({"median": [199.0], "lo80": [160.0], "hi80": [240.0]}, index=idx)
    >>> c = pd.DataFrame({"median": [149.0], "lo80": [130.0], "hi80": [170.0]}, index=idx)
    >>> combine([a, b, c], method="median")["median"].round(1).tolist()
    [149.0]
    """
    choice(method, METHODS, "combine method", "ensemble")
    choice(intervals, INTERVALS, "combine intervals", "ensemble")
    if isinstance(forecasts, Mapping):
        names = [str(k) for k in forecasts]
        frames = list(forecasts.values())
    else:
        frames = list(forecasts)
        names = [f"member {i}" for i in range(len(frames))]
    if not frames:
        raise ModelError("combine needs at least one forecast frame")
    if method == "weighted" and weights is None:
        raise ModelError("method 'weighted' needs weights")
    w = _weights(names, weights if method == "weighted" else None)
    levels = levels_of(frames[0])
    cols = interval_columns(levels)
    if POINT not in frames[0] or {str(c)[:2] for c in set(frames[0]) - set(cols)} & {"lo", "hi"}:
        raise ModelError(
            f"forecast frames need a {POINT!r} column and lo<L>/hi<L> pairs "
            f"(got columns {list(frames[0].columns)})"
        )
    for name, frame in zip(names, frames, strict=True):
        if not frame.index.equals(frames[0].index):
            raise ModelError(f"forecast of {name} covers other months than the first forecast")
        lacking = [c for c in cols if c not in frame.columns]
        if lacking:
            raise ModelError(f"forecast of {name} lacks columns {lacking}")
        if frame[cols].isna().any().any():
            raise ModelError(f"forecast of {name} has missing values; drop it before combining")
    logs = {c: np.log1p(np.stack([f[c].to_numpy(dtype=float) for f in frames])) for c in cols}
    lower, upper = {}, {}
    for lv in levels:
        lo, hi = logs[f"lo{level_label(lv)}"], logs[f"hi{level_label(lv)}"]
        if intervals == "quantiles":
            lower[lv], upper[lv] = _center(lo, method, w), _center(hi, method, w)
        else:
            a = (100.0 - lv) / 200.0
            z = normal_quantile(1.0 - a)
            lower[lv] = _mixture_quantile(logs[POINT], lo, hi, z, w, a)
            upper[lv] = _mixture_quantile(logs[POINT], lo, hi, z, w, 1.0 - a)
    return tidy(
        _counts(_center(logs[POINT], method, w)),
        {lv: _counts(v) for lv, v in lower.items()},
        {lv: _counts(v) for lv, v in upper.items()},
        levels,
        frames[0].index,
    )


@dataclass(frozen=True)
class _State:
    fits: tuple[tuple[str, FittedModel], ...]
    dropped: tuple[tuple[str, str], ...]
    without_exog: tuple[str, ...]
    fitted: np.ndarray


def _describe(exc: BaseException | str) -> str:
    text = exc if isinstance(exc, str) else str(exc).strip() or type(exc).__name__
    return text if len(text) < 300 else text[:297] + "..."


class Ensemble(BaseModel):
    """Named member models fitted on one series, their forecasts combined (see the module).

    ``members``: spec names (or spec paths), e.g. ``["ets", "sarima", "stl"]``; ``method``
    and ``intervals``: see :func:`combine`; ``weights`` (member name -> weight): required
    with ``method="weighted"``, refused otherwise; ``drop_unconverged`` (default True): drop a
    member whose fit warns with ConvergenceWarning; ``seed`` goes to every member.

    Examples
    --------
    >>> from borderforecast.models.ensemble import Ensemble
    >>> Ensemble(members=["snaive", "gbm"], method="mean").members
    ('snaive', 'gbm')
    """

    family = "ensemble"
    description = "Combination of several models (median of forecasts, mixture intervals)"
    supports_exog = True

    def __init__(
        self,
        *,
        members: Sequence[str] = DEFAULT_MEMBERS,
        method: str = "median",
        weights: Mapping[str, float] | None = None,
        intervals: str = "mixture",
        drop_unconverged: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        names = isinstance(members, Sequence) and all(isinstance(m, str) for m in members)
        if isinstance(members, str) or not names or not members:
            raise SpecError(
                f"ensemble: members must be a non-empty list of model names, not {members!r}"
            )
        if len(set(members)) != len(members):
            raise SpecError(f"ensemble: members repeat a name: {list(members)}")
        for member in members:
            try:
                spec = get_spec(member)
            except UnknownModelError as exc:
                raise SpecError(f"ensemble member: {exc}") from None
            if spec.family == self.family:
                raise SpecError(f"ensemble: member {member!r} is itself an ensemble")
        self.method = choice(method, METHODS, "method", self.name)
        self.intervals = choice(intervals, INTERVALS, "intervals", self.name)
        if method == "weighted" and not (isinstance(weights, Mapping) and weights):
            raise SpecError(
                "ensemble: method 'weighted' needs weights, a table of member name -> weight"
            )
        if method != "weighted" and weights is not None:
            raise SpecError(f"ensemble: weights are only for method 'weighted', not {method!r}")
        self.members = tuple(members)
        self.weights = dict(weights) if weights is not None else None
        try:
            _weights(self.members, self.weights)
        except ModelError as exc:
            raise SpecError(f"ensemble: {exc}") from None
        self.drop_unconverged = flag(drop_unconverged, "drop_unconverged", self.name)

    def _drop(self, member: str, exc: BaseException | str) -> None:
        category = ShortSeriesWarning if isinstance(exc, ShortSeriesError) else ConvergenceWarning
        warnings.warn(
            f"ensemble {self.name!r}: member {member!r} dropped ({_describe(exc)})",
            category,
            stacklevel=4,
        )

    def member_weights(self, names: Sequence[str]) -> np.ndarray:
        """Normalised weights of the members ``names`` (those left after failures).

        Examples
        --------
        >>> Ensemble(members=["snaive", "gbm"], method="weighted",
        ...          weights={"snaive": 1, "gbm": 3}).member_weights(["snaive", "gbm"]).tolist()
        [0.25, 0.75]
        """
        table = self.weights
        if table is not None and not sum(float(table.get(n, 0.0)) for n in names) > 0:
            raise ModelError(
                f"ensemble {self.name!r}: the members left ({', '.join(names)}) all have weight 0"
            )
        return _weights(names, None if table is None else {n: table.get(n, 0.0) for n in names})

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        transform = self.transform
        # back to counts for the members; rounding to 6 decimals undoes the
        # round trip's floating-point error (exp(log(y + 1)) - 1 != y exactly)
        counts = np.round(transform.inverse(z.to_numpy(dtype=float)), 6)
        y = pd.Series(counts, index=z.index, name=z.name)
        fits: list[tuple[str, FittedModel]] = []
        dropped: list[tuple[str, BaseException | str]] = []
        without_exog = []
        for member in self.members:
            model = make_model(member, seed=self.seed)
            Xm = X if model.supports_exog else None
            if X is not None and Xm is None:
                without_exog.append(member)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    fm = model.fit(y, X=Xm)
            except Exception as exc:  # failure isolation: any member error drops the member
                dropped.append((member, exc))
                self._drop(member, exc)
                continue
            unconverged = [c for c in caught if issubclass(c.category, ConvergenceWarning)]
            for c in caught:  # pass the members' other warnings on
                if c not in unconverged or not self.drop_unconverged:
                    warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
            if unconverged and self.drop_unconverged:
                dropped.append((member, f"did not converge: {unconverged[0].message}"))
                self._drop(member, dropped[-1][1])
                continue
            fits.append((member, fm))
        reasons = tuple((m, _describe(r)) for m, r in dropped)
        if not fits:
            detail = "; ".join(f"{m}: {r}" for m, r in reasons)
            if all(isinstance(r, ShortSeriesError) for _, r in dropped):
                raise ShortSeriesError(
                    f"ensemble {self.name!r}: the series is too short for every member ({detail})"
                )
            raise ModelError(f"ensemble {self.name!r}: every member failed ({detail})")
        w = self.member_weights([m for m, _ in fits])
        vals = np.log1p(np.stack([fm.fitted_values.to_numpy(dtype=float) for _, fm in fits]))
        fitted = transform.forward(_counts(_center(vals, self.method, w)))
        return _State(tuple(fits), reasons, tuple(without_exog), np.asarray(fitted, dtype=float))

    def _fitted(self, state: _State) -> np.ndarray:
        return state.fitted

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        frames = {}
        for member, fm in state.fits:
            try:
                frames[member] = fm.forecast(h, level=levels, X=X if fm.X is not None else None)
            except Exception as exc:  # failure isolation
                self._drop(member, exc)
        if not frames:
            raise ModelError(f"ensemble {self.name!r}: no member could forecast")
        weights = dict(zip(frames, self.member_weights(list(frames)), strict=True))
        frame = combine(frames, method=self.method, weights=weights, intervals=self.intervals)
        z = {c: self.transform.forward(frame[c].to_numpy(dtype=float)) for c in frame}
        lower = {lv: z[f"lo{level_label(lv)}"] for lv in levels}
        return Prediction(z[POINT], lower, {lv: z[f"hi{level_label(lv)}"] for lv in levels})

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        """Pool member paths: each path comes from one member, drawn with its weight."""
        names = [m for m, _ in state.fits]
        counts = rng.multinomial(n, self.member_weights(names))
        pieces, short = [], 0
        for (member, fm), k in zip(state.fits, counts, strict=True):
            if k == 0:
                continue
            Xm = X if fm.X is not None else None
            try:
                paths = fm.simulate(h, int(k), seed=int(rng.integers(0, 2**32 - 1)), X=Xm)
            except Exception as exc:  # failure isolation
                self._drop(member, exc)
                short += int(k)
                continue
            pieces.append(np.asarray(self.transform.forward(paths), dtype=float))
        if not pieces:
            raise ModelError(f"ensemble {self.name!r}: no member could simulate sample paths")
        pooled = np.vstack(pieces)
        if short:  # members that could not simulate: refill from the others' paths
            pooled = np.vstack([pooled, pooled[rng.integers(0, len(pooled), short)]])
        return pooled[rng.permutation(len(pooled))]

    def _summary(self, state: _State) -> str:
        names = [m for m, _ in state.fits]
        w = self.member_weights(names)
        used = ", ".join(
            f"{m} ({wi:.2f})" if self.method == "weighted" else m
            for m, wi in zip(names, w, strict=True)
        )
        lines = [
            f"Combination: {self.method} of forecasts on the log scale; "
            f"intervals: {self.intervals}",
            f"Members used: {used}",
            "Members dropped: " + ("; ".join(f"{m} ({r})" for m, r in state.dropped) or "none"),
        ]
        if state.without_exog:
            lines.append(f"Fitted without regressors (no support): {', '.join(state.without_exog)}")
        return "\n".join(lines)


MODEL = Ensemble
