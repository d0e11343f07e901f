"""Bottom-up by demographic: single adults, family units and unaccompanied children, added up.

The Southwest total mixes flows that behave differently. Family-unit surges
(2014, 2016, 2019, 2021-2023) have each unwound within a year or two, while
single adults' level has persisted; a model of the total has to choose one
behaviour for both. This model forecasts each part on its own and adds the
forecasts:

* ``family_units``: ``stl_ses`` whose level reverts toward the part's mean
  (``revert = 0.9`` per month: half the distance in about 6.6 months);
* ``single_adults`` and ``uac``: ``stl_revert`` (the reversion speed estimated
  from the part's own recent record);
* the total is the sum of the three point forecasts. Its intervals are those
  of ``stl_revert`` on the total, centred on the bottom-up point (the
  backtest calibrates them, as for every model); sample paths likewise.

The parts come from the package's data store (``bf.load("demographic/...")``),
cut at the last month of the series being fitted, so a backtest never sees a
later month. They are used only when they add up to the series (every one of
the last ``min_months`` months within ``tolerance``), which holds for the USBP
Southwest total from October 2011 on. For any other series (a sector, your own
file) or an earlier end month, the model *is* ``stl_revert`` on the total, and
its summary says so.

On the 2011-2024 backtest (153 monthly origins, h = 1-12) it scores MASE 1.460
(origins to 2019: 0.844; 2020 on: 2.527), against 1.633 for statsforecast's
MSTL on log counts. Which part reverts, the speed 0.9 and ``min_months`` were
chosen by looking at that backtest (docs/guide/models.md gives the neighbourhood:
1.457-1.521 over the settings tried), so part of the gain is in-sample.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from .base import BaseModel, Prediction, gaussian_prediction
from .stl_revert import STLRevert
from .stl_ses import STLSES

PARTS = ("single_adults", "family_units", "uac")
"""The demographic parts of the USBP Southwest total (``bf.load("demographic/<part>")``)."""


def load_parts(end: pd.Timestamp) -> dict[str, pd.Series] | None:
    """The parts up to ``end`` on their common months, or None when the store has none.

    Reads the default data store (``BORDERFORECAST_HOME`` or the bundled data),
    once per process and store state.
    """
    from ..data import table

    parts = _all_parts(table.stamps(None))
    if parts is None:
        return None
    out = {p: s.loc[:end] for p, s in parts.items()}
    if any(len(s) == 0 or s.index[-1] != end for s in out.values()):
        return None
    return out


@functools.lru_cache(maxsize=4)
def _all_parts(stamps: tuple) -> dict[str, pd.Series] | None:
    import warnings

    from ..data import load

    parts: dict[str, pd.Series] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for p in PARTS:
                parts[p] = load(f"demographic/{p}").astype(float)
    except Exception:  # noqa: BLE001 - no parts (another store, no such series): total only
        return None
    start = max(s.index[0] for s in parts.values())
    end = min(s.index[-1] for s in parts.values())
    return {p: s.loc[start:end] for p, s in parts.items()}


@dataclass(frozen=True)
class _State:
    point: np.ndarray  # bottom-up point forecast (transformed scale), max horizon computed
    total: Any  # the stl_revert state of the total (spread, paths, fitted values)
    used_parts: bool
    reason: str
    detail: str
    parts: tuple[tuple[str, float, np.ndarray], ...] = ()  # (part, last month, point path)


class Demographic(BaseModel):
    """Bottom-up forecast of the USBP Southwest total from its demographic parts.

    Parameters
    ----------
    revert : float
        Monthly reversion factor of the family-units level (default 0.9).
    min_months : int
        Months of parts (ending at the series' last month) needed to use them
        (default 48); with fewer the model is ``stl_revert`` on the total.
    tolerance : float
        Largest relative gap between the parts' sum and the series in those
        months (default 0.01); a larger gap means the parts are not this
        series' parts, and the total alone is modelled.
    **kwargs
        ``log``, ``offset``, ``seed``, ``name`` (see :class:`BaseModel`).

    Examples
    --------
    >>> import borderforecast as bf
    >>> fit = Demographic().fit(bf.load(end="2019-08"))
    >>> fit.state.used_parts, fit.forecast(2).index[0].strftime("%Y-%m")
    (True, '2019-09')
    >>> Demographic().fit(bf.load("sector/tucson", end="2019-08")).state.used_parts
    False
    """

    family = "demographic"
    description = "Bottom-up: single adults, families (reverting), children; stl_revert each"
    min_length = 36
    horizon = 36  # the point path is computed this far once per fit

    def __init__(
        self,
        *,
        revert: float = 0.9,
        min_months: int = 48,
        tolerance: float = 0.01,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= float(revert) < 1.0:
            raise SpecError(f"model {self.name!r}: revert must be in [0, 1), got {revert!r}")
        if int(min_months) < 36:
            raise SpecError(f"model {self.name!r}: min_months must be >= 36, got {min_months!r}")
        if not 0.0 <= float(tolerance) < 0.5:
            raise SpecError(
                f"model {self.name!r}: tolerance must be in [0, 0.5), got {tolerance!r}"
            )
        self.revert = float(revert)
        self.min_months = int(min_months)
        self.tolerance = float(tolerance)

    @classmethod
    def inputs_digests(cls, y: pd.Series, origins: Sequence[pd.Timestamp]) -> dict:
        """Per origin, a digest of the parts this model reads (part of the backtest cache key)."""
        out = {}
        for o in origins:  # exactly what the fit at each origin reads
            h = hashlib.sha256()
            for name, s in sorted((load_parts(pd.Timestamp(o)) or {}).items()):
                h.update(f"{name}|{len(s)}|".encode())
                h.update(np.ascontiguousarray(s.to_numpy(dtype=float)).tobytes())
            out[o] = h.hexdigest()
        return out

    def applies(self, y: pd.Series) -> tuple[bool, str]:
        """Whether this model is more than ``stl_revert`` on ``y`` (counts), and if not, why.

        The report leaves out a model whose ``applies`` says no, with the reason.

        >>> import borderforecast as bf
        >>> Demographic().applies(bf.load("ofo"))[0]
        False
        """
        parts, reason = self._check_parts(y.astype(float))
        if parts is not None:
            return True, ""
        return False, (
            "it adds up separate forecasts of single adults, families and unaccompanied "
            f"children of the Southwest total, and {reason}, so on this series it would repeat "
            "stl_revert"
        )

    def _counts(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) - self.offset if self.log else np.asarray(z, dtype=float)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return np.log(np.maximum(x, 0.0) + self.offset) if self.log else x

    def _check_parts(self, y: pd.Series) -> tuple[dict[str, pd.Series] | None, str]:
        parts = load_parts(pd.Timestamp(y.index[-1]))
        if parts is None:
            return None, "no demographic parts in the data store for these months"
        n = len(next(iter(parts.values())))
        if n < self.min_months:
            return None, (
                f"the demographic parts cover {n} months to {y.index[-1]:%Y-%m}, fewer than "
                f"{self.min_months}"
            )
        idx = next(iter(parts.values())).index[-self.min_months :]
        total = y.reindex(idx).to_numpy(dtype=float)
        s = sum(p.reindex(idx).to_numpy(dtype=float) for p in parts.values())
        gap = np.abs(s - total) / np.maximum(total, 1.0)
        if not np.all(np.isfinite(gap)) or float(gap.max()) > self.tolerance:
            return None, (
                f"the demographic parts do not add up to this series (largest gap "
                f"{float(np.nanmax(gap)):.1%} in the last {self.min_months} months)"
            )
        return parts, ""

    def _part_point(self, name: str, x: pd.Series, h: int) -> tuple[np.ndarray, str]:
        """Point forecast (counts) of one part, and a phrase for the summary."""
        zx = self._forward(x.to_numpy(dtype=float))
        if name == "family_units":
            m = STLSES(revert=self.revert, log=self.log, offset=self.offset)
            st = m._fit(pd.Series(zx, index=x.index), None)
            zp = m.level_path(st, h) + m._season(st, h)
            phrase = f"{name} stl_ses reverting {self.revert:g}/month"
        else:
            r = STLRevert(log=self.log, offset=self.offset)
            rev, s = r.fit_arrays(zx)
            zp = rev.path(h) + r.season(s, h)
            phrase = f"{name} stl_revert (phi {rev.phi:.2f})"
        return self._counts(zp), phrase

    def _total_model(self) -> STLRevert:
        return STLRevert(log=self.log, offset=self.offset)

    def _total_path(self, total: Any, h: int) -> np.ndarray:
        """The point path of ``stl_revert`` on the total (transformed scale)."""
        return total.rev.path(h) + self._total_model().season(total.seasonal, h)

    def _fit(self, z: pd.Series, X: pd.DataFrame | None) -> _State:
        total = self._total_model()._fit(z, None)
        y = pd.Series(self._counts(z.to_numpy(dtype=float)), index=z.index)
        parts, reason = self._check_parts(y)
        h = self.horizon
        if parts is None:
            return _State(self._total_path(total, h), total, False, reason, "")
        pts, phrases = [], []
        for name, x in parts.items():
            p, phrase = self._part_point(name, x, h)
            pts.append(p)
            phrases.append(phrase)
        point = self._forward(np.sum(pts, axis=0))
        start = next(iter(parts.values())).index[0]
        detail = f"parts from {start:%Y-%m}: " + "; ".join(phrases)
        each = tuple(
            (name, float(x.iloc[-1]), np.asarray(pt))
            for (name, x), pt in zip(parts.items(), pts, strict=True)
        )
        return _State(point, total, True, "", detail, each)

    def part_forecasts(self, state: _State, h: int) -> pd.DataFrame:
        """Per part: its last month and its point forecast ``h`` months ahead (counts).

        Empty when the model fell back to the total. The columns are ``last``
        and ``h1`` .. ``h<h>`` (``h`` at most :attr:`horizon`).
        """
        h = min(h, self.horizon)
        rows = {n: [last, *path[:h]] for n, last, path in state.parts}
        cols = ["last", *(f"h{k}" for k in range(1, h + 1))]
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols)

    def _point(self, state: _State, h: int) -> np.ndarray:
        if h <= len(state.point):
            return state.point[:h]
        # beyond the precomputed path: hold the last step's distance to the total's path
        base = self._total_path(state.total, h)
        shift = state.point[-1] - base[len(state.point) - 1]
        return np.r_[state.point, base[len(state.point) :] + shift]

    def _fitted(self, state: _State) -> np.ndarray:
        return state.total.fitted

    def _predict(
        self, state: _State, h: int, levels: Sequence[float], X: pd.DataFrame | None
    ) -> Prediction:
        return gaussian_prediction(self._point(state, h), state.total.rev.se(h), levels)

    def _simulate(
        self, state: _State, h: int, n: int, rng: np.random.Generator, X: pd.DataFrame | None
    ) -> np.ndarray:
        # the total's AR(1) deviations from its own path, around the bottom-up point
        deviations = state.total.rev.simulate(h, n, rng) - state.total.rev.path(h)[None, :]
        return deviations + self._point(state, h)[None, :]

    def _summary(self, state: _State) -> str:
        r = state.total.rev
        spread = f"intervals from stl_revert on the total (one-step sd {np.sqrt(r.sigma2):.4f})"
        if state.used_parts:
            return f"Bottom-up by demographic ({state.detail}); {spread}"
        return f"stl_revert on the total ({state.reason}); {spread}"


MODEL = Demographic
