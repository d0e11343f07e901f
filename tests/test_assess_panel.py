"""The counterfactual panel: gate, calibrated combination, clean reference years, exclude=,
strength and the sensitivity table (fast: synthetic series and hand-built runs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal
from scipy import stats

from borderforecast.assessment import assess
from borderforecast.assessment.normal import loo_robust_z, normal_years
from borderforecast.assessment.options import ExcludeError, make_window, parse_exclude
from borderforecast.assessment.panel import MAX_IMPLIED_Z, ModelRun, combine, gate, model_run
from borderforecast.assessment.robust import calibrate
from borderforecast.assessment.verdict import (
    BEYOND_DECLINE,
    CANNOT_TELL,
    WITHIN,
    decide,
    grade,
)
from borderforecast.cli import main
from borderforecast.errors import BorderforecastError, DataError

# -- the gate ---------------------------------------------------------------------------


def _run(model="m", far=0.1, implied_z=0.0, perr=0.1, error=""):
    return ModelRun(model, None, error, pd.DataFrame(), 0.0, 0.5, far, perr, 0.0, implied_z)


def test_gate_passes_a_plausible_model():
    assert gate(_run(), np.array([0.0]), 0.1, 0.05) == (True, "")


def test_gate_false_alarm_limit_is_relative_to_the_panel():
    ok, why = gate(_run(far=0.4), np.array([0.0]), 0.1, 0.05, panel_false_alarm=0.1)
    assert not ok and "false-alarm rate 40%" in why and "limit 30%" in why
    # turbulent placebo years raise every model's rate: the limit is twice the panel median
    assert gate(_run(far=0.4), np.array([0.0]), 0.1, 0.05, panel_false_alarm=0.33)[0]


def test_gate_implied_seasonal_change_and_backtest_error():
    ch = np.log([0.7, 0.75, 0.8, 0.85, 0.9])
    ok, why = gate(_run(implied_z=-(MAX_IMPLIED_Z + 0.1)), ch, 0.1, 0.05)
    assert not ok and "implies a seasonal change" in why and "median -20.0%" in why
    ok, why = gate(_run(perr=0.25), ch, 0.1, 0.05)
    assert not ok and "poor backtest at this horizon" in why and "25% vs panel median 10%" in why
    ok, why = gate(_run(error="boom"), ch, 0.1, 0.05)
    assert not ok and why == "could not be fitted (boom)"


# -- calibration of the combination ---------------------------------------------------


def test_robust_calibration_by_hand():
    z = np.array([-0.5, 0.2, 0.4, -0.1, 0.3, 4.0, 0.1])
    p, _, m, s = calibrate(-2.5, z, robust=True)
    med = 0.2
    mad = np.median(np.abs(z - med))  # 0.2 -> 1.4826 * 0.2 < 1, so the floor of 1 applies
    assert m == med and mad == pytest.approx(0.2) and s == 1.0
    t = (-2.5 - med) / (1.0 * np.sqrt(1 + 1 / 7))
    assert p == pytest.approx(2 * stats.t.sf(abs(t), 0.37 * 6))  # MAD: 37% efficiency


def _frame(z, years):
    return pd.DataFrame(
        {"z": z, "p_value": 0.5, "log_error": 0.1, "error": ""}, index=pd.Index(years)
    )


def test_combined_statistic_is_median_calibrated_against_placebo_medians():
    years = list(range(2005, 2015))
    rng = np.random.default_rng(1)
    zs = rng.normal(0, 1.5, (3, len(years)))
    ch = np.zeros(10)
    raw = [
        model_run(f"m{i}", None, "", _frame(zs[i], years), t, 0.0, ch, 0.05)
        for i, t in enumerate([-3.0, -4.0, -1.0])
    ]
    pan = combine(raw, ch, 0.05)
    assert pan.combined_z == -3.0 and pan.n_years == 10
    med = np.median(zs, axis=0)
    np.testing.assert_allclose(pan.placebo_median_z.to_numpy(), med)
    assert pan.calibrated_p == pytest.approx(calibrate(-3.0, med, robust=True)[0])
    # the combination's own p differs from any single model's
    assert pan.calibrated_p not in {r.calibrated_p for r in pan.runs}


def test_combined_test_holds_its_level_under_the_null():
    """Placebo and target z drawn from one null distribution (correlated across models, wider
    than N(0, 1)): the calibrated combination fires at about alpha, not more."""
    rng = np.random.default_rng(0)
    k, reps, alarms = 15, 300, 0
    years = list(range(k))
    ch = np.zeros(5)
    for _ in range(reps):
        common = rng.normal(0, 1.8, k + 1)
        z = common[None, :] + rng.normal(0, 0.7, (5, k + 1))
        raw = [
            model_run(f"m{i}", None, "", _frame(z[i, 1:], years), z[i, 0], 0.0, ch, 0.05)
            for i in range(5)
        ]
        alarms += combine(raw, ch, 0.05).calibrated_p < 0.05
    assert 0.01 <= alarms / reps <= 0.08


# -- reference years ----------------------------------------------------------------------


def test_loo_robust_z_by_hand():
    v = np.array([0.0, 0.1, -0.1, 0.05, -0.05, 2.0])
    others = v[:5]
    med = np.median(others)
    expected = (2.0 - med) / (1.4826 * np.median(np.abs(others - med)))
    assert loo_robust_z(v)[5] == pytest.approx(expected)
    # a scale floor keeps a tight cluster from inflating an ordinary deviation
    assert loo_robust_z(v, floor=0.5)[5] == pytest.approx((2.0 - med) / 0.5)


def _with_shock():
    y = synthetic_seasonal().astype(float)
    y[(y.index >= "2012-06-01") & (y.index <= "2012-08-01")] *= 0.3  # a shock summer
    return y.round()


def test_shock_year_is_screened_with_its_reason():
    y, w = make_window(_with_shock(), "2018-06", "2018-08", "2018-05", 60)
    ny = normal_years(y, w, fiscal=True)  # the border series' rule: fiscal years
    assert 2012 in ny.excluded and ny.excluded[2012].startswith("an outlier: ")
    assert 2012 not in ny.comparison_years and 2012 not in ny.placebo_years
    # the rebound from the shock month (Jul -> Oct 2012) is an outlier too: FY2013 goes
    assert ny.excluded[2013].startswith("FY2013: its Aug-Oct 2012 change")
    assert ny.comparison_years == [v for v in range(2005, 2018) if v not in (2012, 2013)]
    # placebo years need 60 months of history before the window: 2010 is the first
    assert sorted(ny.placebo_years) == [v for v in range(2010, 2018) if v not in (2012, 2013)]
    assert normal_years(y, w, shock_z=None, fiscal=True).excluded == {}
    # the fiscal year of the shock is not normal for any other window either
    _, other = make_window(y, "2018-01", "2018-03", "2017-12", 60)
    assert normal_years(y, other, fiscal=True).excluded[2012].startswith("FY2012: ")
    assert 2012 not in ny.fiscal.years and 2012 in ny.fiscal.excluded


def test_a_years_status_does_not_depend_on_the_window_judged():
    """Fixed point: the same calendar window judged in 2017 or 2018 gives every earlier year
    the same status."""
    y = _with_shock()
    _, w17 = make_window(y, "2017-06", "2017-08", "2017-05", 60)
    _, w18 = make_window(y, "2018-06", "2018-08", "2018-05", 60)
    a, b = normal_years(y, w17), normal_years(y, w18)
    common = [v for v in range(2005, 2017)]
    assert {v: a.excluded.get(v, "") for v in common} == {v: b.excluded.get(v, "") for v in common}
    assert a.frame.loc[common, "z"].to_numpy() == pytest.approx(b.frame.loc[common, "z"].to_numpy())


def test_title42_is_left_out_by_default():
    idx = pd.date_range("2005-01-01", "2025-08-01", freq="MS")
    y = pd.Series(20000.0 * (1 + 0.2 * np.sin(2 * np.pi * idx.month / 12)), index=idx)
    y = y * np.exp(np.random.default_rng(0).normal(0, 0.05, len(y)))
    y, w = make_window(y, "2024-06", "2024-09", "2024-05", 60)
    ny = normal_years(y, w, fiscal=True)  # the border series' convention: Title 42 left out
    assert {2020, 2021, 2022, 2023} <= set(ny.excluded)
    assert all("Title 42" in ny.excluded[v] for v in (2020, 2021, 2022, 2023))
    assert not {2020, 2021, 2022, 2023} & set(ny.placebo_years)
    kept = normal_years(y, w, title42=False, shock_z=None)
    assert {2020, 2021, 2022, 2023} <= set(kept.comparison_years)
    # a user's own series (not bundled) keeps them: Title 42 is the border's history
    own = normal_years(y, w, shock_z=None)
    assert not any("Title 42" in why for why in own.excluded.values())
    assert {2020, 2021, 2022} <= set(own.comparison_years)


def test_parse_exclude_forms():
    ts = pd.Timestamp
    assert parse_exclude(None) == ()
    assert parse_exclude("2019-06") == ((ts("2019-06-01"), ts("2019-06-01")),)
    assert parse_exclude(["2014-05:2014-09", ("2016-01", "2016-02")]) == (
        (ts("2014-05-01"), ts("2014-09-01")),
        (ts("2016-01-01"), ts("2016-02-01")),
    )
    assert parse_exclude("2014-05:2014-09, 2016-01") == parse_exclude(
        ["2014-05:2014-09", "2016-01"]
    )


@pytest.mark.parametrize(
    "spec, message",
    [
        ("2014-13", "exclude '2014-13'"),
        ("2014-05:2014-06:2014-07", "expected a month"),
        ("2015-05:2014-01", "ends before it starts"),
        ("1990-01:1990-05", "outside the data"),
        ("2018-05:2018-07", "covers part of the assessed window"),
        ("2005-01:2017-12", "only 0 earlier year(s) of normal seasonality"),
    ],
)
def test_exclude_errors_name_the_problem(spec, message):
    y = synthetic_seasonal()
    with pytest.raises(ExcludeError, match=None) as info:
        assess(y, "2018-06", "2018-08", "2018-05", exclude=spec, models="snaive", x13=False)
    assert message in str(info.value)
    assert isinstance(info.value, DataError) and isinstance(info.value, BorderforecastError)


def test_exclude_end_to_end_api():
    y = synthetic_seasonal()
    a = assess(
        y,
        "2018-06",
        "2018-08",
        "2018-05",
        exclude="2014-05:2014-09",
        models="snaive",
        n_paths=200,
        placebo_paths=50,
        x13=False,
    )
    assert a.years_excluded == {2014: "excluded by the user (2014-05:2014-09)"}
    assert 2014 not in a.years_used["comparison"] and 2014 not in a.years_used["placebo"]
    assert a.empirical.n_years == len(a.years_used["comparison"]) == 12
    assert "2014 (excluded by the user (2014-05:2014-09))" in a.summary()
    assert a.to_dict()["normal_years"]["excluded"] == {"2014": a.years_excluded[2014]}


def test_cli_exclude(capsys):
    code = main(
        [
            "assess",
            "--start",
            "2019-06",
            "--end",
            "2019-08",
            "--model",
            "snaive",
            "--n-paths",
            "200",
            "--placebo-years",
            "5",
            "--no-x13",
            "--exclude",
            "2014-05:2014-09",
            "--json",
        ]
    )
    assert code == 0
    import json

    d = json.loads(capsys.readouterr().out)
    assert d["normal_years"]["excluded"]["2014"] == "excluded by the user (2014-05:2014-09)"
    assert "2014-05:2014-09" in d["normal_years"]["exclude_periods"]
    code = main(
        [
            "assess",
            "--start",
            "2019-06",
            "--end",
            "2019-08",
            "--model",
            "snaive",
            "--exclude",
            "2019-04:2019-07",
            "--no-x13",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "covers part of the assessed window" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# -- strength, capping, sensitivity -------------------------------------------------------


def test_strength_grades():
    d = decide(0.001, "decline", -4.5, 0.05)
    assert d.verdict == BEYOND_DECLINE and grade(d) == "strong"
    # strength from the size against normal variation and the p, never from the number of years
    assert grade(decide(0.001, "decline", -4.5, 0.05, n_years=5)) == "strong"
    assert grade(decide(0.03, "decline", -4.5, 0.05)) == "moderate"
    assert grade(decide(0.03, "decline", -2.2, 0.05)) == "weak"
    eq = dict(effect=(0.0, -4.0, 4.0), excess=(-3.0, 3.0), margin=np.log(1.3))
    within = decide(0.6, "rise", 0.3, 0.05, **eq)
    assert within.verdict == WITHIN and grade(within, np.log(1.3)) == "strong"
    loose = decide(0.6, "rise", 0.3, 0.05, **dict(eq, effect=(0.0, -20.0, 20.0)))
    assert loose.verdict == WITHIN and grade(loose, np.log(1.3)) == "moderate"
    assert grade(decide(0.01, "decline", 0.5, 0.05)) == "weak"  # cannot tell
    # a p below 1 / (k + 1) lies beyond the placebo ranks
    assert decide(0.01, "decline", -3, 0.05, n_years=12).extrapolated
    assert not decide(0.1, "decline", -3, 0.05, n_years=12).extrapolated


def test_neighbours_lower_the_strength():
    from borderforecast.assessment.core import steady

    assert steady("strong", "x", ["x", "x", "x"]) == "strong"
    assert steady("strong", "x", ["x", "x", "y", "y"]) == "moderate"
    assert steady("strong", "x", ["x", "y", "y"]) == "weak"


def test_uncalibrated_verdict_is_capped():
    y = synthetic_seasonal().astype(float)
    y[y.index >= "2018-06-01"] *= 0.5
    full = assess(y, "2018-06", "2018-08", models="ets", n_paths=300, placebo_paths=100, x13=False)
    few = assess(
        y,
        "2018-06",
        "2018-08",
        models="ets",
        n_paths=300,
        placebo_paths=100,
        x13=False,
        placebo_years=4,
    )
    assert full.verdict == BEYOND_DECLINE and full.decision.counterfactual_p_kind == "calibrated"
    assert few.verdict == CANNOT_TELL and few.decision.counterfactual_p_kind == "uncalibrated"
    assert "too few normal earlier years" in few.summary()


@pytest.fixture(scope="module")
def two_models():
    y = synthetic_seasonal().astype(float)
    y[y.index >= "2018-06-01"] *= 0.5
    return assess(
        y, "2018-06", "2018-08", models=["ets", "snaive"], n_paths=300, placebo_paths=100, x13=False
    )


def test_sensitivity_table(two_models):
    a = two_models
    s = a.sensitivity()
    assert list(s.columns[:10]) == [
        "model",
        "window",
        "effect_pct",
        "lo95_pct",
        "hi95_pct",
        "calibrated_p",
        "false_alarm_rate",
        "gate_passed",
        "gate_reason",
        "verdict",
    ]
    assert list(s["model"][:2]) == ["ets", "snaive"]
    assert list(s["window"][2:]) == [
        "as asked",
        "end one month earlier (Jun 2018-Jul 2018 vs 2018-05)",
        "end one month later (Jun 2018-Sep 2018 vs 2018-05)",
        "reference one month earlier (Jun 2018-Aug 2018 vs 2018-04)",
    ]
    assert [n.verdict for n in a.neighbours] == list(s["verdict"][3:])
    cf = {c.model: c for c in a.counterfactuals}
    assert s.loc[0, "effect_pct"] == pytest.approx(100 * cf["ets"].relative_effect)
    assert s.loc[2, "verdict"] == a.verdict and s.loc[2, "calibrated_p"] == a.panel.calibrated_p
    # each model's verdict alone follows the same rule, in the same three words
    d = a.decision
    for r in s.iloc[:2].itertuples():
        run = next(x for x in a.panel.runs if x.model == r.model)
        c = cf[r.model]
        alone = decide(
            run.calibrated_p, c.direction, d.empirical_z, 0.05,
            effect=(100 * c.relative_effect, 100 * c.relative_lo90, 100 * c.relative_hi90),
            excess=(d.excess_lo_pct, d.excess_hi_pct), margin=np.log1p(d.margin_pct[1] / 100),
        )  # fmt: skip
        assert r.verdict == alone.verdict
    n_agree, n = a.agreement
    assert f"Model agreement: {n_agree} of {n} models" in a.summary()


def test_flagged_model_is_shown_never_evidence(two_models):
    a = two_models
    rows = a.model_table().set_index("model")
    text = a.summary()
    for name, r in rows.iterrows():
        if not r["gate_passed"]:
            assert f"{name} is flagged and not evidence" in text
            assert (
                a.to_frame()
                .loc[f"counterfactual ({name})", "reading"]
                .startswith("flagged, not evidence")
            )
            assert name not in a.placebo.model
