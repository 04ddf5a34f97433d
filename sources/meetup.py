"""Meetup groups and their events, from each group's public iCalendar feed (no credentials).

Which groups: every Code for America record whose ``events_url`` is a Meetup group, plus a
user-edited list of extra groups (``meetup_groups.txt``, or the file named by
INTERMEDIARIES_MEETUP_GROUPS_FILE). The fetch plan archives that list in the snapshot before it
fetches any feed, so the parser can tell a gone group (404/410) from one never reached, and link
each group to its brigade, from the snapshot alone.

Each feed is ``<base>/<urlname>/events/ical/``: a calendar named "Events - <group name>" whose
VEVENTs carry a UID, SUMMARY, URL, LOCATION "Venue (Address, City, ST)", DTSTART with a TZID and
GEO. Feeds have no member count or group location; the group's city is where its events are.

From one snapshot: ``parse`` (the Source's table) lists the groups whose calendar was read;
``parse_feeds`` says how every group's feed answered; ``parse_events`` gives their events; and
``activity(feeds, events, today)`` turns those into active / dormant / gone / unknown.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
from icalendar import Calendar
from icalendar.parser import Contentline
from pydantic import Field

from geography import usps_code
from schemas.catalogue import HTTP_URL
from schemas.meetup import MEETUP_ACTIVITY, MEETUP_EVENTS, MEETUP_FEEDS, MEETUP_GROUPS
from schemas.table import pandera_schema
from sources.base import Recorder, SideTable, Source, SourceSettings, bound
from sources.errors import FetchError, ParseError, SourceSkipped
from sources.event_status import event_status
from sources.snapshot import Snapshot, SnapshotWriter, load_snapshot, utc_now

URL = "https://www.meetup.com"  # where feeds are fetched (overridable, e.g. a local test server)
PUBLIC_ROOT = "https://www.meetup.com"  # where group pages live, whatever the feed base
PLAN_URL = "urn:civic-intermediaries:meetup:groups"
GROUPS_FILE_VARIABLE = "INTERMEDIARIES_MEETUP_GROUPS_FILE"
DEFAULT_GROUPS_FILE = Path(__file__).with_name("meetup_groups.txt")
HOST_DOWN = "marked down"  # what PoliteClient says once a host has failed to connect repeatedly

_MEETUP_HOSTS = frozenset({"meetup.com", "www.meetup.com", "m.meetup.com"})
_NOT_GROUPS = frozenset({
    "about", "account", "api", "apps", "blog", "cities", "communities", "create", "events",
    "find", "help", "home", "login", "lp", "media", "meetup_api", "member", "members",
    "messages", "notifications", "pro", "register", "search", "start", "topics",
})
_GROUP_PAGES = frozenset({"about", "discussions", "events", "join", "members", "pages", "photos"})
_LOCALE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$", re.IGNORECASE)
_URLNAME = re.compile(r"^[A-Za-z0-9_-]+$")
_GONE = re.compile(r"\bHTTP (404|410)\b")
_LOCATION = re.compile(r"^(?P<venue>.*?)\s*\((?P<address>[^()]*)\)\s*$")


# --- which groups ----------------------------------------------------------------------------


def meetup_urlname(url: object) -> str | None:
    """The group's urlname from any link to it, lowercased; None when it is not a group.

    'https://www.meetup.com/Code-for-ABQ', 'meetup.com/betanyc/events/123/' and
    'https://www.meetup.com/fr-FR/javascript-and-co/' name groups; Pro network, search and topic
    pages, and meetu.ps short links (which need a request to resolve), do not.
    """
    text = url.strip() if isinstance(url, str) else ""
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    parts = urlsplit(text)
    if (parts.hostname or "").lower() not in _MEETUP_HOSTS:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) >= 2 and _LOCALE.match(segments[0]) and segments[1] not in _GROUP_PAGES:
        segments = segments[1:]  # a language prefix: /fr-FR/<group>/
    if not segments or segments[0].lower() in _NOT_GROUPS or not _URLNAME.match(segments[0]):
        return None
    return segments[0].lower()


def group_page(urlname: str) -> str:
    return f"{PUBLIC_ROOT}/{urlname}/"


def feed_url(base: str, urlname: str) -> str:
    return f"{base.rstrip('/')}/{urlname}/events/ical/"


def read_group_list(text: str) -> list[str]:
    """The extra groups list: one group URL per line; '#' starts a comment."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


