"""The tables of one release, linked from every source's records: ``intermediaries``,
``source_records``, ``source_status``, ``events``, ``rejected_records``, ``id_history`` and each
source's own tables, with what they were built from (the inputs' fingerprint, live or replay,
sample or not, the id crosswalk) and where each table was validated against its schema.

This is the link step of the flow; ``pipelines.publish`` writes what it builds."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version as package_version
from pathlib import Path

import pandas as pd

from pipelines.fetch.records import SourceRecords
from pipelines.link.activity import attach_activity
from pipelines.link.ids import IdMemory
from pipelines.link.merge import link_events, merge_listings, source_rank, source_status
from pipelines.link.portals import PortalLinks, attach_ids, attach_portals, link_portals
from schemas.portals import DATA_PORTALS
from schemas.published import (
    CHANGES,
    EVENTS,
    ID_HISTORY,
    INTERMEDIARIES,
    SOURCE_RECORDS,
    SOURCE_STATUS,
    release_tables,
)
from schemas.rejected import REJECTED_RECORDS
from schemas.table import (
    Table,
    has_schema_types,
    schema_failures,
)
from sources.portals import NAME as PORTALS
from sources.registry import SOURCES
from sources.rejects import rejected_frame


def code_version() -> str:
    try:
        return package_version("civic-intermediaries")
    except Exception:
        return "0+unknown"


#: The packages whose code shapes a release; the bundled sample bodies are data, not code.
CODE_PACKAGES = ("pipelines", "sources", "schemas", "geography")
CODE_SUFFIXES = (".py", ".sql", ".html", ".js", ".css", ".json")


@cache
def code_digest() -> str:
    """A hash of the code that builds a release, so a changed rule, query or page publishes
    anew even when the package version and the sources are the same (the version alone let an
    upgraded checkout keep the old page and macros)."""
    return tree_digest(Path(__file__).resolve().parents[2])


def tree_digest(root: Path) -> str:
    """The paths and bytes of the code files of :data:`CODE_PACKAGES` under ``root``."""
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root)
            if (path.suffix in CODE_SUFFIXES and path.is_file()
                    and "sample" not in relative.parts[:2] and "__pycache__" not in path.parts):
                digest.update(f"\n{relative.as_posix()}\0".encode() + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class SchemaCheck:
    """A published table against its pandera schema, validated once: where, and what failed."""

    validated: str  # "when parsed", "when linked" or "by this check"
    failures: pd.DataFrame | None = None  # pandera's failure cases; None: it passed

    @property
    def passed(self) -> bool:
        return self.failures is None


# The linked tables each made by a pandera validation (merge_listings, attach_activity,
# link_events, source_status); a source's own tables are validated by its parser.
LINKED_VALIDATED = frozenset({INTERMEDIARIES.name, SOURCE_RECORDS.name, SOURCE_STATUS.name,
                              EVENTS.name})


def check_schema(table: Table, frame: pd.DataFrame, validated: str | None = None) -> SchemaCheck:
    """A frame validated where it was made (``validated`` says where) and still as that
    validation left it (columns and types) is not validated again; any other is, here."""
    if validated and has_schema_types(table, frame):
        return SchemaCheck(validated)
    return SchemaCheck("by this check", schema_failures(table, frame))


@dataclass(frozen=True)
class Release:
    """The tables of one release and what they were built from."""

    tables: Mapping[str, pd.DataFrame]
    schemas: tuple[Table, ...]  # published tables, in package order
    fingerprint: str
    sample: bool
    any_fresh: bool
    sources: list[dict]  # Frictionless "sources" entries
    # licences of sources that ask for attribution, listed beside the package's own
    licenses: tuple[dict, ...] = ()
    mode: str = "live"  # "replay" when built from a replay folder (the sample included)
    # the id crosswalk to keep beside the package (pipelines.link.ids); written by
    # publish() only when this release is published, so ids stay those of what was published
    crosswalk: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()  # for a maintainer: overrides that matched no listing, ...
    # counts of ``changes`` (publish.changes.summarise), once compared with the last release
    change_summary: Mapping[str, object] | None = None
    # each published table against its schema (``changes`` is checked where it is made)
    schema_checks: Mapping[str, SchemaCheck] = field(default_factory=dict)
    # how each source fared in the run (SourceRecords.run_facts): the run's report, never
    # part of the release's identity or tables
    run_sources: tuple[Mapping[str, object], ...] = ()

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def inputs_fingerprint(parts: list[tuple[str, str, str | None]]) -> str:
    """(source, what its data is, snapshot fingerprint) for every source plus the code (its
    version and :func:`code_digest`).

    What the release is made of, never how the run went: a source's status (fresh, carried
    forward) belongs to the run's report, so a run in which one source is carried forward and
    every other returns the same bytes has the fingerprint of the release it would replace and
    publishes nothing new. A source left out (no snapshot) changes it, as does sample data."""
    digest = hashlib.sha256(f"{code_version()}\0{code_digest()}".encode())
    for source, what, fingerprint in sorted(parts):
        digest.update(f"\n{source}\0{what}\0{fingerprint}".encode())
    return digest.hexdigest()


def portal_links(catalogs: pd.DataFrame, listings: list[pd.DataFrame]) -> PortalLinks:
    """The portals' catalogs linked against every other source's listings (the directory)."""
    frames = [f.astype(object) for f in listings if len(f)]
    directory = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["record_id", "source", "name", "kind", "state", "website"])
    return link_portals(catalogs, directory, source_rank(directory["source"].tolist()))


def build_release(results: list[SourceRecords], include_personal: bool = False,
                  memory: IdMemory | None = None, today: str | None = None) -> Release:
    """Merge every source's records into the published tables; each source's own records (and
    side tables) are published too, so nothing a source said is lost. ``memory`` is the id
    crosswalk and history beside the published release (``identity.read_memory``); without
    it every id is minted afresh."""
    by_name = {s.name: s for s in SOURCES}
    listings = [by_name[r.source].to_listings(r.records) for r in results if len(r.records)]
    catalogs = next((r.records for r in results if r.source == PORTALS and len(r.records)),
                    None)
    links = portal_links(catalogs, listings) if catalogs is not None else None
    if links is not None:
        listings.append(links.listings)
    merged = merge_listings(listings, memory, today=today)
    intermediaries, source_records = merged.intermediaries, merged.source_records
    intermediaries = attach_activity(intermediaries, source_records,
                                     [r.activity for r in results])
    portals = attach_ids(links.portals, source_records) if links is not None else None
    if portals is not None:
        intermediaries = attach_portals(intermediaries, portals)
    tables = {
        INTERMEDIARIES.name: intermediaries,
        SOURCE_RECORDS.name: source_records,
        SOURCE_STATUS.name: source_status(results),
        EVENTS.name: link_events([r.events for r in results], source_records),
        REJECTED_RECORDS.name: rejected_frame([j for r in results for j in r.rejected]),
        ID_HISTORY.name: merged.id_history,
    }
    schemas = [t for t in release_tables((by_name[r.source].tables for r in results),
                                         include_personal) if t.name != CHANGES.name]
    columns = {t.name: list(t.columns) for t in schemas}  # personal ones withheld unless asked
    validated = dict.fromkeys(LINKED_VALIDATED, "when linked")
    for result in results:
        source = by_name[result.source]
        tables[source.table.name] = result.records[columns[source.table.name]]
        if result.source == PORTALS and portals is not None:
            tables[source.table.name] = portals[columns[source.table.name]]
        for side in source.side_tables:
            tables[side.table.name] = result.side[side.table.name][columns[side.table.name]]
        validated.update(dict.fromkeys(
            [source.table.name, *(side.table.name for side in source.side_tables)],
            "when parsed"))
    if portals is not None:
        validated[DATA_PORTALS.name] = "when linked"
    return Release(
        tables=tables,
        schemas=tuple(schemas),
        fingerprint=inputs_fingerprint(
            [(r.source, "sample" if r.sample else "data", r.fingerprint) for r in results]
            + [("settings", "include_personal", str(include_personal))]
        ),
        sample=any(r.sample for r in results if r.status != "missing"),
        any_fresh=any(r.status == "fresh" for r in results),
        sources=[{"title": by_name[r.source].title, "path": r.url} for r in results],
        licenses=tuple(dict(by_name[r.source].license) for r in results
                       if by_name[r.source].license and r.status != "missing"),
        mode="replay" if any(r.replayed for r in results) else "live",
        crosswalk=merged.crosswalk,
        warnings=merged.warnings,
        schema_checks={t.name: check_schema(t, tables[t.name], validated.get(t.name))
                       for t in schemas},
        run_sources=tuple(r.run_facts() for r in results),
    )
