"""Publish a release: write every table as CSV with its Frictionless data package, the DuckDB
file and Parquet copies, the change log, the id crosswalk and a page to look at, into a new
folder, validate it, and only then make it current.

Each release is written complete into its own folder and only then made current
(``pipelines.publish.folders``), so a failed or killed run never leaves a half-written or invalid
publication behind. A release records the fingerprint of its inputs; a run whose inputs are
unchanged publishes nothing new. The tables come from the link step
(``pipelines.link.tables``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.link.tables import Release
from pipelines.publish.changes import with_changes
from pipelines.publish.crosswalk import CROSSWALK_FILE, write_crosswalk
from pipelines.publish.csv_writer import write_csv
from pipelines.publish.database import write_duckdb, write_parquet
from pipelines.publish.docs import first_sentence
from pipelines.publish.folders import (
    DUCKDB_FILE,
    PACKAGE_FILE,
    PAGE_FILE,
    PARQUET_FOLDER,
    current_release,
    finish,
    prune_releases,
    read_descriptor,
    release_versions,
    start_staging,
    version_for,
)
from pipelines.publish.package import (
    PackageInvalid,
    package_descriptor,
    package_state,
    package_title,
    validate_package,
)


@dataclass(frozen=True)
class PublishOutcome:
    published: bool
    path: str  # the release folder written, or the one kept
    reason: str
    validated: bool = False  # validated in this run before it was made current
    version: str | None = None
    pruned: tuple[str, ...] = ()  # old releases removed (INTERMEDIARIES_KEEP_RELEASES)
    change_summary: Mapping[str, object] | None = None  # of the release written


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
