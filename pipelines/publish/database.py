"""The release as a DuckDB file (typed tables, views, the ``near`` macros) and as Parquet read back
from it, so both carry the database's types."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.answer.sql import install_answer, install_macros
from pipelines.link.tables import Release, code_version
from pipelines.publish.places import lookup_patterns, place_table, state_name_rows
from schemas.table import (
    Table,
    duckdb_ddl,
)

VIEWS = (
    """CREATE VIEW intermediaries_by_state AS
       SELECT state, count(*) AS intermediaries, string_agg(DISTINCT kind, '; ') AS kinds
       FROM intermediaries WHERE state IS NOT NULL GROUP BY state ORDER BY state""",
)


def write_duckdb(release: Release, path: Path, created: str, version: str) -> None:
    """Every table (typed: DATE, TIMESTAMPTZ, ...), the views and the ``near`` macros."""
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        for table in release.schemas:
            con.execute(duckdb_ddl(table))
            con.register("frame", release.table(table.name)[list(table.columns)])
            con.execute(f'INSERT INTO "{table.name}" SELECT * FROM frame')
            con.unregister("frame")
        for statement in VIEWS:
            con.execute(statement)
        install_macros(con)  # near(), near_kind(), nearest_intermediaries()
        write_places(con)
        install_answer(con, lookup_patterns())  # near_place(place): the near answer in SQL
        con.execute(
            "CREATE TABLE release_info AS SELECT ? AS inputs_fingerprint, "
            "CAST(? AS TIMESTAMPTZ) AS created, ? AS sample, ? AS mode, ? AS code_version, "
            "? AS version",
            [release.fingerprint, created, release.sample, release.mode, code_version(),
             version],
        )


def write_places(con: duckdb.DuckDBPyConnection) -> None:
    """The place index ``near`` uses (``places``: ZIP, city, county and state spellings, each
    with its point, state, county FIPS and city; ``state_names``: spellings of a state), so
    ``near_place(place)`` in SQL starts from the command's own point."""
    import pyarrow as pa

    names = list(zip(*state_name_rows(), strict=True))
    for name, frame in (("places", place_table()),
                        ("state_names", pa.table({"key": pa.array(names[0], pa.string()),
                                                  "state": pa.array(names[1], pa.string())}))):
        con.register("frame", frame)  # places: sorted when built (place_table)
        order = " ORDER BY ALL" if name == "state_names" else ""
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame{order}")
        con.unregister("frame")


def write_parquet(database: Path, folder: Path, tables: tuple[Table, ...]) -> None:
    """A Parquet copy of every table, read back from the DuckDB file so the column types are
    the database's (dates as date32, times as UTC timestamps), written with pyarrow."""
    import pyarrow.parquet as pq

    folder.mkdir(exist_ok=True)
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for table in tables:
            arrow = con.table(f'"{table.name}"').to_arrow_table()
            pq.write_table(arrow, folder / f"{table.name}.parquet", compression="zstd")
