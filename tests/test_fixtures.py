"""The replay snapshots under sources/sample/ hold exactly the recorded pages they are
built from, so a fixture page edited without rebuilding its snapshot is caught here."""

import pytest

from sources.snapshot import load_snapshot, snapshot_folders
from tests.fixtures.build_replay_snapshots import BUILDERS, ROOT


@pytest.mark.parametrize("source", sorted(BUILDERS))
def test_replay_snapshot_matches_its_recorded_pages(source):
    snapshot = load_snapshot(next(snapshot_folders(ROOT, source)))
    archived = {page.url: snapshot.body(page) for page in snapshot.pages}
    assert archived == BUILDERS[source](), (
        f"rebuild with: .venv/bin/python tests/fixtures/build_replay_snapshots.py {source}")
