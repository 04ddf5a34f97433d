"""Dagster assets: thin wrappers around the stages (``pipelines.fetch``, ``.link``, ``.publish``).

Per source: ``<source>_snapshot`` (fetch or replay) and ``<source>_records`` (parse + validate),
built from the registry. Then one asset per published table (``intermediaries``,
``source_records``, ``events``, ... and ``changes``), each with its row count, preview and
checks, ``release``, which writes them all into a new release folder and makes it current, and
``published_release``, which uploads the current release to object storage when
INTERMEDIARIES_PUBLISH_URL says where.
"""


from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.fetch.concurrent import fetch_all
from pipelines.fetch.one_source import FetchOutcome, fetch_source, replay_source
from pipelines.fetch.records import SourceRecords, parse_source
from pipelines.link.tables import Release, SchemaCheck, build_release, check_schema
from pipelines.lock import RefreshLock
from pipelines.publish.changes import attach_changes, field_counts, with_changes
from pipelines.publish.crosswalk import CrosswalkError, read_memory
from pipelines.publish.folders import PACKAGE_FILE, current_release
from pipelines.publish.package import validate_package
from pipelines.publish.release import PublishOutcome, previous_version, publish, utc_timestamp
from pipelines.publish.run_report import write_run_report
from pipelines.publish.upload import (
    PublishError,
    UploadReport,
    not_live,
    open_bucket,
    publish_release,
    read_release_descriptor,
)
from pipelines.settings import PipelineSettings
from schemas.published import CHANGES, ID_HISTORY, INTERMEDIARIES, release_tables
from sources.base import Source
from sources.errors import SnapshotError
from sources.snapshot import prune_snapshots


def _preview(frame: pd.DataFrame, rows: int = 5) -> dg.MetadataValue:
    text = frame.head(rows).to_markdown(index=False) if len(frame) else "_empty_"
    return dg.MetadataValue.md(text)


def _snapshot_description(source: Source) -> str:
    return (f"Raw responses of {source.title}, archived as an immutable snapshot "
            "(or the newest snapshot in the replay folder).")


def _snapshot_metadata(outcome: FetchOutcome, url: str, seconds: float | None = None) -> dict:
    return {
        "mode": "replay" if outcome.replayed else "live",
        "url": url,
        "snapshot": outcome.snapshot or "none",
        "problem": outcome.problem or "",
        **({"fetch_seconds": dg.MetadataValue.float(round(seconds, 2))}
           if seconds is not None else {}),
    }


MODE_TAG = "intermediaries/mode"


def tag_mode(context: dg.AssetExecutionContext, settings: PipelineSettings) -> None:
    """The run's mode tag as the settings it really ran with say: a replay configured in the
    launchpad is tagged replay even though the job's default tag says live (a sample run from
    the command line keeps its own 'sample')."""
    tagged = context.run.tags.get(MODE_TAG)
    if tagged != settings.mode and not (tagged == "sample" and settings.replaying):
        context.instance.add_run_tags(context.run.run_id, {MODE_TAG: settings.mode})


def _replay(source: Source, url: str, settings: PipelineSettings) -> FetchOutcome:
    try:
        return replay_source(source, url, Path(settings.replay_dir))
    except SnapshotError as error:  # no replay folder at all: stop at once
        raise dg.Failure(description=str(error), allow_retries=False) from error


def snapshot_assets(sources: tuple[Source, ...]) -> list[dg.AssetsDefinition]:
    """The fetch step: one multi-asset fetching every source that needs no other's records
    concurrently (one thread per host, so a live refresh costs its slowest host, not the sum),
    still one ``<source>_snapshot`` asset per source in the graph; and one asset per source
    that needs another's records, after them."""
    independent = tuple(s for s in sources if not s.needs)
    return ([fetch_sources_asset(independent)] if independent else []) + [
        snapshot_asset(s) for s in sources if s.needs]


