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
    tables["intermediaries"] = pd.DataFrame([{
        "intermediary_id": "im-0123456789ab", "name": name, "kind": "brigade", "role": None,
        "website": None, "events_url": None, "city": "Example", "state": "IL", "country": "US",
        "region": None,
        "latitude": 41.0, "longitude": -87.0, "location_precision": "source", "sources": "cfa",
        "activity": "unknown",
        "last_event_date": None, "next_event_date": None, "activity_as_of": None,
        "source_url": "https://example.org/orgs.json", "retrieved_at": "2026-11-01T00:00:00Z",
    }])
    return Release(tables=tables, schemas=PUBLISHED, fingerprint=fingerprint, sample=False,
                   any_fresh=True, sources=[{"title": "Example", "path": "https://example.org/orgs.json"}],
                   **changes)


def test_formulas_are_neutralised_but_negative_numbers_are_not():
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "+1 555", "@sum", "Plain"],
                          "longitude": [-87.6, -1.0, 0.0, 2.0]})
    safe = spreadsheet_safe(frame)
    assert safe["name"].tolist() == ["'=HYPERLINK(1)", "'+1 555", "'@sum", "Plain"]
    assert safe["longitude"].tolist() == [-87.6, -1.0, 0.0, 2.0]


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


def test_nothing_is_published_when_no_source_is_fresh(tmp_path):
    outcome = write_package(release(any_fresh=False) if False else Release(
        **{**release().__dict__, "any_fresh": False}), tmp_path, CREATED)
    assert not outcome.published and "no source produced new data" in outcome.reason
    assert not list(tmp_path.iterdir())
