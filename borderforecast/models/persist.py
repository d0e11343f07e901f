"""Load a model saved by ``FittedModel.save``: :func:`load_model`.

The file is plain data (:mod:`borderforecast.plaindata`: ``format``, ``version``, ``package``,
the model ``class`` and its ``params``, the training ``y`` and ``X``). Loading rebuilds the model
from a registered class and fits it again (deterministic: the same forecasts to the last digit),
so reading runs no code from the file. A pickle (``save(path, trusted=True)``) is read only with
``trusted=True``. See docs/guide/your-data.md, "Saving a fitted model".

Examples
--------
>>> import tempfile, pathlib, borderforecast as bf
>>> fitted = bf.make_model("snaive").fit(bf.load())
>>> path = pathlib.Path(tempfile.mkdtemp()) / "snaive.bfmodel"
>>> fitted.save(path).stat().st_size < 50_000
True
>>> bool((load_model(path).forecast(3) == fitted.forecast(3)).all().all())
True
"""

from __future__ import annotations

import os
import pickle
import warnings
import zlib
from pathlib import Path
from typing import Any

from .. import plaindata
from ..errors import BorderforecastWarning, ModelError
from .base import BaseModel
from .fitted import FORMAT, PICKLE_MAGIC
from .registry import load_class


def load_model(path: str | os.PathLike[str], *, trusted: bool = False) -> Any:
    """Read a model written by :meth:`FittedModel.save`: rebuilt by its family and refitted.

    ``trusted=True`` also reads a pickled model (only for files you made yourself).

    Raises
    ------
    ModelError
        If the file is not a saved borderforecast model, names a class that is
        not a registered model, or is a pickle and ``trusted`` is false.
    """
    from ..version import __version__

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read the model file {p}: {exc.strerror}") from None
    if data.startswith(PICKLE_MAGIC):
        if not trusted:
            raise ModelError(
                f"{p.name} is a pickled model: loading it could run code; "
                "load_model(path, trusted=True) reads it if you made the file yourself"
            )
        try:
            return pickle.loads(zlib.decompress(data[len(PICKLE_MAGIC) :]))  # noqa: S301
        except Exception as exc:  # noqa: BLE001 - any failure of a pickle: one message
            raise ModelError(f"{p.name}: the saved model cannot be read ({exc})") from None
    try:
        doc = plaindata.loads(data)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("no format mark")
        cls = load_class(str(doc["class"]))
    except (ValueError, KeyError, ImportError, AttributeError) as exc:
        raise ModelError(f"{p.name} is not a saved borderforecast model ({exc})") from None
    except ModelError as exc:
        raise ModelError(f"{p.name}: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise ModelError(f"{p.name}: {doc['class']!r} is not a borderforecast model class")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fit warned when it was first made
        fitted = cls(**doc["params"]).fit(doc["y"], doc["X"])
    if doc["package"] != __version__:
        warnings.warn(
            f"{p.name} was saved by borderforecast {doc['package']}, this is {__version__}: "
            "its model was refitted by this version",
            BorderforecastWarning,
            stacklevel=2,
        )
    return fitted
