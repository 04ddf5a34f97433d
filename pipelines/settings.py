"""Run settings: where snapshots and outputs live, replay, source URLs and HTTP limits, and each
source's own settings.

Every setting has an environment variable, and every variable is read here, by one
pydantic-settings model (``Environment``): the pipeline's own settings (``PipelineSettings``),
each source's URL and record floor, and each source's own settings model, declared next to its
code (``sources.sdc.SdcSettings``, ``sources.meetup_search.SearchSettings``, ...). It is
validated when the definitions load: a bad value stops at once with one line per bad variable
naming the variable, the value and what is allowed (never a traceback from a later step).

``PipelineSettings`` is the Dagster resource: each of its fields can also be changed per run in
the launchpad, where the same limits apply, and a per-source URL or floor given there wins over
the variable. A source's own settings (tokens among them) are never resource config, so a token
never shows in the UI nor is stored with a run: the wiring hands each source its settings
(``PipelineSettings.configured``), and no module under ``sources/`` reads the environment.
README's configuration table lists every variable.

A replay or sample run keeps its bookkeeping (last-good markers) inside its own output folder
and never prunes or writes the live ``snapshots/``: samples never touch live state.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Annotated, Any, get_args

import dagster as dg
from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from pipelines.publish.upload import check_publish_url
from sources.base import Source, SourceSettings
from sources.http import HttpSettings

ENV_PREFIX = "INTERMEDIARIES_"
PER_SOURCE = ("source_urls", "min_records")  # read from each source's _URL and _MIN_RECORDS
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


def _http_url_or_empty(value: str) -> str:
    if value and not is_http_url(value):
        raise ValueError("expected an http:// or https:// address")
    return value


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
        "is not published (the source is carried forward from its last good snapshot).",
    )
    strict_checks: bool = Field(
        default=True,
        description="Off: a source's data failing its record floor or structure checks is kept "
        "with a warning instead of being carried forward (for partial sample or fixture "
        "data).",
    )
    publish_personal_contacts: bool = Field(
        default=False,
        description="Publish the names, emails and phones of individual staff that sources "
        "list as program contacts. Off: only whether a contact exists, and the source URL.",
    )
    max_reject_share: float = Field(
        default=0.05, ge=0.0, le=1.0,
        description="Share of a source's records that may be quarantined as unreadable before "
        "the rejected_share check fails and the source is carried forward.",
    )
    publish_url: Annotated[str, AfterValidator(check_publish_url)] = Field(
        default="",
        description="Where each release is uploaded (`intermediaries publish`, the "
        "published_release asset): s3://bucket/prefix on S3 or any S3-compatible store. "
        "Credentials and endpoint come only from the standard AWS_* variables. Empty: "
        "nothing is uploaded.",
    )
    publish_public_url: Annotated[str, AfterValidator(_http_url_or_empty)] = Field(
        default="",
        description="The public http(s) address of the publish URL's prefix, when readers "
        "reach the bucket elsewhere (a custom domain, R2's public URL). Default: the "
        "endpoint's path-style address, <endpoint>/<bucket>/<prefix>.",
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
        """Read and validate every ``INTERMEDIARIES_*`` variable, each source's own included;
        raise SettingsError listing each bad one (all of them, so a user fixes them in one
        go)."""
        return cls(**read_environment(environ).pipeline_values())

    @classmethod
    def known_variables(cls) -> set[str]:
        """Every ``INTERMEDIARIES_*`` variable the pipeline reads (README documents each)."""
        return set(environment_model().variables())

    @classmethod
    def unknown_variables(cls, environ: Mapping[str, str] | None = None) -> list[str]:
        """Set ``INTERMEDIARIES_*`` variables that nothing reads (a typo is silently ignored
        otherwise), each with the closest known name."""
        env = os.environ if environ is None else environ
        known = sorted(cls.known_variables())
        notes = []
        for name in sorted(n for n in env if n.startswith(ENV_PREFIX) and n not in known):
            close = difflib.get_close_matches(name, known, n=1)
            notes.append(f"{name} is not a setting" + (f" (did you mean {close[0]}?)"
                                                        if close else ""))
        return notes

    def url_for(self, source: Source) -> str:
        """Dagster config first, then the source's environment variable, then the live URL."""
        return (self.source_urls.get(source.name) or read_environment().url(source)
                or source.default_url)

    def floor_for(self, source: Source) -> int:
        """Dagster config first, then ``INTERMEDIARIES_<SOURCE>_MIN_RECORDS``, then the default."""
        if source.name in self.min_records:
            return self.min_records[source.name]
        floor = read_environment().floor(source)
        return source.min_records if floor is None else floor

    def configured(self, source: Source) -> Source:
        """``source`` with its own settings as the environment gives them (tokens among them:
        never resource config, so never shown in the UI or stored with a run)."""
        return source.configured(read_environment().settings_for(source))

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



# --- the environment: every variable, one model ------------------------------------------------


