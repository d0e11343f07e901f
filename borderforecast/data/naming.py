"""Names used in the tidy table (``component``, ``region``, ``sector``, ``demographic``,
``citizenship``: plain names, ``"all"`` for totals) and the series id scheme.

A series id names one filter combination, parts joined with ``/``: ``southwest`` (the
default), ``national``, ``region/northern``, ``sector/tucson``, ``demographic/uac``,
``citizenship/mexico``, combinations, ``ofo``, ``usbp+ofo`` (the table in docs/guide/data.md).
Canonical ids are lower case with ``-`` for spaces; parsing is lenient (case, spaces, ``-``
and ``_``; a leading ``usbp/`` or ``southwest/``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import UnknownSeriesError

COMPONENTS = ("USBP", "OFO")
REGIONS = ("Southwest", "Northern", "Coastal")
DEMOGRAPHICS = ("uac", "family_units", "single_adults", "accompanied_minors")
ALL = "all"

# sector -> region, as in the CBP FY2000-FY2020 tables (Livermore counted in Coastal there;
# OHSS places it in Northern: each source's rows keep their own region value).
_SECTORS = {
    "Coastal": ("Livermore", "Miami", "New Orleans", "Ramey"),
    "Northern": ("Blaine", "Buffalo", "Detroit", "Grand Forks", "Havre", "Houlton", "Spokane",
                 "Swanton"),
    "Southwest": ("Big Bend", "Del Rio", "El Centro", "El Paso", "Laredo", "Rio Grande Valley",
                  "San Diego", "Tucson", "Yuma"),
}  # fmt: skip
SECTOR_REGION: dict[str, str] = {s: region for region, names in _SECTORS.items() for s in names}

_REGION_ALIASES: dict[str, str] = (
    dict.fromkeys(["southwest", "southwest border", "southwest land border", "sw"], "Southwest")
    | dict.fromkeys(["northern", "northern border", "northern land border"], "Northern")
    | dict.fromkeys(["coastal", "coastal border"], "Coastal")
    | dict.fromkeys(["all", "national", "monthly total"], ALL)
)
_DEMOGRAPHIC_ALIASES: dict[str, str] = (
    dict.fromkeys(["all", "total"], ALL)
    | dict.fromkeys(["uac", "uc", "unaccompanied children", "unaccompanied alien children"], "uac")
    | dict.fromkeys(["family units", "fmua", "family unit individuals"], "family_units")
    | {"single adults": "single_adults"}
    | dict.fromkeys(["accompanied minors", "am"], "accompanied_minors")
)
_COMPONENT_ALIASES: dict[str, str] = (
    dict.fromkeys(["usbp", "u.s. border patrol", "border patrol"], "USBP")
    | dict.fromkeys(["ofo", "office of field operations"], "OFO")
    | dict.fromkeys(["all", "usbp+ofo"], ALL)
)


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(text).strip()).lower()


def slug(text: str) -> str:
    """Lower case, ``-`` for spaces: ``"Rio Grande Valley"`` -> ``"rio-grande-valley"``."""
    return re.sub(r"[\s_]+", "-", str(text).strip()).lower()


def suggest(value: str, choices: Iterable[str], what: str) -> UnknownSeriesError:
    """An :class:`UnknownSeriesError` for ``value`` naming close matches among ``choices``."""
    choices = sorted(set(choices))
    by_norm = {_norm(c): c for c in choices}
    close = difflib.get_close_matches(_norm(value), list(by_norm), n=3, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(repr(by_norm[c]) for c in close)}?"
        if close
        else f"choices: {', '.join(choices[:30])}{' ...' if len(choices) > 30 else ''}"
    )
    return UnknownSeriesError(f"unknown {what} {value!r}; {hint}")


def _lookup(value: str, aliases: dict[str, str], choices: Iterable[str], what: str) -> str:
    key = _norm(value)
    if key in aliases:
        return aliases[key]
    for choice in choices:
        if _norm(choice) == key:
            return choice
    raise suggest(value, list(choices) + [ALL], what)


def canonical_component(value: str) -> str:
    """``"usbp"`` -> ``"USBP"``, ``"Office of Field Operations"`` -> ``"OFO"``, ``"all"``."""
    return _lookup(value, _COMPONENT_ALIASES, COMPONENTS, "component")


def canonical_region(value: str) -> str:
    """``"Southwest Land Border"`` -> ``"Southwest"``; ``"national"`` -> ``"all"``."""
    return _lookup(value, _REGION_ALIASES, REGIONS, "region")


def canonical_demographic(value: str) -> str:
    """``"Unaccompanied Children"`` / ``"UAC"`` -> ``"uac"``, ``"FMUA"`` -> ``"family_units"``."""
    return _lookup(value, _DEMOGRAPHIC_ALIASES, DEMOGRAPHICS, "demographic")


def canonical_sector(value: str) -> str:
    """Plain CBP sector name: ``"Big Bend, TX"`` -> ``"Big Bend"``, ``"Livermore*"`` -> same.

    Raises :class:`UnknownSeriesError` with close matches for an unknown name.

    Examples
    --------
    >>> canonical_sector("Rio Grande Valley, TX")
    'Rio Grande Valley'
    >>> canonical_sector("tucson")
    'Tucson'
    """
    text = str(value).strip().rstrip("*").strip()
    text = re.sub(r",\s*[A-Z]{2}$", "", text)  # "Big Bend, TX"
    text = re.sub(r"\s*\(formerly [^)]*\)$", "", text)
    if _norm(text) == "all":
        return ALL
    for name in SECTOR_REGION:
        if _norm(name) == _norm(text):
            return name
    raise suggest(str(value), SECTOR_REGION, "sector")


@dataclass(frozen=True)
class SeriesKey:
    """One filter combination of the tidy table (``component`` may be ``"all"`` = USBP + OFO)."""

    component: str = "USBP"
    region: str = "Southwest"
    sector: str = ALL
    demographic: str = ALL
    citizenship: str = ALL

    @property
    def id(self) -> str:
        """The canonical series id, e.g. ``"sector/tucson"``."""
        parts: list[str] = []
        if self.component == "OFO":
            parts.append("ofo")
        elif self.component == ALL:
            parts.append("usbp+ofo")
        if self.sector != ALL:
            parts += ["sector", slug(self.sector)]
        elif self.region == ALL:
            parts.append("national")
        elif self.region != "Southwest":
            parts += ["region", slug(self.region)]
        if self.demographic != ALL:
            parts += ["demographic", self.demographic]
        if self.citizenship != ALL:
            parts += ["citizenship", slug(self.citizenship)]
        return "/".join(parts) if parts else "southwest"

    @property
    def label(self) -> str:
        """A readable name, e.g. ``"USBP Tucson sector, monthly encounters"``."""
        comp = {"USBP": "USBP", "OFO": "OFO", ALL: "USBP + OFO"}[self.component]
        if self.sector != ALL:
            where = f"{self.sector} sector"
        elif self.region == ALL:
            where = "national"
        else:
            where = f"{self.region} border"
        extra = []
        if self.demographic != ALL:
            extra.append(self.demographic.replace("_", " ") if self.demographic != "uac" else "UAC")
        if self.citizenship != ALL:
            extra.append(f"citizenship {self.citizenship}")
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{comp} {where}{tail}, monthly encounters"


def parse_series_id(series_id: str, citizenships: Iterable[str] = ()) -> SeriesKey:
    """Parse a series id (see the module docstring) into a :class:`SeriesKey`.

    Examples
    --------
    >>> parse_series_id("sector/Rio-Grande-Valley").sector
    'Rio Grande Valley'
    >>> key = parse_series_id("ofo/demographic/uac")
    >>> key.component, key.region, key.demographic
    ('OFO', 'Southwest', 'uac')
    """
    text = str(series_id).strip().strip("/")
    tokens = [t for t in text.split("/") if t.strip()]
    if not tokens:
        raise UnknownSeriesError("empty series id; try 'southwest', 'sector/tucson', 'ofo'")
    fields: dict[str, str] = {}
    head = _norm(tokens[0])
    if head in ("usbp", "ofo", "usbp+ofo", "all"):
        fields["component"] = canonical_component(head)
        tokens = tokens[1:]
    parsers = {
        "region": canonical_region,
        "sector": canonical_sector,
        "demographic": canonical_demographic,
        "citizenship": lambda v: canonical_citizenship(v, citizenships),
    }
    i = 0
    while i < len(tokens):
        word = _norm(tokens[i])
        if word in ("southwest", "sw", "national"):
            fields["region"] = ALL if word == "national" else fields.get("region", "Southwest")
            i += 1
            continue
        if i + 1 >= len(tokens) or word not in parsers:
            raise UnknownSeriesError(
                f"cannot read series id {series_id!r} at {tokens[i]!r}; ids look like "
                "'southwest', 'national', 'region/northern', 'sector/tucson', 'demographic/uac', "
                "'citizenship/mexico', 'ofo', 'usbp+ofo' (parts joined with '/')"
            )
        fields[word] = parsers[word](tokens[i + 1])
        i += 2
    if fields.get("sector", ALL) != ALL and "region" not in fields:
        fields["region"] = SECTOR_REGION[fields["sector"]]
    return SeriesKey(**fields)


def canonical_citizenship(value: str, choices: Iterable[str]) -> str:
    """Match a citizenship leniently (case, ``-``/``_`` for spaces) against ``choices``."""
    choices = list(choices)
    if _norm(value) == "all":
        return ALL
    for choice in choices:
        if _norm(choice) == _norm(value):
            return choice
    if not choices:
        return str(value)
    raise suggest(str(value), choices, "citizenship")
