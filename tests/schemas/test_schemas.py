"""Every table definition generates a valid pandera schema, DuckDB table and Table Schema."""

import copy

import duckdb
import pandas as pd
import pandera.pandas as pa
import pytest
from frictionless import Schema

from schemas.catalogue import FIELDS
from schemas.published import PUBLISHED
from schemas.rejected import REJECTED_RECORDS
from schemas.table import (
    duckdb_ddl,
    empty_frame,
    has_schema_types,
    pandera_schema,
    schema_failures,
    table_schema,
)
from sources.registry import SOURCES

TABLES = [*PUBLISHED, REJECTED_RECORDS, *(s.table for s in SOURCES)]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_table_definitions_generate_valid_schemas(table):
    assert set(table.columns) <= set(FIELDS) and set(table.primary_key) <= set(table.columns)
    pandera_schema(table).validate(empty_frame(table))
    assert Schema.validate_descriptor(table_schema(table)).valid
    with duckdb.connect() as con:
        con.execute(duckdb_ddl(table))


def test_every_column_is_described():
    assert all(field.description.strip() for field in FIELDS.values())


def test_pandera_and_the_table_schema_agree_on_a_rule():
    table = next(t for t in PUBLISHED if t.name == "intermediaries")
    descriptor = {f["name"]: f for f in table_schema(table)["fields"]}
    assert descriptor["state"]["constraints"]["pattern"] == "[A-Z]{2}"
    valid = valid_row(table)
    pandera_schema(table).validate(valid)  # the row is valid as it is...
    spelled_out = valid.assign(state="New York")
    with pytest.raises(pa.errors.SchemaError) as error:  # ...until its state is spelled out
        pandera_schema(table).validate(spelled_out)
    assert "state" in str(error.value) and "str_matches" in str(error.value)


def test_a_table_is_validated_with_one_schema_built_once():
    table = next(t for t in PUBLISHED if t.name == "intermediaries")
    assert pandera_schema(table) is pandera_schema(table)


def test_schema_failures_lists_every_failure_or_none():
    table = next(t for t in PUBLISHED if t.name == "intermediaries")
    assert schema_failures(table, valid_row(table)) is None
    broken = pd.concat([valid_row(table)] * 2, ignore_index=True).assign(
        state=["New York", "NY"], kind=["brigade", "not-a-kind"])
    failures = schema_failures(table, broken)
    assert {("state", 0), ("kind", 1)} <= set(zip(failures["column"], failures["index"],
                                                 strict=True))


def test_text_columns_are_checked_as_text():
    """Text columns are checked column-wise (pandera's element-wise check formatted an empty
    failure table for every passing column); a value that is not text still fails, by name."""
    table = next(t for t in PUBLISHED if t.name == "intermediaries")
    uncoerced = copy.deepcopy(pandera_schema(table))
    uncoerced.coerce = False
    uncoerced.validate(pandera_schema(table).validate(valid_row(table)))  # text: passes
    not_text = valid_row(table).assign(name=pd.Series([1.5], dtype=object))
    with pytest.raises(pa.errors.SchemaErrors) as error:
        uncoerced.validate(not_text, lazy=True)
    cases = error.value.failure_cases
    assert cases[cases["column"] == "name"]["failure_case"].tolist() == [1.5]


def test_a_validated_frame_is_recognised_by_its_columns_and_types():
    table = next(t for t in PUBLISHED if t.name == "intermediaries")
    assembled = valid_row(table)  # object columns, as built before any validation
    assert not has_schema_types(table, assembled)
    assert has_schema_types(table, pandera_schema(table).validate(assembled))
    assert has_schema_types(table, empty_frame(table))
    reordered = pandera_schema(table).validate(assembled)[list(reversed(table.columns))]
    assert not has_schema_types(table, reordered)


def valid_row(table) -> pd.DataFrame:
    """One row of ``table`` with every required column filled with a valid value."""
    values = {"intermediary_id": "im-000000000000", "name": "X", "kind": "brigade",
              "sources": "cfa", "source_url": "https://example.org/",
              "retrieved_at": "2026-11-01T00:00:00Z", "state": "NY", "activity": "unknown",
              "activity_as_of": "2026-11-01", "first_seen": "2026-11-01",
              "last_seen": "2026-11-01"}
    row = {f.name: values.get(f.name) for f in table.fields}
    missing = [f.name for f in table.fields if f.required and row[f.name] is None]
    assert not missing, f"valid_row needs values for {missing}"
    return pd.DataFrame([row])
