"""``near``: who a user is told to call, in the guide's order, from a small hand-made release.

The release below has one organization of every kind around Dayton, Ohio (ZIP 45402) and a
few around Missoula, Montana, where no civic tech group is near. Distances are checked with
a reference haversine written here, not the code's own.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from pipelines.answer.sections import Origin, answer, section_keys
from pipelines.answer.sql import ANSWER_COLUMNS, fetch_candidates, install_macros

DAYTON = Origin("45402 (Dayton, OH)", 39.7563, -84.1895, "zip", "OH", "39113",
                "Montgomery County", "Dayton")
MISSOULA = Origin("59801 (Missoula, MT)", 46.8564, -114.0252, "zip", "MT", "30063",
                  "Missoula County", "Missoula")
COLUMBUS = (39.9612, -82.9988)
CINCINNATI = (39.1031, -84.5120)


def reference_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Textbook haversine on the IUGG mean radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def org(name: str, kind: str, at: tuple[float, float] | None, city: str | None, state: str,
        **extra: object) -> dict:
    lat, lon = at if at else (None, None)
    return {"intermediary_id": f"im-{abs(hash(name)) % 16**12:012x}", "name": name,
            "kind": kind, "city": city, "state": state, "latitude": lat, "longitude": lon,
            "location_precision": "source" if at else "none", "activity": "unknown",
            "sources": "test", "website": f"https://{name.lower().replace(' ', '')}.org/",
            **extra}


ORGS = [
    # NNIP partners
    org("Dayton Regional Data Partners", "nnip_partner", (39.7589, -84.1916), "Dayton", "OH",
        service_area="metro"),
    org("Community Research Partners", "nnip_partner", COLUMBUS, "Columbus", "OH"),
    # governments: the city, the county, a city department, neighbours, the state
    org("City of Dayton", "local_government", (39.7589, -84.1916), "Dayton", "OH",
        government_level="city", government_unit="general", county_fips="39113"),
    org("Montgomery County", "local_government", (39.7589, -84.1916), "Dayton", "OH",
        government_level="county", government_unit="general", county_fips="39113"),
    org("City of Dayton Planning", "local_government", (39.7589, -84.1916), "Dayton", "OH",
        government_level="city", government_unit="department", department="planning",
        county_fips="39113"),
    org("City of Kettering", "local_government", (39.6895, -84.1688), "Kettering", "OH",
        government_level="city", government_unit="general", county_fips="39113"),
    org("Greene County GIS", "local_government", (39.6853, -83.9291), "Xenia", "OH",
        government_level="county", government_unit="department", county_fips="39057"),
    org("State of Ohio", "local_government", COLUMBUS, "Columbus", "OH",
        government_level="state", government_unit="general"),
    org("City of College Corner", "local_government", (39.5673, -84.8166), "College Corner",
        "OH", government_level="city", government_unit="general", county_fips="39017"),
    # university units (by name) and the State Data Center
    org("University of Dayton Business Research Group", "state_data_center",
        (39.7406, -84.1794), "Dayton", "OH", role="affiliate"),
    org("Ohio Development Services Agency Office of Research", "state_data_center", COLUMBUS,
        "Columbus", "OH", role="lead"),
    org("State Library of Ohio", "state_data_center", COLUMBUS, "Columbus", "OH",
        role="coordinating"),
    org("Indiana Business Research Center", "state_data_center", (39.7684, -86.1581),
        "Indianapolis", "IN", role="lead"),
    # civic tech: a gone brigade in Dayton itself, an active group, a dormant one, a network
    # with only a region-wide point
    org("Code for Dayton", "brigade", (39.7589, -84.1916), "Dayton", "OH", activity="gone"),
    org("Dayton Civic Hackers", "civic_tech_group", (39.7580, -84.1920), "Dayton", "OH",
        activity="active", next_event_date="2026-12-10"),
    org("Cincy Civic Tech", "civic_tech_group", CINCINNATI, "Cincinnati", "OH",
        activity="dormant"),
    org("Columbus Open Data", "civic_tech_network", COLUMBUS, "Columbus", "OH"),
    {**org("Code for Everywhere", "civic_tech_network", (39.7563, -84.1895), None, "OH"),
     "location_precision": "region", "activity": "active"},
    # foundations
    org("The Dayton Foundation", "community_foundation", (39.7600, -84.1950), "Dayton", "OH",
        county_fips="39113", service_area="county"),
    org("Springfield Foundation", "community_foundation", (39.9242, -83.8088), "Springfield",
        "OH", county_fips="39023"),
    # Montana: a gone group in Missoula, an active one in Boise, a dormant one in Spokane
    org("Code for Missoula", "brigade", (46.8721, -113.9940), "Missoula", "MT",
        activity="gone"),
    org("Code for Boise", "brigade", (43.6150, -116.2023), "Boise", "ID", activity="active",
        next_event_date="2026-12-03"),
    org("Spokane Civic Tech", "civic_tech_group", (47.6588, -117.4260), "Spokane", "WA",
        activity="dormant"),
    org("Montana Census and Economic Information Center", "state_data_center",
        (46.5891, -112.0391), "Helena", "MT", role="lead"),
]
BY_NAME = {o["name"]: o for o in ORGS}
TYPES = {"latitude": "DOUBLE", "longitude": "DOUBLE", "land_grant": "BOOLEAN",
         "hbcu": "BOOLEAN", "tribal_college": "BOOLEAN"}


def write_release(folder: Path, orgs: list[dict] = ORGS,
                  columns: tuple[str, ...] = ANSWER_COLUMNS, sample: bool = True) -> Path:
    """A small release: the intermediaries table (``columns`` only), source_status,
    release_info and the macros, as ``pipelines.publish.database.write_duckdb`` stores them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "intermediaries.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE intermediaries ("
                    + ", ".join(f"{c} {TYPES.get(c, 'VARCHAR')}" for c in columns) + ")")
        for o in orgs:
            con.execute(f"INSERT INTO intermediaries VALUES ({', '.join('?' for _ in columns)})",
                        [o.get(c) for c in columns])
        con.execute("CREATE TABLE source_status AS SELECT 'cfa' AS source, 'Code for America' "
                    "AS title, 'fresh' AS status, 3 AS records, NULL AS source_url, "
                    "TIMESTAMPTZ '2026-11-01 12:00:00+00' AS retrieved_at, 'x' AS snapshot, "
                    "true AS sample, NULL AS problem")
        con.execute("CREATE TABLE release_info AS SELECT 'f' AS inputs_fingerprint, "
                    "TIMESTAMPTZ '2026-11-01 12:00:00+00' AS created, ? AS sample, "
                    "'replay' AS mode, '0.1.0' AS code_version", [sample])
        if {"location_precision", "activity"} <= set(columns):
            install_macros(con)
    return path


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return write_release(tmp_path_factory.mktemp("release"))


