"""Publish a release beyond this machine: upload it to S3-compatible object storage at stable
URLs (``<prefix>/releases/<version>/``, ``<prefix>/latest/``, ``<prefix>/releases.json``).

Order is what makes it safe to read while it is written. Every file of the version goes up
first, each with its content type and its SHA-256 (sent for the store to verify, and kept as
``x-amz-meta-sha256`` to compare with later); only then is ``latest/`` made a copy of it
(server-side copies, ``datapackage.json`` last) and, last of all, ``releases.json`` lists it.
An upload that fails halfway raises ``UploadFailed`` naming the object, before ``latest/`` or
``releases.json`` are touched; a copy into ``latest/`` that fails puts back the files the
copies before it replaced. A file whose remote checksum already matches is not sent again, so
publishing twice uploads nothing and a failed publish resumes where it stopped.

Credentials, region and endpoint come only from the standard AWS variables and files
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``, ``AWS_PROFILE``...),
read by boto3 itself: nothing here reads, holds or prints them. boto3 is imported when a
bucket is opened, so loading the definitions never pays for it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.publish.folders import (
    PACKAGE_FILE,
    PAGE_FILE,
    PARQUET_FOLDER,
    read_descriptor,
    version_key,
)

RELEASES_PREFIX = "releases"
LATEST_PREFIX = "latest"
RELEASES_INDEX = "releases.json"
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")  # S3's rules, R2's and MinIO's
CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".parquet": "application/vnd.apache.parquet",
    ".html": "text/html; charset=utf-8",
    ".duckdb": "application/octet-stream",
}
VERSION_CACHE = "public, max-age=31536000, immutable"  # a version never changes
MOVING_CACHE = "public, max-age=300"  # latest/ and releases.json move with each release
CHUNK = 1 << 20
AWS_LOGGERS = ("boto3", "botocore", "s3transfer")


class PublishError(Exception):
    """The release could not be published; the message says what and what to do."""


class NotPublishable(PublishError):
    """This release must not go out (a sample or replay), or is not a release at all."""


class UploadFailed(PublishError):
    """One object could not be written; ``key`` names it. Nothing after it was touched."""

    def __init__(self, key: str, action: str, cause: str) -> None:
        super().__init__(f"could not {action} {key}: {cause}")
        self.key, self.action, self.cause = key, action, cause

    def noting(self, note: str) -> UploadFailed:
        return UploadFailed(self.key, self.action, f"{self.cause}; {note}")


# --- where ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """``s3://bucket/prefix``: the bucket and the folder every object of the project is under."""

    bucket: str
    prefix: str = ""  # without slashes at either end; "" for the bucket's root

    @classmethod
    def parse(cls, url: str) -> Destination:
        """Raise ValueError naming what is wrong (the message never repeats the URL: a user
        who pasted credentials into it does not see them echoed)."""
        if not url.startswith("s3://"):
            raise ValueError("expected s3://bucket or s3://bucket/prefix")
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not BUCKET_NAME.match(bucket):
            raise ValueError("the bucket name must be 3 to 63 lowercase letters, digits, dots "
                             "or hyphens (credentials come from AWS_* variables, never the URL)")
        prefix = prefix.strip("/")
        if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
            raise ValueError("the prefix must be folder names separated by single slashes")
        return cls(bucket, prefix)

    def key(self, *parts: str) -> str:
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p.strip("/"))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


def check_publish_url(url: str) -> str:
    """The setting's validator: empty (nothing uploaded) or a valid ``s3://`` URL."""
    if url:
        Destination.parse(url)
    return url


# --- what -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseFile:
    path: str  # relative to the release folder, with forward slashes
    local: Path
    sha256: str  # hex
    sha256_base64: str  # as S3 wants it in x-amz-checksum-sha256
    size: int

    @property
    def content_type(self) -> str:
        return content_type(self.path)


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(Path(path).suffix, "application/octet-stream")


