"""The command line as a new user meets it: samples stay samples, bad settings get one line
each, and a first run with nothing reachable says there is no release yet."""

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.app import refresh_app
from sources.registry import SOURCES
from sources.snapshot import SAMPLE_SNAPSHOTS
from tests.support import Reply, sample_bodies, serve

SAMPLE_CFA = (sample_bodies("cfa") / "organizations.json").read_bytes()
FICTIONAL = "kccivicdata.example.org"  # a made-up group in the Eventbrite sample


def refresh(*args: str):
    """``intermediaries-refresh ARGS`` as typed; anything raised but the exit is raised here."""
    result = CliRunner().invoke(refresh_app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Live folders in a temporary place, fast HTTP, every source unreachable by default."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("INTERMEDIARIES_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    monkeypatch.setenv("INTERMEDIARIES_OUTPUT_DIR", str(tmp_path / "outputs"))
    for name, value in {"HTTP_DELAY": "0", "HTTP_RETRIES": "0", "HTTP_TIMEOUT": "2",
                        "HTTP_BACKOFF": "0", "SDC_EXPECTED_LEADS": "4"}.items():
        monkeypatch.setenv(f"INTERMEDIARIES_{name}", value)
    nowhere = f"http://127.0.0.1:{closed_port()}"
    for source in SOURCES:
        monkeypatch.setenv(source.url_variable, f"{nowhere}/{source.name}")
        monkeypatch.setenv(f"INTERMEDIARIES_{source.name.upper()}_MIN_RECORDS", "1")
    return tmp_path


def test_a_sample_run_then_a_live_run_publishes_no_sample_data(workdir, monkeypatch):
    sample_run = refresh("--sample")
    assert sample_run.exit_code == 0
    # the IPEDS sample is HD2022: published, with the warning that a newer file is out
    assert ("warning: ipeds: https://nces.ed.gov/ipeds/datacenter/data/HD2022.zip is the "
            "2022-23 collection") in sample_run.stdout
    sample = workdir / "outputs/sample"
    assert json.loads((sample / "datapackage.json").read_text())["sample"] is True
    assert FICTIONAL in (sample / "intermediaries.csv").read_text()
    assert not (workdir / "snapshots").exists()  # no live snapshot, no LAST_GOOD marker
    assert not (workdir / "outputs/intermediaries.csv").exists()

    with serve({"/organizations.json": Reply(SAMPLE_CFA)}) as server:
        monkeypatch.setenv("INTERMEDIARIES_CFA_URL", server.url + "/organizations.json")
        live_run = refresh()
    assert live_run.exit_code == 0
    assert "changes: none listed (the first release" in live_run.stdout
    live = workdir / "outputs"
    descriptor = json.loads((live / "datapackage.json").read_text())
    assert descriptor["sample"] is False and "SAMPLE" not in descriptor["title"]
    published = "".join(p.read_text() for p in live.glob("*.csv"))
    assert FICTIONAL not in published
    status = {row.split(",")[0]: row for row in (live / "source_status.csv").read_text()
              .splitlines()[1:]}
    assert ",fresh," in status["cfa"] and ",missing," in status["eventbrite"]
    assert [p.parent.name for p in (workdir / "snapshots").glob("*/LAST_GOOD.json")] == ["cfa"]


def test_a_live_run_never_carries_a_sample_snapshot_forward(workdir, monkeypatch):
    """Even when an older version left a fixture snapshot as the live LAST_GOOD."""
    from sources.snapshot import load_snapshot, write_last_good

    fixture = SAMPLE_SNAPSHOTS / "eventbrite/20261101T120000000000Z"
    write_last_good(workdir / "snapshots", load_snapshot(fixture), 2)
    with serve({"/organizations.json": Reply(SAMPLE_CFA)}) as server:
        monkeypatch.setenv("INTERMEDIARIES_CFA_URL", server.url + "/organizations.json")
        run = refresh()
    assert run.exit_code == 0
    assert FICTIONAL not in (workdir / "outputs/intermediaries.csv").read_text()
    assert "never carries forward" in run.stdout


def test_a_first_run_with_nothing_reachable_says_there_is_no_release(workdir):
    captured = refresh()
    assert captured.exit_code == 1
    assert "No release exists yet" in captured.stderr and "make sample" in captured.stderr
    assert "kept:" not in captured.stdout
    assert not (workdir / "outputs/intermediaries.duckdb").exists()


def bmf_routes() -> dict[str, Reply]:
    """The sample's four BMF files (9 community foundations) under /irs-soi/."""
    from sources import irs_bmf

    return {f"/irs-soi/{name}": Reply((sample_bodies("irs_bmf") / name).read_bytes(),
                                      headers={"Content-Type": "text/csv"})
            for name in irs_bmf.FILES}


def test_a_first_run_with_the_bmf_under_its_floor_publishes_the_others_and_names_it(
        workdir, monkeypatch):
    """A source failing its own check is treated as an unreachable one: left out (it has no
    good snapshot yet) and said so, the other sources published, a non-zero exit naming it."""
    monkeypatch.setenv("INTERMEDIARIES_IRS_BMF_MIN_RECORDS", "300")  # the sample holds 9
    with serve({"/organizations.json": Reply(SAMPLE_CFA), **bmf_routes()}) as server:
        monkeypatch.setenv("INTERMEDIARIES_CFA_URL", server.url + "/organizations.json")
        monkeypatch.setenv("INTERMEDIARIES_IRS_BMF_URL", server.url + "/irs-soi/")
        run = refresh()
    assert run.exit_code == 3, run.stdout + run.stderr
    assert "irs_bmf" in run.stderr and "Failed their checks" in run.stderr
    assert "FAILED ITS CHECKS: irs_bmf: 9 records, expected at least 300" in run.stdout
    assert "left out: it has no good snapshot yet" in run.stdout
    live = workdir / "outputs"
    status = {row.split(",")[0]: row for row in (live / "source_status.csv").read_text()
              .splitlines()[1:]}
    assert ",fresh," in status["cfa"] and ",missing," in status["irs_bmf"]
    assert len((live / "irs_bmf_foundations.csv").read_text().splitlines()) == 1  # header only
    assert "Code for" in (live / "intermediaries.csv").read_text()
    assert not (workdir / "snapshots/irs_bmf/LAST_GOOD.json").exists()
    report = json.loads(sorted((live / "runs").glob("*.json"))[-1].read_text())
    assert report["failed_checks"] == ["irs_bmf"] and report["release"]["published"] is True


def test_a_later_run_with_the_bmf_under_its_floor_carries_it_forward(workdir, monkeypatch):
    with serve({"/organizations.json": Reply(SAMPLE_CFA), **bmf_routes()}) as server:
        monkeypatch.setenv("INTERMEDIARIES_CFA_URL", server.url + "/organizations.json")
        monkeypatch.setenv("INTERMEDIARIES_IRS_BMF_URL", server.url + "/irs-soi/")
        assert refresh().exit_code == 0
        monkeypatch.setenv("INTERMEDIARIES_IRS_BMF_MIN_RECORDS", "300")
        run = refresh()
    assert run.exit_code == 3
    assert "carried forward from its last good snapshot" in run.stdout
    assert "kept:" in run.stdout  # the same data as the release: nothing new to publish


@pytest.mark.parametrize("variable, value, allowed", [
    ("HTTP_TIMEOUT", "abc", "expected a number > 0"),
    ("HTTP_TIMEOUT", "-1", "expected a number > 0"),
    ("STRICT_CHECKS", "maybe", "expected true or false"),
    ("KEEP_SNAPSHOTS", "-3", "expected a whole number ≥ 0"),
    ("NNIP_MIN_RECORDS", "ten", "expected a whole number ≥ 0"),
    ("MAX_REJECT_SHARE", "1.5", "expected a number ≥ 0 and ≤ 1"),
    ("CFA_URL", "not-a-url", "the cfa source URL must start with http:// or https://"),
    ("REPLAY_DIR", "/nonexistent", "no such folder"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(workdir, monkeypatch, variable, value,
                                                       allowed):
    monkeypatch.setenv(f"INTERMEDIARIES_{variable}", value)
    run = refresh()
    assert run.exit_code == 2
    lines = [line.strip() for line in run.stderr.splitlines()]
    assert f"INTERMEDIARIES_{variable}={value!r}: " + allowed in " ".join(lines)
    assert not any("Traceback" in line for line in lines)


def test_help_works_whatever_the_settings(monkeypatch):
    monkeypatch.setenv("INTERMEDIARIES_HTTP_TIMEOUT", "abc")
    shown = refresh("--help")
    assert shown.exit_code == 0 and "--sample" in shown.stdout


def test_replaying_a_missing_folder_stops_at_once(workdir):
    run = refresh("--replay", str(workdir / "nowhere"))
    assert run.exit_code == 2
    assert "no such folder" in run.stderr


def test_a_replay_publishes_to_its_own_folder(workdir):
    assert refresh("--replay", str(SAMPLE_SNAPSHOTS)).exit_code == 0
    assert (workdir / "outputs/replay/datapackage.json").is_file()
    assert not (workdir / "outputs/datapackage.json").exists()
    assert not (workdir / "snapshots").exists()
    assert Path(workdir / "outputs/replay/.replay-state").is_dir()


def test_the_dagster_ui_never_shows_a_sample_as_the_latest_live_materialization(
        workdir, monkeypatch):
    """Live runs are recorded in DAGSTER_HOME (what `make dev` shows), sample runs apart in
    DAGSTER_HOME/sample; both are tagged with their mode."""
    import dagster as dg

    home = workdir / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    run = refresh("--sample")
    assert run.exit_code == 0
    assert "DAGSTER_HOME=" in run.stdout

    def latest(instance: dg.DagsterInstance, key: str) -> str | None:
        event = instance.get_latest_materialization_event(dg.AssetKey(key))
        return event and instance.get_run_by_id(event.run_id).tags["intermediaries/mode"]

    live, sample = dg.DagsterInstance.from_config(str(home)), dg.DagsterInstance.from_config(
        str(home / "sample"))
    assert latest(live, "intermediaries") is None
    assert latest(sample, "intermediaries") == "sample"
    with serve({"/organizations.json": Reply(SAMPLE_CFA)}) as server:
        monkeypatch.setenv("INTERMEDIARIES_CFA_URL", server.url + "/organizations.json")
        assert refresh().exit_code == 0
    assert latest(live, "intermediaries") == latest(live, "release") == "live"

