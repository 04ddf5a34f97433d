"""Merge every source's listings into one row per real-world organization, with stable ids.

Four steps, each in its own module: ``pipelines.link.overrides`` reads the maintainers'
corrections (``sources/overrides.csv``) and applies them; ``pipelines.link.match`` decides which
listings describe one organization and why (blocking, scoring, cluster rules);
``pipelines.link.ids`` gives each cluster its id from the id crosswalk (minted once, never
reused); this module builds ``source_records`` (every listing as the source gave it, with its
id and link reason) and ``intermediaries`` (one row per organization, its values taken from
its listings by source precedence, then located by ``pipelines.link.location``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from pipelines.fetch.records import SourceRecords
from pipelines.link.edges import PAGE_REASON, SAME_PAGE, Edge
from pipelines.link.ids import IdMemory, assign_ids
from pipelines.link.location import locate_organizations
from pipelines.link.match import link
from pipelines.link.overrides import apply_overrides, read_overrides
from pipelines.link.units import university_units
from schemas.published import EVENTS, ID_HISTORY, INTERMEDIARIES, SOURCE_RECORDS, SOURCE_STATUS
from schemas.table import empty_frame, pandera_schema
from sources.registry import SOURCES, source_named

LISTING_COLUMNS = [c for c in SOURCE_RECORDS.columns if c not in ("intermediary_id", "link_reason")]
# given by some sources for linking and identity, not published in source_records
LINK_COLUMNS = ["links_to", "previous_names", "key_aliases", "websites"]
# given by some sources for the organization: published in intermediaries (and in the source's
# own table), not in source_records. A given county_fips (IPEDS COUNTYCD) wins over the one the
# geography layer derives from the point.
ORGANIZATION_COLUMNS = ["county_fips", "carnegie_class", "carnegie_level", "research_activity",
                        "land_grant", "hbcu", "tribal_college"]


@dataclass(frozen=True)
class Merged:
    """The linked tables, the updated id memory and what needs a maintainer's eye."""

    intermediaries: pd.DataFrame
    source_records: pd.DataFrame
    crosswalk: pd.DataFrame
    id_history: pd.DataFrame
    warnings: tuple[str, ...] = ()


def _page_edges(listings: pd.DataFrame) -> list[Edge]:
    """A listing naming the listing it describes (``links_to``: a Meetup group read because a
    brigade's events_url points at it) is linked to it as given."""
    row_of = {record: row for row, record in enumerate(listings["record_id"])}
    return [Edge(row, row_of[target], SAME_PAGE, 1.0, PAGE_REASON)
            for row, target in enumerate(listings["links_to"])
            if isinstance(target, str) and target in row_of and row_of[target] != row]


def source_rank(names: Sequence[str]) -> np.ndarray:
    """Precedence of each listing's source: the registry's order (it decides which listing
    anchors an organization and fills its columns), unknown sources after, by name."""
    order = {s.name: i for i, s in enumerate(SOURCES)}
    unknown = {n: len(order) + i for i, n in enumerate(sorted(set(names) - set(order)))}
    return np.array([order.get(n, unknown.get(n)) for n in names], dtype=np.int64)


