"""Assemble, store and publish a release: the linked tables as CSVs with a Frictionless data
package, Parquet copies, a DuckDB file, the change log and a page to look at.

Each release is written complete into its own folder and only then made current
(``pipelines.publish.folders``), so a failed or killed run never leaves a half-written or invalid
publication behind. A release records the fingerprint of its inputs; a run whose inputs are
unchanged publishes nothing new.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.answer.sql import install_macros
from pipelines.fetch.records import SourceRecords
from pipelines.link.activity import attach_activity
from pipelines.link.ids import IdMemory
from pipelines.link.merge import link_events, merge_listings, source_status
from pipelines.publish.changes import as_text, diff_releases, read_previous, summarise
from pipelines.publish.crosswalk import CROSSWALK_FILE, write_crosswalk
from pipelines.publish.csv_writer import write_csv
from pipelines.publish.docs import first_sentence
from pipelines.publish.folders import (
    DUCKDB_FILE,
    PACKAGE_FILE,
    PAGE_FILE,
    PARQUET_FOLDER,
    current_release,
    finish,
    prune_releases,
    release_versions,
    start_staging,
    version_for,
)
from schemas.published import (
    CHANGES,
    EVENTS,
    ID_HISTORY,
    INTERMEDIARIES,
    LINKED,
    SOURCE_RECORDS,
    SOURCE_STATUS,
    release_tables,
)
from schemas.rejected import REJECTED_RECORDS
from schemas.table import (
    Table,
    duckdb_ddl,
    has_schema_types,
    schema_failures,
    table_schema,
)
from sources.registry import SOURCES
from sources.rejects import rejected_frame

PACKAGE_NAME = "civic-data-intermediaries"
DATA_LICENSE = {
    "name": "ODC-BY-1.0",
    "path": "https://opendatacommons.org/licenses/by/1-0/",
    "title": "Open Data Commons Attribution License v1.0",
}


def code_version() -> str:
    try:
        return package_version("civic-intermediaries")
    except Exception:
        return "0+unknown"


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
    mode: str = "live"  # "replay" when built from a replay folder (the sample included)
    # the id crosswalk to keep beside the package (pipelines.link.ids); written by
    # publish() only when this release is published, so ids stay those of what was published
    crosswalk: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()  # for a maintainer: overrides that matched no listing, ...
    # counts of ``changes`` (publish.changes.summarise), once compared with the last release
    change_summary: Mapping[str, object] | None = None
    # each published table against its schema (``changes`` is checked where it is made)
    schema_checks: Mapping[str, SchemaCheck] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]


@dataclass(frozen=True)
class PublishOutcome:
    published: bool
    path: str  # the release folder written, or the one kept
    reason: str
    validated: bool = False  # validated in this run before it was made current
    version: str | None = None
    pruned: tuple[str, ...] = ()  # old releases removed (INTERMEDIARIES_KEEP_RELEASES)
    change_summary: Mapping[str, object] | None = None  # of the release written


def inputs_fingerprint(parts: list[tuple[str, str, str | None]]) -> str:
    """(source, status, snapshot fingerprint) for every source plus the code version."""
    digest = hashlib.sha256(code_version().encode())
    for source, status, fingerprint in sorted(parts):
        digest.update(f"\n{source}\0{status}\0{fingerprint}".encode())
    return digest.hexdigest()


def why_not_publish(release: Release, current_fingerprint: str | None,
                    current_mode: str | None = None, exists: bool = True) -> str | None:
    """Why this release must not replace what the folder holds, or None to publish."""
    if current_mode == "live" and release.mode == "replay":
        return ("the folder holds a live release and this is a replay run; a replay or sample "
                "never overwrites a live release: publish it to its own folder (--output-dir)")
    if not release.any_fresh:
        if not exists:
            return ("there is no release yet, and no source produced data in this run: run "
                    "`make sample` to look around with the bundled sample, or check the "
                    "network and run `make run` again")
        return "no source produced new data in this run; the previous release is kept as it was"
    if current_fingerprint == release.fingerprint:
        return "the sources are unchanged since the published release; nothing new to publish"
    return None


def build_release(results: list[SourceRecords], include_personal: bool = False,
                  memory: IdMemory | None = None, today: str | None = None) -> Release:
    """Merge every source's records into the published tables; each source's own records (and
    side tables) are published too, so nothing a source said is lost. ``memory`` is the id
    crosswalk and history beside the published release (``identity.read_memory``); without
    it every id is minted afresh."""
    by_name = {s.name: s for s in SOURCES}
    listings = [by_name[r.source].to_listings(r.records) for r in results if len(r.records)]
    merged = merge_listings(listings, memory, today=today)
    intermediaries, source_records = merged.intermediaries, merged.source_records
    intermediaries = attach_activity(intermediaries, source_records,
                                     [r.activity for r in results])
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
        for side in source.side_tables:
            tables[side.table.name] = result.side[side.table.name][columns[side.table.name]]
        validated.update(dict.fromkeys(
            [source.table.name, *(side.table.name for side in source.side_tables)],
            "when parsed"))
    return Release(
        tables=tables,
        schemas=tuple(schemas),
        fingerprint=inputs_fingerprint(
            [(r.source, f"{r.status}{' sample' if r.sample else ''}", r.fingerprint)
             for r in results]
            + [("settings", "include_personal", str(include_personal))]
        ),
        sample=any(r.sample for r in results if r.status != "missing"),
        any_fresh=any(r.status == "fresh" for r in results),
        sources=[{"title": by_name[r.source].title, "path": r.url} for r in results],
        mode="replay" if any(r.replayed for r in results) else "live",
        crosswalk=merged.crosswalk,
        warnings=merged.warnings,
        schema_checks={t.name: check_schema(t, tables[t.name], validated.get(t.name))
                       for t in schemas},
    )


def with_changes(release: Release, previous: Path | None, since: str | None) -> Release:
    """The release with its change log: ``changes`` compared with the intermediaries of the
    release in ``previous`` (a release folder; None for a first release)."""
    current = as_text(release.table(INTERMEDIARIES.name))
    frame = diff_releases(read_previous(previous), current, release.table(ID_HISTORY.name))
    return attach_changes(release, frame, since if previous is not None else None)


def attach_changes(release: Release, frame: pd.DataFrame, since: str | None) -> Release:
    """``changes`` placed after the linked tables, with its counts."""
    linked = {t.name for t in LINKED}
    schemas = tuple(t for t in release.schemas if t.name != CHANGES.name)
    core = [t for t in schemas if t.name in linked]
    return replace(
        release,
        tables={**release.tables, CHANGES.name: frame},
        schemas=(*core, CHANGES, *(t for t in schemas if t.name not in linked)),
        change_summary=summarise(frame, since),
    )


# --- DuckDB and Parquet ----------------------------------------------------------------------

VIEWS = (
    """CREATE VIEW intermediaries_by_state AS
       SELECT state, count(*) AS intermediaries, string_agg(DISTINCT kind, '; ') AS kinds
       FROM intermediaries WHERE state IS NOT NULL GROUP BY state ORDER BY state""",
    # "If there is none here, which is the nearest?": great-circle distance in kilometres.
    """CREATE MACRO nearest_intermediaries(lat, lon, n := 10) AS TABLE
       SELECT *, round(2 * 6371 * asin(sqrt(
           pow(sin(radians(latitude - lat) / 2), 2)
           + cos(radians(lat)) * cos(radians(latitude))
             * pow(sin(radians(longitude - lon) / 2), 2))), 1) AS distance_km
       FROM intermediaries
       WHERE latitude IS NOT NULL AND location_precision NOT IN ('region', 'none')
       ORDER BY distance_km, name LIMIT n""",
)


def write_duckdb(release: Release, path: Path, created: str, version: str) -> None:
    """Every table (typed: DATE, TIMESTAMPTZ, ...), the views and the ``near`` macros."""
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        for table in release.schemas:
            con.execute(duckdb_ddl(table))
            con.register("frame", release.table(table.name)[list(table.columns)])
            con.execute(f'INSERT INTO "{table.name}" SELECT * FROM frame')
            con.unregister("frame")
        for statement in VIEWS:
            con.execute(statement)
        install_macros(con)  # near(), near_kind(): the answer in SQL
        con.execute(
            "CREATE TABLE release_info AS SELECT ? AS inputs_fingerprint, "
            "CAST(? AS TIMESTAMPTZ) AS created, ? AS sample, ? AS mode, ? AS code_version, "
            "? AS version",
            [release.fingerprint, created, release.sample, release.mode, code_version(),
             version],
        )


def write_parquet(database: Path, folder: Path, tables: tuple[Table, ...]) -> None:
    """A Parquet copy of every table, read back from the DuckDB file so the column types are
    the database's (dates as date32, times as UTC timestamps), written with pyarrow."""
    import pyarrow.parquet as pq

    folder.mkdir(exist_ok=True)
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for table in tables:
            arrow = con.table(f'"{table.name}"').to_arrow_table()
            pq.write_table(arrow, folder / f"{table.name}.parquet", compression="zstd")


