"""Quarantine helpers: rows that break a table's schema are set aside by name, not fatal."""

import pandas as pd
import pandera.errors
import pytest

from schemas.rejected import REJECTED_RECORDS
from schemas.table import Table, pandera_schema
from sources.rejects import Rejection, keep_valid_rows, rejected_frame

TOY = Table(name="toy", description="A small table of catalogue columns.",
            columns=("record_id", "name", "state", "source_url", "retrieved_at"),
            primary_key=("record_id",))
SCHEMA = pandera_schema(TOY)


def rows(*states):
    return pd.DataFrame({"record_id": [f"r{i}" for i in range(len(states))],
                         "name": [f"Org {i}" for i in range(len(states))],
                         "state": list(states),
                         "source_url": "https://example.org/list",
                         "retrieved_at": "2026-11-01T00:00:00Z"})


def test_valid_rows_pass_untouched():
    kept, rejected = keep_valid_rows(rows("OH", "MD"), SCHEMA, source="toy", key_column="name")
    assert len(kept) == 2 and rejected == []


def test_a_row_breaking_a_check_is_rejected_with_its_field_and_value():
    kept, rejected = keep_valid_rows(rows("OH", "Ohio", "MD"), SCHEMA, source="toy",
                                     key_column="name")
    assert kept["record_id"].tolist() == ["r0", "r2"]
    [reject] = rejected
    assert (reject.record_key, reject.position, reject.field) == ("Org 1", 1, "state")
    assert "'Ohio'" in reject.problem
    assert reject.source_url == "https://example.org/list"


def test_a_missing_column_is_not_a_record_problem():
    with pytest.raises(pandera.errors.SchemaError):
        keep_valid_rows(rows("OH").drop(columns="state"), SCHEMA, source="toy",
                        key_column="name")


def test_rejections_form_the_published_table():
    frame = rejected_frame([Rejection("cfa", "Code for X", 3, "latitude", "not a number",
                                      "https://example.org/x.json", "2026-11-01T00:00:00Z")])
    assert pandera_schema(REJECTED_RECORDS).validate(frame)["position"].tolist() == [3]
    assert len(rejected_frame([])) == 0



def test_a_lone_surrogate_becomes_the_replacement_character_and_the_record_is_kept():
    """JSON's "\\ud800" decodes to a lone surrogate, which no UTF-8 file can hold."""
    frame = rows("OH", "MD")
    frame.loc[1, "name"] = "Code for \ud800 Somewhere"
    kept, rejected = keep_valid_rows(frame, SCHEMA, source="toy", key_column="record_id")
    assert rejected == []
    assert kept["name"].tolist() == ["Org 0", "Code for \ufffd Somewhere"]
    kept.to_csv(index=False).encode("utf-8")  # writable


def test_a_rejection_is_written_with_what_utf8_cannot_hold_escaped():
    frame = rejected_frame([Rejection("cfa", "Code for \ud800", 3, "latitude", "not a number",
                                      "https://example.org/x.json", "2026-11-01T00:00:00Z")])
    assert frame["record_key"].tolist() == ["Code for \\ud800"]
