"""Snapshots: the immutable archive between fetching and parsing.

A snapshot is one folder per fetch of one source::

    <snapshot_dir>/<source>/<YYYYMMDDTHHMMSSffffffZ>/
        manifest.json          # what was fetched, written last
        bodies/0000.json       # raw bodies exactly as received
        bodies/0001.html ...

A folder without ``manifest.json`` is an interrupted fetch and is ignored. Parsers read only
snapshots, so every transform can be re-run on yesterday's input, and tests replay recorded ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sources.errors import SnapshotError

MANIFEST = "manifest.json"
LAST_GOOD = "LAST_GOOD.json"
# The recorded sample snapshots shipped with the package (package data): the one home of the
# recorded pages, what `intermediaries refresh --sample` replays and the tests read. Their
# manifests are written by tests/fixtures/build_replay_snapshots.py (sources/sample/README.md).
SAMPLE_SNAPSHOTS = Path(__file__).resolve().parent / "sample"


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with a Z suffix (what every row carries)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Page:
    """One archived response."""

    url: str
    final_url: str
    status: int
    content_type: str
    retrieved_at: str
    sha256: str
    size: int
    path: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304: the body is the previous snapshot's, unchanged


@dataclass(frozen=True)
class FailedRequest:
    """A request of the fetch plan that failed; kept so the manifest tells the whole story."""

    url: str
    error: str
    at: str


@dataclass
class Snapshot:
    """A loaded snapshot: its manifest and a way to read each archived body."""

    folder: Path
    source: str
    started_at: str
    finished_at: str
    mode: str  # "live" for a fetch from the web, "fixture" / "sample" for recorded test data
    pages: list[Page]
    failures: list[FailedRequest] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def is_sample(self) -> bool:
        return self.mode != "live"

    @property
    def retrieved_at(self) -> str:
        """When the first body was retrieved (the snapshot's age as users should see it)."""
        return min((p.retrieved_at for p in self.pages), default=self.started_at)

    def body(self, page: Page) -> bytes:
        """The archived body, checked against the manifest: a deleted, truncated or edited
        body is a corrupt snapshot (which file, which check), not a parse failure."""
        path = self.folder / page.path
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SnapshotError(f"{path}: body file missing or unreadable "
                                f"({error.strerror or error}); the manifest lists it") from error
        if len(data) != page.size:
            raise SnapshotError(f"{path}: body is {len(data):,} bytes, the manifest says "
                                f"{page.size:,} (truncated or changed)")
        if hashlib.sha256(data).hexdigest() != page.sha256:
            raise SnapshotError(f"{path}: body does not match its sha256 in the manifest")
        return data

    def text(self, page: Page) -> str:
        return self.body(page).decode("utf-8", errors="replace")

    @contextmanager
    def open_body(self, page: Page) -> Iterator[BinaryIO]:
        """The archived body as a binary stream, for a body too large to hold (a compressed
        file read line by line). Leaving the block reads what is left and checks size and
        sha256 as ``body`` does; a missing or damaged body raises SnapshotError, which wins
        over any error raised inside the block (a damaged archive is not a layout change)."""
        path = self.folder / page.path
        try:
            raw = path.open("rb")
        except OSError as error:
            raise SnapshotError(f"{path}: body file missing or unreadable "
                                f"({error.strerror or error}); the manifest lists it") from error
        with raw:
            checked = _CheckedReader(raw)
            try:
                yield checked  # type: ignore[misc]
            except BaseException:
                checked.verify(page, path)
                raise
            checked.verify(page, path)

    def page(self, url: str) -> Page:
        for page in self.pages:
            if url in (page.url, page.final_url):
                return page
        raise KeyError(f"{url} is not in snapshot {self.folder}")

    def fingerprint(self) -> str:
        """A digest of every body, so two snapshots with identical content compare equal."""
        digest = hashlib.sha256()
        for page in sorted(self.pages, key=lambda p: p.url):
            digest.update(f"{page.url}\0{page.sha256}\n".encode())
        return digest.hexdigest()


class _CheckedReader(io.RawIOBase):
    """A binary reader that hashes every byte it passes on, to check a body read as a stream
    against its manifest entry."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()
        self._size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self._digest.update(data)
        self._size += count
        return count

    def verify(self, page: Page, path: Path) -> None:
        while self._raw.readable() and (rest := self._raw.read(1 << 20)):
            self._digest.update(rest)
            self._size += len(rest)
        if self._size != page.size:
            raise SnapshotError(f"{path}: body is {self._size:,} bytes, the manifest says "
                                f"{page.size:,} (truncated or changed)")
        if self._digest.hexdigest() != page.sha256:
            raise SnapshotError(f"{path}: body does not match its sha256 in the manifest")


def load_snapshot(folder: Path) -> Snapshot:
    """Read a snapshot's manifest; a truncated or malformed one is a SnapshotError naming the
    file and what is wrong with it."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise SnapshotError(f"{folder} has no {MANIFEST}: not a complete snapshot")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise SnapshotError(f"{manifest_path}: snapshot corrupt: the manifest is not valid "
                            f"JSON ({error})") from error
    try:
        return Snapshot(
            folder=folder,
            source=raw["source"],
            started_at=raw["started_at"],
            finished_at=raw["finished_at"],
            mode=raw.get("mode", "live"),
            pages=[Page(**p) for p in raw["pages"]],
            failures=[FailedRequest(**f) for f in raw.get("failures", [])],
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise SnapshotError(f"{manifest_path}: snapshot corrupt: the manifest lacks or garbles "
                            f"{error} (expected source, started_at, finished_at and pages)"
                            ) from error


def snapshot_folders(root: Path, source: str) -> Iterator[Path]:
    """Complete snapshot folders of one source, newest first."""
    base = root / source
    if not base.is_dir():
        return iter(())
    folders = sorted((p for p in base.iterdir() if (p / MANIFEST).is_file()), reverse=True)
    return iter(folders)


def latest_snapshot(root: Path, source: str) -> Snapshot | None:
    folder = next(snapshot_folders(root, source), None)
    return load_snapshot(folder) if folder else None


def prune_snapshots(root: Path, source: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete snapshots of a source (0 keeps all). The last
    good snapshot is always kept, since a failed refresh carries it forward. Returns what went."""
    if keep <= 0:
        return []
    try:
        last_good = read_last_good(root, source)
    except SnapshotError:
        return []  # without a readable marker we cannot tell which one to protect: keep all
    protected = Path(last_good["snapshot"]).resolve() if last_good else None
    removed = []
    for folder in list(snapshot_folders(root, source))[keep:]:
        if folder.resolve() != protected:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def read_last_good(root: Path, source: str) -> dict | None:
    """The snapshot that last parsed and validated, with its record count, or None."""
    path = root / source / LAST_GOOD
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        state["snapshot"], state["records"]  # noqa: B018 (both must be there)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SnapshotError(f"{path}: last-good marker corrupt ({error})") from error
    return state


def write_last_good(
    root: Path, snapshot: Snapshot, records: int, profile: dict | None = None
) -> None:
    """Remember the snapshot that passed every check, its record count and its profile."""
    path = root / snapshot.source / LAST_GOOD
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    state = {"snapshot": str(snapshot.folder), "records": records, "profile": profile}
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _linked(existing: Path | None, target: Path) -> bool:
    """Hard-link an identical archived body; False when that is not possible here."""
    if existing is None:
        return False
    try:
        os.link(existing, target)
    except OSError:  # another file system, or links not supported: copy instead
        return False
    return True


def _extension(content_type: str, url: str) -> str:
    base = content_type.split(";")[0].strip().lower()
    if base in ("application/json", "text/json"):
        return ".json"
    if url.endswith(".json"):
        return ".json"
    guessed = mimetypes.guess_extension(base) if base else None
    return guessed or ".bin"


class SnapshotWriter:
    """Builds one snapshot folder; ``close()`` writes the manifest, making it visible to readers."""

    def __init__(self, root: Path, source: str, mode: str = "live") -> None:
        self.source = source
        self.mode = mode
        self.started_at = utc_now()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.folder = root / source / stamp
        (self.folder / "bodies").mkdir(parents=True)
        self.pages: list[Page] = []
        self.failures: list[FailedRequest] = []

    def add(
        self,
        *,
        url: str,
        final_url: str,
        status: int,
        content_type: str,
        body: bytes,
        retrieved_at: str,
        etag: str | None = None,
        last_modified: str | None = None,
        not_modified: bool = False,
        same_as: Path | None = None,
    ) -> Page:
        """Archive one body. ``same_as``: the previous snapshot's file holding this very body
        (a 304), hard-linked instead of copied, so an unchanged 300 MB file costs no disk."""
        path = f"bodies/{len(self.pages):04d}{_extension(content_type, final_url)}"
        if not _linked(same_as, self.folder / path):
            (self.folder / path).write_bytes(body)
        page = Page(
            url=url,
            final_url=final_url,
            status=status,
            content_type=content_type,
            retrieved_at=retrieved_at,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            path=path,
            etag=etag,
            last_modified=last_modified,
            not_modified=not_modified,
        )
        self.pages.append(page)
        return page

    def fail(self, url: str, error: str) -> None:
        self.failures.append(FailedRequest(url=url, error=error, at=utc_now()))

    def close(self) -> Snapshot:
        manifest = {
            "source": self.source,
            "mode": self.mode,
            "started_at": self.started_at,
            "finished_at": utc_now(),
            "pages": [asdict(p) for p in self.pages],
            "failures": [asdict(f) for f in self.failures],
        }
        tmp = self.folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.replace(tmp, self.folder / MANIFEST)
        return load_snapshot(self.folder)

    def discard(self) -> None:
        """Remove a fetch that produced nothing usable, so it never looks like a snapshot."""
        shutil.rmtree(self.folder, ignore_errors=True)
