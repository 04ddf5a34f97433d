"""The release as a DuckDB file (typed tables, views, the ``near`` macros) and as Parquet read back
from it, so both carry the database's types."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.answer.sql import install_macros
from pipelines.link.tables import Release, code_version
from schemas.table import (
    Table,
    duckdb_ddl,
)

VIEWS = (
    """CREATE VIEW intermediaries_by_state AS
       SELECT state, count(*) AS intermediaries, string_agg(DISTINCT kind, '; ') AS kinds
       FROM intermediaries WHERE state IS NOT NULL GROUP BY state ORDER BY state""",
    # "If there is none here, which is the nearest?": great-circle distance in kilometres.
    """CREATE MACRO nearest_intermediaries(lat, lon, n := 10) AS TABLE
       SELECT *, round(2 * 6371 * asin(sqrt(
           pow(sin(radians(latitude - lat) / 2), 2)
           + cos(radians(lat)) * cos(radians(latitude))
             * pow(sin(radians(longitude - lon) / 2), 2))), 1) AS distance_km
       FROM intermediaries
       WHERE latitude IS NOT NULL AND location_precision NOT IN ('region', 'none')
       ORDER BY distance_km, name LIMIT n""",
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
        install_macros(con)  # near(), near_kind(): the answer in SQL
        con.execute(
            "CREATE TABLE release_info AS SELECT ? AS inputs_fingerprint, "
            "CAST(? AS TIMESTAMPTZ) AS created, ? AS sample, ? AS mode, ? AS code_version, "
            "? AS version",
            [release.fingerprint, created, release.sample, release.mode, code_version(),
             version],
        )


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
