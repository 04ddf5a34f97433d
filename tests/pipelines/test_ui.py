"""The UI starts, shows every asset, check, job and the schedule, and stops on Ctrl-C.

``dagster dev`` runs in its own session (it ignores SIGTERM otherwise, GUIDE §5) with SIGINT
restored, against a temporary DAGSTER_HOME, the fixture snapshots as its replay folder and
temporary snapshot and output folders, so nothing live is touched. It takes about 10-15 s.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import dagster as dg

from pipelines import defs
from sources.snapshot import SAMPLE_SNAPSHOTS

ROOT = Path(__file__).parents[2]
START_SECONDS = 60
STOP_SECONDS = 15
QUERY = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  jobs { name }
  schedules { name cronSchedule scheduleState { status } }
  assetNodes { assetKey { path } groupName
               assetChecksOrError { ... on AssetChecks { checks { name } } } } } }
  ... on PythonError { message } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


def wait_for_workspace(port: int, process: subprocess.Popen, deadline: float) -> dict:
    """Poll until the webserver answers and the code location has loaded."""
    last: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dagster dev exited with {process.returncode}")
        try:
            answer = graphql(port, QUERY)
            nodes = (answer.get("data") or {}).get("repositoriesOrError", {}).get("nodes")
            if nodes:
                return nodes[0]
            last = answer
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = error
        time.sleep(0.5)
    raise AssertionError(f"no answer from the UI within {START_SECONDS} s: {last}")


def expected_checks() -> dict[str, set[str]]:
    checks: dict[str, set[str]] = {}
    for key in defs.resolve_asset_graph().asset_check_keys:
        checks.setdefault(key.asset_key.to_user_string(), set()).add(key.name)
    return checks


def test_dagster_dev_starts_shows_everything_and_stops_on_ctrl_c(tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERMEDIARIES_")}
    env.update(DAGSTER_HOME=str(home), INTERMEDIARIES_REPLAY_DIR=str(SAMPLE_SNAPSHOTS),
               INTERMEDIARIES_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
               INTERMEDIARIES_OUTPUT_DIR=str(tmp_path / "out"))
    port = free_port()
    log = (tmp_path / "dagster-dev.log").open("w")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        repository = wait_for_workspace(port, process, started + START_SECONDS)
        up = time.monotonic() - started

        assets = {"/".join(n["assetKey"]["path"]): n for n in repository["assetNodes"]}
        graph = defs.resolve_asset_graph()
        assert set(assets) == {k.to_user_string() for k in graph.get_all_asset_keys()}
        for name, node in assets.items():
            assert node["groupName"] == graph.get(dg.AssetKey(name)).group_name
        shown_checks = {name: {c["name"] for c in node["assetChecksOrError"]["checks"]}
                        for name, node in assets.items()
                        if node["assetChecksOrError"]["checks"]}
        assert shown_checks == expected_checks()
        assert "refresh" in {job["name"] for job in repository["jobs"]}
        (schedule,) = repository["schedules"]
        assert schedule["name"] == "weekly_refresh" and schedule["cronSchedule"] == "0 6 * * 1"
        # No default_status: Dagster starts it STOPPED until turned on (README says how).
        assert defs.resolve_schedule_def("weekly_refresh").default_status in (
            None, dg.DefaultScheduleStatus.STOPPED)
        assert schedule["scheduleState"]["status"] == "STOPPED"
    finally:
        stopping = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        try:
            code = process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
        stopped = time.monotonic() - stopping
        log.close()
    output = (tmp_path / "dagster-dev.log").read_text()
    assert code is not None, f"dagster dev ignored SIGINT for {STOP_SECONDS} s:\n{output[-2000:]}"
    assert stopped < STOP_SECONDS
    print(f"dagster dev: up in {up:.1f} s, stopped in {stopped:.1f} s (exit {code})")
    assert not (tmp_path / "out" / "datapackage.json").exists()  # nothing was run