def fetch_sources_asset(sources: tuple[Source, ...]) -> dg.AssetsDefinition:
    outs = {f"{s.name}_snapshot": dg.AssetOut(group_name="sources", kinds={"python"},
                                              description=_snapshot_description(s),
                                              is_required=False)  # a run may pick a few
            for s in sources}

    @dg.multi_asset(name="fetch_sources", outs=outs, can_subset=True)
    def _fetch_sources(context: dg.AssetExecutionContext, settings: PipelineSettings,
                       refresh_lock: RefreshLock):  # held for the whole run (pipelines/lock.py)
        tag_mode(context, settings)
        chosen = [s for s in sources
                  if dg.AssetKey(f"{s.name}_snapshot") in context.selected_asset_keys]
        urls = {s.name: settings.url_for(s) for s in chosen}
        if settings.replaying:
            context.log.info(f"replaying {len(chosen)} sources from {settings.replay_dir}")
            fetched = {s.name: (_replay(s, urls[s.name], settings), None) for s in chosen}
        else:
            context.log.info("fetching " + ", ".join(f"{s.name} ({urls[s.name]})" for s in chosen))
            done = fetch_all([(settings.configured(s), urls[s.name]) for s in chosen],
                             settings.snapshots, settings.http(), progress=context.log.info)
            fetched = {name: (f.outcome, f.seconds) for name, f in done.items()}
        for source in chosen:
            outcome, seconds = fetched[source.name]
            if outcome.problem:
                context.log.warning(f"skipped: {outcome.problem}")
            yield dg.Output(outcome, output_name=f"{source.name}_snapshot",
                            metadata=_snapshot_metadata(outcome, urls[source.name], seconds))

    return _fetch_sources


def snapshot_asset(source: Source) -> dg.AssetsDefinition:
    ins = {needed: dg.AssetIn(key=f"{needed}_records") for needed in source.needs}

    @dg.asset(
        name=f"{source.name}_snapshot",
        group_name="sources",
        ins=ins,
        description=_snapshot_description(source),
        kinds={"python"},
    )
    def _snapshot(
        context: dg.AssetExecutionContext, settings: PipelineSettings, refresh_lock: RefreshLock,
        **upstream: SourceRecords,
    ) -> FetchOutcome:
        tag_mode(context, settings)
        url = settings.url_for(source)
        if settings.replaying:
            context.log.info(f"{source.name}: replaying from {settings.replay_dir}")
            outcome = _replay(source, url, settings)
        else:
            context.log.info(f"{source.name}: fetching {url}")
            records = {name: result.records for name, result in upstream.items()}
            outcome = fetch_source(settings.configured(source), url, settings.snapshots,
                                   settings.http(), records, progress=context.log.info)
        if outcome.problem:
            context.log.warning(f"skipped: {outcome.problem}")
        context.add_output_metadata(_snapshot_metadata(outcome, url))
        return outcome

    return _snapshot


def records_asset(source: Source) -> dg.Definitions:
    """``<source>_records``: the snapshot parsed and validated, with its checks evaluated in
    the same step (they read what the parse found; a step per check cost more than the
    checks)."""
    name = f"{source.name}_records"
    checks = records_checks(source)

    @dg.asset(
        name=name,
        group_name="sources",
        ins={"fetched": dg.AssetIn(key=f"{source.name}_snapshot")},
        description=f"{source.title}: parsed and validated against the {source.table.name} "
        "schema. Carries the last good snapshot forward when the fetch or parse failed.",
        kinds={"pandas"},
        check_specs=[dg.AssetCheckSpec(c.name, asset=name, blocking=c.blocking,
                                       description=c.description) for c in checks],
    )
    def _records(
        context: dg.AssetExecutionContext, settings: PipelineSettings, refresh_lock: RefreshLock,
        fetched: FetchOutcome,
    ):
        records = parse_records(context, source, fetched, settings)
        yield dg.Output(records, metadata=records_metadata(source, records))
        for check in checks:
            yield check.evaluate(records)

    return dg.Definitions(assets=[_records])


def parse_records(context: dg.AssetExecutionContext, source: Source, fetched: FetchOutcome,
                  settings: PipelineSettings) -> SourceRecords:
    """Parse the snapshot (or carry the last good one forward); say what went wrong."""
    records = parse_source(settings.configured(source), fetched, settings.state_root,
                           settings.floor_for(source), settings.max_reject_share,
                           strict=settings.strict_checks)
    if not settings.replaying:  # a replay never touches the live archive
        pruned = prune_snapshots(settings.snapshots, source.name, settings.keep_snapshots)
        if pruned:
            context.log.info(f"{source.name}: removed {len(pruned)} old snapshot(s)")
    if records.status != "fresh":
        context.log.warning(f"{records.status.replace('_', ' ')}: {records.problem}")
    for rejection in records.rejected[:20]:
        context.log.warning(f"{source.name}: quarantined record {rejection.record_key!r} "
                            f"(#{rejection.position}): {rejection.field}: {rejection.problem}")
    return records