def release_files(folder: Path) -> list[ReleaseFile]:
    """Every file of a release folder, hidden ones left out; the entry points
    (``index.html``, then ``datapackage.json``) last, so a reader following them finds every
    file they name already there."""
    last = {PAGE_FILE: 1, PACKAGE_FILE: 2}
    found = [p for p in folder.rglob("*") if p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    found.sort(key=lambda p: (last.get(p.relative_to(folder).as_posix(), 0),
                              p.relative_to(folder).as_posix()))
    return [_described(folder, p) for p in found]


def _described(folder: Path, path: Path) -> ReleaseFile:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return ReleaseFile(path.relative_to(folder).as_posix(), path, digest.hexdigest(),
                       base64.b64encode(digest.digest()).decode("ascii"),
                       path.stat().st_size)


def read_release_descriptor(folder: Path) -> dict[str, Any]:
    """The release's ``datapackage.json``; PublishError when ``folder`` holds no release."""
    path = folder / PACKAGE_FILE
    descriptor = read_descriptor(path)
    if not descriptor:
        found = "cannot be read as a data package" if path.is_file() else "does not exist"
        raise NotPublishable(f"{path}: no release's data package here (it {found})")
    if not descriptor.get("version"):
        raise NotPublishable(f"{path}: the data package names no version; is this a release?")
    return descriptor


def not_live(descriptor: dict[str, Any]) -> str | None:
    """Why a release must not go out as the public one: a sample or replay is never
    published as a live refresh (``--allow-sample`` publishes it anyway, to try a bucket)."""
    if descriptor.get("sample"):
        return "it is a sample release, built from the bundled sample snapshots"
    if descriptor.get("mode") == "replay":
        return "it is a replay release, built from recorded snapshots"
    return None


def table_counts(folder: Path, descriptor: dict) -> dict[str, int]:
    """Rows per published table, from each Parquet file's footer (nothing else is read)."""
    import pyarrow.parquet as pq

    counts = {}
    for resource in descriptor.get("resources", []):
        parquet = folder / PARQUET_FOLDER / f"{resource['name']}.parquet"
        if parquet.is_file():
            counts[resource["name"]] = pq.read_metadata(parquet).num_rows
    return counts


# --- the bucket -------------------------------------------------------------------------------


class Bucket:
    """The few operations publishing needs, on one bucket, every failure an ``UploadFailed``
    naming the object. ``client`` is a boto3 S3 client (``open_bucket`` makes one)."""

    def __init__(self, destination: Destination, client: Any, public_url: str = "") -> None:
        self.destination = destination
        self.client = client
        endpoint = str(client.meta.endpoint_url).rstrip("/")
        self.public_url = (public_url.rstrip("/") if public_url
                           else f"{endpoint}/{destination.bucket}/{destination.prefix}"
                           .rstrip("/"))

    def url(self, *parts: str) -> str:
        """The public address of ``<prefix>/<parts>`` (a folder keeps its trailing slash)."""
        tail = "/".join(p.strip("/") for p in parts)
        slash = "/" if parts and parts[-1].endswith("/") else ""
        return f"{self.public_url}/{tail}{slash}"

    def name(self, key: str) -> str:
        return f"s3://{self.destination.bucket}/{key}"

    def sha256(self, key: str) -> str | None:
        """The checksum an object was uploaded with; None when there is no such object."""
        with self._failure(key, "read"):
            try:
                head = self.client.head_object(Bucket=self.destination.bucket, Key=key)
            except self.client.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey",
                                                                    "NotFound"):
                    return None
                raise
        return head.get("Metadata", {}).get("sha256")

    def upload(self, file: ReleaseFile, key: str, cache: str) -> None:
        with self._failure(key, "upload"), file.local.open("rb") as body:
            self.client.put_object(
                Bucket=self.destination.bucket, Key=key, Body=body,
                ContentType=file.content_type, ContentLength=file.size, CacheControl=cache,
                ChecksumSHA256=file.sha256_base64, Metadata={"sha256": file.sha256})

    def copy(self, source: str, key: str, sha256: str | None, cache: str) -> None:
        """A server-side copy of ``source`` (nothing goes over this machine's network)."""
        with self._failure(key, "copy " + self.name(source) + " to"):
            self.client.copy_object(
                Bucket=self.destination.bucket, Key=key,
                CopySource={"Bucket": self.destination.bucket, "Key": source},
                MetadataDirective="REPLACE", ContentType=content_type(key),
                CacheControl=cache, Metadata={"sha256": sha256} if sha256 else {})

    def keys(self, prefix: str) -> list[str]:
        with self._failure(prefix + "/", "list"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.destination.bucket, Prefix=prefix + "/")
            return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # S3's limit per request
            batch = keys[start:start + 1000]
            with self._failure(batch[0], "delete"):
                self.client.delete_objects(Bucket=self.destination.bucket, Delete={
                    "Objects": [{"Key": k} for k in batch], "Quiet": True})

    def read(self, key: str) -> bytes | None:
        with self._failure(key, "read"):
            try:
                return self.client.get_object(Bucket=self.destination.bucket,
                                              Key=key)["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None

    def write(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        digest = hashlib.sha256(body)
        with self._failure(key, "upload"):
            self.client.put_object(
                Bucket=self.destination.bucket, Key=key, Body=body, ContentType=content_type,
                CacheControl=cache, ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                Metadata={"sha256": digest.hexdigest()})

    def _failure(self, key: str, action: str) -> _Failure:
        return _Failure(self.name(key), action)


class _Failure:
    """Around one request: any error from boto3 becomes ``UploadFailed`` naming the object,
    with a hint when credentials are missing (never the credentials themselves)."""

    def __init__(self, name: str, action: str) -> None:
        self.name, self.action = name, action

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: object) -> bool:
        if error is None or isinstance(error, PublishError):
            return False
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        if isinstance(error, NoCredentialsError):
            raise UploadFailed(self.name, self.action, "no credentials: set AWS_ACCESS_KEY_ID "
                               "and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)") from None
        if isinstance(error, ClientError | BotoCoreError | OSError):
            raise UploadFailed(self.name, self.action, str(error)) from None
        return False


def open_bucket(url: str, public_url: str = "") -> Bucket:
    """The bucket of an ``s3://bucket/prefix`` URL, through a boto3 client configured only by
    the standard AWS variables and files. botocore's debug log prints request headers (the
    access key id among them), so it is kept at INFO unless someone set its level."""
    import boto3
    from botocore.config import Config

    for name in AWS_LOGGERS:
        if logging.getLogger(name).level in (logging.NOTSET, logging.DEBUG):
            logging.getLogger(name).setLevel(logging.INFO)
    config = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=10,
                    read_timeout=120, user_agent_extra="civic-intermediaries")
    client = boto3.session.Session().client("s3", config=config)
    return Bucket(Destination.parse(url), client, public_url)


