"""What a release's identity (its inputs' fingerprint) is made of."""

from __future__ import annotations

from pipelines.link import tables

PARTS = [("cfa", "live", "abc"), ("dotgov", "live", "def")]


def test_the_same_inputs_and_code_give_the_same_fingerprint():
    assert tables.inputs_fingerprint(PARTS) == tables.inputs_fingerprint(list(reversed(PARTS)))


def test_changed_code_gives_a_new_release_even_with_the_same_version(monkeypatch):
    """An upgraded checkout (a new rule in the answer, a fixed query) must publish its page and
    macros anew, though the package version and every source's bytes are unchanged."""
    before = tables.inputs_fingerprint(PARTS)
    monkeypatch.setattr(tables, "code_digest", lambda: "another checkout")
    assert tables.inputs_fingerprint(PARTS) != before


def test_the_code_digest_covers_the_rules_not_the_sample_bodies(tmp_path):
    query = tmp_path / "pipelines" / "answer" / "queries" / "near_place.sql"
    sample = tmp_path / "sources" / "sample" / "cfa" / "2026" / "manifest.json"
    for path in (query, sample):
        path.parent.mkdir(parents=True)
        path.write_text("one")
    before = tables.tree_digest(tmp_path)
    sample.write_text("a newer recorded body")
    assert tables.tree_digest(tmp_path) == before  # data, not code
    query.write_text("two")
    assert tables.tree_digest(tmp_path) != before
    assert tables.code_digest() == tables.code_digest() and len(tables.code_digest()) == 64
