"""Regenerate the four case studies of the documentation from the package's own code.

Run from the top of the checkout::

    python docs/case_studies.py                      # all four pages and their figures
    python docs/case_studies.py --only summer-2019   # one study
    python docs/case_studies.py --check              # exit 1 if a committed page is stale

Every number in the pages is computed here with the public API
(:func:`borderforecast.load`, :func:`borderforecast.assess`,
:func:`borderforecast.seasonal_profile`, :func:`borderforecast.context`,
:func:`borderforecast.forecast`) and put into the text by the Jinja2 templates in
``docs/_templates/``; the figures (``docs/case-studies/img/*.png``) are the
package's own plots. Everything is seeded, so a rerun on the same data gives the
same pages.
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import jinja2  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import borderforecast as bf  # noqa: E402

DOCS = Path(__file__).resolve().parent
PAGES = DOCS / "case-studies"
IMAGES = PAGES / "img"
TEMPLATES = DOCS / "_templates"
SEED = 0
DPI = 100
FIG_SIZE = (8.0, 6.4)  # inches; the assessment figure at 100 dpi is 800 x 640 pixels

# -- formatting (the only way numbers reach the text) --------------------------------------


def _finite(x: Any) -> bool:
    return (
        x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(x)
    )


def fmt_count(x: Any) -> str:
    """``132,856``."""
    return f"{x:,.0f}" if _finite(x) else "n/a"


def fmt_pct(x: Any) -> str:
    """Signed percent with one decimal: ``-61.9%``."""
    return f"{x:+.1f}%" if _finite(x) else "n/a"


def fmt_upct(x: Any) -> str:
    """Unsigned percent with one decimal: ``61.9%``."""
    return f"{x:.1f}%" if _finite(x) else "n/a"


def fmt_p(x: Any) -> str:
    """A p-value: three decimals, ``< 0.001`` below that."""
    if not _finite(x):
        return "n/a"
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


def fmt_peq(x: Any) -> str:
    """``p = 0.039`` or ``p < 0.001`` (a p-value inside a sentence)."""
    text = fmt_p(x)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def fmt_z(x: Any) -> str:
    """A z-score with sign and two decimals."""
    return f"{x:+.2f}" if _finite(x) else "n/a"


def fmt_month(x: Any) -> str:
    return pd.Timestamp(x).strftime("%B %Y")


def fmt_mon(x: Any) -> str:
    return pd.Timestamp(x).strftime("%b %Y")


FILTERS: dict[str, Callable[[Any], str]] = {
    "count": fmt_count,
    "pct": fmt_pct,
    "upct": fmt_upct,
    "p": fmt_p,
    "peq": fmt_peq,
    "z": fmt_z,
    "month": fmt_month,
    "mon": fmt_mon,
}


def md_table(frame: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]]) -> str:
    """A Markdown table of ``frame`` (index first) with one formatter per column."""
    cols = [frame.index.name or ""] + list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in frame.iterrows():
        cells = [str(idx)] + [formats.get(c, str)(row[c]) for c in frame.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evidence_table(a: Any) -> str:
    """The assessment's evidence table (``Assessment.to_frame()``) in Markdown."""
    f = a.to_frame()
    out = pd.DataFrame(
        {
            "statistic": f["statistic"],
            "value": f["value"],
            "p-value": f["p_value"],
            "percentile": f["percentile"],
            "reading": f["reading"],
        },
        index=pd.Index(f.index, name="line of evidence"),
    )

    def value(x: Any) -> str:
        return f"{x:.2f}" if _finite(x) else ""

    def blank(fn: Callable[[Any], str]) -> Callable[[Any], str]:
        return lambda x: fn(x) if _finite(x) else ""

    return md_table(
        out,
        {"value": value, "p-value": blank(fmt_p), "percentile": blank(lambda x: f"{x:.0f}")},
    )


def values_table(y: pd.Series, start: str, end: str) -> str:
    """Monthly values with the change from the previous month."""
    prev = y.shift(1)
    sel = y[start:end]
    frame = pd.DataFrame(
        {"encounters": sel, "change from previous month": 100 * (sel / prev[sel.index] - 1)},
        index=pd.Index([f"{m:%b %Y}" for m in sel.index], name="month"),
    )
    return md_table(frame, {"encounters": fmt_count, "change from previous month": fmt_pct})


# -- the numbers of one assessment ---------------------------------------------------------