# --- publishing -------------------------------------------------------------------------------


@dataclass
class UploadReport:
    """What one publish did; the URLs are the public ones."""

    version: str
    uploaded: list[str] = field(default_factory=list)  # keys written (files, copies, index)
    unchanged: int = 0  # files of the version already there with the same checksum
    latest_moved: bool = False  # latest/ now holds this version (False: it held it already,
    latest_version: str | None = None  # or a newer version is latest)
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def nothing_new(self) -> bool:
        return not self.uploaded


def publish_release(folder: Path, bucket: Bucket, published_at: str,
                    progress: Callable[[str], None] = lambda _: None,
                    allow_sample: bool = False) -> UploadReport:
    """Upload the release in ``folder`` (``releases/<version>/``), then make ``latest/`` a copy
    of it (unless a newer version is already latest), then list it in ``releases.json``."""
    descriptor = read_release_descriptor(folder)
    refusal = not_live(descriptor)
    if refusal and not allow_sample:
        raise NotPublishable(f"{folder} is not published: {refusal}; a sample or replay is "
                           "never published as a live refresh (--allow-sample to try a bucket)")
    version = str(descriptor["version"])
    files = release_files(folder)
    report = UploadReport(version=version, urls={
        "version": bucket.url(RELEASES_PREFIX, version + "/"),
        "latest": bucket.url(LATEST_PREFIX + "/"),
        "datapackage": bucket.url(LATEST_PREFIX, PACKAGE_FILE),
        "page": bucket.url(LATEST_PREFIX, PAGE_FILE),
        "releases": bucket.url(RELEASES_INDEX),
    })
    destination = bucket.destination
    for file in files:  # 1. the version, complete
        key = destination.key(RELEASES_PREFIX, version, file.path)
        if bucket.sha256(key) == file.sha256:
            report.unchanged += 1
            continue
        progress(f"uploading {file.path} ({file.size:,} bytes)")
        bucket.upload(file, key, VERSION_CACHE)
        report.uploaded.append(key)
    index_key = destination.key(RELEASES_INDEX)
    before = bucket.read(index_key)
    index = _read_index(before, bucket.name(index_key))
    entry = next((e for e in index["releases"] if e.get("version") == version), None) or (
        release_entry(descriptor, table_counts(folder, descriptor), published_at, bucket))
    listed = [e for e in index["releases"] if e.get("version") != version] + [entry]
    listed.sort(key=lambda e: version_key(str(e["version"])), reverse=True)
    newest = str(listed[0]["version"])
    if newest == version:  # 2. latest/, a copy of the version
        previous = index.get("latest")
        report.latest_moved = _make_latest(bucket, files, version, report, progress,
                                           str(previous) if previous else None)
    report.latest_version = newest
    index = {"name": "civic-intermediaries", "latest": newest,
             "latest_url": report.urls["latest"], "releases": listed}
    body = (json.dumps(index, indent=2) + "\n").encode("utf-8")
    if body != before:  # 3. releases.json, last
        progress(f"listing {version} in {RELEASES_INDEX}")
        bucket.write(index_key, body, CONTENT_TYPES[".json"], MOVING_CACHE)
        report.uploaded.append(index_key)
    return report


