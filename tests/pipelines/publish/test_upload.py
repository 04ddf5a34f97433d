"""Publishing to object storage, against a local S3 server (moto's server mode, started here on
127.0.0.1; no other network): the layout and content types, the version before ``latest/``
and ``releases.json``, an interrupted upload that leaves ``latest/`` as it was, a second
publish that uploads nothing, and credentials that never show."""

import hashlib
import json
import logging
import socket
import urllib.request
import uuid
from pathlib import Path

import boto3
import dagster as dg
import pytest
from botocore.exceptions import EndpointConnectionError
from frictionless import validate
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from pipelines.assets import published_release
from pipelines.cli.app import app
from pipelines.publish.folders import current_release
from pipelines.publish.release import publish
from pipelines.publish.upload import (
    Bucket,
    Destination,
    UploadFailed,
    open_bucket,
    publish_release,
    release_files,
)
from pipelines.settings import PipelineSettings
from tests.pipelines.publish.test_release import release

ACCESS_KEY = "AKIAPUBLISHTESTKEY0001"
SECRET_KEY = "publish-test-secret-0a1b2c3d4e5f6a7b8c9d"
PREFIX = "civic/intermediaries"
V1, V2 = "2026.11.25.060000", "2026.12.02.060000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(s3_server, monkeypatch, tmp_path):
    """The standard AWS variables only, pointing at the local server; no profile or file."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    return s3_server


@pytest.fixture
def bucket_url(aws_env) -> str:
    """A fresh bucket that anyone may read, as a published one is."""
    name = f"civic-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=name)
    client.put_bucket_policy(Bucket=name, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*"}]}))
    return f"s3://{name}/{PREFIX}"


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Path]:
    """Two live releases, one week apart, each in its own output folder."""
    folders = {}
    for version, fingerprint, name, created in (
            (V1, "f1", "Code for Example", "2026-11-25T06:00:00Z"),
            (V2, "f2", "Code for Example, renamed", "2026-12-02T06:00:00Z")):
        outputs = tmp_path_factory.mktemp(f"outputs-{fingerprint}")
        assert publish(release(fingerprint, name=name), outputs, created).version == version
        folders[version] = current_release(outputs)
    return folders


class Recorder:
    """Every write the client sends, in order (operation, key); ``fail_at=("PutObject", n)``
    makes the n-th PutObject fail as a dropped connection would."""

    def __init__(self, client, fail_at: tuple[str, int] | None = None) -> None:
        self.writes: list[tuple[str, str]] = []
        self.fail_at = fail_at
        for operation in ("PutObject", "CopyObject", "DeleteObjects"):
            client.meta.events.register(f"before-parameter-build.s3.{operation}", self.record)

    def record(self, params, model, **_):
        key = params.get("Key") or "<batch>"
        done = sum(1 for op, _ in self.writes if op == model.name)
        if self.fail_at == (model.name, done + 1):
            self.fail_at = None  # once: what follows (a restore) goes through
            raise EndpointConnectionError(endpoint_url=f"{params['Bucket']}/{key}")
        self.writes.append((model.name, key))


def remote(url: str, key: str) -> dict:
    """The object's head: content type, metadata."""
    destination = Destination.parse(url)
    return boto3.client("s3").head_object(Bucket=destination.bucket,
                                          Key=destination.key(key))


def remote_bytes(url: str, key: str) -> bytes:
    destination = Destination.parse(url)
    return boto3.client("s3").get_object(Bucket=destination.bucket,
                                         Key=destination.key(key))["Body"].read()


def remote_keys(url: str) -> set[str]:
    destination = Destination.parse(url)
    listed = boto3.client("s3").list_objects_v2(Bucket=destination.bucket)
    return {item["Key"].removeprefix(destination.prefix + "/")
            for item in listed.get("Contents", [])}


