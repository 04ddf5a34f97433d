"""Every fault x every registered source, against real local servers, through fetch, parse and
publish: each source ends in a named error (its last good records carried forward), a visible
skip, a check that stops the publish, or a successful retry; never an unhandled exception, a
hang, or garbage accepted as data; and the published release stays byte-identical.

One good live refresh (module scope) archives a LAST_GOOD for each source and publishes the
release; each fault then runs once with every site misbehaving at once (a bad day), and the
per-source cells read that run. ``bench/fault_matrix.py`` prints the same matrix as a table.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sources.registry import SOURCES
from tests.faults.harness import (
    FAULT_NAMES,
    MAX_FETCH_SECONDS,
    Lab,
    Run,
    environment,
    fault_named,
)

# Known gaps, kept visible: strict, so a fix turns them into failures that ask for the entry
# to be removed.
KNOWN: dict[tuple[str, str], str] = {}  # every cell is met


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    work = tmp_path_factory.mktemp("faults")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment(work).items():
            patch.setenv(name, value)
        lab = Lab(work).start()
        try:
            yield lab
        finally:
            lab.stop()


def result(lab: Lab, fault: str) -> Run:
    """Each fault runs once per module; its cells share the run."""
    return lab.result(fault)


def test_the_baseline_is_a_good_live_refresh_of_every_source(lab):
    baseline = lab.baseline
    assert baseline.published == "written"
    assert {name: r.outcome for name, r in baseline.sources.items()} == {
        s.name: "fresh" for s in SOURCES}
    assert all(not r.records.sample for r in baseline.sources.values())  # a live LAST_GOOD
    assert "datapackage.json" in baseline.hashes and "intermediaries.duckdb" in baseline.hashes


@pytest.mark.parametrize("fault", FAULT_NAMES)
def test_a_fault_leaves_the_published_release_byte_identical(lab, fault):
    """Nothing new came in (every source failed, or retried into the same data), so nothing
    is rewritten, whatever the fault."""
    run = result(lab, fault)
    assert run.published != "written", run.published
    assert run.hashes == lab.baseline.hashes


CELLS = [
    pytest.param(fault, source.name, id=f"{fault}-{source.name}",
                 marks=[pytest.mark.xfail(strict=True, reason=KNOWN[(fault, source.name)])]
                 if (fault, source.name) in KNOWN else [])
    for fault in FAULT_NAMES for source in SOURCES
]


@pytest.mark.parametrize(("fault", "source"), CELLS)
def test_each_source_ends_in_a_named_error_or_a_retry(lab, fault, source):
    cell = result(lab, fault).sources[source]
    good = lab.baseline.sources[source]
    assert cell.exception is None, f"the parser raised a bare {cell.exception}"
    assert cell.seconds <= MAX_FETCH_SECONDS, f"fetch took {cell.seconds:.1f} s"
    if fault_named(fault).transient:  # a hiccup: retried, and the same data as before
        assert cell.outcome == "fresh", cell.problem
        assert cell.records.fingerprint == good.records.fingerprint
        assert cell.requests == good.requests + 1
        return
    assert cell.outcome in ("carried_forward", "skipped", "stopped"), cell.outcome
    if cell.outcome == "carried_forward":  # the last good records, as they were retrieved
        assert cell.records.fingerprint == good.records.fingerprint
        assert cell.records.retrieved_at == cell.last_good_retrieved_at
    assert not cell.named(), f"{cell.problem!r} does not name the {', '.join(cell.named())}"


@pytest.mark.parametrize("down", ["cfa", "dotgov"])
def test_one_source_down_and_the_others_unchanged_publishes_no_new_version(lab, down):
    """The source's status (fresh -> carried forward) is the run's, not the release's: with
    the same bytes from every other source there is nothing new to publish."""
    run = lab.result("http_500", only=down)
    assert run.sources[down].outcome == "carried_forward"
    assert all(r.outcome == "fresh" for name, r in run.sources.items() if name != down)
    assert run.published != "written", run.published
    assert run.hashes == lab.baseline.hashes


@pytest.mark.parametrize("changed", ["irs_bmf", "nnip", "cfa", "dotgov"])
def test_a_source_failing_its_checks_is_carried_forward_like_an_unreachable_one(lab, changed):
    """A layout that no longer parses, or far fewer records: the last good records are carried
    forward, the problem is named, nothing is stopped, and (the others unchanged) nothing new
    is published."""
    run = lab.result("layout_changed", only=changed)
    cell = run.sources[changed]
    assert cell.outcome == "carried_forward", cell.problem
    assert cell.records.fingerprint == lab.baseline.sources[changed].records.fingerprint
    assert not cell.named(), cell.problem
    assert not [r.source for r in run.sources.values() if r.blocking]
    assert run.published != "written" and run.hashes == lab.baseline.hashes
