"""Fetch one source into a new snapshot, or pick the snapshot a replay reads.

Plain functions, so the rules are tested without Dagster: a source that cannot be fetched is
reported by name (source, URL, what went wrong) and never raises; the snapshot archive keeps
every earlier snapshot, so a failed fetch touches nothing that was good.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sources.base import Recorder, Source
from sources.errors import SnapshotError, SourceError, SourceSkipped
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import SnapshotWriter, latest_snapshot


@dataclass(frozen=True)
class FetchOutcome:
    """What the fetch step produced: a snapshot folder, or the reason there is none."""

    source: str
    url: str
    snapshot: str | None
    replayed: bool
    problem: str | None = None
    skipped: bool = False


def fetch_source(
    source: Source,
    url: str,
    snapshot_root: Path,
    http: HttpSettings,
    upstream: Mapping[str, pd.DataFrame] | None = None,
    progress: Callable[[str], None] | None = None,
) -> FetchOutcome:
    """Run the source's fetch plan into a new snapshot. Never raises for source failures."""
    try:
        previous = latest_snapshot(snapshot_root, source.name)
    except SnapshotError:  # a corrupt earlier snapshot: fetch without conditional requests
        previous = None
    writer = SnapshotWriter(snapshot_root, source.name, mode="live")
    client = PoliteClient(source=source.name, settings=http)
    try:
        source.fetch(Recorder(client, writer, previous, progress), url, upstream or {})
    except SourceError as error:
        writer.discard()
        return FetchOutcome(source.name, url, None, replayed=False, problem=str(error),
                            skipped=isinstance(error, SourceSkipped))
    except Exception as error:  # a bug or surprise in one source must not stop the others
        writer.discard()
        problem = f"{source.name}: fetch failed ({url}): {type(error).__name__}: {error}"
        return FetchOutcome(source.name, url, None, replayed=False, problem=problem)
    finally:
        client.close()
    if not writer.pages:
        writer.discard()
        failures = "; ".join(f.error for f in writer.failures[:3])
        problem = f"{source.name}: nothing could be fetched ({url}): {failures or 'no pages'}"
        return FetchOutcome(source.name, url, None, replayed=False, problem=problem)
    snapshot = writer.close()
    return FetchOutcome(source.name, url, str(snapshot.folder), replayed=False)


def replay_source(source: Source, url: str, replay_root: Path) -> FetchOutcome:
    """Pick the newest complete snapshot of the source under ``replay_root``; no network."""
    if not replay_root.is_dir():
        raise SnapshotError(f"replay folder {replay_root} does not exist; expected a folder of "
                            "snapshots (<source>/<stamp>/manifest.json)")
    try:
        snapshot = latest_snapshot(replay_root, source.name)
    except SnapshotError as error:
        return FetchOutcome(source.name, url, None, replayed=True,
                            problem=f"{source.name}: {error}")
    if snapshot is None:
        problem = (f"{source.name}: no snapshot to replay under {replay_root / source.name}; "
                   "expected a folder holding manifest.json")
        return FetchOutcome(source.name, url, None, replayed=True, problem=problem)
    return FetchOutcome(source.name, url, str(snapshot.folder), replayed=True)
