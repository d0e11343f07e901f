"""A file as a table of cells: what kind of file it is, its encoding, delimiter and sheet.

The one reader of files the package did not make (a user's CSV or workbook; the
official Southwest CSV's text goes through :func:`decode` too). Every refusal is
one line naming the real problem: a folder, a pipe or a device instead of a file;
binary content; a workbook named ``.csv`` or text named ``.xlsx``; a header that
names a column twice; a row with more cells than the header (an unquoted
``1,234``?); a workbook of several sheets when none is named (``--sheet``); a
delimiter that cannot be told (``--delimiter``).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = p.write_text("month;count\\n2024-01;5\\n")
>>> t = read_table(p)
>>> t.frame.columns.tolist(), t.delimiter, t.rows.tolist()
(['month', 'count'], ';', [2])
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import MalformedFileError
from . import cells

EXCEL = (".xlsx", ".xlsm", ".xls")
DELIMITERS = (",", ";", "\t", "|")
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class Table:
    """The cells of a file: ``frame`` (text or Excel values, named columns), ``rows``
    (each row's number as a spreadsheet shows it: the header is row 1), and how it was read."""

    frame: pd.DataFrame
    rows: np.ndarray
    delimiter: str | None
    sheet: str | None
    path: Path


def check_file(path: Path) -> None:
    """Refuse a missing path, a folder, a pipe or a device, naming which."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise MalformedFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise MalformedFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise MalformedFileError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise MalformedFileError(f"{path}: not a regular file (a pipe or a device); save it first")


def decode(data: bytes, name: str) -> str:
    """Text of a file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252;
    bytes that are no text are refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise MalformedFileError(f"{name}: broken UTF-16 text") from None
    if b"\x00" in data[:65536]:
        raise MalformedFileError(f"{name}: binary content, not a text table (CSV)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise MalformedFileError(f"{name}: neither UTF-8 nor Windows-1252 text") from None
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(8, len(sample) // 100):
        raise MalformedFileError(f"{name}: binary content, not a text table (CSV)")
    return text


def open_text(path: Path) -> io.TextIOWrapper:
    """``path`` opened as UTF-8 (or UTF-16 with a BOM) text, to be read as it streams (a
    bad byte later on raises :class:`UnicodeDecodeError` where it is); binary refused."""
    handle = path.open("rb")
    head = handle.peek(65536)[:65536] if hasattr(handle, "peek") else b""
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and b"\x00" in head:
        handle.close()
        raise MalformedFileError(f"{path.name}: NUL bytes: binary content, not a text (CSV)")
    return io.TextIOWrapper(handle, encoding="utf-16" if utf16 else "utf-8-sig", newline="")


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read a CSV (any delimiter of :data:`DELIMITERS`, sniffed) or a workbook sheet."""
    p = Path(path)
    check_file(p)
    with p.open("rb") as handle:
        head = handle.read(8)
    is_book = head.startswith((_ZIP, _OLE))
    if p.suffix.lower() in EXCEL and not is_book:
        raise MalformedFileError(
            f"{p.name}: named {p.suffix} but holds no workbook; if it is a CSV, name it .csv"
        )
    if is_book:
        if p.suffix.lower() not in EXCEL:
            raise MalformedFileError(f"{p.name}: an Excel workbook; name it .xlsx")
        return _read_book(p, sheet)
    if sheet is not None:
        raise MalformedFileError(f"{p.name}: --sheet applies to a workbook, not to a CSV")
    return _read_text(p, decode(p.read_bytes(), p.name), delimiter)


def _read_book(p: Path, sheet: str | int | None) -> Table:
    try:
        book = pd.ExcelFile(p)
        names = [str(n) for n in book.sheet_names]
        if sheet is None and len(names) > 1:
            raise MalformedFileError(
                f"{p.name}: the workbook has {len(names)} sheets ({', '.join(map(repr, names))}); "
                "name one with --sheet (sheet=)"
            )
        if isinstance(sheet, str) and sheet not in names:
            if sheet.isdigit() and int(sheet) < len(names):
                sheet = int(sheet)
            else:
                raise MalformedFileError(
                    f"{p.name}: no sheet {sheet!r} (sheets: {', '.join(map(repr, names))})"
                )
        chosen = 0 if sheet is None else sheet
        frame = book.parse(chosen, dtype=object, header=None)
    except MalformedFileError:
        raise
    except (ValueError, KeyError, IndexError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MalformedFileError(f"{p.name}: cannot be read as a workbook ({detail})") from None
    label = names[chosen] if isinstance(chosen, int) and chosen < len(names) else str(chosen)
    return _table(p, frame, np.arange(len(frame)) + 1, None, label)


def _sniff(lines: list[str], name: str) -> str:
    """The delimiter under which the header and the first rows have the same number of
    cells (two or more); the one giving the header most cells when no such one exists."""
    widths = {d: [len(r) for r in csv.reader(lines, delimiter=d)] for d in DELIMITERS}
    even = [d for d, n in widths.items() if n[0] >= 2 and len(set(n)) == 1]
    widest = max(even or DELIMITERS, key=lambda d: widths[d][0])  # the first of the widest
    if widths[widest][0] >= 2:
        return widest
    raise MalformedFileError(
        f"{name}: one column only: no delimiter ({', '.join(map(repr, DELIMITERS))}) found "
        "in the header; give it with --delimiter"
    )


def _read_text(p: Path, text: str, delimiter: str | None) -> Table:
    lines = [ln for ln in text[:65536].splitlines()[:60] if ln.strip()]
    if not lines:
        raise MalformedFileError(f"{p.name}: the file is empty")
    if delimiter is not None and len(delimiter) != 1:
        raise MalformedFileError(f"--delimiter must be one character, not {delimiter!r}")
    d = delimiter or _sniff(lines, p.name)
    if '"' not in text:  # no quoting: one line per row, pandas' C parser (fast)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=d, header=None, dtype=str, engine="c",
                                na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_NONE)
        except pd.errors.ParserError as exc:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            if m is None:
                raise MalformedFileError(f"{p.name}: not CSV ({exc})") from None
            _too_wide(p, int(m.group(2)), int(m.group(3)), int(m.group(1)), d)
        return _table(p, frame, np.arange(len(frame)) + 1, d, None)
    records, numbers = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=d, strict=True)
    try:
        for rec in reader:
            if rec:
                records.append(rec)
                numbers.append(reader.line_num)
    except csv.Error as exc:
        raise MalformedFileError(f"{p.name}, line {reader.line_num}: not CSV ({exc})") from None
    widths = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    if (widths > widths[0]).any():
        i = int(np.argmax(widths > widths[0]))
        _too_wide(p, numbers[i], int(widths[i]), int(widths[0]), d)
    return _table(p, pd.DataFrame(records, dtype=object), np.asarray(numbers), d, None)


def _too_wide(p: Path, row: int, cells: int, width: int, d: str) -> None:
    raise MalformedFileError(
        f"{p.name}, row {row}: {cells} cells but the header has {width} (delimiter {d!r}); "
        "an unquoted number like 1,234? quote it, or give --delimiter"
    )


def _table(
    p: Path, frame: pd.DataFrame, rows: np.ndarray, d: str | None, sheet: str | None
) -> Table:
    """Header row + cells -> a Table (empty rows dropped, the header checked)."""
    for c in frame.columns:  # text cells stripped once, here (when any needs it)
        if _padded(frame[c]):
            frame[c] = frame[c].map(lambda v: v.strip() if isinstance(v, str) else v)
    filled = (frame.notna() & (frame != "")).to_numpy()
    keep = filled.any(axis=1)
    if not keep.any():
        raise MalformedFileError(f"{p.name}: the file holds no rows")
    frame, rows, filled = frame[keep], rows[keep], filled[keep]
    header = [str(v).strip() if f else "" for v, f in zip(frame.iloc[0], filled[0], strict=True)]
    while header and header[-1] == "" and not filled[1:, len(header) - 1].any():
        header.pop()  # trailing empty columns
    header = [h or f"column {i + 1}" for i, h in enumerate(header)]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in seen:
            raise MalformedFileError(
                f"{p.name}: column {h!r} appears twice in the header (columns {seen[h] + 1} "
                f"and {i + 1}); rename one"
            )
        seen[h] = i
    if len(frame) < 2:
        raise MalformedFileError(f"{p.name}: the file holds a header but no rows")
    body = frame.iloc[1:, : len(header)].reset_index(drop=True)
    body.columns = header
    return Table(body, np.asarray(rows[1:]), d, sheet, p)


_PADDED = re.compile(r"(?:^|\x00)\s|\s(?:\x00|$)")


def _padded(col: pd.Series) -> bool:
    """Whether a text cell of ``col`` starts or ends with white space."""
    if col.dtype != object:
        return False
    try:
        text = "\x00".join(col)
    except TypeError:  # not all text (a workbook's numbers, missing cells)
        return True
    return (" " in text or "\t" in text) and _PADDED.search(text) is not None


def unsaved_formula(table: Table, columns: list[str]) -> str | None:
    """``"row N, column 'c': ..."`` for the first formula cell of ``columns`` whose value the
    workbook does not hold (it was never computed and saved by a spreadsheet program)."""
    if table.sheet is None or table.path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    wanted = {table.frame.columns.get_loc(c): c for c in columns}
    empty = {
        (int(r), i) for i in wanted for r, v in zip(table.rows, table.frame.iloc[:, i], strict=True)
        if cells.empty(v)
    }  # fmt: skip
    if not empty:
        return None
    import openpyxl

    book = openpyxl.load_workbook(table.path, read_only=True, data_only=False)
    try:
        for row in book[table.sheet].iter_rows():
            for cell in row:
                key = (cell.row, cell.column - 1)
                if key in empty and isinstance(cell.value, str) and cell.value.startswith("="):
                    return (
                        f"row {cell.row}, column {wanted[key[1]]!r}: a formula ({cell.value[:40]}) "
                        "with no saved value; open and save the workbook in a spreadsheet "
                        "program, or paste values"
                    )
    finally:
        book.close()
    return None
