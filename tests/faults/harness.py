"""Fault injection for every registered source, through the whole path a live refresh takes.

Each source gets a local ``Site`` serving the pages of its replay snapshot under
``sources/sample/<source>/`` at their own paths (sources are read from
``sources.registry.SOURCES``, so one registered later is covered without changing this file).
A ``Lab`` first runs one good live refresh from those sites (fetch, parse, LAST_GOOD, release
published), then reruns it with one ``Fault`` injected into every site at once (or into one
site, the others answering as before) and reports, per source, what became of it: a named
error with the last good records carried forward (also when the data failed the source's own
checks), a successful retry... and whether the published files changed.

The refresh is the pipeline's own code: ``pipelines.fetch.concurrent.fetch_all`` (``fetch_source``
per source, one thread per host, in waves for sources that need another's records), then
``parse_source``, then, unless a blocking check failed (as the Dagster checks would stop it),
``build_release`` and ``publish``. Used by ``tests/faults`` and
``bench/fault_matrix.py``.
"""

from __future__ import annotations

import hashlib
import importlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.fetch.concurrent import fetch_all, waves
from pipelines.fetch.one_source import FetchOutcome
from pipelines.fetch.records import SourceRecords, parse_source
from pipelines.link.tables import build_release
from pipelines.publish.release import publish
from pipelines.settings import PipelineSettings
from sources.base import Source
from sources.errors import SnapshotError, SourceError
from sources.http import HttpSettings
from sources.registry import SOURCES
from sources.snapshot import (
    LAST_GOOD,
    SAMPLE_SNAPSHOTS,
    load_snapshot,
    read_last_good,
    snapshot_folders,
)
from tests.faults.server import Answer, Fault, Handler, Site

REPLAYS = SAMPLE_SNAPSHOTS
CREATED = "2026-11-25T06:00:00Z"
TIMEOUT = 1.0
# Small waits so the whole matrix runs in seconds: one retry, no backoff, no politeness delay.
FAULT_HTTP = HttpSettings(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, retries=1,
                          backoff_factor=0.0, per_host_delay=0.0, max_retry_after=5.0)
# Longest a source's fetch may take under any fault: a few requests' worth of retries and
# timeouts before the host is marked down, plus a Retry-After. More means something hangs.
MAX_FETCH_SECONDS = 4 * (FAULT_HTTP.retries + 1) * TIMEOUT + 2.0
FLOOR = 1  # the fixtures are small: any record counts (the drop-since-last-good rule still holds)
DUMMY_TOKEN = "dummy-fault-token"

# What the recorded pages assume beyond a token (which every source with a TOKEN_VARIABLE gets).
SOURCE_ENVIRONMENT = {
    "INTERMEDIARIES_EVENTBRITE_ORGS": "207140026882",
    "INTERMEDIARIES_MEETUP_METROS": "Albuquerque=35.08,-106.65",
    "INTERMEDIARIES_MEETUP_KEYWORDS": "civic tech, open data",
    "INTERMEDIARIES_SDC_EXPECTED_LEADS": "4",  # the fixtures record 4 state pages
}


# --- the faults ------------------------------------------------------------------------------

def _status(code: int, headers: dict[str, str] | None = None):  # noqa: ANN202
    def respond(handler: Handler, good: Answer | None) -> bool:
        handler.send_body(code, f"error {code}".encode(), "text/plain", headers)
        return True
    return respond


def _reset(handler: Handler, good: Answer | None) -> bool:
    handler.reset_connection()
    return True


def _silent(handler: Handler, good: Answer | None) -> bool:
    time.sleep(TIMEOUT * 1.6)  # longer than the read timeout, then the answer nobody awaits
    handler.close_connection = True
    return False


