"""Meetup group search with a token: pagination, backing off, skips, and a token kept secret."""

import json
from pathlib import Path

import pytest

from sources import meetup_search as search
from sources.base import Recorder
from sources.credentials import REDACTED, redact
from sources.errors import FetchError, ParseError, SourceSkipped
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import SnapshotWriter
from tests.support import FIXTURES, Reply, make_snapshot, sample_bodies, serve

RECORDED = sample_bodies("meetup_search")  # the graphql_*.json answers the sample holds
PAGES = FIXTURES / "meetup"  # the error answers: graphql_rate_limited, graphql_unauthorized
TOKEN = "mtp-0a1b2c3d4e5f-SECRET"
JSON = {"Content-Type": "application/json"}
ALBUQUERQUE = search.Metro("Albuquerque", 35.0844, -106.6504)
SETTINGS = search.SearchSettings(keywords=("civic tech", "open data", "GIS"),
                                 metros=(ALBUQUERQUE,))
EMPTY_PAGE = {"data": {"groupSearch": {"totalCount": 0, "edges": [],
                                       "pageInfo": {"hasNextPage": False, "endCursor": None}}}}


def fixture(name: str) -> bytes:
    recorded = RECORDED / f"{name}.json"
    return (recorded if recorded.is_file() else PAGES / f"{name}.json").read_bytes()


def variables(request) -> dict:
    return json.loads(request.body)["variables"]


def graphql(request) -> Reply:
    """Meetup's endpoint: two pages for 'civic tech', one for 'open data', nothing for the rest."""
    asked = variables(request)
    if asked["filter"]["query"] == "civic tech":
        page = 2 if asked["after"] == "Y3Vyc29yOjI=" else 1
        return Reply(fixture(f"graphql_civic_tech_page{page}"), headers=JSON)
    if asked["filter"]["query"] == "open data":
        return Reply(fixture("graphql_open_data"), headers=JSON)
    return Reply(json.dumps(EMPTY_PAGE).encode(), headers=JSON)


def polite_client(slept: list | None = None) -> PoliteClient:
    settings = HttpSettings(per_host_delay=0, backoff_factor=0, retries=1)
    return PoliteClient(source="meetup_search", settings=settings,
                        sleep=slept.append if slept is not None else lambda seconds: None)


def run(tmp_path, route, settings=SETTINGS, token=TOKEN, slept=None):
    """Search against a local endpoint; returns (skip reason, snapshot, server)."""
    with serve({"/gql-ext": route}) as server:
        writer = SnapshotWriter(tmp_path / "snapshots", "meetup_search")
        reason = search.search(polite_client(slept), writer, server.url + "/gql-ext", token,
                               settings)
        snapshot = writer.close()
    return reason, snapshot, server


def every_file_text(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*")
                     if p.is_file())


# --- searching -------------------------------------------------------------------------------