def records_metadata(source: Source, records: SourceRecords) -> dict:
    return {
        "status": records.status,
        "records": dg.MetadataValue.int(len(records.records)),
        "previous_records": records.previous_count if records.previous_count is not None else -1,
        "retrieved_at": records.retrieved_at or "",
        "mode": "replay" if records.replayed else "live",
        "sample": records.sample,
        "snapshot": records.snapshot or "none",
        "problem": records.problem or "",
        "failed_checks": records.failed_checks,
        "skipped": records.skipped,
        "rejected": dg.MetadataValue.int(len(records.rejected)),
        "preview": _preview(records.records),
        **({"summary": _preview(source.summary(records.records), rows=100)}
           if source.summary and len(records.records) else {}),
    }


@dataclass(frozen=True)
class RecordsCheck:
    """A check of one source's records: what the UI shows of it, and how it is judged."""

    name: str
    description: str
    evaluate: Callable[[SourceRecords], dg.AssetCheckResult]
    blocking: bool = True  # a failure at ERROR severity stops the publish (see _severity)


def records_checks(source: Source) -> list[RecordsCheck]:
    """Count, rejects, the source's own shape check if it has one, then freshness."""
    shape = ([RecordsCheck("expected_shape",
                           (source.health.__doc__ or "").strip().splitlines()[0],
                           expected_shape)]
             if source.health else [])
    current = ([RecordsCheck("current_edition",
                             (source.stale.__doc__ or "").strip().splitlines()[0],
                             partial(current_edition, source.stale), blocking=False)]
               if source.stale else [])
    return [
        RecordsCheck("record_count", "Far fewer records than the floor or the last good "
                     "snapshot: the source's layout probably changed, so this run's records "
                     "are not published (the last good ones are carried forward).",
                     record_count),
        RecordsCheck("rejected_share", "Records that could not be read are quarantined and "
                     "published in rejected_records; more than the allowed share and this "
                     "run's records are not published (the last good ones are carried "
                     "forward).", rejected_share),
        *shape,
        RecordsCheck("refreshed", "Warns when the source could not be refreshed in this run, "
                     "including a deliberate skip (no token, rejected token, quota).",
                     refreshed, blocking=False),
        *current,
    ]


def record_count(records: SourceRecords) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name="record_count",
        passed=records.count_problem is None,
        severity=_severity(records),
        metadata={
            "records": len(records.records),
            "floor": records.floor,
            "last_good": records.previous_count if records.previous_count is not None else -1,
            "problem": records.count_problem or "",
        },
    )


def rejected_share(records: SourceRecords) -> dg.AssetCheckResult:
    total = len(records.records) + len(records.rejected)
    return dg.AssetCheckResult(
        check_name="rejected_share",
        passed=records.reject_problem is None,
        severity=_severity(records),
        metadata={
            "rejected": len(records.rejected),
            "share": dg.MetadataValue.float(
                round(len(records.rejected) / total, 4) if total else 0.0),
            "problem": records.reject_problem or "",
        },
    )


def expected_shape(records: SourceRecords) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name="expected_shape",
        passed=records.shape_problem is None,
        severity=_severity(records),
        metadata={"problem": records.shape_problem or ""},
    )


def refreshed(records: SourceRecords) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name="refreshed",
        passed=records.status == "fresh",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"status": records.status, "skipped": records.skipped,
                  "problem": records.problem or ""},
    )


def current_edition(stale: Callable[[pd.DataFrame], str | None],
                    records: SourceRecords) -> dg.AssetCheckResult:
    """A warning only: the records are published, the message says what to update."""
    problem = stale(records.records) if len(records.records) else None
    return dg.AssetCheckResult(
        check_name="current_edition",
        passed=problem is None,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"problem": problem or ""},
    )