class MeetupSettings(SourceSettings):
    """Which groups are read besides the brigades'. A configured file that is missing fails
    this source when its fetch starts (the default list may be absent: no extra groups)."""

    groups_file: Path = Field(DEFAULT_GROUPS_FILE, validation_alias=GROUPS_FILE_VARIABLE,
                              description="Extra Meetup groups to follow, one URL per line.")


@dataclass(frozen=True)
class PlannedGroup:
    """A group the fetch plan will ask for, and why it knows of it."""

    urlname: str
    listed_in: str  # 'cfa', 'groups_file' or 'cfa; groups_file'
    cfa_record_id: str | None = None
    cfa_name: str | None = None


def plan_groups(
    cfa: pd.DataFrame | None, extra_urls: Iterable[str]
) -> tuple[list[PlannedGroup], list[str]]:
    """Groups to fetch, one per urlname (brigades first), and the extra lines that name none."""
    planned: dict[str, PlannedGroup] = {}
    if cfa is not None and not cfa.empty:
        for record in cfa.to_dict("records"):
            urlname = meetup_urlname(record.get("events_url"))
            if urlname and urlname not in planned:
                planned[urlname] = PlannedGroup(urlname, "cfa", str(record["record_id"]),
                                                str(record["name"]))
    ignored = []
    for url in extra_urls:
        urlname = meetup_urlname(url)
        if urlname is None:
            ignored.append(url)
        elif urlname not in planned:
            planned[urlname] = PlannedGroup(urlname, "groups_file")
        elif planned[urlname].listed_in == "cfa":
            known = planned[urlname]
            planned[urlname] = PlannedGroup(urlname, "cfa; groups_file", known.cfa_record_id,
                                            known.cfa_name)
    return list(planned.values()), ignored


# --- fetch -----------------------------------------------------------------------------------


def fetch(recorder: Recorder, url: str, upstream: Mapping[str, pd.DataFrame],
          groups_file: Path = DEFAULT_GROUPS_FILE) -> None:
    """Archive the group list, then each group's feed. A gone or failing feed is recorded and
    skipped; once the host is marked down the plan stops, so an unreachable Meetup costs seconds,
    and when no feed at all could be read the fetch fails rather than report every group lost.
    """
    extra = _extra_group_urls(url, groups_file)
    groups, ignored = plan_groups(upstream.get("cfa"), extra)
    if not groups:  # nothing to ask Meetup about: not a failure, and not new data either
        raise SourceSkipped("meetup", url, "no Meetup groups are known: the Code for America "
                            f"records name none and the extra groups list ({GROUPS_FILE_VARIABLE})"
                            " is empty", "groups to read")
    archive_plan(recorder.writer, url, groups, ignored)
    answered, problems = 0, []
    for done, group in enumerate(groups):
        feed = feed_url(url, group.urlname)
        try:
            recorder.get(feed, expected="a Meetup group's iCalendar feed")
            answered += 1
        except FetchError as error:
            if HOST_DOWN in error.problem:
                raise FetchError(
                    "meetup", feed, f"{error.problem}; stopped after {done} of {len(groups)} "
                    "group feeds", "Meetup to answer"
                ) from error
            if not _GONE.search(error.problem):
                problems.append(error.problem)
            # a gone group and other single-feed failures are in the snapshot's failures
    if answered == 0 and problems:  # not one calendar: Meetup is failing, not the groups
        raise FetchError("meetup", url, f"no group feed could be read (first problem: "
                         f"{problems[0]})", "Meetup's public iCalendar feeds")


def archive_plan(
    writer: SnapshotWriter, base: str, groups: list[PlannedGroup], ignored: list[str]
) -> None:
    """Store the group list in the snapshot, so parsing needs nothing but the snapshot."""
    plan = {
        "feed_base": base,
        "groups": [{**asdict(g), "feed_url": feed_url(base, g.urlname)} for g in groups],
        "ignored": ignored,
    }
    writer.add(url=PLAN_URL, final_url=PLAN_URL, status=200, content_type="application/json",
               body=json.dumps(plan, indent=2).encode(), retrieved_at=utc_now())