def merge_listings(listings_by_source: Sequence[pd.DataFrame], memory: IdMemory | None = None,
                   overrides: pd.DataFrame | None = None, today: str | None = None) -> Merged:
    """Listings from every source -> intermediaries, source_records, crosswalk, id history.

    ``memory`` is what earlier releases remembered (``publish.crosswalk.read_memory``; none:
    every id is minted), ``overrides`` the rows of ``read_overrides`` (default: the bundled
    file), ``today`` the build day (YYYY-MM-DD, UTC). The result never depends on row order."""
    memory = memory or IdMemory.empty()
    today = today or datetime.now(UTC).date().isoformat()
    warnings: list[str] = []
    if overrides is None:
        overrides, warnings = read_overrides()
    frames = [f.reindex(columns=[*LISTING_COLUMNS, *LINK_COLUMNS, *ORGANIZATION_COLUMNS])
              .astype(object)
              for f in listings_by_source if len(f)]
    if not frames:
        return Merged(empty_frame(INTERMEDIARIES), empty_frame(SOURCE_RECORDS),
                      memory.crosswalk, memory.history, tuple(warnings))
    listings = pd.concat(frames, ignore_index=True)
    listings = listings.where(listings.notna(), None)
    keys = listings["source"].astype(str) + ":" + listings["source_key"].astype(str)
    repeated = keys.duplicated(keep=False)
    if repeated.any():
        warnings.append(f"{int(repeated.sum())} listings share a source key (first: "
                        f"{keys[repeated].iloc[0]}); each is told apart by its record_id")
        keys = keys.where(~repeated, keys + "#" + listings["record_id"].astype(str))
        listings["source_key"] = keys.str.split(":", n=1).str[1]
    corrected, constraints, notes, problems = apply_overrides(listings, keys, overrides)
    warnings += problems
    rank = source_rank(listings["source"].tolist())
    linked = link(corrected, keys=keys.tolist(), rank=rank, constraints=constraints,
                  extra_edges=_page_edges(listings))
    identified = assign_ids(listings, linked.cluster, memory, today)
    intermediaries = _organizations(corrected.assign(intermediary_id=identified.ids),
                                    rank, keys)
    intermediaries["part_of"], unit_notes = university_units(intermediaries)
    reasons = [reason + notes.get(row, "") + unit_notes.get(identified.ids[row], "")
               for row, reason in enumerate(linked.link_reason)]
    records = listings.assign(intermediary_id=identified.ids, link_reason=reasons)
    source_records = pandera_schema(SOURCE_RECORDS).validate(records[list(SOURCE_RECORDS.columns)])
    intermediaries["first_seen"] = intermediaries["intermediary_id"].map(identified.first_seen)
    intermediaries["last_seen"] = today
    history = identified.history.reindex(columns=list(ID_HISTORY.columns))
    return Merged(intermediaries, source_records, identified.crosswalk, history,
                  tuple(warnings))


def _organizations(listings: pd.DataFrame, rank: np.ndarray, keys: pd.Series) -> pd.DataFrame:
    """One row per organization: each column from its first listing that has it, listings in
    source precedence then key order; ``sources`` lists every source it appears in."""
    ordered = listings.assign(_rank=rank, _key=keys.to_numpy()).sort_values(
        ["intermediary_id", "_rank", "_key"], kind="stable")
    columns = [c for c in [*LISTING_COLUMNS, *ORGANIZATION_COLUMNS]
               if c in INTERMEDIARIES.columns and c != "intermediary_id"]
    grouped = ordered.groupby("intermediary_id", sort=True)
    organizations = grouped[columns].first().reset_index()
    organizations["sources"] = grouped["source"].agg(
        lambda s: "; ".join(dict.fromkeys(s))).to_numpy()
    organizations = organizations.astype(object).where(organizations.notna(), None)
    given_county = organizations["county_fips"]
    located = locate_organizations(organizations).assign(activity="unknown")
    located["county_fips"] = given_county.where(given_county.notna(), located["county_fips"])
    return located.reindex(columns=list(INTERMEDIARIES.columns))


def link_events(events: Sequence[pd.DataFrame], source_records: pd.DataFrame) -> pd.DataFrame:
    """Events from every source, each given the intermediary of the listing it belongs to."""
    frames = [f.astype(object) for f in events if f is not None and len(f)]
    if not frames:
        return empty_frame(EVENTS)
    linked = pd.concat(frames, ignore_index=True)
    ids = source_records.set_index("record_id")["intermediary_id"]
    linked["intermediary_id"] = linked["record_id"].map(ids)
    linked = linked.dropna(subset=["intermediary_id"]).drop_duplicates("event_id")
    return pandera_schema(EVENTS).validate(linked.reindex(columns=list(EVENTS.columns)))


def source_status(results: Sequence[SourceRecords]) -> pd.DataFrame:
    """One row per source: fresh, carried forward or missing, with counts and problems."""
    rows = [
        {
            "source": r.source,
            "title": source_named(r.source).title,
            "status": r.status,
            "records": len(r.records),
            "source_url": r.url,
            "retrieved_at": r.retrieved_at,
            "snapshot": r.snapshot.rsplit("/", 1)[-1] if r.snapshot else None,
            "sample": r.sample,
            "problem": r.problem,
        }
        for r in results
    ]
    frame = pd.DataFrame(rows, columns=list(SOURCE_STATUS.columns))
    return pandera_schema(SOURCE_STATUS).validate(frame)
