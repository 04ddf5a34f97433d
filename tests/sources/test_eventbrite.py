"""Eventbrite with a token: organization events, continuation pages, skips and a secret token."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from sources import eventbrite
from sources.base import Recorder
from sources.errors import FetchError, ParseError, SourceSkipped
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import SnapshotWriter
from tests.support import FIXTURES, Reply, make_snapshot, sample_bodies, serve

RECORDED = sample_bodies("eventbrite")  # events_page1.json, events_page2.json
PAGES = FIXTURES / "eventbrite"  # the 401 answer: unauthorized.json
TOKEN = "EBPRIVATE7QXK2SECRET"
JSON = {"Content-Type": "application/json"}
ORGANIZATION = "207140026882"


def fixture(name: str) -> bytes:
    recorded = RECORDED / f"{name}.json"
    return (recorded if recorded.is_file() else PAGES / f"{name}.json").read_bytes()


def path_of(organization: str, continuation: str | None = None) -> str:
    """The local server's path (with query) for one page of an organization's events."""
    url = urlsplit(eventbrite.events_url("/v3", organization, continuation))
    return f"{url.path}?{url.query}"


def api_routes() -> dict:
    return {
        path_of(ORGANIZATION): Reply(fixture("events_page1"), headers=JSON),
        path_of(ORGANIZATION, "dGhpcyBpcyBwYWdlIDE"): Reply(fixture("events_page2"), headers=JSON),
    }


def polite_client() -> PoliteClient:
    return PoliteClient(source="eventbrite",
                        settings=HttpSettings(per_host_delay=0, backoff_factor=0, retries=1))


def run(tmp_path, routes, organizations=ORGANIZATION, token=TOKEN):
    """The source's fetch plan, with these settings, against a local API; returns (snapshot,
    server)."""
    settings = eventbrite.EventbriteSettings(token=token, organizations=organizations)
    fetch = eventbrite.SOURCE.configured(settings).fetch
    with serve(routes) as server:
        writer = SnapshotWriter(tmp_path / "snapshots", "eventbrite")
        try:
            fetch(Recorder(polite_client(), writer), server.url + "/v3", {})
        finally:
            snapshot = writer.close()
    return snapshot, server


def every_file_text(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*")
                     if p.is_file())


def test_organization_ids_are_read_from_a_comma_separated_list():
    assert eventbrite.organization_ids(" 123, 456,123 ,, kc-civic ") == (["123", "456"],
                                                                        ["kc-civic"])


def test_pages_are_followed_by_their_continuation(tmp_path):
    snapshot, server = run(tmp_path, api_routes())
    assert [p.url.split("/v3")[1] for p in snapshot.pages] == [
        path_of(ORGANIZATION).removeprefix("/v3"),
        path_of(ORGANIZATION, "dGhpcyBpcyBwYWdlIDE").removeprefix("/v3")]
    assert server.hits(path_of(ORGANIZATION))[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_events_become_rows_with_utc_times_and_venue_places(tmp_path):
    snapshot, _ = run(tmp_path, api_routes())
    events = eventbrite.parse_events(snapshot).set_index("event_id")
    assert len(events) == 3
    open_data_day = events.loc["eventbrite:912345678901"]
    columns = ["eventbrite_organization_id", "event_title", "starts_at", "ends_at",
               "event_status", "online_event", "venue_name", "city", "state"]
    assert open_data_day[columns].tolist() == [
        ORGANIZATION, "Open Data Day Kansas City 2027", "2027-03-06T15:00:00Z",
        "2027-03-06T22:00:00Z", "scheduled", False, "Civic Data Hub", "Kansas City", "MO"]
    online = events.loc["eventbrite:889900112233"]
    assert (online["online_event"], online["event_status"]) == (True, "cancelled")
    assert online["source_event_status"] == "canceled"
    assert online.isna()["city"]


def test_a_page_whose_events_have_no_ids_fails_loudly(tmp_path):
    snapshot = make_snapshot(tmp_path, "eventbrite", {
        eventbrite.events_url(eventbrite.URL, ORGANIZATION): b'{"events": [{"name": {}}]}'},
        content_type="application/json")
    with pytest.raises(ParseError, match="an event has no id"):
        eventbrite.parse_events(snapshot)


def test_an_organization_is_named_after_its_usual_organizer(tmp_path):
    snapshot, _ = run(tmp_path, api_routes())
    organizations = eventbrite.parse(snapshot)
    assert organizations.to_dict("records")[0] | {"source_url": None, "retrieved_at": None} == {
        "record_id": f"eventbrite:{ORGANIZATION}",
        "eventbrite_organization_id": ORGANIZATION,
        "name": "KC Civic Data Collaborative",
        "website": "https://kccivicdata.example.org",
        "events_url": "https://www.eventbrite.com/o/kc-civic-data-collaborative-18833455871",
        "city": "Kansas City",
        "state": "MO",
        "event_count": 3,
        "source_url": None,
        "retrieved_at": None,
    }
    listings = eventbrite.to_listings(organizations)
    assert listings[["source", "source_key", "kind"]].values.tolist() == [
        ["eventbrite", ORGANIZATION, "civic_tech_group"]]


def test_an_unknown_organization_is_recorded_and_the_others_are_read(tmp_path):
    snapshot, _ = run(tmp_path, api_routes(), organizations=f"999,{ORGANIZATION}")
    assert "HTTP 404" in snapshot.failures[0].error
    assert len(eventbrite.parse_events(snapshot)) == 3
    assert eventbrite.parse(snapshot)["eventbrite_organization_id"].tolist() == [ORGANIZATION]


def test_without_a_token_the_source_is_skipped_before_any_request(tmp_path):
    with pytest.raises(SourceSkipped, match=f"{eventbrite.TOKEN_VARIABLE} is not set"):
        run(tmp_path, api_routes(), token=None)


def test_without_organizations_the_source_is_skipped(tmp_path):
    with pytest.raises(SourceSkipped, match=f"{eventbrite.ORGS_VARIABLE} names no organizations"):
        run(tmp_path, api_routes(), organizations=" ")


def test_a_misconfigured_organization_list_is_a_clear_error(tmp_path):
    with pytest.raises(FetchError, match="not organization ids: kc-civic"):
        run(tmp_path, api_routes(), organizations="kc-civic")


def test_the_token_is_never_shown_by_the_settings():
    settings = eventbrite.EventbriteSettings(token=TOKEN, organizations=ORGANIZATION)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
    assert TOKEN not in repr(eventbrite.SOURCE.configured(settings))


def test_a_rejected_token_skips_the_source_and_stays_secret(tmp_path):
    echo = Reply(fixture("unauthorized")[:-2] + f', "token": "{TOKEN}"}}'.encode(), status=401,
                 headers=JSON)
    rejected = r"rejected the token .* \(HTTP 401 Unauthorized\)"
    with pytest.raises(SourceSkipped, match=rejected) as skipped:
        run(tmp_path, {path_of(ORGANIZATION): echo})
    assert TOKEN not in str(skipped.value)
    assert TOKEN not in every_file_text(tmp_path)


def test_a_rate_limit_that_does_not_lift_skips_the_source(tmp_path):
    busy = Reply(b'{"error": "HIT_RATE_LIMIT"}', status=429, headers={"Retry-After": "0"})
    with pytest.raises(SourceSkipped, match="rate limit is used up"):
        run(tmp_path, {path_of(ORGANIZATION): busy})


def test_a_body_that_echoes_the_token_is_scrubbed_before_it_is_archived(tmp_path):
    page = fixture("events_page2").replace(b"An online training", TOKEN.encode())
    snapshot, _ = run(tmp_path, {path_of(ORGANIZATION): Reply(page, headers=JSON)})
    assert TOKEN not in every_file_text(tmp_path)
    assert TOKEN not in eventbrite.parse_events(snapshot).to_csv()
    assert TOKEN not in eventbrite.parse(snapshot).to_csv()


def test_when_no_organization_can_be_read_the_fetch_fails(tmp_path):
    with pytest.raises(FetchError, match="no organization's events could be read.*HTTP 404"):
        run(tmp_path, api_routes(), organizations="999,998")


# --- regressions found by fuzzing (tests/fuzz) -----------------------------------------------

def test_a_page_that_is_not_utf8_json_fails_loudly(tmp_path):
    snapshot = make_snapshot(tmp_path, "eventbrite", {
        eventbrite.events_url(eventbrite.URL, ORGANIZATION):
            b"\x80" + fixture("events_page1")},
        content_type="application/json")
    with pytest.raises(ParseError, match="unexpected answer"):
        eventbrite.parse(snapshot)


def test_parts_of_the_wrong_type_read_as_missing(tmp_path):
    """An organizer, venue or name given as text, and a start time that is no time, were
    AttributeErrors and ValueErrors that lost the source."""
    event = {"id": "1", "name": "Hack night", "organizer": "KC Civic Data", "venue": "Hub",
             "start": {"utc": "0005-01-01T00:00:00Z"}, "end": {"utc": "pagination"},
             "status": ["live"], "url": 7}
    no_start = {"id": "2", "start": {"utc": "2027-13-45T00:00:00Z"}}
    body = json.dumps({"events": [event, no_start]}).encode()
    snapshot = make_snapshot(tmp_path, "eventbrite", {
        eventbrite.events_url(eventbrite.URL, ORGANIZATION): body}, content_type="application/json")
    [organization] = eventbrite.parse(snapshot).to_dict("records")
    assert organization["name"] == f"Eventbrite organization {ORGANIZATION}"
    [row] = eventbrite.parse_events(snapshot).to_dict("records")  # an event needs a start
    assert row["starts_at"] == "0005-01-01T00:00:00Z" and pd.isna(row["ends_at"])
    assert row["event_title"] == "" and pd.isna(row["venue_name"]) and pd.isna(row["event_url"])
