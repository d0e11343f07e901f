"""Your own data: read_series, from_long / to_long, panels through backtest and forecast,
and the ecosystem's shapes (utilsforecast when installed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import PANEL_IDS, bundled_panel

import borderforecast as bf
from borderforecast.data.userdata import from_long, read_series, to_long
from borderforecast.errors import (
    BadValueError,
    DataError,
    DuplicateMonthError,
    FutureMonthError,
    MissingColumnError,
    MissingMonthError,
    ModelError,
)

pytestmark = pytest.mark.warm_home("snaive", "panel")  # the calibrations are warm


@pytest.fixture(scope="module")
def sw() -> pd.Series:
    return bf.load()


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return bundled_panel()


def test_read_a_csv_with_any_column_names(tmp_path, sw):
    path = tmp_path / "mine.csv"
    frame = pd.DataFrame(
        {"Period": sw.index.strftime("%b %Y"), "Encounters": [f"{v:,}" for v in sw]}
    )
    frame.to_csv(path, index=False)
    y = read_series(path)
    assert isinstance(y, pd.Series) and y.index.freqstr == "MS"
    pd.testing.assert_series_equal(y, sw.astype(float), check_names=False)
    assert y.attrs["series_id"] == "mine" and y.name == "Encounters"


def test_read_excel_and_named_columns(tmp_path, sw):
    path = tmp_path / "mine.xlsx"
    pd.DataFrame({"when": sw.index[-40:], "other": 1, "n": sw.iloc[-40:].to_numpy()}).to_excel(
        path, index=False
    )
    with pytest.raises(MissingColumnError, match="several count columns.*'other', 'n'"):
        read_series(path)
    y = read_series(path, date_col="when", value_col="n")
    assert y.iloc[-1] == sw.iloc[-1] and len(y) == 40


def test_read_a_long_panel(tmp_path, panel):
    path = tmp_path / "panel.csv"
    panel.rename(columns={"unique_id": "sector", "ds": "month", "y": "count"}).to_csv(
        path, index=False
    )
    got = read_series(path, id_col="sector")
    assert list(got.columns) == ["unique_id", "ds", "y"]
    assert got["unique_id"].nunique() == 10
    mine = got[got["unique_id"] == "sector/tucson"].set_index("ds")["y"]
    tucson = bf.load("sector/tucson", start="2012-10", end="2024-11")
    assert np.array_equal(mine.to_numpy(), tucson.to_numpy(dtype=float))


@pytest.mark.parametrize(
    "rows, kwargs, error, message",
    [
        ("when,n\nfoo,1\nbar,2\n", {}, MissingColumnError, r"mine\.csv: no month column"),
        ("month,n\n2019-01,1\n2019-02,-5\n", {}, BadValueError, r"mine\.csv, row 3, column 'n'"),
        (
            "month,n\n2019-01,1\n2019-01,2\n",
            {},
            DuplicateMonthError,
            r"2019-01 appears twice \(rows 2, 3\); a file of several series needs id_col= "
            r"\(--id-col\)",
        ),
        ("month,n\n2019-01,1\n2019-03,2\n", {}, MissingMonthError, r"mine\.csv.*2019-02"),
        ("month,n\n2019-01,1\n2099-01,2\n", {}, FutureMonthError, r"row 3: month 2099-01"),
        ("month,n\n2019-01,1\n", {"id_col": "sectr"}, MissingColumnError, r"no id column 'sectr'"),
        ("month,n\nJan 2019,1\nsoon,2\n", {}, BadValueError, r"row 3, column 'month': 'soon'"),
        (
            "id,month,n\na,2019-01,1\na,2019-01,2\n",
            {"id_col": "id"},
            DuplicateMonthError,
            r"id 'a', month 2019-01 appears twice \(rows 2, 3\)",
        ),
    ],
)
def test_bad_files_name_the_file_row_or_column(tmp_path, rows, kwargs, error, message):
    path = tmp_path / "mine.csv"
    path.write_text(rows)
    with pytest.raises(error, match=message):
        read_series(path, **kwargs)


def test_from_long_validates_like_as_monthly():
    good = pd.DataFrame(
        {"unique_id": ["a", "a", "b"], "ds": ["2020-01", "2020-02", "2020-01"], "y": [1, 2, 3]}
    )
    out = from_long(good)
    assert list(out) == ["a", "b"] and out["a"].index.freqstr == "MS"
    with pytest.raises(DuplicateMonthError, match=r"unique_id='a', ds=2020-01"):
        from_long(pd.concat([good, good.iloc[[0]]]))
    with pytest.raises(MissingColumnError, match="did you mean 'y'"):
        from_long(good, target_col="yy")
    renamed = good.rename(columns={"unique_id": "id", "ds": "date", "y": "value"})
    assert from_long(renamed, id_col="id", time_col="date", target_col="value").keys() == out.keys()


def test_series_without_a_monthly_index_is_named():
    with pytest.raises(DataError, match=r"index holds numbers \(0, 1, 2, \.\.\.\), not months"):
        bf.fit(pd.Series(np.arange(50.0) + 1), model="snaive")
    daily = pd.Series(1.0, index=pd.date_range("2020-01-01", periods=90, freq="D"))
    with pytest.raises(DuplicateMonthError, match="weekly or daily.*resample"):
        bf.fit(daily, model="snaive")


def test_panel_backtest_and_forecast(panel):
    res = bf.backtest(panel, models="snaive", start="2023-02", h=3, step=3, cache=False)
    assert sorted(res.series) == sorted(PANEL_IDS) and res.skipped == {}
    long = res.to_long()
    assert long.columns.tolist()[:5] == ["unique_id", "ds", "cutoff", "y", "snaive"]
    # the snaive forecast for a month is the same month a year earlier, origin by origin
    row = long[(long["unique_id"] == "sector/tucson")].iloc[0]
    tucson = bf.load("sector/tucson", end="2024-11")
    assert row["snaive"] == pytest.approx(tucson[row["ds"] - pd.DateOffset(years=1)])
    assert row["y"] == tucson[row["ds"]] and row["cutoff"] == pd.Timestamp("2023-02-01")

    fc = bf.forecast(panel, model="snaive", h=2)
    assert fc.columns.tolist() == [
        "unique_id",
        "ds",
        "snaive",
        "snaive-lo-80",
        "snaive-hi-80",
        "snaive-lo-95",
        "snaive-hi-95",
        "intervals",
    ]
    assert set(fc["intervals"]) == {"calibrated"}
    assert len(fc) == 20 and fc["unique_id"].nunique() == 10
    dec = fc[(fc["unique_id"] == "southwest") & (fc["ds"] == "2024-12-01")]["snaive"].item()
    assert dec == pytest.approx(bf.load()["2023-12-01"])


def test_panel_forecast_without_a_model_names_each_series_choice():
    # the default chooses per series: one dense column set, a column naming each choice and
    # one saying how each series' intervals were made (a short series: the model's own)
    idx = pd.date_range("2016-01-01", periods=110, freq="MS")
    noise = np.random.default_rng(0).normal(0.0, 0.05, (2, 110))
    season = 0.3 * np.sin(2 * np.pi * idx.month / 12)
    ys = {"long": pd.Series(np.round(1000 * np.exp(season + noise[0])), index=idx, name="long"),
          "short": pd.Series(np.round(500 * np.exp(season + noise[1])), index=idx).iloc[-40:]}
    panel = pd.concat([pd.DataFrame({"unique_id": k, "ds": y.index, "y": y.to_numpy()})
                       for k, y in ys.items()])  # fmt: skip
    fc = bf.forecast(panel, h=2)
    assert fc.columns.tolist() == ["unique_id", "ds", "recommended", "recommended-lo-80",
                                   "recommended-hi-80", "recommended-lo-95", "recommended-hi-95",
                                   "intervals", "model"]  # fmt: skip
    assert not fc.isna().any().any()
    for sid, intervals in (("long", "calibrated"), ("short", "raw")):
        one = bf.forecast(ys[sid], h=2)
        rows = fc[fc["unique_id"] == sid]
        assert set(rows["model"]) == {one.attrs["model"]}
        assert set(rows["intervals"]) == {one.attrs["intervals"]} == {intervals}
        assert rows["recommended"].to_numpy() == pytest.approx(one["median"].to_numpy())


def test_panel_forecast_skips_a_series_that_cannot_run(panel):
    short = pd.DataFrame(
        {"unique_id": "tiny", "ds": pd.date_range("2023-01-01", periods=5, freq="MS"), "y": 5.0}
    )
    with pytest.warns(bf.errors.DataWarning, match="1 series skipped: tiny"):
        fc = bf.forecast(pd.concat([panel, short]), model="snaive", h=1)
    assert "tiny" in fc.attrs["skipped"] and fc["unique_id"].nunique() == 10


def test_forecast_to_long_matches_the_frame(sw):
    fc = bf.forecast(sw, model="snaive", h=3)
    long = to_long(fc, unique_id="southwest")
    assert long["snaive"].tolist() == fc["median"].tolist()  # the point forecast
    assert long["snaive-hi-95"].tolist() == fc["hi95"].tolist()
    back = to_long(sw)
    assert back.columns.tolist() == ["unique_id", "ds", "y"] and len(back) == len(sw)


def test_utilsforecast_evaluate_and_plot_accept_the_shapes(panel):
    pytest.importorskip(
        "utilsforecast", reason="utilsforecast is not installed (pip install utilsforecast)"
    )
    from utilsforecast.evaluation import evaluate
    from utilsforecast.losses import mae

    res = bf.backtest(panel, models=["snaive"], start="2023-02", h=3, step=3, cache=False)
    long = res.to_long()
    scores = evaluate(long.drop(columns="cutoff"), metrics=[mae])
    by_hand = (long["snaive"] - long["y"]).abs().groupby(long["unique_id"]).mean()
    got = scores.set_index("unique_id")["snaive"]
    pd.testing.assert_series_equal(got.sort_index(), by_hand.sort_index(), check_names=False)

    import matplotlib

    matplotlib.use("Agg")
    from utilsforecast.plotting import plot_series

    fc = bf.forecast(panel, model="snaive", h=3)
    fig = plot_series(panel, fc, ids=["southwest"], level=[80], engine="matplotlib")
    assert fig is not None


def test_unknown_options_and_names_get_suggestions(sw):
    with pytest.raises(ModelError, match=r"unknown option 'stpe'; did you mean 'step'"):
        bf.backtest(sw, models="snaive", stpe=3)
    fitted = bf.fit(sw, model="SNaive")  # model names ignore case
    assert fitted.name == "snaive"
    with pytest.raises(bf.UnknownModelError, match="Did you mean 'ets'"):
        bf.fit(sw, model="ETZ")


@pytest.fixture
def small_chunks(monkeypatch):
    """User files read 7 rows at a time: what a big file does, on small ones."""
    from borderforecast.data import cells, userfile

    monkeypatch.setattr(userfile, "CHUNK", 7)
    monkeypatch.setattr(cells, "CHUNK", 7)


def _panel_text(n_ids=4, months=30, sep=",", fmt=str) -> str:
    stamps = pd.date_range("2019-01-01", periods=months, freq="MS")
    rows = [f"s{i}{sep}{m:%Y-%m}{sep}{fmt(100 + 7 * j + i)}" for i in range(n_ids)
            for j, m in enumerate(stamps)]  # fmt: skip
    return "\n".join([sep.join(["unique_id", "month", "count"]), *rows]) + "\n"


def test_a_file_read_in_chunks_reads_as_one(tmp_path, small_chunks):
    path = tmp_path / "p.csv"
    path.write_text(_panel_text())
    got = read_series(path)
    assert got["unique_id"].nunique() == 4 and len(got) == 120
    assert got.iloc[31].tolist() == ["s1", pd.Timestamp("2019-02-01"), 108.0]
    one = tmp_path / "one.csv"
    one.write_text("month,count\n" + "".join(f"{m:%m/%d/%Y},{i}\n" for i, m in enumerate(
        pd.date_range("2019-01-01", periods=20, freq="MS"))))  # fmt: skip
    y = read_series(one)  # month first: settled by the whole column, not the first chunk
    assert y.index[0] == pd.Timestamp("2019-01-01") and y.iloc[-1] == 19
    pd.testing.assert_series_equal(read_series(one, date_format="%m/%d/%Y"), y)


def test_a_bad_row_in_a_later_chunk_names_its_row(tmp_path, small_chunks):
    text = _panel_text().splitlines()
    path = tmp_path / "p.csv"
    path.write_text("\n".join(text[:50] + ["s1,2021-03,12x4"] + text[51:]) + "\n")
    with pytest.raises(BadValueError, match=r"row 51, column 'count': '12x4' is not a count"):
        read_series(path)
    path.write_text("\n".join(text[:50] + ["s1,2021-03,5,6"] + text[51:]) + "\n")
    with pytest.raises(bf.errors.MalformedFileError, match=r"row 51: 4 cells but the header"):
        read_series(path)
    path.write_text("\n".join(text + [text[3]]) + "\n")
    with pytest.raises(DuplicateMonthError, match=r"id 's0', month 2019-03 appears twice "
                       r"\(rows 4, 122\)"):
        read_series(path)


def test_separators_settled_late_in_the_file_are_applied_to_every_row(tmp_path, small_chunks):
    path = tmp_path / "eu.csv"
    text = _panel_text(1, 24, sep=";", fmt=lambda v: f"{v}.000")
    path.write_text(text)  # 107.000 alone: 107 or 107,000?
    with pytest.raises(BadValueError, match=r"row 2, column 'count': '100\.000' could be"):
        read_series(path)
    path.write_text(text.replace("2020-12;261.000", "2020-12;1.261.000"))  # settles it
    y = read_series(path)
    assert y.iloc[0] == 100_000 and y.iloc[-1] == 1_261_000


def test_a_file_not_utf8_after_its_head_is_read_as_windows_1252(tmp_path, small_chunks):
    path = tmp_path / "w.csv"
    body = _panel_text(1, 24).replace("s0,", "Zürich,")
    path.write_bytes(body.encode("cp1252"))
    assert read_series(path).attrs["series_id"] == "Zürich"
    # plain ASCII for more than the sniffed 64 KiB, then Windows-1252
    path.write_bytes(("unique_id,month,count\n" + "".join(
        f"a{i:05d},2019-01,1\n" for i in range(5000)) + "Zürich,2019-01,1\n").encode("cp1252"))
    got = read_series(path)
    assert "Zürich" in set(got["unique_id"])
