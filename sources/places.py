"""Place names to codes: US states and territories to USPS codes, countries to ISO alpha-2."""

from __future__ import annotations

from functools import lru_cache

import pycountry
import us

_US_NAMES = {"us", "usa", "u.s.", "u.s.a.", "united states", "united states of america"}


@lru_cache(maxsize=2048)
def usps_code(text: str | None) -> str | None:
    """'New York', 'ny', 'Puerto Rico' -> 'NY', 'NY', 'PR'; anything else -> None."""
    if not text or not text.strip():
        return None
    state = us.states.lookup(text.strip())
    return state.abbr if state else None


@lru_cache(maxsize=2048)
def country_code(text: str | None) -> str | None:
    """'USA', 'Canada', 'Brazil', 'BR' -> 'US', 'CA', 'BR'; unknown -> None."""
    if not text or not text.strip():
        return None
    cleaned = text.strip()
    if cleaned.lower() in _US_NAMES:
        return "US"
    try:
        return pycountry.countries.lookup(cleaned).alpha_2
    except LookupError:
        return None