def _extra_group_urls(url: str, path: Path) -> list[str]:
    if not path.is_file():
        if path == DEFAULT_GROUPS_FILE:
            return []
        raise FetchError("meetup", url, f"the extra groups list {path} does not exist",
                         f"{GROUPS_FILE_VARIABLE} to name a text file of Meetup group URLs")
    return read_group_list(path.read_text(encoding="utf-8"))


# --- parse -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """What one group's calendar says: its name and its events."""

    name: str | None
    events: list[dict[str, Any]]


def parse_feed(body: bytes) -> Feed:
    """One iCalendar feed -> the group's name and its events. ValueError if not a calendar."""
    try:
        calendar = Calendar.from_ical(body)
    except Exception as error:  # icalendar raises several types for non-calendar input
        readable = without_unreadable_lines(body)
        try:  # one broken line outside an event must not cost the group all its events
            calendar = Calendar.from_ical(readable) if readable else None
        except Exception:  # noqa: BLE001 (as above)
            calendar = None
        if calendar is None:
            raise ValueError(f"not an iCalendar document ({error})") from error
    if calendar.name != "VCALENDAR":
        raise ValueError(f"not an iCalendar document (top component {calendar.name})")
    name = str(_first(calendar.get("X-WR-CALNAME")) or "").strip()
    name = name.removeprefix("Events - ").strip() or None
    events = []
    for component in calendar.walk("VEVENT"):
        try:
            event = parse_event(component)
        except (ValueError, TypeError, AttributeError, OverflowError, KeyError):
            continue  # an event that cannot be read counts like one without UID or start
        if event is not None:
            events.append(event)
    return Feed(name=name, events=events)


def without_unreadable_lines(body: bytes) -> bytes | None:
    """The calendar without the content lines icalendar cannot split into name, parameters
    and value (unfolded first, RFC 5545 3.1); None when every line was readable."""
    text = re.sub(r"\r?\n[ \t]", "", body.decode("utf-8", errors="replace"))
    lines = text.splitlines()
    kept = [line for line in lines if not line.strip() or _readable(line)]
    if len(kept) == len(lines) or not kept:
        return None
    return ("\r\n".join(kept) + "\r\n").encode("utf-8")


def _readable(line: str) -> bool:
    try:
        Contentline(line).parts()
    except ValueError:
        return False
    return True


def _first(value: Any) -> Any:
    """A property given twice comes as a list: the first one counts."""
    return (value[0] if value else None) if isinstance(value, list) else value


def parse_event(event: Any) -> dict[str, Any] | None:
    """One VEVENT -> an event row (without group and provenance); None without UID or start."""
    uid = str(_first(event.get("UID")) or "").strip()
    starts_at = _utc(_first(event.decoded("DTSTART", None)))
    if not uid or starts_at is None:
        return None
    venue, city, state = parse_location(str(_first(event.get("LOCATION")) or ""))
    geo = _first(event.get("GEO"))
    latitude, longitude = (float(geo.latitude), float(geo.longitude)) if geo else (None, None)
    if latitude is not None and not (abs(latitude) <= 90 and abs(longitude) <= 180):
        latitude = longitude = None  # off the globe (or NaN): not a place
    link = str(_first(event.get("URL")) or "").strip()
    status = _first(event.get("STATUS"))
    return {
        "event_id": uid,
        "event_title": str(_first(event.get("SUMMARY")) or "").strip(),
        "starts_at": starts_at,
        "ends_at": _utc(_first(event.decoded("DTEND", None))),
        "event_status": event_status(str(status) if status is not None else None),
        "source_event_status": str(status or "").strip().upper() or None,
        "online_event": _online(venue, city),
        "venue_name": venue,
        "city": city,
        "state": state,
        "latitude": latitude,
        "longitude": longitude,
        "event_url": link if re.match(HTTP_URL, link) else None,
    }


def parse_location(text: str) -> tuple[str | None, str | None, str | None]:
    """Meetup's LOCATION 'Venue (Address, City, ST)' -> venue, city, USPS state.

    'Online event' has a venue only; a state that is not a US state or territory is left out
    (the city is kept: it is what the source said).
    """
    text = text.strip()
    match = _LOCATION.match(text)
    if not match:
        return text or None, None, None
    parts = [p.strip() for p in match["address"].split(",") if p.strip()]
    city = state = None
    if len(parts) >= 2:
        city = parts[-2]
        token = parts[-1].split()[0]
        state = usps_code(token) if len(token) == 2 and token.isalpha() else None
    return match["venue"].strip() or None, city, state


