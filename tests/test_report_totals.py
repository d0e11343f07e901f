"""The report's outlook adds up: table means, totals and fiscal years come from one set of paths.

Small and fast: the bundled Southwest series with models that need no backtest
(raw, guarded intervals), checked by independent arithmetic on the returned paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.forecaster import matched_paths
from borderforecast.reporting.outlook import (
    TOTAL_PATHS,
    _shown,
    outlook_paths,
    window_total,
    year_totals,
)


@pytest.fixture(scope="module")
def y():
    return bf.load()[:"2025-08"]


def _outlook(y, model, h):
    f = bf.fit(y, model, seed=0, intervals="raw")  # the model's own intervals, guarded
    return outlook_paths(f.fitted, _shown(f, h).frame, seed=0)


@pytest.mark.parametrize("model", ["stl_revert", "snaive"])
def test_table_means_add_up_to_the_stated_total(y, model):
    table, paths = _outlook(y, model, 12)
    t = window_total(paths)
    # the expected total is the sum of the table's expected months, to the cent
    assert t["mean"] == pytest.approx(float(table["mean"].sum()), rel=1e-12)
    assert round(t["mean"]) == round(sum(table["mean"]))
    # and its interval is the quantiles of the path sums (an independent computation)
    sums = paths.sum(axis=1)
    assert t["lo80"] == pytest.approx(np.quantile(sums, 0.1))
    assert t["hi95"] == pytest.approx(np.quantile(sums, 0.975))
    assert t["lo95"] < t["lo80"] < t["mean"] < t["hi80"] < t["hi95"]
    # each month's paths carry the table's own interval ends exactly
    for lv, (a, b) in {80: (0.1, 0.9), 95: (0.025, 0.975)}.items():
        q = np.quantile(paths, [a, b], axis=0)
        np.testing.assert_allclose(q[0], table[f"lo{lv}"], rtol=1e-9)
        np.testing.assert_allclose(q[1], table[f"hi{lv}"], rtol=1e-9)
    np.testing.assert_allclose(np.median(paths, axis=0), table["median"], rtol=1e-9)


def test_fiscal_year_is_observed_plus_the_tables_months(y):
    table, paths = _outlook(y, "stl_revert", 12)
    rows = {r["fiscal_year"]: r for r in year_totals(y, table, paths)}
    # data to August 2025: FY2025 is 11 observed months plus September from the table
    fy25 = rows[2025]
    observed = float(y["2024-10":"2025-08"].sum())
    sep = table.loc["2025-09-01"]
    assert fy25["observed"] == observed and fy25["forecast_months"] == 1
    assert fy25["total"] == pytest.approx(observed + sep["mean"], rel=1e-12)
    for c in ("lo80", "hi80", "lo95", "hi95"):  # the table's September interval, shifted
        assert fy25[c] == pytest.approx(observed + sep[c], rel=1e-9)
    # FY2026 (Oct 2025 - Sep 2026): no observed month, twelve forecast months, the table's sum
    assert 2026 not in rows or rows[2026]["forecast_months"] == 12
    if 2026 in rows:
        assert rows[2026]["total"] == pytest.approx(table.loc["2025-10":"2026-09", "mean"].sum())


def test_a_users_years_are_calendar_years(y):
    table, paths = _outlook(y, "stl_revert", 12)  # Sep 2025 - Aug 2026: only 2025 is complete
    (row,) = year_totals(y, table, paths, fiscal=False)
    observed = float(y["2025-01":"2025-08"].sum())
    assert (row["year"], row["observed_months"], row["forecast_months"]) == ("2025", 8, 4)
    assert row["total"] == pytest.approx(observed + table.loc["2025-09":"2025-12", "mean"].sum())


@pytest.mark.parametrize("model", ["stl_revert", "stl_ses", "stl", "demographic"])
def test_same_forecast_for_the_same_month_at_any_horizon(y, model):
    short, _ = _outlook(y, model, 3)
    long, _ = _outlook(y, model, 12)
    pd.testing.assert_frame_equal(short, long.iloc[:3], check_freq=False)


def test_matched_paths_keep_the_paths_order_across_months():
    rng = np.random.default_rng(1)
    common = rng.normal(size=(TOTAL_PATHS, 1))
    raw = common + 0.1 * rng.normal(size=(TOTAL_PATHS, 3))
    frame = pd.DataFrame(
        {"median": [100.0] * 3, "lo80": [80.0] * 3, "hi80": [125.0] * 3,
         "lo95": [70.0] * 3, "hi95": [140.0] * 3}
    )  # fmt: skip
    out = matched_paths(raw, frame, 1e9)
    # ranks are kept month by month: strongly dependent months give a wide total
    for j in range(3):
        assert (np.argsort(out[:, j]) == np.argsort(raw[:, j])).all()
    independent = matched_paths(rng.normal(size=(TOTAL_PATHS, 3)), frame, 1e9)
    assert np.std(out.sum(axis=1)) > 1.5 * np.std(independent.sum(axis=1))


@pytest.mark.warm_home("snaive")  # the calibration of snaive on the bundled series is warm
def test_bf_forecast_and_the_report_give_the_same_mean():
    y = bf.load()
    f = bf.fit(y, "snaive", seed=0)  # calibrated intervals, as in the report
    public = f.forecast(12, n_paths=TOTAL_PATHS, seed=0)
    table, _ = outlook_paths(f.fitted, _shown(f, 12).frame, seed=0)
    # the same paths (matched to the same calibrated table), so the same expected counts
    np.testing.assert_allclose(public["mean"], table["mean"], rtol=1e-12)
    np.testing.assert_allclose(public["median"], table["median"], rtol=1e-12)
    total = f.forecast_total(12, n_paths=TOTAL_PATHS, seed=0)
    assert total["mean"] == pytest.approx(float(table["mean"].sum()), rel=1e-9)
