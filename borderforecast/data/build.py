"""Assemble the tidy table from the official files, apply source precedence, write it.

``build_table(raw_dir)`` runs the four parsers on the files of a raw folder
laid out as published (see ``RAW_FILES``) and returns every source's rows;
``write_table`` writes them deterministically (sorted rows, integer counts,
ISO dates, ``"\\n"`` line endings), so rebuilding from the same files gives a
byte-identical ``data/encounters.csv``. ``apply_precedence`` keeps, for each
month and series, the row of the most trusted source (:data:`PRECEDENCE`).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_text
from ..errors import MalformedFileError, UnknownSeriesError
from .sources import cbp_tables, ohss, pages, sw_encounters
from .sources._common import COLUMNS, KEY

TABLE_NAME = "encounters.csv"

PRECEDENCE: tuple[str, ...] = ("cbp_tables", "sw_encounters", "ohss", "pages")
"""Sources in order of trust: exact CBP tables, exact CBP Southwest CSV, OHSS
(rounded to tens), then figures transcribed from web pages (often preliminary)."""

RAW_FILES = {
    "cbp_tables": "**/usbp_monthly_encounters_fy*.csv",
    "ohss": "*ohss*usbp*.xlsx",
    "sw_encounters": "*sw_land_border_encounters*.csv",
    "pages": "*sw_migration_pages*.csv",
}
"""Glob pattern (inside the raw folder) of each source's file(s)."""


def _one(raw: Path, pattern: str) -> Path:
    found = sorted(raw.glob(pattern))
    if len(found) != 1:
        what = (
            "no file" if not found else f"{len(found)} files ({', '.join(p.name for p in found)})"
        )
        raise MalformedFileError(f"{raw}: expected one file matching {pattern!r}, found {what}")
    return found[0]


def build_table(raw_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse every official file in ``raw_dir`` and return all sources' rows, sorted.

    Examples
    --------
    >>> frame = build_table(raw)  # doctest: +SKIP
    >>> sorted(frame["source"].unique())  # doctest: +SKIP
    ['cbp_tables', 'ohss', 'pages', 'sw_encounters']
    """
    raw = Path(raw_dir)
    if not raw.is_dir():
        raise MalformedFileError(f"raw folder {raw} does not exist")
    tables = sorted(raw.glob(RAW_FILES["cbp_tables"]))
    if not tables:
        raise MalformedFileError(f"{raw}: no CBP tables matching {RAW_FILES['cbp_tables']!r}")
    parts = [
        pd.concat([cbp_tables.parse_file(p) for p in tables], ignore_index=True),
        ohss.parse(_one(raw, RAW_FILES["ohss"])),
        sw_encounters.parse(_one(raw, RAW_FILES["sw_encounters"])),
        pages.parse(_one(raw, RAW_FILES["pages"])),
    ]
    return sort_table(pd.concat(parts, ignore_index=True))


def sort_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort rows by series, month and source precedence (the table's canonical order)."""
    rank = frame["source"].map({s: i for i, s in enumerate(PRECEDENCE)}).fillna(len(PRECEDENCE))
    order = frame.assign(_rank=rank).sort_values(
        [*KEY[:-1], "month", "_rank", "source"], kind="stable"
    )
    return order.drop(columns="_rank")[COLUMNS].reset_index(drop=True)


def apply_precedence(
    frame: pd.DataFrame, precedence: tuple[str, ...] = PRECEDENCE, *, sort: bool = True
) -> pd.DataFrame:
    """Keep one row per month and series: the one from the earliest source in ``precedence``.

    Sector rows are matched on the sector alone (sources disagree on
    Livermore's region); other rows on component, region, demographic and
    citizenship. With ``sort=False`` the kept rows stay in the input order.
    """
    source_codes, sources = pd.factorize(frame["source"])
    unknown = sorted(set(sources) - set(precedence))
    if unknown:
        raise UnknownSeriesError(f"unknown source(s) {unknown}; known: {', '.join(precedence)}")
    rank = np.array([precedence.index(s) for s in sources], dtype=np.int64)[source_codes]
    order = np.argsort(rank, kind="stable")
    keys = frame[KEY].assign(region=frame["region"].where(frame["sector"] == "all", ""))
    keep = np.empty(len(frame), dtype=bool)
    keep[order] = ~keys.iloc[order].duplicated().to_numpy()
    out = frame[keep]
    return sort_table(out) if sort else out.reset_index(drop=True)


def to_csv_text(frame: pd.DataFrame) -> str:
    """The canonical CSV text of a tidy frame (sorted, ISO months, integer counts, LF endings)."""
    out = sort_table(frame).copy()
    out["month"] = out["month"].dt.strftime("%Y-%m-%d")
    return str(out.to_csv(index=False, lineterminator="\n"))


def sources_markdown(frame: pd.DataFrame) -> str:
    """``SOURCES.md`` for ``frame``: the static description (``SOURCES.md.head`` beside this
    module) and a coverage table, rows per source and component."""
    head = resources.files("borderforecast.data").joinpath("SOURCES.md.head").read_text("utf-8")
    lines = [head.rstrip("\n")]
    groups = frame.groupby(["source", "component"], sort=True)["month"].agg(["min", "max", "size"])
    for (source, component), row in groups.iterrows():
        first, last, n = f"{row['min']:%Y-%m}", f"{row['max']:%Y-%m}", f"{row['size']:,}"
        lines.append(f"| `{source}` | {component} | {first} | {last} | {n} |")
    return "\n".join(lines) + "\n"


def write_table(frame: pd.DataFrame, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``encounters.csv`` and ``SOURCES.md`` into ``out_dir``; return the CSV path."""
    out = Path(out_dir)
    path = out / TABLE_NAME
    write_text(path, to_csv_text(frame))
    write_text(out / "SOURCES.md", sources_markdown(frame))
    return path