def _online(venue: str | None, city: str | None) -> bool | None:
    """Meetup writes LOCATION 'Online event' for online events; a venue or city means it is
    held somewhere; no LOCATION says nothing."""
    if venue is None and city is None:
        return None
    return (venue or "").strip().lower() in ("online event", "online")


def _utc(value: object) -> str | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    else:
        return None
    try:  # isoformat, not strftime: year 5 is '0005', as the table's ISO pattern wants
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    except (ValueError, OverflowError):  # year 1 in a time zone east of UTC
        return None


def parse(snapshot: Snapshot) -> pd.DataFrame:
    """Snapshot -> one validated listing per group whose calendar was read."""
    rows, _ = _read(snapshot)
    listed = [r for r in rows if r["feed_status"] == "ok"]
    frame = pd.DataFrame(listed, columns=list(MEETUP_GROUPS.columns))
    return pandera_schema(MEETUP_GROUPS).validate(frame)


def parse_feeds(snapshot: Snapshot) -> pd.DataFrame:
    """Snapshot -> one validated row per group asked for, with how its feed answered."""
    rows, _ = _read(snapshot)
    frame = pd.DataFrame(rows, columns=list(MEETUP_FEEDS.columns))
    return pandera_schema(MEETUP_FEEDS).validate(frame)


def parse_events(snapshot: Snapshot) -> pd.DataFrame:
    """Snapshot -> one validated row per event in the groups' feeds."""
    _, events = _read(snapshot)
    frame = pd.DataFrame(events, columns=list(MEETUP_EVENTS.columns))
    return pandera_schema(MEETUP_EVENTS).validate(frame)


