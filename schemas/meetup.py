"""Meetup groups and events (public iCalendar feeds), Meetup group search, Eventbrite events.

Groups are listings (they flow into ``source_records``); events and the activity signal describe
how alive a group is. Every row says where it was read (``source_url``) and when.
"""

from schemas.catalogue import Field, define
from schemas.table import Table

define(
    Field("urlname", "string", "The Meetup group's URL name (the path after meetup.com/), "
          "lowercased; Meetup treats it case-insensitively.", required=True,
          pattern=r"^[a-z0-9_-]+$"),
    Field("member_count", "integer", "Members of the group as the source reports it; empty when "
          "the source gives none (Meetup's iCalendar feeds do not).", minimum=0),
    Field("cfa_record_id", "string", "record_id of the Code for America listing whose events_url "
          "points at this group; empty for groups known only from the extra groups list."),
    Field("listed_in", "string", "Where the pipeline learned of the group: 'cfa' (a brigade's "
          "events_url), 'groups_file' (the user-edited list of extra groups), or both.",
          required=True, enum=("cfa", "groups_file", "cfa; groups_file")),
    Field("feed_status", "string", "How the group's public iCalendar feed answered in this "
          "snapshot: ok; gone (HTTP 404 or 410: the group was removed or renamed); failed (any "
          "other error); not_fetched (the run stopped first, for example Meetup was "
          "unreachable).", required=True, enum=("ok", "gone", "failed", "not_fetched")),
    Field("feed_problem", "string", "What went wrong with the group's feed, when it did not "
          "answer with a calendar."),
    Field("event_count", "integer", "Events the source lists for the group or organization.",
          minimum=0),
    Field("group_record_id", "string", "record_id of the Meetup group listing (meetup_groups) "
          "the row belongs to.", required=True),
    Field("meetup_group_id", "string", "Meetup's own identifier of the group (from its API)."),
    Field("match_reason", "string", "Why a search result was kept: which configured keywords "
          "its name or description contains.", required=True),
    Field("found_near", "string", "Search centres (metros) whose search returned the group, "
          "separated by '; '."),
    Field("eventbrite_organization_id", "string", "Eventbrite organization whose events these "
          "are (configured by the user).", required=True, pattern=r"^\d+$"),
)

MEETUP_GROUPS = Table(
    name="meetup_groups",
    description="Meetup groups whose public iCalendar feed answered, one listing per group; the "
    "groups come from Code for America's events_url links and the extra groups list.",
    columns=("record_id", "urlname", "name", "events_url", "city", "state", "country",
             "member_count", "cfa_record_id", "listed_in", "event_count", "source_url",
             "retrieved_at"),
    primary_key=("record_id",),
)

MEETUP_FEEDS = Table(
    name="meetup_feeds",
    description="Every Meetup group the pipeline asked for and how its public iCalendar feed "
    "answered: ok, gone (404/410), failed, or not_fetched.",
    columns=("urlname", "cfa_record_id", "listed_in", "feed_status", "feed_problem",
             "source_url", "retrieved_at"),
    primary_key=("urlname",),
)

MEETUP_EVENTS = Table(
    name="meetup_events",
    description="Events listed in the public iCalendar feeds of known Meetup groups.",
    columns=("event_id", "group_record_id", "urlname", "event_title", "starts_at", "ends_at",
             "event_status", "source_event_status", "online_event", "venue_name", "city",
             "state", "latitude", "longitude", "event_url",
             "source_url", "retrieved_at"),
    primary_key=("event_id",),
    foreign_keys=(("group_record_id", "meetup_groups", "record_id"),),
)

MEETUP_ACTIVITY = Table(
    name="meetup_activity",
    description="How alive each known Meetup group looks, from the events in its calendar; "
    "linked to its Meetup listing (group_record_id) and to its brigade (cfa_record_id).",
    columns=("urlname", "group_record_id", "cfa_record_id", "activity", "activity_reason",
             "activity_as_of", "last_event_date", "next_event_date", "source_url",
             "retrieved_at"),
    primary_key=("urlname",),
    foreign_keys=(("urlname", "meetup_feeds", "urlname"),),
    optional=("group_record_id",),  # a gone or unreachable group has no Meetup listing
)

MEETUP_SEARCH_GROUPS = Table(
    name="meetup_search_groups",
    description="Civic-tech and open-data groups found by Meetup's group search (needs a Meetup "
    "Pro OAuth token) around US metros, kept only when a keyword is in the name or description.",
    columns=("record_id", "meetup_group_id", "urlname", "name", "events_url", "city", "state",
             "country", "latitude", "longitude", "member_count", "match_reason", "found_near",
             "source_url", "retrieved_at"),
    primary_key=("record_id",),
)

EVENTBRITE_ORGANIZATIONS = Table(
    name="eventbrite_organizations",
    description="The Eventbrite organizations the user configured whose events could be read "
    "(needs an Eventbrite token; Eventbrite has no public search), one listing each.",
    columns=("record_id", "eventbrite_organization_id", "name", "website", "events_url", "city",
             "state", "event_count", "source_url", "retrieved_at"),
    primary_key=("record_id",),
)

EVENTBRITE_EVENTS = Table(
    name="eventbrite_events",
    description="Events of the Eventbrite organizations the user configured.",
    columns=("event_id", "eventbrite_organization_id", "event_title", "starts_at", "ends_at",
             "event_status", "source_event_status", "online_event", "venue_name", "city",
             "state", "event_url",
             "source_url", "retrieved_at"),
    primary_key=("event_id",),
)
