"""Publishing: spreadsheet-safe CSVs, and an invalid package never replaces a good one."""

import pandas as pd
import pytest

from pipelines.release import (
    PackageInvalid,
    Release,
    spreadsheet_safe,
    write_duckdb,
    write_package,
)
from schemas.published import PUBLISHED
from schemas.table import empty_frame

CREATED = "2026-11-25T06:00:00Z"


def release(fingerprint="f1", name="Code for Example", **changes) -> Release:
    tables = {t.name: empty_frame(t) for t in PUBLISHED}
    row = {
        "intermediary_id": "im-0123456789ab", "name": name, "kind": "brigade",
        "city": "Example", "state": "IL", "country": "US", "latitude": 41.0, "longitude": -87.0,
        "location_precision": "source", "sources": "cfa", "activity": "unknown",
        "activity_reason": "no source gives an activity signal", "first_seen": "2026-11-01",
        "last_seen": "2026-11-25", "source_url": "https://example.org/orgs.json",
        "retrieved_at": "2026-11-01T00:00:00Z",
    }
    columns = next(t for t in PUBLISHED if t.name == "intermediaries").columns
    tables["intermediaries"] = pd.DataFrame([{c: row.get(c) for c in columns}])
    settings = {"sample": False, "any_fresh": True,
                "sources": [{"title": "Example", "path": "https://example.org/orgs.json"}]}
    return Release(tables=tables, schemas=PUBLISHED, fingerprint=fingerprint,
                   **(settings | changes))


def test_formulas_are_neutralised_but_negative_numbers_are_not():
    """OWASP's triggers: =, +, -, @, tab and carriage return at the start of a text cell."""
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "+1 555", "-2+3", "@sum", "\tx", "\rx",
                                   "Plain"],
                          "longitude": [-87.6, -1.0, -2.0, 0.0, 1.0, 1.5, 2.0]})
    safe = spreadsheet_safe(frame)
    assert safe["name"].tolist() == ["'=HYPERLINK(1)", "'+1 555", "'-2+3", "'@sum", "'\tx",
                                     "'\rx", "Plain"]
    assert safe["longitude"].tolist() == [-87.6, -1.0, -2.0, 0.0, 1.0, 1.5, 2.0]


def test_a_package_that_fails_validation_replaces_nothing(tmp_path):
    assert write_package(release("f1"), tmp_path, CREATED).published
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = release("f2")
    broken.tables["intermediaries"].loc[0, "kind"] = "not-a-kind"  # breaks the enum constraint
    with pytest.raises(PackageInvalid, match="constraint"):
        write_package(broken, tmp_path, CREATED)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_the_database_is_swapped_in_whole(tmp_path):
    assert write_duckdb(release("f1"), tmp_path, CREATED).published
    assert not write_duckdb(release("f1"), tmp_path, CREATED).published  # unchanged inputs
    assert write_duckdb(release("f2"), tmp_path, CREATED).published
    assert [p.name for p in tmp_path.iterdir()] == ["intermediaries.duckdb"]  # no temp files


def test_a_run_with_nothing_fresh_keeps_the_previous_release(tmp_path):
    assert write_package(release("f1"), tmp_path, CREATED).published
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    outcome = write_package(release("f2", any_fresh=False), tmp_path, CREATED)
    assert not outcome.published and "no source produced new data" in outcome.reason
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_first_run_with_nothing_fresh_says_there_is_no_release_yet(tmp_path):
    outcome = write_package(release(any_fresh=False), tmp_path, CREATED)
    assert not outcome.published
    assert "there is no release yet" in outcome.reason and "make sample" in outcome.reason
    assert not list(tmp_path.iterdir())


def test_a_replay_never_overwrites_a_live_release(tmp_path):
    assert write_package(release("live"), tmp_path, CREATED).published
    assert write_duckdb(release("live"), tmp_path, CREATED).published
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for write in (write_package, write_duckdb):
        outcome = write(release("sample", mode="replay", sample=True), tmp_path, CREATED)
        assert not outcome.published and "never overwrites a live release" in outcome.reason
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_live_release_may_replace_a_replay(tmp_path):
    assert write_package(release("sample", mode="replay", sample=True), tmp_path, CREATED).published
    assert write_package(release("live"), tmp_path, CREATED).published
