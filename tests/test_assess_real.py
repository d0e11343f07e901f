"""assess() on the bundled USBP data: the 2019 summer dip, a sector, a demographic series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.assessment import VERDICTS, assess
from borderforecast.errors import DataError

pytestmark = pytest.mark.slow  # real-data assessments: still run by a plain `pytest`

QUICK = dict(n_paths=300, placebo_paths=100, x13=False)


@pytest.fixture(scope="module")
def sw() -> pd.Series:
    return bf.load()


@pytest.fixture(scope="module")
def a2019(sw):
    return assess(sw, "2019-06", "2019-08", "2019-05", models="ets", placebo_years=5, **QUICK)


def test_published_figures(sw):
    assert sw["2019-05-01"] == 132856 and sw["2019-08-01"] == 50684


def test_empirical_2019_recomputed_by_hand(sw, a2019):
    # the May -> August log change and where it sits among the normal years of FY2000-FY2018:
    # 2001-2002 (Sep-Nov 2001), 2014 (Jul-Sep) and 2017 (Feb-Apr) are outlier years
    target = np.log(50684 / 132856)
    years = [v for v in range(2000, 2019) if v not in (2001, 2002, 2014, 2017)]
    lz = np.log(sw)

    def stat(v: int) -> float:
        return float(np.mean([lz[f"{v}-{m:02d}-01"] - lz[f"{v}-05-01"] for m in (6, 7, 8)]))

    earlier = pd.Series([lz[f"{v}-08-01"] - lz[f"{v}-05-01"] for v in years], index=years)
    stats = np.array([stat(v) for v in years])
    e = a2019.empirical
    assert e.change == pytest.approx(target)
    assert e.change_pct == pytest.approx(100 * (50684 / 132856 - 1))
    assert e.n_years == 15 and list(e.history.index) == list(years)
    assert a2019.years_excluded.keys() == {2001, 2002, 2014, 2017}
    np.testing.assert_allclose(e.history.to_numpy(), earlier.to_numpy())
    assert e.stat == pytest.approx(stat(2019))
    assert e.percentile == pytest.approx(100 * (stats < stat(2019)).mean()) == 0.0
    # the floor by hand: one-month log changes outside Title 42 around their month's median
    d = lz.diff()
    keep = (d.index < "2020-03-01") | (d.index > "2023-06-01")
    d = d[keep].dropna()
    dev = d - d.groupby(d.index.month).transform("median")
    floor = 1.4826 * np.median(np.abs(dev - np.median(dev))) * np.sqrt(1 + 4 / 9 + 1 / 9)
    assert a2019.normal.floor == pytest.approx(floor)
    med = np.median(stats)
    scale = max(1.4826 * np.median(np.abs(stats - med)), floor)
    assert e.robust_z == pytest.approx((stat(2019) - med) / scale)
    assert e.robust_z < -1.96  # lower than every earlier normal summer
    assert e.median_pct == pytest.approx(100 * np.expm1(earlier.median()))


def test_2019_counterfactual_and_decomposition(sw, a2019):
    cf = a2019.counterfactual
    assert cf.model == "ets" and cf.direction == "decline"
    assert cf.observed_sum == sw["2019-06-01":"2019-08-01"].sum() == 94902 + 71978 + 50684
    d = a2019.decomposition
    assert d.observed_pct == pytest.approx(100 * (50684 / 132856 - 1))
    assert d.seasonal_pct < 0 and d.excess_pct < d.seasonal_pct
    assert (1 + d.observed_pct / 100) == pytest.approx(
        (1 + d.seasonal_pct / 100) * (1 + d.excess_pct / 100)
    )
    assert a2019.placebo.n_years == 5
    assert a2019.verdict in VERDICTS
    assert a2019.decision.empirical_extreme


def test_sector_series():
    y = bf.load(sector="Rio Grande Valley")
    a = assess(y, "2019-06", "2019-08", "2019-05", models="snaive", placebo_years=5, **QUICK)
    assert a.series == y.name and a.verdict in VERDICTS
    assert a.empirical.change == pytest.approx(np.log(y["2019-08-01"] / y["2019-05-01"]))
    # RGV's May 2019 was its highest May: the scale caveat says so
    assert any(c.startswith("Scale:") for c in a.caveats)


def test_demographic_series_short_history():
    y = bf.load(demographic="family_units")  # starts Oct 2011
    a = assess(y, "2019-06", "2019-08", "2019-05", models="snaive", **QUICK)
    assert a.empirical.n_years <= 7
    assert a.placebo.n_years < a.options.min_placebos
    assert a.decision.counterfactual_p_kind == "uncalibrated" and a.verdict == "cannot tell"
    assert any(c.startswith("Calibration:") for c in a.caveats)
    assert any(c.startswith("History:") for c in a.caveats)


def test_title42_caveat_only_when_data_overlap(sw):
    a = assess(sw, "2024-06", "2024-08", models="snaive", placebo=False, **QUICK)
    assert any("Title 42" in c for c in a.caveats)
    # April 2025 was the lowest April of the series: the scale caveat names it
    c = assess(sw, "2025-02", "2025-04", models="snaive", placebo=False, **QUICK)
    assert sw["2025-04-01"] < sw[(sw.index.month == 4) & (sw.index.year < 2025)].min()
    (scale,) = [x for x in c.caveats if x.startswith("Scale:")]
    assert "April 2025 (" in scale and "lower than April" in scale
    b = assess(
        sw[sw.index < "2020-01-01"], "2019-06", "2019-08", models="snaive", placebo=False, **QUICK
    )
    assert not any("Title 42" in c for c in b.caveats)
    # a user's copy of the same counts is not the border's history: no Title 42, no border groups
    copy = pd.Series(sw.to_numpy(), index=sw.index, name="copy")
    d = assess(copy, "2024-06", "2024-08", models="snaive", placebo=False, **QUICK)
    kinds = {x.split(":")[0] for x in d.caveats}
    assert not any("Title 42" in x for x in d.caveats) and "Causes" in kinds
    assert "Composition" not in kinds and "Composition" in {x.split(":")[0] for x in a.caveats}


def test_x13_outliers_reported_as_they_come(sw, monkeypatch):
    from borderforecast.assessment.adjusted import adjusted_change
    from borderforecast.assessment.options import make_window
    from borderforecast.models import x13 as x13mod

    y, w = make_window(sw, "2019-06", "2019-08", "2019-05", 60)
    try:
        direct = x13mod.x13_outliers(y[y.index <= "2019-08-01"])
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"X-13 does not run here: {exc}")
    months = pd.to_datetime(direct["month"])
    near = direct[(months >= "2019-04-01") & (months <= "2019-10-01")]
    adj = adjusted_change(y, w, x13=True, outlier_margin=2)
    assert len(adj.outliers) == len(near)
    for r in near.itertuples(index=False):
        assert f"{r.type} {pd.Timestamp(r.month):%Y-%m}" in adj.outlier_note

    def broken(_y):
        raise RuntimeError("x13as exited with status 1")

    monkeypatch.setattr(x13mod, "x13_outliers", broken)
    adj = adjusted_change(y, w, x13=True)
    assert adj.outliers is None
    assert "failed (RuntimeError: x13as exited with status 1)" in adj.outlier_note
    assert adj.robust_z < -3  # the adjusted change itself does not need X-13


def test_era_split_is_border_knowledge(sw):
    """The FY2011 change of seasonal shape is the Southwest series' own: a user's copy of the same
    counts gets no era test unless it names a year."""
    kw = dict(models="snaive", placebo=False, **QUICK)
    border = assess(sw, "2019-08", "2019-12", "2019-07", **kw)
    assert border.normal.era_split == 2011 and np.isfinite(border.normal.era_p)
    copy = pd.Series(sw.to_numpy(), index=sw.index, name="copy")
    mine = assess(copy, "2019-08", "2019-12", "2019-07", **kw)
    assert mine.normal.era_split is None
    assert mine.normal.note.startswith("era test not run: no year was named")
    asked = assess(copy, "2019-08", "2019-12", "2019-07", era_split=2011, **kw)
    assert asked.normal.era_split == 2011 and np.isfinite(asked.normal.era_p)
    for bad in ("FY2011", True, 2011.5):
        with pytest.raises(DataError, match="era_split must be a year, 'auto' or None"):
            assess(copy, "2019-08", "2019-12", "2019-07", era_split=bad, **kw)
