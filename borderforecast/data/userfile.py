"""A user's file as a header and chunks of cells: its kind, encoding, delimiter and sheet.

A CSV's encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252) and
delimiter (one of :data:`DELIMITERS`) are sniffed from its first 64 KiB; it is then read
as it streams, :data:`CHUNK` rows at a time. A workbook sheet is read whole. Every refusal
is one line naming the real problem: a folder or a device, binary content, a workbook named
``.csv`` or text named ``.xlsx``, a header naming a column twice, a row wider than the
header (an unquoted ``1,234``?), several sheets and no ``--sheet``, no delimiter found.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MalformedFileError

EXCEL = (".xlsx", ".xlsm", ".xls")
DELIMITERS = (",", ";", "\t", "|")
CHUNK = 20_000
"""Rows per chunk: a CSV is read, checked and reduced this many rows at a time."""
HEAD = 1 << 16
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
_BOMS = (b"\xff\xfe", b"\xfe\xff")

Chunk = tuple[pd.DataFrame, np.ndarray]


class Reread(Exception):
    """Read the file again with the options in ``args[0]`` (what its rest settled)."""


@dataclass(frozen=True)
class Table:
    """A file's ``header`` and its non-empty rows in ``chunks``: frames of stripped cells
    under the header's names, with the rows' numbers as a spreadsheet shows them."""

    header: list[str]
    chunks: Iterator[Chunk]
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


def _binary(name: str, why: str) -> MalformedFileError:
    return MalformedFileError(f"{name}: binary content ({why}), not a text table (CSV)")


def open_text(path: Path, encoding: str = "utf-8-sig") -> io.TextIOWrapper:
    """``path`` as text to be read as it streams (UTF-16 when it starts with a BOM; a bad
    byte later on raises :class:`UnicodeDecodeError` where it is); NUL bytes refused."""
    handle = io.BufferedReader(io.FileIO(path), HEAD)
    head = handle.peek(HEAD)[:HEAD]
    utf16 = head.startswith(_BOMS)
    if not utf16 and b"\x00" in head:
        handle.close()
        raise _binary(path.name, "NUL bytes")
    return io.TextIOWrapper(handle, encoding="utf-16" if utf16 else encoding, newline="")


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Table:
    """Open a CSV (delimiter and encoding sniffed unless given) or a workbook sheet."""
    p = Path(path)
    check_file(p)
    with p.open("rb") as handle:
        head = handle.read(HEAD)
    is_book = head.startswith((_ZIP, _OLE))
    if p.suffix.lower() in EXCEL and not is_book:
        raise MalformedFileError(
            f"{p.name}: named {p.suffix} but holds no workbook; if it is a CSV, name it .csv"
        )
    if is_book:
        if p.suffix.lower() not in EXCEL:
            raise MalformedFileError(f"{p.name}: an Excel workbook; name it .xlsx")
        frame, label = _read_book(p, sheet)
        return _table(p, iter([(frame, np.arange(len(frame)) + 1)]), None, label)
    if sheet is not None:
        raise MalformedFileError(f"{p.name}: --sheet applies to a workbook, not to a CSV")
    if head.startswith(_BOMS):
        encoding = "utf-16"
    elif b"\x00" in head:
        raise _binary(p.name, "NUL bytes")
    for enc in [encoding] if encoding else ["utf-8-sig", "cp1252"]:
        try:
            sample = codecs.getincrementaldecoder(enc)().decode(head)
            break
        except UnicodeDecodeError:
            continue
    else:
        what = "broken UTF-16" if enc == "utf-16" else "neither UTF-8 nor Windows-1252"
        raise MalformedFileError(f"{p.name}: {what} text")
    if sum(ord(ch) < 32 and ch not in "\t\r\n" for ch in sample) > max(8, len(sample) // 100):
        raise _binary(p.name, "control characters")
    lines = [ln for ln in sample.splitlines()[:60] if ln.strip()]
    if not lines:
        raise MalformedFileError(f"{p.name}: the file is empty")
    if delimiter is not None and len(delimiter) != 1:
        raise MalformedFileError(f"--delimiter must be one character, not {delimiter!r}")
    d = delimiter or _sniff(lines, p.name)
    width = len(next(csv.reader(lines[:1], delimiter=d)))
    return _table(p, _csv_chunks(p, enc, d, width), d, None)


def _csv_chunks(p: Path, encoding: str, d: str, width: int) -> Iterator[Chunk]:
    """Blocks of lines read by pandas' C parser while they hold no quote (every delimiter
    separates cells, so a row wider than the header is found by counting); by the csv
    module from the first quote on."""
    start = 1
    with open_text(p, encoding) as handle:
        try:
            while block := list(islice(handle, CHUNK)):
                text = "".join(block)
                if '"' in text:
                    yield from _quoted(p, chain(block, handle), d, width, start)
                    return
                cells = np.fromiter((ln.count(d) for ln in block), np.int64, len(block)) + 1
                _width(p, cells, width, start, d)
                yield pd.read_csv(io.StringIO(text), sep=d, header=None, names=range(width),
                                  dtype=str, na_filter=False, skip_blank_lines=False,
                                  quoting=csv.QUOTE_NONE), np.arange(start, start + len(block))
                start += len(block)
        except UnicodeDecodeError:
            if encoding == "utf-8-sig":
                raise Reread({"encoding": "cp1252"}) from None  # UTF-8 at its head only
            what = "broken UTF-16" if encoding == "utf-16" else "neither UTF-8 nor Windows-1252"
            raise MalformedFileError(f"{p.name}: {what} text") from None


def _quoted(p: Path, lines: Iterator[str], d: str, width: int, start: int) -> Iterator[Chunk]:
    reader, first = csv.reader(lines, delimiter=d, strict=True), start
    try:
        while records := list(islice(reader, CHUNK)):
            _width(p, np.fromiter(map(len, records), np.int64, len(records)), width, start, d)
            yield pd.DataFrame(records, dtype=object), np.arange(start, start + len(records))
            start += len(records)
    except csv.Error as exc:
        line = first - 1 + reader.line_num
        raise MalformedFileError(f"{p.name}, line {line}: not CSV ({exc})") from None


def _width(p: Path, cells: np.ndarray, width: int, start: int, d: str) -> None:
    if (cells > width).any():
        i = int(np.argmax(cells > width))
        raise MalformedFileError(
            f"{p.name}, row {start + i}: {cells[i]} cells but the header has {width} "
            f"(delimiter {d!r}); an unquoted number like 1,234? quote it, or give --delimiter"
        )


def _read_book(p: Path, sheet: str | int | None) -> tuple[pd.DataFrame, str]:
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
        frame = pd.read_excel(book, sheet_name=chosen, dtype=object, header=None)
    except MalformedFileError:
        raise
    except (ValueError, KeyError, IndexError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MalformedFileError(f"{p.name}: cannot be read as a workbook ({detail})") from None
    return frame, names[chosen] if isinstance(chosen, int) and chosen < len(names) else str(chosen)


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


def _table(p: Path, raw: Iterator[Chunk], d: str | None, sheet: str | None) -> Table:
    """Raw chunks -> a Table: the first non-empty row is the header, checked."""
    chunks = (_filled(frame, rows) for frame, rows in raw)
    found = next((c for c in chunks if len(c[0])), None)
    if found is None:
        raise MalformedFileError(f"{p.name}: the file holds no rows")
    frame, rows, filled = found
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

    def body(frame: pd.DataFrame, rows: np.ndarray) -> Chunk:
        n = min(len(header), frame.shape[1])
        return frame.iloc[:, :n].set_axis(header[:n], axis=1).reindex(columns=header), rows

    def bodies(frame: pd.DataFrame, rows: np.ndarray) -> Iterator[Chunk]:
        yield body(frame.iloc[1:], rows[1:])
        del frame, rows  # memory holds one chunk
        for f, r, _ in chunks:
            if len(f):
                yield body(f, r)

    parts = (c for c in bodies(frame, rows) if len(c[0]))
    first = next(parts, None)
    if first is None:
        raise MalformedFileError(f"{p.name}: the file holds a header but no rows")
    return Table(header, chain([first], parts), d, sheet, p)


def blank(cells: Any) -> np.ndarray:
    """Whether each cell is empty: None, NaN, NaT or blank text (cells come stripped); numpy's
    comparisons (several times faster than pandas' on text)."""
    cells = np.asarray(cells, dtype=object)
    return (cells == "") | (cells != cells) | (cells == np.array(None))


def _filled(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The non-empty rows of ``frame`` (text cells stripped), their numbers, which cells are
    filled."""
    for c in frame.columns:
        if _padded(frame[c]):
            frame[c] = frame[c].map(lambda v: v.strip() if isinstance(v, str) else v)
    filled = ~blank(frame)
    keep = filled.any(axis=1)
    return frame[keep], rows[keep], filled[keep]


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
