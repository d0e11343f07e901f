"""Measure the model-based false-alarm rate of the counterfactual test on the real series.

For every three-month window starting Jan 2005 .. Oct 2018 (reference: the month before),
each candidate counterfactual model is fitted on the months before the window and its
two-sided tail probability of the window total is computed. With no intervention, the test
should fire (p < 0.05) in about 5% of windows; real shocks in those years make the measured
rate an upper bound. This is how the default counterfactual model was chosen
(``borderforecast.assessment.options.DEFAULT_MODELS``).

Run: ``python benchmarks/bench_assess_false_alarm.py``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

import borderforecast as bf
from borderforecast.assessment.counterfactual import window_statistic
from borderforecast.assessment.options import Window


def main() -> None:
    warnings.simplefilter("ignore")
    y = bf.load()
    starts = pd.date_range("2005-01-01", "2018-10-01", freq="MS")
    print(f"{'model':<12}{'windows':>8}{'p<0.05':>9}{'p<0.10':>9}{'sd(z)':>7}{'seconds':>9}")
    for model in ["sarima", "structural", "ets", "snaive"]:
        t0 = time.perf_counter()
        ps, zs = [], []
        for s in starts:
            end, ref = s + pd.offsets.MonthBegin(2), s - pd.offsets.MonthBegin(1)
            w = Window(start=s, end=end, reference=ref)
            z, p = window_statistic(y[y.index <= w.end], w, model, 200, 0)
            ps.append(p)
            zs.append(z)
        p_arr, z_arr = np.array(ps), np.array(zs)
        print(
            f"{model:<12}{len(p_arr):>8}{(p_arr < 0.05).mean():>9.1%}{(p_arr < 0.10).mean():>9.1%}"
            f"{z_arr.std():>7.2f}{time.perf_counter() - t0:>9.0f}"
        )


if __name__ == "__main__":
    main()
