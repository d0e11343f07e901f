"""Raw entry points: fit or forecast a series with a named model and its own intervals.

The public :func:`borderforecast.fit` and :func:`borderforecast.forecast`
(in :mod:`borderforecast.calibrated`) build on these and calibrate the
intervals on a backtest; these two return the model's raw intervals and the
model protocol's columns (``mean`` = the point forecast, a median for log
models). They sit below the backtest layer, which uses the same models.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .models.base import DEFAULT_LEVELS, BaseModel, FittedModel
from .models.registry import ModelSpec, list_specs, make_model


def fit(
    y: pd.Series,
    model: str | os.PathLike[str] | ModelSpec | BaseModel = "ets",
    X: pd.DataFrame | None = None,
    **params: Any,
) -> FittedModel:
    """Fit a named model (see :func:`list_models`) to a monthly series (raw intervals).

    Parameters
    ----------
    y : pandas.Series
        Monthly counts (e.g. from :func:`borderforecast.load`).
    model : str, path, ModelSpec or model object
        A spec name such as ``"ets"`` or ``"sarima"``, or a path to a spec file.
    X : pandas.DataFrame, optional
        Exogenous regressors aligned with ``y`` (models that support them).
    **params
        Override parameters of the spec (e.g. ``seed=1``).

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast import forecasting
    >>> fitted = forecasting.fit(bf.load(), model="snaive")
    >>> fc = fitted.forecast(3)
    >>> fc.columns.tolist(), fc.attrs["intervals"], fc.attrs["point"]
    (['mean', 'lo80', 'hi80', 'lo95', 'hi95'], 'raw', 'median')
    """
    return make_model(model, **params).fit(y, X=X)


def forecast(
    y: pd.Series,
    model: str | os.PathLike[str] | ModelSpec | BaseModel = "ets",
    h: int = 12,
    level: int | Sequence[int | float] = DEFAULT_LEVELS,
    X: pd.DataFrame | None = None,
    X_future: pd.DataFrame | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Fit ``model`` to ``y`` and forecast ``h`` months with the model's own intervals.

    Returns a DataFrame indexed by month with ``mean, lo80, hi80, lo95, hi95``
    (``mean`` = the point forecast; see :mod:`borderforecast.models.base`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast import forecasting
    >>> fc = forecasting.forecast(bf.load(), model="snaive", h=12)
    >>> len(fc), bool((fc["lo95"] <= fc["lo80"]).all())
    (12, True)
    """
    return fit(y, model, X=X, **params).forecast(h, level=level, X=X_future)


def list_models() -> pd.DataFrame:
    """The named model specifications, one row each (name, family, description).

    Examples
    --------
    >>> import borderforecast as bf
    >>> table = bf.list_models()
    >>> {"snaive", "ets", "sarima", "structural"} <= set(table.index)
    True
    >>> table.loc["snaive", "family"]
    'snaive'
    """
    rows = [
        {"name": s.name, "family": s.family, "description": s.description}
        for s in list_specs().values()
    ]
    return pd.DataFrame(rows, columns=["name", "family", "description"]).set_index("name")
