"""The place index the ``near`` command uses, as rows for the release's DuckDB file, so the SQL
``near_place(place)`` starts from the very point, state, county and city the command does.
Here, not in ``pipelines.answer``: ``geography`` brings pandas, which the answer never imports.

Each row is the answer's :class:`~pipelines.answer.sections.Origin` of one spelling: a ZIP, a
city or another name of its ZIPs (by ``geography.index.place_key``), a county (by each of its
keys) or a state, built by the same ``geography`` functions ``lookup_place`` uses.
"""

from __future__ import annotations

from typing import Any

from pipelines.answer.sections import Origin

#: The columns of ``places``: how the place is spelled (form, key, state), then the origin.
PLACE_COLUMNS = ("form", "key", "state", "label", "latitude", "longitude", "precision",
                 "state_name", "county_fips", "county_name", "county_stem", "city")
PLACE_TYPES = {"latitude": "DOUBLE", "longitude": "DOUBLE"}


def _row(form: str, key: str, place: Any) -> tuple[Any, ...]:
    from geography import state_name

    origin = Origin(place.label, place.latitude, place.longitude, place.precision, place.state,
                    place.county_fips, place.county_name, place.city, state_name(place.state))
    return (form, key, origin.state, origin.label, origin.latitude, origin.longitude,
            origin.precision, origin.state_name, origin.county_fips, origin.county_name,
            origin.county_stem, origin.city)


def place_rows() -> list[tuple[Any, ...]]:
    """Every spelling ``place_lookup`` reads, with its origin (ZIPs, cities, other names of
    ZIPs, counties, states)."""
    from geography import get_index
    from geography import places as lookup

    index = get_index()
    rows = [_row("zip", code, lookup._zip_place(index, code)) for code in index.zip_codes]
    for number, city in enumerate(index._city_rows):
        rows.append(_row("city", city[0], lookup._city_place(index, index._city(number))))
    for key, state in index._alias_rows:
        rows.append(_row("alias", key, lookup._city_place(index, index.city(key, state))))
    chosen: dict[tuple[str, str], str] = {}
    for key, state in index.county_keys:
        fips = _county_choice(index, key, state)
        if fips:
            chosen[(key, state)] = fips
    for (key, _state), fips in chosen.items():
        rows.append(_row("county", key, lookup._county_place(index, fips)))
    for state in index.states:
        rows.append(_row("state", state, lookup._state_place(index, state)))
    return rows


def _county_choice(index: Any, key: str, state: str) -> str | None:
    """``GeoIndex.county``'s pick among the counties with one key (a county before an
    independent city of the same name)."""
    matches = index.county_keys.get((key, state), [])
    if len(matches) > 1:
        not_city = [f for f in matches if not index.counties[f].name.lower().endswith("city")]
        matches = not_city or matches
    return matches[0] if matches else None


def lookup_patterns() -> dict[str, object]:
    """What ``place_lookup`` needs of ``geography.lookup_place``: its patterns (a trailing
    'USA', a 'lat,lon' point, county words, county suffixes) and the point's ZIP radius."""
    from geography import index, places

    return {"trailing_us": places._TRAILING_US.pattern, "point": places._POINT.pattern,
            "county_words_end": places._COUNTY_WORDS.pattern,
            "county_suffix": index._COUNTY_SUFFIX.pattern, "point_zip_km": places.POINT_ZIP_KM}


def state_name_rows() -> list[tuple[str, str]]:
    """(lower-case spelling, USPS code): every spelling ``geography.usps_code`` accepts."""
    from geography.states import _state_keys

    return sorted(_state_keys().items())
