"""The report's assessment, through the one cache (a warm rerun reuses the panel's fits)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def cached_assessment(y: pd.Series, settings: dict[str, Any]) -> Any:
    """:func:`borderforecast.assess` of ``y`` with ``settings``, through the one cache.

    The key covers the series (months and values), the settings and the model specs;
    the code of the assessment and of the models it fits
    (:func:`borderforecast.cache.code_fingerprint`) is stored in the entry too, so a
    rerun of the same report month reuses the panel's fits and anything that changes
    the answer recomputes it. The entry is plain data (:mod:`borderforecast.plaindata`):
    reading it runs no code. An entry that cannot be read or written is recomputed.
    """
    from ..assessment import DEFAULT_MODELS, assess
    from ..cache import Cache, code_fingerprint, make_key
    from ..models.registry import known_families, list_specs

    plain = {k: v for k, v in settings.items() if k != "n_jobs"}  # workers change nothing
    specs = list_specs()
    names = plain.get("models") or DEFAULT_MODELS
    code = code_fingerprint(
        "borderforecast.assessment", *(f"borderforecast.models.{f}" for f in known_families())
    )
    key = make_key(
        "assessment",
        values=y.to_numpy(dtype=float),
        months=[f"{t:%Y-%m}" for t in y.index],
        settings=plain,
        specs={n: (specs[n].family, dict(specs[n].params)) for n in names if n in specs},
        code=code,
    )
    store = Cache("assessment")
    found = store.get_data(key, code)
    if found is not None:
        return found
    a = assess(y, **settings)
    store.put_data(key, a, code)
    return a