def assessment_numbers(a: Any) -> dict[str, Any]:
    """Every number of an assessment the templates quote, from its public attributes."""
    d = a.to_dict()
    cf = d["counterfactual"][0]
    out: dict[str, Any] = {
        "verdict": a.verdict,
        "start": a.window.start,
        "end": a.window.end,
        "reference": a.window.reference,
        "label": a.window.label(),
        "decision": d["decision"],
        "alpha": d["alpha"],
        "cf": cf,
        "cfs": d["counterfactual"],
        "emp": d["empirical"],
        "adj": d["adjusted"],
        "placebo": d["placebo"],
        "dec": d["decomposition"],
        "caveats": d["caveats"],
        "notes": d["notes"],
        "table": evidence_table(a),
        "critical_z": 1.959963984540054 if d["alpha"] == 0.05 else float("nan"),
        "monthly": a.counterfactual.frame[["observed", "expected", "lo95", "hi95"]],
    }
    lines = [line.strip() for line in a.summary().splitlines()]

    def line(prefix: str) -> str:
        return next((x for x in lines if x.startswith(prefix)), "")

    out["strength"] = a.strength
    parts = a.parts()
    out["lead"] = parts["lead"]
    out["stable"] = parts["stable"]
    out["neighbours"] = neighbours_table(a)
    out["agreement"] = line("Model agreement:")
    out["surge"] = line("The window follows")
    out["era"] = line("6. Seasonal eras:")[3:]
    out["years_line"] = line("Normal years:")
    out["panel"] = d["panel"]
    out["models_table"] = models_table(a)
    out["flagged"] = [r for r in d["models"] if not r["gate_passed"]]
    out["passed"] = [r for r in d["models"] if r["gate_passed"]]
    dec = d["decomposition"]
    out["share_log"] = 100 * dec["share_explained_log"] if dec else float("nan")
    out["share_counts"] = 100 * dec["share_explained_counts"] if dec else float("nan")
    out["excluded"] = a.years_excluded
    out["beyond"] = a.verdict.startswith("beyond")
    out["within"] = a.verdict == "within normal seasonality"
    out["cannot_tell"] = a.verdict == "cannot tell"
    return out


def neighbours_table(a: Any) -> str:
    """The verdict as asked and on each neighbouring window, in Markdown."""
    rows = [("as asked", a.window, a.verdict, a.decision.counterfactual_p)]
    rows += [(n.label, n.window, n.verdict, n.calibrated_p) for n in a.neighbours]
    f = pd.DataFrame(
        {
            "months": [w.label() for _, w, _, _ in rows],
            "change from": [f"{w.reference:%b %Y}" for _, w, _, _ in rows],
            "verdict": [v for _, _, v, _ in rows],
            "calibrated p": [p for *_, p in rows],
        },
        index=pd.Index([r[0] for r in rows], name="window"),
    )
    return md_table(f, {"calibrated p": fmt_p})


def models_table(a: Any) -> str:
    """Each panel model alone (``Assessment.model_table()``) in Markdown."""
    t = a.model_table().set_index("model")
    out = pd.DataFrame(
        {
            "effect": t["effect_pct"],
            "95% interval": [
                f"{fmt_pct(lo)} to {fmt_pct(hi)}" for lo, hi in zip(t["lo95_pct"], t["hi95_pct"])
            ],
            "calibrated p": t["calibrated_p"],
            "placebo false alarms": 100 * t["false_alarm_rate"],
            "plausibility gate": [
                "passed" if ok else f"flagged: {why}"
                for ok, why in zip(t["gate_passed"], t["gate_reason"])
            ],
            "verdict alone": t["verdict"],
        },
        index=pd.Index(t.index, name="model"),
    )
    return md_table(
        out,
        {"effect": fmt_pct, "calibrated p": fmt_p, "placebo false alarms": fmt_upct},
    )


def counterfactual_table(num: Mapping[str, Any]) -> str:
    f = num["monthly"].copy()
    f.index = pd.Index([f"{m:%b %Y}" for m in f.index], name="month")
    f.columns = ["observed", "counterfactual (median)", "95% low", "95% high"]
    return md_table(f, {c: fmt_count for c in f.columns})