def ask(release: Path, place: Origin, **options) -> object:
    with duckdb.connect(str(release), read_only=True) as con:
        rows = fetch_candidates(con, place.latitude, place.longitude, place.state,
                                place.county_fips, place.city, place.county_stem,
                                per_group=options.get("limit", 3) + 3)
    return answer(place, rows, **options)


def names(section) -> list[str]:
    return [m.name for m in section.matches]


def section(result, key: str):
    return next(s for s in result.sections if s.key == key)


# --- the sections ----------------------------------------------------------------------------


def test_dayton_gets_every_section_in_the_guides_order(release):
    result = ask(release, DAYTON)
    assert [s.key for s in result.sections] == [
        "nnip", "government", "university", "civic_tech", "sdc", "foundation"]
    assert [s.title for s in result.sections] == [
        "NNIP partner", "City and county government", "University units",
        "Civic tech groups", "State Data Center", "Local nonprofits and foundations"]
    assert names(section(result, "nnip")) == ["Dayton Regional Data Partners"]
    assert result.start_something is None  # a civic tech group is near


def test_distances_agree_with_a_reference_haversine(release):
    result = ask(release, DAYTON, within_km=200, limit=10)
    checked = 0
    for s in result.sections:
        for m in s.matches:
            o = BY_NAME[m.name]
            expected = reference_km(DAYTON.latitude, DAYTON.longitude, o["latitude"],
                                    o["longitude"])
            assert m.distance_km == pytest.approx(expected, abs=0.051), m.name
            checked += 1
    assert checked >= 15
    columbus = next(m for m in section(result, "nnip").matches
                    if m.name == "Community Research Partners")
    km = reference_km(DAYTON.latitude, DAYTON.longitude, *COLUMBUS)
    assert columbus.why == f"{km:.0f} km away"


