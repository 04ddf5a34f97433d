"""Table definitions and the generators that turn them into pandera, DuckDB and Frictionless."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine

from schemas.catalogue import FIELDS, ISO_DATE, Field


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, other table, other column)
    optional: tuple[str, ...] = ()  # catalogue-required columns that may be empty in this table
    personal: tuple[str, ...] = ()  # names, emails, phones of people: withheld unless enabled

    @property
    def fields(self) -> list[Field]:
        missing = [c for c in self.columns if c not in FIELDS]
        if missing:
            raise KeyError(f"table {self.name}: columns not in the catalogue: {missing}")
        return [
            replace(FIELDS[c], required=False) if c in self.optional else FIELDS[c]
            for c in self.columns
        ]


def published(table: Table, include_personal: bool = False, **changes: object) -> Table:
    """The table as released: personal columns withheld unless asked for."""
    columns = tuple(c for c in table.columns if include_personal or c not in table.personal)
    return replace(table, columns=columns, **changes)


class _Text(pandas_engine.STRING):
    """pandas' string dtype, whose check says "yes" once for a whole column of text. pandera's
    own answer is element by element, and for it pandera formats an (empty) table of failure
    cases for every text column that passes: half the time of validating a frame whose text
    is already text. When some value is not text, the answer is pandera's own, element by
    element, so the failing values are reported (and quarantined) as before."""

    def check(self, pandera_dtype: object,
              data_container: pd.Series | None = None) -> bool | np.ndarray:
        verdict = super().check(pandera_dtype, data_container)
        if not isinstance(verdict, bool) and bool(np.all(verdict)):
            return True
        return verdict


_PANDAS_DTYPES = {
    "string": pd.StringDtype(),
    "datetime": pd.StringDtype(),
    "date": pd.StringDtype(),
    "integer": pd.Int64Dtype(),
    "number": "float64",
    "boolean": pd.BooleanDtype(),
}
_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "datetime": "TIMESTAMPTZ",
    "date": "DATE",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
}


def _repair_surrogate(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def utf8_text(series: pd.Series) -> pd.Series:
    """Text a UTF-8 file can hold. A lone surrogate (what JSON's "\\ud800", or CESU bytes
    read leniently, decode to) passes every check but stops the CSV writer; it becomes
    U+FFFD, the replacement character a UTF-8 decoder gives for bytes it cannot read, so the
    record is kept with one unreadable character, as a browser would show it."""
    try:
        "".join(v for v in series if isinstance(v, str)).encode("utf-8")
    except UnicodeEncodeError:
        return series.map(_repair_surrogate)
    return series


def _checks(f: Field) -> list[pa.Check]:
    checks = []
    if f.type == "date" and f.pattern != ISO_DATE:
        checks.append(pa.Check.str_matches(ISO_DATE))
    if f.pattern:
        checks.append(pa.Check.str_matches(f.pattern))
    if f.enum:
        checks.append(pa.Check.isin(list(f.enum)))
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum))
    if f.maximum is not None:
        checks.append(pa.Check.le(f.maximum))
    return checks


def _pandera_dtype(field_type: str) -> object:
    dtype = _PANDAS_DTYPES[field_type]
    return _Text() if isinstance(dtype, pd.StringDtype) else dtype


@cache
def pandera_schema(table: Table) -> pa.DataFrameSchema:
    """The pandera schema of a table: types coerced, required columns non-null, key unique.
    Built once per table (pandera's schemas are not changed by validating)."""
    columns = {
        f.name: pa.Column(
            _pandera_dtype(f.type),
            checks=_checks(f),
            parsers=[pa.Parser(utf8_text)] if f.type == "string" else None,
            nullable=not f.required,
            description=f.description,
        )
        for f in table.fields
    }
    return pa.DataFrameSchema(
        columns,
        name=table.name,
        strict=True,
        ordered=True,
        coerce=True,
        unique=list(table.primary_key),
        description=table.description,
    )


def schema_failures(table: Table, frame: pd.DataFrame) -> pd.DataFrame | None:
    """pandera's failure cases of the frame against the table's schema, all of them (a lazy
    validation); None when it passes."""
    import pandera.errors

    try:
        pandera_schema(table).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as error:
        return error.failure_cases
    return None


def has_schema_types(table: Table, frame: pd.DataFrame) -> bool:
    """The frame has exactly the table's columns, in order, with the types its pandera schema
    coerces them to: what a frame validated against the table looks like (a frame assembled
    without validating has object columns)."""
    return list(frame.columns) == list(table.columns) and all(
        frame[f.name].dtype == _PANDAS_DTYPES[f.type] for f in table.fields)


def empty_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame({f.name: pd.Series(dtype=_PANDAS_DTYPES[f.type]) for f in table.fields})


def duckdb_ddl(table: Table) -> str:
    lines = []
    for f in table.fields:
        line = f'    "{f.name}" {_DUCKDB_TYPES[f.type]}'
        if f.required:
            line += " NOT NULL"
        lines.append(line)
    if table.primary_key:
        keys = ", ".join(f'"{k}"' for k in table.primary_key)
        lines.append(f"    PRIMARY KEY ({keys})")
    return f'CREATE TABLE "{table.name}" (\n' + ",\n".join(lines) + "\n)"


def table_schema(table: Table) -> dict:
    """A Frictionless Table Schema (v1) for the table's CSV."""
    fields = []
    for f in table.fields:
        spec: dict = {"name": f.name, "type": f.type, "description": f.description}
        constraints: dict = {}
        if f.required:
            constraints["required"] = True
        if f.pattern and f.type == "string":
            constraints["pattern"] = f.pattern.removeprefix("^").removesuffix("$")
        if f.enum:
            constraints["enum"] = list(f.enum)
        if f.minimum is not None:
            constraints["minimum"] = f.minimum
        if f.maximum is not None:
            constraints["maximum"] = f.maximum
        if f.type == "datetime":
            spec["format"] = "%Y-%m-%dT%H:%M:%SZ"
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
    schema: dict = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": column, "reference": {"resource": other, "fields": other_column}}
            for column, other, other_column in table.foreign_keys
        ]
    return schema