def _severity(records: SourceRecords) -> dg.AssetCheckSeverity:
    """A failed check warns: a strict run has already set the failing records aside (the last
    good ones carried forward, or the source left out), so the other sources publish, and the
    run's report and exit code name it; a sample run keeps them with the warning. ERROR (which
    stops the publish) is left for failing records about to be published in a strict run,
    which parse_source never hands on."""
    if records.strict and records.status == "fresh":
        return dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckSeverity.WARN


# --- the published tables ------------------------------------------------------------------

MANIFEST = "release_manifest"


def published_tables(sources: tuple[Source, ...]) -> dict[str, str]:
    """Name -> description of every table a release publishes, besides ``changes``."""
    return {t.name: t.description for t in release_tables(s.tables for s in sources)
            if t.name != CHANGES.name}


def matches_schema(table: str, checked: SchemaCheck, rows: int) -> dg.AssetCheckResult:
    """A published table's ``matches_schema`` check: the outcome of its one validation."""
    if not checked.passed:
        cases = checked.failures.head(10)
        return dg.AssetCheckResult(
            asset_key=table, check_name="matches_schema", passed=False,
            metadata={"failures": dg.MetadataValue.int(len(checked.failures)),
                      "first": dg.MetadataValue.md(cases.to_markdown(index=False)),
                      "validated": checked.validated})
    return dg.AssetCheckResult(asset_key=table, check_name="matches_schema", passed=True,
                               metadata={"rows": dg.MetadataValue.int(rows),
                                         "validated": checked.validated})


def _table_metadata(frame: pd.DataFrame) -> dict:
    return {"rows": dg.MetadataValue.int(len(frame)),
            "dagster/row_count": dg.MetadataValue.int(len(frame)),
            "columns": ", ".join(frame.columns), "preview": _preview(frame)}


def tables_asset(sources: tuple[Source, ...]) -> dg.AssetsDefinition:
    """Link every source's records into the published tables: one asset per table, plus the
    release manifest (inputs fingerprint, mode, id crosswalk) the release is written with."""
    tables = published_tables(sources)
    outs = {name: dg.AssetOut(group_name="tables", kinds={"pandas"}, description=description,
                              is_required=True)
            for name, description in tables.items()}
    outs[MANIFEST] = dg.AssetOut(
        group_name="tables", kinds={"python"},
        description="What the release is built from: the inputs fingerprint (an unchanged one "
        "publishes nothing new), live or replay, sample or not, the id crosswalk.")
    checks = [dg.AssetCheckSpec("matches_schema", asset=name, blocking=True,
                                description="The table passes its pandera schema.")
              for name in tables]
    checks += [
        dg.AssetCheckSpec("unique_ids", asset=INTERMEDIARIES.name, blocking=True,
                          description="Every id appears once."),
        dg.AssetCheckSpec("geolocated_share", asset=INTERMEDIARIES.name,
                          description="Share of organizations with coordinates."),
    ]

    @dg.multi_asset(
        name="link_sources", outs=outs, check_specs=checks,
        ins={s.name: dg.AssetIn(key=f"{s.name}_records") for s in sources},
        description="One row per organization, linked across sources, with every listing.",
    )
    def _link(context: dg.AssetExecutionContext, settings: PipelineSettings,
              **results: SourceRecords):
        try:  # ids are remembered beside the published release (each output folder its own)
            memory = read_memory(current_release(settings.outputs) or settings.outputs)
        except CrosswalkError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from error
        release = build_release(list(results.values()), settings.publish_personal_contacts,
                                memory)
        for warning in release.warnings:
            context.log.warning(warning)
        for table in release.schemas:
            frame = release.table(table.name)
            metadata = _table_metadata(frame)
            if table.name == INTERMEDIARIES.name:
                metadata["sample"] = release.sample
                metadata["per_source"] = dg.MetadataValue.md(
                    release.table("source_status")[["source", "status", "records",
                                                    "retrieved_at", "problem"]]
                    .to_markdown(index=False))
            yield dg.Output(frame, output_name=table.name, metadata=metadata)
        yield dg.Output(replace(release, tables={}), output_name=MANIFEST, metadata={
            "mode": release.mode, "sample": release.sample,
            "inputs_fingerprint": release.fingerprint[:16]})
        for table in release.schemas:
            yield matches_schema(table.name, release.schema_checks[table.name],
                                 len(release.table(table.name)))
        intermediaries = release.table(INTERMEDIARIES.name)
        yield unique_ids(intermediaries)
        yield geolocated_share(intermediaries)

    return _link


