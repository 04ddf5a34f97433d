"""``intermediaries publish``: upload the current release to object storage at stable URLs
(``pipelines.publish.upload``), where INTERMEDIARIES_PUBLISH_URL says, and print where
readers find it. Credentials come from the standard AWS variables, read by boto3 alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipelines.cli.console import Refused, console
from pipelines.publish.folders import PACKAGE_FILE, current_release
from pipelines.publish.upload import (
    NotPublishable,
    PublishError,
    open_bucket,
    publish_release,
)
from pipelines.settings import PipelineSettings, SettingsError

EXIT_FAILED = 1


def publish_current(release: Path | None, allow_sample: bool = False) -> None:
    """Upload the release and print what was written and the public URLs."""
    try:
        settings = PipelineSettings.from_env()
    except SettingsError as error:
        raise Refused(str(error)) from None
    if not settings.publish_url:
        raise Refused("INTERMEDIARIES_PUBLISH_URL is not set: point it at s3://bucket/prefix "
                      "(credentials and endpoint from the AWS_* variables; README, "
                      "'Publishing to a bucket').")
    folder = release_folder(release or settings.outputs)
    out = console()
    out.print(f"Publishing {folder} to {settings.publish_url}", highlight=False,
              soft_wrap=True)
    try:
        bucket = open_bucket(settings.publish_url, settings.publish_public_url)
        report = publish_release(folder, bucket, utc_now(), progress=lambda line: out.print(
            f"  {line}", highlight=False), allow_sample=allow_sample)
    except NotPublishable as error:
        raise Refused(str(error)) from None
    except PublishError as error:
        raise Refused(str(error), EXIT_FAILED) from None
    if report.nothing_new:
        out.print(f"Nothing new: {report.version} is already published "
                  f"({report.unchanged} files with the same checksums).", soft_wrap=True)
    else:
        out.print(f"Published {report.version}: {len(report.uploaded)} object(s) written, "
                  f"{report.unchanged} already there.")
    if report.latest_version != report.version:
        out.print(f"latest/ stays at {report.latest_version}, newer than {report.version}.")
    for name in ("latest", "datapackage", "page", "version", "releases"):
        out.print(f"  {name + ':':13}{report.urls[name]}", highlight=False, soft_wrap=True)


def release_folder(path: Path) -> Path:
    """The release to upload: the current release of an output folder, or a release's own
    folder (``releases/<version>/``)."""
    current = current_release(path)
    if current is not None:
        return current
    if (path / PACKAGE_FILE).is_file():
        return path
    raise Refused(f"no release in {path} (no current/ and no {PACKAGE_FILE}): `make run` "
                  "publishes one to outputs/, or give --release DIR.")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
