"""The evidence table of an assessment (:meth:`Assessment.to_frame`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .verdict import p_words, percentile_words, z_words


def evidence_table(a: Any) -> pd.DataFrame:
    """One row per line of evidence: ``evidence, statistic, value, p_value, percentile,
    reading``."""
    alpha, nan = a.options.alpha, np.nan
    rows: list[tuple[Any, ...]] = []
    runs = a.panel.runs if a.panel is not None else ()
    for r in sorted(runs, key=lambda r: not r.gate_passed):
        cf = r.counterfactual
        if cf is None:
            continue
        reading = (f"{cf.direction}: {p_words(r.calibrated_p, alpha)} (calibrated)"
                   if r.gate_passed else f"flagged, not evidence: {r.gate_reason}")
        rows.append((f"counterfactual ({cf.model})", "observed vs expected, % of window total",
                     100 * cf.relative_effect, r.calibrated_p, nan, reading))
    if (pl := a.placebo) is not None:
        rows.append((f"counterfactual panel, calibrated ({pl.n_years} placebo years)",
                     "false-alarm rate in placebo years, %", 100 * pl.false_alarm_rate,
                     pl.calibrated_p, nan, f"{a.decision.counterfactual_direction}: "
                     f"{p_words(pl.calibrated_p, alpha)} ({pl.model})"))
    e = a.empirical
    rows.append((f"seasonal comparison ({e.n_years} earlier years)", "robust z of the log change",
                  e.robust_z, nan, e.percentile,
                  f"{z_words(e.robust_z, alpha)}; {percentile_words(e.percentile, e.n_years)}"))
    if (s := a.adjusted) is not None:
        rows.append(("seasonally adjusted change (STL)", "robust z of the adjusted change",
                     s.robust_z, s.p_value, s.percentile, z_words(s.robust_z, alpha)))
        n = float(len(s.outliers)) if s.outliers is not None else nan
        rows.append(("X-13 outliers near the window", "number found", n, nan, nan,
                     s.outlier_note))
    if (d := a.decomposition) is not None:
        zero = "excludes" if d.excess_excludes_zero else "includes"
        rows.append(("decomposition (excess over seasonal)", "excess change, %", d.excess_pct,
                     nan, nan, f"interval {zero} zero"))
    cols = ["evidence", "statistic", "value", "p_value", "percentile", "reading"]
    return pd.DataFrame(rows, columns=cols).set_index("evidence")
