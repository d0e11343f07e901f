"""The monthly report on the bundled data: numbers, narrative, determinism, vintages, browser.

One module-scoped set of builds in a temporary home, reused by every test:

1. a report on data month 2024-08 (an "earlier" report; its Markdown headline is the golden file);
2. a report on the latest month (it scores the 2024-08 vintages against the actuals since);
3. the latest month again into another folder (must be identical, and store nothing new).

The builds use fast settings (backtest of snaive and stl, few placebo years); the full default
report is timed by hand (see the report module docs).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast import plotting
from borderforecast.reporting import ReportOptions, report, writer
from borderforecast.reporting.assessment import assessment_settings

GOLDEN = Path(__file__).parent / "golden" / "report_headline_2024-08.md"
EARLY = "2024-08"
FAST = ReportOptions(
    models=("snaive", "stl"),
    assess_models=("snaive",),
    placebo_years=6,
    breakdown_model="snaive",
    backtest_jobs=1,
    today="2025-10-15",  # the latest month (Aug 2025) is current, 2024-08 is 14 months behind
)


@pytest.fixture(scope="module")
def built(tmp_path_factory, warm_home):
    root = tmp_path_factory.mktemp("report")
    home = warm_home.copy_to(root / "home", ("snaive", "stl"))  # the backtest units are warm
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BORDERFORECAST_HOME", str(home))  # the backtest's own cache goes here too
        with pytest.MonkeyPatch.context() as fast:
            # The earlier report is built for its headline, its vintages and its data record;
            # no test reads its figures, so they are not rendered (nor cached).
            fast.setattr(writer, "_rendered", lambda figs, jobs: dict.fromkeys(figs, (b"no",) * 2))
            early = report(root / "early", month=EARLY, home=home, options=FAST)
        latest = report(root / "latest", home=home, options=FAST)
        again = report(root / "again", home=home, options=FAST)
    return {"early": early, "latest": latest, "again": again, "home": home}


def _fy(idx: pd.DatetimeIndex) -> np.ndarray:
    return np.where(idx.month >= 10, idx.year + 1, idx.year)


# -- headline --------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["early", "latest"])
def test_headline_numbers_match_the_data(built, which):
    h = built[which].sections["headline"]
    y = bf.load()
    m = pd.Timestamp(h["month"] + "-01")
    # independent: positional arithmetic and a fiscal-year column, not the report's helpers
    pos = y.index.get_loc(m)
    assert h["value"] == int(y.iloc[pos])
    assert h["previous_value"] == int(y.iloc[pos - 1])
    assert h["year_ago_value"] == int(y.iloc[pos - 12])
    assert h["mom_change"] == int(y.iloc[pos] - y.iloc[pos - 1])
    assert h["yoy_pct"] == pytest.approx(y.iloc[pos] / y.iloc[pos - 12] - 1)
    fy = _fy(y.index)
    this_fy = int(fy[pos])
    fm = (y.index.month - 10) % 12  # fiscal month 0 = October
    ytd = y[(fy == this_fy) & (fm <= fm[pos])].sum()
    prev = y[(fy == this_fy - 1) & (fm <= fm[pos])].sum()
    assert (h["fiscal_year"], h["fytd"], h["fytd_previous"]) == (this_fy, int(ytd), int(prev))
    assert h["fytd_months"] == fm[pos] + 1


def test_latest_month_is_the_published_august_2025_figure(built):
    h = built["latest"].sections["headline"]
    # CBP: 6,321 USBP apprehensions at the Southwest border in August 2025
    assert (h["month"], h["value"]) == ("2025-08", 6321)


def test_headline_agrees_with_context_module(built):
    h = built["latest"].sections["headline"]
    c = bf.context(h["month"], y=bf.load()).to_dict()
    assert c["fytd"]["total"] == pytest.approx(h["fytd"])
    assert c["year_ago"] == pytest.approx(h["year_ago_value"])


@pytest.mark.parametrize("which", ["early", "latest"])
def test_context_facts_quote_the_data(built, which):
    h = built[which].sections["headline"]
    y = bf.load()
    y = y[y.index <= pd.Timestamp(h["month"] + "-01")]
    lines = h["context"]
    assert lines, "the headline should carry context facts"
    checked = 0
    for line in lines:
        # every "(Month YYYY, 12,345)" quoted is that month's value
        for mon, value in re.findall(r"\(([A-Z][a-z]+ \d{4}), ([\d,]+)\)", line):
            assert int(y[pd.Timestamp(mon)]) == int(value.replace(",", "")), line
            checked += 1
        rank = re.search(r"It is the (lowest|highest) (\w+) of the (\d+) on record", line)
        if rank:
            kind, name, n = rank.groups()
            same = y[y.index.month == pd.Timestamp(h["month"] + "-01").month]
            assert len(same) == int(n) and name == f"{same.index[-1]:%B}"
            extreme = same.idxmin() if kind == "lowest" else same.idxmax()
            assert extreme == same.index[-1], line
            checked += 1
    assert checked >= 2


def test_headline_narrative_says_the_table(built):
    r = built["latest"]
    h = r.sections["headline"]
    page = html.unescape(r.html_path.read_text())
    md = r.markdown_path.read_text()
    assert h["narrative"] in page and h["narrative"] in md
    text = h["narrative"]
    assert f"there were {h['value']:,} " in text
    assert ("more than in July 2025" in text) == (h["mom_change"] > 0)
    assert ("fewer than in August 2024" in text) == (h["yoy_change"] < 0)
    assert f"{abs(h['yoy_pct']) * 100:.1f}%" in text
    assert f"counts {h['fytd']:,}" in text
    # the Markdown table quotes the same numbers
    assert f"| August 2025 | {h['value']:,} |" in md
    assert f"| FY{h['fiscal_year']} to date" in md


# -- narrative vs tables -----------------------------------------------------------------------
def test_verdict_is_the_assessment_verdict(built):
    r = built["latest"]
    y = bf.load()
    a = bf.assess(y, **assessment_settings(y, 3, 0, 1, FAST.assess_models, FAST.placebo_years))
    assert r.sections["assessment"]["verdict"] == a.verdict
    page = r.html_path.read_text()
    assert f"<strong data-verdict>{html.escape(a.verdict)}</strong>" in page
    assert f"**Verdict for Jun 2025-Aug 2025: {a.verdict}**" in r.markdown_path.read_text()
    rows = r.sections["assessment"]["table"]
    extra = ["model agreement", "equivalence margin", "seasonal eras"]  # the test's settings
    assert [row["evidence"] for row in rows] == [*a.to_frame().index, *extra]


def test_first_screen_gives_the_verdict_in_plain_words(built):
    r = built["latest"]
    a, q = r.sections["assessment"], r.sections["summary"]
    md = r.markdown_path.read_text()
    first = md.split("\n## 1.")[0]
    e = a["effect"]
    assert q["beyond"] == a["plain"] and a["plain"] in first
    assert f"{e['count']:+,.0f} ({e['pct']:+.1f}%; 90% interval".replace("-", "−") in a["plain"]
    assert f"{e['count_lo']:+,.0f} to {e['count_hi']:+,.0f}".replace("-", "−") in a["plain"]
    for jargon in ("calibrated p", "robust z", "placebo", "alpha", "permutation"):
        assert jargon not in first.lower(), jargon
    assert len(a["plain"].split()) < 90  # a paragraph, not the evidence list
    assert "Technical details" not in md and "Technical table" in md
    kinds = [c.split(":")[0] for c in a["caveats"]]
    assert len(kinds) == len(set(kinds)) and "Scale" in kinds  # one caveat of each kind


def test_evidence_values_carry_their_units(built):
    rows = built["latest"].sections["assessment"]["table"]
    for row in rows:
        if "%" in row["statistic"] and row["value"] != "–":
            assert row["value"].endswith("%"), row
        elif row["statistic"].startswith("robust z"):
            assert row["value"][0] in "+−", row
    margin = next(row for row in rows if row["evidence"] == "equivalence margin")
    assert re.fullmatch(r"[−+]\d+\.\d% to [−+]\d+\.\d%", margin["value"])
    glossary = " ".join(built["latest"].sections["data"]["glossary"]).lower()
    for term in ("counterfactual", "plausibility gate", "equivalence margin", "percentile",
                 "permutation", "robust z", "placebo years"):
        assert term in glossary, term


def test_model_choice_line_quotes_no_median_as_next_month(built):
    f = built["latest"].sections["forecast"]
    used = next(row for row in f["backtest"]["rows"] if row["model"] == f["model"])
    assert f"{used['next']:,.0f}" not in f["why"]  # the table's next month is the mean
    assert "its 80% ranges held the outcome" in f["why"] and "(80%)" not in f["why"]
    md = built["latest"].markdown_path.read_text()
    first = md.split("\n## 1.")[0]
    t = f["table"][0]
    month = pd.Timestamp(t["month"] + "-01")
    assert (f"expects {t['mean']:,.0f} in {month:%B %Y} (80% interval {t['lo80']:,.0f} to "
            f"{t['hi80']:,.0f})") in first


def test_one_definition_of_normal_on_the_page(built):
    from borderforecast.assessment.normal import normal_fiscal_years

    r = built["latest"]
    season, assess = r.sections["seasonality"], r.sections["assessment"]
    expected = normal_fiscal_years(bf.load()).before(pd.Timestamp("2025-09-01"))
    assert season["normal_years"] == assess["normal_years"] == list(expected)
    assert 2021 not in season["normal_years"]  # Title 42 years are not normal on the border
    md = r.markdown_path.read_text()
    assert md.count("Normal years, here and in the assessment") == 1
    effect = assess["effect"]
    assert effect["count"] == pytest.approx(effect["observed"] - effect["expected"])


def test_forecast_table_is_the_stored_vintage(built):
    r = built["latest"]
    f = r.sections["forecast"]
    stored = pd.read_csv(built["home"] / "vintages" / "southwest" / "2025-08" / f"{f['model']}.csv")
    assert stored["month"].tolist() == [row["month"] for row in f["table"]]
    np.testing.assert_allclose(stored["mean"], [row["mean"] for row in f["table"]], atol=0.001)
    md = r.markdown_path.read_text()
    first = f["table"][0]
    assert f"| {first['month_label']} | FY{first['fiscal_year']} | {first['mean']:,.0f} |" in md
    iv = f["next12_interval"]
    assert f"{f['next12_total']:,.0f} over the next 12 months" in f["narrative"]
    assert f"80% interval {iv['lo80']:,.0f} to {iv['hi80']:,.0f}" in f["narrative"]
    assert iv["lo80"] < f["next12_total"] < iv["hi80"] < iv["hi95"]
    # the first screen gives the total's mean and its median (a skewed total: median below mean)
    first_screen = md.split("\n## 1.")[0]
    assert f"{f['next12_total']:,.0f} over the next 12 months on average" in first_screen
    assert f"(median {f['next12_median']:,.0f}; 80% interval" in first_screen
    assert iv["lo80"] < f["next12_median"] < f["next12_total"]


@pytest.mark.parametrize("which", ["early", "latest"])
def test_stated_totals_equal_the_sums_of_the_tables(built, which):
    f = built[which].sections["forecast"]
    months = [row["mean"] for row in f["table"]]
    # the expected total the text states is the sum of the table's expected months
    assert round(f["next12_total"]) == round(sum(months))
    md = built[which].markdown_path.read_text()
    assert f"| **12 months** | | **{sum(months):,.0f}** |" in md
    # each fiscal-year projection: its observed months plus the table's months of that year
    y = bf.load()
    for row in f["fiscal_totals"]:
        fy = row["fiscal_year"]
        last = built[which].sections["headline"]["month"] + "-01"
        obs = y[f"{fy - 1}-10-01" : f"{fy}-09-01"].loc[:last]
        inside = [r["mean"] for r in f["table"] if r["fiscal_year"] == fy]
        assert row["observed"] == float(obs.sum())
        assert round(row["total"]) == round(float(obs.sum()) + sum(inside))
        if len(inside) == 1:  # one forecast month: that month's interval, shifted
            (m,) = [r for r in f["table"] if r["fiscal_year"] == fy]
            assert round(row["lo80"]) == round(row["observed"] + m["lo80"])
            assert round(row["hi95"]) == round(row["observed"] + m["hi95"])


def test_a_report_behind_the_clock_says_so_first_and_scores_its_forecast(built):
    early, latest = built["early"], built["latest"]
    assert latest.sections["summary"]["clock_note"] == ""
    assert latest.sections["forecast"]["record"] == {}
    note = early.sections["summary"]["clock_note"]
    assert note.startswith("These data end in August 2024, 14 months before this report was made")
    assert "Every month it forecasts (September 2024 to August 2025) is already over" in note
    md = early.markdown_path.read_text()
    assert md.split("\n## 1.")[0].count(note) == 1  # on the first screen, above the sections
    # its forecast against the months published since, by independent arithmetic
    rec = early.sections["forecast"]["record"]
    y = bf.load()
    table = early.sections["forecast"]["table"]
    actual = y["2024-09-01":"2025-08-01"]
    assert rec["months"] == 12 and rec["actual"] == float(actual.sum())
    assert rec["expected"] == pytest.approx(sum(r["mean"] for r in table))
    inside = sum(r["lo80"] <= a <= r["hi80"] for r, a in zip(table, actual, strict=True))
    assert rec["inside80"] == inside
    assert f"{actual.sum():,.0f} came in against" in rec["text"] and rec["text"] in md


# -- each section speaks for its own month -----------------------------------------------------
def test_national_report_forecasts_no_month_whose_national_data_are_in(built):
    r = built["latest"]
    y = bf.load()
    last = y.index[-1]
    assert last == pd.Timestamp("2025-08-01")
    first = pd.Timestamp(r.sections["forecast"]["table"][0]["month"] + "-01")
    assert first == last + pd.DateOffset(months=1)
    groups = {g["key"]: g for g in r.sections["breakdown"]["groups"]}
    # the parts with data for August 2025 are there and forecast from September 2025 on
    assert {"demographics", "citizenship", "ofo", "sectors"} <= set(groups)
    for key in ("demographics", "citizenship", "ofo"):
        assert groups[key]["current"]
        for row in groups[key]["rows"]:
            assert row["last_month"] == "2025-08"
            assert row["forecast_span"].startswith("Sep 2025")
    # sectors end in November 2024: a dated snapshot, no forecast at all
    sectors = groups["sectors"]
    assert not sectors["current"]
    assert sectors["title"] == "Sectors: latest available (Nov 2024)"
    assert {row["last_month"] for row in sectors["rows"]} == {"2024-11"}
    assert all(row["forecast_total"] is None for row in sectors["rows"])
    tucson = next(row for row in sectors["rows"] if row["label"] == "Tucson")
    t = bf.load(sector="Tucson")
    nat = float(y.loc["2024-11-01"])
    assert tucson["value"] == float(t.loc["2024-11-01"])
    assert tucson["share"] == pytest.approx(float(t.loc["2024-11-01"]) / nat)
    md = r.markdown_path.read_text()
    assert "### Sectors: latest available (Nov 2024)" in md
    assert "Dec 2024–May 2025" not in md  # the old stale sector forecasts


def test_a_series_that_ends_early_is_reported_as_of_its_own_month(tmp_path):
    r = report(tmp_path / "tucson", series="sector/tucson", home=tmp_path / "home", options=FAST)
    h = r.sections["headline"]
    assert (h["month"], h["stale"], h["report_month"]) == ("2024-11", True, "2025-08")
    assert "data end in November 2024" in h["stale_note"]
    assert "runs to August 2025, when it counted 6,321" in h["stale_note"]
    # it makes no forecast, so the first screen says only how old its data are
    assert r.sections["summary"]["clock_note"] == (
        "These data end in November 2024, 11 months before this report was made (October 2025)."
    )
    f = r.sections["forecast"]
    assert f["model"] is None and "No forecast" in f["skipped"]
    page = html.unescape(r.html_path.read_text())
    assert "<h1>USBP Tucson sector: latest data November 2024 (report of August 2025)</h1>" in page
    assert h["stale_note"] in page and f["skipped"] in page
    # how to reproduce it is said in section 2, not in the first screen's answer
    assert "--month" not in r.sections["summary"]["next"]
    assert f["rerun"].endswith("--month 2024-11.") and f["rerun"] in page
    assert f"*{f['rerun']}*" in r.markdown_path.read_text().split("## 2.")[1]
    assert [v.path.name for v in r.vintages] == ["actuals.csv"]  # no forecast stored
    assert r.sections["seasonality"]["expected"] == []  # no projection over months now over
    # the headline numbers are those of its own last month
    assert r.sections["headline"]["value"] == int(bf.load(sector="Tucson").iloc[-1])


# -- the recommendation ----------------------------------------------------------------------------
def test_recommended_next_month_is_within_the_stated_range(built):
    f = built["latest"].sections["forecast"]
    y = bf.load()
    # the rule's range, recomputed by hand: latest month x min/max month-on-month ratio of the
    # last 12 months (counts + 1), widened by 1.5 on both sides
    z = y.iloc[-13:].to_numpy(dtype=float) + 1
    r = z[1:] / z[:-1]
    lo = (y.iloc[-1] + 1) * min(r.min(), 1) / 1.5 - 1
    hi = (y.iloc[-1] + 1) * max(r.max(), 1) * 1.5 - 1
    assert f"within {lo:,.0f}–{hi:,.0f}" in f["backtest"]["rule"]
    nxt = f["table"][0]["mean"]
    assert lo <= nxt <= hi
    rows = f["backtest"]["rows"]
    # snaive repeats August 2024 (58,009 -> ~53,858 for September): refused, and said so
    snaive = next(row for row in rows if row["model"] == "snaive")
    assert snaive["next"] == pytest.approx(float(y.loc["2024-09-01"]), rel=0.01)
    assert snaive["status"].startswith("refused: next month")
    # the table and the choice agree: the used model is the first row not refused
    used = next(row for row in rows if not row["status"].startswith("refused"))
    assert used["model"] == f["model"] and used["status"] == "used"
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    assert [row["wmase"] for row in rows] == sorted(row["wmase"] for row in rows)
    md = built["latest"].markdown_path.read_text()
    assert f["backtest"]["rule"].split(" (")[0] in md


def test_forecast_intervals_in_the_report_are_well_formed(built):
    from borderforecast.intervals import check_intervals

    fc = pd.DataFrame(built["latest"].sections["forecast"]["table"])
    assert check_intervals(fc) == []
    y = bf.load()
    hi = fc["hi95"].to_numpy()
    above = hi > y.max()
    notes = built["latest"].sections["forecast"]["interval_notes"]
    assert above.any() == any("passes the record month" in n for n in notes)


# -- determinism and vintages --------------------------------------------------------------------
def _without_generated(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "Generated at" not in line)


def test_same_month_twice_gives_the_same_report(built):
    a, b = built["latest"], built["again"]
    ha, hb = a.html_path.read_text(), b.html_path.read_text()
    assert ha != "" and _without_generated(ha) == _without_generated(hb)
    assert _without_generated(a.markdown_path.read_text()) == _without_generated(
        b.markdown_path.read_text())
    for name, paths in a.figures.items():
        for pa, pb in zip(paths, b.figures[name], strict=True):
            assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_figure_digest_names_what_is_drawn():
    from borderforecast.reporting import figures

    y = bf.load().iloc[-60:]
    a, b = (figures.history_chart(y, latest=y.index[-1], title="t") for _ in range(2))
    assert plotting.figure_digest(a) == plotting.figure_digest(b)  # drawn anew: the same key
    b.axes[0].set_title("u")
    assert plotting.figure_digest(a) != plotting.figure_digest(b)


def test_vintages_are_stored_once(built):
    assert {v.status for v in built["latest"].vintages} == {"written"}
    assert {v.status for v in built["again"].vintages} == {"unchanged"}
    files = sorted(p.name for p in (built["home"] / "vintages" / "southwest" / "2025-08").iterdir())
    model = built["latest"].sections["forecast"]["model"]
    assert files == sorted({"actuals.csv", "snaive.csv", f"{model}.csv"})  # no .rev copies


@pytest.mark.warm_home("snaive", "stl")
def test_changed_vintage_is_refused_before_anything_is_written(built, tmp_path, warm_home):
    home = warm_home.copy_to(tmp_path / "home", ("snaive", "stl"))
    shutil.copytree(built["home"] / "vintages", home / "vintages")
    stored = home / "vintages" / "southwest" / "2025-08" / "snaive.csv"
    stored.write_text(stored.read_text().replace("\n2025-09,", "\n2025-09,1"))
    before = stored.read_bytes()
    with pytest.raises(bf.BorderforecastError, match="never overwritten silently"):
        report(tmp_path / "out", home=home, options=FAST)
    assert stored.read_bytes() == before
    assert not (tmp_path / "out").exists()


def test_report_to_dict_is_json(built):
    d = built["latest"].to_dict()
    json.dumps(d)
    assert d["sections"]["headline"]["value"] == 6321
    assert set(d["sections"]) == {"headline", "forecast", "seasonality", "assessment", "breakdown",
                                  "vintages", "data", "summary"}


def test_later_report_scores_the_earlier_vintage(built):
    scored = built["latest"].sections["vintages"]["scored"]
    row = next(r for r in scored if r["data_month"] == EARLY and r["model"] == "snaive")
    fc = pd.read_csv(built["home"] / "vintages" / "southwest" / EARLY / "snaive.csv")
    y = bf.load()
    actual = y.reindex(pd.to_datetime(fc["month"] + "-01")).to_numpy(dtype=float)
    ok = ~np.isnan(actual)
    assert row["months"] == ok.sum() == 12  # Sep 2024 .. Aug 2025
    ape = np.abs(actual[ok] - fc["mean"].to_numpy()[ok]) / actual[ok] * 100
    assert row["mape"] == pytest.approx(ape.mean())
    inside = (fc["lo80"].to_numpy()[ok] <= actual[ok]) & (actual[ok] <= fc["hi80"].to_numpy()[ok])
    assert row["coverage80"] == pytest.approx(inside.mean())
    md = built["latest"].markdown_path.read_text()
    assert f"| Aug 2024 | snaive | 12 | {row['mape']:,.1f}% |" in md
    assert "figures/vintages.png" in md
    # the earlier report had nothing to score
    assert built["early"].sections["vintages"]["scored"] == []


def test_revisions_since_the_previous_report(built):
    d = built["latest"].sections["data"]
    assert d["previous_report"] == EARLY
    assert d["revisions"] == []  # same release: nothing revised
    assert d["revisions_text"].startswith("None")
    assert built["early"].sections["data"]["previous_report"] is None


# -- files and golden text -------------------------------------------------------------------------
def test_html_is_self_contained(built):
    r = built["latest"]
    page = r.html_path.read_text()
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert len(srcs) == len(r.figures) >= 7
    assert all(s.startswith("data:image/svg+xml;base64,") for s in srcs)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page and "@import" not in page
    for png, svg in r.figures.values():
        assert png.read_bytes()[:4] == b"\x89PNG" and svg.read_text().lstrip().startswith("<?xml")


def test_markdown_headline_matches_golden(built):
    # To regenerate after an intended change of wording or data:
    #   BORDERFORECAST_REGEN_GOLDEN=1 pytest tests/test_report.py -k golden
    # then review the diff of tests/golden/report_headline_2024-08.md before committing.
    md = built["early"].markdown_path.read_text()
    section = md.split("## 1. Headline", 1)[1].split("\n## ", 1)[0]
    text = "## 1. Headline" + section.rstrip() + "\n"
    if os.environ.get("BORDERFORECAST_REGEN_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_public_function_stays_a_function_after_importing_the_package():
    import borderforecast.reporting  # noqa: F401 - importing must not shadow bf.report

    assert callable(bf.report) and bf.report.__module__ == "borderforecast.reporting"
    with pytest.raises(bf.DataError, match="outside the data"):
        bf.report("unused-folder", month="1990-01")


def test_cli_rejects_a_month_outside_the_data(tmp_path, capsys):
    from borderforecast.cli import main

    code = main(["report", "--out", str(tmp_path / "r"), "--month", "1990-01", "--home",
                 str(tmp_path / "h")])
    assert code == 2
    assert "outside the data" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


# -- the browser -----------------------------------------------------------------------------
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.slow
def test_report_renders_in_chromium(built, tmp_path):
    exe = _chromium()
    if exe is None:
        pytest.skip("chromium not found on PATH (Debian: apt-get install chromium); "
                    "the browser test needs a headless Chromium")
    r = built["latest"]
    url = r.html_path.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=10000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # the page's own script marks the body once every <img> has loaded with a real size
    assert f'data-figures="loaded:{len(r.figures)}"' in dom.stdout
    console = [ln for ln in dom.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]
    assert console == []  # the page logs nothing: any console line is an error
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars",
             "--window-size=1280,2400", f"--screenshot={shot}", url],
            capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1280, 2400)
        colors = im.convert("L").getextrema()
    assert colors[0] < 60 and colors[1] > 200  # text and background, not a blank page
