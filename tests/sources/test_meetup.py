"""Meetup without credentials: group links, iCalendar feeds, gone groups and the activity signal."""

import json
import socket
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sources import meetup
from sources.base import Recorder
from sources.errors import FetchError, ParseError
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import SAMPLE_SNAPSHOTS, SnapshotWriter, load_snapshot
from tests.support import Reply, sample_bodies, serve

FEEDS = sample_bodies("meetup")  # the recorded <urlname>.ics calendars
TODAY = date(2026, 11, 1)
CALENDAR = {"Content-Type": "text/calendar; charset=utf-8"}

BRIGADES = pd.DataFrame({
    "record_id": ["cfa:code-for-abq", "cfa:code-for-anchorage", "cfa:betanyc",
                  "cfa:code-for-asheville", "cfa:code-for-atlanta", "cfa:code-for-america"],
    "name": ["Code for ABQ", "Code for Anchorage", "BetaNYC", "Code for Asheville",
             "Code for Atlanta", "Code for America"],
    "events_url": ["https://www.meetup.com/Code-for-ABQ", "https://www.meetup.com/Code-for-Anchorage",
                   "https://www.meetup.com/betanyc/", "https://www.meetup.com/Code-for-Asheville/",
                   "https://www.meetup.com/codeforatlanta/", None],
})
EXTRA_GROUPS = """\
# civic data groups we follow beyond the brigades
https://www.meetup.com/en-US/Open-Data-ABQ/events/
https://www.meetup.com/Code-for-ABQ/   # already a brigade: listed once
https://meetu.ps/e/Abc12               # short links cannot be resolved offline
"""


def feed(name: str) -> bytes:
    return (FEEDS / f"{name}.ics").read_bytes()


def meetup_routes() -> dict:
    return {
        "/code-for-abq/events/ical/": Reply(feed("code-for-abq"), headers=CALENDAR),
        "/code-for-anchorage/events/ical/": Reply(feed("code-for-anchorage"), headers=CALENDAR),
        "/betanyc/events/ical/": Reply(feed("betanyc"), headers=CALENDAR),
        "/code-for-asheville/events/ical/": Reply(b"<html>Group not found</html>", status=404),
        "/open-data-abq/events/ical/": Reply(b"Gone", status=410),
        "/codeforatlanta/events/ical/": Reply(b"oops", status=500),
    }


def polite_client() -> PoliteClient:
    return PoliteClient(source="meetup",
                        settings=HttpSettings(per_host_delay=0, backoff_factor=0, retries=1))