def test_governments_show_the_city_and_county_of_the_place_first(release):
    government = section(ask(release, DAYTON, limit=6), "government")
    assert names(government) == [
        "City of Dayton",           # your city, general
        "Montgomery County",        # your county, general
        "City of Dayton Planning",  # your city, a department
        "City of Kettering",        # then within the radius: general governments first
        "City of College Corner",
        "Greene County GIS",        # then departments
    ]
    assert [m.why for m in government.matches[:3]] == [
        "your city (Dayton)", "your county (Montgomery County)", "your city (Dayton)"]
    assert government.matches[2].what == "city government, department (planning)"
    assert "State of Ohio" not in names(government)  # the state is the SDC section's


def test_a_name_alone_never_makes_a_university_or_a_unit(release):
    """'University of Dayton Business Research Group' (an SDC agency without part_of) and
    'City of College Corner' are not universities: the section reads kind and part_of only
    (tests/pipelines/answer/test_university_section.py has the universities)."""
    universities = section(ask(release, DAYTON), "university")
    assert names(universities) == []
    assert universities.note == "No university within 100 km in this release."


def test_civic_tech_never_lists_a_gone_group_and_puts_active_ones_first(release):
    result = ask(release, DAYTON, within_km=150, limit=10)
    civic = section(result, "civic_tech")
    assert names(civic) == ["Dayton Civic Hackers", "Columbus Open Data", "Cincy Civic Tech"]
    assert [m.activity for m in civic.matches] == [
        "active, next event 2026-12-10", "unknown", "dormant"]
    everyone = {m.name for s in result.sections for m in s.matches}
    assert "Code for Dayton" not in everyone          # gone, though 0.3 km away
    assert "Code for Everywhere" not in everyone      # a region-wide point is nobody's nearest


def test_the_state_data_center_lead_comes_first_and_covers_the_state(release):
    sdc = section(ask(release, DAYTON), "sdc")
    assert names(sdc) == ["Ohio Development Services Agency Office of Research",
                          "State Library of Ohio",
                          "University of Dayton Business Research Group"]
    assert sdc.matches[0].why.startswith("covers your state (OH); ")
    assert "Indiana Business Research Center" not in names(sdc)  # another state's lead


def test_foundations_of_the_county_come_first(release):
    foundations = section(ask(release, DAYTON), "foundation")
    assert names(foundations) == ["The Dayton Foundation", "Springfield Foundation"]
    assert foundations.matches[0].why.startswith("covers your county (Montgomery County)")


def test_missoula_gets_the_start_something_suggestions_naming_the_nearest_active_group(
        release):
    result = ask(release, MISSOULA)
    civic = section(result, "civic_tech")
    assert civic.note == "No civic tech group within 100 km; the nearest:"
    # the nearest anyway, whatever their activity, within MAX_NEAREST_KM (Boise, 400 km, and
    # Dayton are too far to be anyone's "nearest"); the gone one in Missoula is not among them
    assert names(civic) == ["Spokane Civic Tech"]
    assert not any(m.within for m in civic.matches)
    first = result.start_something.first_to_ask
    assert first.name == "Code for Boise"  # the nearest *active* group, not Spokane
    text = " ".join(result.start_something.suggestions)
    for idea in ("open data conversation", "speaker from a nearby community", "hack night"):
        assert idea in text
    assert "ask Code for Boise (Boise, ID; " in text and "next event 2026-12-03" in text
    assert first.distance_km == pytest.approx(
        reference_km(MISSOULA.latitude, MISSOULA.longitude, 43.6150, -116.2023), abs=0.051)


