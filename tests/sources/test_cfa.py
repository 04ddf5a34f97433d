"""The Code for America parser, on the real records of the cfa sample (organizations.json)."""

import json

import pytest

from sources import cfa
from sources.errors import ParseError
from tests.support import make_snapshot, sample_bodies

SAMPLE = sample_bodies("cfa") / "organizations.json"


@pytest.fixture
def brigades(tmp_path):
    snapshot = make_snapshot(tmp_path, "cfa", {cfa.URL: SAMPLE.read_bytes()},
                             content_type="text/plain; charset=utf-8")
    return cfa.parse(snapshot).records.set_index("name")


def test_every_sample_record_is_parsed(brigades):
    assert len(brigades) == len(json.loads(SAMPLE.read_bytes()))


def test_us_states_become_usps_codes(brigades):
    where = ["city", "state", "country"]
    assert brigades.loc["BetaNYC", where].tolist() == ["New York", "NY", "US"]
    # spelled-out state in the city text
    assert brigades.loc["Akron Civic Hackathon", ["city", "state"]].tolist() == ["Akron", "OH"]
    # no location object at all: the "City, ST" text is enough
    assert brigades.loc["Code for Atlantic City", ["city", "state", "country"]].tolist() == [
        "Atlantic City", "NJ", "US"]


def test_statewide_group_has_a_state_but_no_city(brigades):
    row = brigades.loc["Open NC Collaborative"]
    assert (row["state"], row["country"]) == ("NC", "US")
    assert row.isna()["city"]


def test_international_groups_are_kept_and_marked_by_country(brigades):
    assert brigades.loc["Code for Canada", ["city", "country"]].tolist() == ["Toronto", "CA"]
    assert brigades.loc["Code for Australia", "country"] == "AU"
    # "Curitiba, PR" is Paraná, Brazil: not Puerto Rico
    assert brigades.loc["Code for Brazil", ["city", "country"]].tolist() == ["Curitiba", "BR"]
    assert brigades.loc["Code for Brazil"].isna()["state"]


def test_groups_without_country_keep_their_region(brigades):
    assert brigades.loc["Code for Africa", "region"] == "Africa"
    assert brigades.loc["Code for Europe", "region"] == "Europe"
    assert brigades.loc["Code for Europe"].isna()["city"]


def test_missing_coordinates_are_empty_not_zero(brigades):
    row = brigades.loc["Open Data Standards"]
    assert row.isna()["latitude"] and row.isna()["longitude"]
    assert brigades.loc["BetaNYC", "latitude"] == pytest.approx(40.7144)


def test_kinds_follow_tags(brigades):
    assert brigades.loc["18F", "kind"] == "government"
    assert brigades.loc["Code for America", "kind"] == "civic_tech_network"  # Code for All
    assert brigades.loc["Open Elections", "kind"] == "project"
    assert brigades.loc["Code for ABQ", "kind"] == "brigade"
    assert brigades.loc["Detroit Water Project", "kind"] == "civic_tech_group"


def test_lists_are_kept(brigades):
    assert brigades.loc["Code for Bloomington", "previous_names"] == (
        "Code for Bloomington (BMG Hack); BMG Hack")
    assert "twitter: @codeforabq" in brigades.loc["Code for ABQ", "social_profiles"]
    assert brigades.loc["FreeGeekChicago", "tags"] == "partner; midwest"


def test_every_row_carries_provenance(brigades):
    assert (brigades["source_url"] == cfa.URL).all()
    assert (brigades["retrieved_at"] == "2026-11-01T00:00:00Z").all()
    assert brigades["record_id"].is_unique


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"<html>rate limited</html>", "not valid JSON"),
        (b'{"organizations": []}', "top level is a dict"),
    ],
)
def test_bad_input_raises_a_parse_error_naming_the_url(tmp_path, body, problem):
    snapshot = make_snapshot(tmp_path, "cfa", {cfa.URL: body})
    with pytest.raises(ParseError) as error:
        cfa.parse(snapshot)
    assert problem in str(error.value)
    assert cfa.URL in str(error.value) and str(error.value).startswith("cfa:")


