"""Eventbrite events of known organizations (needs a token; Eventbrite removed public search).

The user names the organizations (INTERMEDIARIES_EVENTBRITE_ORGS, comma-separated ids). For each,
GET ``/v3/organizations/{id}/events/`` with the token as a bearer header, following
``pagination.continuation`` while ``pagination.has_more_items``. Only the API is read, never
event pages. No token, a rejected token or a rate limit skips the source with a reason
(SourceSkipped); the token is redacted from archived bodies and error messages.

``parse`` (the Source's table) lists the organizations, named after their usual organizer;
``parse_events`` gives their events.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from pydantic import Field, SecretStr

from geography import usps_code
from schemas.catalogue import HTTP_URL
from schemas.meetup import EVENTBRITE_EVENTS, EVENTBRITE_ORGANIZATIONS
from schemas.table import pandera_schema
from sources.base import Recorder, Source, SourceSettings, bound
from sources.credentials import bearer, redact, redact_bytes, secret
from sources.errors import FetchError, ParseError, SourceSkipped
from sources.event_status import event_status
from sources.snapshot import Page, Snapshot

URL = "https://www.eventbriteapi.com/v3"
TOKEN_VARIABLE = "INTERMEDIARIES_EVENTBRITE_TOKEN"
ORGS_VARIABLE = "INTERMEDIARIES_EVENTBRITE_ORGS"
HOST_DOWN = "marked down"
MAX_PAGES = 50  # per organization; a runaway continuation loop stops here

NO_TOKEN = (f"{TOKEN_VARIABLE} is not set, so Eventbrite events were skipped; set it to an "
            "Eventbrite private token to read the events of the organizations in "
            f"{ORGS_VARIABLE}")
NO_ORGANIZATIONS = (f"{ORGS_VARIABLE} names no organizations, so Eventbrite events were "
                    "skipped; set it to comma-separated Eventbrite organization ids")
TOKEN_REJECTED = (f"Eventbrite rejected the token in {TOKEN_VARIABLE} ({{status}}): it is "
                  "invalid, expired or lacks access; renew it to read events")
RATE_LIMITED = "Eventbrite's rate limit is used up (HTTP 429); skipped this run, try again later"

_ORGANIZATION = re.compile(r"/organizations/(\d+)/events/")


class EventbriteSettings(SourceSettings):
    """The token and the organizations whose events are read. The list is checked when the
    fetch starts (a wrong entry fails this source, not the run)."""

    token: SecretStr | None = Field(None, validation_alias=TOKEN_VARIABLE,
                                    description="Eventbrite private token (never shown).")
    organizations: str = Field("", validation_alias=ORGS_VARIABLE,
                               description="Comma-separated Eventbrite organization ids.")


def organization_ids(text: str) -> tuple[list[str], list[str]]:
    """'123, 456,abc' -> (['123', '456'], ['abc']): ids to read, and entries that are not ids."""
    entries = [e.strip() for e in text.split(",") if e.strip()]
    ids = list(dict.fromkeys(e for e in entries if e.isdigit()))
    return ids, [e for e in entries if not e.isdigit()]


def events_url(base: str, organization: str, continuation: str | None = None) -> str:
    """One page of an organization's events: every status, newest first, with venue and
    organizer (the organizer's name is the only name the events payload gives)."""
    query = {"status": "all", "order_by": "start_desc", "expand": "venue,organizer"}
    if continuation:
        query["continuation"] = continuation
    return f"{base.rstrip('/')}/organizations/{organization}/events/?{urlencode(query)}"


# --- fetch -----------------------------------------------------------------------------------


def fetch(recorder: Recorder, url: str, upstream: Mapping[str, pd.DataFrame],
          settings: EventbriteSettings) -> None:
    """The Source's fetch plan: read every configured organization, or raise SourceSkipped."""
    token = secret(settings.token)
    if not token:
        raise SourceSkipped("eventbrite", url, NO_TOKEN, "an Eventbrite token")
    organizations, invalid = organization_ids(settings.organizations)
    if invalid:
        raise FetchError("eventbrite", url, f"{ORGS_VARIABLE} has entries that are not "
                         f"organization ids: {', '.join(invalid)}", "comma-separated numeric ids")
    if not organizations:
        raise SourceSkipped("eventbrite", url, NO_ORGANIZATIONS, "Eventbrite organization ids")
    reason = fetch_organizations(recorder, url, token, organizations)
    if reason:
        raise SourceSkipped("eventbrite", url, reason, "a valid Eventbrite token")


def fetch_organizations(
    recorder: Recorder, base: str, token: str, organizations: list[str]
) -> str | None:
    """Archive every page of each organization's events. Returns why the source is skipped, or
    None. One organization's failure (a wrong id: 404) is recorded and the rest are read; when
    none can be read the fetch fails."""
    archived, problems = 0, []
    for organization in organizations:
        continuation = None
        for _ in range(MAX_PAGES):
            page_url = events_url(base, organization, continuation)
            try:
                body = get_with_token(recorder, page_url, token)
            except FetchError as error:
                reason = skip_reason(error.problem)
                if reason:
                    return reason
                if HOST_DOWN in error.problem:
                    raise
                problems.append(error.problem)
                break
            archived += 1
            continuation = next_continuation(body)
            if continuation is None:
                break
    if archived == 0 and problems:
        raise FetchError("eventbrite", base, f"no organization's events could be read (first "
                         f"problem: {problems[0]})", "pages of Eventbrite events")
    return None


def get_with_token(recorder: Recorder, url: str, token: str) -> bytes:
    """GET and archive like ``Recorder.get``, with the token as a header and scrubbed from what
    is kept (the body, the failure, the exception)."""
    try:
        response = recorder.client.get(url, expected="a page of Eventbrite events",
                                       headers=bearer(token))
    except FetchError as error:
        problem = redact(error.problem, [token])
        recorder.writer.fail(url, redact(str(error), [token]))
        recorder.progress(f"eventbrite: failed {url}: {problem}")
        raise FetchError(error.source, url, problem, error.expected) from None
    body = redact_bytes(response.body, [token])
    recorder.writer.add(url=url, final_url=response.final_url, status=response.status,
                        content_type=response.content_type, body=body,
                        retrieved_at=response.retrieved_at, etag=response.etag,
                        last_modified=response.last_modified)
    recorder.progress(f"eventbrite: page {len(recorder.writer.pages)} fetched: {url}")
    return body


def skip_reason(problem: str) -> str | None:
    """A failed request that means 'skip the source': token refused or rate limit reached."""
    refused = re.search(r"\bHTTP (401|403)\b[^(;]*", problem)
    if refused:
        return TOKEN_REJECTED.format(status=refused.group(0).strip())
    if re.search(r"\bHTTP 429\b", problem):
        return RATE_LIMITED
    return None


def next_continuation(body: bytes) -> str | None:
    """The continuation token of the next page, or None on the last page."""
    try:
        pagination = json.loads(body).get("pagination") or {}
    except (json.JSONDecodeError, AttributeError):
        return None  # the parser reports the broken page
    if pagination.get("has_more_items") and pagination.get("continuation"):
        return str(pagination["continuation"])
    return None


# --- parse -----------------------------------------------------------------------------------


def parse(snapshot: Snapshot) -> pd.DataFrame:
    """Snapshot -> one validated listing per organization whose events could be read.

    Named after the organizer most of its events give (Eventbrite's events payload has no
    organization name), placed where most of its venues are."""
    pages = _pages(snapshot)
    rows: dict[str, dict[str, Any]] = {}
    events: dict[str, list[Mapping[str, Any]]] = {}
    for page, organization, page_events in pages:
        rows.setdefault(organization, {"source_url": page.url, "retrieved_at": page.retrieved_at})
        events.setdefault(organization, []).extend(page_events)
    organizations = [{**describe_organization(org, events[org]), **provenance}
                     for org, provenance in rows.items()]
    frame = pd.DataFrame(organizations, columns=list(EVENTBRITE_ORGANIZATIONS.columns))
    return pandera_schema(EVENTBRITE_ORGANIZATIONS).validate(frame)


def parse_events(snapshot: Snapshot) -> pd.DataFrame:
    """Snapshot -> one validated row per event."""
    rows: dict[str, dict[str, Any]] = {}
    for page, organization, page_events in _pages(snapshot):
        for event in page_events:
            row = parse_event(event, organization)
            if row["starts_at"] is None:  # no readable start: not an event the table can hold
                continue
            rows.setdefault(row["event_id"], {**row, "source_url": page.url,
                                              "retrieved_at": page.retrieved_at})
    frame = pd.DataFrame(list(rows.values()), columns=list(EVENTBRITE_EVENTS.columns))
    return pandera_schema(EVENTBRITE_EVENTS).validate(frame)


def describe_organization(organization: str, events: list[Mapping[str, Any]]) -> dict[str, Any]:
    """An organization from its events: its usual organizer's name, pages, and place."""
    organizers = [_object(e.get("organizer")) for e in events]
    organizers = [o for o in organizers if _text(o.get("name"))]
    names = Counter(str(o["name"]).strip() for o in organizers)
    usual = next((o for o in organizers if str(o["name"]).strip() == names.most_common(1)[0][0]),
                 {}) if names else {}
    places = Counter((row["city"], row["state"]) for row in (parse_event(e, organization)
                                                             for e in events) if row["city"])
    city, state = places.most_common(1)[0][0] if places else (None, None)
    return {
        "record_id": f"eventbrite:{organization}",
        "eventbrite_organization_id": organization,
        "name": str(usual.get("name") or f"Eventbrite organization {organization}").strip(),
        "website": _http(usual.get("website")),
        "events_url": _http(usual.get("url")),
        "city": city,
        "state": state,
        "event_count": len(events),
    }


def parse_event(event: Mapping[str, Any], organization: str) -> dict[str, Any]:
    """One event object of the v3 API -> a row (without provenance). A part of the wrong type
    (a venue that is text, a start time that is no time) reads as missing."""
    venue = _object(event.get("venue"))
    address = _object(venue.get("address"))
    in_us = (_text(address.get("country")) or "").upper() in ("", "US")
    return {
        "event_id": f"eventbrite:{event['id']}",
        "eventbrite_organization_id": organization,
        "event_title": (_text(_object(event.get("name")).get("text")) or "").strip(),
        "starts_at": _utc(_object(event.get("start")).get("utc")),
        "ends_at": _utc(_object(event.get("end")).get("utc")),
        "event_status": event_status(event.get("status")),
        "source_event_status": _text(event.get("status")),
        "online_event": bool(event.get("online_event")),
        "venue_name": _text(venue.get("name")),
        "city": _text(address.get("city")),
        "state": usps_code(_text(address.get("region"))) if in_us else None,
        "event_url": _http(event.get("url")),
    }


def _object(value: object) -> Mapping[str, Any]:
    """A JSON object, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    """Text as given; None for blanks and for anything that is not text."""
    return value if isinstance(value, str) and value.strip() else None


def _pages(snapshot: Snapshot) -> list[tuple[Page, str, list[dict[str, Any]]]]:
    """Each archived page with its organization and its events; ParseError if one is not."""
    pages = []
    for page in snapshot.pages:
        if page.status not in (200, 304):
            continue
        match = _ORGANIZATION.search(page.url)
        try:
            events = json.loads(snapshot.body(page))["events"]
            if not match:
                raise KeyError("no organization id in the URL")
            if not all(isinstance(e, dict) and e.get("id") for e in events):
                raise TypeError("an event has no id")
        except (ValueError, RecursionError, KeyError, TypeError) as error:  # bad JSON or UTF-8
            raise ParseError("eventbrite", page.url, f"unexpected answer ({error})",
                             "a JSON object with an 'events' list of events with ids") from None
        pages.append((page, match.group(1), events))
    return pages


def _http(value: object) -> str | None:
    text = str(value or "").strip()
    return text if re.match(HTTP_URL, text) else None


def _utc(value: object) -> str | None:
    """An ISO 8601 time as UTC 'YYYY-MM-DDTHH:MM:SSZ'; None when blank or not a time."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        # isoformat, not strftime: year 5 is '0005', as the ISO pattern of the table wants
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    except (ValueError, OverflowError):  # '2027-13-45', year 1 in a far time zone
        return None


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """Organizations as source_records listings."""
    return records.assign(source="eventbrite", source_key=records["eventbrite_organization_id"],
                          kind="civic_tech_group")


def shared_events(snapshot: Snapshot) -> pd.DataFrame:
    """Events for the shared events table, each with its organization's listing."""
    events = parse_events(snapshot)
    return events.assign(record_id="eventbrite:" + events["eventbrite_organization_id"],
                         source="eventbrite")


def define(settings: EventbriteSettings) -> Source:
    """The Eventbrite source, reading the organizations of ``settings`` with its token."""
    return Source(
        name="eventbrite",
        title="Eventbrite events of configured organizations (needs an Eventbrite token)",
        default_url=URL,
        table=EVENTBRITE_ORGANIZATIONS,
        fetch=bound(fetch, settings=settings),
        parse=parse,
        to_listings=to_listings,
        min_records=0,
        events=shared_events,
        homepage="https://www.eventbrite.com/platform/api",
        license_note="Eventbrite API terms apply; facts about public events only.",
        settings=settings,
        define=define,
    )


SOURCE = define(EventbriteSettings())
