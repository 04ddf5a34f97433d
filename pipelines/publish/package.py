"""The Frictionless data package of a release: its descriptor (a Table Schema per CSV, licence,
sources, version, changes) and its validation, which must pass before a release is made
current."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from pipelines.link.tables import Release
from pipelines.publish.folders import (
    PARQUET_FOLDER,
)
from schemas.table import (
    table_schema,
)

PACKAGE_NAME = "civic-data-intermediaries"


DATA_LICENSE = {
    "name": "ODC-BY-1.0",
    "path": "https://opendatacommons.org/licenses/by/1-0/",
    "title": "Open Data Commons Attribution License v1.0",
}


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
        "licenses": [DATA_LICENSE, *release.licenses],
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
