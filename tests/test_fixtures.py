"""The sample snapshots under sources/sample/ are the one home of the recorded pages: each is
exactly what tests/fixtures/build_replay_snapshots.py writes from its own bodies (and the few
derived ones), so a body edited without rebuilding its manifest is caught here, and no recorded
page has a second copy among the hand-made variants in tests/fixtures."""

import hashlib
from pathlib import Path

import pytest

from sources.snapshot import load_snapshot, snapshot_folders
from tests.fixtures.build_replay_snapshots import BUILDERS, ROOT, build
from tests.support import FIXTURES

REBUILD = "rebuild with: .venv/bin/python tests/fixtures/build_replay_snapshots.py"


def digests(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by its relative path, as its sha256."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_every_sample_snapshot_has_a_builder():
    assert sorted(p.name for p in ROOT.iterdir() if p.is_dir()) == sorted(BUILDERS)


@pytest.mark.parametrize("source", sorted(BUILDERS))
def test_every_sample_body_matches_its_manifest(source):
    snapshot = load_snapshot(next(snapshot_folders(ROOT, source)))
    for page in snapshot.pages:
        snapshot.body(page)  # a SnapshotError names the body that changed
    assert snapshot.pages, f"{source}: the sample snapshot holds no page"


@pytest.mark.parametrize("source", sorted(BUILDERS))
def test_rebuilding_a_sample_snapshot_reproduces_it_byte_for_byte(source, tmp_path):
    rebuilt = build(source, tmp_path)
    assert digests(rebuilt.parent) == digests(ROOT / source), f"{REBUILD} {source}"


def test_no_recorded_page_is_also_kept_in_tests_fixtures():
    variants: dict[str, list[str]] = {}
    for path in FIXTURES.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            variants.setdefault(digest, []).append(str(path.relative_to(FIXTURES)))
    copies = {f"{source}/{name}": variants[digest]
              for source in sorted(BUILDERS)
              for name, digest in digests(ROOT / source).items() if digest in variants}
    assert not copies, ("recorded pages live once, in the sample snapshot (read them with "
                        f"tests.support.sample_bodies); delete these copies: {copies}")
