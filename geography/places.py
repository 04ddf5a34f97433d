"""Place lookup for the "near me" answer: a ZIP, "City, ST", a county, a state or "lat,lon".

Every answer says how precise it is; a name that matches nothing, or several places, is an
error that says what was understood and what to try instead, never a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from geography.index import City, GeoIndex, get_index, place_key
from geography.states import country_code, state_fips, state_name, state_names, usps_code

_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
_TRAILING_ZIP = re.compile(r"^(.*\D)\s(\d{5})(?:-\d{4})?$")  # 'Dayton, OH 45402'
_TRAILING_US = re.compile(r",\s*(usa|us|u\.s\.(a\.)?|united states( of america)?)$", re.I)
_POINT = re.compile(r"^\(?\s*([+-]?\d{1,3}(?:\.\d+)?)\s*,\s*([+-]?\d{1,3}(?:\.\d+)?)\s*\)?$")
_COUNTY_WORDS = re.compile(
    r"\s+(county|parish|borough|census area|municipality|municipio|city and borough)$", re.I
)
_SHOWN_CANDIDATES = 8
#: A "lat,lon" gets its state and county from the nearest ZIP point within this distance.
POINT_ZIP_KM = 25.0


class PlaceError(ValueError):
    """A place text that cannot be turned into one place."""


class PlaceNotFound(PlaceError):
    """Nothing matches; the message says what was understood and suggests close names."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class AmbiguousPlace(PlaceError):
    """Several places match ('Springfield'); ``candidates`` holds them, largest first."""

    def __init__(self, message: str, candidates: tuple[Place, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class Place:
    """One place with a point and how precise the point is.

    precision: 'zip' (the ZIP's point), 'city' (mean of the city's ZIP points), 'county'
    (mean of the county's ZIP points), 'state' (mean of the state's ZIP points) or 'source'
    (the point was given)."""

    label: str
    latitude: float
    longitude: float
    precision: str
    state: str | None = None
    state_fips: str | None = None
    county_fips: str | None = None
    county_name: str | None = None
    city: str | None = None
    zip: str | None = None
    zips: tuple[str, ...] = ()


def lookup_place(text: str) -> Place:
    """'45402', '45402-1234', 'Dayton, OH', 'Dayton, Ohio', 'Dayton OH', 'Dayton, OH 45402',
    'Dayton, OH, USA', 'Montgomery County, OH', 'Orleans Parish, Louisiana', 'Hagatna, GU',
    'Ohio', '39.76,-84.19' -> a Place.

    Raises PlaceNotFound (nothing matches) or AmbiguousPlace (several do), both PlaceError."""
    cleaned = " ".join(str(text or "").split())
    if not cleaned:
        raise PlaceNotFound("No place given: try a ZIP code, 'City, ST', a county or 'lat,lon'.")
    cleaned = _TRAILING_US.sub("", cleaned).strip()
    index = get_index()
    if match := _ZIP.match(cleaned):
        return _zip_place(index, match[1])
    if match := _TRAILING_ZIP.match(cleaned):  # an address's ZIP says more than its city
        return _zip_place(index, match[2])
    if match := _POINT.match(cleaned):
        return point_place(float(match[1]), float(match[2]))
    if "," in cleaned:
        head, tail = (part.strip() for part in cleaned.rsplit(",", 1))
        state = usps_code(tail)
        if state is None:
            raise _not_a_state(cleaned, tail)
        if not head:
            return _state_place(index, state)
        return _named_place(index, head, state, cleaned)
    state = usps_code(cleaned)
    if state:
        return _state_place(index, state)
    words = cleaned.split()
    for size in (3, 2, 1):  # 'Dayton OH', 'Fargo North Dakota'
        if len(words) > size and (state := usps_code(" ".join(words[-size:]))):
            try:
                return _named_place(index, " ".join(words[:-size]), state, cleaned)
            except PlaceNotFound:
                continue
    return _bare_place(index, cleaned)


def point_place(latitude: float, longitude: float) -> Place:
    """A given point, checked for range, with the state and county of the nearest ZIP point
    within :data:`POINT_ZIP_KM` (none for a point outside the US)."""
    if not -90 <= latitude <= 90:
        raise PlaceError(f"{latitude}, {longitude}: latitude must be between -90 and 90 "
                         "(give 'latitude,longitude').")
    if not -180 <= longitude <= 180:
        raise PlaceError(f"{latitude}, {longitude}: longitude must be between -180 and 180.")
    index = get_index()
    label = f"{latitude:g}, {longitude:g}"
    found = index.nearest_row(latitude, longitude, POINT_ZIP_KM)
    if found is None:
        return Place(label, latitude, longitude, "source")
    row = found[0]
    state, county = index.zip_state[row], index.zip_county[row]
    return Place(f"{label} (near {index.zip_city(row)}, {state})", latitude, longitude,
                 "source", state, state_fips(state), county,
                 index.counties[county].name if county in index.counties else None)


def city_centroid(city: str | None, state: str | None) -> tuple[float, float] | None:
    """Approximate coordinates of a US city ('Baltimore', 'MD' or 'Maryland'): the mean of its
    ZIP points; None when unknown."""
    usps = usps_code(state) if state else None
    if not city or not usps:
        return None
    found = get_index().city(city, usps)
    if found is None or found.latitude is None or found.longitude is None:
        return None
    return found.latitude, found.longitude


# ----------------------------------------------------------------------------- building places


def _zip_place(index: GeoIndex, code: str) -> Place:
    row = index.zip_row.get(code)
    if row is None:
        raise PlaceNotFound(f"ZIP {code}: not a known US ZIP code with a location (military "
                            "APO/FPO and retired ZIPs have none).")
    state, county, city = index.zip_state[row], index.zip_county[row], index.zip_city(row)
    label = f"{code} ({city}, {state})"
    point = index.zip_point(row)
    if point is not None:
        lat, lon, precision = point.latitude, point.longitude, "zip"
    else:  # the ZIP's position is unknown: fall back to its city, county or state
        lat, lon, precision = _fallback_point(index, index.city(city, state), county, state)
    return Place(label, lat, lon, precision, state, state_fips(state), county,
                 _county_name(index, county), city, code, (code,))


def _fallback_point(
    index: GeoIndex, city: City | None, county: str | None, state: str
) -> tuple[float, float, str]:
    if city is not None and city.latitude is not None and city.longitude is not None:
        return city.latitude, city.longitude, "city"
    area = index.counties.get(county or "")
    if area is not None and area.latitude is not None and area.longitude is not None:
        return area.latitude, area.longitude, "county"
    centre = index.states[state]
    return centre.latitude, centre.longitude, "state"


def _city_place(index: GeoIndex, city: City) -> Place:
    lat, lon, precision = _fallback_point(index, city, city.county_fips, city.state)
    return Place(f"{city.name}, {city.state}", lat, lon, precision, city.state,
                 state_fips(city.state), city.county_fips,
                 _county_name(index, city.county_fips), city.name, None, city.zips)


def _county_place(index: GeoIndex, fips: str) -> Place:
    county = index.counties[fips]
    if county.latitude is None or county.longitude is None:
        centre = index.states[county.state]
        lat, lon, precision = centre.latitude, centre.longitude, "state"
    else:
        lat, lon, precision = county.latitude, county.longitude, "county"
    return Place(f"{county.name}, {county.state}", lat, lon, precision, county.state,
                 state_fips(county.state), fips, county.name)


def _state_place(index: GeoIndex, state: str) -> Place:
    centre = index.states.get(state)
    if centre is None:
        raise PlaceNotFound(f"{state_name(state)} ({state}): no ZIP points to place it.")
    return Place(state_name(state) or state, centre.latitude, centre.longitude, "state", state,
                 state_fips(state))


def _county_name(index: GeoIndex, fips: str | None) -> str | None:
    county = index.counties.get(fips or "")
    return county.name if county else None


# ----------------------------------------------------------------------------- parsing


def _named_place(index: GeoIndex, head: str, state: str, text: str) -> Place:
    """'Dayton' / 'Montgomery County' / 'Baltimore city' in a known state: a city first,
    unless the name says it is a county."""
    if not _COUNTY_WORDS.search(head):
        city = index.city(head, state)
        if city is not None:
            return _city_place(index, city)
    fips = index.county(head, state)
    if fips:
        return _county_place(index, fips)
    choices = index.city_names(state) + [
        c.name for c in index.counties.values() if c.state == state]
    suggestions = tuple(f"{name}, {state}" for name in _close(head, choices))
    raise PlaceNotFound(
        f"{text}: no city or county named {head!r} in {state_name(state)} ({state})"
        + (f"; did you mean {'; '.join(suggestions)}?" if suggestions else "."),
        suggestions,
    )


def _bare_place(index: GeoIndex, text: str) -> Place:
    """A name with no state: one city (or county) of that name anywhere, or an error."""
    places = [] if _COUNTY_WORDS.search(text) else [
        _city_place(index, c) for c in index.cities_by_name.get(place_key(text), [])]
    if not places:
        counties = {index.county(text, s) for s in index.states}
        places = [_county_place(index, f) for f in sorted(c for c in counties if c)]
    if len(places) == 1:
        return places[0]
    if places:
        places.sort(key=lambda p: (-len(p.zips), p.label))
        shown = "; ".join(p.label for p in places[:_SHOWN_CANDIDATES])
        more = "; ..." if len(places) > _SHOWN_CANDIDATES else ""
        raise AmbiguousPlace(f"{text}: {len(places)} places; add a state ({shown}{more})",
                             tuple(places))
    country = country_code(text)
    if country and country != "US":
        raise PlaceNotFound(f"{text}: a country outside the US; only US places (ZIP, 'City, "
                            "ST', county, state) or 'lat,lon' can be looked up.")
    suggestions = tuple(_close(text, index.city_names() + state_names()))
    raise PlaceNotFound(
        f"{text}: no US state, city or county of that name; try a ZIP code or 'City, ST'"
        + (f" (did you mean {'; '.join(suggestions)}?)" if suggestions else "."),
        suggestions,
    )


def _not_a_state(text: str, tail: str) -> PlaceNotFound:
    country = country_code(tail)
    if country and country != "US":
        return PlaceNotFound(f"{text}: {tail!r} is a country outside the US; only US places "
                             "(or 'lat,lon') can be looked up.")
    suggestions = tuple(_close(tail, state_names(), limit=3, cutoff=60))
    return PlaceNotFound(
        f"{text}: {tail!r} is not a US state or territory"
        + (f"; did you mean {'; '.join(suggestions)}?" if suggestions else "."),
        suggestions,
    )


def _close(query: str, choices: list[str], limit: int = 5, cutoff: float = 75) -> list[str]:
    """Close names by rapidfuzz (deduplicated, best first)."""
    found = process.extract(query, choices, scorer=fuzz.WRatio, limit=limit * 3,
                            score_cutoff=cutoff, processor=str.lower)
    return list(dict.fromkeys(name for name, _, _ in found))[:limit]
