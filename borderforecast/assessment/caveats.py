"""The caveats of an assessment: each triggered by an explicit rule on the data and the window."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .normal import TITLE42
from .options import Window
from .verdict import fmt_count


def caveats(y: pd.Series, window: Window, placebo: Any, min_placebos: int,
            n_empirical_years: int, border: bool = True) -> tuple[str, ...]:
    """Caveats that apply to this series and window, each triggered by an explicit rule
    (``border``: one of the package's border series, with their history and mix of groups)."""
    out = _regime(y, window, placebo, min_placebos, border) + _scale(y, window)
    out += [COMPOSITION, POLICY] if border else [CAUSES]
    if placebo is None or placebo.n_years < min_placebos:
        k = 0 if placebo is None else placebo.n_years
        out.append(
            f"Calibration: only {k} normal placebo years could be run (at least {min_placebos} "
            "are needed), so the counterfactual panel is not calibrated and the answer is "
            "\"cannot tell\": less information never gives a stronger verdict."
        )
    if n_empirical_years < 8:
        out.append(
            f"History: only {n_empirical_years} earlier years for the seasonal comparison; its "
            "percentile is coarse."
        )
    return tuple(out)


COMPOSITION = (
    "Composition: the counts mix groups (nationalities; single adults, families, "
    "children) whose seasonal patterns differ; when the mix shifts, the seasonal pattern "
    "of earlier years may not apply."
)
POLICY = (
    "Policy: these tests say whether the change is unusual for the time of year, not "
    "what caused it; policy, enforcement, conditions in countries of origin and the "
    "economy all move the numbers, often at once."
)
CAUSES = (
    "Causes: these tests say whether the change is unusual for the time of year, not what "
    "caused it."
)


def _regime(
    y: pd.Series, window: Window, placebo: Any, min_placebos: int, border: bool
) -> list[str]:
    """Title 42 in the data used (border series); placebo years that lean to one side."""
    out = []
    if border and y.index[0] <= TITLE42[1] and window.end >= TITLE42[0]:
        out.append(
            "Regime change: from March 2020 to May 2023 the counts include Title 42 expulsions and "
            "many repeat crossings, and their seasonal pattern differs from the Title 8 years; "
            "the data used here overlap that period."
        )
    if placebo is not None and placebo.n_years >= 2 and abs(placebo.z_mean) > 1:
        side = "above" if placebo.z_mean < 0 else "below"
        out.append(
            f"Drift: in the placebo years the counterfactual was on average {side} the "
            f"observed totals for this window (mean z = {placebo.z_mean:+.2f}), a sign that the "
            "seasonal pattern or the trend has shifted over time; "
            + (
                "the calibrated p-value allows for it."
                if placebo.n_years >= min_placebos
                else "too few placebo years ran to correct for it."
            )
        )
    return out


def _scale(y: pd.Series, window: Window) -> list[str]:
    """One "Scale:" caveat naming every way the reference and end months are unusual."""
    facts = []
    same = y[(y.index.month == window.reference.month) & (y.index < window.reference)]
    ref = float(y[window.reference])
    if len(same) >= 3:
        ratio = ref / float(np.median(same)) if np.median(same) > 0 else float("nan")
        if ref > same.max():
            facts.append(
                f"the reference month ({fmt_count(ref)}) is higher than the same month in any "
                f"earlier year ({ratio:.1f} times their median): swings measured at lower levels "
                "may not carry over, and a fall from a peak is partly a return toward usual levels"
            )
        elif ref < same.min():
            facts.append(
                f"the reference month ({fmt_count(ref)}) is lower than the same month in any "
                f"earlier year ({ratio:.2f} times their median): swings measured at higher "
                "levels may not carry over"
            )
    same_end = y[(y.index.month == window.end.month) & (y.index < window.end)]
    last = float(y[window.end])
    if len(same_end) >= 3 and not same_end.min() <= last <= same_end.max():
        side = "lower" if last < same_end.min() else "higher"
        facts.append(
            f"{window.end:%B %Y} ({fmt_count(last)}) is {side} than {window.end:%B} in any "
            "earlier year: the series is at a level where the seasonal pattern of earlier "
            "years is least certain to hold"
        )
    if ref < 1000:
        facts.append(
            f"counts are small ({fmt_count(ref)} in the reference month), so percentage "
            "changes swing widely from month to month"
        )
    return [f"Scale: {'; '.join(facts)}."] if facts else []
