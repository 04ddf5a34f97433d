"""Publishing: each release a complete folder made current in one step, spreadsheet-safe
CSVs, typed dates, and a release that cannot be completed never replaces a good one."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from pipelines.link.tables import Release, check_schema
from pipelines.publish.csv_writer import spreadsheet_safe
from pipelines.publish.folders import current_release, release_versions
from pipelines.publish.package import PackageInvalid, validate_package
from pipelines.publish.release import publish
from schemas.published import INTERMEDIARIES, PUBLISHED
from schemas.table import empty_frame, pandera_schema

CREATED = "2026-11-25T06:00:00Z"
ROOT = Path(__file__).parents[3]


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


def tree(out: Path) -> dict[str, bytes]:
    """Every file under the output folder, by relative path, links followed."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}


def test_formulas_are_neutralised_but_negative_numbers_are_not():
    """OWASP's triggers: =, +, -, @, tab and carriage return at the start of a text cell."""
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "+1 555", "-2+3", "@sum", "\tx", "\rx",
                                   "Plain"],
                          "longitude": [-87.6, -1.0, -2.0, 0.0, 1.0, 1.5, 2.0]})
    safe = spreadsheet_safe(frame)
    assert safe["name"].tolist() == ["'=HYPERLINK(1)", "'+1 555", "'-2+3", "'@sum", "'\tx",
                                     "'\rx", "Plain"]
    assert safe["longitude"].tolist() == [-87.6, -1.0, -2.0, 0.0, 1.0, 1.5, 2.0]


def test_a_release_is_a_complete_folder_and_current_points_at_it(tmp_path):
    outcome = publish(release("f1"), tmp_path, CREATED)
    assert outcome.published and outcome.version == "2026.11.25.060000"
    folder = tmp_path / "releases" / outcome.version
    assert Path(outcome.path) == folder and current_release(tmp_path) == folder.resolve()
    assert os.readlink(tmp_path / "current") == f"releases/{outcome.version}"
    names = {p.name for p in folder.iterdir()}
    assert {"datapackage.json", "intermediaries.csv", "changes.csv", "intermediaries.duckdb",
            "index.html", "parquet", "id_history.csv"} <= names
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["version"] == outcome.version
    assert {f"{r['name']}.parquet" for r in package["resources"]} == {
        p.name for p in (folder / "parquet").iterdir()}
    # the paths users already know follow current
    assert (tmp_path / "intermediaries.csv").read_bytes() == (
        folder / "intermediaries.csv").read_bytes()
    assert os.readlink(tmp_path / "datapackage.json") == "current/datapackage.json"


def test_two_releases_of_one_day_get_distinct_versions_and_the_last_n_are_kept(tmp_path):
    versions = []
    for n in range(4):
        outcome = publish(release(f"f{n}", name=f"Code for Example {n}"), tmp_path,
                          "2026-11-25T06:00:00Z", keep=3)
        versions.append(outcome.version)
    assert versions == ["2026.11.25.060000", "2026.11.25.060000.2", "2026.11.25.060000.3",
                        "2026.11.25.060000.4"]
    assert release_versions(tmp_path) == versions[1:]
    assert current_release(tmp_path).name == versions[-1]
    assert "Code for Example 3" in (tmp_path / "intermediaries.csv").read_text()


def test_a_table_is_validated_once_where_it_was_made_or_else_by_its_check():
    made = pandera_schema(INTERMEDIARIES).validate(release().table("intermediaries"))
    trusted = check_schema(INTERMEDIARIES, made, "when linked")
    assert trusted.passed and trusted.validated == "when linked"
    assembled = release().table("intermediaries").assign(kind="not-a-kind")  # object columns
    checked = check_schema(INTERMEDIARIES, assembled, "when linked")  # not as validated
    assert checked.validated == "by this check" and not checked.passed
    assert checked.failures["column"].tolist() == ["kind"]
    assert check_schema(INTERMEDIARIES, release().table("intermediaries")).passed


def test_a_package_that_fails_validation_replaces_nothing(tmp_path):
    assert publish(release("f1"), tmp_path, CREATED).published
    before = tree(tmp_path)
    broken = release("f2")
    broken.tables["intermediaries"].loc[0, "kind"] = "not-a-kind"  # breaks the enum constraint
    with pytest.raises(PackageInvalid, match="constraint"):
        publish(broken, tmp_path, "2026-11-26T06:00:00Z")
    assert tree(tmp_path) == before  # no new folder, no staging left behind


