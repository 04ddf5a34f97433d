"""The column catalogue: every column is defined once, with its type, meaning and constraints.

Pandera schemas, DuckDB DDL and Frictionless Table Schemas are all generated from these
definitions (see ``schemas.table``), so a column means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.codes import KIND_CODES

ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
USPS_STATE = r"^[A-Z]{2}$"
HTTP_URL = r"^https?://\S+$"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | integer | number | boolean | datetime | date
    description: str
    required: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None


FIELDS: dict[str, Field] = {}


def define(*fields: Field) -> None:
    """Add columns to the catalogue. A name may be defined only once, in one place."""
    for f in fields:
        if f.name in FIELDS and FIELDS[f.name] != f:
            raise ValueError(f"column {f.name!r} is defined twice with different meanings")
        FIELDS[f.name] = f


define(
    Field("intermediary_id", "string", "Stable identifier of the organization in this directory; "
          "the same organization keeps it across refreshes.", required=True,
          pattern=r"^im-[0-9a-f]{12}$"),
    Field("record_id", "string", "Identifier of one listing in one source (source plus the "
          "source's own key).", required=True),
    Field("source", "string", "Short name of the source a listing comes from.", required=True),
    Field("sources", "string", "Sources the organization appears in, separated by '; '.",
          required=True),
    Field("source_key", "string", "The source's own key for the listing (its URL, slug or name).",
          required=True),
    Field("source_url", "string", "Where the listing was read: the URL of the page or file.",
          required=True, pattern=HTTP_URL),
    Field("retrieved_at", "datetime", "When the source page was retrieved (UTC). Records carried "
          "forward from an earlier snapshot keep their original time.", required=True,
          pattern=ISO_UTC),
    Field("name", "string", "Name of the organization as published.", required=True),
    Field("kind", "string", "What kind of intermediary this is.", required=True,
          enum=KIND_CODES),
    Field("website", "string", "The organization's website.", pattern=HTTP_URL),
    Field("events_url", "string", "Where the organization lists its events (often a Meetup "
          "group page).", pattern=HTTP_URL),
    Field("city", "string", "City, as published by the source."),
    Field("state", "string", "US state or territory as a two-letter USPS code; empty outside "
          "the US.", pattern=USPS_STATE),
    Field("country", "string", "Country (ISO 3166-1 alpha-2 where known, for example US, CA, "
          "BR); empty when the source gives none.", pattern=r"^[A-Z]{2}$"),
    Field("region", "string", "Wider area for organizations with no country (continent or "
          "'Global')."),
    Field("latitude", "number", "Latitude in decimal degrees (WGS 84).", minimum=-90, maximum=90),
    Field("longitude", "number", "Longitude in decimal degrees (WGS 84).", minimum=-180,
          maximum=180),
    Field("location_precision", "string", "How precise latitude and longitude are: 'source' "
          "(given by the source and checked), 'address', 'zip' (the ZIP code's centre), 'city' "
          "(the mean position of the city's ZIP codes), 'county', 'state', 'region' (a "
          "continent or wider area: never anyone's nearest organization) or 'none'.",
          enum=("source", "address", "zip", "city", "county", "state", "region", "none")),
    Field("zip", "string", "Five-digit US ZIP code of the organization's address (the ZIP+4 "
          "extension is dropped).", pattern=r"^\d{5}$"),
    Field("location_flag", "string", "Why the source's coordinates were not used, when they "
          "were not: 'null_island' (0,0), 'latitude_equals_longitude', 'swapped_axes', "
          "'sign_flipped', 'outside_country', 'outside_state'. Empty when they were fine."),
    Field("state_fips", "string", "Two-digit FIPS code of the US state or territory.",
          pattern=r"^\d{2}$"),
    Field("county_fips", "string", "Five-digit FIPS code of the US county (state + county), "
          "where it can be known from the ZIP code, city or point.", pattern=r"^\d{5}$"),
    Field("service_area", "string", "What area the organization serves: 'city', 'county', "
          "'metro', 'state', 'national' or 'global'.",
          enum=("city", "county", "metro", "state", "national", "global")),
    Field("government_level", "string", "For a government or government department: its "
          "level ('city', 'county', 'state', 'tribal', 'special_district', "
          "'school_district'). Governments of different levels are never merged.",
          enum=("city", "county", "state", "tribal", "special_district", "school_district")),
    Field("government_unit", "string", "For a government: 'general' (a general-purpose "
          "government) or 'department' (a data-relevant department: planning, GIS, IT, open "
          "data, statistics).", enum=("general", "department")),
    Field("first_seen", "date", "The first day the organization appeared in a release.",
          required=True),
    Field("last_seen", "date", "The last day the organization appeared in a release (the "
          "current release's day for every published row).", required=True),
    Field("activity_reason", "string", "Why the activity signal is what it is, e.g. 'next "
          "event 2026-12-10 (meetup:code-for-dayton)' or 'no calendar could be read'."),
    Field("tags", "string", "Tags given by the source, separated by '; '."),
    Field("previous_names", "string", "Earlier names of the organization, separated by '; '."),
    Field("social_profiles", "string", "Social profiles as 'network: handle or URL', separated "
          "by '; '."),
    Field("department", "string", "Department, division or parent body published under the "
          "organization's name; several separated by '; '."),
    Field("role", "string", "Role in the network the source describes; for the Census Bureau's "
          "State Data Center network: the 'lead' agency appointed by the governor, a "
          "'coordinating' agency, or an 'affiliate'. Empty for sources without roles.",
          required=True, enum=("lead", "coordinating", "affiliate")),
    Field("contact_email", "string", "Public general contact email of the organization (a role "
          "or organization mailbox, never a person's).",
          pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    Field("contact_phone", "string", "Public general contact phone of the organization, as "
          "NNN-NNN-NNNN.", pattern=r"^\d{3}-\d{3}-\d{4}$"),
    Field("link_reason", "string", "Why this listing was linked to its intermediary: 'own "
          "record' (the listing the organization is anchored on), 'same_website' (the same site "
          "key: host without www plus up to two path segments), 'same_meetup_group', "
          "'same_shared_host_path' (the same full path on a shared host such as github.com or "
          "facebook.com), 'name_similarity=0.97; same_city' (normalised names this close, and "
          "the place or website agreement that went with it: same_city, same_state, "
          "same_country, same_domain), 'same_name_same_place' (one source lists the same "
          "name in the same city and state, of the same kind, more than once: several EINs of "
          "one community foundation, such as its supporting organizations and funds), 'listed "
          "as the same organization's page' (the source says so), or 'override: <reason>' (a "
          "maintainer's row in sources/overrides.csv). A maintainer's correction of a field is "
          "noted after it, and for a unit of a university '; unit of <university> "
          "(<intermediary_id>): its website <host> is on <domain>' (see part_of).",
          required=True),
    Field("status", "string", "How the source fared in the run that built this release.",
          required=True, enum=("fresh", "carried_forward", "missing")),
    Field("records", "integer", "Number of listings the source contributed.", required=True,
          minimum=0),
    Field("snapshot", "string", "Name of the snapshot folder the listings were parsed from."),
    Field("sample", "boolean", "True when the listings come from recorded sample or fixture "
          "data rather than a live fetch.", required=True),
    Field("problem", "string", "What went wrong: why a source could not be refreshed, or why "
          "a record was rejected."),
    Field("title", "string", "Human-readable title.", required=True),
    # events and the activity signal derived from them
    Field("event_id", "string", "Identifier of one event: the iCalendar UID for Meetup events "
          "(event_<id>@meetup.com), 'eventbrite:<id>' for Eventbrite events.", required=True),
    Field("event_title", "string", "Title of the event as published.", required=True),
    Field("starts_at", "datetime", "When the event starts (UTC).", required=True,
          pattern=ISO_UTC),
    Field("ends_at", "datetime", "When the event ends (UTC), where given.", pattern=ISO_UTC),
    Field("venue_name", "string", "Venue of the event as published (for Meetup, the part of the "
          "LOCATION before the address; 'Online event' for online ones)."),
    Field("event_url", "string", "Public page of the event.", pattern=HTTP_URL),
    Field("activity", "string", "Activity signal: active (an event in the 12 months before "
          "activity_as_of, or one upcoming), dormant (a calendar was read but shows neither), "
          "gone (the group page answers 404/410), unknown (no calendar could be read).",
          required=True, enum=("active", "dormant", "gone", "unknown")),
    Field("activity_as_of", "date", "The day the activity signal was computed for "
          "(YYYY-MM-DD).", required=True, pattern=ISO_DATE),
    Field("last_event_date", "date", "Start date (UTC, YYYY-MM-DD) of the group's most recent "
          "past event in its calendar.", pattern=ISO_DATE),
    Field("next_event_date", "date", "Start date (UTC, YYYY-MM-DD) of the group's next "
          "upcoming event in its calendar.", pattern=ISO_DATE),
    Field("event_status", "string", "The event's status in one vocabulary for every source: "
          "scheduled (Meetup CONFIRMED, Eventbrite live), tentative, started, completed "
          "(Eventbrite ended/completed), cancelled (CANCELLED, canceled), draft.",
          enum=("scheduled", "tentative", "started", "completed", "cancelled", "draft")),
    Field("source_event_status", "string", "The event's status as the source gives it (Meetup "
          "iCalendar: CONFIRMED, TENTATIVE, CANCELLED; Eventbrite: live, started, ended, "
          "completed, canceled, draft)."),
    Field("online_event", "boolean", "True when the event is online only, false when it has "
          "a venue; empty when the source does not say (a Meetup calendar entry without "
          "LOCATION)."),
)
