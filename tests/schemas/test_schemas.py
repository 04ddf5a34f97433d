"""Every table definition generates a valid pandera schema, DuckDB table and Table Schema."""

import duckdb
import pandas as pd
import pandera.pandas as pa
import pytest
from frictionless import Schema

from schemas.catalogue import FIELDS
from schemas.published import PUBLISHED
from schemas.rejected import REJECTED_RECORDS
from schemas.table import duckdb_ddl, empty_frame, pandera_schema, table_schema
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
