"""US states and territories by exact name, USPS code or FIPS code, and countries by ISO code.

Matching is exact on purpose: ``us.states.lookup`` falls back to a sound-alike (metaphone)
match, so 'Taxes' becomes Texas and free text leaks into the state column. Here a name is
either a state's name, its USPS code, its two-digit FIPS code, its AP abbreviation or one of a
few spelled-out aliases ("Washington DC", "U.S. Virgin Islands"), or it is not a state.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry
import us

#: USPS code -> (FIPS, name) for the 50 states, DC and the five inhabited territories.
STATES: dict[str, tuple[str, str]] = {
    s.abbr: (s.fips, s.name) for s in [*us.states.STATES_AND_TERRITORIES, us.states.DC]
}
TERRITORIES = frozenset({"PR", "GU", "VI", "AS", "MP"})

_STATE_ALIASES = {
    "washington dc": "DC", "washington d.c.": "DC", "washington, dc": "DC",
    "washington, d.c.": "DC", "d.c.": "DC", "d. c.": "DC",
    "u.s. virgin islands": "VI", "us virgin islands": "VI", "usvi": "VI",
    "united states virgin islands": "VI", "virgin islands of the united states": "VI",
    "commonwealth of puerto rico": "PR",
    "commonwealth of the northern mariana islands": "MP", "cnmi": "MP",
}
_US_NAMES = {"us", "usa", "u.s.", "u.s.a.", "united states", "united states of america"}
# Everyday names pycountry does not know (it holds ISO names: 'Türkiye', 'Russian Federation').
_COUNTRY_ALIASES = {
    "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "great britain": "GB", "britain": "GB",
    "holland": "NL", "the netherlands": "NL", "turkey": "TR", "russia": "RU",
    "ivory coast": "CI", "macedonia": "MK", "palestine": "PS", "micronesia": "FM",
    "vatican": "VA", "vatican city": "VA", "swaziland": "SZ", "burma": "MM",
    "cape verde": "CV", "drc": "CD", "dr congo": "CD", "east timor": "TL", "brunei": "BN",
    "korea": "KR", "republic of korea": "KR",
}


def _clean(text: str) -> str:
    return " ".join(text.split()).lower()


@lru_cache(maxsize=1)
def _state_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for state in [*us.states.STATES_AND_TERRITORIES, us.states.DC]:
        for key in (state.name, state.abbr, state.fips, state.ap_abbr):
            if key:
                keys[_clean(key)] = state.abbr
    keys.update(_STATE_ALIASES)
    return keys


@lru_cache(maxsize=4096)
def usps_code(text: str | None) -> str | None:
    """'New York', 'ny', ' Puerto Rico ', '72', 'Calif.', 'D.C.' -> NY, NY, PR, PR, CA, DC.

    Anything that is not exactly a state or territory gives None ('Taxes', 'Tbilisi')."""
    if not text or not str(text).strip():
        return None
    return _state_keys().get(_clean(str(text)))


def state_fips(usps: str | None) -> str | None:
    """'OH' -> '39', 'PR' -> '72'; unknown -> None."""
    entry = STATES.get((usps or "").upper())
    return entry[0] if entry else None


def state_name(usps: str | None) -> str | None:
    """'OH' -> 'Ohio', 'VI' -> 'Virgin Islands'; unknown -> None."""
    entry = STATES.get((usps or "").upper())
    return entry[1] if entry else None


def state_names() -> list[str]:
    """Every state and territory name, for suggestions ('did you mean Texas?')."""
    return [name for _, name in STATES.values()]


@lru_cache(maxsize=4096)
def country_code(text: str | None) -> str | None:
    """'USA', 'Canada', 'Brazil', 'BR', 'UK' -> US, CA, BR, BR, GB; unknown -> None.

    pycountry's lookup is exact (codes, names, official and common names), never fuzzy."""
    if not text or not str(text).strip():
        return None
    cleaned = " ".join(str(text).split())
    lowered = cleaned.lower()
    if lowered in _US_NAMES:
        return "US"
    if lowered in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[lowered]
    try:
        return pycountry.countries.lookup(cleaned).alpha_2
    except LookupError:
        pass
    stripped = re.sub(r"^the\s+", "", lowered)
    if stripped != lowered:
        return country_code(stripped)
    return None
