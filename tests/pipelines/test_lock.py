"""One refresh at a time: a second is refused at once naming the first, a stale lock is taken
over, and the lock is given back on exit and on exception."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import build_defs
from pipelines.lock import LOCK_FILE, RefreshLocked, acquire, lock_path, refresh_lock, release
from pipelines.settings import PipelineSettings
from sources.snapshot import SAMPLE_SNAPSHOTS

ROOT = Path(__file__).parents[2]
HOLD = """
import sys, time
from pathlib import Path
from pipelines.lock import acquire
acquire(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def holder(path: Path, seconds: float = 60) -> subprocess.Popen:
    """Another process that takes the lock and keeps it for ``seconds``."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    return int(finished.stdout)


def test_a_second_refresh_is_refused_at_once_naming_the_first(tmp_path):
    path = tmp_path / LOCK_FILE
    first = holder(path)
    try:
        started = time.monotonic()
        with pytest.raises(RefreshLocked) as refused:
            acquire(path)
        assert time.monotonic() - started < 1
        message = str(refused.value)
        assert f"pid {first.pid} on {socket.gethostname()}, started 20" in message
        assert str(path) in message
        assert first.poll() is None  # the first is untouched
    finally:
        first.kill()
        first.wait()


def test_the_command_line_exits_2_while_another_refresh_runs(tmp_path):
    out = tmp_path / "out"
    settings = PipelineSettings(replay_dir=str(SAMPLE_SNAPSHOTS), output_dir=str(out))
    first = holder(lock_path(settings))
    try:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("INTERMEDIARIES_") and k != "DAGSTER_HOME"}
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "pipelines.cli.app", "refresh", "--replay",
             str(SAMPLE_SNAPSHOTS), "--output-dir", str(out)], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=120)
        elapsed = time.monotonic() - started
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"another refresh is running (pid {first.pid} on" in second.stderr
    assert "started 20" in second.stderr
    assert "Refreshing the directory" not in second.stdout  # refused before doing anything
    assert elapsed < 60  # at once: it never waits for the first to finish
    assert not (out / "datapackage.json").exists()


def test_a_dagster_run_is_refused_while_another_refresh_runs(tmp_path):
    settings = PipelineSettings(replay_dir=str(SAMPLE_SNAPSHOTS),
                                output_dir=str(tmp_path / "out"), strict_checks=False)
    first = holder(lock_path(settings))
    try:
        job = build_defs(settings).resolve_job_def("refresh")
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(),
                                        raise_on_error=False)
    finally:
        first.kill()
        first.wait()
    assert not result.success
    assert not [e for e in result.all_events if e.event_type_value == "STEP_START"]
    failure = next(e for e in result.all_events
                   if e.event_type_value == "RESOURCE_INIT_FAILURE")  # before any step
    assert "another refresh is running" in str(failure.event_specific_data)
    assert f"pid {first.pid}" in str(failure.event_specific_data)


def test_a_stale_lock_left_by_a_dead_process_is_reported_and_taken_over(tmp_path):
    path = tmp_path / LOCK_FILE
    pid = dead_pid()
    path.write_text(json.dumps({"pid": pid, "hostname": socket.gethostname(),
                                "started_at": "2026-11-30T06:00:00Z"}))
    with refresh_lock(path) as held:
        assert held.took_over is not None
        assert f"stale refresh lock left by pid {pid}" in held.took_over
        assert "2026-11-30T06:00:00Z" in held.took_over and "no longer running" in held.took_over
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert not path.exists()


def test_a_killed_holder_leaves_a_file_that_the_next_refresh_takes_over(tmp_path):
    path = tmp_path / LOCK_FILE
    first = holder(path)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert path.exists()  # nothing cleaned up...
    with refresh_lock(path) as held:  # ...but the kernel released it
        assert f"pid {first.pid}" in (held.took_over or "")


def test_the_lock_is_released_when_its_holder_exits(tmp_path):
    path = tmp_path / LOCK_FILE
    first = holder(path, seconds=0)
    assert first.wait(timeout=30) == 0
    assert not path.exists()
    with refresh_lock(path) as held:
        assert held.took_over is None


def test_the_lock_is_released_on_an_exception(tmp_path):
    path = tmp_path / LOCK_FILE
    with pytest.raises(RuntimeError), refresh_lock(path):
        raise RuntimeError("the refresh broke")
    assert not path.exists()
    checker = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from pipelines.lock import acquire; acquire(Path(sys.argv[1])); print('ok')",
         str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert checker.stdout.strip() == "ok", checker.stderr


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    path = tmp_path / LOCK_FILE
    with refresh_lock(path), refresh_lock(path):  # the command line, then its run's resource
        assert path.exists()
    assert not path.exists()
    release(path)  # releasing what is not held is harmless


def test_a_live_refresh_locks_its_snapshot_folder_and_a_replay_its_own_output(tmp_path):
    live = PipelineSettings(snapshot_dir=str(tmp_path / "snap"), output_dir=str(tmp_path / "o"))
    assert lock_path(live) == tmp_path / "snap" / LOCK_FILE
    replay = PipelineSettings(replay_dir=str(SAMPLE_SNAPSHOTS),
                              output_dir=str(tmp_path / "o"))
    assert lock_path(replay) == tmp_path / "o" / ".replay-state" / LOCK_FILE