def _truncated(handler: Handler, good: Answer | None) -> bool:
    if good is None:
        return False
    handler.send_response(200)
    handler.send_header("Content-Type", good.content_type)
    handler.send_header("Content-Length", str(len(good.body) + 4096))
    handler.end_headers()
    handler.wfile.write(good.body[: len(good.body) // 2])
    handler.wfile.flush()
    handler.close_connection = True
    return True


def _empty(handler: Handler, good: Answer | None) -> bool:
    if good is None:
        return False
    handler.send_body(200, b"", good.content_type)
    return True


ERROR_PAGE = (b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>"
              b"<h1>Sorry, something went wrong</h1><p>Please try again later.</p></body></html>")


def _html_error_page(handler: Handler, good: Answer | None) -> bool:
    if good is None:
        return False
    handler.send_body(200, ERROR_PAGE, "text/html; charset=utf-8")
    return True


def _redirect_loop(handler: Handler, good: Answer | None) -> bool:
    path = handler.path
    target = path.replace("loop=1", "").rstrip("?&") if "loop=1" in path else (
        path + ("&" if "?" in path else "?") + "loop=1")
    handler.send_body(302, b"", "text/plain", {"Location": target})
    return True


def _oversize(handler: Handler, good: Answer | None) -> bool:
    handler.send_response(200)
    handler.send_header("Content-Type", good.content_type if good else "text/plain")
    handler.send_header("Content-Length", str(2**40))  # 1 TiB announced, a little sent
    handler.end_headers()
    handler.wfile.write(b"x" * 1024)
    handler.close_connection = True
    return True


CHANGED_LAYOUT = {
    "json": b'{"version": 2, "data": {"items": [], "next": null}}',
    "html": (b"<!DOCTYPE html><html><head><title>Our network</title></head><body><main>"
             b"<h1>Our network</h1><p>The directory has moved to our new site.</p>"
             b"</main></body></html>"),
    "ics": (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//New platform//EN\r\n"
            b"BEGIN:VTODO\r\nUID:todo-1@example.org\r\nSUMMARY:Nothing to see\r\nEND:VTODO\r\n"
            b"END:VCALENDAR\r\n"),
    "csv": b"id,title,location_text\r\n1,Example,Somewhere\r\n",
    "yaml": b"organizations:\n  - title: Example\n    homepage: https://example.org\n",
    "text": b"This page has moved.\n",
}


def _layout_changed(handler: Handler, good: Answer | None) -> bool:
    if good is None:
        return False
    handler.send_body(200, CHANGED_LAYOUT[good.kind], good.content_type)
    return True


FAULTS: tuple[Fault, ...] = (
    Fault("http_500", "HTTP 500 on every request", _status(500)),
    Fault("http_503_then_200", "HTTP 503 on the first request, then the normal answers",
          _status(503), transient=True),
    Fault("http_429_retry_after", "HTTP 429 with Retry-After: 1 on the first request, then the "
          "normal answers", _status(429, {"Retry-After": "1"}), transient=True),
    Fault("http_429_always", "HTTP 429 with Retry-After: 0 on every request",
          _status(429, {"Retry-After": "0"})),
    Fault("connection_reset", "the connection is reset (TCP RST) before any answer", _reset),
    Fault("read_timeout", f"no answer for {TIMEOUT * 1.6:g} s (read timeout {TIMEOUT:g} s)",
          _silent),
    Fault("truncated_body", "Content-Length 4 KiB more than the half body that is sent",
          _truncated),
    Fault("empty_body", "200 with an empty body", _empty),
    Fault("html_error_page", "200 with an HTML error page where the data was expected",
          _html_error_page),
    Fault("redirect_loop", "302 to a second URL that redirects back", _redirect_loop),
    Fault("oversize_body", "200 announcing a 1 TiB body", _oversize),
    Fault("layout_changed", "200 in the right format with a different layout", _layout_changed),
)
FAULT_NAMES = [fault.name for fault in FAULTS]


def fault_named(name: str) -> Fault:
    return next(fault for fault in FAULTS if fault.name == name)


# --- what each source needs --------------------------------------------------------------------

def recorded_answers(source: Source) -> dict[str, list[Answer]]:
    """The source's replay snapshot as path -> answers (pages of one path in recorded order);
    pages that were not fetched over HTTP (Meetup's group list) are left out."""
    folder = next(snapshot_folders(REPLAYS, source.name))
    snapshot = load_snapshot(folder)
    answers: dict[str, list[Answer]] = {}
    for page in snapshot.pages:
        parts = urlsplit(page.url)
        if parts.scheme not in ("http", "https") or page.status != 200:
            continue
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        answers.setdefault(path, []).append(Answer(snapshot.body(page), page.content_type))
    return answers


def entry_url(source: Source, site: Site) -> str:
    """Where the source's fetch starts on its site: the production URL's path when the
    recorded pages live under it (a listing, a folder, an API base), else the first page."""
    default = urlsplit(source.default_url)
    prefix = default.path.rstrip("/")
    paths = list(site.answers)
    if any(path.startswith(prefix) for path in paths):
        return site.url + default.path + (f"?{default.query}" if default.query else "")
    return site.url + paths[0]


def environment(work: Path) -> dict[str, str]:
    """Variables the fault runs set: a dummy token for every source that reads one, the
    settings the recorded pages assume, and an empty extra Meetup groups list (only the
    brigades' groups are read)."""
    env = dict(SOURCE_ENVIRONMENT)
    for source in SOURCES:
        token = getattr(importlib.import_module(source.fetch.__module__), "TOKEN_VARIABLE", None)
        if token:
            env[token] = DUMMY_TOKEN
    groups = work / "no-extra-meetup-groups.txt"
    groups.parent.mkdir(parents=True, exist_ok=True)
    groups.write_text("# none: the brigades' groups only\n", encoding="utf-8")
    env["INTERMEDIARIES_MEETUP_GROUPS_FILE"] = str(groups)
    return env


# --- one run ------------------------------------------------------------------------------------

@dataclass
class SourceRun:
    """What one refresh did with one source."""

    source: str
    url: str
    netloc: str
    fetched: FetchOutcome
    seconds: float
    records: SourceRecords
    requests: int
    exception: str | None = None  # a parser's own exception type, when it was not a SourceError
    last_good_retrieved_at: str | None = None  # of the LAST_GOOD snapshot before this run

    @property
    def blocking(self) -> str | None:
        """A failed check on records about to be published (what would stop the publish);
        a strict run never hands such records on: they are carried forward or left out."""
        return self.records.check_problem if self.records.status == "fresh" else None

    @property
    def problem(self) -> str:
        return self.blocking or self.records.problem or ""

    @property
    def outcome(self) -> str:
        """fresh | carried_forward | missing | skipped | stopped (a blocking check)."""
        if self.blocking:
            return "stopped"
        if self.records.skipped:
            return "skipped"
        return self.records.status

    def named(self) -> list[str]:
        """What the problem text fails to name: the source, the URL (its host), what was
        expected. Empty when it names all three (or when there is no problem)."""
        text = self.problem
        if not text:
            return []
        missing = []
        if not text.startswith(f"{self.source}:"):
            missing.append("source")
        if self.netloc not in text:
            missing.append("url")
        if "expected" not in text:
            missing.append("expected")
        return missing

    def cell(self) -> str:
        """A short table cell: the outcome and the gist of the reason."""
        text = self.problem.removeprefix(f"{self.source}: ")
        gist = text.split(f" ({self.url}", 1)[0].split(" (http://", 1)[0]
        gist = gist.replace(f"http://{self.netloc}", "")
        label = {"fresh": "fresh", "carried_forward": "carried fwd", "missing": "missing",
                 "skipped": "skipped", "stopped": "STOPPED"}[self.outcome]
        if self.exception:
            gist = f"BARE {self.exception}: {gist}"
        return f"{label}: {gist[:70]}" if gist else label


@dataclass
class Run:
    fault: str
    sources: dict[str, SourceRun]
    seconds: float
    published: str  # "written", or why nothing was written
    hashes: dict[str, str] = field(default_factory=dict)


def release_hashes(out: Path) -> dict[str, str]:
    """sha256 of every published file (lock and staging files start with a dot)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def digest(hashes: Mapping[str, str]) -> str:
    """One hash for a whole release, for a table."""
    text = "\n".join(f"{name} {value}" for name, value in sorted(hashes.items()))
    return hashlib.sha256(text.encode()).hexdigest()


class Lab:
    """One site per source, a snapshot archive and an output folder under ``work``."""

    def __init__(self, work: Path, http: HttpSettings = FAULT_HTTP) -> None:
        self.work = work
        self.http = http
        self.settings = PipelineSettings()  # hands each source its settings from the environment
        self.snapshots = work / "snapshots"
        self.out = work / "out"
        self.sites = {s.name: Site(recorded_answers(s)) for s in SOURCES}
        self.baseline: Run | None = None
        self.results: dict[str, Run] = {}

    def start(self) -> Lab:
        for site in self.sites.values():
            site.start()
        self.urls = {s.name: entry_url(s, self.sites[s.name]) for s in SOURCES}
        self.baseline = self.run(None)
        self._kept = {p: p.read_bytes() for p in [*self.snapshots.glob(f"*/{LAST_GOOD}"),
                                                  *self.out.iterdir()] if p.is_file()}
        return self

    def _restore(self) -> None:
        """Every fault run starts from the baseline's LAST_GOOD markers and release, so one
        fault's effect never leaks into the next (whatever order the tests run in)."""
        for marker in self.snapshots.glob(f"*/{LAST_GOOD}"):
            marker.unlink()
        for path in self.out.iterdir():
            if path.is_file():
                path.unlink()
        for path, data in self._kept.items():
            path.write_bytes(data)

    def stop(self) -> None:
        for site in self.sites.values():
            site.stop()

    def result(self, fault: str, only: str | None = None) -> Run:
        """The run of a fault by name (in every site, or only in source ``only``'s), run once
        and remembered."""
        key = fault if only is None else f"{fault}@{only}"
        if key not in self.results:
            self.results[key] = self.run(fault_named(fault), only)
        return self.results[key]

    def run(self, fault: Fault | None, only: str | None = None) -> Run:
        """One refresh of every source with ``fault`` injected into every site (or only into
        source ``only``'s: the others answer as in the baseline)."""
        if self.baseline is not None:
            self._restore()
        for name, site in self.sites.items():
            site.reset(fault if only in (None, name) else None)
        started = time.monotonic()
        before = {s.name: last_good_retrieved_at(self.snapshots, s.name) for s in SOURCES}
        runs: dict[str, SourceRun] = {}
        for wave in waves(SOURCES):
            upstream = {name: runs[name].records.records for s in wave for name in s.needs
                        if name in runs}
            wave = [self.settings.configured(s) for s in wave]  # as the assets hand them over
            done = fetch_all([(s, self.urls[s.name]) for s in wave], self.snapshots,
                             self.http, upstream)
            for source in wave:
                fetched = done[source.name]
                records = parse_source(source, fetched.outcome, self.snapshots, FLOOR)
                site = self.sites[source.name]
                runs[source.name] = SourceRun(
                    source.name, self.urls[source.name], site.netloc, fetched.outcome,
                    fetched.seconds, records, len(site.requests),
                    parser_exception(source, fetched.outcome), before[source.name])
        published = self.publish(list(runs.values()))
        return Run(fault.name if fault else "none", runs, time.monotonic() - started,
                   published, release_hashes(self.out) if self.out.is_dir() else {})

    def publish(self, runs: list[SourceRun]) -> str:
        """What the publish assets would do: nothing when a blocking check failed (the
        Dagster checks stop the graph there), else build the release and write it."""
        stopped = [r.source for r in runs if r.blocking]
        if stopped:
            return f"stopped by a blocking check ({', '.join(stopped)})"
        release = build_release([r.records for r in runs])
        outcome = publish(release, self.out, CREATED)
        return "written" if outcome.published else outcome.reason


def last_good_retrieved_at(snapshots: Path, source: str) -> str | None:
    state = read_last_good(snapshots, source)
    return load_snapshot(Path(state["snapshot"])).retrieved_at if state else None


def parser_exception(source: Source, fetched: FetchOutcome) -> str | None:
    """The exception type a source's parsers raise on the fetched snapshot, when it is not the
    typed kind (SourceError, or SnapshotError for a damaged archive): that is a parser bug."""
    if fetched.snapshot is None:
        return None
    try:
        snapshot = load_snapshot(Path(fetched.snapshot))
        source.parse(snapshot)
        for side in source.side_tables:
            side.build(snapshot)
        for extra in (source.events, source.activity):
            if extra:
                extra(snapshot)
    except (SourceError, SnapshotError):
        return None
    except Exception as error:
        return f"{type(error).__module__}.{type(error).__name__}"
    return None
