"""Rough country shapes for checking coordinates, and a few world cities' positions.

The shapes are boxes (south, north, west, east) of the countries that appear in the real Code
for America organizations.json, plus a coarse outline of Great Britain: a box around the UK
would also hold the North Sea point that Oxford's sign-flipped longitude gives (51.75, +1.26).
They are for catching gross errors (swapped axes, a lost minus sign, a point in another
country), not for borders: overseas territories and far islands are left out on purpose.

World cities come from the IANA time zone table (``zone.tab`` in the ``tzdata`` package that
pandas installs): each zone names a principal city with its coordinates (Europe/Helsinki,
Asia/Tokyo, America/Toronto ...). That is the only offline source of non-US city positions
here, so a non-US city gets a position only when it is such a zone city.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import pycountry

from geography.index import place_key

Box = tuple[float, float, float, float]  # south, north, west, east

# Great Britain's coast, coarsely and a little outside the shore, clockwise from Land's End.
_GREAT_BRITAIN: tuple[tuple[float, float], ...] = (
    (49.95, -5.75), (49.90, -5.20), (50.18, -3.62), (50.48, -2.45), (50.54, -1.30),
    (50.68, -0.80), (50.70, 0.27), (50.88, 1.02), (51.10, 1.42), (51.38, 1.50),
    (51.58, 1.02), (51.70, 1.00), (51.77, 1.10), (51.79, 1.20), (51.86, 1.31),
    (51.95, 1.40), (52.08, 1.62), (52.48, 1.82), (52.62, 1.80), (52.75, 1.74),
    (52.97, 1.30), (53.00, 0.50), (53.15, 0.38), (53.50, 0.20), (53.60, 0.16),
    (54.12, -0.03), (54.50, -0.56), (54.72, -1.12), (55.03, -1.38), (55.78, -1.95),
    (55.93, -2.08), (56.08, -2.45), (56.29, -2.52), (56.72, -2.40), (57.15, -2.02),
    (57.52, -1.72), (57.72, -1.95), (57.74, -3.30), (57.88, -3.72), (58.12, -3.60),
    (58.45, -3.02), (58.68, -2.98), (58.70, -3.38), (58.65, -5.05), (58.25, -5.40),
    (57.90, -5.75), (57.60, -6.85), (57.10, -6.60), (56.72, -6.35), (56.30, -6.50),
    (55.65, -6.55), (55.28, -5.85), (54.60, -5.00), (54.50, -3.70), (54.05, -3.30),
    (53.82, -3.10), (53.55, -3.15), (53.40, -3.25), (53.35, -3.90), (53.32, -4.75),
    (52.75, -4.85), (52.05, -5.15), (51.88, -5.40), (51.58, -5.00), (51.55, -4.38),
    (51.02, -4.56), (50.55, -5.08), (50.24, -5.55), (50.14, -5.76),
)

#: Rough boxes per ISO country: the countries of the real CFA file (and those whose state
#: codes clash with USPS codes: BR, CA, AU, MX).
COUNTRY_BOXES: dict[str, tuple[Box, ...]] = {
    "AU": ((-44.0, -9.0, 112.0, 154.0),),
    "BE": ((49.4, 51.6, 2.4, 6.5),),
    "BR": ((-34.0, 6.0, -74.0, -34.0),),
    "CA": ((41.6, 83.2, -141.1, -52.5),),
    "DE": ((47.2, 55.1, 5.8, 15.1),),
    "FI": ((59.7, 70.1, 20.5, 31.6),),
    "GB": (  # besides the outline: Northern Ireland, the Hebrides, Orkney and Shetland, Scilly
        (54.0, 55.35, -8.25, -5.35), (56.4, 58.6, -7.75, -6.1), (58.65, 60.9, -3.5, -0.7),
        (49.85, 50.0, -6.5, -6.2),
    ),
    "GH": ((4.7, 11.2, -3.3, 1.2),),
    "HR": ((42.3, 46.6, 13.4, 19.5),),
    "IE": ((51.4, 55.4, -10.7, -5.9),),
    "JM": ((17.7, 18.6, -78.4, -76.2),),
    "JP": ((24.0, 45.6, 122.9, 146.0),),
    "KE": ((-4.7, 5.1, 33.9, 41.9),),
    "KR": ((33.1, 38.7, 124.6, 131.9),),
    "MX": ((14.5, 32.8, -118.5, -86.7),),
    "NG": ((4.2, 13.9, 2.7, 14.7),),
    "NL": ((50.7, 53.6, 3.3, 7.3),),
    "NZ": ((-47.3, -34.4, 166.4, 178.6),),
    "PK": ((23.6, 37.1, 60.8, 77.8),),
    "PL": ((49.0, 54.9, 14.1, 24.2),),
    "RO": ((43.6, 48.3, 20.2, 29.7),),
    "TW": ((21.8, 26.4, 118.1, 122.1),),
    "ZA": ((-34.9, -22.1, 16.4, 32.9),),
}
_OUTLINES: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {"GB": (_GREAT_BRITAIN,)}


def has_shape(country: str | None) -> bool:
    """Whether :func:`in_country` can tell anything about this country (not the US: use the
    state boxes of the index for it)."""
    return country in COUNTRY_BOXES or country in _OUTLINES


def in_country(country: str, latitude: float, longitude: float) -> bool | None:
    """True / False when the point is / is not inside the country's rough shape; None when
    no shape is known for it."""
    if not has_shape(country):
        return None
    if any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in COUNTRY_BOXES.get(
            country, ())):
        return True
    return any(_in_polygon(p, latitude, longitude) for p in _OUTLINES.get(country, ()))


def _in_polygon(polygon: tuple[tuple[float, float], ...], lat: float, lon: float) -> bool:
    """Even-odd ray casting on (lat, lon) vertices; fine for small, non-polar outlines."""
    inside = False
    previous = polygon[-1]
    for vertex in polygon:
        (lat1, lon1), (lat2, lon2) = previous, vertex
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                inside = not inside
        previous = vertex
    return inside


def outside_us(latitude: float | None, longitude: float | None) -> bool:
    """True when coordinates are clearly not in the US, its territories or freely associated
    states (a generous box: Alaska and Hawaii to Puerto Rico, Guam and Samoa included)."""
    if latitude is None or longitude is None:
        return False
    return not (-15 <= latitude <= 72 and (longitude <= -64 or longitude >= 144))


def subdivision_country(code: str, latitude: float | None, longitude: float | None) -> str | None:
    """'ON' -> 'CA', 'DF' -> 'BR': the country whose rough shape holds the point and which has
    a subdivision with that code (without coordinates: None, so a country code like 'SE'
    is read as the country)."""
    if latitude is None or longitude is None:
        return None
    for country in COUNTRY_BOXES:
        if in_country(country, latitude, longitude) and pycountry.subdivisions.get(
                code=f"{country}-{code.strip().upper()}"):
            return country
    return None


@lru_cache(maxsize=1)
def _zone_cities() -> dict[tuple[str, str], tuple[float, float]]:
    """(normalised city, country) -> (lat, lon) of the IANA time zones' principal cities."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    cities: dict[tuple[str, str], tuple[float, float]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, coordinates, zone, *_ = line.split("\t")
        match = re.fullmatch(r"([+-]\d{4,6})([+-]\d{5,7})", coordinates)
        if not match:
            continue
        city = zone.rsplit("/", 1)[-1].replace("_", " ")
        cities[(place_key(city), country)] = (_iso6709(match[1], 2), _iso6709(match[2], 3))
    return cities


def _iso6709(text: str, degree_digits: int) -> float:
    """'+6010' -> 60.1667, '-0000731' -> -0.1253 (±DDMM[SS] / ±DDDMM[SS])."""
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    degrees = int(digits[:degree_digits])
    minutes = int(digits[degree_digits:degree_digits + 2])
    seconds = int(digits[degree_digits + 2:] or 0)
    return round(sign * (degrees + minutes / 60 + seconds / 3600), 4)


def world_city(city: str | None, country: str | None) -> tuple[float, float] | None:
    """(lat, lon) of a non-US city when it is a time zone's principal city ('Helsinki', 'FI'
    -> 60.1667, 24.9667); None otherwise."""
    if not city or not country:
        return None
    return _zone_cities().get((place_key(city), country.upper()))