# --- Frictionless data package -----------------------------------------------------------

def package_title(release: Release) -> str:
    title = "Civic data intermediaries"
    if release.sample:
        title += " (SAMPLE: built from recorded sample data, not a live refresh)"
    return title


def package_descriptor(release: Release, created: str, version: str) -> dict:
    description = (
        "Organizations a community can call on to find and use local data, gathered from "
        "public listings (see sources) and linked into one row per organization."
    )
    if release.sample:
        description = (
            "SAMPLE RELEASE built from recorded fixture or sample snapshots. " + description
        )
    summary = dict(release.change_summary or {})
    return {
        "name": PACKAGE_NAME,
        "title": package_title(release),
        "description": description,
        "version": version,
        "created": created,
        "licenses": [DATA_LICENSE],
        "sources": release.sources,
        "sample": release.sample,
        "mode": release.mode,
        "inputs_fingerprint": release.fingerprint,
        "changes_since": summary.pop("since", None),
        "change_counts": summary,
        "parquet": f"{PARQUET_FOLDER}/",
        "resources": [
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": table.description,
                "schema": table_schema(table),
            }
            for table in release.schemas
        ],
    }


def read_descriptor(path: Path) -> dict:
    """A published ``datapackage.json``; empty when there is none or it cannot be read."""
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return descriptor if isinstance(descriptor, dict) else {}


