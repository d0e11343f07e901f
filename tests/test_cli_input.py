"""The command line with your own file: --input on every command, --json, exit codes, help."""

from __future__ import annotations

import functools
import json
import sys
import warnings

import pandas as pd
import pytest

import borderforecast as bf
from borderforecast.cli import main
from borderforecast.cli.common import EXIT_DATA, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE


@pytest.fixture(scope="module")
def sw() -> pd.Series:
    return bf.load()


@pytest.fixture(scope="module")
def user_csv(tmp_path_factory, sw):
    """The bundled Southwest series as an analyst's file: other column names, 'Aug 2019'."""
    path = tmp_path_factory.mktemp("mine") / "my_counts.csv"
    pd.DataFrame(
        {"Reporting month": sw.index.strftime("%b %Y"), "Apprehensions": sw.to_numpy()}
    ).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory):
    ids = ["sector/tucson", "sector/yuma", "sector/laredo"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        long = bf.to_long({i: bf.load(i, start="2015-10", end="2024-11") for i in ids})
    path = tmp_path_factory.mktemp("panel") / "sectors.csv"
    long.rename(columns={"unique_id": "sector", "ds": "period", "y": "n"}).to_csv(path, index=False)
    return path


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_forecast_from_a_user_csv(user_csv, sw, capsys, tmp_path):
    out = tmp_path / "fc.csv"
    args = ["forecast", "--input", str(user_csv), "--model", "snaive", "--h", "3"]
    assert main([*args, "--json", "--out", str(out)]) == EXIT_OK
    rows = _json(capsys)
    assert [r["month"] for r in rows] == ["2025-09", "2025-10", "2025-11"]
    assert rows[0]["median"] == pytest.approx(sw["2024-09-01"])  # snaive: a year earlier
    written = pd.read_csv(out)
    assert written["month"].tolist() == ["2025-09", "2025-10", "2025-11"]
    assert written["median"].iloc[0] == pytest.approx(sw["2024-09-01"])
    # the CLI prints what bf.forecast returns: the calibrated intervals, not the raw ones
    api = bf.forecast(bf.read_series(user_csv), model="snaive", h=3)
    assert api.attrs["intervals"] == "calibrated"
    for col in ("median", "lo80", "hi80", "lo95", "hi95"):
        assert written[col].to_numpy() == pytest.approx(api[col].to_numpy(), abs=0.51)
    raw = bf.forecast(bf.read_series(user_csv), model="snaive", h=3, intervals="raw")
    assert abs(written["hi95"].iloc[0] - raw["hi95"].iloc[0]) > 1.0
    # the written file names the model and its intervals, as the printed JSON does
    assert set(written["model"]) == {"snaive"} and set(written["intervals"]) == {"calibrated"}
    nested = tmp_path / "new" / "folder" / "fc.json"  # a missing folder is made
    assert main([*args, "--out", str(nested)]) == EXIT_OK
    assert json.loads(nested.read_text()) == rows
    capsys.readouterr()
    bad = main([*args, "--out", str(tmp_path / "fc.txt")])  # refused before any fit
    assert bad != EXIT_OK and "must end in .csv or .json" in capsys.readouterr().err


def test_forecast_a_panel_file_in_the_long_shape(panel_csv, capsys, tmp_path):
    out = tmp_path / "fc.json"
    args = ["forecast", "-i", str(panel_csv), "--id-col", "sector", "--date-col", "period"]
    assert main([*args, "--value-col", "n", "-m", "snaive", "--h", "2", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert {r["unique_id"] for r in rows} == {"sector/tucson", "sector/yuma", "sector/laredo"}
    assert set(rows[0]) == {
        "unique_id",
        "ds",
        "snaive",
        "snaive-lo-80",
        "snaive-hi-80",
        "snaive-lo-95",
        "snaive-hi-95",
        "intervals",
    }
    tucson = [r for r in rows if r["unique_id"] == "sector/tucson"][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tucson["snaive"] == pytest.approx(bf.load("sector/tucson")["2023-12-01"])
    capsys.readouterr()


def test_backtest_from_a_user_csv(user_csv, capsys):
    args = ["backtest", "--input", str(user_csv), "--model", "snaive", "--start", "2024-01"]
    assert main([*args, "--h", "3", "--json", "--no-cache"]) == EXIT_OK
    out = _json(capsys)
    overall = [m for m in out["metrics"] if m["horizon"] == "all" and m["era"] == "all"]
    assert overall and out["skipped"] == {}


def test_backtest_of_a_panel_skips_the_series_that_cannot_run(panel_csv, tmp_path, capsys):
    text = panel_csv.read_text().splitlines()
    short = [ln for ln in text[1:] if ln.startswith("sector/yuma")][-20:]
    path = tmp_path / "with_short.csv"
    path.write_text("\n".join([text[0], *[ln for ln in text[1:] if "yuma" not in ln], *short]))
    args = ["backtest", "-i", str(path), "--id-col", "sector", "-m", "snaive", "--h", "3"]
    assert main([*args, "--start", "2023-01", "--json", "--no-cache"]) == EXIT_OK
    out = _json(capsys)
    assert list(out["skipped"]) == ["sector/yuma"]
    assert (
        "outside the data of series 'sector/yuma' (2023-04 to 2024-11)"
        in out["skipped"]["sector/yuma"]
    )
    assert {m["series"] for m in out["metrics"]} >= {"sector/tucson", "sector/laredo"}


def test_assess_and_season_and_context_from_a_user_csv(user_csv, capsys):
    args = ["assess", "--input", str(user_csv), "--start", "Jun 2019", "--end", "2019-08"]
    assert main([*args, "--model", "snaive", "--no-x13", "--no-placebo", "--json"]) == 0
    assess = _json(capsys)
    direct = bf.assess(bf.load(), "2019-06", "2019-08", models="snaive", x13=False, placebo=False)
    assert assess["verdict"] == direct.verdict
    assert assess["normal_years"]["era_split"] is None  # the border's FY2011 is not the user's
    quick = ["--model", "snaive", "--no-x13", "--no-placebo"]
    assert main([*args, *quick, "--era-split", "2011", "--json"]) == 0
    assert _json(capsys)["normal_years"]["era_split"] == 2011
    assert main(["season", "--input", str(user_csv), "--years", "2000-2019", "--json"]) == 0
    season = _json(capsys)
    ref = bf.seasonal_profile(bf.load(), "2000-2019", fiscal=False).to_dict()  # a user's file
    assert season["factors"] == json.loads(json.dumps(ref["factors"]))
    assert main(["context", "2019-05", "--input", str(user_csv), "--json"]) == 0
    ctx = _json(capsys)["my_counts"]
    assert (
        ctx["value"] == 132_856 and ctx["highest_month_since"] == "highest month since March 2006"
    )


def test_report_from_a_user_csv(user_csv, sw, tmp_path, monkeypatch, capsys):
    import borderforecast.reporting as reporting

    fast = functools.partial(
        reporting.ReportOptions,
        models=("snaive",),
        assess_models=("snaive",),
        placebo_years=6,
        breakdown_model="snaive",
    )
    monkeypatch.setattr(reporting, "ReportOptions", fast)
    home = tmp_path / "home"
    monkeypatch.setenv("BORDERFORECAST_HOME", str(home))
    args = ["report", "--input", str(user_csv), "--out", str(tmp_path / "r"), "--month", "2024-08"]
    assert main([*args, "--home", str(home), "--json"]) == EXIT_OK
    out = _json(capsys)
    assert out["sections"]["headline"]["value"] == sw["2024-08-01"]  # the file's August 2024
    assert out["options"]["series"] == "my_counts"
    assert (tmp_path / "r" / "report.html").exists()


@pytest.mark.parametrize(
    "rows, extra, message",
    [
        ("when,n\nfoo,1\n", [], "bad.csv: no month column"),
        ("id,month,n\na,2019-01,1\na,2019-01,2\n", ["--id-col", "id"], "rows 2, 3"),
        ("month,n\n2019-01,1\n", ["--id-col", "sectr"], "no id column 'sectr'"),
        ("month,n\n2019-01,1\n2019-02,x\n", [], "bad.csv, row 3, column 'n'"),
    ],
)
@pytest.mark.parametrize("command", ["forecast", "backtest", "context"])
def test_bad_files_end_in_one_line_and_exit_2(tmp_path, capsys, rows, extra, message, command):
    path = tmp_path / "bad.csv"
    path.write_text(rows)
    args = [command, *(["2019-01"] if command == "context" else []), "--input", str(path), *extra]
    assert main(args) == EXIT_DATA
    err = capsys.readouterr().err
    assert err.startswith("borderforecast: error:") and message in err
    assert len(err.strip().splitlines()) == 1


def test_exit_codes(capsys, monkeypatch):
    assert main(["models", "--no-such-option"]) == EXIT_USAGE
    assert main(["assess"]) == EXIT_USAGE  # --start missing
    assert main(["no-such-command"]) == EXIT_USAGE
    assert main(["forecast", "--h", "soon"]) == EXIT_DATA  # a value of the wrong type
    assert main(["forecast", "--model", "nope"]) == EXIT_DATA
    assert main(["forecast", "--date-col", "x"]) == EXIT_DATA  # needs --input
    capsys.readouterr()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sys.modules["borderforecast.forecast"], "forecast", broken)
    assert main(["forecast", "-m", "snaive"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    assert main(["--verbose", "forecast", "-m", "snaive"]) == EXIT_INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_version_quiet_and_json_everywhere(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"borderforecast {bf.__version__}"
    assert main(["models", "--json"]) == 0
    names = {m["name"] for m in _json(capsys)}
    assert {"snaive", "ets", "sarima"} <= names
    assert main(["data", "list", "--json"]) == 0
    listing = _json(capsys)
    assert len(listing["series"]) == len(bf.datasets())
    assert main(["--quiet", "context", "2024-08", "--series", "sector/tucson", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["sector/tucson"]["month"] == "2024-08"
    assert main(["context", "2024-08", "--series", "sector/tucson", "--json"]) == 0
    assert "warning: series 'sector/tucson' ends 2024-11" in capsys.readouterr().err


def test_help_reads_right(capsys):
    for args in (["assess", "--help"], ["--help"]):
        assert main(args) == 0
        text = capsys.readouterr().out
        assert "<bool>" not in text and "<list[str]>" not in text
    assert main(["assess", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "over [start, end] moved" in text
    from borderforecast.assessment import DEFAULT_MODELS

    assert "default: " + ", ".join(DEFAULT_MODELS) in text  # the help names the real default
    assert main(["--help"]) == 0
    assert "64 usage error" in " ".join(capsys.readouterr().out.split())
