"""The narrative never contradicts the numbers; the CLI prints the table and the verdict."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import synthetic_seasonal

import borderforecast as bf
from borderforecast.assessment import BEYOND_DECLINE, BEYOND_RISE, CANNOT_TELL, WITHIN, assess
from borderforecast.assessment.verdict import p_words, z_words
from borderforecast.cli import main

# gate=False: these tests check the words, and seasonal naive (fast) is what they use; the
# gate would rightly flag it in the surge scenario (its implied May->Aug change is extreme)
FAST = dict(models="snaive", n_paths=400, placebo_paths=100, x13=False, gate=False)


def _scaled(factor: float, lo: str, hi: str | None = None):
    y = synthetic_seasonal().astype(float)
    mask = (y.index >= lo) & (y.index <= (hi or y.index[-1]))
    y[mask] *= factor
    return y.round()


SCENARIOS = {
    # level shift down / up from the window start
    "decline": (lambda: _scaled(0.6, "2017-06-01"), BEYOND_DECLINE),
    "rise": (lambda: _scaled(1.5, "2017-06-01"), BEYOND_RISE),
    # nothing happened
    "within": (lambda: synthetic_seasonal(), WITHIN),
    # a surge just before the window: seasonal naive sees an ordinary summer, the
    # comparison with earlier years an extreme fall from the May peak
    "inconclusive": (lambda: _scaled(2.0, "2017-01-01", "2017-05-01"), CANNOT_TELL),
}


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def case(request):
    make, expected = SCENARIOS[request.param]
    return assess(make(), "2017-06", "2017-08", "2017-05", **FAST), expected


def _pct_values(obj, out=None):
    out = [] if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.endswith("_pct") and isinstance(v, float):
                out.append(v)
            else:
                _pct_values(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _pct_values(v, out)
    return out


def test_verdict_as_designed(case):
    a, expected = case
    assert a.verdict == expected


def test_plain_lead_says_the_verdict_and_no_jargon(case):
    a, _ = case
    text, parts = a.summary(), a.parts()
    lead = parts["lead"]
    first = lead.split(": ")[0]
    assert (" went beyond normal seasonality (" in first) == a.verdict.startswith("beyond")
    assert first.startswith("We cannot tell") == (a.verdict == CANNOT_TELL)
    assert ("stayed within normal seasonality" in first) == (a.verdict == WITHIN)
    for word in ("fired", "calibrated p", "robust z", "placebo"):
        assert word not in lead
    assert "not about causes" in lead and "90% interval" in lead
    assert f"Verdict: {a.verdict} ({a.strength} evidence)." in text
    assert lead in text and parts["evidence"][0] in text
    assert parts["verdict"] == a.verdict and parts["strength"] == a.strength
    assert [n["verdict"] for n in parts["neighbours"]] == [n.verdict for n in a.neighbours]


def test_every_quoted_percentage_is_in_to_dict(case):
    a, _ = case
    text = a.summary()
    quoted = [float(x) for x in re.findall(r"([+-]?\d[\d,]*\.\d)%", text)]
    assert len(quoted) >= 12
    allowed = {round(v, 1) for v in _pct_values(a.to_dict())}
    for q in quoted:
        assert q in allowed, f"{q}% quoted in the summary is not a number of to_dict()"


def test_words_follow_the_numbers(case):
    a, _ = case
    text, d = a.summary(), a.to_dict()
    assert p_words(d["placebo"]["calibrated_p"], a.options.alpha) in text
    assert z_words(d["empirical"]["robust_z"], a.options.alpha) in text
    assert ("excludes zero" in text) == (
        d["decomposition"]["excess_hi_pct"] < 0 or d["decomposition"]["excess_lo_pct"] > 0
    )
    frame = a.to_frame()
    # the table's readings are the same words
    m = d["models"][0]
    assert p_words(m["calibrated_p"], a.options.alpha) in frame.iloc[0]["reading"]
    assert f"{d['panel']['calibrated_p']:.3f}"[:4] in text or d["panel"]["calibrated_p"] < 0.001
    assert json.loads(json.dumps(d)) == d  # JSON-ready


def test_cli_prints_table_and_verdict(capsys):
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
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    # 19 earlier years, less 2001-2002, 2014 and 2017 (outlier years)
    assert "seasonal comparison (15 earlier years)" in out
    assert "The same test on the neighbouring windows" in out
    assert "Counterfactual panel: each model alone" in out
    direct = bf.assess(
        bf.load(), "2019-06", "2019-08", models="snaive", n_paths=200, placebo_years=5, x13=False
    )
    assert f"Verdict: {direct.verdict} ({direct.strength} evidence)" in out


def test_cli_json_series_and_plot(capsys, tmp_path):
    png = tmp_path / "fig.png"
    code = main(
        [
            "assess",
            "--series",
            "sector/rio-grande-valley",
            "--start",
            "2019-06",
            "--end",
            "2019-08",
            "--reference",
            "2019-05",
            "--model",
            "snaive",
            "--model",
            "ets",
            "--n-paths",
            "200",
            "--no-placebo",
            "--no-x13",
            "--json",
            "--plot",
            str(png),
        ]
    )
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    y = bf.load("sector/rio-grande-valley")
    assert d["series"] == y.name and d["reference"] == "2019-05"
    assert [c["model"] for c in d["counterfactual"]] == ["snaive", "ets"]
    assert {m["model"]: m["gate_passed"] for m in d["models"]}.keys() == {"snaive", "ets"}
    # without placebo runs the panel is uncalibrated and the verdict capped
    assert d["decision"]["counterfactual_p_kind"] == "uncalibrated"
    assert d["verdict"] == "cannot tell"
    assert d["empirical"]["change_log"] == pytest.approx(np.log(y["2019-08-01"] / y["2019-05-01"]))
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--start", "2019-08", "--end", "2019-06"], "end 2019-06 is before start 2019-08"),
        (["--start", "2019-06", "--reference", "2019-07"], "must be before start"),
        (["--start", "2031-01"], "outside the data"),
        (["--start", "2001-06"], "precede start"),
        (["--start", "2019-06", "--series", "sector/atlantis"], "atlantis"),
        (["--event", "2031-06-05"], "event 2031-06-05 is outside the data"),
        (["--event", "2019-06-05", "--start", "2019-06"], "either start or event"),
        (["--start", "2019-06", "--exclude", "2019-05:2019-06"], "covers part of the assessed"),
    ],
)
def test_cli_errors_exit_2(capsys, args, message):
    code = main(["assess", *args, "--model", "snaive", "--no-x13"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