# Older records of organizations.json have no 'location' object: only the 'city' text and
# coordinates. These are real entries of that file (name, city text, coordinates).
@pytest.mark.parametrize(
    "city_text, latitude, longitude, expected",
    [
        ("Curitiba, PR", -25.4952, -49.2874, (None, "BR")),  # Paraná, not Puerto Rico
        ("San Juan, PR", 18.4661, -66.1057, ("PR", "US")),  # Puerto Rico
        ("Toronto, ON", 43.653484, -79.384093, (None, "CA")),
        ("Brasília, DF", -15.793, -47.8828, (None, "BR")),
        ("Florianópolis, SC - Brazil", -27.59, -48.55, (None, "BR")),  # not South Carolina
        ("Oxford, UK", 51.7519, 1.2578, (None, "GB")),
        ("Hampton Roads, VA (Region)", 36.847, -76.2852, ("VA", "US")),
        ("Kansas City, KS & MO", 39.103, -94.5833, ("KS", "US")),
        ("Stockholm, SE", 59.33, 18.07, (None, "SE")),  # a country code, not Sergipe (BR-SE)
        ("Tbilisi, Georgia", 41.69, 44.80, (None, "GE")),  # the country, not the US state
        ("Austin, Taxes", None, None, (None, None)),  # a typo is not Texas
    ],
)
def test_location_from_the_city_text_and_coordinates(city_text, latitude, longitude, expected):
    place = cfa.locate(city_text, {}, latitude, longitude)
    assert (place["state"], place["country"]) == expected
    assert place["city"] == city_text.split(",")[0]


def test_a_country_on_its_own_is_a_country_not_a_city():
    org = {"name": "Code for Japan", "city": "Japan", "latitude": "36.2048",
           "longitude": "138.2529", "tags": ["Brigade", "Code for All"]}
    row = cfa.parse_organization(org)
    assert (row["city"], row["country"], row["kind"]) == (None, "JP", "civic_tech_network")


def test_null_island_coordinates_are_unknown_not_zero():
    row = cfa.parse_organization({"name": "Poplus", "city": "", "latitude": "0.0",
                                  "longitude": "0.0", "tags": ["partner"]})
    assert row["latitude"] is None and row["longitude"] is None


def parse_with(tmp_path, change):
    """The real sample with one record changed by ``change(records)``."""
    records = json.loads(SAMPLE.read_bytes())
    change(records)
    snapshot = make_snapshot(tmp_path, "cfa", {cfa.URL: json.dumps(records).encode()})
    return cfa.parse(snapshot), records


@pytest.mark.parametrize(
    "field, value, problem",
    [
        ("location", "Albuquerque, NM", "expected an object, got str 'Albuquerque, NM'"),
        ("latitude", "abc", "expected a number, got 'abc'"),
        ("longitude", "-740", "-740.0 is outside -180..180"),
        ("tags", "Brigade", "expected a list, got str"),
        ("name", "", "expected a non-empty name"),
        ("website", 42, "expected text, got int 42"),
    ],
)
def test_one_malformed_record_is_quarantined_and_the_rest_published(tmp_path, field, value,
                                                                     problem):
    def spoil(records):
        records[1][field] = value

    parsed, records = parse_with(tmp_path, spoil)
    assert len(parsed.records) == len(records) - 1
    assert "Code for ABQ" not in set(parsed.records["name"]) or field == "name"
    [rejected] = parsed.rejected
    assert (rejected.source, rejected.position, rejected.field) == ("cfa", 1, field)
    assert problem in rejected.problem
    assert rejected.record_key == ("#1" if field == "name" else "Code for ABQ")
    assert (rejected.source_url, rejected.retrieved_at) == (cfa.URL, "2026-11-01T00:00:00Z")


def test_a_record_that_is_not_an_object_is_quarantined(tmp_path):
    parsed, records = parse_with(tmp_path, lambda r: r.insert(0, "Code for Nowhere"))
    assert len(parsed.records) == len(records) - 1
    assert [(r.position, r.field, r.record_key) for r in parsed.rejected] == [(0, "record", "#0")]



# --- regressions found by fuzzing (tests/fuzz) -----------------------------------------------

@pytest.mark.parametrize("body", [
    b"\x80[]",  # not UTF-8: was a UnicodeDecodeError
    b"[" * 10_000 + b"]" * 10_000,  # nested 10,000 deep: was a RecursionError
])
def test_undecodable_or_too_deep_json_is_a_parse_error(tmp_path, body):
    with pytest.raises(ParseError, match="not valid JSON"):
        cfa.parse(make_snapshot(tmp_path, "cfa", {cfa.URL: body}))


@pytest.mark.parametrize("field", ["continent", "country", "state", "city"])
def test_a_location_part_that_is_not_text_is_quarantined(tmp_path, field):
    """Was an AttributeError ('dict' object has no attribute 'strip') losing the whole file."""
    def spoil(records):
        records[1]["location"] = {**(records[1].get("location") or {}), field: {"x": 1}}

    parsed, records = parse_with(tmp_path, spoil)
    assert len(parsed.records) == len(records) - 1
    assert [(r.position, r.field) for r in parsed.rejected] == [(1, f"location.{field}")]