def _make_latest(bucket: Bucket, files: list[ReleaseFile], version: str,
                 report: UploadReport, progress: Callable[[str], None],
                 previous: str | None) -> bool:
    """Copy each file whose checksum differs into ``latest/``, then remove what the version
    does not hold; True when anything changed. A copy that fails puts back what the copies
    before it replaced (``previous``'s files), so ``latest/`` is never left a mix."""
    destination = bucket.destination
    written: list[tuple[str, str]] = []  # (latest key, path in the release)
    try:
        for file in files:
            key = destination.key(LATEST_PREFIX, file.path)
            if bucket.sha256(key) == file.sha256:
                continue
            progress(f"latest/{file.path}")
            bucket.copy(destination.key(RELEASES_PREFIX, version, file.path), key, file.sha256,
                        MOVING_CACHE)
            written.append((key, file.path))
    except UploadFailed as error:
        raise error.noting(_restore_latest(bucket, written, previous)) from None
    report.uploaded.extend(key for key, _ in written)
    wanted = {destination.key(LATEST_PREFIX, f.path) for f in files}
    stale = [k for k in bucket.keys(destination.key(LATEST_PREFIX)) if k not in wanted]
    if stale:  # every file of the version is in latest/ by now: extras are harmless
        bucket.delete(stale)
    return bool(written or stale)


def _restore_latest(bucket: Bucket, written: list[tuple[str, str]],
                    previous: str | None) -> str:
    """Undo the copies a failed move of ``latest/`` made: each file back from the version
    ``latest/`` held before (or removed, when it held none or not that file)."""
    if not written:
        return "latest/ is as it was"
    try:
        old = {}
        if previous:
            folder = bucket.destination.key(RELEASES_PREFIX, previous)
            old = {k.removeprefix(folder + "/"): k for k in bucket.keys(folder)}
        for key, path in written:
            if path in old:
                bucket.copy(old[path], key, bucket.sha256(old[path]), MOVING_CACHE)
            else:
                bucket.delete([key])
    except UploadFailed as again:
        return (f"latest/ could not be put back ({again}): publish again to complete it")
    return f"latest/ was put back as it was ({previous or 'empty'})"


def release_entry(descriptor: dict, counts: dict[str, int], published_at: str,
                  bucket: Bucket) -> dict[str, Any]:
    """One version in ``releases.json``: its dates, what it holds and what changed."""
    version = str(descriptor["version"])
    return {
        "version": version,
        "created": descriptor.get("created"),
        "published": published_at,
        "sample": bool(descriptor.get("sample")),
        "mode": descriptor.get("mode"),
        "path": f"{RELEASES_PREFIX}/{version}/",
        "url": bucket.url(RELEASES_PREFIX, version + "/"),
        "datapackage": bucket.url(RELEASES_PREFIX, version, PACKAGE_FILE),
        "counts": counts,
        "changes_since": descriptor.get("changes_since"),
        "change_counts": descriptor.get("change_counts") or {},
    }


def _read_index(body: bytes | None, name: str) -> dict[str, Any]:
    if body is None:
        return {"releases": []}
    try:
        index = json.loads(body)
        releases = index["releases"]
        if not isinstance(releases, list) or not all(
                isinstance(e, dict) and "version" in e for e in releases):
            raise ValueError("releases is not a list of versions")
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(f"{name} is not a releases index this project wrote ({error}); "
                           "move it aside or publish to another prefix") from None
    return index