def unique_ids(intermediaries: pd.DataFrame) -> dg.AssetCheckResult:
    ids = intermediaries["intermediary_id"]
    duplicates = ids[ids.duplicated()].tolist()
    return dg.AssetCheckResult(asset_key=INTERMEDIARIES.name, check_name="unique_ids",
                               passed=not duplicates,
                               metadata={"duplicates": str(duplicates[:20])})


def geolocated_share(intermediaries: pd.DataFrame) -> dg.AssetCheckResult:
    share = float(intermediaries["latitude"].notna().mean()) if len(intermediaries) else 0.0
    return dg.AssetCheckResult(
        asset_key=INTERMEDIARIES.name, check_name="geolocated_share",
        passed=share >= 0.5 or not len(intermediaries),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"share": dg.MetadataValue.float(round(share, 3))},
    )


@dg.asset(
    group_name="tables", kinds={"pandas"}, description=CHANGES.description,
    ins={"intermediaries": dg.AssetIn(), "id_history": dg.AssetIn(), MANIFEST: dg.AssetIn()},
    check_specs=[dg.AssetCheckSpec("matches_schema", asset="changes", blocking=True,
                                   description="The table passes its pandera schema.")],
)
def changes(context: dg.AssetExecutionContext, settings: PipelineSettings,
            intermediaries: pd.DataFrame, id_history: pd.DataFrame, release_manifest: Release):
    """Compared with the current release in the output folder (the one this run replaces)."""
    previous = current_release(settings.outputs)
    release = with_changes(
        replace(release_manifest, tables={INTERMEDIARIES.name: intermediaries,
                                          ID_HISTORY.name: id_history}),
        previous, previous_version(previous))
    frame = release.table(CHANGES.name)
    summary = dict(release.change_summary or {})
    since = summary.pop("since")
    context.log.info(f"changes since {since or 'nothing (first release)'}: " + ", ".join(
        f"{n} {kind}" for kind, n in summary.items()))
    yield dg.Output(frame, metadata={
        **_table_metadata(frame),
        "since": since or "first release",
        **{kind: dg.MetadataValue.int(n) for kind, n in summary.items()},
        "fields": dg.MetadataValue.md("\n".join(
            f"- {field}: {n}" for field, n in field_counts(frame).items()) or "_none_"),
    })
    yield matches_schema(CHANGES.name, check_schema(CHANGES, frame), len(frame))


def release_asset(sources: tuple[Source, ...]) -> dg.AssetsDefinition:
    tables = [*published_tables(sources), CHANGES.name]

    @dg.asset(
        name="release", group_name="publish", kinds={"csv", "parquet", "duckdb", "html"},
        ins={name: dg.AssetIn() for name in [*tables, MANIFEST]},
        description="A complete new folder outputs/releases/<version>/ (CSVs with "
        "datapackage.json validated by Frictionless, Parquet copies, the DuckDB file, "
        "changes.csv, index.html), then outputs/current switched to it in one step.",
        check_specs=[dg.AssetCheckSpec("package_valid", asset="release",
                                       description="The current release's data package "
                                       "passes `frictionless validate`.")],
    )
    def _release(context: dg.AssetExecutionContext, settings: PipelineSettings,
                 refresh_lock: RefreshLock, **inputs):
        manifest: Release = inputs.pop(MANIFEST)
        previous = current_release(settings.outputs)
        frame = inputs.pop(CHANGES.name)
        release = attach_changes(replace(manifest, tables=inputs), frame,
                                 previous_version(previous))
        outcome = publish(release, settings.outputs, utc_timestamp(), settings.keep_releases)
        report = write_run_report(
            settings.outputs, utc_timestamp(), release.mode, release.run_sources,
            {"published": outcome.published, "version": outcome.version,
             "path": outcome.path, "reason": outcome.reason})
        context.log.info(f"run report: {report}")
        failed = [s["source"] for s in release.run_sources if s.get("failed_checks")]
        if failed:
            context.log.warning("failed their checks (not published from this run; carried "
                                f"forward or left out): {', '.join(failed)}")
        if not outcome.published:
            context.log.info(f"not published: {outcome.reason}")
        else:
            context.log.info(f"published release {outcome.version}: {outcome.path}")
        for version in outcome.pruned:
            context.log.info(f"removed old release {version}")
        yield dg.Output(outcome, metadata={
            "published": outcome.published, "path": outcome.path, "reason": outcome.reason,
            "version": outcome.version or "", "mode": release.mode, "sample": release.sample,
            "pruned": ", ".join(outcome.pruned), "run_report": str(report),
            "failed_checks": ", ".join(failed),
            "sources": dg.MetadataValue.md(_run_table(release.run_sources)),
        })
        yield package_valid(outcome)

    return _release


