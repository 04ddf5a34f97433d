"""The change log: what changed in ``intermediaries`` since the previous release, by stable id.

Both releases are compared as their CSVs show them (text, '' for empty), so a change listed
here is one a user of the CSV would see, and a float or date formatting difference between
pandas and the file never shows up as a change.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipelines.link.tables import Release
from pipelines.publish.csv_writer import write_csv
from schemas.codes import CHANGE_KINDS
from schemas.published import CHANGES, ID_HISTORY, INTERMEDIARIES, LINKED

ID = "intermediary_id"
# change on every refresh (when and where a listing was read), so they are not compared
NOT_COMPARED = ("retrieved_at", "source_url", "last_seen", "activity_as_of")
ORDER = {kind: position for position, kind in enumerate(CHANGE_KINDS)}


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as its CSV reads back (the release's own CSV writer): every value text, ''
    for missing."""
    buffer = io.StringIO()
    write_csv(frame, INTERMEDIARIES.columns, buffer)
    buffer.seek(0)
    return read_text(buffer)


def read_text(path: Path | io.StringIO) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def read_previous(release_dir: Path | None) -> pd.DataFrame | None:
    """The previous release's intermediaries as text, or None when there is none."""
    if release_dir is None:
        return None
    path = release_dir / f"{INTERMEDIARIES.name}.csv"
    return read_text(path) if path.is_file() else None


def _last_events(id_history: pd.DataFrame, kind: str) -> dict[str, str]:
    """id -> other id of the newest ``kind`` event ('merged' or 'split') in the history."""
    if id_history is None or not len(id_history):
        return {}
    events = id_history[id_history["id_event"] == kind]
    return {str(row[ID]): str(row["other_intermediary_id"] or "")
            for _, row in events.iterrows()}


def diff_releases(previous: pd.DataFrame | None, current: pd.DataFrame,
                  id_history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of ``changes``: ``previous`` and ``current`` are intermediaries as text
    (``as_text``/``read_text``); ``id_history`` tells merges and splits apart from plain
    removals and additions. No previous release: no changes (the release is the first)."""
    columns = list(CHANGES.columns)
    if previous is None:
        return pd.DataFrame(columns=columns, dtype="string")
    old = previous.drop_duplicates(ID).set_index(ID)
    new = current.drop_duplicates(ID).set_index(ID)
    merged_into = _last_events(id_history, "merged")
    split_from = _last_events(id_history, "split")
    rows: list[dict[str, str]] = []
    for intermediary_id in new.index.difference(old.index):
        other = split_from.get(intermediary_id, "")
        rows.append({"change": "split" if other else "added", ID: intermediary_id,
                     "name": new.at[intermediary_id, "name"], "other_intermediary_id": other})
    for intermediary_id in old.index.difference(new.index):
        other = merged_into.get(intermediary_id, "")
        rows.append({"change": "merged" if other else "removed", ID: intermediary_id,
                     "name": old.at[intermediary_id, "name"], "other_intermediary_id": other})
    compared = [c for c in new.columns if c in old.columns and c not in NOT_COMPARED]
    both = new.index.intersection(old.index)
    before, after = old.loc[both, compared], new.loc[both, compared]
    differs = before.ne(after)
    for intermediary_id in both[differs.any(axis=1).to_numpy()]:
        for column in compared:
            if differs.at[intermediary_id, column]:
                rows.append({"change": "changed", ID: intermediary_id,
                             "name": new.at[intermediary_id, "name"], "changed_field": column,
                             "old_value": before.at[intermediary_id, column],
                             "new_value": after.at[intermediary_id, column]})
    frame = pd.DataFrame(rows, columns=columns)
    position = {c: i for i, c in enumerate(current.columns)}
    frame = frame.assign(
        _order=frame["change"].map(ORDER),
        _column=frame["changed_field"].map(lambda c: position.get(c, -1)),
    ).sort_values(["_order", "name", ID, "_column"], kind="stable")
    frame = frame.drop(columns=["_order", "_column"]).reset_index(drop=True)
    return frame.replace("", None).astype("string")


def summarise(changes: pd.DataFrame, since: str | None) -> dict[str, object]:
    """Counts for the page, the Dagster metadata and the package: organizations per change."""
    counts = {kind: int(changes.loc[changes["change"] == kind, ID].nunique()) for kind in ORDER}
    counts["changed_fields"] = int((changes["change"] == "changed").sum())
    return {**counts, "since": since}


def field_counts(changes: pd.DataFrame) -> Mapping[str, int]:
    """How many organizations changed in each field, most first."""
    changed = changes[changes["change"] == "changed"]
    return changed["changed_field"].value_counts().to_dict()


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
