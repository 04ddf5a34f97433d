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


def test_text_that_cannot_be_written_as_utf8_is_quarantined_not_fatal():
    """A lone surrogate (JSON "\\ud800" decodes to one) would stop the CSV writer."""
    frame = rows("OH", "MD")
    frame.loc[1, "name"] = "Code for \ud800 Somewhere"
    kept, rejected = keep_valid_rows(frame, SCHEMA, source="toy", key_column="record_id")
    assert kept["record_id"].tolist() == ["r0"]
    [reject] = rejected
    assert (reject.record_key, reject.field) == ("r1", "name")
    assert "UTF-8" in reject.problem or "utf8" in reject.problem