class Environment(BaseSettings):
    """Every ``INTERMEDIARIES_*`` variable, one field each, validated together. The fields are
    built from the definitions (``environment_model``): the pipeline's own by their names,
    ``<source>__url`` and ``<source>__min_records`` per source, ``<source>__<field>`` for each
    field of a source's own settings that names its variable."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore",
                                      validate_by_alias=True, validate_by_name=False)

    @classmethod
    def variables(cls) -> dict[str, FieldInfo]:
        """Variable name -> its field."""
        return {field.validation_alias: field for field in cls.model_fields.values()
                if isinstance(field.validation_alias, str)}

    def pipeline_values(self) -> dict[str, Any]:
        """The ``PipelineSettings`` fields that a variable sets."""
        return {name: getattr(self, name) for name in self.model_fields_set
                if name in PipelineSettings.model_fields}

    def url(self, source: Source) -> str | None:
        return getattr(self, f"{source.name}__url", None)

    def floor(self, source: Source) -> int | None:
        return getattr(self, f"{source.name}__min_records", None)

    def settings_for(self, source: Source) -> SourceSettings | None:
        """The source's own settings: the variables set, the model's defaults otherwise."""
        if source.settings is None:
            return None
        prefix = f"{source.name}__"
        given = {name.removeprefix(prefix): getattr(self, name)
                 for name in self.model_fields_set if name.startswith(prefix)}
        given.pop("url", None)
        given.pop("min_records", None)
        return type(source.settings)(**given)


class _Variables(EnvSettingsSource):
    """The variables of a mapping (``os.environ``, or one given), trimmed; a blank one counts as
    unset, so its default applies."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls, case_sensitive=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name: value.strip() for name, value in self._environ.items() if value.strip()}


def read_environment(environ: Mapping[str, str] | None = None) -> Environment:
    """Every variable of ``environ`` (default: the process environment), validated; a
    SettingsError lists each bad one."""
    env = os.environ if environ is None else environ
    return _read(tuple(sorted((name, value) for name, value in env.items()
                              if name.startswith(ENV_PREFIX))))


@lru_cache(maxsize=8)  # the assets ask once per source; the variables do not change in a run
def _read(variables: tuple[tuple[str, str], ...]) -> Environment:
    model = environment_model()
    given = dict(variables)
    try:
        return model(_build_sources=((_Variables(model, given),), {}))
    except ValidationError as error:
        raise SettingsError(list(_problems(error, model.variables(), given))) from None


@cache
def environment_model() -> type[Environment]:
    """The ``Environment`` of the registered sources (imported here: the registry imports every
    source module)."""
    from sources.registry import SOURCES

    fields: dict[str, Any] = {
        name: _read_from(field, ENV_PREFIX + name.upper(),
                         *([AfterValidator(_existing_folder)] if name == "replay_dir" else []))
        for name, field in PipelineSettings.model_fields.items() if name not in PER_SOURCE
    }
    for source in SOURCES:
        fields[f"{source.name}__url"] = (
            Annotated[str | None, AfterValidator(partial(_source_url, source.name))],
            Field(None, validation_alias=source.url_variable))
        fields[f"{source.name}__min_records"] = (
            int | None,
            Field(None, ge=0, validation_alias=f"{ENV_PREFIX}{source.name.upper()}_MIN_RECORDS"))
        own = type(source.settings).model_fields if source.settings is not None else {}
        for name, field in own.items():
            if isinstance(field.validation_alias, str):  # the others are fixed in code
                fields[f"{source.name}__{name}"] = _read_from(field, field.validation_alias)
    return create_model("Environment", __base__=Environment, **fields)


def _read_from(field: FieldInfo, variable: str, *checks: Any) -> tuple[Any, FieldInfo]:
    """A field of the environment: ``field``'s type, limits and default, read from
    ``variable``."""
    metadata = (*field.metadata, *checks)
    annotation = Annotated[(field.annotation, *metadata)] if metadata else field.annotation
    return annotation, Field(field.default, validation_alias=variable,
                             description=field.description)


def _existing_folder(value: str) -> str:
    if value and not Path(value).is_dir():
        raise ValueError("no such folder; expected a folder of snapshots "
                         "(<source>/<stamp>/manifest.json)")
    return value


def _source_url(source: str, value: str | None) -> str | None:
    if value and not is_http_url(value):
        raise ValueError(f"the {source} source URL must start with http:// or https://")
    return value


def _problems(error: ValidationError, fields: Mapping[str, FieldInfo],
              given: Mapping[str, str]) -> Iterator[str]:
    """One line per bad variable: its name, its value and what is allowed."""
    seen = set()
    for problem in error.errors():
        variable = str(problem["loc"][0])
        if variable in seen:
            continue
        seen.add(variable)
        field = fields[variable]
        value = "[REDACTED]" if _is_secret(field) else given.get(variable, "")
        yield f"{variable}={value!r}: {_allowed(field, problem)}"


def _allowed(field: FieldInfo, problem: Mapping[str, Any]) -> str:
    """What a field accepts: a validator's own words, else its type and limits."""
    if problem["type"] == "value_error":
        return str(problem["ctx"]["error"])
    kind = next((t for t in (bool, int, float) if t in (field.annotation,
                                                         *get_args(field.annotation))), None)
    if kind is bool:
        return "expected true or false (also 1/0, yes/no, on/off)"
    limits = " and ".join(f"{sign} {getattr(limit, attribute):g}"
                          for limit in field.metadata
                          for attribute, sign in _LIMITS if hasattr(limit, attribute))
    if kind is int:
        return "expected a whole number" + (f" {limits}" if limits else "")
    if kind is float:
        return "expected a number" + (f" {limits}" if limits else "")
    return str(problem["msg"])


_LIMITS = (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤"))


def _is_secret(field: FieldInfo) -> bool:
    return SecretStr in (field.annotation, *get_args(field.annotation))
