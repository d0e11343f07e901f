# ruff: noqa: E501 (markdown table rows)
"""Text of ``data/SOURCES.md``, written by ``borderforecast data build`` next to the table."""

from __future__ import annotations

import pandas as pd

_HEAD = """\
# Sources of `encounters.csv`

Built by `borderforecast data build --raw DIR` from the official files with the package's own
parsers (`borderforecast/data/sources/`); do not edit by hand. One row per month and series:
`month` (first of month), `fiscal_year` (Oct-Sep, named after the year it ends), `component`
(USBP, OFO), `region` (Southwest, Northern, Coastal, or `all` = national), `sector` (plain CBP
name, `all` for totals), `demographic` (`all`, `uac`, `family_units`, `single_adults`,
`accompanied_minors`), `citizenship` (`all`, an OHSS country name, or the CBP group `Other`),
`count` (events, not people; encounters = Title 8 + Title 42 from March 2020), `source`.

| source | file (as published) | what is kept |
|---|---|---|
| `cbp_tables` | CBP "U.S. Border Patrol Monthly Encounters FY2000-FY2020", the 21 per-year pipe-separated text extractions (not the PDF) | USBP national, 3 regions, 21 sectors; exact |
| `sw_encounters` | CBP "Southwest Land Border Encounters" CSV (FY22 onward) | USBP and OFO Southwest, demographic x citizenship group (El Salvador, Guatemala, Honduras, Mexico, Other) incl. `all` margins, summed over Title 8/42; exact; absent combinations = 0 |
| `ohss` | DHS OHSS "CBP Encounters - USBP" workbook | USBP national, regions, sectors, family status (national and by region), citizenship countries (Southwest region only); rounded to tens; absent combinations zero-filled from a series' first month to the workbook's last (a series silent for its last 12 months, e.g. Livermore, is not extended) |
| `pages` | figures transcribed from CBP/DHS and news pages, FY2014-FY2021 | USBP and OFO Southwest totals and demographics; one version per figure (rule below) |

## Precedence

Every source's rows stay in the file. `borderforecast.load()` / `load_frame()` keep, per month
and series, the row of the first source in this order: **cbp_tables, sw_encounters, ohss,
pages** (exact CBP figures before the rounded OHSS workbook, transcribed page figures last).
Sector rows are matched on the sector name alone (Livermore, FY2000-FY2005, is in Coastal in
the CBP tables and in Northern in OHSS; the CBP row wins). `load(source="ohss")` etc. give one
source's series for comparison.

So the USBP Southwest total is: CBP tables Oct 1999-Sep 2020, OHSS Oct 2020-Sep 2021 (FY2021,
the only source), the Southwest Land Border CSV Oct 2021-Aug 2025.

## Conventions

* Regions: CBP "Southwest Border" and OHSS "Southwest Land Border" are both `Southwest`
  (likewise Northern, Coastal). Sectors: OHSS "Big Bend, TX" -> "Big Bend", CBP "Livermore*" ->
  "Livermore"; the CBP `N/A` rows of Livermore (closed) are left out.
* OHSS family status: "Single Adults" holds everybody before FY2008 and family-unit individuals
  before FY2012, so `uac` is kept from FY2008 and `single_adults`, `family_units` from FY2012.
* Citizenship: OHSS gives countries, the CBP CSV five groups. The groups El Salvador,
  Guatemala, Honduras and Mexico are the OHSS countries of the same name; `Other` (CBP CSV
  only) equals the OHSS Southwest total minus those four countries (within OHSS rounding).
  Citizenship by country is kept for the Southwest region only.
* Pages: where several pages give a figure, the version from the latest-dated page is kept
  (a page's date is its `as_of` date where stated, else the first day after the last month it
  reports, whichever is later; ties go to cbp.gov/dhs.gov pages, then the first URL).
  Page figures are often preliminary; OFO before FY2022 exists only here and is patchy.
* `usbp+ofo` series are not stored: `load(component="all")` adds USBP and OFO for the months
  where both exist.

## Coverage (rows per source)

| source | component | first month | last month | rows |
|---|---|---|---|---|
"""


def sources_markdown(frame: pd.DataFrame) -> str:
    """``SOURCES.md`` for ``frame`` (the static description plus a coverage table)."""
    lines = [_HEAD.rstrip("\n")]
    groups = frame.groupby(["source", "component"], sort=True)["month"].agg(["min", "max", "size"])
    for (source, component), row in groups.iterrows():
        lines.append(
            f"| `{source}` | {component} | {row['min']:%Y-%m} | {row['max']:%Y-%m} | {row['size']:,} |"
        )
    return "\n".join(lines) + "\n"