def test_a_listing_of_an_unpublished_organization_fails_the_package_as_frictionless_says(
        tmp_path):
    """The foreign keys are checked once per referenced key, not by Frictionless (which reads
    the referenced table again for every table that refers to it): the same verdict."""
    folder = Path(publish(release("f1"), tmp_path / "out", CREATED).path)
    assert validate_package(folder / "datapackage.json") == []
    broken = Path(shutil.copytree(folder, tmp_path / "broken"))
    with (broken / "source_records.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    row = {"record_id": "cfa:orphan", "intermediary_id": "im-ffffffffffff", "link_reason": "x",
           "source": "cfa", "source_key": "orphan", "name": "Orphan", "kind": "brigade",
           "source_url": "https://example.org/", "retrieved_at": "2026-11-01T00:00:00Z"}
    with (broken / "source_records.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow([row.get(column, "") for column in header])
    errors = validate_package(broken / "datapackage.json")
    assert len(errors) == 1 and errors[0].startswith("foreign-key:")
    assert "im-ffffffffffff" in errors[0] and '"intermediaries"' in errors[0]
    assert validate(str(broken / "datapackage.json")).flatten(["type"]) == [["foreign-key"]]


KILL_HALFWAY = """
import os, signal, sys
import pandas as pd
sys.path.insert(0, {tests!r})
import pipelines.publish.release as r
from test_release import release

def killed(*args, **kwargs):  # the CSVs, package and DuckDB file are written by now
    os.kill(os.getpid(), signal.SIGKILL)

r.write_parquet = killed
r.publish(release("f2", name="Half-written"), __import__("pathlib").Path({out!r}),
          "2026-11-26T06:00:00Z")
"""


def test_a_publish_killed_halfway_leaves_current_on_the_previous_complete_release(tmp_path):
    first = publish(release("f1"), tmp_path, CREATED)
    before = tree(tmp_path)
    script = KILL_HALFWAY.format(tests=str(Path(__file__).parent), out=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == -9, done.stderr  # SIGKILL: no cleanup ran
    staging = [p.name for p in (tmp_path / "releases").iterdir() if p.name.startswith(".")]
    assert len(staging) == 1  # the half-written release, hidden
    assert current_release(tmp_path).name == first.version
    assert {k: v for k, v in tree(tmp_path).items() if not k.startswith("releases/.")} == before
    assert "Half-written" not in (tmp_path / "intermediaries.csv").read_text()
    # the next publish clears what the killed one left
    again = publish(release("f2", name="Whole"), tmp_path, "2026-11-26T07:00:00Z")
    assert again.published
    assert not [p for p in (tmp_path / "releases").iterdir() if p.name.startswith(".")]


def test_dates_and_times_are_typed_in_the_package_duckdb_and_parquet(tmp_path):
    folder = Path(publish(release("f1"), tmp_path, CREATED).path)
    package = json.loads((folder / "datapackage.json").read_text())
    fields = {f["name"]: f for r in package["resources"] for f in r["schema"]["fields"]}
    for name in ("retrieved_at", "starts_at", "ends_at"):
        assert fields[name]["type"] == "datetime"
    for name in ("first_seen", "last_seen", "activity_as_of", "last_event_date",
                 "next_event_date", "recorded_on"):
        assert fields[name]["type"] == "date"
    # no column that holds a date is left a string
    datey = [n for n in fields if n.endswith(("_at", "_date", "_on", "_seen", "_as_of"))]
    assert all(fields[n]["type"] in ("date", "datetime") for n in datey), datey
    with duckdb.connect(str(folder / "intermediaries.duckdb"), read_only=True) as con:
        types = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'intermediaries'").fetchall())
    assert types["retrieved_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["first_seen"] == types["next_event_date"] == "DATE"
    schema = pq.read_schema(folder / "parquet" / "intermediaries.parquet")
    assert str(schema.field("first_seen").type) == "date32[day]"
    assert str(schema.field("retrieved_at").type) == "timestamp[us, tz=UTC]"
    frame = pd.read_parquet(folder / "parquet" / "intermediaries.parquet")
    assert str(frame["retrieved_at"].iloc[0]) == "2026-11-01 00:00:00+00:00"


def test_unchanged_inputs_publish_nothing_new(tmp_path):
    assert publish(release("f1"), tmp_path, CREATED).published
    outcome = publish(release("f1"), tmp_path, "2026-11-26T06:00:00Z")
    assert not outcome.published and "unchanged" in outcome.reason
    assert len(release_versions(tmp_path)) == 1


def test_a_run_with_nothing_fresh_keeps_the_previous_release(tmp_path):
    assert publish(release("f1"), tmp_path, CREATED).published
    before = tree(tmp_path)
    outcome = publish(release("f2", any_fresh=False), tmp_path, CREATED)
    assert not outcome.published and "no source produced new data" in outcome.reason
    assert tree(tmp_path) == before


def test_a_first_run_with_nothing_fresh_says_there_is_no_release_yet(tmp_path):
    outcome = publish(release(any_fresh=False), tmp_path, CREATED)
    assert not outcome.published
    assert "there is no release yet" in outcome.reason and "make sample" in outcome.reason
    assert not list(tmp_path.iterdir())


def test_a_replay_never_overwrites_a_live_release(tmp_path):
    assert publish(release("live"), tmp_path, CREATED).published
    before = tree(tmp_path)
    outcome = publish(release("sample", mode="replay", sample=True), tmp_path, CREATED)
    assert not outcome.published and "never overwrites a live release" in outcome.reason
    assert tree(tmp_path) == before


def test_a_live_release_may_replace_a_replay(tmp_path):
    assert publish(release("sample", mode="replay", sample=True), tmp_path, CREATED).published
    assert publish(release("live"), tmp_path, "2026-11-26T06:00:00Z").published


def test_a_release_written_before_versioned_folders_is_the_previous_one(tmp_path):
    """An output folder from an older version (files at the top) upgrades in place: its
    files become links into current/, and changes are counted against it."""
    old = release("old", name="Old Name")
    (tmp_path / "intermediaries.csv").write_text(
        old.table("intermediaries").to_csv(index=False))
    (tmp_path / "datapackage.json").write_text(json.dumps(
        {"version": "2026.11.1", "mode": "live", "inputs_fingerprint": "old"}))
    outcome = publish(release("new", name="New Name"), tmp_path, CREATED)
    assert outcome.published
    assert (tmp_path / "intermediaries.csv").is_symlink()
    changes = pd.read_csv(tmp_path / "changes.csv", dtype=str, keep_default_na=False)
    assert changes[["change", "changed_field", "old_value", "new_value"]].values.tolist() == [
        ["changed", "name", "Old Name", "New Name"]]
    assert json.loads((tmp_path / "datapackage.json").read_text())["changes_since"] == (
        "2026.11.1")
