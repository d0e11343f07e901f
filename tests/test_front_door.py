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
    import json, os, sys, threading, warnings
    warnings.simplefilter("ignore")
    import borderforecast as bf
    y = bf.load()
    pkg = os.path.dirname(bf.__file__)
    seen = []
    def prof(frame, event, arg):
        f = frame.f_code.co_filename
        if event == "call" and f.startswith(pkg) and os.path.relpath(f, pkg) not in seen:
            seen.append(os.path.relpath(f, pkg))
    threading.setprofile(prof)
    sys.setprofile(prof)
    fc = bf.forecast(y, model="stl_revert", h=6)
    sys.setprofile(None)
    print(json.dumps({"files": seen, "intervals": fc.attrs["intervals"]}))
    """
)

CALIBRATION_FILES = {
    "backtesting/__init__.py",  # the package (lazy: it imports nothing itself)
    "backtesting/live.py",  # origins, raw fits through the unit cache, the Calibration
    "backtesting/calibrate.py",  # the conformal widths
    "backtesting/units.py",  # one unit's fit, its key and its cache, as the backtest runs it
}

MAX_FILES = 17
"""Package files ``bf.forecast(y, model="stl_revert")`` enters with an empty cache, imports
included. 35 before the front door; 26 when issue 22's rename landed; 23 since the resource
folders live in ``paths.py``, the unit cache in ``backtesting/units.py`` and ``cache.py``
imports ``plaindata`` only for plain-data entries; 17 since the registry holds the plugin
lookup, the forecaster its sample paths, ``calibrate``/``plan`` the options, ``cache`` the
code fingerprint, ``series`` the label check and ``stl_revert`` the STL core. Issue 22's
target is 12: what is left is listed in docs/architecture.md (the ``bf.fit`` flow)."""


def test_bf_forecast_takes_the_short_route(tmp_path):
    env = {**os.environ, "BORDERFORECAST_HOME": str(tmp_path)}  # an empty cache
    out = subprocess.run([sys.executable, "-c", TRACE], capture_output=True, text=True, env=env,
                         check=True, timeout=600)  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    files = got["files"]
    assert got["intervals"] == "calibrated"
    backtesting = {f for f in files if f.startswith("backtesting/")}
    assert backtesting <= CALIBRATION_FILES, sorted(backtesting - CALIBRATION_FILES)
    # nothing of the backtest machinery, the report or the assessment
    assert not {f for f in files if f.startswith(("reporting/", "assessment/", "cli/"))}
    assert len(files) <= MAX_FILES, f"{len(files)} files entered, in order: {files}"
    # the trace is real: the front door, the model and its fitted result, the calibration
    assert {"forecast.py", "forecaster.py", "models/stl_revert.py", "models/fitted.py"} <= set(
        files
    )
    assert {"backtesting/live.py", "backtesting/calibrate.py"} <= backtesting


def test_the_model_layer_result_has_no_calibration():
    fitted = bf.make_model("snaive").fit(bf.load(end="2019-12"))
    assert not hasattr(fitted, "calibrator")
    assert fitted.forecast(3).attrs["intervals"] == "raw"
