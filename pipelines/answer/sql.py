"""The "who is near?" answer in SQL: DuckDB table macros stored in every release, and the one
query the ``near`` command runs.

Both use the same distance (haversine on the IUGG mean Earth radius, as ``geography``) and the
same exclusions, so SQL users and the command agree: a point of ``region`` precision (a
continent, 'Global') or with no coordinates is nobody's nearest, and a ``gone`` group (its
Meetup page answers 404/410) is never offered.

No pandas, no Dagster: the command imports this on its fast start-up path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from pipelines.answer.sections import (
    GOVERNMENT_KINDS,
    STATE_GOVERNMENT,
    UNIVERSITY_KINDS,
)
from schemas.codes import ANSWER_KINDS, KIND_LABELS, kinds_in_section
from schemas.ipeds_codes import RESEARCH_LEVELS

EARTH_RADIUS_KM = 6371.0088  # the same mean radius as geography.distance

#: Precisions whose point cannot stand for the organization's own place.
UNPLACED = ("region", "none")


def distance_sql(lat: str, lon: str, to_lat: str = "latitude",
                 to_lon: str = "longitude") -> str:
    """Great-circle km from (``lat``, ``lon``) to (``to_lat``, ``to_lon``), the row's point by
    default (SQL expressions); clamped, as ``geography.haversine_km``."""
    return (
        f"2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
        f"pow(sin(radians({to_lat} - ({lat})) / 2), 2) "
        f"+ cos(radians({lat})) * cos(radians({to_lat})) "
        f"* pow(sin(radians({to_lon} - ({lon})) / 2), 2))))"
    )


def _placed(precision: str = "location_precision") -> str:
    return ("latitude IS NOT NULL AND longitude IS NOT NULL "
            f"AND coalesce({precision}, '') NOT IN {UNPLACED!r}")


def _not_gone(activity: str = "activity") -> str:
    return f"coalesce({activity}, '') <> 'gone'"


def _macro(name: str, params: str, where: str, temporary: bool) -> str:
    return f"""CREATE OR REPLACE {'TEMP ' if temporary else ''}MACRO {name}({params}) AS TABLE
       SELECT * EXCLUDE (_km), round(_km, 1) AS distance_km
       FROM (SELECT *, {distance_sql('lat', 'lon')} AS _km FROM intermediaries
             WHERE {_placed()} AND {_not_gone()}{where})
       ORDER BY _km, name
       LIMIT n"""


def macro_statements(temporary: bool = False) -> list[str]:
    """``near(lat, lon, n := 10)``: the n nearest organizations of any kind;
    ``near_kind(lat, lon, wanted_kind, n := 10)``: the n nearest of one kind
    (e.g. 'brigade', 'state_data_center'); ``nearest_intermediaries(lat, lon, n := 10)``: the
    older name of ``near``. All add ``distance_km`` (rounded to 0.1 km), with the answer's
    distance, and never offer a ``gone`` group or a region-wide point."""
    return [
        _macro("near", "lat, lon, n := 10", "", temporary),
        _macro("near_kind", "lat, lon, wanted_kind, n := 10", " AND kind = wanted_kind",
               temporary),
        _macro("nearest_intermediaries", "lat, lon, n := 10", "", temporary),
    ]


def install_macros(con: duckdb.DuckDBPyConnection, temporary: bool = False) -> None:
    """Create (or replace) the macros. ``temporary`` works on a read-only connection, so an
    older release without them answers the same SQL."""
    for statement in macro_statements(temporary):
        con.execute(statement)


# --- the command's query ---------------------------------------------------------------------

#: Columns the answer reads. Releases from before a column was published lack it: it reads as
#: NULL, so the answer degrades (e.g. county matched by name) instead of failing.
ANSWER_COLUMNS = (
    "intermediary_id", "name", "kind", "role", "government_level", "government_unit",
    "department", "service_area", "city", "state", "state_fips", "county_fips", "latitude",
    "longitude", "location_precision", "activity", "activity_reason", "next_event_date",
    "website", "sources", "carnegie_class", "carnegie_level", "research_activity",
    "land_grant", "hbcu", "tribal_college", "part_of", "open_data_portal", "portal_software",
)
REQUIRED_COLUMNS = ("name", "kind", "latitude", "longitude")
#: Kinds matched to the place itself, whatever their distance: the state's SDC agencies, its
#: land-grant universities and its own government, the city's and county's governments and
#: foundations.
STATE_KINDS = kinds_in_section("sdc")
CITY_OR_COUNTY_KINDS = kinds_in_section("government", "foundation")
#: Per group of candidates, this many more than the limit (room for duplicates of one name).
EXTRA_CANDIDATES = 3
#: How the command's query takes the place: bound parameters.
BOUND = {"lat": "$lat", "lon": "$lon", "state": "$state", "county_fips": "$county_fips",
         "city": "$city", "county_stem": "$county_stem", "per_group": "$per_group"}


def _sql_list(kinds: tuple[str, ...]) -> str:
    return ", ".join(f"'{k}'" for k in kinds)


class ReleaseUnreadable(Exception):
    """The file is not a release this command can read (no intermediaries table, a column
    the answer cannot do without)."""


def table_columns(con: duckdb.DuckDBPyConnection, table: str = "intermediaries") -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def candidates_sql(columns: set[str], place: dict[str, str] = BOUND) -> str:
    """The organizations the answer chooses from, for one place.

    Per group (kind, activity, research tier, government unit) the ``per_group`` nearest
    placed rows: enough for every distance-ordered section and for the nearest active group;
    the research tier (a doctoral or master's university, or a unit of a university:
    ``part_of`` set) is its own group, so the nearest research universities and units are
    there however many colleges are nearer. Plus the rows that match the place itself
    whatever their distance (State Data Center agencies, land-grant universities and the
    state's own government, the city's and county's governments, foundations of the county
    or city). Each row's ``part_of_name`` is the name of the university it is a unit of.
    Python (``pipelines.answer.sections``) or the SQL ``near_place`` makes the final choice,
    from these same rows in this same order (nearest first, then name, then id).

    ``place`` gives the place's values as SQL: bound parameters (the command) or the
    ``near_place`` macro's expressions. The groups keep only row ids (``min_by(rowid,
    distance, n)``, a top-n aggregate, not a sort). 100,000 organizations take ~30 ms.
    Columns a release lacks read as NULL."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ReleaseUnreadable(f"the intermediaries table has no {', '.join(missing)} column")

    def ref(name: str) -> str:
        return name if name in columns else "NULL"

    def col(name: str) -> str:
        return f"i.{name}" if name in columns else f"NULL AS {name}"

    p = place
    kinds = _sql_list(ANSWER_KINDS)
    universities = _sql_list(UNIVERSITY_KINDS)
    placed = (f"CASE WHEN {_placed(ref('location_precision'))} "
              f"THEN {distance_sql(p['lat'], p['lon'])} END")
    kept = f"kind IN ({kinds}) AND {_not_gone(ref('activity'))}"
    state_level = (f"coalesce(nullif({ref('government_level')}, ''), CASE WHEN kind = "
                   f"'local_government' AND regexp_matches(name, '{STATE_GOVERNMENT}', 'i') "
                   "THEN 'state' END) = 'state'")
    part_of = ("(SELECT u.name FROM intermediaries u WHERE u.intermediary_id = i.part_of)"
               if {"part_of", "intermediary_id"} <= columns else "NULL")
    by_id = ", i.intermediary_id" if "intermediary_id" in columns else ""
    return f"""
    WITH grouped AS (
        SELECT unnest(min_by(rid, km, {p['per_group']})) AS rid FROM (
            SELECT rowid AS rid, kind, {ref('activity')} AS activity,
                   {ref('government_unit')} AS government_unit,
                   coalesce({ref('carnegie_level')} IN ({_sql_list(RESEARCH_LEVELS)})
                            OR {ref('part_of')} IS NOT NULL, false) AS research_tier,
                   {placed} AS km
            FROM intermediaries WHERE {kept})
        WHERE km IS NOT NULL
        GROUP BY kind, activity, research_tier, government_unit
    ), own AS (
        SELECT rowid AS rid FROM intermediaries
        WHERE {kept} AND {ref('state')} = {p['state']} AND (
              kind IN ({_sql_list(STATE_KINDS)})
           OR (kind IN ({_sql_list(CITY_OR_COUNTY_KINDS)}) AND (
                  {ref('county_fips')} = {p['county_fips']}
               OR lower({ref('city')}) = lower({p['city']})
               OR contains(lower(name), lower({p['county_stem']}))))
           OR (kind IN ({_sql_list(GOVERNMENT_KINDS)}) AND {state_level})
           OR (kind IN ({universities}) AND coalesce({ref('land_grant')}, false)))
    )
    SELECT {', '.join(col(c) for c in ANSWER_COLUMNS)}, i._km AS distance_km,
        {part_of} AS part_of_name
    FROM (SELECT *, {placed} AS _km FROM intermediaries
          WHERE rowid IN (SELECT rid FROM grouped UNION SELECT rid FROM own)) i
    ORDER BY distance_km NULLS LAST, i.name{by_id}"""


