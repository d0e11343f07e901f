"""A report on a user's own series speaks of the user's data, not of the border.

One report (through the CLI, ``--input`` with ``--name`` and ``--unit``) on a
synthetic seasonal series of 2010-2024, which spans the Title 42 months.
"""

from __future__ import annotations

import functools
import re

import pytest
from conftest import synthetic_seasonal

from borderforecast.cli import main

BORDER_WORDS = (
    "encounter", "CBP", "DHS", "Title 8", "Title 42", "USBP", "Border Patrol", "apprehension",
    "Southwest", "OFO", "Office of Field Operations", "expulsion", "unaccompanied", "sector",
    "pandemic", "nationalit", "countries of origin", "single adults",
)  # fmt: skip


@pytest.fixture(scope="module")
def user_report(tmp_path_factory):
    import borderforecast.reporting as reporting

    root = tmp_path_factory.mktemp("userreport")
    y = synthetic_seasonal(n=180, level=900.0, start="2010-01-01", seed=3)
    csv = root / "buses.csv"
    csv.write_text("month,riders\n" + "".join(f"{t:%Y-%m},{v:.0f}\n" for t, v in y.items()))
    fast = functools.partial(
        reporting.ReportOptions, models=("snaive", "stl_ses"), assess_models=("snaive",),
        placebo_years=6, backtest_jobs=1,
    )  # fmt: skip
    mp = pytest.MonkeyPatch()
    mp.setattr(reporting, "ReportOptions", fast)
    mp.setenv("BORDERFORECAST_HOME", str(root / "home"))
    out = root / "r"
    args = ["report", "--input", str(csv), "--out", str(out), "--home", str(root / "home")]
    try:
        code = main([*args, "--name", "City buses", "--unit", "riders", "--json"])
    finally:
        mp.undo()
    return code, y, out


def test_a_user_report_contains_no_border_specific_text(user_report, capsys):
    code, y, out = user_report
    assert code == 0
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    for text in (md, re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "", page)):
        found = [w for w in BORDER_WORDS if w.lower() in text.lower()]
        assert found == []
    for svg in (out / "figures").glob("*.svg"):  # the figures' labels too
        assert "encounter" not in svg.read_text().lower(), svg.name


def test_a_user_report_uses_the_users_name_and_unit(user_report):
    _, y, out = user_report
    md = (out / "report.md").read_text()
    assert md.startswith("# City buses: report for December 2024")
    assert "Monthly riders, data to December 2024" in md
    assert f"In December 2024 there were {y.iloc[-1]:,.0f} riders:" in md
    assert "riders per month" in (out / "report.html").read_text()
    assert "Your data:" in md and "buses.csv" in md


def test_name_and_unit_need_a_file(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "r"), "--unit", "riders"]) == 2
    assert "--unit needs --input FILE" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_user_report_counts_calendar_years_throughout(user_report):
    _, y, out = user_report
    md = (out / "report.md").read_text()
    head = md.split("## 3.")[0]  # first screen, headline, forecast
    assert "| 2024 to date (Jan 2024–Dec 2024) |" in md and "The year 2024 to date" in head
    assert "| Jan 2025 | 2025 |" in md  # the forecast table's year column
    assert "FY" not in head and "fiscal" not in head.lower()
    assert "FY" not in md and "fiscal" not in md.lower()  # seasonality, assessment: calendar
    fan = (out / "figures" / "forecast.svg").read_text()
    assert "FY20" not in fan  # the chart labels no fiscal years for a user's series


def test_a_user_reports_charts_shade_calendar_years(user_report):
    _, _, out = user_report
    md = (out / "report.md").read_text()
    assert "Shading: alternate years." in md and "Shaded bands: alternate years." in md
    assert "Oct–Sep" not in md.split("## 3.")[0]


def test_year_shading_starts_in_october_or_january():
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    from borderforecast.plotting import mark_fiscal_years

    for fiscal, names, first_edge in ((True, ["FY2020", "FY2021", "FY2022"], "2020-10-01"),
                                      (False, ["2020", "2021"], "2021-01-01")):  # fmt: skip
        fig, ax = plt.subplots()
        got = mark_fiscal_years(ax, pd.Timestamp("2020-01-01"), pd.Timestamp("2021-12-01"),
                                fiscal=fiscal)  # fmt: skip
        assert got == names
        xs = [ln.get_xdata()[0] for ln in ax.lines]
        lines = [f"{x:%Y-%m-%d}" if isinstance(x, pd.Timestamp) else
                 f"{mdates.num2date(x):%Y-%m-%d}" for x in xs]  # fmt: skip
        assert lines[0] == first_edge  # the first year boundary drawn inside the span
        plt.close(fig)


def test_a_user_reports_seasonal_chart_starts_in_january(user_report):
    _, _, out = user_report
    md = (out / "report.md").read_text()
    assert "in calendar order." in md and "fiscal-year order" not in md


def test_seasonal_chart_starts_in_october_for_border_series_and_january_otherwise():
    import pandas as pd

    from borderforecast.reporting.figures import seasonal_profile_chart

    factors = pd.Series([0.9 + 0.01 * m for m in range(1, 13)], index=range(1, 13))
    for fiscal, first, labels in ((True, 10, ["Oct", "Nov"]), (False, 1, ["Jan", "Feb"])):
        ax = seasonal_profile_chart(factors, title="t", fiscal=fiscal).axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()][:2] == labels
        assert ax.patches[0].get_height() == pytest.approx((factors[first] - 1) * 100)
        assert ax.get_xlabel() == ("month (fiscal-year order: October to September)" if fiscal
                                   else "month")  # fmt: skip
