"""The tables we publish. Every source's listings flow into ``source_records``; the linked
organizations form ``intermediaries``; ``source_status`` says how each source fared."""

from collections.abc import Iterable, Sequence

import schemas.ipeds  # noqa: F401  (defines the university columns)
from schemas.catalogue import HTTP_URL, Field, define
from schemas.codes import CHANGE_KINDS
from schemas.rejected import REJECTED_RECORDS
from schemas.table import Table, published

LOCATION = ("city", "state", "country", "region", "latitude", "longitude")
#: What the IPEDS source says of a college or university, and the university a unit is part of.
UNIVERSITY = ("carnegie_class", "carnegie_level", "research_activity", "land_grant", "hbcu",
              "tribal_college", "part_of")

define(  # from the data portals registry (sources/portals.py, pipelines/link/portals.py)
    Field("open_data_portal", "string", "The main data portal of the organization: among the "
          "catalogs linked to it in data_portals, an open data portal before a geoportal, "
          "then an indicators catalog, then a repository (schemas.codes.CATALOG_TYPE_ORDER); "
          "then an active one, a site for people before a services directory (fewest path "
          "segments), the shortest host, known software. Empty when no catalog is linked to "
          "it.", pattern=HTTP_URL),
    Field("portal_software", "string", "The software a data portal runs on (in "
          "intermediaries: its open_data_portal's), in words ('ArcGIS Server', 'ArcGIS Hub', "
          "'Socrata', 'CKAN'; schemas.codes.PORTAL_SOFTWARE); empty when unknown or "
          "custom-built."),
)

INTERMEDIARIES = Table(
    name="intermediaries",
    description="One row per organization a community can call on to find and use local data.",
    columns=("intermediary_id", "name", "kind", "role", "department", "government_level",
             "government_unit", *UNIVERSITY, "service_area", "website", "events_url",
             "open_data_portal", "portal_software", *LOCATION, "zip",
             "state_fips", "county_fips", "location_precision", "location_flag", "sources",
             "activity", "activity_reason", "last_event_date",
             "next_event_date", "activity_as_of", "first_seen", "last_seen", "source_url",
             "retrieved_at"),
    primary_key=("intermediary_id",),
    optional=("role", "activity_as_of"),
)

SOURCE_RECORDS = Table(
    name="source_records",
    description="One row per listing in a source, linked to the intermediary it describes. "
    "Nothing a source said is lost.",
    columns=("record_id", "intermediary_id", "link_reason", "source", "source_key", "name",
             "kind", "role", "department", "government_level", "government_unit",
             "service_area", "website", "events_url", *LOCATION, "zip", "source_url",
             "retrieved_at"),
    primary_key=("record_id",),
    foreign_keys=(("intermediary_id", "intermediaries", "intermediary_id"),),
    optional=("role",),
)

SOURCE_STATUS = Table(
    name="source_status",
    description="How each source fared in the run that built this release.",
    columns=("source", "title", "status", "records", "source_url", "retrieved_at", "snapshot",
             "sample", "problem"),
    primary_key=("source",),
    optional=("retrieved_at",),
)

EVENTS = Table(
    name="events",
    description="Events of the organizations (Meetup group calendars, Eventbrite), each linked "
    "to its organization and to the listing it came from.",
    columns=("event_id", "intermediary_id", "record_id", "source", "event_title", "starts_at",
             "ends_at", "event_status", "online_event", "venue_name", "city", "state",
             "event_url", "source_url", "retrieved_at"),
    primary_key=("event_id",),
    foreign_keys=(("intermediary_id", "intermediaries", "intermediary_id"),
                  ("record_id", "source_records", "record_id")),
)

define(
    Field("recorded_on", "date", "The day the event was recorded (the release's build day).",
          required=True),
    Field("id_event", "string", "What happened to the id: 'minted' (a new organization), "
          "'merged' (its listings now belong to an older organization, other_intermediary_id, "
          "whose id is kept), 'split' (listings of other_intermediary_id are now a separate "
          "organization with this id), 'retired' (no source lists it any more; the id is never "
          "given to another organization), 'revived' (a retired id listed again).",
          required=True, enum=("minted", "merged", "split", "retired", "revived")),
    Field("other_intermediary_id", "string", "The other id of a merge (the id kept) or a split "
          "(the id the listings came from).", pattern=r"^im-[0-9a-f]{12}$"),
    Field("id_event_reason", "string", "Why, naming the listings' stable keys "
          "(source:source_key).", required=True),
)

ID_HISTORY = Table(
    name="id_history",
    description="Every change to the directory's ids, oldest first: when each id was minted, "
    "merged into another, split off, retired or revived, and why. Retired and merged ids "
    "appear here but not in intermediaries; no id is ever given to another organization.",
    columns=("recorded_on", "id_event", "intermediary_id", "other_intermediary_id",
             "id_event_reason"),
    primary_key=(),
)

define(
    Field("change", "string", "What changed since the previous release: 'added' (a new "
          "organization), 'split' (a new id for listings that belonged to "
          "other_intermediary_id), 'removed' (no longer listed), 'merged' (its listings now "
          "belong to other_intermediary_id), 'changed' (one row per field that changed).",
          required=True, enum=CHANGE_KINDS),
    Field("changed_field", "string", "For 'changed': the column of intermediaries that "
          "changed."),
    Field("old_value", "string", "For 'changed': the value in the previous release, as "
          "written in its CSV (empty when it was empty)."),
    Field("new_value", "string", "For 'changed': the value in this release, as written in "
          "the CSV (empty when it is empty)."),
)

CHANGES = Table(
    name="changes",
    description="What changed in intermediaries since the previous release, by stable id: "
    "organizations added, removed, merged and split, and each changed field with its old and "
    "new value. Provenance columns (retrieved_at, source_url, last_seen, activity_as_of) "
    "change on every refresh and are not compared. Empty in a first release.",
    columns=("change", "intermediary_id", "name", "changed_field", "old_value", "new_value",
             "other_intermediary_id"),
    primary_key=(),
)

PUBLISHED = (INTERMEDIARIES, SOURCE_RECORDS, SOURCE_STATUS, EVENTS, ID_HISTORY, CHANGES)
# the linked tables, in package order: first in every release, then changes, then each
# source's own tables
LINKED = (INTERMEDIARIES, SOURCE_RECORDS, SOURCE_STATUS, EVENTS, REJECTED_RECORDS, ID_HISTORY)


def release_tables(source_tables: Iterable[tuple[Table, Sequence[Table]]],
                   include_personal: bool = False) -> tuple[Table, ...]:
    """Every table a release publishes, in package order: the linked tables, ``changes``, then
    each source's records (every row pointing at its listing in ``source_records``) followed by
    its side tables. The one list the Dagster assets, the release and the generated docs use;
    ``source_tables`` is (records table, side tables) per source, in the registry's order."""
    record_link = (("record_id", SOURCE_RECORDS.name, "record_id"),)
    tables = [*LINKED, CHANGES]
    for records, sides in source_tables:
        tables.append(published(records, include_personal,
                                foreign_keys=(*records.foreign_keys, *record_link)))
        tables.extend(published(side, include_personal) for side in sides)
    return tuple(tables)