def _read(snapshot: Snapshot) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Groups and events of a snapshot. Snapshots are immutable and one refresh reads the same
    one for listings, feeds, events and activity, so its calendars are parsed once."""
    return _read_folder(str(snapshot.folder))


@lru_cache(maxsize=4)
def _read_folder(folder: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    snapshot = load_snapshot(Path(folder))
    plan = _load_plan(snapshot)
    pages = {p.url: p for p in snapshot.pages if p.status in (200, 304) and p.url != PLAN_URL}
    failures = {f.url: f for f in snapshot.failures}
    groups: list[dict[str, Any]] = []
    events: dict[str, dict[str, Any]] = {}
    calendars = 0
    for planned in plan["groups"]:
        row = _group_row(planned)
        feed, page = planned["feed_url"], pages.get(planned["feed_url"])
        if page is not None:
            row.update(source_url=page.url, retrieved_at=page.retrieved_at)
            try:
                content = parse_feed(snapshot.body(page))
            except ValueError as error:
                row.update(feed_status="failed", feed_problem=str(error))
            else:
                calendars += 1
                row.update(_describe_group(content))
                for event in content.events:  # an event co-hosted by two groups is kept once
                    events.setdefault(event["event_id"], {
                        **event, "group_record_id": row["record_id"], "urlname": row["urlname"],
                        "source_url": page.url, "retrieved_at": page.retrieved_at,
                    })
        elif feed in failures:
            failure = failures[feed]
            gone = bool(_GONE.search(failure.error))
            row.update(feed_status="gone" if gone else "failed", feed_problem=failure.error,
                       source_url=feed, retrieved_at=failure.at)
        else:
            row.update(feed_status="not_fetched", source_url=feed,
                       retrieved_at=snapshot.started_at)
        groups.append(row)
    if pages and calendars == 0:
        raise ParseError("meetup", next(iter(pages)), "no fetched feed is an iCalendar document",
                         "BEGIN:VCALENDAR feeds (has Meetup changed its feeds?)")
    return groups, list(events.values())


def _load_plan(snapshot: Snapshot) -> dict[str, Any]:
    try:
        page = snapshot.page(PLAN_URL)
    except KeyError:
        raise ParseError("meetup", str(snapshot.folder), "the snapshot has no group list",
                         f"a {PLAN_URL} page written by sources.meetup.fetch") from None
    try:
        plan = json.loads(snapshot.body(page))
    except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested too deep
        raise ParseError("meetup", PLAN_URL, f"the group list is not valid JSON ({error})",
                         "the group list written by sources.meetup.fetch") from None
    groups = plan.get("groups") if isinstance(plan, dict) else None
    if (not isinstance(groups, list) or not all(map(_is_planned_group, groups))
            or len({group["urlname"] for group in groups}) != len(groups)):
        raise ParseError("meetup", PLAN_URL, "the group list is malformed",
                         "groups with a urlname, feed_url and listed_in, as sources.meetup.fetch "
                         "writes them")
    return plan


def _is_planned_group(group: object) -> bool:
    """A group list entry as ``archive_plan`` writes it."""
    return (isinstance(group, dict) and isinstance(group.get("urlname"), str)
            and bool(_URLNAME.fullmatch(group["urlname"]))
            and isinstance(group.get("feed_url"), str)
            and bool(re.match(HTTP_URL, group["feed_url"]))  # published as source_url
            and group.get("listed_in") in ("cfa", "groups_file", "cfa; groups_file")
            and all(isinstance(group.get(key), str | None)
                    for key in ("cfa_record_id", "cfa_name")))


def _group_row(planned: Mapping[str, Any]) -> dict[str, Any]:
    urlname = planned["urlname"]
    return {
        "record_id": f"meetup:{urlname}",
        "urlname": urlname,
        "name": planned.get("cfa_name") or urlname,
        "events_url": group_page(urlname),
        "city": None, "state": None, "country": None, "member_count": None,
        "cfa_record_id": planned.get("cfa_record_id"),
        "listed_in": planned["listed_in"],
        "feed_status": "ok", "feed_problem": None, "event_count": None,
    }


def _describe_group(content: Feed) -> dict[str, Any]:
    """Name from the calendar; city and state where most of its events are (latest wins ties)."""
    described: dict[str, Any] = {"event_count": len(content.events)}
    if content.name:
        described["name"] = content.name
    places = [(e["city"], e["state"]) for e in sorted(content.events, key=lambda e: e["starts_at"])
              if e["city"]]
    if places:
        counts = Counter(places)
        city, state = max(reversed(places), key=lambda p: counts[p])
        described.update(city=city, state=state, country="US" if state else None)
    return described


# --- listings and activity -------------------------------------------------------------------


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """Groups as source_records listings (with the brigade they came from, for linking)."""
    return records.assign(source="meetup", source_key=records["events_url"],
                          kind="civic_tech_group", links_to=records["cfa_record_id"])


def activity(feeds: pd.DataFrame, events: pd.DataFrame, today: date) -> pd.DataFrame:
    """Per group asked for (``parse_feeds``): its last past and next upcoming event, and whether
    it looks alive.

    active: an event in the 12 months before ``today`` or one upcoming; dormant: a calendar was
    read but shows neither; gone: the feed answered 404/410; unknown: no calendar was read.
    Cancelled events do not count. Meetup feeds list mostly upcoming events, so 'dormant' means
    nothing is scheduled and nothing recent is listed.
    """
    held = events[events["event_status"].fillna("") != "cancelled"]
    days: dict[str, list[date]] = {}
    for urlname, starts_at in zip(held["urlname"], held["starts_at"], strict=True):
        days.setdefault(urlname, []).append(date.fromisoformat(str(starts_at)[:10]))
    year_before = _year_before(today)
    rows = []
    for feed in feeds.to_dict("records"):
        dates = days.get(feed["urlname"], [])
        last = max((d for d in dates if d < today), default=None)
        upcoming = min((d for d in dates if d >= today), default=None)
        listed = feed["feed_status"] == "ok"
        rows.append({
            "urlname": feed["urlname"],
            "group_record_id": f"meetup:{feed['urlname']}" if listed else None,
            "cfa_record_id": feed["cfa_record_id"],
            "activity": _signal(feed["feed_status"], last, upcoming, year_before),
            "activity_reason": _reason(feed, last, upcoming, year_before),
            "activity_as_of": today.isoformat(),
            "last_event_date": last.isoformat() if last else None,
            "next_event_date": upcoming.isoformat() if upcoming else None,
            "source_url": feed["source_url"],
            "retrieved_at": feed["retrieved_at"],
        })
    frame = pd.DataFrame(rows, columns=list(MEETUP_ACTIVITY.columns))
    return pandera_schema(MEETUP_ACTIVITY).validate(frame)


def _signal(feed_status: str, last: date | None, upcoming: date | None, year_before: date) -> str:
    if feed_status == "gone":
        return "gone"
    if feed_status != "ok":
        return "unknown"
    if upcoming is not None or (last is not None and last >= year_before):
        return "active"
    if last is None:  # an empty calendar proves nothing: feeds list mostly upcoming events
        return "unknown"
    return "dormant"


def _reason(feed: Mapping[str, Any], last: date | None, upcoming: date | None,
            year_before: date) -> str:
    """Why the group's signal is what it is, naming the group."""
    group = f"Meetup group {feed['urlname']}"
    status = feed["feed_status"]
    if status == "gone":
        return f"{group} answers 404/410 (gone)"
    if status != "ok":
        problem = feed.get("feed_problem")
        return f"{group}: its calendar could not be read" + (f" ({problem})" if problem else "")
    if upcoming is not None:
        return f"next event {upcoming.isoformat()} ({group})"
    if last is not None and last >= year_before:
        return f"an event on {last.isoformat()}, within 12 months ({group})"
    if last is None:
        return f"{group}: its calendar lists no events, past or upcoming"
    return f"last event {last.isoformat()}, nothing scheduled ({group})"


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def snapshot_day(snapshot: Snapshot) -> date:
    """The day the feeds were read: the activity signal is as of then, so a replay agrees."""
    return date.fromisoformat(snapshot.retrieved_at[:10])


