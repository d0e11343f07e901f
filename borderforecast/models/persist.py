"""Save a fitted model to a small file and load it back: ``FittedModel.save`` / ``load_model``.

The file is a compressed pickle with a short header (format, package
version). What a forecast does not need is dropped: a statsmodels
state-space result (SARIMA, structural) keeps only its model and estimated
parameters, and the Kalman filter is rerun on load (milliseconds, the same
numbers); its smoother output, parameter covariance and the filter's work
arrays, nearly all of the 13.8 MB a fitted SARIMA pickled to, are not stored.

Load only files you trust: like every pickle, a crafted file can run code.

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

import copy
import io
import os
import pickle
import warnings
import zlib
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import BorderforecastWarning, ModelError

MAGIC = b"BFMODEL1\n"
"""First bytes of a saved model (format version 1)."""


def _refilter(model: Any, params: np.ndarray, wrapped: bool) -> Any:
    """A state-space result rebuilt from its model and parameters (Kalman filter only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.filter(params, cov_type="none")
    return res if wrapped else res._results


def _lean(model: Any) -> Any:
    """A shallow copy of a state-space model without the Kalman filter's work arrays
    (``ssm._kalman_filters`` held 5.9 MB for a SARIMA; they are rebuilt on demand)."""
    lean = copy.copy(model)
    ssm = copy.copy(model.ssm)
    for cache in ("_kalman_filters", "_kalman_smoothers", "_kalman_simulators", "_statespaces"):
        if isinstance(getattr(ssm, cache, None), dict):
            setattr(ssm, cache, {})
    lean.ssm = ssm
    return lean


def _mapping_proxy(d: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(d)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, MappingProxyType):  # frozen options and spec parameters
            return _mapping_proxy, (dict(obj),)
        try:
            from statsmodels.tsa.statespace.mlemodel import MLEResults, MLEResultsWrapper
        except ImportError:  # pragma: no cover - statsmodels is a dependency
            return NotImplemented
        if isinstance(obj, MLEResultsWrapper):
            res = obj._results
            return _refilter, (_lean(res.model), np.asarray(res.params), True)
        if isinstance(obj, MLEResults):
            return _refilter, (_lean(obj.model), np.asarray(obj.params), False)
        return NotImplemented


def save_fitted(fitted: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``fitted`` (a :class:`~borderforecast.models.fitted.FittedModel`) to ``path``."""
    from ..atomic import write_bytes
    from ..version import __version__

    buf = io.BytesIO()
    try:
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(fitted)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise ModelError(f"model {fitted.name!r} cannot be saved: {exc}") from None
    header = MAGIC + __version__.encode() + b"\n"
    out = Path(path)
    if not out.parent.resolve().is_dir():
        raise ModelError(f"cannot save the model: folder {out.parent} does not exist")
    write_bytes(out, header + zlib.compress(buf.getvalue(), 6))
    return out


def load_model(path: str | os.PathLike[str]) -> Any:
    """Read a model written by :meth:`FittedModel.save` (only load files you trust).

    Raises
    ------
    ModelError
        If the file is not a saved borderforecast model.
    """
    from ..version import __version__
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read the model file {p}: {exc.strerror}") from None
    if not data.startswith(MAGIC):
        raise ModelError(f"{p.name} is not a saved borderforecast model")
    version, _, body = data[len(MAGIC) :].partition(b"\n")
    try:
        fitted = pickle.loads(zlib.decompress(body))
    except (zlib.error, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise ModelError(f"{p.name}: the saved model cannot be read ({exc})") from None
    if not _is_fitted_model(fitted):
        raise ModelError(f"{p.name} does not hold a fitted model")
    if version.decode(errors="replace") != __version__:
        warnings.warn(
            f"{p.name} was saved by borderforecast {version.decode(errors='replace')}, "
            f"this is {__version__}: refit if its forecasts look wrong",
            BorderforecastWarning,
            stacklevel=2,
        )
    return fitted


def _is_fitted_model(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`~borderforecast.models.fitted.FittedModel` (by its class
    lineage, so that this module need not import ``fitted``, which imports it)."""
    return any(
        c.__name__ == "FittedModel" and c.__module__ == "borderforecast.models.fitted"
        for c in type(obj).__mro__
    )
