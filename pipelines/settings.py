"""Run settings: where snapshots and outputs live, replay, source URLs and HTTP limits.

Every setting has an environment variable, validated once when the definitions load: a bad
value stops at once with one line naming the variable, the value and what is allowed (never a
traceback from a later step). Each can also be changed per run in the Dagster launchpad as
resource config, where the same limits apply. README's configuration table lists them.

A replay or sample run keeps its bookkeeping (last-good markers) inside its own output folder
and never prunes or writes the live ``snapshots/``: samples never touch live state.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import dagster as dg
from pydantic import Field, field_validator

from sources.base import Source
from sources.http import HttpSettings

ENV_PREFIX = "INTERMEDIARIES_"
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
LIVE_OUTPUTS = "outputs"
REPLAY_STATE = ".replay-state"  # last-good markers of replay runs, inside their output folder


class SettingsError(ValueError):
    """One or more settings are invalid; each line names the variable, value and what is
    allowed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n  " + "\n  ".join(problems))


def is_http_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and len(value.split("://", 1)[1]) > 0


class PipelineSettings(dg.ConfigurableResource):
    """Settings shared by every asset of a refresh."""

    snapshot_dir: str = Field(
        default="snapshots", min_length=1,
        description="Where fetched snapshots are archived (one folder each).",
    )
    output_dir: str = Field(default="outputs", min_length=1,
                            description="Where the release is published.")
    keep_snapshots: int = Field(
        default=26, ge=0,
        description="Snapshots kept per source (the newest, plus the last good one); 0 keeps all.",
    )
    keep_releases: int = Field(
        default=5, ge=0,
        description="Releases kept in <output_dir>/releases (the current one always); 0 keeps "
        "all.",
    )
    replay_dir: str = Field(
        default="",
        description="Replay: read the newest snapshot of each source from this folder instead of "
        "fetching. No network is used, and nothing live is written.",
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
    max_reject_share: float = Field(
        default=0.05, ge=0.0, le=1.0,
        description="Share of a source's records that may be quarantined as unreadable before "
        "the blocking rejected_share check stops the publish.",
    )
    http_delay: float = Field(default=1.0, ge=0.0,
                              description="Seconds between requests to one host.")
    http_timeout: float = Field(default=30.0, gt=0.0,
                                description="Read timeout per request, seconds.")
    http_retries: int = Field(default=3, ge=0,
                              description="Retries on connection errors, 429 and 5xx.")
    http_backoff: float = Field(default=1.0, ge=0.0,
                                description="Exponential backoff factor, seconds.")

    @field_validator("source_urls")
    @classmethod
    def _urls_are_http(cls, urls: dict[str, str]) -> dict[str, str]:
        bad = [f"{name}={url!r}" for name, url in urls.items() if url and not is_http_url(url)]
        if bad:
            raise ValueError(f"source URLs must start with http:// or https://: {', '.join(bad)}")
        return urls

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PipelineSettings:
        """Read and validate every ``INTERMEDIARIES_*`` variable; raise SettingsError listing
        each bad one (all of them, so a user fixes them in one go)."""
        env = os.environ if environ is None else environ
        reader = _Reader(env)
        values = {
            "snapshot_dir": reader.text("SNAPSHOT_DIR", "snapshots"),
            "output_dir": reader.text("OUTPUT_DIR", "outputs"),
            "keep_snapshots": reader.integer("KEEP_SNAPSHOTS", 26, minimum=0),
            "keep_releases": reader.integer("KEEP_RELEASES", 5, minimum=0),
            "replay_dir": reader.folder("REPLAY_DIR"),
            "strict_checks": reader.boolean("STRICT_CHECKS", True),
            "publish_personal_contacts": reader.boolean("PUBLISH_PERSONAL_CONTACTS", False),
            "max_reject_share": reader.number("MAX_REJECT_SHARE", 0.05, minimum=0.0,
                                              maximum=1.0),
            "http_delay": reader.number("HTTP_DELAY", 1.0, minimum=0.0),
            "http_timeout": reader.number("HTTP_TIMEOUT", 30.0, minimum=0.0, exclusive=True),
            "http_retries": reader.integer("HTTP_RETRIES", 3, minimum=0),
            "http_backoff": reader.number("HTTP_BACKOFF", 1.0, minimum=0.0),
        }
        from sources.registry import SOURCES  # the registry imports every source module

        for source in SOURCES:
            reader.url(source.url_variable.removeprefix(ENV_PREFIX), source.name)
            reader.integer(f"{source.name.upper()}_MIN_RECORDS", 0, minimum=0)
        reader.integer("SDC_EXPECTED_LEADS", 56, minimum=0)
        reader.codes("IRS_BMF_NTEE")
        if reader.problems:
            raise SettingsError(reader.problems)
        return cls(**values)

    @classmethod
    def known_variables(cls) -> set[str]:
        """Every ``INTERMEDIARIES_*`` variable the pipeline reads (README documents each)."""
        reader = _Reader({})
        cls.from_env(_Recording(reader.seen))
        return reader.seen | set(_SOURCE_VARIABLES())

    @classmethod
    def unknown_variables(cls, environ: Mapping[str, str] | None = None) -> list[str]:
        """Set ``INTERMEDIARIES_*`` variables that nothing reads (a typo is silently ignored
        otherwise), each with the closest known name."""
        env = os.environ if environ is None else environ
        known = cls.known_variables()
        notes = []
        for name in sorted(n for n in env if n.startswith(ENV_PREFIX) and n not in known):
            close = difflib.get_close_matches(name, sorted(known), n=1)
            notes.append(f"{name} is not a setting" + (f" (did you mean {close[0]}?)"
                                                        if close else ""))
        return notes

    def url_for(self, source: Source) -> str:
        """Dagster config first, then the source's environment variable, then the live URL."""
        return (
            self.source_urls.get(source.name)
            or os.environ.get(source.url_variable, "").strip()
            or source.default_url
        )

    def floor_for(self, source: Source) -> int:
        """Dagster config first, then ``INTERMEDIARIES_<SOURCE>_MIN_RECORDS``, then the default."""
        if source.name in self.min_records:
            return self.min_records[source.name]
        raw = os.environ.get(f"{ENV_PREFIX}{source.name.upper()}_MIN_RECORDS", "").strip()
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
        """The release folder. A replay configured without its own output folder publishes
        to ``outputs/replay``, never over the live release."""
        if self.replaying and Path(self.output_dir) == Path(LIVE_OUTPUTS):
            return Path(self.output_dir) / "replay"
        return Path(self.output_dir)

    @property
    def replaying(self) -> bool:
        return bool(self.replay_dir)

    @property
    def mode(self) -> str:
        """'live' (fetch and archive) or 'replay' (read snapshots; write nothing live)."""
        return "replay" if self.replaying else "live"

    @property
    def state_root(self) -> Path:
        """Where last-good markers are read and written: the live snapshot archive for live
        runs; for replay runs a folder inside their own output, so a sample or replay never
        records a LAST_GOOD in ``snapshots/`` that a later live run could carry forward."""
        return self.outputs / REPLAY_STATE if self.replaying else self.snapshots


def _SOURCE_VARIABLES() -> tuple[str, ...]:  # noqa: N802 (read by source modules)
    from sources import eventbrite, meetup, meetup_search

    return (eventbrite.TOKEN_VARIABLE, eventbrite.ORGS_VARIABLE, meetup.GROUPS_FILE_VARIABLE,
            meetup_search.TOKEN_VARIABLE, meetup_search.KEYWORDS_VARIABLE,
            meetup_search.METROS_VARIABLE)


class _Recording(dict):
    """An empty environment that records which names are asked for."""

    def __init__(self, seen: set[str]) -> None:
        super().__init__()
        self.seen = seen

    def get(self, key, default=None):  # noqa: ANN001, ANN201
        self.seen.add(key)
        return default


class _Reader:
    """Parses environment values, collecting one line per bad value."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def _raw(self, name: str) -> str | None:
        value = self.env.get(ENV_PREFIX + name)
        return None if value is None or not value.strip() else value.strip()

    def _parse(self, name: str, default, allowed: str, convert: Callable):  # noqa: ANN001, ANN202
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            return convert(raw)
        except ValueError:
            self.problems.append(f"{ENV_PREFIX}{name}={raw!r}: {allowed}")
            return default

    def text(self, name: str, default: str) -> str:
        return self._raw(name) or default

    def boolean(self, name: str, default: bool) -> bool:
        def convert(raw: str) -> bool:
            if raw.lower() in TRUE:
                return True
            if raw.lower() in FALSE:
                return False
            raise ValueError(raw)

        return self._parse(name, default, "expected true or false (also 1/0, yes/no, on/off)",
                           convert)

    def integer(self, name: str, default: int, minimum: int) -> int:
        def convert(raw: str) -> int:
            value = int(raw)
            if value < minimum:
                raise ValueError(raw)
            return value

        return self._parse(name, default, f"expected a whole number ≥ {minimum}", convert)

    def number(self, name: str, default: float, minimum: float, maximum: float | None = None,
               exclusive: bool = False) -> float:
        low = f"> {minimum:g}" if exclusive else f"≥ {minimum:g}"
        allowed = f"expected a number {low}" + (f" and ≤ {maximum:g}" if maximum is not None
                                                  else "")

        def convert(raw: str) -> float:
            value = float(raw)
            if value != value or value < minimum or (exclusive and value == minimum) or (
                    maximum is not None and value > maximum):
                raise ValueError(raw)
            return value

        return self._parse(name, default, allowed, convert)

    def folder(self, name: str) -> str:
        raw = self._raw(name)
        if raw is not None and not Path(raw).is_dir():
            self.problems.append(f"{ENV_PREFIX}{name}={raw!r}: no such folder; expected a "
                                 "folder of snapshots (<source>/<stamp>/manifest.json)")
        return raw or ""

    def codes(self, name: str) -> None:
        from sources.irs_bmf import ntee_codes

        self._parse(name, None, "expected comma-separated NTEE codes such as T31, T30",
                    ntee_codes)

    def url(self, name: str, source: str) -> None:
        raw = self._raw(name)
        if raw is not None and not is_http_url(raw):
            self.problems.append(f"{ENV_PREFIX}{name}={raw!r}: the {source} source URL must "
                                 "start with http:// or https://")
