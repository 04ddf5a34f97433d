"""The SQL twins of the answer's text functions (``pipelines/answer/queries/texts.sql``) give
what the Python functions give, on awkward inputs: the parity of ``near_place`` with ``near``
rests on them."""

from __future__ import annotations

import unicodedata

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geography.index import place_key
from pipelines.answer import sections
from pipelines.answer.queries import statements
from pipelines.answer.sql import answer_statements
from pipelines.publish.places import lookup_patterns

NAMES = ["Community Foundation of Missoula", "COMMUNITY FOUNDATION OF MISSOULA.",
         "Community  Foundation\tof Missoula, Inc.", "Straße-Stiftung", "Fondación Señor",
         "Caf\u00e9 e\u0301", "O'Brien & Sons", "x\u00a0y", "under_score", "Ⅻ ²", "", "  ",
         "Saint Louis", "St. Louis", "ST.LOUIS", "Coeur d'Alene", "Winston-Salem",
         "Cañon City", "Ft. Lauderdale", "Mt. Vernon", "Sainte Genevieve", "Hagåtña"]
GOVERNMENTS = [("City of Dayton", None, "local_government", "OH"),
               ("Montgomery County", None, "local_government", "OH"),
               ("Borough of State College", None, "local_government", "PA"),
               ("Kenai Peninsula Borough", None, "local_government", "AK"),
               ("Government of Guam", None, "local_government", "GU"),
               ("Commonwealth of Puerto Rico", "", "local_government", "PR"),
               ("Navajo Nation", None, "local_government", "AZ"),
               ("City of Dayton IT", None, "local_government", "OH"),
               ("City of Pittsburgh", None, "local_government", "PA"),  # 'it' is no IT
               ("Dayton Open Data Office", None, "local_government", "OH"),
               ("18F", None, "government", None), ("Greene County GIS", "county",
                                                   "local_government", "OH")]


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    texts = [s for s in answer_statements({"name", "kind", "latitude", "longitude"},
                                          lookup_patterns(), True)
             if "MACRO answer_" in s]
    assert len(texts) >= 10
    for statement in texts:
        connection.execute(statement)
    yield connection
    connection.close()


def one(con, sql: str, *values: object) -> object:
    return con.execute(f"SELECT {sql}", list(values)).fetchall()[0][0]


def plain_case(text: str) -> bool:
    """No letter whose case fold is not its one-letter lower case ('İ', 'ŉ', 'ﬁ', 'µ', 'ς';
    'ß' is handled): SQL has lower() only, one letter to one."""
    return all(ch == "ß" or (len(ch.lower()) == 1 and ch.casefold() == ch.lower())
               for ch in text)


def no_compatibility_forms(text: str) -> bool:
    """geography's place_key decomposes compatibility forms ('Ⅻ' -> 'XII'); SQL cannot."""
    return unicodedata.normalize("NFKD", text) == unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("name", NAMES)
def test_keys_of_names_and_cities(con, name):
    assert one(con, "answer_name_key(?)", name) == sections.name_key(name)
    assert one(con, "answer_city_key(?)", name) == sections._norm(name)
    if no_compatibility_forms(name):
        assert one(con, "answer_place_key(?)", name) == place_key(name)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co")),
               max_size=20).filter(plain_case))
def test_name_and_city_keys_agree_on_any_text(con, text):
    assert one(con, "answer_name_key(?)", text) == sections.name_key(text)
    assert one(con, "answer_city_key(?)", text) == sections._norm(text)


@pytest.mark.parametrize("km", [0.0, 0.05, 0.1, 0.25, 0.35, 1.05, 9.95, 9.96, 10.0, 12.5, 13.5,
                                99.95, 104.2499999, 2522.6, 5453.49])
def test_distances_read_as_python_writes_them(con, km):
    assert one(con, "answer_km_text(?::DOUBLE)", km) == sections.km_text(km)
    assert one(con, "answer_round_km(?::DOUBLE)", km) == round(km, 1)
    assert one(con, "answer_away(?::DOUBLE)", km) == sections.km_text(km) + " away"
    assert one(con, "answer_away(NULL::DOUBLE)") == "distance unknown"


@pytest.mark.parametrize("name, level, kind, state", GOVERNMENTS)
def test_government_level_unit_and_what(con, name, level, kind, state):
    row = {"name": name, "government_level": level, "kind": kind, "state": state,
           "department": "planning" if "Office" in name else None, "sources": "dotgov"}
    py_level, py_unit = sections.government_level(row), sections.government_unit(row)
    assert one(con, "answer_government_level(?, ?, ?, ?)", level, kind, name, state) == py_level
    assert one(con, "answer_government_unit(NULL, ?, ?)", kind, name) == py_unit
    assert one(con, "answer_what(?, ?, ?, ?, NULL, ?)", kind, py_level, py_unit,
               row["department"], "dotgov") == sections.what_it_is(row)


@pytest.mark.parametrize("kind, role, sources", [
    ("state_data_center", "lead", "sdc"), ("state_data_center", None, "sdc"),
    ("nnip_partner", "affiliate", "nnip; sdc"), ("nnip_partner", "affiliate", "nnip"),
    ("brigade", None, "cfa"), ("university", None, "ipeds"), ("community_foundation", "", "x")])
def test_what_other_kinds_are(con, kind, role, sources):
    row = {"kind": kind, "role": role, "sources": sources}
    assert one(con, "answer_what(?, NULL, NULL, NULL, ?, ?)", kind, role, sources) == \
        sections.what_it_is(row)


@pytest.mark.parametrize("activity, next_event", [("active", "2026-12-10"), ("active", None),
                                                  ("dormant", "2026-12-10"), (None, None),
                                                  ("", None)])
def test_activity_and_location(con, activity, next_event):
    row = {"activity": activity, "next_event_date": next_event}
    assert one(con, "answer_activity(?, ?)", activity, next_event) == \
        sections.activity_text(row)
    for city, state in (("Dayton", "OH"), (None, "OH"), ("", None), (None, None)):
        assert one(con, "answer_location(?, ?)", city, state) == \
            sections.location_text({"city": city, "state": state})


@pytest.mark.parametrize("kind, portal, software", [
    ("local_government", "https://maps.daytonohio.gov/arcgis/rest", "ArcGIS Server"),
    ("local_government", "HTTPS://Data.City.gov:8443/x?y", None),
    ("local_government", "data.fairbornoh.gov/", ""),
    ("local_government", "https://user@hub.arcgis.com/", "ArcGIS Hub"),
    ("local_government", None, "Socrata"), ("local_government", "", None),
    ("brigade", "https://data.example.org", "CKAN"),
    ("government", " https://open.gsa.gov ", "CKAN")])
def test_what_a_government_publishes(con, kind, portal, software):
    row = {"kind": kind, "open_data_portal": portal, "portal_software": software}
    assert one(con, "answer_publishes(?, ?, ?)", kind, portal, software) == \
        sections.publishes(row)


def test_statements_split_on_line_ends_only():
    assert statements("SELECT ';';\n-- only a comment\n;\nSELECT 2;\n") == [
        "SELECT ';'", "SELECT 2"]