def package_state(descriptor: Mapping) -> tuple[str | None, str | None]:
    """(inputs fingerprint, mode) of a published package (``read_descriptor``), (None, None)
    when there is none. Packages from before ``mode`` was recorded are 'replay' when marked
    sample."""
    if not descriptor:
        return None, None
    mode = descriptor.get("mode") or ("replay" if descriptor.get("sample") else "live")
    return descriptor.get("inputs_fingerprint"), mode


def validate_package(descriptor_path: Path) -> list[str]:
    """Validation errors of a package on disk (empty when valid). Frictionless validates the
    descriptor as written and every table against its schema (header, types, constraints,
    primary key); the foreign keys are checked here, each referenced key read once.
    Frictionless reads a referenced table in full again for every table that refers to it
    (source_records ten times): half of its time, two seconds at 15,000 organizations."""
    from frictionless import FrictionlessException, Package

    try:
        package = Package(str(descriptor_path))
    except FrictionlessException as error:
        return [f"{e.type}: {e.message}" for e in error.to_errors()][:20]
    foreign_keys = {r.name: r.schema.foreign_keys for r in package.resources}
    paths = {r.name: descriptor_path.parent / r.path for r in package.resources if r.path}
    for resource in package.resources:
        resource.schema.foreign_keys = []  # checked below
    report = package.validate()
    errors = [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors][:20] + [
        f"{e.type}: {e.message}" for e in report.errors][:20]
    return errors + foreign_key_errors(foreign_keys, paths)[:20]


def foreign_key_errors(foreign_keys: Mapping[str, list[dict]],
                       paths: Mapping[str, Path]) -> list[str]:
    """Rows of the written CSVs whose foreign key is not a key of the table it refers to
    (a row whose key is empty refers to nothing), worded as Frictionless words them. Keys are
    compared as written: both sides come from the same writer, and every key is text."""
    lookups: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...]]] = {}
    errors = []
    for name, keys in foreign_keys.items():
        for key in keys:
            fields = tuple(key["fields"])
            other = key["reference"]["resource"] or name
            other_fields = tuple(key["reference"]["fields"])
            if other not in paths:
                errors.append(f"foreign-key: the table {name} refers to {other}, which the "
                              "package does not have")
                continue
            if (other, other_fields) not in lookups:
                lookups[(other, other_fields)] = {
                    row for _, row in _key_cells(paths[other], other_fields) if any(row)}
            known = lookups[(other, other_fields)]
            errors += [
                f'foreign-key: Row at position "{position}" of {name} violates the foreign '
                f'key: for "{", ".join(fields)}": values "{", ".join(row)}" not found in the '
                f'lookup table "{other}" as "{", ".join(other_fields)}"'
                for position, row in _key_cells(paths[name], fields)
                if any(row) and row not in known]
    return errors