def save_figure(fig: Any, name: str, figures: bool) -> str:
    """Write ``img/<name>.png`` (deterministic: no timestamp or version metadata)."""
    if figures:
        IMAGES.mkdir(parents=True, exist_ok=True)
        fig.savefig(IMAGES / f"{name}.png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return f"img/{name}.png"


def assess(
    y: pd.Series, start: str | None, end: str, reference: str | None = None, event: Any = None
) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bf.assess(y, start=start, end=end, reference=reference, event=event, seed=SEED)


def assessment_figure(a: Any, name: str, figures: bool) -> str:
    fig = a.plot(history=24)
    fig.set_size_inches(*FIG_SIZE)
    fig.tight_layout()
    return save_figure(fig, name, figures)


# -- the studies --------------------------------------------------------------------------


def summer_2019(y: pd.Series, figures: bool) -> dict[str, Any]:
    """June-August 2019 after the May peak; then the autumn."""
    profile = bf.seasonal_profile(y, years=(2000, 2018))
    contrasts = profile.contrasts
    season = {}
    for key in ("summer_dip", "may_to_aug", "aug_to_oct", "aug_to_nov", "aug_to_dec"):
        r = contrasts.loc[key]
        season[key] = {
            "label": r["label"],
            "estimate": float(r["estimate"]),
            "lo": float(r["lo"]),
            "hi": float(r["hi"]),
            "reading": r["reading"],
        }
    year_iv = {}
    for key, (a_, b_) in {
        "may_to_aug": ("May", "Aug"),
        "aug_to_oct": ("Aug", "Oct"),
        "aug_to_nov": ("Aug", "Nov"),
        "aug_to_dec": ("Aug", "Dec"),
    }.items():
        e = profile.expected_change(a_, b_, interval="year")
        year_iv[key] = {"estimate": e.estimate, "lo": e.lo, "hi": e.hi}
    observed = {
        "may_to_aug": 100 * (y["2019-08-01"] / y["2019-05-01"] - 1),
        "aug_to_oct": 100 * (y["2019-10-01"] / y["2019-08-01"] - 1),
        "aug_to_nov": 100 * (y["2019-11-01"] / y["2019-08-01"] - 1),
        "aug_to_dec": 100 * (y["2019-12-01"] / y["2019-08-01"] - 1),
    }
    autumn_rows = []
    for key in ("aug_to_oct", "aug_to_nov", "aug_to_dec"):
        s, yi = season[key], year_iv[key]
        autumn_rows.append(
            {
                "label": s["label"],
                "observed": observed[key],
                "expected": s["estimate"],
                "lo": s["lo"],
                "hi": s["hi"],
                "ylo": yi["lo"],
                "yhi": yi["hi"],
                "inside_mean": s["lo"] <= observed[key] <= s["hi"],
                "inside_year": yi["lo"] <= observed[key] <= yi["hi"],
                "reading": s["reading"],
            }
        )
    summer = assess(y, "2019-06", "2019-08", "2019-05")
    autumn = assess(y, "2019-09", "2019-12", "2019-08")
    # the models' own intervals and the point forecast (the median), as the page describes
    fc = bf.forecast(y[:"2019-08-01"], model="snaive", h=4, seed=SEED, intervals="raw")
    fc_ets = bf.forecast(y[:"2019-08-01"], model="ets", h=4, seed=SEED, intervals="raw")
    fc_table = pd.DataFrame(
        {
            "observed": y[fc.index],
            "snaive": fc["median"],
            "ets": fc_ets["median"],
            "ets 80% low": fc_ets["lo80"],
            "ets 80% high": fc_ets["hi80"],
        },
        index=pd.Index([f"{m:%b %Y}" for m in fc.index], name="month"),
    )
    before = y[y.index < "2019-05-01"]
    higher = before[before >= y["2019-05-01"]]
    fam = bf.load("demographic/family_units", end="2019-08")
    fam_share = 100 * fam / y[fam.index]
    ctx = bf.context("2019-08", y)
    ctx_dec = bf.context("2019-12", y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prof_fig = profile.plot()
    return {
        "y_may": float(y["2019-05-01"]),
        "y_aug": float(y["2019-08-01"]),
        "y_dec": float(y["2019-12-01"]),
        "values": values_table(y, "2019-01", "2020-01"),
        "last_higher": higher.index[-1],
        "family_share_may": float(fam_share["2019-05-01"]),
        "family_share_before": float(fam_share[:"2018-09-01"].mean()),
        "family_first": fam.index[0],
        "profile_years": profile.years_label,
        "profile_n": len(profile.years),
        "profile_summary": profile.summary(),
        "season": season,
        "year_iv": year_iv,
        "observed": observed,
        "autumn_rows": autumn_rows,
        "any_rise": any(observed[k] > 0 for k in ("aug_to_oct", "aug_to_nov", "aug_to_dec")),
        "summer": assessment_numbers(summer),
        "summer_cf_table": counterfactual_table(assessment_numbers(summer)),
        "autumn": assessment_numbers(autumn),
        "autumn_cf_table": counterfactual_table(assessment_numbers(autumn)),
        "forecast_table": md_table(fc_table, {c: fmt_count for c in fc_table.columns}),
        "fc_ets_total": float(fc_ets["median"].sum()),
        "fc_obs_total": float(y[fc.index].sum()),
        "context_aug": ctx.sentences(),
        "context_dec": ctx_dec.sentences(),
        "img_summer": assessment_figure(summer, "summer-2019-assessment", figures),
        "img_autumn": assessment_figure(autumn, "summer-2019-autumn", figures),
        "img_profile": save_figure(prof_fig, "summer-2019-profile", figures),
    }


def june_2024(y: pd.Series, figures: bool) -> dict[str, Any]:
    """The months after the June 2024 proclamation."""
    main = assess(y, None, "2024-09", event="2024-06-05")
    from_july = assess(y, "2024-07", "2024-09", "2024-05")
    fc = bf.forecast(y[:"2024-05-01"], model="ets", h=4, seed=SEED, intervals="raw")
    fc_table = pd.DataFrame(
        {
            "observed": y[fc.index],
            "forecast (ets)": fc["median"],
            "80% low": fc["lo80"],
            "80% high": fc["hi80"],
            "95% low": fc["lo95"],
            "95% high": fc["hi95"],
        },
        index=pd.Index([f"{m:%b %Y}" for m in fc.index], name="month"),
    )
    below95 = int((y[fc.index] < fc["lo95"]).sum())
    before = y[y.index <= "2024-05-01"]
    peak = before.idxmax()
    profile = bf.seasonal_profile(before)
    seasonal_only = sum(
        float(y["2024-05-01"]) * (1 + profile.expected_change("May", m.month).estimate / 100)
        for m in pd.date_range("2024-06-01", "2024-09-01", freq="MS")
    )
    return {
        "values": values_table(y, "2024-01", "2024-12"),
        "y_may": float(y["2024-05-01"]),
        "peak_month": peak,
        "seasonal_only_total": seasonal_only,
        "profile_years": profile.years_label,
        "peak_value": float(before[peak]),
        "peak_to_may": 100 * (y["2024-05-01"] / before[peak] - 1),
        "y_jun": float(y["2024-06-01"]),
        "y_jul": float(y["2024-07-01"]),
        "y_sep": float(y["2024-09-01"]),
        "main": assessment_numbers(main),
        "main_cf_table": counterfactual_table(assessment_numbers(main)),
        "from_july": assessment_numbers(from_july),
        "forecast_table": md_table(fc_table, {c: fmt_count for c in fc_table.columns}),
        "fc_months": len(fc),
        "fc_total": float(fc["median"].sum()),
        "fc_below95": below95,
        "context_jul": bf.context("2024-07", y).sentences(),
        "context_sep": bf.context("2024-09", y).sentences(),
        "img_main": assessment_figure(main, "june-2024-assessment", figures),
    }


def early_2025(y: pd.Series, figures: bool) -> dict[str, Any]:
    """February-April 2025 after January 2025."""
    main = assess(y, "2025-02", "2025-04", "2025-01")
    from_dec = assess(y, "2025-02", "2025-04", "2024-12")
    num = assessment_numbers(main)
    hist = main.empirical.history  # Jan -> Apr log change in each earlier year
    worst_year = int(hist.idxmin())
    parts = {
        "single adults": "demographic/single_adults",
        "family units": "demographic/family_units",
        "unaccompanied children": "demographic/uac",
        "Mexican citizens": "citizenship/mexico",
    }
    rows = {}
    for label, sid in parts.items():
        s = bf.load(sid, start="2024-01", end="2025-04")
        rows[label] = {
            "Jan 2025": 100 * s["2025-01-01"] / y["2025-01-01"],
            "Apr 2025": 100 * s["2025-04-01"] / y["2025-04-01"],
            "Apr 2024": 100 * s["2024-04-01"] / y["2024-04-01"],
            "change Jan -> Apr 2025": 100 * (s["2025-04-01"] / s["2025-01-01"] - 1),
        }
    comp = pd.DataFrame(rows).T
    comp.index.name = "share of the total (group)"
    comp_fmt = {c: fmt_upct for c in comp.columns}
    comp_fmt["change Jan -> Apr 2025"] = fmt_pct
    return {
        "values": values_table(y, "2024-10", "2025-08"),
        "y_dec": float(y["2024-12-01"]),
        "y_jan": float(y["2025-01-01"]),
        "y_feb": float(y["2025-02-01"]),
        "y_apr": float(y["2025-04-01"]),
        "y_last": float(y.iloc[-1]),
        "last_month": y.index[-1],
        "main": num,
        "main_cf_table": counterfactual_table(num),
        "from_dec": assessment_numbers(from_dec),
        "hist_n": len(hist),
        "hist_first": int(hist.index.min()),
        "hist_last": int(hist.index.max()),
        "hist_min_pct": 100 * float(np.expm1(hist.min())),
        "hist_n_falls": int((hist < 0).sum()),
        "hist_min_year": worst_year,
        "hist_max_pct": 100 * float(np.expm1(hist.max())),
        "composition": md_table(comp, comp_fmt),
        "context_feb": bf.context("2025-02", y).sentences(),
        "context_apr": bf.context("2025-04", y).sentences(),
        "img_main": assessment_figure(main, "early-2025-assessment", figures),
    }


def summer_2014(y: pd.Series, figures: bool) -> dict[str, Any]:
    """July-September 2014 after the June peak (Mexico's Southern Border Programme, 7 July)."""
    main = assess(y, None, "2014-09", event="2014-07-07")
    junes = y[(y.index.month == 6) & (y.index.year < 2014)]
    breaks = bf.find_breaks(y)
    near = breaks[(breaks["month"] >= "2013-01-01") & (breaks["month"] <= "2016-12-01")]
    table = pd.DataFrame(
        {
            "size": near["shift_pct"].to_numpy(),
            "95% interval": [
                f"{fmt_pct(lo)} to {fmt_pct(hi)}" for lo, hi in zip(near["lo_pct"], near["hi_pct"])
            ],
            "robust z": near["z"].to_numpy(),
            "how sure": near["sure"].to_numpy(),
            "X-13 level shift": ["n/a" if v is None else "yes" if v else "no" for v in near["x13"]],
        },
        index=pd.Index([f"{m:%b %Y}" for m in near["month"]], name="shift starting"),
    )
    fp = breaks.attrs["false_positive_rate"]
    note = (
        f"The shift is measured over the three months from the date against the month before, "
        f"against the same months of the normal fiscal years; on the months of those normal "
        f"years themselves the rule flags {fmt_upct(100 * fp)} (its false-positive rate)."
    )
    return {
        "values": values_table(y, "2014-01", "2014-12"),
        "y_jun": float(y["2014-06-01"]),
        "y_sep": float(y["2014-09-01"]),
        "june_ratio": float(y["2014-06-01"] / junes[junes.index.year >= 2010].median()),
        "june_first": 2010,
        "june_last": 2013,
        "main": assessment_numbers(main),
        "main_cf_table": counterfactual_table(assessment_numbers(main)),
        "breaks_table": md_table(table, {"size": fmt_pct, "robust z": lambda v: f"{v:+.2f}"})
        if len(table)
        else "No month between 2013 and 2016 is flagged.",
        "breaks_note": note,
        "context_jul": bf.context("2014-07", y).sentences(),
        "context_sep": bf.context("2014-09", y).sentences(),
        "img_main": assessment_figure(main, "summer-2014-assessment", figures),
    }


STUDIES: dict[str, Callable[[pd.Series, bool], dict[str, Any]]] = {
    "summer-2019": summer_2019,
    "june-2024": june_2024,
    "early-2025": early_2025,
    "summer-2014": summer_2014,
}


# -- rendering ----------------------------------------------------------------------------


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def render(name: str, y: pd.Series | None = None, figures: bool = False) -> str:
    """The Markdown page of one study (figures written only when ``figures``)."""
    if name not in STUDIES:
        raise SystemExit(f"unknown case study {name!r}; choose from {', '.join(STUDIES)}")
    series = bf.load() if y is None else y
    numbers = STUDIES[name](series, figures)
    numbers["series_name"] = series.name
    numbers["release"] = series.attrs.get("release", "")
    numbers["version"] = bf.__version__
    return environment().get_template(f"{name}.md.j2").render(**numbers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=list(STUDIES), help="study to run")
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed pages, write nothing"
    )
    args = parser.parse_args(argv)
    stale = []
    y = bf.load()
    for name in args.only or list(STUDIES):
        text = render(name, y, figures=not args.check)
        path = PAGES / f"{name}.md"
        if args.check:
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            if old != text:
                stale.append(name)
                sys.stdout.writelines(
                    difflib.unified_diff(
                        old.splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        f"committed/{name}.md",
                        f"rerun/{name}.md",
                    )
                )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(DOCS.parent)}")
    if stale:
        print(f"stale case studies: {', '.join(stale)} (rerun python docs/case_studies.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