@pytest.fixture
def extra_groups(tmp_path) -> Path:
    path = tmp_path / "meetup_groups.txt"
    path.write_text(EXTRA_GROUPS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    """A live-style fetch of the brigades' groups and the extra list from a local server."""
    folder = tmp_path_factory.mktemp("meetup")
    (folder / "meetup_groups.txt").write_text(EXTRA_GROUPS, encoding="utf-8")
    with serve(meetup_routes()) as server:
        writer = SnapshotWriter(folder / "snapshots", "meetup")
        meetup.fetch(Recorder(polite_client(), writer), server.url, {"cfa": BRIGADES},
                     folder / "meetup_groups.txt")
        snapshot = writer.close()
    return snapshot, server


@pytest.fixture
def groups(fetched):
    return meetup.parse(fetched[0]).set_index("urlname")


@pytest.fixture
def feeds(fetched):
    return meetup.parse_feeds(fetched[0]).set_index("urlname")


@pytest.fixture
def events(fetched):
    return meetup.parse_events(fetched[0])


# --- which groups ----------------------------------------------------------------------------


@pytest.mark.parametrize("url, urlname", [
    ("https://www.meetup.com/Code-for-ABQ", "code-for-abq"),
    ("https://www.meetup.com/betanyc/", "betanyc"),
    ("http://www.meetup.com/HacksHackersAfrica/", "hackshackersafrica"),
    ("www.meetup.com/code4ca", "code4ca"),
    ("meetup.com/Code-for-Charlottesvile/events/301234567/", "code-for-charlottesvile"),
    ("https://meetup.com/openbrazil/?utm_source=site#top", "openbrazil"),
    ("https://www.meetup.com/fr-FR/javascript-and-co/events/ical/", "javascript-and-co"),
    ("https://m.meetup.com/Triangle-Code-for-America/members/", "triangle-code-for-america"),
    ("https://www.meetup.com/js/events/", "js"),  # a two-letter group, not a language
    (" https://www.meetup.com/Civic-Lab-Melbourne \n", "civic-lab-melbourne"),
])
def test_urlname_from_the_many_shapes_of_a_group_link(url, urlname):
    assert meetup.meetup_urlname(url) == urlname


@pytest.mark.parametrize("url", [
    None, "", "https://www.codeforboston.org/", "https://meetu.ps/e/Abc12",
    "https://www.meetup.com/pro/code-for-america/", "https://www.meetup.com/find/?keywords=civic",
    "https://www.meetup.com/topics/civic-tech/", "https://secure.meetup.com/login/",
    "https://www.meetup.com/",
])
def test_links_that_name_no_group(url):
    assert meetup.meetup_urlname(url) is None


def test_the_extra_groups_list_skips_comments_and_blank_lines():
    assert meetup.read_group_list(EXTRA_GROUPS) == [
        "https://www.meetup.com/en-US/Open-Data-ABQ/events/",
        "https://www.meetup.com/Code-for-ABQ/",
        "https://meetu.ps/e/Abc12",
    ]


def test_the_plan_lists_each_group_once_brigades_first():
    planned, ignored = meetup.plan_groups(BRIGADES, meetup.read_group_list(EXTRA_GROUPS))
    assert [g.urlname for g in planned] == [
        "code-for-abq", "code-for-anchorage", "betanyc", "code-for-asheville", "codeforatlanta",
        "open-data-abq"]
    assert planned[0] == meetup.PlannedGroup("code-for-abq", "cfa; groups_file",
                                             "cfa:code-for-abq", "Code for ABQ")
    assert planned[-1] == meetup.PlannedGroup("open-data-abq", "groups_file")
    assert ignored == ["https://meetu.ps/e/Abc12"]


# --- one feed --------------------------------------------------------------------------------


def test_a_feed_gives_the_group_name_and_its_events_in_utc():
    content = meetup.parse_feed(feed("code-for-abq"))
    assert content.name == "Code for ABQ"
    november = content.events[1]
    assert november == {
        "event_id": "event_312345602@meetup.com",
        "event_title": "Civic Hack Night: November",
        "starts_at": "2026-11-11T01:00:00Z",  # 6 pm in Albuquerque
        "ends_at": "2026-11-11T03:00:00Z",
        "event_status": "scheduled",  # one vocabulary for every source
        "source_event_status": "CONFIRMED",
        "online_event": False,  # it has a venue
        "venue_name": "Innovate ABQ, Suite 200",
        "city": "Albuquerque",
        "state": "NM",
        "latitude": 35.08,
        "longitude": -106.65,
        "event_url": "https://www.meetup.com/code-for-abq/events/312345602/",
    }


def test_a_feed_with_no_events_still_names_the_group():
    assert meetup.parse_feed(feed("betanyc")) == meetup.Feed(name="BetaNYC", events=[])


def test_one_broken_line_outside_an_event_costs_the_feed_nothing_else():
    body = feed("code-for-abq")
    broken = body.replace(b"BEGIN:VEVENT", b"THIS LINE IS BROKEN\r\nBEGIN:VEVENT", 1)
    assert broken != body
    assert meetup.parse_feed(broken) == meetup.parse_feed(body)


def test_a_page_that_is_not_a_calendar_is_refused():
    with pytest.raises(ValueError, match="not an iCalendar document"):
        meetup.parse_feed(b"<!doctype html><title>Log in</title>")


@pytest.mark.parametrize("location, parsed", [
    ("Innovate ABQ, Suite 200 (101 Broadway Blvd NE, Albuquerque, NM)",
     ("Innovate ABQ, Suite 200", "Albuquerque", "NM")),
    ("Online event", ("Online event", None, None)),
    ("CIC (1 Broadway, Cambridge, MA 02142)", ("CIC", "Cambridge", "MA")),
    ("Impact Hub (Kingsland Rd, London, GB)", ("Impact Hub", "London", None)),
    ("", (None, None, None)),
])
def test_location_gives_venue_city_and_state(location, parsed):
    assert meetup.parse_location(location) == parsed


# --- the fetch plan against a local server ---------------------------------------------------


def test_each_feed_is_asked_for_once_and_the_group_list_is_archived(fetched):
    snapshot, server = fetched
    assert len(server.hits("/code-for-abq/events/ical/")) == 1
    assert len(server.hits("/codeforatlanta/events/ical/")) == 2  # a 500 is retried once
    plan = json.loads(snapshot.body(snapshot.page(meetup.PLAN_URL)))
    assert [g["urlname"] for g in plan["groups"]][-1] == "open-data-abq"
    assert plan["ignored"] == ["https://meetu.ps/e/Abc12"]


def test_gone_groups_are_in_the_manifest_failures(fetched):
    snapshot, server = fetched
    failures = {f.url: f.error for f in load_snapshot(snapshot.folder).failures}
    assert "HTTP 404" in failures[f"{server.url}/code-for-asheville/events/ical/"]
    assert "HTTP 410" in failures[f"{server.url}/open-data-abq/events/ical/"]


def test_every_group_asked_for_says_how_its_feed_answered(feeds):
    assert feeds["feed_status"].to_dict() == {
        "code-for-abq": "ok", "code-for-anchorage": "ok", "betanyc": "ok",
        "code-for-asheville": "gone", "codeforatlanta": "failed", "open-data-abq": "gone"}
    assert "HTTP 500" in feeds.loc["codeforatlanta", "feed_problem"]
    assert feeds.loc["code-for-asheville", "cfa_record_id"] == "cfa:code-for-asheville"
    assert pd.isna(feeds.loc["open-data-abq", "cfa_record_id"])  # only in the extra list


def test_only_groups_whose_calendar_was_read_are_listed(groups):
    assert sorted(groups.index) == ["betanyc", "code-for-abq", "code-for-anchorage"]


def test_groups_keep_their_brigade_link_and_public_page(groups):
    abq = groups.loc["code-for-abq"]
    assert (abq["record_id"], abq["cfa_record_id"], abq["listed_in"]) == (
        "meetup:code-for-abq", "cfa:code-for-abq", "cfa; groups_file")
    assert abq["events_url"] == "https://www.meetup.com/code-for-abq/"
    assert (abq["city"], abq["state"], abq["country"], abq["event_count"]) == (
        "Albuquerque", "NM", "US", 4)
    assert abq["source_url"].endswith("/code-for-abq/events/ical/")
    assert pd.isna(abq["member_count"])  # calendars do not say


def test_events_point_at_their_group(events):
    assert len(events) == 6
    assert set(events["group_record_id"]) == {"meetup:code-for-abq", "meetup:code-for-anchorage"}
    assert events["source_url"].str.endswith("/events/ical/").all()


def test_groups_become_civic_tech_listings_that_remember_their_brigade(groups):
    listings = meetup.to_listings(groups.reset_index())
    assert sorted(listings["record_id"]) == [
        "meetup:betanyc", "meetup:code-for-abq", "meetup:code-for-anchorage"]
    assert set(listings["kind"]) == {"civic_tech_group"}
    assert set(listings["source"]) == {"meetup"}
    assert (listings["source_key"] == listings["events_url"]).all()
    assert "cfa:code-for-abq" in set(listings["links_to"])  # the linker joins it to the brigade


def test_a_configured_groups_file_that_is_missing_is_a_clear_error(tmp_path):
    settings = meetup.MeetupSettings(groups_file=tmp_path / "nowhere.txt")
    writer = SnapshotWriter(tmp_path, "meetup")
    with pytest.raises(FetchError, match="nowhere.txt does not exist"):  # before any request
        meetup.SOURCE.configured(settings).fetch(
            Recorder(polite_client(), writer), f"http://127.0.0.1:{closed_port()}",
            {"cfa": BRIGADES})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_meetup_stops_the_plan_after_a_few_failures(tmp_path, extra_groups):
    many = pd.DataFrame({
        "record_id": [f"cfa:group-{n}" for n in range(150)],
        "name": [f"Group {n}" for n in range(150)],
        "events_url": [f"https://www.meetup.com/group-{n}/" for n in range(150)],
    })
    writer = SnapshotWriter(tmp_path, "meetup")
    started = time.monotonic()
    # each request tries twice (retries=1), so two refused requests mark the host down
    with pytest.raises(FetchError, match="marked down.*stopped after 2 of 152 group feeds"):
        meetup.fetch(Recorder(polite_client(), writer), f"http://127.0.0.1:{closed_port()}",
                     {"cfa": many}, extra_groups)
    assert time.monotonic() - started < 10
    assert len(writer.failures) == 3  # two refused requests, then the host is marked down
    feeds = meetup.parse_feeds(writer.close())
    assert feeds["feed_status"].value_counts().to_dict() == {"not_fetched": 149, "failed": 3}


# --- activity --------------------------------------------------------------------------------


def test_activity_from_the_events_in_each_calendar(feeds, events):
    signal = meetup.activity(feeds.reset_index(), events, TODAY).set_index("urlname")
    assert signal["activity"].to_dict() == {
        "code-for-abq": "active",  # events coming up
        "code-for-anchorage": "dormant",  # last event in June 2025
        "betanyc": "unknown",  # an empty calendar proves nothing: feeds list upcoming events
        "code-for-asheville": "gone",
        "codeforatlanta": "unknown",  # its feed failed
        "open-data-abq": "gone",
    }
    abq = signal.loc["code-for-abq"]
    assert (abq["last_event_date"], abq["next_event_date"]) == ("2026-10-14", "2026-11-11")
    assert signal.loc["code-for-anchorage", "last_event_date"] == "2025-06-11"
    assert set(signal["activity_as_of"]) == {"2026-11-01"}
    assert signal["activity_reason"].to_dict() == {
        "code-for-abq": "next event 2026-11-11 (Meetup group code-for-abq)",
        "code-for-anchorage": "last event 2025-06-11, nothing scheduled "
                              "(Meetup group code-for-anchorage)",
        "betanyc": "Meetup group betanyc: its calendar lists no events, past or upcoming",
        "code-for-asheville": "Meetup group code-for-asheville answers 404/410 (gone)",
        "codeforatlanta": signal.loc["codeforatlanta", "activity_reason"],
        "open-data-abq": "Meetup group open-data-abq answers 404/410 (gone)",
    }
    assert signal.loc["codeforatlanta", "activity_reason"].startswith(
        "Meetup group codeforatlanta: its calendar could not be read")
    # linked both ways: to the Meetup listing when there is one, and to the brigade
    assert signal.loc["code-for-abq", "group_record_id"] == "meetup:code-for-abq"
    assert pd.isna(signal.loc["code-for-asheville", "group_record_id"])
    assert signal.loc["code-for-asheville", "cfa_record_id"] == "cfa:code-for-asheville"


def test_an_event_in_the_last_twelve_months_keeps_a_group_active(feeds, events):
    signal = meetup.activity(feeds.reset_index(), events, date(2026, 1, 15))
    assert signal.set_index("urlname").loc["code-for-anchorage", "activity"] == "active"


def test_cancelled_events_do_not_count(feeds, events):
    signal = meetup.activity(feeds.reset_index(), events, date(2026, 11, 20))
    abq = signal.set_index("urlname").loc["code-for-abq"]
    assert pd.isna(abq["next_event_date"])  # only the cancelled December hack night is left
    assert abq["activity"] == "active"  # November's hack night was days ago


# --- the recorded replay snapshot ------------------------------------------------------------


def test_the_fixture_snapshot_replays_without_network():
    folder = next((SAMPLE_SNAPSHOTS / "meetup").iterdir())
    snapshot = load_snapshot(folder)
    assert snapshot.is_sample
    assert set(meetup.parse_feeds(snapshot)["feed_status"]) == {"ok", "gone"}
    assert len(meetup.parse(snapshot)) == 3
    assert len(meetup.parse_events(snapshot)) == 6


def test_a_snapshot_without_the_group_list_is_refused(tmp_path):
    writer = SnapshotWriter(tmp_path, "meetup")
    with pytest.raises(ParseError, match="no group list"):
        meetup.parse(writer.close())


def test_a_meetup_that_answers_no_feed_at_all_fails_the_fetch(tmp_path, extra_groups):
    routes = {**meetup_routes(), "/robots.txt": Reply(b"User-agent: *\nDisallow: /\n")}
    writer = SnapshotWriter(tmp_path, "meetup")
    with serve(routes) as server, pytest.raises(FetchError, match=(
            r"no group feed could be read \(first problem: robots.txt disallows this URL\)")):
        meetup.fetch(Recorder(polite_client(), writer), server.url, {"cfa": BRIGADES},
                     extra_groups)


# --- regressions found by fuzzing (tests/fuzz) -----------------------------------------------


def test_a_property_given_twice_counts_once_and_a_point_off_the_globe_is_no_place():
    """GEO twice made icalendar return a list ('list' object has no attribute 'latitude')."""
    body = feed("code-for-abq").decode()
    first_event = body.index("BEGIN:VEVENT")
    event_end = body.index("END:VEVENT", first_event)
    doubled = body[:event_end] + "GEO:35.1;-106.6\r\nGEO:95.0;-106.6\r\n" + body[event_end:]
    parsed = meetup.parse_feed(doubled.encode())
    assert len(parsed.events) == len(meetup.parse_feed(feed("code-for-abq")).events)
    off_globe = doubled.replace("GEO:35.1;-106.6\r\nGEO:95.0", "GEO:95.0")
    assert {(e["latitude"], e["longitude"]) for e in meetup.parse_feed(off_globe.encode()).events
            } >= {(None, None)}


@pytest.mark.parametrize("plan", [b"\x80{", b"[]", b'{"groups": [{"urlname": "a b"}]}',
                                  b'{"groups": "x"}',
                                  b'{"groups": [{"urlname": "a", "listed_in": "cfa", '
                                  b'"feed_url": "ittps://www.meetup.com/a/events/ical/"}]}'])
def test_a_malformed_group_list_is_a_parse_error(tmp_path, plan):
    """Was a JSONDecodeError, TypeError or KeyError; a feed URL that is not http(s) was a
    pandera error (it is published as the group's source_url)."""
    writer = SnapshotWriter(tmp_path, "meetup")
    writer.add(url=meetup.PLAN_URL, final_url=meetup.PLAN_URL, status=200,
               content_type="application/json", body=plan, retrieved_at="2026-11-01T00:00:00Z")
    with pytest.raises(ParseError, match="group list"):
        meetup.parse(writer.close())


def test_calendars_that_suddenly_list_no_event_stop_the_publish():
    groups = pd.DataFrame({"event_count": [0, 0, 0]})
    assert "none lists an event (6 last time)" in meetup.health(groups, {"events": 6})
    assert meetup.health(groups, {"events": 2}) is None  # too few before to tell
    assert meetup.health(pd.DataFrame({"event_count": [1, 0]}), {"events": 6}) is None
