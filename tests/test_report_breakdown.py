"""The breakdown: one forecast per part, reconciled with the headline; OFO beside USBP.

Fast: the bundled data, one demographic fit and the stl_ses part forecasts (no backtest).
"""

from __future__ import annotations

import numpy as np
import pytest

import borderforecast as bf
from borderforecast.reporting.breakdown import Headline, breakdown_groups, breakdown_section
from borderforecast.reporting.common import short_name
from borderforecast.reporting.outlook import _shown, model_parts, outlook_paths


@pytest.fixture(scope="module")
def built():
    y = bf.load()[:"2025-08"]
    f = bf.fit(y, "demographic", seed=0, intervals="raw")
    fitted = f.fitted
    table, _ = outlook_paths(fitted, _shown(f, 12).frame, seed=0)
    parts = {f"demographic/{k}": v for k, v in model_parts(fitted, table.index).items()}
    head = Headline("demographic", table, parts)
    m = y.index[-1]
    groups = [g for g in breakdown_groups("southwest", m, None) if g[0] != "sectors"]
    out = breakdown_section(y, groups, horizon=6, model="stl_ses", seed=0, headline=head)
    return y, fitted, table, {g["key"]: g for g in out.data["groups"]}, out.figures


@pytest.fixture(scope="module")
def section(built):
    return built[:4]


def test_bottom_up_headline_shows_its_own_part_forecasts(section):
    y, fitted, table, groups = section
    rows = {r["id"]: r for r in groups["demographics"]["rows"]}
    assert set(rows) == {"demographic/uac", "demographic/family_units", "demographic/single_adults"}
    own = fitted.model.part_forecasts(fitted.state, 6)  # the model's own numbers, read directly
    for part, r in own.iterrows():
        row = rows[f"demographic/{part}"]
        assert row["own"] and row["model"] == "demographic" and row["lo80_total"] is None
        assert row["forecast_total"] == pytest.approx(float(r.drop("last").sum()))
    # the parts add up to the headline's point (median) path over the same months
    summed = sum(r["forecast_total"] for r in rows.values())
    assert summed == pytest.approx(float(table["median"].iloc[:6].sum()), rel=1e-9)
    note = groups["demographics"]["note"]
    assert f"add up to {summed:,.0f}" in note
    assert f"expected total for those months is {table['mean'].iloc[:6].sum():,.0f}" in note


def test_parts_forecast_separately_are_labelled_and_set_against_the_headline(section):
    y, _, table, groups = section
    rows = groups["citizenship"]["rows"]
    assert all(r["model"] == "stl_ses" and not r["own"] for r in rows)
    # the citizenship groups shown make up the total in August 2025 (by the data)
    assert sum(r["value"] for r in rows) == pytest.approx(float(y.iloc[-1]), rel=0.01)
    summed = sum(r["forecast_total"] for r in rows)
    head = float(table["mean"].iloc[:6].sum())
    note = groups["citizenship"]["note"]
    assert f"add up to {summed:,.0f}" in note and f"against {head:,.0f}" in note
    assert f"{summed - head:+,.0f}" in note


def test_ofo_is_beside_the_total_never_its_share(section):
    y, _, _, groups = section
    (row,) = groups["ofo"]["rows"]
    ofo = bf.load("ofo", allow_gaps=True)
    assert row["value"] == float(ofo.loc["2025-08-01"])
    assert row["share"] is None and row["part"] is False
    assert "never as a share" in groups["ofo"]["note"]
    # the parts of the total still carry their shares, which add up to one
    shares = [r["share"] for r in groups["demographics"]["rows"]]
    assert np.isclose(sum(shares), 1.0, atol=0.01)


def test_ofo_figure_sets_ofo_beside_the_total_across_the_width(built):
    y, figures = built[0], built[4]
    fig = figures["breakdown-ofo"].figure
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["OFO (at ports of entry)", f"{short_name(y)} (the report's total)"]
    assert len(fig.axes) == 2  # two panels over the width, no empty column


def test_a_part_far_from_its_latest_month_says_why(section):
    _, _, _, groups = section
    other = next(r for r in groups["citizenship"]["rows"] if r["label"] == "Other")
    avg = other["forecast_total"] / 6
    assert abs(avg / other["value"] - 1) > 0.2  # 830 in August 2025, about 1,031 a month
    note = groups["citizenship"]["note"]
    assert f"Other: {other['value']:,.0f} in August 2025, about {avg:,.0f} a month" in note
    assert "follows the part's own seasonal pattern, learnt from its data since" in note
    assert "Mexico:" not in note  # a part near its latest month gets no sentence