def test_a_section_with_nothing_within_the_radius_says_so_and_gives_the_nearest(release):
    result = ask(release, DAYTON, within_km=1)
    nnip = section(result, "nnip")
    assert nnip.matches and nnip.note is None  # 0.3 km away
    indianapolis = Origin("46204 (Indianapolis, IN)", 39.7684, -86.1581, "zip", "IN")
    foundation = section(ask(release, indianapolis), "foundation")
    assert foundation.note == "No community foundation within 100 km; the nearest:"
    assert names(foundation)[0] == "The Dayton Foundation"  # 170 km away
    assert foundation.matches[0].why.endswith("km away")
    # nothing within MAX_NEAREST_KM: said so, and nobody 10,000 km away is offered instead
    far = section(ask(release, Origin("Guam", 13.44, 144.79, "state", "GU")), "foundation")
    assert far.note == "No community foundation within 100 km in this release."
    assert far.matches == ()
    sdc = section(ask(release, Origin("Guam", 13.44, 144.79, "state", "GU")), "sdc")
    assert sdc.note == "No State Data Center agency for GU in this release." and not sdc.matches


def test_kind_filters_sections_by_key_or_published_kind(release):
    assert section_keys(["brigade", "sdc"]) == ["civic_tech", "sdc"]
    result = ask(release, MISSOULA, kinds=["state_data_center"])
    assert [s.key for s in result.sections] == ["sdc"]
    assert result.start_something is None  # civic tech was not asked for
    with pytest.raises(ValueError, match="unknown kind 'bakery'"):
        section_keys(["bakery"])


def test_an_older_release_without_the_optional_columns_still_answers(tmp_path):
    columns = ("name", "kind", "city", "state", "latitude", "longitude", "activity",
               "website", "sources", "role")
    path = write_release(tmp_path, columns=columns)
    result = ask(path, DAYTON, limit=6)
    government = section(result, "government")
    # level and unit read from the names; the county by its name, not its FIPS
    assert names(government)[:3] == ["City of Dayton", "Montgomery County",
                                     "City of Dayton Planning"]
    assert "State of Ohio" not in names(government)
    assert names(section(result, "foundation"))[0] == "The Dayton Foundation"


# --- the SQL macros --------------------------------------------------------------------------


def test_sql_macros_exclude_region_points_and_gone_groups(release):
    with duckdb.connect(str(release), read_only=True) as con:
        rows = con.execute("SELECT name, distance_km FROM near(39.7563, -84.1895, 50)")
        nearest = rows.fetchall()
        brigades = con.execute(
            "SELECT name FROM near_kind(46.8564, -114.0252, 'brigade', 5)").fetchall()
    found = [n for n, _ in nearest]
    assert "Code for Dayton" not in found and "Code for Everywhere" not in found
    assert [d for _, d in nearest] == sorted(d for _, d in nearest)
    for name, km in nearest:
        o = BY_NAME[name]
        assert km == pytest.approx(reference_km(39.7563, -84.1895, o["latitude"],
                                                o["longitude"]), abs=0.051)
    assert brigades == [("Code for Boise",)]


