"""Where each organization is and what area it serves, from the shared geography layer.

Coordinates a source gives are checked, not trusted (``geography.locate_frame`` flags 0,0,
latitude == longitude, swapped axes, a flipped sign or a point outside the stated state or
country, and falls back to the ZIP, city, county or state point). ``service_area`` says what
an organization covers, so "who can I call?" can say "covers your state" instead of a
distance.
"""

from __future__ import annotations

import pandas as pd

from geography import locate_frame
from schemas.codes import KIND_SERVICE_AREA  # what a kind serves when its source does not say


def service_area(kind: object, city: object, state: object, country: object,
                 given: object = None) -> str | None:
    """The area an organization serves: the source's word first, else by kind and place."""
    if isinstance(given, str) and given:
        return given
    if kind in KIND_SERVICE_AREA:
        return KIND_SERVICE_AREA[kind]
    if isinstance(city, str) and city:
        return "city"  # a local civic tech group
    if isinstance(state, str) and state:
        return "state"
    if isinstance(country, str) and country:
        return "national"
    return "global"


def locate_organizations(organizations: pd.DataFrame) -> pd.DataFrame:
    """Check and complete every organization's location, and say what area it serves."""
    located = locate_frame(organizations)
    given = located["service_area"] if "service_area" in located else [None] * len(located)
    located["service_area"] = [
        service_area(k, c, s, n, g) for k, c, s, n, g in zip(
            located["kind"], located["city"], located["state"], located["country"], given,
            strict=True)
    ]
    return located
