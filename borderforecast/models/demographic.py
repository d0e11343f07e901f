"""Bottom-up by demographic: single adults, family units and unaccompanied children, added up.

``family_units`` by ``stl_ses`` reverting 0.9 a month toward its mean; ``single_adults`` and
``uac`` by ``stl_revert``; the total is the sum of the points, with the intervals and paths of
``stl_revert`` on the total centred on it. The caller gives the parts (``fit(y, parts=...)``);
they are cut at the series' last month and used only when they add up to it (last
``min_months`` within ``tolerance``); otherwise the model *is* ``stl_revert`` on the total
(so labelled). See docs/guide/models.md ("demographic").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from .base import BaseModel, Prediction, gaussian_prediction
from .stl_revert import STLRevert
from .stl_ses import STLSES


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

    Parameters: ``revert``, the monthly reversion factor of the family-units level (0.9);
    ``min_months``, the months of parts (ending at the series' last month) needed to use them
    (48; with fewer it forecasts the total alone, with the :class:`STLRevert` class settings,
    tuned on the Southwest total, and says so in its summary); ``tolerance``, the largest
    relative gap between the parts' sum and the series in those months (0.01: a larger one
    means they are not this series' parts); and ``log``, ``offset``, ``seed``, ``name``.

    Examples
    --------
    >>> import borderforecast as bf
    >>> from borderforecast.data.parts import parts_for
    >>> y = bf.load(end="2019-08")
    >>> fit = Demographic().fit(y, parts=parts_for(bf.load()))
    >>> fit.state.used_parts, fit.name, fit.forecast(2).index[0].strftime("%Y-%m")
    (True, 'demographic', '2019-09')
    >>> Demographic().fit(bf.load("sector/tucson", end="2019-08")).summary().splitlines()[-1][:40]
    'the total alone (no demographic parts we'
    """

    family = "demographic"
    description = "Bottom-up: single adults, families (reverting), children; stl_revert each"
    uses_parts = True
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

    def applies(
        self, y: pd.Series, parts: Mapping[str, pd.Series] | None = None
    ) -> tuple[bool, str]:
        """Whether this model is more than ``stl_revert`` on ``y`` and ``parts``, and if not, why.

        The report leaves out a model whose ``applies`` says no, with the reason.

        >>> import borderforecast as bf
        >>> Demographic().applies(bf.load("ofo"))[0]
        False
        """
        parts, reason = self._check_parts(y.astype(float), parts)
        if parts is not None:
            return True, ""
        return False, (
            "it adds up separate forecasts of the demographic parts of a series, and "
            f"{reason}, so on this series it would forecast the total alone"
        )

    def _counts(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) - self.offset if self.log else np.asarray(z, dtype=float)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return np.log(np.maximum(x, 0.0) + self.offset) if self.log else x

    def _check_parts(
        self, y: pd.Series, given: Mapping[str, pd.Series] | None
    ) -> tuple[dict[str, pd.Series] | None, str]:
        parts = _common_months(given, pd.Timestamp(y.index[-1])) if given else None
        if parts is None:
            return None, "no demographic parts were given for these months"
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

    def _fit(self, z: pd.Series, X: pd.DataFrame | None, *given: Any) -> _State:
        total = self._total_model()._fit(z, None)
        y = pd.Series(self._counts(z.to_numpy(dtype=float)), index=z.index)
        parts, reason = self._check_parts(y, given[0] if given else None)
        h = self.horizon
        if parts is None:
            return _State(self._total_path(total, h), total, False, reason, "")
        done = {name: self._part_point(name, x, h) for name, x in parts.items()}
        point = self._forward(np.sum([pt for pt, _ in done.values()], axis=0))
        start = next(iter(parts.values())).index[0]
        detail = f"parts from {start:%Y-%m}: " + "; ".join(ph for _, ph in done.values())
        each = tuple((n, float(parts[n].iloc[-1]), np.asarray(pt)) for n, (pt, _) in done.items())
        return _State(point, total, True, "", detail, each)

    def part_forecasts(self, state: _State, h: int) -> pd.DataFrame | None:
        """Per part: its last month and its point forecast ``h`` months ahead (counts).

        None when the model fell back to the total. The columns are ``last``
        and ``h1`` .. ``h<h>`` (``h`` at most :attr:`horizon`).
        """
        if not state.used_parts:
            return None
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
        return f"the total alone ({state.reason}), by STLRevert's class settings; {spread}"


def _common_months(
    parts: Mapping[str, pd.Series], end: pd.Timestamp
) -> dict[str, pd.Series] | None:
    """The parts on their common months up to ``end``, or None unless each reaches ``end``."""
    series = {str(k): pd.Series(v, dtype=float) for k, v in parts.items()}
    if not series or any(len(s) == 0 for s in series.values()):
        return None
    start = max(s.index[0] for s in series.values())
    out = {k: s.loc[start:end] for k, s in series.items()}
    if any(len(s) == 0 or s.index[-1] != end for s in out.values()):
        return None
    return out


MODEL = Demographic