def test_macros_can_be_installed_on_a_read_only_release(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:  # a release from before the macros
        con.execute("CREATE TABLE intermediaries AS SELECT 'A' AS name, 'brigade' AS kind, "
                    "39.0 AS latitude, -84.0 AS longitude, 'source' AS location_precision, "
                    "'active' AS activity")
    with duckdb.connect(str(path), read_only=True) as con:
        install_macros(con, temporary=True)
        assert con.execute("SELECT name FROM near(39, -84, 1)").fetchall() == [("A",)]


# --- the answer spec's rules 1 and 2 ---------------------------------------------------------

GUAM = Origin("96910 (Hagatna, GU)", 13.4762, 144.7516, "zip", "GU", "66010", "Guam",
              "Hagatna", "Guam")
RULES_ORGS = ORGS + [
    # three EINs of one foundation in Missoula, spelled alike: one contact
    *(org(f"Community Foundation of Missoula{suffix}", "community_foundation",
          (46.8721, -113.9940), "Missoula", "MT", county_fips="30063",
          intermediary_id=f"im-cfm{n}") for n, suffix in enumerate(("", ",", " "))),
    {**org("COMMUNITY FOUNDATION OF MISSOULA", "community_foundation", (46.8721, -113.9940),
           "Missoula", "MT", county_fips="30063"), "intermediary_id": "im-cfm9"},
    org("Bitterroot Foundation", "community_foundation", (46.2465, -114.1590), "Hamilton",
        "MT", county_fips="30081"),
    # a neighbour that publishes data, and one that does not
    org("City of Huber Heights", "local_government", (39.8439, -84.1247), "Huber Heights",
        "OH", government_level="city", government_unit="general", county_fips="39113",
        open_data_portal="https://Maps.HuberHeightsOH.gov/arcgis/rest/services",
        portal_software="ArcGIS Server"),
    org("City of Fairborn", "local_government", (39.8209, -84.0194), "Fairborn", "OH",
        government_level="city", government_unit="general", county_fips="39057",
        open_data_portal="data.fairbornoh.gov/"),
    # Guam's government, and governments thousands of km away
    org("Government of Guam", "local_government", (13.4757, 144.7489), "Hagatna", "GU",
        government_level="state", government_unit="general"),
    org("City of Adak", "local_government", (51.8800, -176.6581), "Adak", "AK",
        government_level="city", government_unit="general"),
    org("County of Kauai", "local_government", (21.9789, -159.3711), "Lihue", "HI",
        government_level="county", government_unit="general"),
]


@pytest.fixture(scope="module")
def rules_release(tmp_path_factory) -> Path:
    return write_release(tmp_path_factory.mktemp("rules"), RULES_ORGS)


def test_one_organization_is_one_row_in_a_section(rules_release):
    foundations = section(ask(rules_release, MISSOULA), "foundation")
    # the best ranked of the four kept (same point: by name, 'C' < 'c'), before the limit
    assert names(foundations) == ["COMMUNITY FOUNDATION OF MISSOULA", "Bitterroot Foundation"]
    assert foundations.matches[0].intermediary_id == "im-cfm9"
    assert foundations.matches[0].why.startswith("covers your county (Missoula County)")


def test_governments_that_publish_data_come_first_among_the_others(rules_release):
    government = section(ask(rules_release, DAYTON, limit=5), "government")
    assert names(government) == ["City of Dayton", "Montgomery County",
                                 "City of Dayton Planning", "City of Huber Heights",
                                 "City of Fairborn"]
    huber, fairborn = government.matches[3:]
    assert huber.publishes == "maps.huberheightsoh.gov (ArcGIS Server)"
    assert huber.why.startswith("publishes data: maps.huberheightsoh.gov (ArcGIS Server); ")
    assert huber.why.endswith(" km away")
    assert fairborn.publishes == "data.fairbornoh.gov"  # no software known: the host alone
    assert government.matches[0].publishes is None


def test_a_territory_gets_its_own_government_and_nothing_thousands_of_km_away(rules_release):
    result = ask(rules_release, GUAM)
    government = section(result, "government")
    assert names(government) == ["Government of Guam"]
    assert government.matches[0].why == "your territory's government (Guam)"
    assert government.note == ("No city or county government within 100 km; "
                               "your territory's government:")
    assert "State of Ohio" not in names(government)


def test_far_governments_are_never_the_nearest(rules_release):
    anchorage = Origin("99501 (Anchorage, AK)", 61.2116, -149.8761, "zip", "AK", "02020",
                       "Anchorage Municipality", "Anchorage", "Alaska")
    government = section(ask(rules_release, anchorage), "government")
    assert government.matches == ()  # Adak is 2,000 km away: not "the nearest"
    assert government.note == "No city or county government within 100 km in this release."
    ohio = Origin("Ohio", 40.3, -82.8, "state", "OH", state_name="Ohio")
    government = section(ask(rules_release, ohio), "government")
    assert names(government)[0] == "State of Ohio"
    assert government.matches[0].why == "your state government (Ohio)"
    assert all(m.distance_km <= 300 for m in government.matches[1:])


def test_nearest_intermediaries_is_near_with_the_answers_distance(release):
    """The older macro hand-wrote its distance (radius 6371, no clamp) and offered gone
    groups: now it is ``near`` under its old name."""
    with duckdb.connect(str(release), read_only=True) as con:
        old = con.execute("SELECT name, distance_km FROM nearest_intermediaries("
                          "39.7563, -84.1895, 50)").fetchall()
        new = con.execute("SELECT name, distance_km FROM near(39.7563, -84.1895, 50)").fetchall()
    assert old == new
    assert "Code for Dayton" not in [n for n, _ in old]  # gone
