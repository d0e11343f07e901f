"""Plain data on disk: objects to JSON plus numpy arrays, and back, with no code run on reading.

One ``.npz`` file (read with ``allow_pickle=False``): ``tree`` holds UTF-8 JSON, each numeric
array is an entry of its own. A value JSON cannot hold is tagged: ``{"nd": i}`` an array,
``ts`` a timestamp, ``series``/``frame``/``index`` pandas objects, ``tuple``, ``map`` (keys that
are not strings, mapping proxies), ``{"dc"|"obj": "module:Class", "f": {...}}`` a dataclass or
another instance (its attributes), ``fn`` a module-level function, ``partial`` one of those.
Reading sets attributes (no ``__init__``, no ``__setstate__``) and accepts a class or function
only where ``allow(module)`` says so (default: modules of borderforecast), refusing any other
name with :class:`ValueError` before importing it. What cannot be written this way (a lambda, a
C extension's state) raises :class:`TypeError`: no pickle unless the user trusts the file.

Examples
--------
>>> import pandas as pd
>>> y = pd.Series([1.0, 2.0], index=pd.date_range("2024-01", periods=2, freq="MS"))
>>> back = loads(dumps({"y": y, "k": (1, "a")}))
>>> back["y"].equals(y), back["y"].index.freqstr, back["k"]
(True, 'MS', (1, 'a'))
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import io
import json
import math
from collections.abc import Callable
from pathlib import PurePath
from types import FunctionType, MappingProxyType
from typing import Any

import numpy as np
import pandas as pd


def in_package(module: str) -> bool:
    """The default ``allow``: modules of borderforecast only."""
    return module == "borderforecast" or module.startswith("borderforecast.")


def dumps(obj: Any) -> bytes:
    """``obj`` as plain-data bytes (raises :class:`TypeError` on what cannot be written,
    such as a class or function outside borderforecast)."""
    arrays: list[np.ndarray] = []
    tree = _enc(obj, arrays)
    buf = io.BytesIO()
    named: dict[str, Any] = {f"a{i}": a for i, a in enumerate(arrays)}
    named["tree"] = np.frombuffer(json.dumps(tree).encode(), np.uint8)
    np.savez_compressed(buf, **named)
    return buf.getvalue()


def loads(data: bytes, allow: Callable[[str], bool] = in_package) -> Any:
    """The object written by :func:`dumps`; :class:`ValueError` if the bytes are not that."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        tree = json.loads(arrays.pop("tree").tobytes().decode())
    except (OSError, KeyError, UnicodeDecodeError, EOFError, ValueError) as exc:
        raise ValueError(f"not a plain-data file ({exc})") from None
    return _Decoder(arrays, allow).dec(tree)


def _name(obj: Any) -> str:
    if not in_package(str(obj.__module__)) or "<" in obj.__qualname__:
        raise TypeError(f"{obj.__module__}.{obj.__qualname__} is not plain data")
    return f"{obj.__module__}:{obj.__qualname__}"


def _index(ix: pd.Index, arrays: list) -> dict:
    if isinstance(ix, pd.RangeIndex):
        return {"range": [ix.start, ix.stop, ix.step], "name": _enc(ix.name, arrays)}
    if isinstance(ix, pd.DatetimeIndex):
        return {"dt": _enc(ix.asi8, arrays), "unit": ix.unit, "freq": ix.freqstr,
                "name": _enc(ix.name, arrays)}  # asi8 counts ix.unit (ns in pandas 2, us in 3)
    return {"values": _enc(ix.to_numpy(), arrays), "name": _enc(ix.name, arrays)}