def fetch_candidates(
    con: duckdb.DuckDBPyConnection,
    latitude: float,
    longitude: float,
    state: str | None,
    county_fips: str | None,
    city: str | None,
    county_stem: str | None,
    per_group: int,
) -> list[dict[str, Any]]:
    """Candidate rows as dicts (every column of :data:`ANSWER_COLUMNS`, ``distance_km`` and
    ``part_of_name``), nearest first (then by name and id, so every reader sees one order)."""
    sql = candidates_sql(table_columns(con))
    cursor = con.cursor()  # DuckDB 2: a half-read result blocks the connection
    cursor.execute(sql, {
        "lat": latitude, "lon": longitude, "state": state, "county_fips": county_fips,
        "city": city, "county_stem": county_stem, "per_group": per_group,
    })
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- the answer as SQL: near_place(place) ------------------------------------------------------



def answer_statements(columns: set[str], lookup: Mapping[str, object],
                      temporary: bool = False) -> list[str]:
    """The text macros, ``place_lookup(place)`` and ``near_place(place, within_km, n)`` for an
    intermediaries table with ``columns`` (the constants of ``pipelines.answer.sections``
    filled in). ``lookup`` holds ``geography.lookup_place``'s patterns
    (``pipelines.publish.places.lookup_patterns``); ``place_lookup`` and ``near_place`` read
    the ``places`` and ``state_names`` tables."""
    from pipelines.answer import sections as rules
    from pipelines.answer.queries import case_arms, literal, query, statements, text_list

    temp = "TEMP " if temporary else ""
    texts = query(
        "texts", temp=temp, state_government=literal(rules.STATE_GOVERNMENT),
        county_words=literal(rules.COUNTY_WORDS), tribal=literal(rules.TRIBAL),
        department=literal(rules.DEPARTMENT), portal_host=literal(rules.PORTAL_HOST_PATTERN),
        government_kinds=text_list(GOVERNMENT_KINDS), kind_labels=case_arms(KIND_LABELS))
    lookup = query(
        "place_lookup", temp=temp, point_zip_km=lookup["point_zip_km"],
        **{k: literal(str(v)) for k, v in lookup.items() if k != "point_zip_km"},
        point_km=distance_sql("pt.lat", "pt.lon", "z.latitude", "z.longitude"))
    macro_place = {
        "lat": "(SELECT place_latitude FROM origin)",
        "lon": "(SELECT place_longitude FROM origin)",
        "state": "(SELECT place_state FROM origin)",
        "county_fips": "(SELECT place_county_fips FROM origin)",
        "city": "(SELECT place_city FROM origin)",
        "county_stem": "(SELECT place_county_stem FROM origin)",
        "per_group": f"n + {EXTRA_CANDIDATES}",
    }
    keys = list(rules.SECTIONS)
    answer = query(
        "near_place", temp=temp, within_km=rules.DEFAULT_WITHIN_KM, limit=rules.DEFAULT_LIMIT,
        candidates=candidates_sql(columns, macro_place),
        max_nearest_km=rules.MAX_NEAREST_KM, territories=text_list(rules.TERRITORIES),
        nnip_kinds=text_list(rules.NNIP_KINDS), government_kinds=text_list(GOVERNMENT_KINDS),
        university_kinds=text_list(UNIVERSITY_KINDS),
        research_levels=text_list(rules.RESEARCH_LEVELS),
        civic_tech_kinds=text_list(rules.CIVIC_TECH_KINDS), sdc_kinds=text_list(rules.SDC_KINDS),
        foundation_kinds=text_list(rules.FOUNDATION_KINDS),
        activity_order=case_arms(rules.ACTIVITY_ORDER), other_activity=rules.OTHER_ACTIVITY,
        role_order=case_arms(rules.ROLE_ORDER), other_role=rules.OTHER_ROLE,
        section_titles=case_arms(rules.SECTION_TITLES),
        section_nouns=case_arms(rules.SECTION_NOUNS),
        section_order=case_arms({k: n for n, k in enumerate(keys)}))
    return statements(texts) + statements(lookup) + statements(answer)


def install_answer(con: duckdb.DuckDBPyConnection, lookup: Mapping[str, object],
                   temporary: bool = False) -> None:
    """Create (or replace) the answer's macros on a release holding the place tables."""
    for statement in answer_statements(table_columns(con), lookup, temporary):
        con.execute(statement)