def test_search_follows_the_cursor_to_the_next_page(tmp_path):
    reason, snapshot, server = run(tmp_path, graphql)
    assert reason is None
    asked = [variables(r) for r in server.hits("/gql-ext")]
    assert [(a["filter"]["query"], a["after"]) for a in asked] == [
        ("civic tech", None), ("civic tech", "Y3Vyc29yOjI="), ("open data", None), ("GIS", None)]
    assert asked[0]["filter"] | {"query": None} == {
        "query": None, "lat": 35.0844, "lon": -106.6504, "radius": 50}
    assert server.hits("/gql-ext")[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert len(snapshot.pages) == 4


def test_only_groups_whose_name_or_description_matches_are_kept(tmp_path):
    _, snapshot, _ = run(tmp_path, graphql)
    groups = search.parse(snapshot).set_index("urlname")
    assert sorted(groups.index) == [
        "abq-data-science", "code-for-abq", "nm-gis-users", "open-data-santa-fe"]  # no hiking
    assert groups.loc["code-for-abq", "match_reason"] == (
        "description contains 'civic tech', 'open data'")
    assert groups.loc["nm-gis-users", "match_reason"] == "name contains 'GIS'"


def test_a_search_result_becomes_a_row_with_place_and_members(tmp_path):
    _, snapshot, _ = run(tmp_path, graphql)
    row = search.parse(snapshot).set_index("urlname").loc["nm-gis-users"]
    assert row[["record_id", "meetup_group_id", "name", "events_url", "city", "state",
                "country", "member_count", "found_near"]].tolist() == [
        "meetup_search:nm-gis-users", "25566778", "New Mexico GIS Users Group",
        "https://www.meetup.com/nm-gis-users/", "Albuquerque", "NM", "US", 412, "Albuquerque"]
    assert "query=civic+tech" in row["source_url"]


def test_kept_groups_become_civic_tech_listings(tmp_path):
    _, snapshot, _ = run(tmp_path, graphql)
    listings = search.to_listings(search.parse(snapshot))
    assert set(listings["source"]) == {"meetup_search"}
    assert set(listings["kind"]) == {"civic_tech_group"}
    assert "intermediary_id" not in listings


@pytest.mark.parametrize("name, description, reason", [
    ("Code for Denver", "", None),  # 'code for' is not among this test's keywords
    ("Denver GIS Day", "", "name contains 'GIS'"),
    ("Maps", "ArcGIS and QGIS tips", None),  # whole words only
    ("Civic Tech DC", "We love OPEN DATA", "name contains 'civic tech'; "
                                           "description contains 'open data'"),
])
def test_match_reason_says_which_keywords_matched(name, description, reason):
    assert search.match_reason(name, description, SETTINGS.keywords) == reason


def test_keywords_and_metros_are_read_from_their_variables():
    """As the pipeline reads them (tests/pipelines/test_settings.py reads the environment)."""
    settings = search.SearchSettings.model_validate({
        search.KEYWORDS_VARIABLE: "civic tech, open government",
        search.METROS_VARIABLE: "Denver=39.74,-104.99; Austin=30.27,-97.74",
    })
    assert settings.keywords == ("civic tech", "open government")
    assert settings.metros == (search.Metro("Denver", 39.74, -104.99),
                               search.Metro("Austin", 30.27, -97.74))
    assert search.SearchSettings.model_validate({}) == search.SearchSettings()
    assert search.SearchSettings.model_validate(
        {search.KEYWORDS_VARIABLE: " , ", search.METROS_VARIABLE: ""}) == search.SearchSettings()
    with pytest.raises(ValueError, match="'Denver' is not 'Name=latitude,longitude'"):
        search.parse_metros("Denver")
    with pytest.raises(ValueError, match="'Denver' is not 'Name=latitude,longitude'"):
        search.SearchSettings.model_validate({search.METROS_VARIABLE: "Denver"})


def test_the_token_is_never_shown_by_the_settings():
    settings = search.SearchSettings(token=TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
    assert settings.token.get_secret_value() == TOKEN


# --- rate limits and skips -------------------------------------------------------------------


def test_a_429_backs_off_as_long_as_retry_after_says(tmp_path):
    busy = Reply(b'{"errors": []}', status=429, headers={"Retry-After": "7"})
    only_civic_tech = search.SearchSettings(keywords=("civic tech",), metros=(ALBUQUERQUE,))
    page = Reply(fixture("graphql_civic_tech_page2"), headers=JSON)
    slept: list[float] = []
    reason, snapshot, server = run(tmp_path, [busy, page], only_civic_tech, slept=slept)
    assert reason is None
    assert slept == [7.0]
    assert len(server.hits("/gql-ext")) == 2
    assert len(snapshot.pages) == 1


def test_a_rate_limit_that_does_not_lift_skips_the_search(tmp_path):
    busy = Reply(b"slow down", status=429, headers={"Retry-After": "1"})
    reason, snapshot, _ = run(tmp_path, busy, slept=[])
    assert "rate limit or quota is used up" in reason
    assert snapshot.pages == [] and len(snapshot.failures) == 1


def test_a_quota_error_in_the_graphql_answer_skips_the_search(tmp_path):
    reason, _, _ = run(tmp_path, Reply(fixture("graphql_rate_limited"), headers=JSON))
    assert reason.startswith("Meetup's rate limit or quota is used up (Too many requests")


def test_an_expired_token_skips_the_search(tmp_path):
    reason, _, _ = run(tmp_path, Reply(fixture("graphql_unauthorized"), status=401,
                                       headers=JSON))
    assert reason.startswith(f"Meetup rejected the token in {search.TOKEN_VARIABLE} (HTTP 401)")


def test_without_a_token_nothing_is_asked_and_the_reason_is_given(tmp_path):
    reason, snapshot, server = run(tmp_path, graphql, token=None)
    assert reason == search.NO_TOKEN
    assert server.requests == [] and snapshot.pages == []


def test_the_fetch_plan_signals_a_skip_as_SourceSkipped(tmp_path):
    writer = SnapshotWriter(tmp_path, "meetup_search")
    with pytest.raises(SourceSkipped, match=f"{search.TOKEN_VARIABLE} is not set") as skipped:
        search.SOURCE.fetch(Recorder(polite_client(), writer), "http://127.0.0.1:9/gql-ext", {})
    assert isinstance(skipped.value, FetchError)  # pipelines that know only FetchError stay calm


def test_other_graphql_errors_fail_the_source(tmp_path):
    broken = {"errors": [{"message": 'Cannot query field "stats" on type "Group".'}]}
    with pytest.raises(FetchError, match="GraphQL errors: Cannot query field"):
        run(tmp_path, Reply(json.dumps(broken).encode(), headers=JSON))


# --- the token stays secret ------------------------------------------------------------------


def echo_token(request) -> Reply:
    """An API that echoes the request's credentials back, in data and in an error."""
    header = request.headers["Authorization"]
    if variables(request)["filter"]["query"] == "open data":
        return Reply(f"internal error for {header}".encode(), status=500)
    page = json.loads(fixture("graphql_open_data"))
    page["data"]["groupSearch"]["edges"][0]["node"]["description"] += f" civic tech {header}"
    return Reply(json.dumps(page).encode(), headers=JSON)


def test_the_token_is_never_archived_raised_or_published(tmp_path):
    with serve({"/gql-ext": echo_token}) as server:
        writer = SnapshotWriter(tmp_path / "snapshots", "meetup_search")
        with pytest.raises(FetchError) as failed:
            search.search(polite_client(), writer, server.url + "/gql-ext", TOKEN, SETTINGS)
        snapshot = writer.close()
    assert TOKEN not in str(failed.value) and REDACTED in str(failed.value)
    assert TOKEN not in every_file_text(tmp_path)  # bodies and manifest (with its failures)
    assert REDACTED in snapshot.text(snapshot.pages[0])
    assert TOKEN not in search.parse(snapshot).to_csv()


def test_the_fetch_plan_keeps_a_rejected_token_out_of_its_skip_message(tmp_path):
    settings = search.SearchSettings(token=TOKEN, metros=(ALBUQUERQUE,))
    rejected = Reply(f'{{"error": "bad token {TOKEN}"}}'.encode(), status=401, headers=JSON)
    with serve({"/gql-ext": rejected}) as server:
        writer = SnapshotWriter(tmp_path, "meetup_search")
        with pytest.raises(SourceSkipped) as skipped:
            search.SOURCE.configured(settings).fetch(
                Recorder(polite_client(), writer), server.url + "/gql-ext", {})
        writer.close()
    assert "(HTTP 401)" in str(skipped.value) and TOKEN not in str(skipped.value)
    assert TOKEN not in every_file_text(tmp_path)


def test_redact_replaces_every_secret_and_ignores_unset_ones():
    assert redact("Bearer abc and abc", ["abc", None, ""]) == "Bearer [REDACTED] and [REDACTED]"


# --- regressions found by fuzzing (tests/fuzz) -----------------------------------------------

def search_snapshot(tmp_path, body: bytes):
    label = search.page_label(search.URL, "civic tech", "Albuquerque", 1)
    return make_snapshot(tmp_path, "meetup_search", {label: body},
                         content_type="application/json")


@pytest.mark.parametrize("body", [
    b"\x80{}",  # not UTF-8: was a UnicodeDecodeError
    b'{"data": {"groupSearch": []}}',  # was an AttributeError
    b'{"data": {"groupSearch": {"edges": 5}}}',
])
def test_answers_of_the_wrong_shape_are_parse_errors(tmp_path, body):
    with pytest.raises(ParseError, match="unexpected answer"):
        search.parse(search_snapshot(tmp_path, body))


def test_nodes_with_values_of_the_wrong_type_keep_only_what_fits(tmp_path):
    """Edges that are not objects, a urlname with a space (no valid group page), coordinates
    off the globe or too large for a float, and stats that are text were crashes or
    SchemaErrors that lost every group."""
    nodes = [
        {"urlname": "code-for-abq", "name": "Code for ABQ civic tech", "lat": 2**1100,
         "lon": -106.6, "stats": "many"},
        {"urlname": "bad name", "name": "civic tech"},
        {"urlname": "nm-civic", "name": "NM civic tech", "lat": 95.0, "lon": 10.0,
         "stats": {"memberCounts": {"all": -3}}},
    ]
    body = json.dumps({"data": {"groupSearch": {"edges": [
        "x", {"node": "y"}, *({"node": n} for n in nodes)]}}}).encode()
    groups = search.parse(search_snapshot(tmp_path, body)).set_index("urlname")
    assert sorted(groups.index) == ["code-for-abq", "nm-civic"]
    assert groups["latitude"].isna().all() and groups["member_count"].isna().all()
