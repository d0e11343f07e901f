"""The default panel assessment on the bundled USBP Southwest series: summer 2019, early
2025, models that the gate must flag, and monotonicity in the pre-period (each real
assessment runs once per module)."""

from __future__ import annotations

import math

import pytest

import borderforecast as bf
from borderforecast.assessment import BEYOND_DECLINE, assess

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
    assert a2019.strength in ("strong", "moderate")
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
    # 2017 (May->Aug +53.5%) is a shock year; no Title 42 year precedes 2019
    assert set(a2019.years_excluded) == {2017}
    assert a2019.years_used["placebo"] == [v for v in range(2005, 2019) if v != 2017]
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


def test_models_whose_counterfactual_rises_are_flagged(sw):
    pytest.importorskip("prophet")
    a = assess(
        sw,
        "2019-06",
        "2019-08",
        "2019-05",
        models=["sarima", "ets", "snaive", "prophet"],
        n_paths=300,
        placebo_paths=100,
        x13=False,
    )
    table = a.model_table().set_index("model")
    for name in ("snaive", "prophet"):
        # observed above the counterfactual: the model expects a collapse from the May peak
        assert table.loc[name, "effect_pct"] > 0
        assert not table.loc[name, "gate_passed"]
        assert "implies a seasonal change" in table.loc[name, "gate_reason"]
    text = a.summary()
    assert "snaive is flagged and not evidence" in text and "Also snaive" not in text
    assert "snaive" not in a.placebo.model and "prophet" not in a.placebo.model


def test_shorter_pre_period_never_strengthens_the_verdict(sw, a2019):
    runs = [a2019] + [
        assess(sw[sw.index >= first], "2019-06", "2019-08", "2019-05")
        for first in ("2005-01-01", "2010-01-01", "2013-01-01")
    ]
    ranks = [evidence_rank(a) for a in runs]
    assert ranks == sorted(ranks, reverse=True), [(a.verdict, a.strength) for a in runs]
    for a in runs[1:]:
        if len(a.years_used["placebo"]) < a.options.min_placebos:
            assert a.verdict == "inconclusive"
            assert a.decision.counterfactual_p_kind == "uncalibrated"
    assert runs[-1].verdict == "inconclusive"  # from 2013: a single placebo year
