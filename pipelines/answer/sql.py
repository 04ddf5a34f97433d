"""The "who is near?" answer in SQL: DuckDB table macros stored in every release, and the one
query the ``near`` command runs.

Both use the same distance (haversine on the IUGG mean Earth radius, as ``geography``) and the
same exclusions, so SQL users and the command agree: a point of ``region`` precision (a
continent, 'Global') or with no coordinates is nobody's nearest, and a ``gone`` group (its
Meetup page answers 404/410) is never offered.

No pandas, no Dagster: the command imports this on its fast start-up path.
"""

from __future__ import annotations

from typing import Any

import duckdb

from schemas.codes import ANSWER_KINDS, kinds_in_section
from schemas.ipeds_codes import RESEARCH_LEVELS

EARTH_RADIUS_KM = 6371.0088  # the same mean radius as geography.distance

#: Precisions whose point cannot stand for the organization's own place.
UNPLACED = ("region", "none")


def distance_sql(lat: str, lon: str) -> str:
    """Great-circle km from (``lat``, ``lon``) (SQL expressions) to the row's point."""
    return (
        f"2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
        f"pow(sin(radians(latitude - ({lat})) / 2), 2) "
        f"+ cos(radians({lat})) * cos(radians(latitude)) "
        f"* pow(sin(radians(longitude - ({lon})) / 2), 2))))"
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
    (e.g. 'brigade', 'state_data_center'). Both add ``distance_km`` (rounded to 0.1 km)."""
    return [
        _macro("near", "lat, lon, n := 10", "", temporary),
        _macro("near_kind", "lat, lon, wanted_kind, n := 10", " AND kind = wanted_kind",
               temporary),
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
    "land_grant", "hbcu", "tribal_college", "part_of",
)
REQUIRED_COLUMNS = ("name", "kind", "latitude", "longitude")
#: Kinds matched to the place itself, whatever their distance: the state's SDC agencies and
#: land-grant universities, the city's and county's governments and foundations.
STATE_KINDS = kinds_in_section("sdc")
UNIVERSITY_KINDS = kinds_in_section("university")
CITY_OR_COUNTY_KINDS = kinds_in_section("government", "foundation")


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


def candidates_sql(columns: set[str]) -> str:
    """The organizations the answer chooses from, for one place.

    Per group (kind, activity, research tier, government unit) the ``$per_group`` nearest
    placed rows: enough for every distance-ordered section and for the nearest active group;
    the research tier (a doctoral or master's university, or a unit of a university:
    ``part_of`` set) is its own group, so the nearest research universities and units are
    there however many colleges are nearer. Plus the rows that match the place itself
    whatever their distance (State Data Center agencies and land-grant universities of the
    state, the city's and county's governments, foundations of the county or city). Each
    row's ``part_of_name`` is the name of the university it is a unit of. Python
    (``pipelines.answer.sections``) makes the final choice.

    The groups keep only row ids (``min_by(rowid, distance, n)``, a top-n aggregate, not a
    sort). 100,000 organizations take ~30 ms. Columns a release lacks read as NULL."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ReleaseUnreadable(f"the intermediaries table has no {', '.join(missing)} column")

    def col(name: str) -> str:
        return name if name in columns else f"NULL AS {name}"

    def ref(name: str) -> str:
        return name if name in columns else "NULL"

    kinds = _sql_list(ANSWER_KINDS)
    part_of_name = ("(SELECT u.name FROM intermediaries u "
                    "WHERE u.intermediary_id = intermediaries.part_of)"
                    if "part_of" in columns else "NULL")
    placed = (f"CASE WHEN {_placed(ref('location_precision'))} "
              f"THEN {distance_sql('$lat', '$lon')} END")
    kept = f"kind IN ({kinds}) AND {_not_gone(ref('activity'))}"
    return f"""
    WITH grouped AS (
        SELECT unnest(min_by(rid, km, $per_group)) AS rid FROM (
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
        WHERE {kept} AND {ref('state')} = $state AND (
              kind IN ({_sql_list(STATE_KINDS)})
           OR (kind IN ({_sql_list(UNIVERSITY_KINDS)}) AND {ref('land_grant')})
           OR (kind IN ({_sql_list(CITY_OR_COUNTY_KINDS)}) AND (
                  {ref('county_fips')} = $county_fips
               OR lower({ref('city')}) = $city
               OR contains(lower(name), $county_stem))))
    )
    SELECT {', '.join(col(c) for c in ANSWER_COLUMNS)},
        {placed} AS distance_km,
        {part_of_name} AS part_of_name
    FROM intermediaries
    WHERE rowid IN (SELECT rid FROM grouped UNION SELECT rid FROM own)
    ORDER BY distance_km NULLS LAST, name"""


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
    ``part_of_name``). ``city`` and ``county_stem`` are compared lower-case."""
    sql = candidates_sql(table_columns(con))
    cursor = con.cursor()  # DuckDB 2: a half-read result blocks the connection
    cursor.execute(sql, {
        "lat": latitude, "lon": longitude, "state": state, "county_fips": county_fips,
        "city": city.lower() if city else None,
        "county_stem": county_stem.lower() if county_stem else None,
        "per_group": per_group,
    })
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
