"""The one definition of normal seasonality: which years every line of evidence compares with.

A year is left out for an excluded period, a window statistic beyond :data:`SHOCK_Z` robust
|z|, a whole year (:func:`normal_fiscal_years`: fiscal for the bundled border series, else
calendar) holding such a three-month window, or an earlier seasonal era: the assessment guide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..fiscal import year_of, year_start
from ..series import is_bundled
from .counterfactual import gate_span
from .options import (
    ExcludeError,
    Period,
    Window,
    check_periods,
    months_between,
    parse_exclude,
    period_label,
    touches,
)  # fmt: skip
from .robust import _memo, fingerprint, log_counts, loo_robust_z, noise_floor, span_floor

TITLE42: Period = (pd.Timestamp("2020-03-01"), pd.Timestamp("2023-05-01"))
"""First and last month of the Title 42 period (expulsions counted as encounters)."""

SHOCK_Z = 3.0
"""A copy of the window whose leave-one-out robust |z| exceeds this is an outlier year."""

MIN_SCREEN_YEARS = 8
"""Fewest copies in the pool for screening (with fewer, a robust spread is too noisy)."""


def copies(lz: pd.Series, window: Window) -> pd.DataFrame:
    """Every copy of the window's calendar span in the data, indexed by its end month's year:
    ``shift`` (years back; 0 is the window), ``stat`` (mean log change from the reference month
    over the window's months), log ``end_change`` and ``gate_change``, ``reference, start, end``.
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
    touched = [touches(r.reference, r.end, periods) for r in c.itertuples()]
    c["excluded"] = [period_label(p) if p else "" for p in touched]
    pool = c["excluded"] == ""
    c["z"] = np.nan
    floor = span_floor(sigma1, window)
    if pool.sum() >= MIN_SCREEN_YEARS:
        c.loc[pool, "z"] = loo_robust_z(c.loc[pool, "stat"].to_numpy(), floor)
    c["beyond"] = (c["z"].abs() > shock_z) if shock_z is not None else False
    return c


@dataclass(frozen=True)
class FiscalYears:
    """The complete years of normal seasonality (``years``, ascending; fiscal or calendar as
    ``fiscal``), and why each other one is left out (``excluded``: year -> reason)."""

    years: tuple[int, ...]
    excluded: dict[int, str]
    shock_z: float | None
    fiscal: bool = True

    @property
    def prefix(self) -> str:
        """``"FY"`` before fiscal years, nothing before calendar years."""
        return "FY" if self.fiscal else ""

    def before(self, month: pd.Timestamp) -> tuple[int, ...]:
        """The normal years that end before ``month``."""
        return tuple(v for v in self.years if year_start(v + 1, self.fiscal) <= month)

    def to_dict(self) -> dict[str, Any]:
        return {"years": list(self.years),
                "excluded": {str(k): v for k, v in sorted(self.excluded.items())},
                "rule": rule_text(self.shock_z, self.fiscal)}


def rule_text(shock_z: float | None, fiscal: bool = True) -> str:
    if shock_z is None:
        return "no screening: every year outside the excluded periods is normal"
    return (f"a year is left out as an outlier when a window's mean change from its "
            f"reference month lies more than {shock_z:g} robust standard deviations from the "
            "same change in the other years (the spread never below what the series' own "
            f"month-to-month variation implies); its {'fiscal ' if fiscal else ''}year is then "
            "left out everywhere. This screen only picks the comparison years; it is not a "
            "verdict on that year (assess its window for one)")


def normal_fiscal_years(y: pd.Series, *, exclude: Any = None, title42: bool | None = None,
                        shock_z: float | None = SHOCK_Z, fiscal: bool | None = None) -> FiscalYears:
    """The years of normal seasonality of ``y`` (of the report's seasonal section and every
    assessment): fiscal, Title 42 left out, for the bundled border series, else calendar years
    (``fiscal`` and ``title42`` override).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fy = normal_fiscal_years(bf.load())
    >>> 2019 in fy.years, 2018 in fy.years
    (False, True)
    """
    user = parse_exclude(exclude)
    fy = is_bundled(y) if fiscal is None else bool(fiscal)
    title42 = fy if title42 is None else bool(title42)
    key = ("fiscal", fingerprint(y), title42, user, shock_z, fy)
    out: FiscalYears = _memo(key, lambda: _fiscal_years(y, user, title42, shock_z, fy))
    return out


def _fiscal_years(y: pd.Series, user: tuple[Period, ...], title42: bool, shock_z: float | None,
                  fiscal: bool) -> FiscalYears:
    defaults: tuple[Period, ...] = (TITLE42,) if title42 else ()
    periods = defaults + user
    lz = log_counts(y.astype(float))
    sigma1 = noise_floor(lz, defaults)
    fys = pd.Series(year_of(lz.index, fiscal), index=lz.index)
    counts = fys.value_counts()
    complete = sorted(int(v) for v in counts.index[counts == 12])
    excluded: dict[int, str] = {}
    for v in complete:
        hit = touches(year_start(v, fiscal), year_start(v + 1, fiscal) - pd.DateOffset(months=1),
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
                for v in sorted(set(year_of(pd.DatetimeIndex([r.start, r.end]), fiscal))):
                    if v in complete and v not in excluded:
                        excluded[v] = (f"its {r.start:%b}-{r.end:%b} {r.end:%Y} change from "
                                       f"{r.reference:%b} is an outlier among the years "
                                       f"(robust z {r.z:+.1f})")
    return FiscalYears(tuple(v for v in complete if v not in excluded), excluded, shock_z, fiscal)


@dataclass(frozen=True)
class NormalYears:
    """The years of normal seasonality for one window, each other year with its reason.

    ``frame`` has one row per earlier copy of the window (index: year of its end month, latest
    first) with the columns of :func:`copies`, its screening ``z``, ``reason`` (empty when
    normal), ``comparison`` (normal) and ``placebo`` (normal, with enough history, ending
    before the window). ``target_z`` is the window's own screening z, ``floor`` the smallest
    scale of its statistic; ``years`` are the fiscal years of the decomposition's profile and
    ``clean_years`` the normal fiscal years before the window, before the era choice.
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
        k = "fiscal_" if self.fiscal.fiscal else ""
        return {
            "comparison_years": self.comparison_years, "placebo_years": sorted(self.placebo_years),
            "excluded": {str(k): v for k, v in sorted(self.excluded.items())},
            "exclude_periods": [period_label(p) for p in self.exclude], "window_z": self.target_z,
            f"{k}years": list(self.years),
            f"{k}years_excluded": {str(k): v for k, v in sorted(self.fiscal.excluded.items())},
            "rule": rule_text(self.shock_z, self.fiscal.fiscal), "era_split": self.era_split,
            "era_p": self.era_p,
            "shape_changed": self.shape_changed, "window_change_a_pct": self.window_change_a,
            "window_change_b_pct": self.window_change_b, "window_differs": self.window_differs,
            "note": self.note,
        }


def normal_years(y: pd.Series, window: Window, *, exclude: Any = None, title42: bool | None = None,
                 shock_z: float | None = SHOCK_Z, min_history: int = 60,
                 max_placebo_years: int | None = None, era_split: int | None = 2011,
                 alpha: float = 0.05, seed: int = 0, fiscal: bool | None = None) -> NormalYears:
    """The normal years of ``window`` (``fiscal`` as :func:`normal_fiscal_years`); ExcludeError
    when an ``exclude`` period is outside the data, overlaps the window or leaves fewer than 3."""
    user = parse_exclude(exclude)
    check_periods(user, y.index, window.reference, window.end)
    fiscal = is_bundled(y) if fiscal is None else bool(fiscal)
    title42 = fiscal if title42 is None else bool(title42)
    first = y.index[0]
    defaults: tuple[Period, ...] = (TITLE42,) if title42 else ()
    lz = log_counts(y.astype(float))
    sigma1 = noise_floor(lz, defaults)
    fys = normal_fiscal_years(y, exclude=user, title42=title42, shock_z=shock_z, fiscal=fiscal)
    c = screen(lz, window, defaults, sigma1, shock_z)
    target_z = float(c.loc[c["shift"] == 0, "z"].iloc[0])
    frame = c[c["shift"] >= 1].sort_values("shift").copy()
    frame["reason"] = [_reason(r, window, user, fys) for r in frame.itertuples()]
    clean = fys.before(window.start)
    era = _era(y, window, fys, frame, era_split, alpha, seed)
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
        fiscal=fys, years=years, clean_years=clean, exclude=defaults + user, shock_z=shock_z,
        era_split=era_split, era_p=era.get("p", float("nan")),
        shape_changed=bool(era.get("changed", False)),
        window_change_a=era.get("a", float("nan")), window_change_b=era.get("b", float("nan")),
        window_differs=bool(era.get("differs", False)), note=era.get("note", ""))


def _reason(r: Any, window: Window, user: Sequence[Period], fiscal: FiscalYears) -> str:
    if r.excluded:
        return "Title 42 period (Mar 2020 - May 2023)"
    hit = touches(r.reference, r.end, user)
    if hit is not None:
        return f"excluded by the user ({period_label(hit)})"
    if r.beyond:
        return (f"an outlier: its {window.reference:%b}->{window.end:%b} path "
                f"(mean change {100 * np.expm1(r.stat):+.1f}%) has robust z {r.z:+.1f}")
    for v in sorted(set(year_of(pd.DatetimeIndex([r.reference, r.end]), fiscal.fiscal))):
        if v in fiscal.excluded:
            return f"{fiscal.prefix}{v}: {fiscal.excluded[v]}"
    return ""


def _era(y: pd.Series, window: Window, fiscal: FiscalYears, frame: pd.DataFrame,
         era_split: int | None, alpha: float, seed: int) -> dict[str, Any]:
    """The era test on the normal years; ``since`` set when the recent era defines normal for
    the window's months (and leaves at least 5 earlier years)."""
    if era_split is None:
        return {"note": "era test not run: no year was named for a change of seasonal pattern "
                        "(era_split)"}
    clean, p, fy = fiscal.before(window.start), fiscal.prefix, fiscal.fiscal
    a = [v for v in clean if v < era_split]
    b = [v for v in clean if v >= era_split]
    if len(a) < 3 or len(b) < 3:
        return {"note": f"era test not run: fewer than 3 normal {'fiscal ' if fy else ''}years "
                        f"on one side of {p}{era_split}"}
    from ..season import compare_eras

    hist = y[y.index < window.start]
    cmp = _memo(("era", fingerprint(hist), tuple(a), tuple(b), alpha, seed, fy),
                lambda: compare_eras(hist, a, b, level=100 * (1 - alpha), seed=seed,
                                     n_permutations=999, fiscal=fy))
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
    since = year_start(era_split, fy)
    recent = (frame["reason"] == "") & (frame["reference"] >= since)
    if changed and differs and recent.sum() >= 5:
        out["since"] = since
        out["reason"] = (f"earlier seasonal era (before {p}{era_split}): the "
                         f"{window.reference:%b}->{window.end:%b} change differs between the eras")
    elif changed and differs:
        out["note"] = (f"the recent seasonal era (from {p}{era_split}) has too few normal years "
                       "before the window, so every normal year is used")
    return out
