"""Finding the release a command reads, and reading what it says about itself: its DuckDB
file (opened read-only), ``release_info``, the changes since the release before.

The file names and where a release keeps its DuckDB file are ``pipelines.publish.folders``,
which imports neither pandas nor DuckDB; DuckDB is imported only to open the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipelines.cli.console import Refused
from pipelines.publish.folders import DUCKDB_FILE, read_descriptor, release_databases
from schemas.codes import CHANGE_KINDS


class NoRelease(Refused):
    """There is no release to read; the message says how to get one."""


def output_root() -> Path:
    """The output folder, as INTERMEDIARIES_OUTPUT_DIR says. The one variable read outside
    ``pipelines.settings``, on purpose: the settings model is a Dagster resource, and ``near``
    starts without importing Dagster (a bad value is reported by the commands that run the
    pipeline, which read every variable through the model)."""
    return Path(os.environ.get("INTERMEDIARIES_OUTPUT_DIR") or "outputs")


def resolve_release(path: Path | None = None) -> Path:
    """The DuckDB file of the release to read.

    ``path`` may be the file or a release folder; by default the current release:
    ``outputs/current/intermediaries.duckdb`` (versioned releases) if it exists, else
    ``outputs/intermediaries.duckdb``."""
    if path is not None:
        candidates = release_databases(path) if path.is_dir() else [path]
    else:
        candidates = release_databases(output_root())
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    where = " or ".join(str(c) for c in candidates)
    root = output_root()
    others = [d for d in (root / "sample", root / "replay") if (d / DUCKDB_FILE).is_file()]
    if others:
        message = (f"no release at {where}; a sample or replay release is there: add "
                   + " or ".join(f"--release {d}" for d in others)
                   + ". `make run` fetches every source and publishes the live release.")
    else:
        message = (f"no release yet ({where} does not exist). `make sample` builds one from "
                   "the bundled sample snapshots (into outputs/sample/: add --release "
                   "outputs/sample); `make run` fetches every source and publishes to "
                   "outputs/.")
    raise NoRelease(message)


def connect(path: Path) -> Any:
    """The release's DuckDB file, read-only (a refresh writes a new file, never this one)."""
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise NoRelease(f"{path}: cannot be opened as a DuckDB release ({error}).") from error


def release_info(con: Any, path: Path) -> dict[str, Any]:
    """What the release says about itself (``release_info``), tolerant of older layouts."""
    info: dict[str, Any] = {"path": str(path)}
    try:
        cursor = con.cursor()
        cursor.execute("SELECT * FROM release_info LIMIT 1")
        names = [d[0] for d in cursor.description]
        row = cursor.fetchall()
    except Exception:  # noqa: BLE001 (a release from before release_info)
        return info
    if row:
        for name, value in zip(names, row[0], strict=True):
            if name in ("created", "sample", "mode", "code_version", "version"):
                info[name] = value if isinstance(value, bool | None) else cell(value)
    return info


def changes_since(descriptor: Path) -> str | None:
    """The version the release's changes compare with (``datapackage.json``), if any."""
    since = read_descriptor(descriptor).get("changes_since")
    return str(since) if since else None


def change_counts(con: Any) -> dict[str, int] | None:
    """Organizations per change in the release's ``changes`` table; None before it existed."""
    cursor = con.cursor()
    try:
        cursor.execute("SELECT change, count(DISTINCT intermediary_id) FROM changes "
                       "GROUP BY change")
    except Exception:  # noqa: BLE001 (a release from before the change log)
        return None
    found = dict(cursor.fetchall())
    return {kind: int(found[kind]) for kind in CHANGE_KINDS if kind in found}


def cell(value: Any) -> str:
    """Table text: times as ISO 8601 UTC ('2026-11-01T12:00:00Z'), nothing as ''."""
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        from datetime import UTC

        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)
