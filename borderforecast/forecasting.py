"""Raw entry points: fit or forecast a series with a named model and its own intervals.

The public :func:`borderforecast.fit` and :func:`borderforecast.forecast`
(in :mod:`borderforecast.calibrated`) build on these and calibrate the
intervals on a backtest; these two return the model's raw intervals and the
model protocol's columns (``mean`` = the point forecast, a median for log
models). They sit below the backtest layer, which uses the same models.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
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
    y: pd.Series | pd.DataFrame,
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

    ``y`` may also be a long panel (``unique_id, ds, y``; see
    :func:`borderforecast.from_long`): the result is then the long forecast
    frame of the ecosystem (``unique_id, ds, <model>, <model>-lo-80, ...``),
    see :func:`forecast_panel`.

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast import forecasting
    >>> fc = forecasting.forecast(bf.load(), model="snaive", h=12)
    >>> len(fc), bool((fc["lo95"] <= fc["lo80"]).all())
    (12, True)
    """
    from .data.userdata import is_long

    if is_long(y):
        return forecast_panel(y, model, h, level, **params)
    fc = fit(y, model, X=X, **params).forecast(h, level=level, X=X_future)
    if isinstance(model, str):
        fc.attrs["model"] = model
    return fc


def forecast_panel(
    panel: pd.DataFrame,
    model: str | os.PathLike[str] | ModelSpec | BaseModel = "ets",
    h: int = 12,
    level: int | Sequence[int | float] = DEFAULT_LEVELS,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    forecaster: Callable[[str, pd.Series], pd.DataFrame] | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Forecast every series of a long panel; one failing series does not stop the rest.

    ``forecaster(series_id, y)``, when given, makes each series' forecast frame
    (:func:`borderforecast.forecast` passes its calibrated forecast); by default
    the model's own (raw) intervals.

    Returns the long frame ``unique_id, ds, <model>, <model>-lo-80, <model>-hi-80,
    ...``; ``attrs["skipped"]`` maps each series that could not be forecast to
    the reason (also issued as a :class:`~borderforecast.errors.DataWarning`).
    Bad input for the whole call (an unknown model, a bad horizon) still raises.
    """
    import warnings

    from .data.userdata import from_long, to_long
    from .errors import BorderforecastError, DataError, DataWarning

    series = from_long(panel, id_col=id_col, time_col=time_col, target_col=target_col)
    spec = make_model(model, **params)  # an unknown model fails here, for every series
    name = model if isinstance(model, str) else spec.name
    parts, skipped = [], {}
    for sid, y in series.items():
        try:
            fc = forecaster(sid, y) if forecaster else spec.fit(y).forecast(h, level=level)
        except BorderforecastError as exc:
            if not isinstance(exc, DataError):
                raise
            skipped[sid] = str(exc)
            continue
        parts.append(to_long(fc, model=str(name), unique_id=sid, id_col=id_col, time_col=time_col))
    if not parts:
        raise DataError(
            "no series of the panel could be forecast: "
            + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    if skipped:
        warnings.warn(
            f"{len(skipped)} series skipped: "
            + "; ".join(f"{k} ({v})" for k, v in skipped.items()),
            DataWarning,
            stacklevel=2,
        )
    out = pd.concat(parts, ignore_index=True)
    out.attrs["skipped"] = skipped
    return out


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