def test_the_layout_content_types_and_checksums(bucket_url, releases):
    folder = releases[V1]
    bucket = open_bucket(bucket_url)
    report = publish_release(folder, bucket, "2026-11-25T07:00:00Z")
    files = {f.path: f for f in release_files(folder)}
    assert {"datapackage.json", "intermediaries.csv", "parquet/intermediaries.parquet",
            "index.html", "intermediaries.duckdb"} <= set(files)
    assert remote_keys(bucket_url) == (
        {f"releases/{V1}/{path}" for path in files} | {f"latest/{path}" for path in files}
        | {"releases.json"})
    expected = {"intermediaries.csv": "text/csv; charset=utf-8",
                "datapackage.json": "application/json",
                "parquet/intermediaries.parquet": "application/vnd.apache.parquet",
                "index.html": "text/html; charset=utf-8"}
    for path, content_type in expected.items():
        for key in (f"releases/{V1}/{path}", f"latest/{path}"):
            head = remote(bucket_url, key)
            assert head["ContentType"] == content_type, key
            assert head["Metadata"]["sha256"] == hashlib.sha256(
                (folder / path).read_bytes()).hexdigest(), key
    assert remote_bytes(bucket_url, "latest/intermediaries.csv") == (
        folder / "intermediaries.csv").read_bytes()
    index = json.loads(remote_bytes(bucket_url, "releases.json"))
    assert index["latest"] == V1 and [e["version"] for e in index["releases"]] == [V1]
    entry = index["releases"][0]
    assert entry["created"] == "2026-11-25T06:00:00Z"
    assert entry["published"] == "2026-11-25T07:00:00Z"
    assert entry["counts"]["intermediaries"] == 1 and entry["path"] == f"releases/{V1}/"
    assert "added" in entry["change_counts"]
    # straight from the URL, as a user would: the resource paths are relative
    assert report.urls["datapackage"].endswith(f"/{PREFIX}/latest/datapackage.json")
    assert validate(report.urls["datapackage"]).valid
    page = remote_bytes(bucket_url, "latest/index.html").decode()
    assert 'href="intermediaries.csv"' in page and 'href="/' not in page  # works from there
    with urllib.request.urlopen(report.urls["latest"] + "intermediaries.csv") as response:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert b"Code for Example" in response.read()


def test_latest_and_the_index_are_written_after_the_whole_version(bucket_url, releases):
    bucket = open_bucket(bucket_url)
    recorder = Recorder(bucket.client)
    publish_release(releases[V1], bucket, "2026-11-25T07:00:00Z")
    keys = [key.removeprefix(PREFIX + "/") for _, key in recorder.writes]
    version = [i for i, k in enumerate(keys) if k.startswith(f"releases/{V1}/")]
    latest = [i for i, k in enumerate(keys) if k.startswith("latest/")]
    assert len(version) == len(latest) == len(release_files(releases[V1]))
    assert max(version) < min(latest)
    assert keys[-1] == "releases.json"
    # within each, the entry point last: a reader following it finds every file it names
    assert keys[max(version)] == f"releases/{V1}/datapackage.json"
    assert keys[max(latest)] == "latest/datapackage.json"


def test_an_upload_interrupted_halfway_leaves_the_previous_latest_intact(bucket_url, releases):
    publish_release(releases[V1], open_bucket(bucket_url), "2026-11-25T07:00:00Z")
    before = {key: remote_bytes(bucket_url, key) for key in remote_keys(bucket_url)
              if not key.startswith("releases/")} | {
        "releases.json": remote_bytes(bucket_url, "releases.json")}

    bucket = open_bucket(bucket_url)
    recorder = Recorder(bucket.client, fail_at=("PutObject", 4))
    with pytest.raises(UploadFailed) as failed:
        publish_release(releases[V2], bucket, "2026-12-02T07:00:00Z")
    assert [op for op, _ in recorder.writes] == ["PutObject"] * 3  # the three before it
    files = release_files(releases[V2])
    fourth = Destination.parse(bucket_url).key("releases", V2, files[3].path)
    assert failed.value.key == f"s3://{Destination.parse(bucket_url).bucket}/{fourth}"
    assert fourth in str(failed.value)
    after = {key: remote_bytes(bucket_url, key) for key in remote_keys(bucket_url)
             if not key.startswith("releases/")} | {
        "releases.json": remote_bytes(bucket_url, "releases.json")}
    assert after == before  # latest/ and releases.json untouched
    assert b"renamed" not in remote_bytes(bucket_url, "latest/intermediaries.csv")

    # the next publish resumes: only what is missing goes up, then latest moves
    report = publish_release(releases[V2], open_bucket(bucket_url), "2026-12-02T08:00:00Z")
    assert report.unchanged == 3 and report.latest_moved
    assert b"renamed" in remote_bytes(bucket_url, "latest/intermediaries.csv")
    index = json.loads(remote_bytes(bucket_url, "releases.json"))
    assert index["latest"] == V2
    assert [e["version"] for e in index["releases"]] == [V2, V1]  # newest first
    assert index["releases"][1]["published"] == "2026-11-25T07:00:00Z"  # kept as it was

    # an older version published later never moves latest back
    again = publish_release(releases[V1], open_bucket(bucket_url), "2026-12-03T07:00:00Z")
    assert again.nothing_new and again.latest_version == V2


