"""Parser for CBP's "U.S. Border Patrol Monthly Encounters FY2000-FY2020" tables.

One pipe-separated text file per fiscal year (the text of one PDF page): a row per sector,
then the three borders and "Monthly Total"; columns October..September and a yearly total.
The extraction's quirks (split or merged header words, names and numbers on separate lines,
``(formerly ...)``, ``N/A``, footnotes, form feeds) are coped with, and the table's own
sums (months, sectors, regions) are checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ...errors import BadValueError, MalformedFileError
from ..naming import ALL, SECTOR_REGION, canonical_sector
from ._common import MONTH_NAMES, fiscal_month_start, parse_count, tidy, validate

SOURCE = "cbp_tables"

_REGION_ROWS = {
    "coastal border": "Coastal",
    "northern border": "Northern",
    "southwest border": "Southwest",
    "monthly total": ALL,
}
_NUMBER = re.compile(r"^(\d[\d,]*|N/A)$")


def _is_number(field: str) -> bool:
    return bool(_NUMBER.match(field.strip()))


def parse_file(path: str | Path) -> pd.DataFrame:
    """Parse one fiscal year's table into tidy rows (source ``"cbp_tables"``); an unreadable
    header or row, or sums that do not add up, raise :class:`MalformedFileError`."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedFileError(f"{name}: cannot read the file ({exc})") from None
    lines = [line.replace("\f", "").strip() for line in text.splitlines()]
    fy = _fiscal_year(lines, name)
    header_at = next(
        (i for i, line in enumerate(lines) if line.upper().startswith("SECTOR|")), None
    )
    if header_at is None:
        raise MalformedFileError(f"{name}: no header line starting with 'SECTOR|'")
    words = [w.lower() for w in re.split(r"[|\s]+", lines[header_at]) if w]
    months = [w for w in words if w in MONTH_NAMES]
    if months != MONTH_NAMES:
        raise MalformedFileError(
            f"{name}, line {header_at + 1}: header months are {months}, expected October..September"
        )

    table: dict[str, list[int | None]] = {}
    pending: str | None = None
    for lineno, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
        if not line or line.lower() in ("yearly", "total", "yearly total") or line.startswith("*"):
            continue
        if re.match(r"^\(formerly .*\)$", line):
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) == 1 and not _is_number(fields[0]):
            pending = fields[0]
            continue
        if len(fields) == 13 and all(_is_number(f) for f in fields):
            if pending is None:
                raise MalformedFileError(f"{name}, line {lineno}: a row of numbers without a name")
            label, cells = pending, fields
        elif len(fields) == 14 and not _is_number(fields[0]):
            label, cells = fields[0], fields[1:]
        else:
            raise MalformedFileError(
                f"{name}, line {lineno}: expected a name and 13 numbers (12 months, yearly total), "
                f"got {len(fields)} field(s): {line[:60]!r}"
            )
        pending = None
        columns = [m.capitalize() for m in MONTH_NAMES] + ["Yearly Total"]
        values: list[int | None] = []
        for column, cell in zip(columns, cells, strict=True):
            where = f"{name}, line {lineno} ({label}), column {column}"
            values.append(None if cell.strip() == "N/A" else parse_count(cell, where))
        if label in table:
            raise MalformedFileError(f"{name}, line {lineno}: row {label!r} appears twice")
        table[label] = values
    if pending is not None:
        raise MalformedFileError(f"{name}: row {pending!r} has no numbers")
    return _to_rows(table, fy, path)


def _fiscal_year(lines: list[str], name: str) -> int:
    for line in lines[:6]:
        match = re.search(r"FY\s*(\d{4})", line)
        if match:
            return int(match.group(1))
    match = re.search(r"fy(\d{4})", name.lower())
    if match:
        return int(match.group(1))
    raise MalformedFileError(f"{name}: no fiscal year in the title lines or the file name")


def _to_rows(table: dict[str, list[int | None]], fy: int, path: Path) -> pd.DataFrame:
    name = path.name
    regions: dict[str, list[int]] = {}
    sectors: dict[str, list[int]] = {}
    for label, values in table.items():
        if any(v is None for v in values):
            if all(v is None for v in values):
                continue  # N/A row (Livermore after its closure)
            raise BadValueError(f"{name}: row {label!r} mixes N/A and numbers")
        nums = [int(v) for v in values if v is not None]
        if sum(nums[:12]) != nums[12]:
            raise MalformedFileError(
                f"{name}: row {label!r}: months sum to {sum(nums[:12]):,} but the yearly total "
                f"is {nums[12]:,}"
            )
        key = label.lower()
        if key in _REGION_ROWS:
            regions[_REGION_ROWS[key]] = nums
        else:
            sectors[canonical_sector(label)] = nums
    missing = [r for r in ("Coastal", "Northern", "Southwest", ALL) if r not in regions]
    if missing:
        raise MalformedFileError(f"{name}: missing total row(s) for {', '.join(missing)}")
    region_of = SECTOR_REGION.__getitem__
    for region in ("Coastal", "Northern", "Southwest"):
        members = [s for s in sectors if region_of(s) == region]
        for m in range(12):
            total = sum(sectors[s][m] for s in members)
            if total != regions[region][m]:
                raise MalformedFileError(
                    f"{name}: {region} sectors sum to {total:,} in {MONTH_NAMES[m].capitalize()} "
                    f"but the region row says {regions[region][m]:,}"
                )
    for m in range(12):
        total = sum(regions[r][m] for r in ("Coastal", "Northern", "Southwest"))
        if total != regions[ALL][m]:
            raise MalformedFileError(
                f"{name}: regions sum to {total:,} in {MONTH_NAMES[m].capitalize()} "
                f"but 'Monthly Total' says {regions[ALL][m]:,}"
            )
    places = [(r, ALL, nums) for r, nums in regions.items()]
    places += [(region_of(s), s, nums) for s, nums in sectors.items()]
    rows = [(fiscal_month_start(fy, m + 1), r, s, nums[m]) for m in range(12)
            for r, s, nums in places]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["month", "region", "sector", "count"])
    frame = tidy(frame.assign(component="USBP", demographic=ALL, citizenship=ALL), SOURCE)
    validate(frame, path)
    return frame
