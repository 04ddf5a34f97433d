"""The place index of the DuckDB file, built once per code and data version."""

from __future__ import annotations

import pytest

from pipelines.publish import places


def test_the_place_table_is_built_once_then_read_from_the_cache(tmp_path, monkeypatch):
    built = places.place_table(tmp_path)
    assert built.num_rows > 80_000 and built.column_names == list(places.PLACE_COLUMNS)
    (cached,) = tmp_path.glob("places-*.parquet")

    def never(*_):
        raise AssertionError("rebuilt though the cache holds the table")

    monkeypatch.setattr(places, "place_rows", never)
    assert places.place_table(tmp_path).equals(built)
    cached.write_bytes(b"not parquet")  # damaged: built again, not an error
    monkeypatch.undo()
    assert places.place_table(tmp_path).equals(built)


def test_changed_code_builds_a_new_table(tmp_path, monkeypatch):
    places.place_table(tmp_path)
    monkeypatch.setattr(places, "code_digest", lambda: "another checkout")
    monkeypatch.setattr(places, "place_rows", lambda: pytest.fail("built") or [])
    with pytest.raises(pytest.fail.Exception):
        places.place_table(tmp_path)
