"""The default panel assessment on the bundled USBP Southwest series: summer 2019, early
2025, models that the gate must flag, and monotonicity in the pre-period (each real
assessment runs once per module)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import borderforecast as bf
from borderforecast.assessment import BEYOND_DECLINE, CANNOT_TELL, WITHIN, assess
from borderforecast.assessment.normal import normal_years
from borderforecast.assessment.options import make_window

pytestmark = pytest.mark.slow  # real-data assessments: still run by a plain `pytest`

RANK = {"strong": 3, "moderate": 2, "weak": 1}


def evidence_rank(a) -> int:
    """How strong a "beyond" finding is (0 for any other verdict)."""
    return RANK[a.strength] if a.verdict.startswith("beyond") else 0


@pytest.fixture(scope="module")
def sw():
    return bf.load()


@pytest.fixture(scope="module")
def a2019(sw):
    return assess(sw, "2019-06", "2019-08", "2019-05")  # the default, exactly


@pytest.fixture(scope="module")
def a2025(sw):
    return assess(sw, "2025-02", "2025-08", "2025-01")


def test_summer_2019_is_a_decline_beyond_seasonality(a2019):
    assert a2019.verdict == BEYOND_DECLINE
    # but not for every neighbouring window: the strength says so, and so does the summary
    assert not a2019.stable and a2019.strength == "weak"
    assert "The answer depends on the window" in a2019.parts()["lead"]
    assert [r.model for r in a2019.panel.runs] == [
        "sarima",
        "ets",
        "structural",
        "local_trend",
        "stl",
        "x13",
    ]
    assert a2019.decision.counterfactual_p_kind == "calibrated"
    assert a2019.panel.calibrated_p < 0.05 and a2019.panel.direction == "decline"
    # outlier years: 2001-2002 (Sep-Nov 2001), 2014 (Jul-Sep), 2017
    assert set(a2019.years_excluded) == {2001, 2002, 2014, 2017}
    assert a2019.years_used["placebo"] == [v for v in range(2005, 2019) if v not in (2014, 2017)]
    text = a2019.summary()
    assert "The window follows an unusual surge" in text
    # the share seasonality explains, on both scales, from the decomposition's numbers
    d = a2019.decomposition
    assert d.share_explained == pytest.approx(
        math.log1p(d.seasonal_pct / 100) / math.log(50684 / 132856)
    )
    assert d.share_explained_counts == pytest.approx(
        132856 * d.seasonal_pct / 100 / (50684 - 132856)
    )
    assert f"{100 * d.share_explained:.0f}% of the change on the log scale" in text
    assert f"{100 * d.share_explained_counts:.0f}% of the change in counts" in text
    n_agree, n = a2019.agreement
    assert f"Model agreement: {n_agree} of {n} models" in text


def test_early_2025_is_a_decline_beyond_seasonality(a2025):
    assert a2025.verdict == BEYOND_DECLINE
    assert {2020, 2021, 2022, 2023} <= set(a2025.years_excluded)
    assert not {2020, 2021, 2022, 2023} & set(a2025.years_used["comparison"])
    assert "Title 42" in a2025.years_excluded[2021]


def test_the_gate_reads_each_models_own_seasonal_change(sw):
    a = assess(
        sw, "2019-06", "2019-08", "2019-05", models=["sarima", "ets", "snaive"],
        n_paths=300, placebo_paths=100, x13=False,
    )  # fmt: skip
    table = a.model_table().set_index("model")
    # seasonal naive repeats last year: its implied Jun->Aug change is 2018's, a normal one,
    # so it passes the gate although its level (far below the May peak) makes its effect > 0
    expected = 100 * (sw["2018-08-01"] / sw["2018-06-01"] - 1)
    assert table.loc["snaive", "implied_change_pct"] == pytest.approx(expected, abs=3)
    assert table.loc["snaive", "effect_pct"] > 0 and table.loc["snaive", "gate_passed"]
    assert "snaive" in a.placebo.model


def test_shorter_pre_period_never_strengthens_the_verdict(sw, a2019):
    runs = [a2019] + [
        assess(sw[sw.index >= first], "2019-06", "2019-08", "2019-05")
        for first in ("2005-01-01", "2010-01-01", "2013-01-01")
    ]
    ranks = [evidence_rank(a) for a in runs]
    assert ranks == sorted(ranks, reverse=True), [(a.verdict, a.strength) for a in runs]
    for a in runs[1:]:
        if len(a.years_used["placebo"]) < a.options.min_placebos:
            assert a.verdict == CANNOT_TELL
            assert a.decision.counterfactual_p_kind == "uncalibrated"
    assert runs[-1].verdict == CANNOT_TELL  # from 2013: a single placebo year


def test_same_fits_give_the_same_gate_whatever_the_reference(sw, a2019):
    april = assess(sw, "2019-06", "2019-08", "2019-04")
    ta, tb = a2019.model_table(), april.model_table()
    np.testing.assert_allclose(ta["effect_pct"], tb["effect_pct"])  # the same fits
    np.testing.assert_allclose(ta["implied_change_pct"], tb["implied_change_pct"])
    assert list(ta["gate_passed"]) == list(tb["gate_passed"])


def test_excluding_a_year_beyond_never_weakens_a_beyond_window(sw, a2019):
    for period in ("2016-10:2017-09", "2014-05:2014-09"):  # FY2017, summer 2014
        b = assess(sw, "2019-06", "2019-08", "2019-05", exclude=period)
        assert b.panel.calibrated_p <= a2019.panel.calibrated_p + 1e-12
        assert b.verdict == BEYOND_DECLINE


def test_more_normal_years_never_turn_beyond_into_within(sw, a2019, a2025):
    for a in (a2019, a2025):
        w = a.window
        for k in (6, 8, 10):
            fewer = assess(sw, w.start, w.end, w.reference, placebo_years=k)
            if fewer.verdict.startswith("beyond"):
                assert a.verdict != WITHIN


def test_screen_has_no_exploding_z_and_catches_real_shocks(sw):
    _, w = make_window(sw, "2014-07", "2014-09", "2014-06", 60)
    ny = normal_years(sw, w)
    z = ny.frame["z"]
    assert z[[2001, 2005, 2007, 2010]].abs().max() < 10  # the cluster: no z of -20
    assert {2005, 2007, 2010} <= set(ny.comparison_years)
    _, w = make_window(sw, "2017-02", "2017-04", "2017-01", 60)
    ny = normal_years(sw, w)
    assert {2000, 2003} <= set(ny.comparison_years)
    assert ny.target_z < -3  # the window itself is beyond normal
    # 2019's collapse is beyond normal in its fiscal year, so it is normal nowhere
    assert "2019" in ny.fiscal.excluded[2019] and 2019 not in ny.fiscal.years
