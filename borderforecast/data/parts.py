"""The parts of a bundled series that a bottom-up model adds up (the caller looks them up).

Models never read the data store: :func:`borderforecast.forecast` and
:func:`borderforecast.backtest` call :func:`parts_for` for the series they are
given and pass the result to the model (``fit(y, parts=...)``). Only the
bundled USBP Southwest total (``bf.load()``, series id ``southwest``) has parts
here: its single adults, family units and unaccompanied children. Your own
series gets its parts from you (``bf.fit(y, "demographic", parts={...})``).

Examples
--------
>>> import borderforecast as bf
>>> sorted(parts_for(bf.load()))
['family_units', 'single_adults', 'uac']
>>> parts_for(bf.load("sector/tucson", end="2019-12")) is None
True
"""

from __future__ import annotations

import warnings

import pandas as pd

from ..errors import BorderforecastError
from ..series import is_bundled

DEMOGRAPHIC_PARTS = ("single_adults", "family_units", "uac")
"""The demographic parts of the USBP Southwest total (``bf.load("demographic/<part>")``)."""


def parts_for(y: pd.Series) -> dict[str, pd.Series] | None:
    """The demographic parts of ``y`` when it is the bundled Southwest total, else None.

    The parts come from the same data store as ``y`` (the default one), as floats.
    """
    if y.attrs.get("series_id") != "southwest" or not is_bundled(y):
        return None
    from . import load

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {p: load(f"demographic/{p}").astype(float) for p in DEMOGRAPHIC_PARTS}
    except BorderforecastError:  # a store without the parts: the total alone
        return None
