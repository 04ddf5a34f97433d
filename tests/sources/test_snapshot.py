"""Snapshots are written whole or not at all, and their bodies are checked on read."""

import pytest

from sources.errors import SnapshotError
from sources.snapshot import SnapshotWriter, latest_snapshot, load_snapshot
from tests.support import make_snapshot


def test_a_snapshot_round_trips_bodies_exactly(tmp_path):
    body = "Café, “quotes”\r\n".encode()
    snapshot = make_snapshot(tmp_path, "src", {"http://example.test/a": body})
    again = load_snapshot(snapshot.folder)
    assert again.body(again.page("http://example.test/a")) == body
    assert again.pages[0].size == len(body) and again.mode == "fixture" and again.is_sample


def test_an_interrupted_fetch_is_not_a_snapshot(tmp_path):
    complete = make_snapshot(tmp_path, "src", {"http://example.test/a": b"1"})
    unfinished = SnapshotWriter(tmp_path, "src")  # never closed: no manifest
    unfinished.add(url="http://example.test/a", final_url="http://example.test/a", status=200,
                   content_type="", body=b"2", retrieved_at="2026-11-02T00:00:00Z")
    assert latest_snapshot(tmp_path, "src").folder == complete.folder


def test_a_tampered_body_is_detected(tmp_path):
    snapshot = make_snapshot(tmp_path, "src", {"http://example.test/a": b"original"})
    (snapshot.folder / snapshot.pages[0].path).write_bytes(b"changed!")  # same size
    with pytest.raises(SnapshotError, match="sha256"):
        snapshot.body(snapshot.pages[0])


def test_same_content_same_fingerprint(tmp_path):
    a = make_snapshot(tmp_path / "a", "src", {"http://example.test/a": b"x"})
    b = make_snapshot(tmp_path / "b", "src", {"http://example.test/a": b"x"},
                      retrieved_at="2026-11-09T00:00:00Z")
    c = make_snapshot(tmp_path / "c", "src", {"http://example.test/a": b"y"})
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


def test_old_snapshots_are_pruned_but_the_last_good_one_is_kept(tmp_path):
    from sources.snapshot import prune_snapshots, snapshot_folders, write_last_good

    made = [make_snapshot(tmp_path, "src", {"http://example.test/a": bytes([n])})
            for n in range(5)]
    write_last_good(tmp_path, made[0], records=1)  # the oldest is the last that parsed
    removed = prune_snapshots(tmp_path, "src", keep=2)
    kept = list(snapshot_folders(tmp_path, "src"))
    assert kept == [made[4].folder, made[3].folder, made[0].folder]
    assert sorted(removed) == sorted([made[1].folder, made[2].folder])
    assert prune_snapshots(tmp_path, "src", keep=0) == []  # 0 keeps everything


def test_a_truncated_body_is_reported_with_its_size(tmp_path):
    snapshot = make_snapshot(tmp_path, "src", {"http://example.test/a": b"original"})
    (snapshot.folder / snapshot.pages[0].path).write_bytes(b"orig")
    with pytest.raises(SnapshotError, match="body is 4 bytes, the manifest says 8"):
        snapshot.body(snapshot.pages[0])


def test_a_deleted_body_is_reported_as_missing(tmp_path):
    snapshot = make_snapshot(tmp_path, "src", {"http://example.test/a": b"original"})
    (snapshot.folder / snapshot.pages[0].path).unlink()
    with pytest.raises(SnapshotError, match="body file missing"):
        snapshot.body(snapshot.pages[0])


@pytest.mark.parametrize("manifest, problem", [
    ('{"source": "src", "pag', "the manifest is not valid JSON"),
    ('{"source": "src"}', "the manifest lacks or garbles 'started_at'"),
    ('[]', "the manifest lacks or garbles"),
])
def test_a_corrupt_manifest_names_the_file(tmp_path, manifest, problem):
    snapshot = make_snapshot(tmp_path, "src", {"http://example.test/a": b"original"})
    (snapshot.folder / "manifest.json").write_text(manifest)
    with pytest.raises(SnapshotError, match=problem) as error:
        load_snapshot(snapshot.folder)
    assert str(snapshot.folder / "manifest.json") in str(error.value)
