"""Fast unit tests of the report's parts: vintages store, headline numbers, formatting, figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderforecast import plotting
from borderforecast.errors import DataError, StoreError
from borderforecast.reporting import vintages as vt
from borderforecast.reporting.headline import headline_narrative, headline_numbers
from borderforecast.reporting.writer import fmt_count, fmt_pct, fmt_share, fmt_signed


def _fc(start: str, values, spread: float = 0.2) -> pd.DataFrame:
    v = np.asarray(values, dtype=float)
    idx = pd.date_range(start, periods=len(v), freq="MS")
    return pd.DataFrame({"mean": v, "lo80": v * (1 - spread), "hi80": v * (1 + spread),
                         "lo95": v * (1 - 2 * spread), "hi95": v * (1 + 2 * spread)}, index=idx)


# -- vintages ------------------------------------------------------------------------------
def test_vintage_same_content_is_a_noop(tmp_path):
    fc = _fc("2025-09-01", [100, 200, 300])
    first = vt.save_vintage("southwest", "2025-08", "ets", fc, home=tmp_path)
    mtime = first.path.stat().st_mtime_ns
    second = vt.save_vintage("southwest", "2025-08", "ets", fc.copy(), home=tmp_path)
    assert (first.status, second.status) == ("written", "unchanged")
    assert second.path.stat().st_mtime_ns == mtime
    assert first.path == tmp_path / "vintages" / "southwest" / "2025-08" / "ets.csv"


def test_vintage_different_content_is_refused_then_kept_with_force(tmp_path):
    vt.save_vintage("sector/tucson", "2025-08", "ets", _fc("2025-09-01", [1, 2]), home=tmp_path)
    new = _fc("2025-09-01", [5, 6])
    with pytest.raises(StoreError, match="never overwritten silently"):
        vt.save_vintage("sector/tucson", "2025-08", "ets", new, home=tmp_path)
    res = vt.save_vintage("sector/tucson", "2025-08", "ets", new, home=tmp_path, force=True)
    assert res.status == "revised"
    assert res.previous is not None and res.previous.name == "ets.rev1.csv"
    old = pd.read_csv(res.previous)
    assert old["mean"].tolist() == [1.0, 2.0]  # the old vintage survives, byte for byte
    cur = vt.list_vintages("sector/tucson", home=tmp_path)
    assert [(v.model, v.data_month) for v in cur] == [("ets", pd.Timestamp("2025-08-01"))]
    assert cur[0].forecast()["mean"].tolist() == [5.0, 6.0]
    assert (tmp_path / "vintages" / "sector__tucson").is_dir()


def test_list_vintages_before_and_bad_names(tmp_path):
    for dm in ("2025-05", "2025-06", "2025-08"):
        vt.save_vintage("southwest", dm, "snaive", _fc("2025-09-01", [1]), home=tmp_path)
    earlier = vt.list_vintages("southwest", home=tmp_path, before="2025-08")
    assert [f"{v.data_month:%Y-%m}" for v in earlier] == ["2025-05", "2025-06"]
    with pytest.raises(StoreError):
        vt.save_vintage("southwest", "2025-08", "../evil", _fc("2025-09-01", [1]), home=tmp_path)
    with pytest.raises(StoreError, match="lacks columns"):
        vt.save_vintage("southwest", "2025-08", "ets", _fc("2025-09-01", [1])[["mean"]],
                        home=tmp_path)


def test_score_vintages_by_hand(tmp_path):
    fc = _fc("2025-02-01", [100, 200, 400], spread=0.1)
    vt.save_vintage("s", "2025-01", "m", fc, home=tmp_path)
    y = pd.Series([90.0, 260.0], index=pd.date_range("2025-02-01", periods=2, freq="MS"))
    scores = vt.score_vintages(vt.list_vintages("s", home=tmp_path), y)
    # Feb: error -10, ape 11.11%, inside 80% (90..110) and 95%; Mar: +60, ape 23.08%, outside
    # 80% (180..220), outside 95% (160..240)
    assert scores["horizon"].tolist() == [1, 2]
    assert scores["error"].tolist() == [-10.0, 60.0]
    np.testing.assert_allclose(scores["ape"], [100 * 10 / 90, 100 * 60 / 260])
    assert scores["in80"].tolist() == [True, False]
    assert scores["in95"].tolist() == [True, False]
    s = vt.summarize_scores(scores).iloc[0]
    assert s["months"] == 2 and s["mean_error"] == 25.0 and s["coverage80"] == 0.5
    np.testing.assert_allclose(s["mape"], (100 * 10 / 90 + 100 * 60 / 260) / 2)


def test_revisions_lists_changed_months_only():
    idx = pd.date_range("2025-01-01", periods=3, freq="MS")
    old = pd.Series([10.0, 20.0, 30.0], index=idx)
    new = pd.Series([10.0, 25.0, 30.0, 40.0],
                    index=pd.date_range("2025-01-01", periods=4, freq="MS"))
    r = vt.revisions(old, new)
    assert r["month"].tolist() == [pd.Timestamp("2025-02-01")]
    assert r[["before", "after", "change"]].iloc[0].tolist() == [20.0, 25.0, 5.0]
    assert vt.revisions(None, new).empty


def test_actuals_snapshot_roundtrip(tmp_path):
    y = pd.Series([5, 6, 7], index=pd.date_range("2024-10-01", periods=3, freq="MS"))
    vt.save_actuals("southwest", "2024-12", y, home=tmp_path)
    back = vt.load_actuals("southwest", "2024-12", home=tmp_path)
    assert back.tolist() == [5.0, 6.0, 7.0] and back.index.equals(y.index)
    assert vt.load_actuals("southwest", "2024-11", home=tmp_path) is None


# -- headline ------------------------------------------------------------------------------
def test_headline_numbers_by_hand():
    idx = pd.date_range("2022-10-01", periods=24, freq="MS")  # FY2023 and FY2024
    y = pd.Series(np.arange(1, 25) * 10, index=idx)
    h = headline_numbers(y, pd.Timestamp("2024-02-01"))  # 17th month: 170
    assert (h["value"], h["previous_value"], h["year_ago_value"]) == (170, 160, 50)
    assert (h["mom_change"], h["yoy_change"]) == (10, 120)
    assert h["mom_pct"] == pytest.approx(10 / 160) and h["yoy_pct"] == pytest.approx(120 / 50)
    # FY2024 to date: Oct 2023..Feb 2024 = 130..170; FY2023 same months: Oct 2022..Feb 2023 = 10..50
    assert h["fiscal_year"] == 2024 and h["fytd_months"] == 5
    assert (h["fytd"], h["fytd_previous"]) == (750, 150)
    text = headline_narrative(h, "apprehensions")
    assert "6.2% more than in January 2024 (160)" in text
    assert "240.0% more than in February 2023 (50)" in text
    assert "counts 750, 400.0% above the same months of FY2023 (150)" in text


def test_headline_words_follow_the_sign():
    idx = pd.date_range("2022-10-01", periods=24, freq="MS")
    y = pd.Series(np.arange(24, 0, -1) * 10, index=idx)
    text = headline_narrative(headline_numbers(y, idx[-1]), "x")
    assert "fewer than" in text and "below the same months" in text and "more than" not in text


def test_headline_needs_a_year_of_history():
    y = pd.Series([1.0] * 10, index=pd.date_range("2024-01-01", periods=10, freq="MS"))
    with pytest.raises(DataError, match="needs data for"):
        headline_numbers(y, y.index[-1])


# -- formatting and figures ----------------------------------------------------------------
def test_number_formats():
    assert fmt_count(1234567.4) == "1,234,567"
    assert fmt_signed(-51688) == "−51,688" and fmt_signed(1725) == "+1,725"
    assert fmt_pct(-0.8914) == "−89.1%" and fmt_pct(0.375) == "+37.5%" and fmt_pct(None) == "–"
    assert fmt_share(0.62) == "62%" and fmt_count(float("nan")) == "–"


def test_figures_are_reproducible_and_dated_nowhere():
    def draw():
        fig, ax = plotting.new_figure()
        y = pd.Series([1000.0, 1500.0, 1200.0, 900.0],
                      index=pd.date_range("2024-08-01", periods=4, freq="MS"))
        ax.plot(y.index, y.values)
        plotting.format_count_axis(ax)
        plotting.format_month_axis(ax)
        assert plotting.mark_fiscal_years(ax, y.index[0], y.index[-1]) == ["FY2024", "FY2025"]
        return fig

    a = [plotting.figure_bytes(draw(), fmt) for fmt in ("png", "svg")]
    b = [plotting.figure_bytes(draw(), fmt) for fmt in ("png", "svg")]
    assert a == b
    assert b"<dc:date>" not in a[1]
    assert a[0][:8] == b"\x89PNG\r\n\x1a\n"


# -- safe output (issue 12) -------------------------------------------------------------------
def test_series_ids_with_commas_and_quotes_get_a_hashed_folder(tmp_path):
    import hashlib

    for sid in ("citizenship/korea,-south", "citizenship/cote-d'ivoire", "x/(y)"):
        name = vt.series_folder(sid)
        assert name.endswith("-" + hashlib.sha256(sid.encode()).hexdigest()[:8])
        assert all(c.isalnum() or c in "._+-" for c in name)
        res = vt.save_vintage(sid, "2025-08", "ets", _fc("2025-09-01", [1, 2]), home=tmp_path)
        assert res.path.parent.parent.name == name and res.status == "written"
        assert [v.model for v in vt.list_vintages(sid, home=tmp_path)] == ["ets"]
    assert vt.series_folder("sector/tucson") == "sector__tucson"  # plain ids stay readable
    assert vt.series_folder("a,b") != vt.series_folder("a'b")


def test_markdown_carries_no_html_or_links_from_data():
    from borderforecast.reporting.writer import md_escape, minus_signs

    evil = '<script>alert(1)</script> [x](javascript:alert(1)) | *bold*'
    out = md_escape(evil)
    assert "<" not in out and ">" not in out
    assert "\\[x\\](javascript" in out and "\\|" in out and "\\*bold\\*" in out
    assert minus_signs("-5.0% (2000-2024), z = -0.35") == "−5.0% (2000-2024), z = −0.35"


def test_rendered_markdown_escapes_a_hostile_series_name():
    from borderforecast.reporting.writer import render

    sections = {"headline": {"narrative": "[click](javascript:alert(1)) <b>x</b>"}}
    from borderforecast.reporting import writer

    env = writer._environment("md")
    text = env.from_string("{{ s.headline.narrative }}").render(s=sections)
    assert text == "\\[click\\](javascript:alert(1)) &lt;b&gt;x&lt;/b&gt;"
    assert callable(render)


@pytest.mark.warm_home("snaive")  # the calibration of snaive on the bundled series is warm
def test_fitted_model_plot_is_a_log_scale_figure():
    from matplotlib.figure import Figure

    import borderforecast as bf

    fig = bf.fit(bf.load(), model="snaive").plot()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "encounters" in ax.get_ylabel()
    lo, hi = ax.get_ylim()
    assert lo >= 1 and hi < 1e6
    assert ax.get_legend() is not None


def test_a_users_year_to_date_is_the_calendar_year():
    idx = pd.date_range("2022-01-01", periods=24, freq="MS")
    y = pd.Series(np.arange(1, 25) * 10.0, index=idx)
    h = headline_numbers(y, pd.Timestamp("2023-03-01"), fiscal=False)  # Jan-Mar 2023: 130..150
    assert (h["year_label"], h["fytd_months"]) == ("2023", 3)
    assert (h["fytd"], h["fytd_previous"]) == (420, 60)
    text = headline_narrative(h, "riders")
    assert ("The year 2023 to date (Jan 2023–Mar 2023) counts 420, 600.0% above the same months "
            "of 2022 (60).") in text
    assert "Fiscal" not in text and "FY" not in text
    fiscal = headline_numbers(y, pd.Timestamp("2023-12-01"))  # Oct-Dec 2023: 220..240
    assert (fiscal["year_label"], fiscal["fytd"], fiscal["fytd_previous"]) == ("FY2024", 690, 330)
