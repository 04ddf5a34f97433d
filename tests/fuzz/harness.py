"""What every fuzz test shares: the recorded pages of each registered source, snapshots built
from a fuzzed body, and the check of what a parser may do with it.

A parser given any bytes may only (1) return records that pass its source's pandera model,
with any rejected records as ``Rejection`` rows, or (2) raise its typed ``SourceError``.
Anything else (KeyError, RecursionError, a pandera SchemaError escaping, a hang) is a bug.

Sources are taken from ``sources.registry.SOURCES`` and their pages from the replay snapshot
each source keeps under ``sources/sample/<name>/`` (the URL shapes its fetch plan
archives), so a source registered later is fuzzed without changing these tests.
"""

from __future__ import annotations

import hashlib
import shutil
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from pandera.api.pandas.container import DataFrameSchema

from schemas.table import Table, pandera_schema
from sources.base import Source
from sources.errors import SourceError
from sources.registry import SOURCES
from sources.rejects import Rejection, as_parsed
from sources.snapshot import (
    SAMPLE_SNAPSHOTS,
    Page,
    Snapshot,
    SnapshotWriter,
    load_snapshot,
    snapshot_folders,
)
from tests.support import FIXTURES

REPLAYS = SAMPLE_SNAPSHOTS
REFERENCE = Path("/work/shared/reference")  # real records, where this machine has them
EXAMPLE_SECONDS = 20  # one ordinary example that takes longer is a hang
SOURCE_NAMES = [source.name for source in SOURCES]
EXAMPLES: Counter[tuple[str, str]] = Counter()  # (source, strategy) -> inputs run
OUTCOMES: Counter[tuple[str, str]] = Counter()  # (source, 'records' or 'error') -> inputs


class Hang(BaseException):  # noqa: N818  (BaseException: no parser's `except Exception` eats it)
    """A parser ran past its time limit."""


@dataclass(frozen=True)
class Recorded:
    """One archived response of a replay snapshot."""

    page: Page
    body: bytes

    @property
    def kind(self) -> str:
        """The body's format: html, json, ics, csv, yaml or text (for format-aware inputs)."""
        url, head = self.page.url.lower(), self.body[:2048].lstrip().lower()
        content_type = self.page.content_type.lower()
        if url.endswith((".yml", ".yaml")) or "yaml" in content_type:
            return "yaml"
        if url.endswith(".csv") or "csv" in content_type:
            return "csv"
        if b"begin:vcalendar" in head or "calendar" in content_type:
            return "ics"
        if head[:1] in (b"{", b"[") or "json" in content_type:
            return "json"
        if b"<" in head:
            return "html"
        return "text"


@dataclass(frozen=True)
class Replay:
    """A source's replay snapshot: its pages and the failures its fetch recorded."""

    source: Source
    pages: tuple[Recorded, ...]
    failures: tuple[tuple[str, str], ...]


def source_named(name: str) -> Source:
    return next(source for source in SOURCES if source.name == name)


@cache
def replay(name: str) -> Replay:
    """The newest replay snapshot of source ``name`` (tests/fixtures/build_replay_snapshots.py)."""
    folder = next(snapshot_folders(REPLAYS, name), None)
    if folder is None:
        raise LookupError(f"source {name!r} has no replay snapshot under {REPLAYS}; add one with "
                          "tests/fixtures/build_replay_snapshots.py so it is fuzzed too")
    snapshot = load_snapshot(folder)
    pages = tuple(Recorded(page, snapshot.body(page)) for page in snapshot.pages)
    failures = tuple((f.url, f.error) for f in snapshot.failures)
    return Replay(source_named(name), pages, failures)


