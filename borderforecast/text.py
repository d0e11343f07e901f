"""Text from data made safe for where it goes: spreadsheets, terminals, labels.

* :func:`csv_text`: every CSV the package writes for people goes through it; a text
  cell that starts with ``= + - @``, a tab or a carriage return gets a leading ``'``
  (OWASP's advice against formula injection: a spreadsheet shows it as text).
  :func:`csv_unquote` undoes it when the package reads its own CSV back.
* :func:`clean`: terminal escape sequences and control characters removed.

Examples
--------
>>> import pandas as pd
>>> print(csv_text(pd.DataFrame({"id": ["=1+1", "a"], "y": [-1.5, 2.0]}), index=False), end="")
id,y
'=1+1,-1.5
a,2.0
>>> clean("a\\x1b[31mred\\x07")
'ared'
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")


def _neutral(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA) else value


def csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """``frame.to_csv(**options)`` with formula-like text cells (and headers) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(_neutral)
    out.columns = [_neutral(str(c)) for c in out.columns]
    if options.get("index", True) and out.index.dtype == object:
        out.index = out.index.map(_neutral)
    options.setdefault("lineterminator", "\n")
    return str(out.to_csv(**options))


def csv_unquote(column: pd.Series) -> pd.Series:
    """Undo :func:`csv_text` on a text column read back."""
    return column.map(
        lambda v: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:2] in _FORMULA else v
    )


def clean(text: Any) -> str:
    """Text safe to print: terminal escape sequences and control characters removed
    (a file's cell or column name cannot move the cursor or recolour the terminal)."""
    return _CONTROL.sub("", str(text))
