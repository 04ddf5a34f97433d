"""What a source is: a fetch plan that fills a snapshot, and a pure parser that reads one.

Adding a source means writing one module that defines a ``Source`` and registering it in
``sources.registry``; the pipeline builds its assets, checks and configuration from that.

A source that can be configured declares its settings next to its code as a ``SourceSettings``
model, each field named after the environment variable it is read from. No source reads the
environment: the pipeline reads every variable in one place (``pipelines/settings.py``) and
hands each source its settings (``Source.configured``), so fetch plans and parsers only ever
see values given as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial, update_wrapper
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ConfigDict

from schemas.table import Table
from sources.errors import FetchError
from sources.http import PoliteClient, Validators
from sources.snapshot import Page, Snapshot, SnapshotWriter


class Recorder:
    """What a fetch plan uses: GET a URL through the polite client and archive the answer.

    When the previous snapshot holds the same URL, the request is conditional; a 304 archives the
    previous body again (marked ``not_modified``) so every snapshot stands alone.
    """

    def __init__(
        self,
        client: PoliteClient,
        writer: SnapshotWriter,
        previous: Snapshot | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.writer = writer
        self.progress = progress or (lambda message: None)
        self.previous = {p.url: p for p in previous.pages} if previous else {}
        self.previous_snapshot = previous

    def get(self, url: str, expected: str = "a 200 response") -> bytes:
        """Fetch and archive ``url``; return its body. Raises FetchError (also recorded)."""
        old = self.previous.get(url)
        validators = Validators(old.etag, old.last_modified) if old else None
        try:
            response = self.client.get(url, validators, expected)
        except FetchError as error:
            self.writer.fail(url, str(error))
            self.progress(f"{self.writer.source}: failed {url}: {error.problem}")
            raise
        body = response.body
        unchanged_file = None
        if response.not_modified and old is not None and self.previous_snapshot is not None:
            body = self.previous_snapshot.body(old)
            unchanged_file = self.previous_snapshot.folder / old.path
        self.writer.add(
            same_as=unchanged_file,
            url=url,
            final_url=response.final_url,
            status=response.status,
            content_type=response.content_type or (old.content_type if old else ""),
            body=body,
            retrieved_at=response.retrieved_at,
            etag=response.etag,
            last_modified=response.last_modified,
            not_modified=response.not_modified,
        )
        done = len(self.writer.pages)
        state = "unchanged" if response.not_modified else f"{len(body):,} bytes"
        self.progress(f"{self.writer.source}: page {done} fetched ({state}): {url}")
        return body


class SourceSettings(BaseModel):
    """A source's own settings. Each field that users set names its environment variable as
    its ``validation_alias`` (the pipeline reads it from there, and nothing else does); fields
    without one are fixed in code. Built by field name in code and tests."""

    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True)


Function = TypeVar("Function", bound=Callable)


def bound(function: Function, /, **arguments: Any) -> Function:
    """``function`` with some arguments given (a source's settings), keeping its name and
    docstring (the UI describes a check by its function's docstring)."""
    return update_wrapper(partial(function, **arguments), function)  # type: ignore[return-value]


FetchPlan = Callable[[Recorder, str, Mapping[str, pd.DataFrame]], None]
Parser = Callable[[Snapshot], pd.DataFrame]
ToListings = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class SideTable:
    table: Table
    build: Parser


@dataclass(frozen=True)
class Source:
    """One source of intermediaries.

    ``fetch`` fills a snapshot starting from ``url`` (it may follow links; ``upstream`` holds the
    records of the sources named in ``needs``). ``parse`` turns a snapshot into records that
    match ``table``. ``to_listings`` maps those records onto the shared ``source_records`` columns
    it has. ``health`` / ``profile`` / ``summary`` are optional extra checks and UI metadata.
    """

    name: str
    title: str
    default_url: str
    table: Table
    fetch: FetchPlan
    parse: Parser
    to_listings: ToListings
    min_records: int = 1
    max_drop: float = 0.5  # fail when a refresh yields under (1 - max_drop) x the last good count
    needs: tuple[str, ...] = ()
    # Rules beyond the record count, e.g. "every state that had agencies still has some":
    # health(records, profile of the last good records) -> problem or None (the records are then
    # not published: the source is carried forward from its last good snapshot, or left out).
    health: Callable[[pd.DataFrame, Mapping | None], str | None] | None = None
    profile: Callable[[pd.DataFrame], dict] | None = None
    # A rule whose failure only warns (the data is usable but older than it should be):
    # stale(records) -> problem or None.
    stale: Callable[[pd.DataFrame], str | None] | None = None
    summary: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # per-group counts for the UI
    # More than listings, read from the same snapshot: tables published as they are; events for
    # the shared ``events`` table (with the ``record_id`` of the listing they belong to); and an
    # activity signal per listing (record_id, activity, activity_as_of, last/next_event_date).
    side_tables: tuple[SideTable, ...] = ()
    events: Parser | None = None
    activity: Parser | None = None
    homepage: str = ""
    license_note: str = ""
    # A licence that asks for attribution in the package: a Frictionless licence's (key,
    # value) pairs (name, path, title), listed in the package's licences beside its own when
    # the source is in a release. Pairs, not a dict, so a Source stays hashable.
    license: tuple[tuple[str, str], ...] = ()
    # The settings this source runs with (its own SourceSettings model; defaults until the
    # pipeline configures it), and how to build the source again with other settings.
    settings: SourceSettings | None = None
    define: Callable[[Any], Source] | None = None

    def configured(self, settings: SourceSettings | None) -> Source:
        """This source running with ``settings`` (an instance of its own settings model)."""
        if settings is None or self.define is None:
            return self
        if type(settings) is not type(self.settings):
            raise TypeError(f"{self.name} takes {type(self.settings).__name__}, not "
                            f"{type(settings).__name__}")
        return self.define(settings)

    @property
    def tables(self) -> tuple[Table, tuple[Table, ...]]:
        """The tables this source fills: its records, then its side tables."""
        return self.table, tuple(side.table for side in self.side_tables)

    @property
    def url_variable(self) -> str:
        return f"INTERMEDIARIES_{self.name.upper()}_URL"


def fetch_single(recorder: Recorder, url: str, upstream: Mapping[str, pd.DataFrame]) -> None:
    """The fetch plan of a source that is one file."""
    recorder.get(url)


def only_page(snapshot: Snapshot) -> Page:
    """The one page of a single-file source, or a clear error."""
    ok = [p for p in snapshot.pages if p.status in (200, 304)]
    if not ok:
        raise ValueError(f"snapshot {snapshot.folder} holds no successful response")
    return ok[0]
