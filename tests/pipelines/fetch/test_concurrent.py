"""Sources on different hosts are fetched at once: a refresh costs its slowest host, not the
sum. Timing bounds are loose (2x the slowest host) so a busy machine does not fail them."""

from __future__ import annotations

import socket
import time
from dataclasses import replace

import dagster as dg
import pytest

from pipelines.definitions import build_defs
from pipelines.fetch.concurrent import by_host, fetch_all, waves
from pipelines.settings import PipelineSettings
from sources.registry import SOURCES, source_named
from tests.faults.harness import entry_url, recorded_answers
from tests.faults.server import Site

SLOW = ("cfa", "dotgov", "act")  # one page each: robots.txt + the file, 0.5 s per answer


def slow_sites() -> list[Site]:
    return [Site(recorded_answers(source_named(name)), host=f"127.0.0.{n}", delay=0.5).start()
            for n, name in enumerate(SLOW, start=1)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_three_slow_hosts_take_about_as_long_as_the_slowest(tmp_path, fast_http):
    sites = slow_sites()
    try:
        plans = [(source_named(name), entry_url(source_named(name), site))
                 for name, site in zip(SLOW, sites, strict=True)]
        started = time.monotonic()
        fetched = fetch_all(plans, tmp_path, fast_http)
        wall = time.monotonic() - started
    finally:
        for site in sites:
            site.stop()
    assert all(f.outcome.snapshot for f in fetched.values()), fetched
    each = [f.seconds for f in fetched.values()]
    assert min(each) >= 0.9  # each host really is slow (two answers of 0.5 s)
    assert wall < 2 * max(each) and wall < 0.8 * sum(each), (wall, each)


def test_sources_sharing_a_host_are_fetched_one_after_another():
    cfa, dotgov, nnip = (source_named(n) for n in ("cfa", "dotgov", "nnip"))
    plans = [(cfa, "https://raw.example.org/a.json"), (nnip, "https://nnip.example.org/p"),
             (dotgov, "https://RAW.example.org/b.csv")]
    assert by_host(plans) == [[plans[0], plans[2]], [plans[1]]]


def test_a_source_that_needs_another_waits_for_it():
    order = waves(SOURCES)
    first = {s.name for s in order[0]}
    for wave_number, wave in enumerate(order):
        for source in wave:
            for needed in source.needs:
                assert any(needed in {s.name for s in earlier} for earlier in order[:wave_number])
    assert "cfa" in first and "meetup" not in first


def test_needs_that_form_a_cycle_are_refused():
    a = replace(source_named("cfa"), name="a", needs=("b",))
    b = replace(source_named("cfa"), name="b", needs=("a",))
    with pytest.raises(ValueError, match="need each other"):
        waves([a, b])


def test_the_dagster_fetch_step_fetches_concurrently_and_keeps_per_source_metadata(tmp_path):
    sites = slow_sites()
    nowhere = f"http://127.0.0.1:{closed_port()}"
    try:
        urls = {s.name: f"{nowhere}/{s.name}" for s in SOURCES} | {
            name: entry_url(source_named(name), site)
            for name, site in zip(SLOW, sites, strict=True)}
        settings = PipelineSettings(
            snapshot_dir=str(tmp_path / "snapshots"), output_dir=str(tmp_path / "out"),
            source_urls=urls, min_records={s.name: 0 for s in SOURCES}, http_delay=0.0,
            http_retries=0, http_backoff=0.0, http_timeout=5.0)
        job = build_defs(settings).resolve_job_def("refresh")
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(),
                                        raise_on_error=False,
                                        asset_selection=[dg.AssetKey(f"{n}_snapshot")
                                                         for n in SLOW])
    finally:
        for site in sites:
            site.stop()
    assert result.success
    (success,) = [e for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
    assert success.step_key == "fetch_sources"  # one step fetched the three
    seconds = {}
    for name in SLOW:
        outcome = result.output_for_node("fetch_sources", f"{name}_snapshot")
        assert outcome.snapshot and not outcome.problem and not outcome.replayed
        metadata = next(m for m in result.get_asset_materialization_events()
                        if m.asset_key == dg.AssetKey(f"{name}_snapshot")
                        ).materialization.metadata
        assert {"mode", "url", "snapshot", "problem", "fetch_seconds"} <= set(metadata)
        assert metadata["mode"].value == "live" and metadata["url"].value == urls[name]
        seconds[name] = metadata["fetch_seconds"].value
    step_seconds = success.event_specific_data.duration_ms / 1000
    assert min(seconds.values()) >= 0.9
    assert step_seconds < 2 * max(seconds.values()), (step_seconds, seconds)
