"""The place index the ``near`` command uses, as rows for the release's DuckDB file, so the SQL
``near_place(place)`` starts from the very point, state, county and city the command does.
Here, not in ``pipelines.answer``: ``geography`` brings pandas, which the answer never imports.

Each row is the answer's :class:`~pipelines.answer.sections.Origin` of one spelling: a ZIP, a
city or another name of its ZIPs (by ``geography.index.place_key``), a county (by each of its
keys) or a state, built by the same ``geography`` functions ``lookup_place`` uses.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.answer.sections import Origin
from pipelines.link.tables import code_digest

if TYPE_CHECKING:
    import pyarrow as pa

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


def place_table(cache: Path | None = None) -> pa.Table:
    """:func:`place_rows` as an Arrow table, read from a Parquet file in the geography cache
    folder when one was built by the same code from the same data packages: building the
    ~88,000 rows takes over a second, a large share of a small refresh."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from geography.index import cache_dir, cache_key

    key = hashlib.sha256(json.dumps([cache_key(), code_digest()]).encode()).hexdigest()[:16]
    try:
        path = (cache if cache is not None else cache_dir()) / f"places-{key}.parquet"
    except (OSError, RuntimeError):  # no home directory
        path = None
    if path is not None:
        try:
            return pq.read_table(path)
        except (OSError, pa.ArrowException):
            pass  # missing or damaged: build it
    import duckdb

    rows = place_rows()
    built = pa.table({c: pa.array(list(v), pa.float64() if PLACE_TYPES.get(c) == "DOUBLE"
                                  else pa.string())
                      for c, v in zip(PLACE_COLUMNS, zip(*rows, strict=True), strict=True)})
    with duckdb.connect() as con:  # sorted once here, so every release file is the same
        con.register("built", built)
        table = con.sql("SELECT * FROM built ORDER BY ALL").to_arrow_table()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            pq.write_table(table, tmp)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home only costs the build next time
    return table


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
