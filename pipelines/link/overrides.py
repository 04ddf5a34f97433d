"""The maintainers' corrections to the sources: ``sources/overrides.csv``, read and applied.

The file has the columns action, source_key_a, source_key_b, field, value, reason, one row per
correction, keys written ``source:source_key`` (as in source_records):

- ``force_link``: the two listings are one organization (whatever the rules say);
- ``never_link``: the two listings are never in one organization;
- ``correct``: ``field`` of listing a is ``value`` for linking and in intermediaries (the
  listing in source_records keeps what the source said; its link_reason notes the fix).

Every row needs a reason; a row that names no current listing or is malformed is reported in
the warnings (and the Dagster log), never a crash.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

import sources
from pipelines.link.match import Constraints
from schemas.catalogue import FIELDS

OVERRIDES_FILE = Path(sources.__file__).parent / "overrides.csv"
OVERRIDE_COLUMNS = ("action", "source_key_a", "source_key_b", "field", "value", "reason")
ACTIONS = ("force_link", "never_link", "correct")
CORRECTABLE = ("name", "kind", "role", "department", "government_level", "website",
               "events_url", "city", "state", "country", "zip")


def read_overrides(path: Path = OVERRIDES_FILE) -> tuple[pd.DataFrame, list[str]]:
    """Valid override rows and a problem per row that is not (no reason, unknown action,
    a field that cannot be corrected or a value its column does not allow)."""
    if not path.is_file():
        return pd.DataFrame(columns=[*OVERRIDE_COLUMNS, "line"]), []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in OVERRIDE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return (pd.DataFrame(columns=[*OVERRIDE_COLUMNS, "line"]),
                    [f"{path}: columns {missing} are missing; nothing in it was applied"])
        rows, problems = [], []
        for line, raw in enumerate(reader, start=2):
            row = {c: (raw.get(c) or "").strip() for c in OVERRIDE_COLUMNS}
            problem = _override_problem(row)
            if problem:
                problems.append(f"{path.name} line {line}: {problem}; row ignored")
            else:
                rows.append({**row, "line": line})
    return pd.DataFrame(rows, columns=[*OVERRIDE_COLUMNS, "line"]), problems


def _override_problem(row: dict[str, str]) -> str | None:
    if row["action"] not in ACTIONS:
        return f"action {row['action']!r} is not one of {', '.join(ACTIONS)}"
    if not row["reason"]:
        return "every override needs a reason"
    keys = ["source_key_a"] + (["source_key_b"] if row["action"] != "correct" else [])
    for column in keys:
        if ":" not in row[column]:
            return f"{column} {row[column]!r} is not 'source:source_key'"
    if row["action"] == "correct":
        if row["field"] not in CORRECTABLE:
            return f"field {row['field']!r} cannot be corrected (one of {', '.join(CORRECTABLE)})"
        field, value = FIELDS[row["field"]], row["value"]
        if value and field.enum and value not in field.enum:
            return f"{value!r} is not an allowed {field.name} ({', '.join(field.enum)})"
        if value and field.pattern and not pd.Series([value]).str.fullmatch(
                field.pattern.strip("^$")).iloc[0]:
            return f"{value!r} does not look like a {field.name} ({field.pattern})"
    return None


def apply_overrides(listings: pd.DataFrame, keys: pd.Series, overrides: pd.DataFrame,
                     ) -> tuple[pd.DataFrame, Constraints, dict[int, str], list[str]]:
    """Corrected listings, forced and forbidden links (rows), notes per row, warnings."""
    row_of = {key: row for row, key in enumerate(keys)}
    corrected = listings.copy()
    constraints, notes, warnings = Constraints(), {}, []
    for o in overrides.itertuples(index=False):
        rows = [row_of.get(o.source_key_a)]
        if o.action != "correct":
            rows.append(row_of.get(o.source_key_b))
        unknown = [k for k, r in zip((o.source_key_a, o.source_key_b), rows, strict=False)
                   if r is None]
        if unknown:
            warnings.append(f"overrides.csv line {o.line}: no listing has the key "
                            f"{' or '.join(unknown)} ({o.action}: {o.reason}); row not applied")
            continue
        if o.action == "force_link":
            constraints.force.append((rows[0], rows[1], o.reason))
        elif o.action == "never_link":
            constraints.never.append((rows[0], rows[1]))
        else:
            corrected.iat[rows[0], corrected.columns.get_loc(o.field)] = o.value or None
            notes[rows[0]] = notes.get(rows[0], "") + f"; corrected {o.field}: {o.reason}"
    return corrected, constraints, notes, warnings
