"""Run settings: where snapshots and outputs live, replay, source URLs and HTTP limits.

Every setting has an environment variable (read when the definitions load) and can be changed
per run in the Dagster launchpad as resource config. README's configuration table lists them.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from sources.base import Source
from sources.http import HttpSettings

ENV_PREFIX = "INTERMEDIARIES_"


class PipelineSettings(dg.ConfigurableResource):
    """Settings shared by every asset of a refresh."""

    snapshot_dir: str = Field(
        default="snapshots", description="Where fetched snapshots are archived (one folder each)."
    )
    output_dir: str = Field(default="outputs", description="Where the release is published.")
    keep_snapshots: int = Field(
        default=26,
        description="Snapshots kept per source (the newest, plus the last good one); 0 keeps all.",
    )
    replay_dir: str = Field(
        default="",
        description="Replay: read the newest snapshot of each source from this folder instead of "
        "fetching. No network is used.",
    )
    source_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Per-source URL overrides by source name, e.g. {'cfa': 'http://mirror/...'}.",
    )
    min_records: dict[str, int] = Field(
        default_factory=dict,
        description="Per-source record floor overrides by source name; a parse yielding fewer "
        "stops the publish.",
    )
    strict_checks: bool = Field(
        default=True,
        description="Off: record floors and structure checks only warn instead of stopping the "
        "publish (for partial sample or fixture data).",
    )
    publish_personal_contacts: bool = Field(
        default=False,
        description="Publish the names, emails and phones of individual staff that sources "
        "list as program contacts. Off: only whether a contact exists, and the source URL.",
    )
    http_delay: float = Field(default=1.0, description="Seconds between requests to one host.")
    http_timeout: float = Field(default=30.0, description="Read timeout per request, seconds.")
    http_retries: int = Field(default=3, description="Retries on connection errors, 429 and 5xx.")
    http_backoff: float = Field(default=1.0, description="Exponential backoff factor, seconds.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> PipelineSettings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            return env.get(ENV_PREFIX + name, default)

        return cls(
            snapshot_dir=get("SNAPSHOT_DIR", "snapshots"),
            output_dir=get("OUTPUT_DIR", "outputs"),
            keep_snapshots=int(get("KEEP_SNAPSHOTS", "26")),
            replay_dir=get("REPLAY_DIR", ""),
            strict_checks=get("STRICT_CHECKS", "true").lower() in ("1", "true", "yes"),
            publish_personal_contacts=get("PUBLISH_PERSONAL_CONTACTS", "false").lower()
            in ("1", "true", "yes"),
            http_delay=float(get("HTTP_DELAY", "1.0")),
            http_timeout=float(get("HTTP_TIMEOUT", "30")),
            http_retries=int(get("HTTP_RETRIES", "3")),
            http_backoff=float(get("HTTP_BACKOFF", "1.0")),
        )

    def url_for(self, source: Source) -> str:
        """Dagster config first, then the source's environment variable, then the live URL."""
        return (
            self.source_urls.get(source.name)
            or os.environ.get(source.url_variable)
            or source.default_url
        )

    def floor_for(self, source: Source) -> int:
        """Dagster config first, then ``INTERMEDIARIES_<SOURCE>_MIN_RECORDS``, then the default."""
        if source.name in self.min_records:
            return self.min_records[source.name]
        raw = os.environ.get(f"{ENV_PREFIX}{source.name.upper()}_MIN_RECORDS")
        return int(raw) if raw else source.min_records

    def http(self) -> HttpSettings:
        return HttpSettings(
            read_timeout=self.http_timeout,
            connect_timeout=min(10.0, self.http_timeout),
            retries=self.http_retries,
            backoff_factor=self.http_backoff,
            per_host_delay=self.http_delay,
        )

    @property
    def snapshots(self) -> Path:
        return Path(self.snapshot_dir)

    @property
    def outputs(self) -> Path:
        return Path(self.output_dir)

    @property
    def replaying(self) -> bool:
        return bool(self.replay_dir)