def _key_cells(path: Path, fields: tuple[str, ...]) -> list[tuple[int, tuple[str, ...]]]:
    """(row position as Frictionless counts it, the key's cells) of each row of a CSV; none
    when it cannot be read (Frictionless reports that)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            columns = [header.index(f) for f in fields]
            return [(position, tuple(row[c] for c in columns))
                    for position, row in enumerate(reader, start=2)]
    except (OSError, ValueError, IndexError, StopIteration, csv.Error):
        return []


class PackageInvalid(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("the data package did not validate; nothing was published:\n  "
                         + "\n  ".join(errors))


# --- The release folder -----------------------------------------------------------------------

def write_release_files(release: Release, folder: Path, created: str, version: str) -> None:
    """Everything a release holds, into ``folder``; the package is validated before the
    DuckDB, Parquet and page copies are made from the same tables."""
    for table in release.schemas:
        write_csv(release.table(table.name), table.columns, folder / f"{table.name}.csv")
    if release.crosswalk is not None:  # the ids of what is published, beside it
        write_crosswalk(release.crosswalk, folder / CROSSWALK_FILE)
    descriptor = package_descriptor(release, created, version)
    (folder / PACKAGE_FILE).write_text(json.dumps(descriptor, indent=2) + "\n",
                                       encoding="utf-8")
    errors = validate_package(folder / PACKAGE_FILE)
    if errors:
        raise PackageInvalid(errors)
    write_duckdb(release, folder / DUCKDB_FILE, created, version)
    write_parquet(folder / DUCKDB_FILE, folder / PARQUET_FOLDER, release.schemas)
    write_page(release, folder / PAGE_FILE, created, version)


def write_page(release: Release, path: Path, created: str, version: str) -> None:
    from pipelines.publish.page import render_index

    files = [(PACKAGE_FILE, "the Frictionless data package: a schema for every CSV"),
             *((f"{t.name}.csv", first_sentence(t.description)) for t in release.schemas),
             (DUCKDB_FILE, "every table in DuckDB, with the near() macros (open read-only)"),
             (f"{PARQUET_FOLDER}/", "every table as Parquet, dates and times typed")]
    info = {"version": version, "created": created, "sample": release.sample,
            "mode": release.mode, "title": package_title(release), "files": files}
    path.write_text(render_index(release.tables, release.change_summary or {}, info),
                    encoding="utf-8")


def publish(release: Release, outputs: Path, created: str, keep: int = 5) -> PublishOutcome:
    """Write the release into ``outputs/releases/<version>/`` and make it current, unless
    it must not replace the current one (``why_not_publish``); keep the newest ``keep``."""
    current = current_release(outputs)
    descriptor = read_descriptor(current / PACKAGE_FILE) if current else {}
    fingerprint, mode = package_state(descriptor)
    reason = why_not_publish(release, fingerprint, mode, current is not None)
    if reason:
        return PublishOutcome(False, str(current or outputs), reason)
    version = version_for(created, set(release_versions(outputs)))
    if release.change_summary is None:
        since = descriptor.get("version")
        release = with_changes(release, current, str(since) if since else None)
    staging = start_staging(outputs, version)
    try:
        write_release_files(release, staging, created, version)
        folder = finish(outputs, staging, version)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already once finished
    pruned = prune_releases(outputs, keep)
    return PublishOutcome(True, str(folder), "written", validated=True, version=version,
                          pruned=tuple(pruned), change_summary=release.change_summary)


def previous_version(folder: Path | None) -> str | None:
    """The version a release folder's package names (a legacy release: its created day)."""
    since = read_descriptor(folder / PACKAGE_FILE).get("version") if folder else None
    return str(since) if since else None


def utc_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
