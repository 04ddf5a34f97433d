"""Fetch several sources at once, so a live refresh takes as long as its slowest host, not the sum.

The Dagster job runs its steps one after another (in-process executor), so the concurrency is
here: one thread per host, and sources sharing a host are fetched one after another in it. All
threads share one ``HostBook`` (``sources.http.shared_hosts``), so even a fetch plan that strays
onto another source's host keeps the rules: one request at a time per host, the per-host delay
and robots.txt, and a host marked down is down for every source of the run.

A source that ``needs`` another's records (Meetup needs the brigades' ``events_url``) can only
start once those are parsed: ``waves`` orders sources so each wave needs only earlier ones.
"""

from __future__ import annotations

import contextvars
import queue
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.fetch.one_source import FetchOutcome, fetch_source
from sources.base import Source
from sources.http import HttpSettings, host_of, shared_hosts

MAX_THREADS = 8  # hosts fetched at once; the work is waiting on the network, not the CPU


@dataclass(frozen=True)
class Fetched:
    """One source's fetch and how long it took (shown in the UI, used by the bench)."""

    outcome: FetchOutcome
    seconds: float


def by_host(plans: Sequence[tuple[Source, str]]) -> list[list[tuple[Source, str]]]:
    """Group (source, url) by host, keeping the given order within and between groups."""
    groups: dict[str, list[tuple[Source, str]]] = {}
    for source, url in plans:
        groups.setdefault(host_of(url), []).append((source, url))
    return list(groups.values())


def waves(sources: Sequence[Source]) -> list[list[Source]]:
    """Sources in waves: each needs only sources of earlier waves (or ones not given, whose
    records the caller supplies). A cycle of needs is a programming error."""
    names = {source.name for source in sources}
    done: set[str] = set()
    left = list(sources)
    result: list[list[Source]] = []
    while left:
        ready = [s for s in left if all(n in done or n not in names for n in s.needs)]
        if not ready:
            raise ValueError(f"sources need each other: {[s.name for s in left]}")
        result.append(ready)
        done |= {s.name for s in ready}
        left = [s for s in left if s.name not in done]
    return result


def fetch_all(
    plans: Sequence[tuple[Source, str]],
    snapshot_root: Path,
    http: HttpSettings,
    upstream: Mapping[str, pd.DataFrame] | None = None,
    progress: Callable[[str], None] | None = None,
    max_threads: int = MAX_THREADS,
) -> dict[str, Fetched]:
    """Fetch every (source, url) into a new snapshot, one thread per host; never raises for a
    source's failure (``fetch_source`` reports it). ``progress`` is called on the caller's
    thread only (Dagster's logger belongs to the step), as messages arrive."""
    report = progress or (lambda message: None)
    messages: queue.SimpleQueue[str] = queue.SimpleQueue()
    groups = by_host(plans)
    fetched: dict[str, Fetched] = {}
    if not groups:
        return fetched
    with shared_hosts(), ThreadPoolExecutor(
        max_workers=max(1, min(max_threads, len(groups))), thread_name_prefix="fetch"
    ) as pool:
        pending = {
            pool.submit(contextvars.copy_context().run, _fetch_group, group, snapshot_root,
                        http, upstream or {}, messages.put)
            for group in groups
        }
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(messages, report)
            for future in finished:
                fetched.update(future.result())
        _drain(messages, report)
    return {source.name: fetched[source.name] for source, _ in plans}


def _fetch_group(
    group: Sequence[tuple[Source, str]],
    snapshot_root: Path,
    http: HttpSettings,
    upstream: Mapping[str, pd.DataFrame],
    progress: Callable[[str], None],
) -> dict[str, Fetched]:
    """The sources of one host, one after another. A surprise in one source (a corrupt
    previous snapshot makes ``fetch_source`` raise) is that source's problem, not the run's."""
    done = {}
    for source, url in group:
        started = time.monotonic()
        try:
            outcome = fetch_source(source, url, snapshot_root, http, upstream, progress=progress)
        except Exception as error:
            outcome = FetchOutcome(source.name, url, None, replayed=False, problem=(
                f"{source.name}: fetch failed ({url}): {type(error).__name__}: {error}"))
        done[source.name] = Fetched(outcome, time.monotonic() - started)
    return done


def _drain(messages: queue.SimpleQueue[str], report: Callable[[str], None]) -> None:
    while True:
        try:
            report(messages.get_nowait())
        except queue.Empty:
            return