def listing_activity(snapshot: Snapshot) -> pd.DataFrame:
    """The activity signal per listing it describes: the group's own and its brigade's."""
    signal = activity(parse_feeds(snapshot), parse_events(snapshot), snapshot_day(snapshot))
    columns = ["activity", "activity_as_of", "last_event_date", "next_event_date",
               "activity_reason"]
    by_record = [signal[[key, *columns]].rename(columns={key: "record_id"})
                 for key in ("group_record_id", "cfa_record_id")]
    return pd.concat(by_record, ignore_index=True).dropna(subset=["record_id"])


def shared_events(snapshot: Snapshot) -> pd.DataFrame:
    """Events for the shared events table, each with the group listing it belongs to."""
    events = parse_events(snapshot)
    return events.assign(record_id=events["group_record_id"], source="meetup")


MIN_EVENTS_TO_MISS = 5  # a refresh with none after at least this many means the format changed


def profile(records: pd.DataFrame) -> dict:
    """What the last good refresh held: how many events its calendars listed."""
    return {"events": int(records["event_count"].fillna(0).sum()) if len(records) else 0}


def health(records: pd.DataFrame, last_good: Mapping | None) -> str | None:
    """Calendars that all answer but list no event at all, after the last good refresh listed
    several, changed their format (say VTODO for VEVENT): stop rather than publish no events."""
    before = int((last_good or {}).get("events") or 0)
    now = profile(records)["events"]
    if len(records) and before >= MIN_EVENTS_TO_MISS and now == 0:
        return (f"meetup: {len(records)} calendars answered but none lists an event "
                f"({before} last time); expected VEVENT entries: the iCalendar format may "
                "have changed")
    return None


def define(settings: MeetupSettings) -> Source:
    """The Meetup source, reading the brigades' groups and those of ``settings.groups_file``."""
    return Source(
        name="meetup",
        title="Meetup civic-tech groups and events (public iCalendar feeds)",
        default_url=URL,
        table=MEETUP_GROUPS,
        fetch=bound(fetch, groups_file=settings.groups_file),
        parse=parse,
        to_listings=to_listings,
        min_records=0,
        needs=("cfa",),
        health=health,
        profile=profile,
        side_tables=(
            SideTable(MEETUP_FEEDS, parse_feeds),
            SideTable(MEETUP_ACTIVITY, lambda snapshot: activity(
                parse_feeds(snapshot), parse_events(snapshot), snapshot_day(snapshot))),
        ),
        events=shared_events,
        activity=listing_activity,
        homepage="https://www.meetup.com",
        license_note="Facts from public Meetup group calendars (names, dates, places); see "
        "meetup.com/terms.",
        settings=settings,
        define=define,
    )


SOURCE = define(MeetupSettings())
