"""The one definition of normal seasonality: which years every line of evidence compares with.

Every line of an assessment (the placebo runs, the seasonal comparison, the plausibility gate,
the era test and the seasonal profile behind the decomposition) and the report's seasonal
section take their years from here, so no two of them can disagree on what "normal" means.

The rule, in three steps:

1. **Excluded periods.** The Title 42 months (Mar 2020 - May 2023, counts include expulsions
   and many repeat crossings) unless ``title42=False``, and any period named with ``exclude=``.
2. **The window's own calendar months.** For every copy of the window's calendar span in the
   data (reference month to end month, in every year before *and after* the window, the window
   itself included), the statistic is the mean log change from the reference month over the
   window's months (the cumulative path, so windows that share months get similar statistics).
   A copy is *beyond normal seasonality* when its leave-one-out robust z among the other copies
   (outside the excluded periods) exceeds :data:`SHOCK_Z`. The scale of that z is never below
   the spread the series' own month-to-month variation implies for such a statistic
   (:func:`noise_floor`), so a tight cluster of ordinary years cannot produce a z of -20.
3. **The fiscal year.** A fiscal year is not normal when any three-month window inside it
   (reference: the month before) is beyond normal seasonality by step 2
   (:func:`normal_fiscal_years`); a copy touching such a fiscal year is not normal for any
   window. A year the rule finds beyond is therefore not normal anywhere.

Because the pool of step 2 is every copy of the span in the data, a year's status depends only
on the series and the window's calendar months, never on which year is being judged (a fixed
point). When the era test (:func:`borderforecast.season.compare_eras`, run on the normal fiscal
years) finds that the window's calendar change differs between the eras, only the recent era's
years are normal for that window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..fiscal import fiscal_year, fiscal_year_start
from .counterfactual import gate_span
from .exclude import ExcludeError, Period, check_periods, parse_exclude, period_label
from .options import Window, months_between
from .robust import (
    _memo,
    fingerprint,
    log_counts,
    loo_robust_z,
    noise_floor,
    span_floor,
)

TITLE42: Period = (pd.Timestamp("2020-03-01"), pd.Timestamp("2023-05-01"))
"""First and last month of the Title 42 period (expulsions counted as encounters)."""

SHOCK_Z = 3.0
"""A copy of the window whose leave-one-out robust |z| exceeds this is beyond normal."""

MIN_SCREEN_YEARS = 8
"""Fewest copies in the pool for screening (with fewer, a robust spread is too noisy)."""

def copies(lz: pd.Series, window: Window) -> pd.DataFrame:
    """Every copy of the window's calendar span inside the data (shift 0 is the window).

    Columns ``shift`` (years back; negative: later), ``stat`` (mean log change from the
    reference month over the window's months), ``end_change`` (reference to end, log),
    ``reference, start, end``; index: the year of the end month.
    """
    v, idx = lz.to_numpy(dtype=float), lz.index
    ref0 = months_between(idx[0], window.reference)  # may lie outside the data
    offs = np.array([months_between(window.reference, m) for m in window.months])
    ga, gb = (months_between(window.reference, m) for m in gate_span(window))
    rows = []
    for j in range(-(len(v) // 12) - 1, len(v) // 12 + 2):
        r = ref0 - 12 * j
        if r < 0 or r + offs[-1] >= len(v):
            continue
        path = v[r + offs] - v[r]
        rows.append({"year": idx[r + offs[-1]].year, "shift": j, "stat": float(np.mean(path)),
                     "end_change": float(path[-1]), "gate_change": float(v[r + gb] - v[r + ga]),
                     "reference": idx[r], "start": idx[r + offs[0]], "end": idx[r + offs[-1]]})
    return pd.DataFrame(rows).set_index("year")


def screen(lz: pd.Series, window: Window, periods: Sequence[Period], sigma1: float,
           shock_z: float | None) -> pd.DataFrame:
    """The copies of ``window`` with their leave-one-out robust z (column ``z``) among the
    copies outside ``periods``, and ``beyond`` (``|z| > shock_z``)."""
    c = copies(lz, window)
    touched = [_touches(r.reference, r.end, periods) for r in c.itertuples()]
    c["excluded"] = [period_label(p) if p else "" for p in touched]
    pool = c["excluded"] == ""
    c["z"] = np.nan
    floor = span_floor(sigma1, window)
    if pool.sum() >= MIN_SCREEN_YEARS:
        c.loc[pool, "z"] = loo_robust_z(c.loc[pool, "stat"].to_numpy(), floor)
    c["beyond"] = (c["z"].abs() > shock_z) if shock_z is not None else False
    return c


def _touches(a: pd.Timestamp, b: pd.Timestamp, periods: Sequence[Period]) -> Period | None:
    for p in periods:
        if a <= p[1] and b >= p[0]:
            return p
    return None


@dataclass(frozen=True)
class FiscalYears:
    """Complete fiscal years of normal seasonality, and why each other one is left out.

    Attributes
    ----------
    years : tuple of int
        The normal fiscal years (ascending).
    excluded : dict
        Fiscal year -> reason (an excluded period, or the window found beyond normal).
    """

    years: tuple[int, ...]
    excluded: dict[int, str]
    shock_z: float | None

    def before(self, month: pd.Timestamp) -> tuple[int, ...]:
        """The normal fiscal years that end before ``month``."""
        return tuple(v for v in self.years if fiscal_year_start(v + 1) <= month)

    def to_dict(self) -> dict[str, Any]:
        return {"years": list(self.years),
                "excluded": {str(k): v for k, v in sorted(self.excluded.items())},
                "rule": rule_text(self.shock_z)}


def rule_text(shock_z: float | None) -> str:
    if shock_z is None:
        return "no screening: every year outside the excluded periods is normal"
    return (f"a year is beyond normal seasonality when a window's mean change from its "
            f"reference month lies more than {shock_z:g} robust standard deviations from the "
            "same change in the other years (the spread never below what the series' own "
            "month-to-month variation implies); its fiscal year is then left out everywhere")


def normal_fiscal_years(y: pd.Series, *, exclude: Any = None, title42: bool = True,
                        shock_z: float | None = SHOCK_Z) -> FiscalYears:
    """The fiscal years of normal seasonality of ``y`` (step 3 of the module's rule).

    This is what the report's seasonal section and every assessment use as "normal".

    Examples
    --------
    >>> import borderforecast as bf
    >>> fy = normal_fiscal_years(bf.load())
    >>> 2019 in fy.years, 2018 in fy.years
    (False, True)
    """
    user = parse_exclude(exclude)
    key = ("fiscal", fingerprint(y), title42, user, shock_z)
    return _memo(key, lambda: _fiscal_years(y, user, title42, shock_z))  # type: ignore[no-any-return]


def _fiscal_years(
    y: pd.Series, user: tuple[Period, ...], title42: bool, shock_z: float | None
) -> FiscalYears:
    defaults: tuple[Period, ...] = (TITLE42,) if title42 else ()
    periods = defaults + user
    lz = log_counts(y.astype(float))
    sigma1 = noise_floor(lz, defaults)
    fys = pd.Series(np.asarray(fiscal_year(lz.index)), index=lz.index)
    counts = fys.value_counts()
    complete = sorted(int(v) for v in counts.index[counts == 12])
    excluded: dict[int, str] = {}
    for v in complete:
        hit = _touches(fiscal_year_start(v), fiscal_year_start(v + 1) - pd.DateOffset(months=1),
                       periods)
        if hit is not None:
            excluded[v] = ("Title 42 period (Mar 2020 - May 2023)" if hit == TITLE42
                           else f"excluded by the user ({period_label(hit)})")
    if shock_z is not None:
        for m in range(1, 13):
            s = pd.Timestamp(lz.index[-1].year, m, 1)
            w = Window(s, s + pd.DateOffset(months=2), s - pd.DateOffset(months=1))
            c = screen(lz, w, defaults, sigma1, shock_z)  # user periods only remove years
            for r in c[c["beyond"]].itertuples():
                for v in sorted({int(fiscal_year(r.start)), int(fiscal_year(r.end))}):
                    if v in complete and v not in excluded:
                        excluded[v] = (f"its {r.start:%b}-{r.end:%b} {r.end:%Y} change from "
                                       f"{r.reference:%b} is beyond normal seasonality "
                                       f"(robust z {r.z:+.1f})")
    return FiscalYears(tuple(v for v in complete if v not in excluded), excluded, shock_z)


@dataclass(frozen=True)
class NormalYears:
    """The years of normal seasonality for one window, each other year with its reason.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per earlier copy of the window (index: year of its end month, latest first):
        ``shift`` (years back), ``stat`` (mean log change from the reference month over the
        window's months), ``end_change`` (reference to end, log), ``z`` (its screening z),
        ``reason`` (why it is not normal; empty when it is), ``comparison`` (normal) and
        ``placebo`` (normal, with enough history, ending before the window).
    target_z : float
        The window's own screening z among every copy (beyond :data:`SHOCK_Z`: not ordinary).
    floor : float
        The smallest scale of the window statistic (:func:`span_floor`).
    years : tuple of int
        Fiscal years of the seasonal profile behind the decomposition.
    clean_years : tuple of int
        Normal fiscal years before the window, before the era choice.
    """

    window: Window
    frame: pd.DataFrame = field(repr=False)
    target_z: float
    floor: float
    fiscal: FiscalYears
    years: tuple[int, ...]
    clean_years: tuple[int, ...]
    exclude: tuple[Period, ...]
    shock_z: float | None
    era_split: int | None = None
    era_p: float = float("nan")
    shape_changed: bool = False
    window_change_a: float = float("nan")
    window_change_b: float = float("nan")
    window_differs: bool = False
    note: str = ""

    @property
    def comparison_years(self) -> list[int]:
        """Normal earlier years (ascending): the seasonal comparison and the gate."""
        return sorted(int(v) for v in self.frame.index[self.frame["comparison"]])

    @property
    def placebo_years(self) -> list[int]:
        """Years of the placebo runs (latest first)."""
        return [int(v) for v in self.frame.index[self.frame["placebo"]]]

    def placebo_windows(self) -> list[Window]:
        return [self.window.shifted(int(s)) for s in self.frame.loc[self.frame["placebo"], "shift"]]

    def column(self, name: str) -> np.ndarray:
        """A column of the normal earlier years (``stat``, ``end_change``, ``gate_change``)."""
        return self.frame.loc[self.frame["comparison"], name].to_numpy(dtype=float)

    @property
    def excluded(self) -> dict[int, str]:
        """Year -> why it is not normal for this window."""
        bad = self.frame[~self.frame["comparison"]]
        return {int(k): str(v) for k, v in bad["reason"].items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "comparison_years": self.comparison_years, "placebo_years": sorted(self.placebo_years),
            "excluded": {str(k): v for k, v in sorted(self.excluded.items())},
            "exclude_periods": [period_label(p) for p in self.exclude], "window_z": self.target_z,
            "fiscal_years": list(self.years),
            "fiscal_years_excluded": {str(k): v for k, v in sorted(self.fiscal.excluded.items())},
            "rule": rule_text(self.shock_z), "era_split": self.era_split, "era_p": self.era_p,
            "shape_changed": self.shape_changed, "window_change_a_pct": self.window_change_a,
            "window_change_b_pct": self.window_change_b, "window_differs": self.window_differs,
            "note": self.note,
        }


def normal_years(
    y: pd.Series,
    window: Window,
    *,
    exclude: Any = None,
    title42: bool = True,
    shock_z: float | None = SHOCK_Z,
    min_history: int = 60,
    max_placebo_years: int | None = None,
    era_split: int | None = 2011,
    alpha: float = 0.05,
    seed: int = 0,
) -> NormalYears:
    """The normal years of ``window`` (the module's rule; the one definition of normal).

    Raises
    ------
    ExcludeError
        If an ``exclude`` period is outside the data or overlaps the window, or if fewer than
        3 normal earlier years remain.
    """
    user = parse_exclude(exclude)
    check_periods(user, y.index, window.reference, window.end)
    first = y.index[0]
    defaults: tuple[Period, ...] = (TITLE42,) if title42 else ()
    lz = log_counts(y.astype(float))
    sigma1 = noise_floor(lz, defaults)
    fiscal = normal_fiscal_years(y, exclude=user, title42=title42, shock_z=shock_z)
    c = screen(lz, window, defaults, sigma1, shock_z)
    target_z = float(c.loc[c["shift"] == 0, "z"].iloc[0])
    frame = c[c["shift"] >= 1].sort_values("shift").copy()
    frame["reason"] = [_reason(r, window, user, fiscal) for r in frame.itertuples()]
    clean = fiscal.before(window.start)
    era = _era(y, window, clean, frame, era_split, alpha, seed)
    if era.get("since") is not None:
        recent = frame["reference"] >= era["since"]
        frame.loc[(frame["reason"] == "") & ~recent, "reason"] = era["reason"]
    frame["comparison"] = frame["reason"] == ""
    ok = frame["comparison"] & (frame["end"] < window.start) & np.array(
        [months_between(first, s) >= min_history for s in frame["start"]])
    if max_placebo_years is not None:
        ok &= ok.cumsum() <= max_placebo_years
    frame["placebo"] = ok
    if frame["comparison"].sum() < 3:
        raise ExcludeError(
            f"only {int(frame['comparison'].sum())} earlier year(s) of normal seasonality are "
            f"left for {window.label()} (at least 3 are needed)"
            + (f"; the exclusions {', '.join(period_label(p) for p in user)} remove some"
               if user else ""))
    years = tuple(v for v in clean if era.get("since") is None or v >= (era_split or 0))
    return NormalYears(
        window=window, frame=frame, target_z=target_z, floor=span_floor(sigma1, window),
        fiscal=fiscal, years=years, clean_years=clean, exclude=defaults + user, shock_z=shock_z,
        era_split=era_split, era_p=era.get("p", float("nan")),
        shape_changed=bool(era.get("changed", False)),
        window_change_a=era.get("a", float("nan")), window_change_b=era.get("b", float("nan")),
        window_differs=bool(era.get("differs", False)), note=era.get("note", ""))


def _reason(r: Any, window: Window, user: Sequence[Period], fiscal: FiscalYears) -> str:
    if r.excluded:
        return "Title 42 period (Mar 2020 - May 2023)"
    hit = _touches(r.reference, r.end, user)
    if hit is not None:
        return f"excluded by the user ({period_label(hit)})"
    if r.beyond:
        return (f"beyond normal seasonality: its {window.reference:%b}->{window.end:%b} path "
                f"(mean change {100 * np.expm1(r.stat):+.1f}%) has robust z {r.z:+.1f}")
    for v in sorted({int(fiscal_year(r.reference)), int(fiscal_year(r.end))}):
        if v in fiscal.excluded:
            return f"FY{v} is not normal: {fiscal.excluded[v]}"
    return ""


def _era(y: pd.Series, window: Window, clean: tuple[int, ...], frame: pd.DataFrame,
         era_split: int | None, alpha: float, seed: int) -> dict[str, Any]:
    """The era test on the normal fiscal years; ``since`` set when the recent era defines
    normal for the window's months (and leaves at least 5 earlier years)."""
    if era_split is None:
        return {"note": "era test not requested"}
    a = [v for v in clean if v < era_split]
    b = [v for v in clean if v >= era_split]
    if len(a) < 3 or len(b) < 3:
        return {"note": f"era test not run: fewer than 3 normal fiscal years on one side of "
                        f"FY{era_split}"}
    from ..season import compare_eras

    hist = y[y.index < window.start]
    cmp = _memo(("era", fingerprint(hist), tuple(a), tuple(b), alpha, seed),
                lambda: compare_eras(hist, a, b, level=100 * (1 - alpha), seed=seed,
                                     n_permutations=999))
    changed = bool(np.isfinite(cmp.p_value) and cmp.p_value < alpha)
    r, e = window.reference.month, window.end.month
    d = cmp.differences
    diff = float(np.log1p(d.loc[e, "change"] / 100) - np.log1p(d.loc[r, "change"] / 100))
    half = float(np.hypot(*(np.log1p(d.loc[m, "hi"] / 100) - np.log1p(d.loc[m, "lo"] / 100)
                            for m in (e, r))) / 2) if r != e else 0.0
    differs = bool(diff - half > 0 or diff + half < 0)
    out: dict[str, Any] = {"p": float(cmp.p_value), "changed": changed, "differs": differs,
           "a": float(cmp.profile_a.expected_change(r, e)[0]),
           "b": float(cmp.profile_b.expected_change(r, e)[0])}
    since = fiscal_year_start(era_split)
    recent = (frame["reason"] == "") & (frame["reference"] >= since)
    if changed and differs and recent.sum() >= 5:
        out["since"] = since
        out["reason"] = (f"earlier seasonal era (before FY{era_split}): the "
                         f"{window.reference:%b}->{window.end:%b} change differs between the eras")
    elif changed and differs:
        out["note"] = (f"the recent seasonal era (from FY{era_split}) has too few normal years "
                       "before the window, so every normal year is used")
    return out
