"""The forecast front door at run time: what ``bf.forecast`` enters with an empty cache.

The trace runs in a fresh interpreter (so imports count) with an empty home, after
``bf.load()``, and records every package file whose code runs during ``bf.forecast``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import borderforecast as bf

TRACE = textwrap.dedent(
    """
    import json, os, sys, warnings
    warnings.simplefilter("ignore")
    import borderforecast as bf
    y = bf.load()
    pkg = os.path.dirname(bf.__file__)
    seen = set()
    def prof(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(pkg):
            seen.add(os.path.relpath(frame.f_code.co_filename, pkg))
    sys.setprofile(prof)
    fc = bf.forecast(y, model="snaive", h=6)
    sys.setprofile(None)
    print(json.dumps({"files": sorted(seen), "intervals": fc.attrs["intervals"]}))
    """
)

CALIBRATION_FILES = {
    "backtesting/__init__.py",  # the package (lazy: it imports nothing itself)
    "backtesting/live.py",  # origins, raw fits through the unit cache, the Calibration
    "backtesting/calibrate.py",  # the conformal widths
    "backtesting/cache.py",  # unit keys
    "backtesting/units.py",  # one unit's fit, as the backtest runs it
    "backtesting/options.py",  # the calibration's settings
}


def test_bf_forecast_takes_the_short_route(tmp_path):
    env = {**os.environ, "BORDERFORECAST_HOME": str(tmp_path)}  # an empty cache
    out = subprocess.run([sys.executable, "-c", TRACE], capture_output=True, text=True, env=env,
                         check=True, timeout=600)  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    files = set(got["files"])
    assert got["intervals"] == "calibrated"
    backtesting = {f for f in files if f.startswith("backtesting/")}
    assert backtesting <= CALIBRATION_FILES, sorted(backtesting - CALIBRATION_FILES)
    # nothing of the backtest machinery, the report or the assessment
    assert not {f for f in files if f.startswith(("reporting/", "assessment/", "cli/"))}
    # 35 before the front door (issue 22); 21 with it, 25 since the cache's and the registry's
    # helpers have their own modules (fingerprint, plaindata, text, models/plugins)
    assert len(files) <= 25, sorted(files)
    assert "models/fitted.py" in files and "forecaster.py" in files  # the trace is real


def test_the_model_layer_result_has_no_calibration():
    fitted = bf.make_model("snaive").fit(bf.load(end="2019-12"))
    assert not hasattr(fitted, "calibrator")
    assert fitted.forecast(3).attrs["intervals"] == "raw"
