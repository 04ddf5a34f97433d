"""One refresh at a time: a lock file beside the last-good markers the run writes.

Two refreshes writing the same archive would race on its ``LAST_GOOD`` markers, its pruning and
the release they publish. The lock lives in the run's state folder (``PipelineSettings.
state_root``): the snapshot folder for a live refresh, ``<output>/.replay-state`` for a replay
or sample, which writes only its own folders and so gets its own lock.

The file (``.refresh.lock``) names its holder: pid, host name and start time. Mutual exclusion
comes from ``flock`` on it, which the kernel drops when the holder exits however it exits, so
a lock left by a dead process (a file naming a pid no longer alive on this host) is reported
and taken over, never waited on. A second refresh is refused at once, with the holder named.

Both the command line and every Dagster run take it: ``intermediaries-refresh`` around the job
(refused: exit code 2), and the ``refresh_lock`` resource, which the in-process executor sets up
once before a run's first step and tears down after its last, so a run launched from the UI
and one from the command line never overlap. Within one process the lock is re-entrant (the
command line holds it and its run's resource joins in). POSIX only (``fcntl``).
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.settings import PipelineSettings

LOCK_FILE = ".refresh.lock"


class RefreshLocked(Exception):
    """Another refresh holds the lock; the message names it."""

    def __init__(self, path: Path, holder: dict) -> None:
        self.path = path
        self.holder = holder
        who = describe_holder(holder)
        super().__init__(f"another refresh is running ({who}; lock {path}); nothing was "
                         "done: try again when it has finished")


@dataclass(frozen=True)
class Held:
    """A lock this process holds; ``took_over`` says whose stale lock it replaced, if any."""

    path: Path
    took_over: str | None = None


def lock_path(settings: PipelineSettings) -> Path:
    """Where a run's lock lives: beside the last-good markers it writes."""
    return settings.state_root / LOCK_FILE


def describe_holder(holder: dict) -> str:
    pid = holder.get("pid", "unknown")
    host = holder.get("hostname", "an unknown host")
    since = holder.get("started_at", "an unknown time")
    return f"pid {pid} on {host}, started {since}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and belongs to someone else
        return True
    return True


@dataclass
class _Entry:
    fd: int
    count: int
    held: Held


_HELD: dict[Path, _Entry] = {}
_GUARD = threading.Lock()


@atexit.register
def _release_all() -> None:
    """A process that exits normally removes its lock files (a killed one leaves the file,
    which the next refresh takes over: the kernel has already dropped the flock)."""
    for path in list(_HELD):
        _HELD[path].count = 1
        release(path)


def acquire(path: Path, purpose: str = "refresh") -> Held:
    """Take the lock at ``path`` or raise RefreshLocked at once. Re-entrant in one process."""
    path = path.absolute()
    with _GUARD:
        entry = _HELD.get(path)
        if entry is not None:
            entry.count += 1
            return entry.held
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise RefreshLocked(path, _holder_of(path)) from None
            if _same_file(fd, path):
                break
            os.close(fd)  # the holder removed it between our open and our flock: start over
        previous = _read(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({
            "pid": os.getpid(), "hostname": socket.gethostname(),
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "purpose": purpose,
        }).encode(), 0)
        held = Held(path, _stale_note(previous))
        _HELD[path] = _Entry(fd, 1, held)
        return held


def release(path: Path) -> None:
    """Give the lock back (the last of nested holds removes the file, then unlocks)."""
    path = path.absolute()
    with _GUARD:
        entry = _HELD.get(path)
        if entry is None:
            return
        entry.count -= 1
        if entry.count:
            return
        del _HELD[path]
        if _same_file(entry.fd, path):
            with suppress(FileNotFoundError):
                path.unlink()  # while still locked, so a newcomer finds a fresh file
        os.close(entry.fd)


@contextmanager
def refresh_lock(path: Path, purpose: str = "refresh") -> Iterator[Held]:
    """Hold the lock for the block; released on exit and on exception."""
    held = acquire(path, purpose)
    try:
        yield held
    finally:
        release(path)


@dg.resource(required_resource_keys={"settings"},
             description="The run's refresh lock, held from before its first step until "
             "after its last (pipelines/lock.py).")
def refresh_lock_resource(context: dg.InitResourceContext) -> Iterator[Held]:
    """The run-level lock (see the module docstring). A run started while another refresh
    holds it fails at once, naming the holder. Reads the run's own (possibly launchpad-
    configured) settings, so the lock is where that run writes."""
    path = lock_path(context.resources.settings)
    run = context.run.run_id if context.run else ""
    with refresh_lock(path, purpose=f"dagster run {run}".strip()) as held:
        if held.took_over and context.log:
            context.log.warning(held.took_over)
        yield held


RefreshLock = dg.ResourceParam[Held]  # how an asset asks to run under the lock


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _read(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data) if data.strip() else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _holder_of(path: Path) -> dict:
    """The holder named in the file; a holder that has just taken it may not have written its
    name yet, so look twice more before saying it is unknown."""
    for _ in range(3):
        try:
            data = path.read_bytes()
            holder = json.loads(data) if data.strip() else {}
            if isinstance(holder, dict) and holder:
                return holder
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return {}


def _stale_note(previous: dict) -> str | None:
    """What to report when the file named a holder that no longer holds it."""
    if not previous:
        return None
    who = describe_holder(previous)
    pid, host = previous.get("pid"), previous.get("hostname")
    if host == socket.gethostname() and isinstance(pid, int) and not pid_alive(pid):
        return f"took over a stale refresh lock left by {who}, which is no longer running"
    return f"took over a refresh lock left by {who}, which no longer holds it"
