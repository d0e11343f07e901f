"""The evidence table of an assessment (:meth:`Assessment.to_frame`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .verdict import p_words, percentile_words, z_words


def evidence_table(a: Any) -> pd.DataFrame:
    """One row per line of evidence: ``evidence, statistic, value, p_value, percentile,
    reading``."""
    alpha = a.options.alpha
    rows = []
    runs = a.panel.runs if a.panel is not None else ()
    for r in sorted(runs, key=lambda r: not r.gate_passed):
        cf = r.counterfactual
        if cf is None:
            continue
        if r.gate_passed:
            reading = f"{cf.direction}: {p_words(r.calibrated_p, alpha)} (calibrated)"
        else:
            reading = f"flagged, not evidence: {r.gate_reason}"
        rows.append(
            {
                "evidence": f"counterfactual ({cf.model})",
                "statistic": "observed vs expected, % of window total",
                "value": 100 * cf.relative_effect,
                "p_value": r.calibrated_p,
                "percentile": np.nan,
                "reading": reading,
            }
        )
    if a.placebo is not None:
        pl = a.placebo
        rows.append(
            {
                "evidence": f"counterfactual panel, calibrated ({pl.n_years} placebo years)",
                "statistic": "false-alarm rate in placebo years, %",
                "value": 100 * pl.false_alarm_rate,
                "p_value": pl.calibrated_p,
                "percentile": np.nan,
                "reading": f"{a.decision.counterfactual_direction}: "
                f"{p_words(pl.calibrated_p, alpha)} ({pl.model})",
            }
        )
    e = a.empirical
    rows.append(
        {
            "evidence": f"seasonal comparison ({e.n_years} earlier years)",
            "statistic": "robust z of the log change",
            "value": e.robust_z,
            "p_value": np.nan,
            "percentile": e.percentile,
            "reading": f"{z_words(e.robust_z, alpha)}; {percentile_words(e.percentile, e.n_years)}",
        }
    )
    if a.adjusted is not None:
        s = a.adjusted
        rows.append(
            {
                "evidence": "seasonally adjusted change (STL)",
                "statistic": "robust z of the adjusted change",
                "value": s.robust_z,
                "p_value": s.p_value,
                "percentile": s.percentile,
                "reading": z_words(s.robust_z, alpha),
            }
        )
        rows.append(
            {
                "evidence": "X-13 outliers near the window",
                "statistic": "number found",
                "value": float(len(s.outliers)) if s.outliers is not None else np.nan,
                "p_value": np.nan,
                "percentile": np.nan,
                "reading": s.outlier_note,
            }
        )
    if a.decomposition is not None:
        d = a.decomposition
        rows.append(
            {
                "evidence": "decomposition (excess over seasonal)",
                "statistic": "excess change, %",
                "value": d.excess_pct,
                "p_value": np.nan,
                "percentile": np.nan,
                "reading": (
                    "interval excludes zero"
                    if d.excess_excludes_zero
                    else "interval includes zero"
                ),
            }
        )
    return pd.DataFrame(rows).set_index("evidence")