def test_a_copy_into_latest_that_fails_puts_the_previous_latest_back(bucket_url, releases):
    publish_release(releases[V1], open_bucket(bucket_url), "2026-11-25T07:00:00Z")
    before = {key: remote_bytes(bucket_url, key) for key in remote_keys(bucket_url)
              if key.startswith("latest/")}
    bucket = open_bucket(bucket_url)
    Recorder(bucket.client, fail_at=("CopyObject", 3))  # two files of latest/ replaced by then
    with pytest.raises(UploadFailed) as failed:
        publish_release(releases[V2], bucket, "2026-12-02T07:00:00Z")
    assert "/latest/" in failed.value.key
    assert f"latest/ was put back as it was ({V1})" in str(failed.value)
    after = {key: remote_bytes(bucket_url, key) for key in remote_keys(bucket_url)
             if key.startswith("latest/")}
    assert after == before
    assert remote(bucket_url, "latest/changes.csv")["ContentType"] == "text/csv; charset=utf-8"
    assert json.loads(remote_bytes(bucket_url, "releases.json"))["latest"] == V1


def test_a_second_publish_uploads_nothing(bucket_url, releases):
    first = publish_release(releases[V1], open_bucket(bucket_url), "2026-11-25T07:00:00Z")
    assert first.uploaded
    bucket = open_bucket(bucket_url)
    recorder = Recorder(bucket.client)
    second = publish_release(releases[V1], bucket, "2026-11-26T07:00:00Z")
    assert second.nothing_new and recorder.writes == []
    assert second.unchanged == len(release_files(releases[V1]))


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_the_command_publishes_and_never_shows_credentials(bucket_url, releases, monkeypatch,
                                                           caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("INTERMEDIARIES_PUBLISH_URL", bucket_url)
    outputs = releases[V1].parents[1]
    first = invoke("publish", "--release", str(outputs))
    assert first.exit_code == 0, first.output
    assert f"Published {V1}" in first.output and "latest/datapackage.json" in first.output
    second = invoke("publish", "--release", str(outputs))
    assert second.exit_code == 0 and "Nothing new" in second.output
    written = remote_bytes(bucket_url, "releases.json").decode()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    failed = invoke("publish", "--release", str(outputs))
    assert failed.exit_code == 1 and "could not read s3://" in failed.output
    for secret in (ACCESS_KEY, SECRET_KEY):
        for text in (first.output, second.output, failed.output, caplog.text, written):
            assert secret not in text


def test_the_command_refuses_a_sample_and_a_missing_setting(aws_env, tmp_path, monkeypatch):
    monkeypatch.delenv("INTERMEDIARIES_PUBLISH_URL", raising=False)
    assert "INTERMEDIARIES_PUBLISH_URL is not set" in invoke("publish").output
    monkeypatch.setenv("INTERMEDIARIES_PUBLISH_URL", "s3://civic-data/x")
    publish(release("f1", sample=True, mode="replay"), tmp_path, "2026-11-25T06:00:00Z")
    refused = invoke("publish", "--release", str(tmp_path))
    assert refused.exit_code == 2 and "sample release" in refused.output


def test_a_publish_url_is_a_bucket_and_a_prefix_never_credentials():
    assert Destination.parse("s3://civic-data/a/b/") == Destination("civic-data", "a/b")
    assert Destination.parse("s3://civic-data").key("latest", "x.csv") == "latest/x.csv"
    for bad in ("https://civic-data/x", "s3://KEY:SECRET@civic-data/x", "s3://a/b//c"):
        with pytest.raises(ValueError) as error:
            Destination.parse(bad)
        assert "SECRET" not in str(error.value)


def test_public_urls_follow_the_endpoint_unless_a_public_address_is_given():
    class Client:
        class meta:  # noqa: N801 (boto3's attribute)
            endpoint_url = "https://s3.us-east-1.amazonaws.com"

    destination = Destination.parse("s3://civic-data/intermediaries")
    assert Bucket(destination, Client()).url("latest", "datapackage.json") == (
        "https://s3.us-east-1.amazonaws.com/civic-data/intermediaries/latest/datapackage.json")
    public = Bucket(destination, Client(), "https://data.example.org/civic/")
    assert public.url("latest/") == "https://data.example.org/civic/latest/"


# --- the Dagster asset ------------------------------------------------------------------------


def materialize_published(outputs: Path, publish_url: str = ""):
    """The asset's run, and everything it recorded (log lines, events, metadata) as text."""
    settings = PipelineSettings(output_dir=str(outputs), publish_url=publish_url)
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([published_release], resources={"settings": settings},
                            instance=instance, raise_on_error=False)
    return result, "\n".join(repr(entry) for entry in instance.all_logs(result.run_id))


def test_the_asset_is_skipped_without_a_publish_url(releases):
    result, recorded = materialize_published(releases[V1].parents[1])
    assert result.success
    assert result.asset_materializations_for_node("published_release") == []
    assert "INTERMEDIARIES_PUBLISH_URL is not set" in recorded


def test_the_asset_publishes_with_the_urls_as_metadata(bucket_url, releases):
    result, recorded = materialize_published(releases[V1].parents[1], bucket_url)
    assert result.success
    [materialization] = result.asset_materializations_for_node("published_release")
    metadata = materialization.metadata
    assert metadata["version"].value == V1
    assert metadata["datapackage_url"].value.endswith(f"/{PREFIX}/latest/datapackage.json")
    assert json.loads(remote_bytes(bucket_url, "releases.json"))["latest"] == V1
    for secret in (ACCESS_KEY, SECRET_KEY):
        assert secret not in recorded


def test_a_failed_upload_fails_the_asset_naming_the_object(bucket_url, releases, monkeypatch):
    publish_release(releases[V1], open_bucket(bucket_url), "2026-11-25T07:00:00Z")
    latest_before = remote_bytes(bucket_url, "latest/datapackage.json")

    def failing_bucket(url, public_url=""):
        bucket = open_bucket(url, public_url)
        Recorder(bucket.client, fail_at=("PutObject", 2))
        return bucket

    monkeypatch.setattr("pipelines.assets.open_bucket", failing_bucket)
    result, recorded = materialize_published(releases[V2].parents[1], bucket_url)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    named = Destination.parse(bucket_url).key("releases", V2, release_files(releases[V2])[1].path)
    assert f"could not upload s3://{Destination.parse(bucket_url).bucket}/{named}" in str(
        failure.step_failure_data.user_failure_data.description)
    assert remote_bytes(bucket_url, "latest/datapackage.json") == latest_before


def test_a_live_refresh_uploads_its_release_and_a_sample_run_never_does(bucket_url, tmp_path,
                                                                         monkeypatch):
    """The refresh job (what the weekly schedule runs) ends with the upload."""
    from sources.registry import SOURCES
    from tests.pipelines.cli.test_refresh import SAMPLE_CFA, closed_port, refresh
    from tests.support import Reply, serve

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("INTERMEDIARIES_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    monkeypatch.setenv("INTERMEDIARIES_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("INTERMEDIARIES_PUBLISH_URL", bucket_url)
    for name, value in {"HTTP_DELAY": "0", "HTTP_RETRIES": "0", "HTTP_TIMEOUT": "2",
                        "HTTP_BACKOFF": "0", "SDC_EXPECTED_LEADS": "4"}.items():
        monkeypatch.setenv(f"INTERMEDIARIES_{name}", value)
    nowhere = f"http://127.0.0.1:{closed_port()}"
    for source in SOURCES:
        monkeypatch.setenv(source.url_variable, f"{nowhere}/{source.name}")
        monkeypatch.setenv(f"INTERMEDIARIES_{source.name.upper()}_MIN_RECORDS", "1")
    with serve({"/organizations.json": Reply(SAMPLE_CFA)}) as server:
        monkeypatch.setenv("INTERMEDIARIES_CFA_URL", server.url + "/organizations.json")
        live = refresh()
    assert live.exit_code == 0, live.output
    assert "uploaded:" in live.stdout
    version = current_release(tmp_path / "outputs").name
    assert json.loads(remote_bytes(bucket_url, "releases.json"))["latest"] == version
    listed = remote_keys(bucket_url)

    sample = refresh("--sample")
    assert sample.exit_code == 0 and "uploaded:" not in sample.stdout
    assert remote_keys(bucket_url) == listed
