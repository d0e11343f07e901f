"""The user-file corpus: malformed and tricky files, each read as it must be, or refused
with one line naming the real problem (issue 20).

Every case is generated here (no binary fixtures): ``(name, file, options, expected)``,
where ``expected`` is either the counts the file holds (values and first month) or a
regular expression the error message must match. Every case goes through
:func:`read_series`; a representative subset goes through ``forecast --input`` and
``backtest --input`` too (exit 2 and the same message, or exit 0).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest

from borderforecast.data.userdata import read_series
from borderforecast.errors import DataError

TODAY = pd.Timestamp("2026-01-01")
M36 = pd.date_range("2020-01-01", periods=36, freq="MS")
V36 = [1000 + 37 * i + (i % 12) * 50 for i in range(36)]


def _csv(rows, header=("month", "count"), sep=",", end="\n", enc="utf-8") -> bytes:
    text = end.join([sep.join(header), *(sep.join(map(str, r)) for r in rows)]) + end
    return text.encode(enc)


def _good(fmt=lambda m: f"{m:%Y-%m}", vals=None, **kw) -> bytes:
    return _csv([(fmt(m), v) for m, v in zip(M36, vals or V36, strict=True)], **kw)


def _xlsx(tmp, frames: dict, formula: str | None = None) -> bytes:
    path = tmp / "book.xlsx"
    with pd.ExcelWriter(path) as xw:
        for name, f in frames.items():
            f.to_excel(xw, sheet_name=name, index=False)
    if formula:
        import openpyxl

        book = openpyxl.load_workbook(path)
        book.active["B5"] = formula  # no cached value: never computed by a spreadsheet
        book.save(path)
    return path.read_bytes()


OK = "ok"
ONE = pd.DataFrame({"month": M36.strftime("%Y-%m"), "count": V36})


def _cases(tmp) -> list[tuple[str, str, bytes, dict, object]]:
    """(name, file name, bytes, read options, expected: (values, first month) or a regex)."""
    good = (V36, "2020-01")
    c: list[tuple[str, str, bytes, dict, object]] = []
    add = lambda name, data, expected, opts=None, file="f.csv": c.append(  # noqa: E731
        (name, file, data, opts or {}, expected)
    )
    # -- encodings and line endings
    add("utf8", _good(), good)
    add("utf8 bom", b"\xef\xbb\xbf" + _good(), good)
    add("utf16 le bom", _good(enc="utf-16"), good)
    add("utf16 be bom", b"\xfe\xff" + _good().decode().encode("utf-16-be"), good)
    add("cp1252 header", _good(header=("Monat", "Anzahl Fälle"), enc="cp1252"), good)
    add("crlf", _good(end="\r\n"), good)
    add("cr only", _good(end="\r"), good)
    add("random bytes", bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)),
        r"binary content|not a text table|neither UTF-8")
    add("nul bytes", b"month,count\n2020-01,\x00\x00\x00\n", "binary content")
    add("empty file", b"", "the file is empty")
    add("blank lines only", b"\n\n  \n", "the file is empty")
    add("header only", b"month,count\n", "a header but no rows")
    add("control chars", b"\x01\x02\x03\x04\x05\x06\x07\x08" * 100, "binary content")
    # -- delimiters
    add("semicolon", _good(sep=";"), good)
    add("tab", _good(sep="\t"), good)
    add("pipe", _good(sep="|"), good)
    add("semicolon, explicit", _good(sep=";"), good, {"delimiter": ";"})
    add("one column", b"month count\n2020-01 5\n", "one column only.*--delimiter")
    add("unquoted thousands", _good(vals=[f"{v:,}" for v in V36]),
        r"row 2: 3 cells but the header has 2.*1,234")
    add("quoted thousands", _csv([(f"{m:%Y-%m}", f'"{v:,}"') for m, v in zip(M36, V36,
                                                                            strict=True)]), good)
    add("tab with comma thousands", _good(sep="\t", vals=[f"{v:,}" for v in V36]), good)
    add("bad delimiter option", _good(), "one character", {"delimiter": ";;"})
    add("extra trailing commas", _csv([(f"{m:%Y-%m}", v, "") for m, v in zip(M36, V36,
                                                                           strict=True)],
                                      header=("month", "count", "")), good)
    # -- numbers
    eu = [v * 1000 for v in range(35, 71)]
    add("dot thousands, all round", _good(vals=[f"{v // 1000}.000" for v in eu], sep=";"),
        r"row 2, column 'count': '35.000' could be 35 or 35000; give --thousands \.")
    add("dot thousands, comma separator", _good(vals=[f'"{v // 1000}.000"' for v in eu]),
        r"'35.000' could be 35 or 35000")
    add("dot thousands settled by option", _good(vals=[f"{v // 1000}.000" for v in eu], sep=";"),
        (eu, "2020-01"), {"thousands": "."})
    add("dot thousands settled by decimal comma", _good(vals=[f"{v // 1000}.000" for v in eu],
                                                        sep=";"), (eu, "2020-01"),
        {"decimal": ","})
    add("dot decimal by option", _good(vals=[f"{v}.000" for v in V36], sep=";"), good,
        {"decimal": "."})
    add("dot thousands settled by millions", _good(
        vals=["1.234.567"] + [f"{v // 1000}.000" for v in eu[1:]], sep=";"),
        ([1234567] + eu[1:], "2020-01"))
    add("dot decimal settled by .0", _good(vals=[f"{v}.0" for v in V36]), good)
    add("1.234 alone", _csv([("2020-01", '"1.234"')]), r"'1\.234' could be 1 or 1234")
    add("european full", _good(vals=[f"{v // 1000}.{v % 1000:03d},0" for v in eu], sep=";"),
        (eu, "2020-01"))
    add("comma thousands", _good(vals=[f'"{v:,}"' for v in eu]), (eu, "2020-01"))
    add("comma ambiguous in semicolon file", _good(vals=[f"{v // 1000},000" for v in eu],
                                                   sep=";"),
        r"'35,000' could be 35 or 35000; give --thousands ,")
    add("comma settled by option", _good(vals=[f"{v // 1000},000" for v in eu], sep=";"),
        (eu, "2020-01"), {"thousands": ","})
    add("comma decimal settled", _good(vals=[f"{v},5" if i == 3 else f"{v},0" for i, v in
                                             enumerate(V36)], sep=";"),
        r"row 5, column 'count': '1261,5' is not a count")
    add("space thousands", _good(vals=[f"{v // 1000} {v % 1000:03d}" for v in eu], sep=";"),
        (eu, "2020-01"))
    add("nbsp thousands", _good(vals=[f"{v // 1000}\u00a0{v % 1000:03d}" for v in eu], sep=";"),
        (eu, "2020-01"))
    add("apostrophe thousands", _good(vals=[f"{v // 1000}'{v % 1000:03d}" for v in eu],
                                      sep=";"), (eu, "2020-01"))
    add("fraction", _good(vals=[f"{v}.5" for v in V36]), r"row 2.*'1000\.5' is not a count")
    add("negative", _good(vals=[-5] + V36[1:]), r"row 2.*negative count")
    add("word", _good(vals=["n/a"] + V36[1:]), r"row 2.*'n/a' is not a count")
    add("empty count", _good(vals=[""] + V36[1:]), r"row 2, column 'count': empty count")
    add("scientific", _good(vals=["1e3"] + V36[1:]), r"row 2.*'1e3' is not a count")
    add("full-width digits", _good(vals=["１２３"] + V36[1:]), r"row 2.*is not a count")
    add("too large", _good(vals=[99_000_000] + V36[1:]), r"row 2")
    add("nan text", _good(vals=["NaN"] + V36[1:]), r"row 2.*is not a count")
    add("mixed separators", _good(vals=["1.234.567", "12.5"] + V36[2:], sep=";"),
        r"both as decimal and thousands")
    add("bad decimal option", _good(), r"--decimal must be", {"decimal": "x"})
    add("thousands none", _good(vals=[f'"{v:,}"' for v in eu]), r"row 2.*is not a count",
        {"thousands": "none"})
    # -- dates
    add("iso day", _good(lambda m: f"{m:%Y-%m-%d}"), good)
    add("month name", _good(lambda m: f"{m:%b %Y}"), good)
    add("full month name", _good(lambda m: f"{m:%B %Y}"), good)
    add("slash year first", _good(lambda m: f"{m:%Y/%m}"), good)
    add("month/year", _good(lambda m: f"{m.month}/{m.year}"), good)
    add("datetime text", _good(lambda m: f"{m:%Y-%m-%d 00:00:00}"), good)
    add("day first, day 1", _good(lambda m: f"{m:%d/%m/%Y}"), good)
    add("month first, day 1", _good(lambda m: f"{m:%m/%d/%Y}"), good)
    add("day first dotted", _good(lambda m: f"{m:%d.%m.%Y}"), good)
    add("day first, day 15", _good(lambda m: f"15/{m:%m/%Y}"), good)
    add("month first, day 28", _good(lambda m: f"{m:%m}/28/{m:%Y}"), good)
    add("ambiguous single row", _csv([("01/08/2019", 5)]),
        r"row 2, column 'month': '01/08/2019' may be day first or month first; give "
        r"--date-format")
    add("ambiguous both vary", _csv([("01/02/2019", 5), ("02/01/2019", 6)]),
        r"may be day first or month first")
    add("date format settles", _csv([("01/08/2019", 5)]), ([5], "2019-08"),
        {"date_format": "%d/%m/%Y"})
    add("date format wrong", _csv([("2019-08", 5)]), r"does not match --date-format",
        {"date_format": "%d/%m/%Y"})
    add("mixed day and month first", _csv([("13/01/2019", 5), ("01/13/2019", 6)]),
        r"mix day-first and month-first")
    add("two-digit year name", _good(lambda m: f"{m:%b-%y}"), r"row 2.*'Jan-20' has a "
        r"two-digit year.*--date-format")
    add("two-digit year numeric", _good(lambda m: f"{m:%m/%y}"), r"two-digit year")
    add("two-digit year dmy", _good(lambda m: f"{m:%d/%m/%y}"), r"two-digit year")
    add("two-digit year settled", _good(lambda m: f"{m:%b-%y}"), good, {"date_format": "%b-%y"})
    add("year and month columns", _csv([(2020, "January", 5), (2020, "February", 6)],
                                       header=("year", "month", "count")),
        r"year and month are in separate columns")
    add("year only", _csv([(2019, 5), (2020, 6)], header=("year", "count")),
        r"no month column")
    add("month 13", _csv([("2019-13", 5)]), r"row 2.*'2019-13' is not a month")
    add("empty month", _csv([("2019-01", 5), ("", 6)]), r"row 3, column 'month': empty month")
    add("duplicate month", _csv([("2019-01", 5), ("2019-01", 6)]),
        r"month 2019-01 appears twice \(rows 2, 3\)")
    add("gap", _csv([("2019-01", 5), ("2019-03", 6)]), r"missing months 2019-02")
    add("future", _csv([("2025-12", 5), ("2026-02", 6)]), r"row 3: month 2026-02 is after")
    add("weekly dates", _csv([(f"{d:%Y-%m-%d}", 5) for d in
                              pd.date_range("2019-01-07", periods=8, freq="W-MON")]),
        r"month 2019-01 appears twice")
    add("header is data", _csv([("2019-02", 6)], header=("2019-01", "5")),
        r"the first row holds data \('2019-01'\)")
    add("unsorted months", _csv([("2019-02", 6), ("2019-01", 5)]), ([5, 6], "2019-01"))
    # -- ids
    panel = [(i, f"{m:%Y-%m}", v) for i in ("a", "b") for m, v in zip(M36, V36, strict=True)]
    add("panel", _csv(panel, header=("unique_id", "month", "count")), "panel")
    rows = [list(r) for r in panel]
    for r in rows[36:40]:
        r[0] = ""
    add("four empty ids", _csv(rows, header=("unique_id", "month", "count")),
        r"column 'unique_id': empty ids? in rows 38, 39, 40, 41; fill them")
    add("esc in id", _csv([("a\x1b[31m", "2019-01", 5)], header=("unique_id", "month", "count")),
        r"row 2, column 'unique_id': .* holds a control character")
    add("newline in quoted id", b'unique_id,month,count\n"a\nb",2019-01,5\n',
        r"holds a control character")
    add("tab in id", _csv([("a\tb", "2019-01", 5)], header=("unique_id", "month", "count"),
                          sep=";"), r"holds a control character")
    add("padded ids", _csv([(" a ", f"{m:%Y-%m}", v) for m, v in zip(M36, V36, strict=True)],
                           header=("unique_id", "month", "count")), good)
    add("formula-like id", _csv([("=1+1", f"{m:%Y-%m}", v) for m, v in zip(M36, V36,
                                                                          strict=True)],
                                header=("unique_id", "month", "count")), good)
    add("unicode id", _csv([("Zürich ☃", f"{m:%Y-%m}", v) for m, v in zip(M36, V36,
                                                                          strict=True)],
                           header=("unique_id", "month", "count")), good)
    add("id duplicate month", _csv([("a", "2019-01", 5), ("a", "2019-01", 6)],
                                   header=("unique_id", "month", "count")),
        r"id 'a', month 2019-01 appears twice")
    add("id col option", _csv(panel, header=("sector", "month", "count")), "panel",
        {"id_col": "sector"})
    add("unknown id col", _good(), r"no id column 'sectr'", {"id_col": "sectr"})
    # -- headers
    add("duplicate header", _csv([("2019-01", 5, 6)], header=("month", "count", "count")),
        r"column 'count' appears twice in the header")
    add("empty header name", _csv([(f"{m:%Y-%m}", v) for m, v in zip(M36, V36, strict=True)],
                                  header=("", "count")), good)
    add("spaced header", _good(header=(" month ", " count ")), good)
    add("several count columns", _csv([("2019-01", 5, 6)], header=("month", "a", "b")),
        r"several count columns")
    add("no count column", _csv([("2019-01", "x")], header=("month", "note")), r"row 2.*'x'")
    add("more cells than header", b"month,count\n2019-01,5\n2019-02,6,7\n",
        r"row 3: 3 cells but the header has 2")
    add("fewer cells", b"month,count\n2019-01,5\n2019-02\n", r"row 3.*empty count")
    add("quote error", b'month,count\n"2019-01,5\n', r"line 2: not CSV \(unexpected end of data\)")
    # -- Excel
    add("xlsx", _xlsx(tmp, {"data": ONE}), good, file="f.xlsx")
    two = {"notes": pd.DataFrame({"note": ["hello"]}), "data": ONE}
    add("xlsx two sheets", _xlsx(tmp, two), r"2 sheets \('notes', 'data'\); name one with --sheet",
        file="f.xlsx")
    add("xlsx sheet by name", _xlsx(tmp, two), good, {"sheet": "data"}, file="f.xlsx")
    add("xlsx sheet by number", _xlsx(tmp, two), good, {"sheet": "1"}, file="f.xlsx")
    add("xlsx unknown sheet", _xlsx(tmp, two), r"no sheet 'dat'", {"sheet": "dat"}, file="f.xlsx")
    add("xlsx formula", _xlsx(tmp, {"data": ONE}, "=B4*2"),
        r"row 5, column 'count': a formula \(=B4\*2\) with no saved value", file="f.xlsx")
    dates = pd.DataFrame({"when": M36, "n": V36})
    add("xlsx datetimes", _xlsx(tmp, {"d": dates}), good, file="f.xlsx")
    add("xlsx text counts", _xlsx(tmp, {"d": ONE.assign(count=[f"{v:,}" for v in V36])}), good,
        file="f.xlsx")
    add("xlsx fraction", _xlsx(tmp, {"d": ONE.assign(count=[v + 0.5 for v in V36])}),
        r"row 2.*not a whole number", file="f.xlsx")
    add("xlsx empty id", _xlsx(tmp, {"d": ONE.assign(unique_id=["a"] * 35 + [None])}),
        r"empty id in row 37", file="f.xlsx")
    add("csv named xlsx", _good(), r"named \.xlsx but holds no workbook", file="f.xlsx")
    add("xlsx named csv", _xlsx(tmp, {"data": ONE}), r"an Excel workbook; name it \.xlsx")
    add("sheet on a csv", _good(), r"--sheet applies to a workbook", {"sheet": "x"})
    # -- sizes
    add("one month", _csv([("2019-01", 5)]), ([5], "2019-01"))
    big = [(f"s{i}", f"{m:%Y-%m}", v) for i in range(300) for m, v in zip(M36, V36, strict=True)]
    add("300-series panel", _csv(big, header=("unique_id", "month", "count")), "panel")
    return c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corpus")
    cases = []
    for i, (name, file, data, opts, expected) in enumerate(_cases(tmp)):
        folder = tmp / f"{i:03d}"
        folder.mkdir()
        (folder / file).write_bytes(data)
        cases.append((name, folder / file, opts, expected))
    return cases


def _check(path, opts, expected):
    """(clean, detail): the right values, or a DataError whose one line matches."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = read_series(path, today=TODAY, **opts)
    except DataError as exc:
        text = str(exc)
        ok = isinstance(expected, str) and expected not in (OK, "panel")
        import re

        return ok and re.search(expected, text) is not None and "\n" not in text, text
    if expected == "panel":
        return isinstance(got, pd.DataFrame) and got["unique_id"].nunique() > 1, "panel"
    if isinstance(expected, tuple):
        values, first = expected
        ok = (isinstance(got, pd.Series) and got.tolist() == [float(v) for v in values]
              and f"{got.index[0]:%Y-%m}" == first)
        return ok, f"read {got.head(3).tolist()}..."
    return False, f"read a {type(got).__name__}, expected an error {expected!r}"


