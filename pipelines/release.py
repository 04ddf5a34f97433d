"""Assemble, store and publish a release: the linked tables, a DuckDB file and a Frictionless
data package.

Both are written beside the old release and swapped in only when complete and valid, so a
failed run never leaves a half-written or invalid publication behind. A release records the
fingerprint of its inputs; a run whose inputs are unchanged publishes nothing new.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.activity import attach_activity
from pipelines.collect import SourceRecords
from pipelines.identity import CROSSWALK_FILE, IdMemory, write_crosswalk
from pipelines.merge import link_events, merge_listings, source_status
from pipelines.near_sql import install_macros
from schemas.published import EVENTS, ID_HISTORY, INTERMEDIARIES, SOURCE_RECORDS, SOURCE_STATUS
from schemas.rejected import REJECTED_RECORDS
from schemas.table import Table, duckdb_ddl, published, table_schema
from sources.registry import SOURCES
from sources.rejects import rejected_frame

DUCKDB_FILE = "intermediaries.duckdb"
PACKAGE_FILE = "datapackage.json"
PACKAGE_NAME = "civic-data-intermediaries"
DATA_LICENSE = {
    "name": "ODC-BY-1.0",
    "path": "https://opendatacommons.org/licenses/by/1-0/",
    "title": "Open Data Commons Attribution License v1.0",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list of formula triggers


def code_version() -> str:
    try:
        return package_version("civic-intermediaries")
    except Exception:
        return "0+unknown"


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
    # the id crosswalk to keep beside the package (pipelines.identity); written by
    # write_package only when this release is published, so ids stay those of what was published
    crosswalk: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()  # for a maintainer: overrides that matched no listing, ...

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]


@dataclass(frozen=True)
class PublishOutcome:
    published: bool
    path: str
    reason: str
    validated: bool = False  # validated in this run before it was swapped in


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
    schemas = [INTERMEDIARIES, SOURCE_RECORDS, SOURCE_STATUS, EVENTS, REJECTED_RECORDS,
               ID_HISTORY]
    for result in results:
        source = by_name[result.source]
        table = published(source.table, include_personal,
                          foreign_keys=(("record_id", SOURCE_RECORDS.name, "record_id"),))
        tables[table.name] = result.records[list(table.columns)]
        schemas.append(table)
        for side in source.side_tables:
            side_table = published(side.table, include_personal)
            tables[side_table.name] = result.side[side_table.name][list(side_table.columns)]
            schemas.append(side_table)
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
    )


# --- DuckDB -------------------------------------------------------------------------------

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


def duckdb_fingerprint(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute("SELECT inputs_fingerprint FROM release_info").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def write_duckdb(release: Release, output_dir: Path, created: str) -> PublishOutcome:
    """Write every table to a new DuckDB file, then swap it in atomically."""
    target = output_dir / DUCKDB_FILE
    _, mode = package_state(output_dir / PACKAGE_FILE)
    reason = why_not_publish(release, duckdb_fingerprint(target), mode, target.is_file())
    if reason:
        return PublishOutcome(False, str(target), reason)
    output_dir.mkdir(parents=True, exist_ok=True)
    tmp = output_dir / f".{DUCKDB_FILE}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as con:
            for table in release.schemas:
                con.execute(duckdb_ddl(table))
                frame = release.table(table.name)
                con.register("frame", frame)
                con.execute(f'INSERT INTO "{table.name}" SELECT * FROM frame')
                con.unregister("frame")
            for statement in VIEWS:
                con.execute(statement)
            install_macros(con)  # near(), near_kind(): the answer in SQL
            con.execute(
                "CREATE TABLE release_info AS SELECT ? AS inputs_fingerprint, "
                "CAST(? AS TIMESTAMPTZ) AS created, ? AS sample, ? AS mode, ? AS code_version",
                [release.fingerprint, created, release.sample, release.mode, code_version()],
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return PublishOutcome(True, str(target), "written")


# --- Frictionless data package -----------------------------------------------------------

def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise text a spreadsheet would run as a formula (OWASP CSV injection advice)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == "string" or safe[column].dtype == object:
            safe[column] = safe[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v
            )
    return safe


def package_descriptor(release: Release, created: str) -> dict:
    title = "Civic data intermediaries"
    description = (
        "Organizations a community can call on to find and use local data, gathered from "
        "public listings (see sources) and linked into one row per organization."
    )
    if release.sample:
        title += " (SAMPLE: built from recorded sample data, not a live refresh)"
        description = (
            "SAMPLE RELEASE built from recorded fixture or sample snapshots. " + description
        )
    return {
        "name": PACKAGE_NAME,
        "title": title,
        "description": description,
        "version": datetime.fromisoformat(created.replace("Z", "+00:00")).strftime("%Y.%-m.%-d"),
        "created": created,
        "licenses": [DATA_LICENSE],
        "sources": release.sources,
        "sample": release.sample,
        "mode": release.mode,
        "inputs_fingerprint": release.fingerprint,
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


def package_state(path: Path) -> tuple[str | None, str | None]:
    """(inputs fingerprint, mode) of the published package, (None, None) when there is none.
    Packages from before ``mode`` was recorded are 'replay' when marked sample."""
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(descriptor, dict):
        return None, None
    mode = descriptor.get("mode") or ("replay" if descriptor.get("sample") else "live")
    return descriptor.get("inputs_fingerprint"), mode


def validate_package(descriptor_path: Path) -> list[str]:
    """Frictionless validation errors of a package on disk (empty when valid)."""
    from frictionless import validate

    report = validate(str(descriptor_path))
    if report.valid:
        return []
    return [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors][:20] + [
        f"{e.type}: {e.message}" for e in report.errors
    ][:20]


def write_package(release: Release, output_dir: Path, created: str) -> PublishOutcome:
    """Write CSVs and datapackage.json to a staging folder, validate, then swap them in."""
    target = output_dir / PACKAGE_FILE
    fingerprint, mode = package_state(target)
    reason = why_not_publish(release, fingerprint, mode, target.is_file())
    if reason:
        return PublishOutcome(False, str(target), reason)
    staging = output_dir / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for table in release.schemas:
            write_csv(release.table(table.name), table, staging / f"{table.name}.csv")
        if release.crosswalk is not None:
            write_crosswalk(release.crosswalk, staging / CROSSWALK_FILE)
        descriptor = package_descriptor(release, created)
        (staging / PACKAGE_FILE).write_text(json.dumps(descriptor, indent=2) + "\n",
                                            encoding="utf-8")
        errors = validate_package(staging / PACKAGE_FILE)
        if errors:
            raise PackageInvalid(errors)
        # data first, descriptor last: readers see the old release or the new one
        for table in release.schemas:
            os.replace(staging / f"{table.name}.csv", output_dir / f"{table.name}.csv")
        if release.crosswalk is not None:  # the ids of what is published, beside it
            os.replace(staging / CROSSWALK_FILE, output_dir / CROSSWALK_FILE)
        os.replace(staging / PACKAGE_FILE, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PublishOutcome(True, str(target), "written", validated=True)


def write_csv(frame: pd.DataFrame, table: Table, path: Path) -> None:
    spreadsheet_safe(frame[list(table.columns)]).to_csv(
        path, index=False, encoding="utf-8", lineterminator="\n"
    )


class PackageInvalid(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("the data package did not validate; nothing was published:\n  "
                         + "\n  ".join(errors))


def utc_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