@cache
def recorded_files() -> tuple[bytes, ...]:
    """Every recorded page and data file (the sample snapshots' bodies, the hand-made variants
    in tests/fixtures, the shared reference samples): the material that mutations splice from."""
    paths = [p for p in REPLAYS.glob("*/*/bodies/**/*") if p.is_file()]
    paths += [p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    if REFERENCE.is_dir():
        paths += [p for p in REFERENCE.iterdir() if p.is_file()]
    return tuple(p.read_bytes() for p in sorted(paths))


@cache
def companions(name: str, target: int) -> tuple[int, ...]:
    """Which other pages a snapshot fuzzing page ``target`` keeps, so an example costs little.

    The entry page (the listing, national page or group list) and the fuzzed page, plus one
    linked page when the entry page is the one fuzzed, when the unchanged pages parse that way;
    every page when the source needs them all (the IRS BMF's four regional files)."""
    count = len(replay(name).pages)
    few = tuple(sorted({0, target} | ({1} if target == 0 and count > 1 else set())))
    if len(few) == count:
        return few
    with built(name, {}, keep=few) as snapshot:
        try:
            as_parsed(replay(name).source.parse(snapshot))
        except Exception:  # noqa: BLE001  (any failure: this source needs every page)
            return tuple(range(count))
    return few


@contextmanager
def built(name: str, bodies: dict[int, bytes], keep: tuple[int, ...] | None = None
          ) -> Iterator[Snapshot]:
    """A snapshot of source ``name`` as its fetch plan archives it, with page ``i``'s body
    replaced by ``bodies[i]``; only pages ``keep`` (default: all). Removed afterwards."""
    recorded = replay(name)
    root = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
    try:
        writer = SnapshotWriter(root, name, mode="fixture")
        for index, item in enumerate(recorded.pages):
            if keep is not None and index not in keep:
                continue
            page = item.page
            writer.add(url=page.url, final_url=page.final_url, status=page.status,
                       content_type=page.content_type, body=bodies.get(index, item.body),
                       retrieved_at=page.retrieved_at)
        for url, error in recorded.failures:
            writer.fail(url, error)
        yield writer.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Hang in the parser when it runs past ``seconds`` (checked again afterwards, for
    code that cannot be interrupted)."""
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"the parser ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if time.monotonic() - started > seconds:
        raise Hang(f"the parser ran {time.monotonic() - started:.1f} s (limit {seconds:g} s)")


def fuzz_page(name: str, strategy: str, target: int, body: bytes,
              seconds: float = EXAMPLE_SECONDS) -> str:
    """Run every parser of source ``name`` on its snapshot with page ``target`` replaced by
    ``body``; return the outcome ('records' or 'error'). Fails on any other outcome."""
    EXAMPLES[name, strategy] += 1
    with built(name, {target: body}, keep=companions(name, target)) as snapshot:
        outcome = check_parsers(replay(name).source, snapshot, seconds)
    OUTCOMES[name, outcome] += 1
    return outcome


def check_parsers(source: Source, snapshot: Snapshot, seconds: float = EXAMPLE_SECONDS) -> str:
    """The allowed outcomes, for the source's parser and the other tables it reads from the
    same snapshot (side tables, events, activity), as the pipeline calls them."""
    with time_limit(seconds), memoized_validation():
        try:
            parsed = as_parsed(source.parse(snapshot))
        except SourceError:
            return "error"
        assert isinstance(parsed.records, pd.DataFrame), type(parsed.records)
        validated(source.table, parsed.records)
        bad = [r for r in parsed.rejected if not isinstance(r, Rejection)]
        assert not bad, f"rejected records that are not Rejection rows: {bad[:3]}"
        builders: list[tuple[Table | None, Callable[[Snapshot], pd.DataFrame]]] = [
            (side.table, side.build) for side in source.side_tables]
        builders += [(None, extra) for extra in (source.events, source.activity) if extra]
        for table, build in builders:
            try:
                frame = build(snapshot)
            except SourceError:
                continue
            assert isinstance(frame, pd.DataFrame), type(frame)
            if table is not None:
                validated(table, frame)
    return "records"


def validated(table: Table, frame: pd.DataFrame) -> None:
    """The allowed outcome for records: they pass the table's pandera model."""
    pandera_schema(table).validate(frame)


# Most fuzzed inputs give rows identical to an earlier input's, and pandera's validate (tens of
# milliseconds a call, most of an example's time) is a pure function of the schema and the
# frame. While the parsers run, a frame identical to one already validated against the same
# schema (values, Python types, dtypes, index) gets that earlier result back; everything else
# is validated as usual. Failures are never remembered, so every failure is still raised.
_MEMO: dict[tuple, pd.DataFrame] = {}
_MEMO_ROWS = 1000  # bigger frames are validated every time (hashing them costs too much)


@contextmanager
def memoized_validation() -> Iterator[None]:
    original = DataFrameSchema.validate

    def validate(self: DataFrameSchema, check_obj: Any, *args: Any, **kwargs: Any) -> Any:
        key = _validation_key(self, check_obj, args, kwargs)
        if key is not None and key in _MEMO:
            return _MEMO[key].copy()
        result = original(self, check_obj, *args, **kwargs)
        if key is not None and len(_MEMO) < 20_000:
            _MEMO[key] = result.copy()
        return result

    DataFrameSchema.validate = validate  # type: ignore[method-assign]
    try:
        yield
    finally:
        DataFrameSchema.validate = original  # type: ignore[method-assign]


def _validation_key(schema: DataFrameSchema, frame: Any, args: tuple, kwargs: dict
                    ) -> tuple | None:
    if not isinstance(frame, pd.DataFrame) or len(frame) > _MEMO_ROWS:
        return None
    try:
        digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
        options = (args, tuple(sorted(kwargs.items())))
        hash(options)
    except (TypeError, UnicodeEncodeError):  # lists, dicts, lone surrogates: validate every time
        return None
    columns = tuple((name, str(column.dtype), column.nullable, column.unique, column.required,
                     tuple(map(str, column.checks))) for name, column in schema.columns.items())
    types = tuple(tuple(sorted({type(v).__name__ for v in frame[c]})) for c in frame.columns)
    return (schema.name, columns, schema.strict, schema.ordered, schema.coerce,
            str(schema.unique), tuple(map(str, schema.checks)), options,
            tuple(frame.columns), tuple(map(str, frame.dtypes)), types, str(frame.index.dtype),
            digest.hexdigest())