def test_corpus_has_over_a_hundred_files(corpus):
    assert len(corpus) >= 100


def test_every_corpus_file_is_read_right_or_refused_by_name(corpus):
    unclean = []
    for name, path, opts, expected in corpus:
        ok, detail = _check(path, opts, expected)
        if not ok:
            unclean.append(f"{name}: {detail}")
    assert not unclean, "\n".join(unclean)


def test_special_files_are_named(tmp_path):
    from borderforecast.errors import MalformedFileError

    with pytest.raises(MalformedFileError, match="is a folder, not a file"):
        read_series(tmp_path)
    with pytest.raises(MalformedFileError, match="no such file"):
        read_series(tmp_path / "missing.csv")
    with pytest.raises(MalformedFileError, match="not a regular file"):
        read_series("/dev/zero")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.csv")
        with pytest.raises(MalformedFileError, match="not a regular file"):
            read_series(tmp_path / "pipe.csv")


CLI_CASES = [
    "semicolon",
    "dot thousands, all round",
    "dot thousands settled by option",
    "four empty ids",
    "xlsx formula",
    "xlsx two sheets",
    "ambiguous single row",
    "two-digit year name",
    "random bytes",
    "utf16 le bom",
]


@pytest.mark.parametrize("command", ["forecast", "backtest"])
def test_the_cli_reads_the_corpus_as_read_series(corpus, command, capsys, monkeypatch):
    from borderforecast.cli import main

    monkeypatch.setattr(pd.Timestamp, "now", classmethod(lambda cls, tz=None: TODAY))
    by_name = {name: (path, opts, expected) for name, path, opts, expected in corpus}
    for name in CLI_CASES:
        path, opts, expected = by_name[name]
        flags = [x for k, v in opts.items() for x in (f"--{k.replace('_', '-')}", v)]
        args = [command, "--input", str(path), "--model", "snaive", *flags]
        args += ["--h", "3"] if command == "forecast" else ["--start", "2022-06", "--h", "3",
                                                            "--no-cache"]
        code = main(args)
        err = capsys.readouterr().err
        if isinstance(expected, str) and expected not in (OK, "panel"):
            import re

            assert code == 2 and re.search(expected, err), (name, code, err)
        else:
            assert code == 0, (name, err)
