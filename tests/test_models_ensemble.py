"""The ensemble of named models and the frame-level combine() (borderforecast.models.ensemble)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_seasonal
from scipy import optimize, stats

from borderforecast.errors import (
    ConvergenceWarning,
    ModelError,
    ShortSeriesError,
    ShortSeriesWarning,
    SpecError,
)
from borderforecast.models.base import BaseModel
from borderforecast.models.ensemble import combine
from borderforecast.models.registry import make_model
from borderforecast.models.snaive import SeasonalNaive

FACTORS = np.array([0.95, 1.05, 1.25, 1.3, 1.2, 0.95, 0.85, 0.8, 0.85, 0.95, 0.9, 0.85])
FACTORS = FACTORS / np.exp(np.mean(np.log(FACTORS)))
MEMBERS = ["snaive", "prophet", "gbm"]


class Failing(BaseModel):
    """A model whose fit always fails (loaded through a user spec below)."""

    family = "failing"

    def _fit(self, z, X):
        raise ModelError("deliberately broken for the test")


class Unconverged(SeasonalNaive):
    """Seasonal naive that warns it did not converge."""

    family = "unconverged"

    def _fit(self, z, X):
        warnings.warn("optimizer gave up", ConvergenceWarning, stacklevel=2)
        return super()._fit(z, X)


@pytest.fixture
def user_specs(_isolated_home, monkeypatch):
    monkeypatch.setenv("BORDERFORECAST_PLUGINS", str(Path(__file__).parent))
    folder = _isolated_home / "models"
    folder.mkdir()
    (folder / "failing.toml").write_text('class = "test_models_ensemble:Failing"\n')
    (folder / "unconverged.toml").write_text('class = "test_models_ensemble:Unconverged"\n')
    return folder


@pytest.fixture(scope="module")
def series():
    return synthetic_seasonal(n=150, seed=4)


@pytest.fixture(scope="module")
def member_forecasts(series):
    return {m: make_model(m).fit(series).forecast(12) for m in MEMBERS}


@pytest.fixture(scope="module")
def ens_fit(series):
    return make_model("ensemble", members=MEMBERS).fit(series)


def test_median_equals_hand_median_of_members(ens_fit, member_forecasts):
    fc = ens_fit.forecast(12)
    means = np.stack([f["median"].to_numpy() for f in member_forecasts.values()])
    expected = np.sort(means, axis=0)[1]  # middle of three, month by month
    np.testing.assert_allclose(fc["median"].to_numpy(), expected, rtol=1e-6)
    # the member with the middle value is not always the same one
    assert len({int(np.argsort(means[:, j])[1]) for j in range(12)}) > 1


def test_mean_is_geometric_mean_of_members(series, member_forecasts):
    fc = make_model("ensemble", members=MEMBERS, method="mean").fit(series).forecast(12)
    means = np.stack([f["median"].to_numpy() for f in member_forecasts.values()])
    expected = np.exp(np.log1p(means).mean(axis=0)) - 1
    np.testing.assert_allclose(fc["median"].to_numpy(), expected, rtol=1e-6)


def test_weighted_with_one_member_reproduces_it(series, member_forecasts):
    ens = make_model(
        "ensemble",
        members=MEMBERS,
        method="weighted",
        weights={"snaive": 0.0, "prophet": 1.0, "gbm": 0.0},
    )
    fc = ens.fit(series).forecast(12)
    pd.testing.assert_frame_equal(fc, member_forecasts["prophet"], rtol=1e-6)


def test_ensemble_is_deterministic_and_nested(series, ens_fit):
    again = make_model("ensemble", members=MEMBERS).fit(series)
    a, b = ens_fit.forecast(18), again.forecast(18)
    pd.testing.assert_frame_equal(a, b)
    assert (a["lo95"] <= a["lo80"]).all() and (a["lo80"] <= a["median"]).all()
    assert (a["median"] <= a["hi80"]).all() and (a["hi80"] <= a["hi95"]).all()
    assert (a["lo95"] >= 0).all()
    np.testing.assert_array_equal(ens_fit.simulate(6, 300, seed=1), again.simulate(6, 300, seed=1))


def test_point_close_to_truth_and_coverage(ens_fit):
    """3 members on one series: accuracy, and coverage of 300 simulated futures x 12 months.

    Mixture intervals measured over 20 series: 0.85 (80%) and 0.97 (95%), a little wide.
    """
    fc = ens_fit.forecast(12)
    t = np.arange(150, 162)
    mu = np.log(20000.0) + 0.002 * t + np.log(FACTORS[fc.index.month - 1])
    assert np.mean(np.abs(np.log(fc["median"].to_numpy()) - mu)) < 0.05
    futures = np.exp(mu[None, :] + np.random.default_rng(0).normal(0, 0.05, (300, 12)))
    cov80 = np.mean((futures >= fc["lo80"].to_numpy()) & (futures <= fc["hi80"].to_numpy()))
    cov95 = np.mean((futures >= fc["lo95"].to_numpy()) & (futures <= fc["hi95"].to_numpy()))
    assert 0.65 <= cov80 <= 0.97, cov80
    assert 0.85 <= cov95 <= 1.0, cov95


def test_combine_mixture_matches_independent_root_finding():
    idx = pd.date_range("2025-01-01", periods=2, freq="MS")
    z80, z95 = stats.norm.ppf(0.9), stats.norm.ppf(0.975)
    spec = [(np.log(1000.0), 0.1), (np.log(1500.0), 0.2)]  # (log-scale median, sd) per member
    frames = []
    for m, s in spec:
        frames.append(
            pd.DataFrame(
                {
                    "median": np.expm1([m, m]),
                    "lo80": np.expm1([m - z80 * s] * 2),
                    "hi80": np.expm1([m + z80 * s] * 2),
                    "lo95": np.expm1([m - z95 * s] * 2),
                    "hi95": np.expm1([m + z95 * s] * 2),
                },
                index=idx,
            )
        )

    def mixture_q(p):
        f = lambda x: 0.5 * sum(stats.norm.cdf((x - m) / s) for m, s in spec) - p  # noqa: E731
        return np.expm1(optimize.brentq(f, 0.0, 20.0, xtol=1e-12))

    out = combine(frames, method="median")
    assert out.columns.tolist() == ["median", "lo80", "hi80", "lo95", "hi95"]
    for col, p in (("lo80", 0.1), ("hi80", 0.9), ("lo95", 0.025), ("hi95", 0.975)):
        np.testing.assert_allclose(out[col].to_numpy(), mixture_q(p), rtol=1e-7)
    # median of two on the log scale: the geometric mean of (count + 1), minus 1
    np.testing.assert_allclose(out["median"].to_numpy(), np.sqrt(1000.0 * 1500.0) - 1, rtol=1e-9)
    # the mixture is wider than the median of the members' bounds when members disagree
    vinc = combine(frames, method="median", intervals="quantiles")
    assert (out["hi95"] - out["lo95"] > vinc["hi95"] - vinc["lo95"]).all()
    np.testing.assert_allclose(
        vinc["lo80"], np.sqrt(np.prod([f["lo80"] + 1 for f in frames], axis=0)) - 1
    )


def test_combine_dict_and_weights():
    idx = pd.date_range("2025-01-01", periods=1, freq="MS")
    a = pd.DataFrame({"median": [99.0], "lo80": [80.0], "hi80": [120.0]}, index=idx)
    b = pd.DataFrame({"median": [999.0], "lo80": [800.0], "hi80": [1200.0]}, index=idx)
    out = combine({"a": a, "b": b}, method="weighted", weights={"a": 3, "b": 1})
    np.testing.assert_allclose(out["median"], np.exp(0.75 * np.log(100) + 0.25 * np.log(1000)) - 1)
    with pytest.raises(ModelError, match="unknown members"):
        combine({"a": a, "b": b}, method="weighted", weights={"c": 1})
    with pytest.raises(ModelError, match="needs weights"):
        combine([a, b], method="weighted")
    with pytest.raises(ModelError, match="missing values"):
        combine([a, b.assign(hi80=np.nan)])
    with pytest.raises(ModelError, match="other months"):
        combine([a, b.set_axis(idx + pd.offsets.MonthBegin(1))])


def test_failing_member_is_dropped_with_warning(user_specs, series):
    ens = make_model("ensemble", members=["snaive", "failing", "gbm"])
    with pytest.warns(ConvergenceWarning, match="'failing' dropped"):
        fitted = ens.fit(series)
    fc = fitted.forecast(12)
    assert fc.notna().all().all()
    alone = make_model("ensemble", members=["snaive", "gbm"]).fit(series).forecast(12)
    pd.testing.assert_frame_equal(fc, alone)
    text = fitted.summary()
    assert "Members used: snaive, gbm" in text and "failing (deliberately broken" in text


def test_unconverged_member_dropped_unless_asked(user_specs, series):
    with pytest.warns(ConvergenceWarning, match="'unconverged' dropped"):
        fitted = make_model("ensemble", members=["unconverged", "gbm"]).fit(series)
    assert "Members used: gbm" in fitted.summary()
    with pytest.warns(ConvergenceWarning, match="optimizer gave up"):
        kept = make_model("ensemble", members=["unconverged", "gbm"], drop_unconverged=False).fit(
            series
        )
    assert "Members used: unconverged, gbm" in kept.summary()


def test_all_members_fail(user_specs, series):
    with pytest.warns(ConvergenceWarning), pytest.raises(ModelError, match="every member failed"):
        make_model("ensemble", members=["failing"]).fit(series)


def test_short_series(series):
    short = series.iloc[:48]
    with pytest.warns(ShortSeriesWarning, match="'gbm' dropped"):
        fitted = make_model("ensemble", members=["snaive", "gbm"]).fit(short)
    assert "Members used: snaive" in fitted.summary()
    with pytest.warns(ShortSeriesWarning), pytest.raises(ShortSeriesError):
        make_model("ensemble", members=["gbm"]).fit(short)
    with pytest.raises(ShortSeriesError):
        make_model("ensemble", members=["snaive"]).fit(series.iloc[:30])


def test_regressors_go_to_members_that_take_them(series):
    step = (np.arange(150) >= 130).astype(float)
    y = (series * np.exp(-0.7 * step)).round()
    X = pd.DataFrame({"policy": step}, index=y.index)
    fitted = make_model("ensemble", members=["prophet", "snaive"], method="mean").fit(y, X=X)
    assert "without regressors (no support): snaive" in fitted.summary()
    future = pd.DataFrame(
        {"policy": np.ones(6)}, index=pd.date_range("2017-07-01", periods=6, freq="MS")
    )
    fc = fitted.forecast(6, X=future)
    prophet = make_model("prophet").fit(y, X=X).forecast(6, X=future)
    naive = make_model("snaive").fit(y).forecast(6)
    expected = np.expm1((np.log1p(prophet["median"]) + np.log1p(naive["median"])) / 2)
    np.testing.assert_allclose(fc["median"], expected, rtol=1e-6)


@pytest.mark.parametrize(
    "params",
    [
        {"members": []},
        {"members": "snaive"},
        {"members": ["snaive", "snaive"]},
        {"members": ["no_such_model"]},
        {"members": ["ensemble"]},
        {"method": "mode"},
        {"intervals": "widest"},
        {"method": "weighted"},
        {
            "method": "weighted",
            "weights": {"snaive": -1.0, "gbm": 1.0},
            "members": ["snaive", "gbm"],
        },
        {"method": "weighted", "weights": {"other": 1.0}, "members": ["snaive", "gbm"]},
        {"method": "median", "weights": {"snaive": 1.0}},
    ],
)
def test_bad_parameters_raise_spec_error(params):
    with pytest.raises(SpecError):
        make_model("ensemble", **params)


def test_default_spec_members_exist_and_match_class_default():
    from borderforecast.models.ensemble import DEFAULT_MEMBERS

    ens = make_model("ensemble")
    assert ens.members == DEFAULT_MEMBERS  # models/ensemble.toml and the class agree
    assert ens.method == "median" and ens.intervals == "mixture"
