"""The words of a seasonal profile: its summary and the autumn sentence."""

from __future__ import annotations

from typing import Any

import numpy as np

from .estimate import MONTH_NAMES


def profile_summary(profile: Any) -> str:
    """A plain-language description of the profile."""
    f = profile.factors
    lv = f"{profile.level:g}%"
    pct = (f["factor"] - 1) * 100
    top, low = int(pct.idxmax()), int(pct.idxmin())
    lines = [
        f"Seasonal profile of {profile.series}, {profile.years_label} "
        f"({len(profile.years)} {'fiscal ' if profile.fiscal else ''}years; "
        f"method: {profile.method}; {lv} intervals).",
        f"Busiest month: {MONTH_NAMES[top - 1]} ({pct[top]:+.0f}% vs the underlying level); "
        f"quietest: {MONTH_NAMES[low - 1]} ({pct[low]:+.0f}%).",
        "Factors: "
        + ", ".join(f"{n} {p:+.0f}%" for n, p in zip(f["name"], pct, strict=True))
        + ".",
    ]
    c = profile.contrasts
    for _, r in c.iterrows():  # the named contrasts, in their order
        lines.append(
            f"{r['label']}: {r['estimate']:+.1f}% "
            f"({lv} CI {r['lo']:+.1f}% to {r['hi']:+.1f}%): {r['reading']}."
        )
    lines.append(autumn_sentence(profile))
    if len(profile.estimates) > 1:
        others = []
        for m, e in profile.estimates.items():
            if m == profile.method:
                continue
            gap = 100 * np.max(np.abs(np.expm1(e.effects - profile._estimate(None).effects)))
            others.append(f"{m} (largest difference {gap:.1f} points)")
        lines.append("Other methods: " + "; ".join(others) + ".")
    lines += [f"Note: {n}" for n in profile.notes]
    return "\n".join(lines)

def autumn_sentence(profile: Any) -> str:
    """What this profile's own estimates say about August into the autumn (Oct-Dec): a rise
    or fall is normal only when its whole interval is above or below zero.

    Examples
    --------
    >>> from borderforecast.season import seasonal_profile, synthetic_example
    >>> seasonal_profile(synthetic_example(), methods=["regression"]).autumn_sentence()
    'A rise from August to Oct, Nov, Dec is part of the normal pattern.'
    """
    keys = ("aug_to_oct", "aug_to_nov", "aug_to_dec")
    c = profile.contrasts
    lv = f"{profile.level:g}%"

    def month_of(k: str) -> str:
        return str(c.loc[k, "label"]).split(" -> ")[1]

    rising = [month_of(k) for k in keys if c.loc[k, "lo"] > 0]
    if rising:
        return f"A rise from August to {', '.join(rising)} is part of the normal pattern."
    if all(c.loc[k, "hi"] < 0 for k in keys):
        return "A fall from August into the autumn (Oct-Dec) is part of the normal pattern."
    best = max(keys, key=lambda k: float(c.loc[k, "estimate"]))
    r = c.loc[best]
    interval = f"{r['estimate']:+.1f}%, {lv} CI {r['lo']:+.1f}% to {r['hi']:+.1f}%"
    if r["estimate"] > 0:
        text = (
            f"A rise from August to {month_of(best)} is estimated ({interval}) but its "
            "interval includes zero: this profile neither confirms nor rules out an "
            "autumn rise."
        )
    else:
        text = (
            f"No rise from August into the autumn is estimated (largest: August to "
            f"{month_of(best)}, {interval})."
        )
    also = []
    for m in profile.estimates:
        if m == profile.method:
            continue
        cm = profile.contrasts_for(m)
        up = [month_of(k) for k in keys if cm.loc[k, "lo"] > 0]
        if up:
            also.append(f"{m} finds a normal rise from August to {', '.join(up)}")
    if also:
        text += " By the other methods: " + "; ".join(also) + "."
    return text