def _enc(obj: Any, arrays: list) -> Any:  # noqa: PLR0911 - one branch per kind of value
    if obj is None or isinstance(obj, (bool, str, int)) and not isinstance(obj, enum.Enum):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, np.generic):
        return _enc(obj.item(), arrays)
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return {"list": [_enc(v, arrays) for v in obj.tolist()]}
        arrays.append(np.ascontiguousarray(obj))
        return {"nd": len(arrays) - 1}
    if isinstance(obj, list):
        return [_enc(v, arrays) for v in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return {"tuple": [_enc(v, arrays) for v in obj]}
    if isinstance(obj, dict) and type(obj) is dict and all(isinstance(k, str) for k in obj):
        return {"dict": {k: _enc(v, arrays) for k, v in obj.items()}}
    if isinstance(obj, (dict, MappingProxyType)):
        pairs = [[_enc(k, arrays), _enc(v, arrays)] for k, v in obj.items()]
        return {"map": pairs, "proxy": isinstance(obj, MappingProxyType)}
    if isinstance(obj, (set, frozenset)):
        return {"set": [_enc(v, arrays) for v in sorted(obj, key=repr)]}
    if isinstance(obj, pd.Timestamp) or obj is pd.NaT:
        return {"ts": None if obj is pd.NaT else obj.isoformat()}
    if isinstance(obj, pd.Period):
        return {"period": str(obj), "freq": obj.freqstr}
    if isinstance(obj, PurePath):
        return {"path": str(obj)}
    if isinstance(obj, pd.Series):
        return {"series": _enc(obj.to_numpy(), arrays), "index": _index(obj.index, arrays),
                "name": _enc(obj.name, arrays), "attrs": _enc(dict(obj.attrs), arrays)}
    if isinstance(obj, pd.DataFrame):
        cols = [_enc(obj.iloc[:, i].to_numpy(), arrays) for i in range(obj.shape[1])]
        return {"frame": cols, "columns": _index(obj.columns, arrays),
                "index": _index(obj.index, arrays), "attrs": _enc(dict(obj.attrs), arrays)}
    if isinstance(obj, pd.Index):
        return {"index": _index(obj, arrays)}
    if isinstance(obj, enum.Enum):
        return {"enum": _name(type(obj)), "value": _enc(obj.value, arrays)}
    if isinstance(obj, functools.partial):
        return {"partial": _enc(obj.func, arrays), "args": _enc(list(obj.args), arrays),
                "kw": _enc(dict(obj.keywords), arrays)}
    if isinstance(obj, FunctionType):
        return {"fn": _name(obj)}
    if isinstance(obj, type):
        return {"cls": _name(obj)}
    if dataclasses.is_dataclass(obj):
        f = {x.name: _enc(getattr(obj, x.name), arrays) for x in dataclasses.fields(obj)}
        return {"dc": _name(type(obj)), "f": f}
    if hasattr(obj, "__dict__"):
        return {"obj": _name(type(obj)), "f": {k: _enc(v, arrays) for k, v in vars(obj).items()}}
    raise TypeError(f"{type(obj).__module__}.{type(obj).__qualname__} is not plain data")


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], allow: Callable[[str], bool]) -> None:
        self.arrays, self.allow = arrays, allow

    def named(self, name: str) -> Any:
        module, _, qual = str(name).partition(":")
        if not self.allow(module):
            raise ValueError(f"{name!r} is not a borderforecast name: refused")
        obj: Any = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
        return obj

    def index(self, d: dict) -> pd.Index:
        name = self.dec(d["name"])
        if "range" in d:
            return pd.RangeIndex(*d["range"], name=name)
        if "dt" in d:
            unit = d.get("unit", "ns")
            return pd.DatetimeIndex(self.dec(d["dt"]).astype(f"datetime64[{unit}]"),
                                    freq=d["freq"], name=name)
        return pd.Index(self.dec(d["values"]), name=name)

    def dec(self, t: Any) -> Any:  # noqa: PLR0911, PLR0912 - one branch per kind of value
        if not isinstance(t, (dict, list)):
            return t
        if isinstance(t, list):
            return [self.dec(v) for v in t]
        if "nd" in t:
            return self.arrays[f"a{int(t['nd'])}"]
        if "float" in t:
            return float(t["float"])
        if "list" in t:
            out = np.empty(len(t["list"]), dtype=object)
            out[:] = [self.dec(v) for v in t["list"]]
            return out
        if "tuple" in t:
            return tuple(self.dec(v) for v in t["tuple"])
        if "dict" in t:
            return {k: self.dec(v) for k, v in t["dict"].items()}
        if "map" in t:
            m = {self.dec(k): self.dec(v) for k, v in t["map"]}
            return MappingProxyType(m) if t.get("proxy") else m
        if "set" in t:
            return {self.dec(v) for v in t["set"]}
        if "ts" in t:
            return pd.NaT if t["ts"] is None else pd.Timestamp(t["ts"])
        if "period" in t:
            return pd.Period(t["period"], freq=t["freq"])
        if "path" in t:
            from pathlib import Path

            return Path(t["path"])
        if "series" in t:
            s = pd.Series(self.dec(t["series"]), index=self.index(t["index"]),
                          name=self.dec(t["name"]))
            s.attrs.update(self.dec(t["attrs"]))
            return s
        if "frame" in t:
            cols = [self.dec(c) for c in t["frame"]]
            f = pd.DataFrame(dict(enumerate(cols)), index=self.index(t["index"]))
            f.columns = self.index(t["columns"])
            f.attrs.update(self.dec(t["attrs"]))
            return f
        if "index" in t:
            return self.index(t["index"])
        if "enum" in t:
            return self.named(t["enum"])(self.dec(t["value"]))
        if "partial" in t:
            return functools.partial(self.dec(t["partial"]), *self.dec(t["args"]),
                                     **self.dec(t["kw"]))
        if "fn" in t or "cls" in t:
            return self.named(t.get("fn") or t["cls"])
        if "dc" in t or "obj" in t:
            cls = self.named(t.get("dc") or t["obj"])
            if not isinstance(cls, type):
                raise ValueError(f"{t.get('dc') or t['obj']!r} is not a class")
            obj: Any = object.__new__(cls)
            for k, v in t["f"].items():
                object.__setattr__(obj, k, self.dec(v))
            return obj
        raise ValueError(f"unknown plain-data value {sorted(t)}")
