"""The change log names exactly what changed between two releases, by stable id."""

import pandas as pd

from pipelines.publish.changes import diff_releases, summarise

A, B, C, D, E, F = (f"im-{n:012x}" for n in range(1, 7))


def intermediaries(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """Rows of (id, name, website, retrieved_at), as a CSV reads back (text)."""
    return pd.DataFrame(rows, columns=["intermediary_id", "name", "website", "retrieved_at"])


PREVIOUS = intermediaries(
    (A, "Code for Dayton", "https://codefordayton.org", "2026-11-01T00:00:00Z"),
    (B, "Gone Brigade", "", "2026-11-01T00:00:00Z"),
    (C, "Data Ohio", "https://dataohio.org", "2026-11-01T00:00:00Z"),
    (D, "Ohio SDC", "https://development.ohio.gov", "2026-11-01T00:00:00Z"),
)
CURRENT = intermediaries(
    (A, "Code for Dayton", "https://www.codefordayton.org", "2026-12-01T00:00:00Z"),
    (C, "Data Ohio Inc", "https://dataohio.org/", "2026-12-01T00:00:00Z"),
    (E, "Hack Dayton", "https://hackdayton.org", "2026-12-01T00:00:00Z"),
    (F, "Ohio SDC East", "", "2026-12-01T00:00:00Z"),
)
HISTORY = pd.DataFrame([
    {"recorded_on": "2026-12-01", "id_event": "merged", "intermediary_id": D,
     "other_intermediary_id": C, "id_event_reason": "linked by website"},
    {"recorded_on": "2026-12-01", "id_event": "split", "intermediary_id": F,
     "other_intermediary_id": D, "id_event_reason": "listings no longer link"},
])


def test_added_removed_changed_merged_and_split_ids_are_exact():
    changes = diff_releases(PREVIOUS, CURRENT, HISTORY)
    rows = changes.fillna("").values.tolist()
    assert rows == [
        ["added", E, "Hack Dayton", "", "", "", ""],
        ["split", F, "Ohio SDC East", "", "", "", D],
        ["removed", B, "Gone Brigade", "", "", "", ""],
        ["merged", D, "Ohio SDC", "", "", "", C],
        ["changed", A, "Code for Dayton", "website", "https://codefordayton.org",
         "https://www.codefordayton.org", ""],
        ["changed", C, "Data Ohio Inc", "name", "Data Ohio", "Data Ohio Inc", ""],
        ["changed", C, "Data Ohio Inc", "website", "https://dataohio.org",
         "https://dataohio.org/", ""],
    ]


def test_when_and_where_a_listing_was_read_is_not_a_change():
    later = PREVIOUS.assign(retrieved_at="2026-12-24T00:00:00Z")
    assert diff_releases(PREVIOUS, later).empty


def test_a_first_release_has_no_changes():
    assert diff_releases(None, CURRENT).empty


def test_a_column_the_previous_release_did_not_have_is_not_a_change_of_every_row():
    assert diff_releases(PREVIOUS.drop(columns="website"), PREVIOUS).empty


def test_the_summary_counts_organizations_not_fields():
    summary = summarise(diff_releases(PREVIOUS, CURRENT, HISTORY), since="2026.11.01.060000")
    assert summary == {"added": 1, "split": 1, "removed": 1, "merged": 1, "changed": 2,
                       "changed_fields": 3, "since": "2026.11.01.060000"}