def _run_table(sources) -> str:  # noqa: ANN001 (Release.run_sources)
    """The run's per-source facts as a small markdown table for the UI."""
    rows = ["| source | status | records | failed checks | problem |", "|---|---|---|---|---|"]
    rows += [f"| {s['source']} | {s['status']} | {s['records']} | "
             f"{'yes' if s.get('failed_checks') else ''} | "
             f"{str(s.get('problem') or '').replace('|', '/')[:200]} |" for s in sources]
    return "\n".join(rows)


def package_valid(release: PublishOutcome) -> dg.AssetCheckResult:
    """The release's ``package_valid`` check: a package written in this run was validated in
    full before it was made current; a kept one is validated now."""
    if release.validated:
        return dg.AssetCheckResult(check_name="package_valid", passed=True,
                                   metadata={"validated": "before publishing"})
    path = Path(release.path) / PACKAGE_FILE
    if not path.is_file():
        return dg.AssetCheckResult(check_name="package_valid", passed=True,
                                   severity=dg.AssetCheckSeverity.WARN,
                                   metadata={"note": "no release published yet"})
    errors = validate_package(path)
    return dg.AssetCheckResult(check_name="package_valid", passed=not errors,
                               metadata={"errors": "\n".join(errors)})


@dg.asset(
    name="published_release", group_name="publish", kinds={"s3"}, deps=["release"],
    output_required=False,  # no publish URL, or a sample/replay run: not materialized
    description="The current release uploaded to object storage at stable URLs "
    "(<prefix>/releases/<version>/, then <prefix>/latest/, then <prefix>/releases.json), when "
    "INTERMEDIARIES_PUBLISH_URL is set; a version already uploaded is not sent again.",
)
def published_release(context: dg.AssetExecutionContext, settings: PipelineSettings):
    """Skipped, with the reason in the log, when there is nothing to publish to or nothing
    that may be published; a failed upload fails the step naming the object (``latest/`` and
    ``releases.json`` are then as they were)."""
    folder = current_release(settings.outputs)
    reason = why_not_upload(settings, folder)
    if reason:
        context.log.info(f"not uploaded: {reason}")
        return
    try:
        bucket = open_bucket(settings.publish_url, settings.publish_public_url)
        report = publish_release(folder, bucket, utc_timestamp(), progress=context.log.debug)
    except PublishError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    context.log.info(f"{report.version}: {len(report.uploaded)} object(s) written, "
                     f"{report.unchanged} already there; latest is {report.latest_version}")
    yield dg.Output(report, metadata=upload_metadata(report))


def why_not_upload(settings: PipelineSettings, folder: Path | None) -> str | None:
    """Why this run uploads nothing, or None to upload ``folder``, the current release."""
    if not settings.publish_url:
        return "INTERMEDIARIES_PUBLISH_URL is not set"
    if settings.replaying:
        return "a sample or replay run is never published"
    if folder is None:
        return f"there is no release in {settings.outputs}"
    try:
        return not_live(read_release_descriptor(folder))
    except PublishError as error:
        return str(error)


def upload_metadata(report: UploadReport) -> dict:
    return {
        "version": report.version,
        "latest_version": report.latest_version or "",
        "uploaded": dg.MetadataValue.int(len(report.uploaded)),
        "unchanged": dg.MetadataValue.int(report.unchanged),
        **{f"{name}_url": dg.MetadataValue.url(url) for name, url in report.urls.items()},
    }
