"""The report's assessment, through the one cache (a warm rerun reuses the panel's fits)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def cached_assessment(y: pd.Series, settings: dict[str, Any]) -> Any:
    """:func:`borderforecast.assess` of ``y`` with ``settings``, through the one cache.

    The key covers the series (months and values), the settings and the code of the
    assessment and the models it fits (:func:`borderforecast.cache.code_fingerprint`),
    so a rerun of the same report month reuses the panel's fits and anything that
    changes the answer recomputes it. An entry that cannot be read or written is
    simply recomputed.
    """
    import pickle

    from ..assessment import DEFAULT_MODELS, assess
    from ..cache import Cache, code_fingerprint, make_key
    from ..models.persist import _Pickler
    from ..models.registry import known_families, list_specs

    plain = {k: v for k, v in settings.items() if k != "jobs"}  # jobs do not change the answer
    specs = list_specs()
    names = plain.get("models") or DEFAULT_MODELS
    key = make_key(
        "assessment",
        values=y.to_numpy(dtype=float),
        months=[f"{t:%Y-%m}" for t in y.index],
        settings=plain,
        specs={n: (specs[n].family, dict(specs[n].params)) for n in names if n in specs},
        code=code_fingerprint(
            "borderforecast.assessment", *(f"borderforecast.models.{f}" for f in known_families())
        ),
    )
    store = Cache("assessment")
    raw = store.get_bytes(key)
    if raw is not None:
        try:
            return pickle.loads(raw)
        except Exception:  # noqa: BLE001 - a stale or foreign entry: recompute
            pass
    a = assess(y, **settings)
    try:
        import io

        buf = io.BytesIO()
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(a)
        store.put_bytes(key, buf.getvalue())
    except Exception:  # noqa: BLE001 - caching is an optimisation, never a failure
        pass
    return a
