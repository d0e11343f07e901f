"""assess() on synthetic series with known truth: detection, recovery, false alarms, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

from borderforecast.assessment import (
    BEYOND_DECLINE,
    BEYOND_RISE,
    CANNOT_TELL,
    VERDICTS,
    WITHIN,
    AssessOptions,
    WindowError,
    assess,
)
from borderforecast.assessment.normal import normal_years
from borderforecast.assessment.robust import calibrate
from borderforecast.assessment.verdict import REASONS, decide, fmt_z, p_words, z_words
from borderforecast.errors import DataError, ShortSeriesError

FAST = dict(models="snaive", n_paths=400, placebo_paths=100, x13=False)


def shifted(factor: float, start: str = "2017-06-01", seed: int = 0) -> pd.Series:
    """The synthetic series with a level shift by ``factor`` from ``start`` on."""
    y = synthetic_seasonal(seed=seed).astype(float)
    y[y.index >= start] *= factor
    return y.round()


@pytest.fixture(scope="module")
def decline():
    return assess(shifted(0.6), "2017-06", "2017-08", "2017-05", **FAST)


def test_level_shift_detected_and_recovered(decline):
    a = decline
    assert a.verdict == BEYOND_DECLINE
    assert a.decision.counterfactual_p_kind == "calibrated"
    # a -40% shift: both the counterfactual and the decomposition recover it within 10 points
    assert abs(100 * a.counterfactual.relative_effect - (-40)) < 10
    assert abs(a.decomposition.excess_pct - (-40)) < 10
    assert a.decomposition.excess_hi_pct < 0
    assert a.counterfactual.relative_hi95 < 0
    # the seasonally adjusted change stands far outside its usual variation
    assert a.adjusted.robust_z < -3 and abs(a.adjusted.change_pct - (-40)) < 15
    # the seasonal part is what the synthetic factors say May -> Aug is (0.8 / 1.2 - 1)
    assert abs(a.decomposition.seasonal_pct - 100 * (0.8 / 1.2 - 1)) < 8


def test_rise_detected():
    a = assess(shifted(1.5), "2017-06", "2017-08", "2017-05", **FAST)
    assert a.verdict == BEYOND_RISE
    assert abs(a.decomposition.excess_pct - 50) < 12


def test_empirical_matches_direct_arithmetic(decline):
    y = shifted(0.6)
    lz = np.log(y)
    years = range(2005, 2018)
    # the window statistic: mean log change from May over Jun, Jul, Aug
    stat = pd.Series(
        [np.mean([lz[f"{v}-{m:02d}-01"] - lz[f"{v}-05-01"] for m in (6, 7, 8)]) for v in years],
        index=years,
    )
    target, earlier = stat[2017], stat[stat.index < 2017]
    e = decline.empirical
    assert e.change == pytest.approx(lz["2017-08-01"] - lz["2017-05-01"])
    assert e.stat == pytest.approx(target)
    assert e.n_years == len(earlier) == 12
    assert e.percentile == pytest.approx(100 * (earlier < target).mean())
    # scale floor by hand: one-month log changes around their calendar-month median
    d = lz.diff().dropna()
    dev = d - d.groupby(d.index.month).transform("median")
    sigma1 = 1.4826 * np.median(np.abs(dev - np.median(dev)))
    floor = sigma1 * np.sqrt(1 + (2 / 3) ** 2 + (1 / 3) ** 2)  # paths of 1, 2, 3 months
    med = earlier.median()
    scale = max(1.4826 * (earlier - med).abs().median(), floor)
    assert e.robust_z == pytest.approx((target - med) / scale)


def test_cumulative_effect_is_sum_of_window(decline):
    f = decline.counterfactual.frame
    assert f["cum_observed"].iloc[-1] == pytest.approx(decline.counterfactual.observed_sum)
    assert (f["lo95"] <= f["expected"]).all() and (f["expected"] <= f["hi95"]).all()
    assert decline.counterfactual.p_lower < 0.01 and decline.counterfactual.direction == "decline"


def test_false_alarm_rate_near_nominal():
    """Pure seasonal noise: the model-based test fires at about alpha, the verdict rarely."""
    alarms, windows, beyond = 0, 0, 0
    seeds = range(12)
    for seed in seeds:
        y = synthetic_seasonal(seed=100 + seed)
        a = assess(y, "2018-06", "2018-08", "2018-05", seed=seed, **FAST)
        alarms += int(a.placebo.frame["alarm"].sum())
        windows += a.placebo.n_years
        beyond += a.verdict.startswith("beyond")
    assert windows >= 80
    assert 0 <= alarms / windows <= 0.15
    assert beyond / len(seeds) <= 0.15


def test_deterministic_and_parallel_identical(monkeypatch):
    from borderforecast.assessment import panel

    y = shifted(0.6)
    a = assess(y, "2017-06", "2017-08", **FAST)
    b = assess(y, "2017-06", "2017-08", **FAST)
    # an empty process cache, so the parallel run fits every model afresh in worker processes
    monkeypatch.setattr(panel, "_FITS", {})
    c = assess(y, "2017-06", "2017-08", n_jobs=2, **FAST)
    assert panel._FITS, "the parallel run fitted nothing"
    assert a.to_dict()["counterfactual"] == b.to_dict()["counterfactual"]
    pd.testing.assert_frame_equal(a.placebo.frame, c.placebo.frame)
    assert a.placebo.calibrated_p == c.placebo.calibrated_p


def test_placebo_windows_and_calibration():
    y = synthetic_seasonal()  # 2005-01 .. 2019-12
    from borderforecast.assessment.options import make_window

    _, w = make_window(y, "2017-06", "2017-08", "2017-05", 60)
    ws = normal_years(y, w, era_split=None).placebo_windows()
    assert [x.start.year for x in ws] == [2016, 2015, 2014, 2013, 2012, 2011, 2010]
    assert len(normal_years(y, w, max_placebo_years=3, era_split=None).placebo_windows()) == 3
    # calibration: placebo statistics spread twice as wide as the model says halve the evidence
    rng = np.random.default_rng(0)
    z = rng.normal(0, 1, 40)
    z = (z - z.mean()) / z.std(ddof=1) * 2.0
    p, rank, m, s = calibrate(4.0, z)
    assert s == pytest.approx(2.0) and m == pytest.approx(0.0, abs=1e-12)
    from scipy import stats

    assert p == pytest.approx(2 * stats.t.sf(2.0 / np.sqrt(1 + 1 / 40), 39))
    # never narrower than the model: a too-tight placebo spread is floored at 1
    assert calibrate(2.0, z / 4)[3] == 1.0


@pytest.mark.parametrize(
    "p, direction, z, expected",
    [
        (0.01, "decline", -2.5, BEYOND_DECLINE),
        (0.01, "rise", 2.5, BEYOND_RISE),
        (0.01, "rise", -2.5, CANNOT_TELL),
        (0.20, "decline", -2.5, CANNOT_TELL),
        (0.01, "decline", -1.0, CANNOT_TELL),
        (0.20, "decline", -1.0, CANNOT_TELL),  # no rejection is not equivalence
        (0.049, "decline", -1.96, BEYOND_DECLINE),
        (0.05, "decline", -3.0, CANNOT_TELL),
    ],
)
def test_verdict_rule(p, direction, z, expected):
    assert decide(p, direction, z, 0.05).verdict == expected
    assert expected in VERDICTS


def test_within_needs_equivalence():
    """"within" only when both intervals lie inside the margin; never when either reaches out."""
    ok = dict(effect=(-3.0, -10.0, 5.0), excess=(-8.0, 4.0), margin=np.log(1.2))
    assert decide(0.4, "decline", -0.3, 0.05, **ok).verdict == WITHIN
    assert decide(0.4, "decline", -0.3, 0.05, **ok).margin_pct[1] == pytest.approx(20.0)
    wide = dict(ok, effect=(-3.0, -25.0, 5.0))  # the effect interval reaches below -16.7%
    d = decide(0.4, "decline", -0.3, 0.05, **wide)
    assert d.verdict == CANNOT_TELL and "cannot be ruled out" in d.reason
    assert d.why == "wide"
    out = dict(ok, excess=(-30.0, -20.0))  # the decomposition's excess lies beyond the margin
    d = decide(0.4, "decline", -0.3, 0.05, **out)
    assert d.verdict == CANNOT_TELL and d.why == "large"
    # -75% with its whole interval past the -16.7% margin: never worded as "not unusual"
    big = decide(0.3, "decline", -0.5, 0.05, effect=(-75.0, -85.0, -62.0), excess=(-8.0, 4.0),
                 margin=np.log(1.2))  # fmt: skip
    assert big.why == "large" and "wholly beyond" in big.reason
    assert "not evidence that the change was normal" in big.reason
    assert not any("not unusual" in r for r in REASONS.values())
    # a rejecting test is never "within", whatever the intervals
    assert decide(0.01, "decline", -2.5, 0.05, **ok).verdict == BEYOND_DECLINE


def test_words_never_call_absence_of_evidence_normal():
    """The readings of a non-significant p or a small z claim no normality, and a z printed
    next to the critical value shows the side it is on."""
    assert p_words(0.6, 0.05) == "not enough evidence to call it a change"
    assert "normal" not in z_words(-1.87, 0.05) and "stand out" in z_words(-1.87, 0.05)
    assert fmt_z(1.958, 0.05) == "+1.958"  # two decimals would print +1.96, the critical value
    assert fmt_z(1.9601, 0.05) == "+1.96" and fmt_z(-1.5, 0.05) == "-1.50"


def test_a_reference_set_earlier_has_a_later_neighbour():
    """The neighbours vary the reference both ways when the analyst moved it back."""
    from borderforecast.assessment.core import neighbour_windows
    from borderforecast.assessment.options import Window

    y = synthetic_seasonal(n=120, seed=1, start="2010-01-01")
    m = pd.Timestamp
    moved = Window(m("2018-06-01"), m("2018-08-01"), m("2018-04-01"))
    got = dict(neighbour_windows(y, moved, False))
    assert got["reference one month later"].reference == m("2018-05-01")
    assert got["reference one month earlier"].reference == m("2018-03-01")
    default = Window(m("2018-06-01"), m("2018-08-01"), m("2018-05-01"))  # the month before start
    assert "reference one month later" not in dict(neighbour_windows(y, default, False))


def test_errors_name_the_problem():
    y = synthetic_seasonal()
    with pytest.raises(WindowError, match="before start"):
        assess(y, "2017-08", "2017-06", **FAST)
    with pytest.raises(WindowError, match="reference 2017-06 must be before start"):
        assess(y, "2017-06", "2017-08", "2017-06", **FAST)
    with pytest.raises(WindowError, match="end 2020-03 is outside the data"):
        assess(y, "2019-11", "2020-03", **FAST)
    with pytest.raises(WindowError, match="reference 2004-12 is outside"):
        assess(y, "2010-01", reference="2004-12", **FAST)
    with pytest.raises(ShortSeriesError, match="only 29 months"):
        assess(y, "2007-06", "2007-08", **FAST)
    with pytest.raises(DataError, match="unknown assess option"):
        assess(y, "2017-06", n_path=10)
    with pytest.raises(DataError, match="alpha"):
        AssessOptions(alpha=1.5)
    assert issubclass(WindowError, DataError)


def test_unknown_model_is_an_error_and_a_failing_model_is_reported(monkeypatch):
    from borderforecast.assessment import panel
    from borderforecast.errors import ModelError, UnknownModelError

    y = shifted(0.6)
    with pytest.raises(UnknownModelError, match="no-such-model"):
        assess(y, "2017-06", "2017-08", models=["no-such-model", "snaive"], placebo=False)
    real = panel.fit_paths

    def failing(y, start, model, *args):
        if model == "ets":
            raise ModelError("ets did not converge")
        return real(y, start, model, *args)

    monkeypatch.setattr(panel, "fit_paths", failing)
    monkeypatch.setattr(panel, "_FITS", {})
    a = assess(
        y,
        "2017-06",
        "2017-08",
        models=["ets", "snaive"],
        n_paths=200,
        placebo=False,
        x13=False,
        n_jobs=1,  # the patch lives in this process only
    )
    assert a.counterfactual.model == "snaive"
    assert a.model_errors == {"ets": "ets did not converge"}
    assert any("ets" in n and "did not converge" in n for n in a.notes)
    row = a.model_table().set_index("model").loc["ets"]
    assert not row["gate_passed"] and "could not be fitted" in row["gate_reason"]
    # no placebo years: the panel is not calibrated and the verdict is capped
    assert a.placebo is None and a.decision.counterfactual_p_kind == "uncalibrated"
    assert a.verdict == "cannot tell" and "too few normal" in a.decision.reason
    assert any("Calibration" in c for c in a.caveats)


def test_plot_and_frame(decline):
    import matplotlib.pyplot as plt

    fig = decline.plot()
    assert len(fig.axes) == 3
    ymin, ymax = fig.axes[1].get_ylim()
    assert ymin < decline.counterfactual.frame["effect"].min()
    plt.close(fig)
    frame = decline.to_frame()
    assert list(frame.columns) == ["statistic", "value", "p_value", "percentile", "reading"]
    assert frame.loc["counterfactual (snaive)", "value"] == pytest.approx(
        100 * decline.counterfactual.relative_effect
    )
    n = decline.empirical.n_years
    assert frame.loc[f"seasonal comparison ({n} earlier years)", "percentile"] == pytest.approx(
        decline.empirical.percentile
    )


def test_failing_decomposition_is_a_note_not_a_crash(monkeypatch):
    import borderforecast.season as season

    def broken(*args, **kwargs):
        raise TypeError("seasonal_profile() got an unexpected keyword argument 'methods'")

    from borderforecast.assessment import robust

    monkeypatch.setattr(season, "seasonal_profile", broken)
    monkeypatch.setattr(robust, "_MEMO", {})  # the profiles are memoised there
    a = assess(shifted(0.6), "2017-06", "2017-08", placebo_years=5, **FAST)
    assert a.decomposition is None
    assert any("decomposition could not be computed (TypeError" in n for n in a.notes)
    assert "5. Decomposition: not available." in a.summary()
    assert a.verdict == BEYOND_DECLINE  # the deciding lines do not depend on it


def test_event_door_builds_the_window_and_the_partial_month_neighbour():
    y = shifted(0.6)
    a = assess(y, event="2017-06-10", end="2017-08", **FAST)
    w = a.window
    assert (f"{w.reference:%Y-%m}", f"{w.start:%Y-%m}", f"{w.end:%Y-%m}") == (
        "2017-05", "2017-06", "2017-08",
    )  # fmt: skip
    later = {n.label: n.window for n in a.neighbours}["start one month later"]
    assert (later.start, later.end, later.reference) == (
        pd.Timestamp("2017-07-01"), w.end, w.reference,
    )  # fmt: skip
    # default end: 6 months or the latest month, whichever is first
    b = assess(y, event="2019-09-01", **FAST)
    assert b.window.end == y.index[-1] and "start one month later" not in {
        n.label for n in b.neighbours
    }
    with pytest.raises(WindowError, match="event 2031-01-05 is outside the data"):
        assess(y, event="2031-01-05", **FAST)


def test_find_breaks_dates_a_level_shift_and_stays_quiet_otherwise():
    from borderforecast.assessment import find_breaks

    quiet = find_breaks(synthetic_seasonal().astype(float), x13=False)
    assert quiet.attrs["false_positive_rate"] <= 0.05
    y = shifted(0.5, start="2013-03-01")
    b = find_breaks(y, x13=False)
    hit = b[(b["month"] >= "2013-02-01") & (b["month"] <= "2013-04-01")]
    assert len(hit) == 1
    r = hit.iloc[0]
    # the shift is -50% of the level: the mean of the three months against the month before
    assert r["lo_pct"] < -50 < r["hi_pct"] and r["z"] < -3 and r["sure"] in ("sure", "very sure")
    assert b.attrs["false_positive_rate"] <= 0.05


def test_one_definition_of_normal_feeds_every_line(decline):
    """Placebo runs, seasonal comparison, gate and decomposition all use the same normal years."""
    import borderforecast as bf
    from borderforecast.assessment import normal_fiscal_years
    from borderforecast.assessment.empirical import decompose

    a, nm = decline, decline.normal
    assert set(a.years_used["placebo"]) <= set(nm.comparison_years)
    assert list(a.empirical.history.index) == nm.comparison_years
    assert a.empirical.n_years == len(nm.comparison_years)
    assert set(nm.years) <= set(normal_fiscal_years(a.y).years)  # the profile's fiscal years
    by_hand = decompose(
        a.y, a.window, profile=lambda h: bf.seasonal_profile(h, years=list(nm.years),
                                                             methods=["regression"]),
    )  # fmt: skip
    assert a.decomposition.excess_pct == pytest.approx(by_hand.excess_pct)
    for name in nm.excluded:
        assert name not in a.years_used["placebo"] and name not in nm.comparison_years


def test_scale_facts_are_one_caveat_naming_each():
    """A record-high reference month, a record-low end month and small counts: one "Scale:"
    caveat names all three (the report shows every caveat, so none may hide another)."""
    from borderforecast.assessment.caveats import caveats
    from borderforecast.assessment.options import make_window

    y = synthetic_seasonal(n=120, seed=3, start="2010-01-01") / 200  # small counts
    y["2019-05-01"] = y[y.index.month == 5].max() * 2  # the reference: a record May
    y["2019-08-01"] = y[y.index.month == 8].min() / 2  # the end: a record-low August
    y, w = make_window(y, "2019-06", "2019-08", None, 36)
    got = [c for c in caveats(y, w, None, min_placebos=8, n_empirical_years=9, border=False)
           if c.startswith("Scale:")]  # fmt: skip
    assert len(got) == 1
    (text,) = got
    assert "reference month" in text and "higher than the same month" in text
    assert "August 2019" in text and "lower than August" in text
    assert "counts are small" in text and text.count("Scale") == 1


def test_title42_and_placebo_drift_caveats_are_two_kinds():
    """One caveat of each kind: the placebo drift is its own kind beside the Title 42 caveat."""
    from types import SimpleNamespace

    from borderforecast.assessment.caveats import caveats
    from borderforecast.assessment.options import make_window

    y, w = make_window(synthetic_seasonal(n=300, seed=1, start="2000-01-01"), "2021-06",
                       "2021-08", None, 36)  # fmt: skip
    drift = SimpleNamespace(n_years=12, z_mean=-1.4)
    got = caveats(y, w, drift, min_placebos=8, n_empirical_years=20, border=True)
    kinds = [c.split(":")[0] for c in got]
    assert len(kinds) == len(set(kinds))
    assert "Regime change" in kinds and "Drift" in kinds
    (text,) = [c for c in got if c.startswith("Drift:")]
    assert "above the observed totals" in text and "mean z = -1.40" in text
    assert "allows for it" in text
    calm = caveats(y, w, SimpleNamespace(n_years=12, z_mean=0.4), 8, 20, True)
    assert "Drift" not in {c.split(":")[0] for c in calm}
