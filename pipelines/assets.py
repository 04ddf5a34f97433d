"""Dagster assets: thin wrappers that call into ``pipelines.collect/merge/release``.

Per source: ``<source>_snapshot`` (fetch or replay) and ``<source>_records`` (parse + validate),
built from the registry. Then ``intermediaries`` (core), ``intermediaries_duckdb`` and
``datapackage`` (publish).
"""


from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.collect import (
    FetchOutcome,
    SourceRecords,
    fetch_source,
    parse_source,
    replay_source,
)
from pipelines.fetching import fetch_all
from pipelines.identity import CrosswalkError, read_memory
from pipelines.lock import RefreshLock
from pipelines.release import (
    PublishOutcome,
    Release,
    build_release,
    utc_timestamp,
    validate_package,
    write_duckdb,
    write_package,
)
from pipelines.settings import PipelineSettings
from sources.base import Source
from sources.errors import SnapshotError
from sources.registry import SOURCES
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
        chosen = [s for s in sources
                  if dg.AssetKey(f"{s.name}_snapshot") in context.selected_asset_keys]
        urls = {s.name: settings.url_for(s) for s in chosen}
        if settings.replaying:
            context.log.info(f"replaying {len(chosen)} sources from {settings.replay_dir}")
            fetched = {s.name: (_replay(s, urls[s.name], settings), None) for s in chosen}
        else:
            context.log.info("fetching " + ", ".join(f"{s.name} ({urls[s.name]})" for s in chosen))
            done = fetch_all([(s, urls[s.name]) for s in chosen], settings.snapshots,
                             settings.http(), progress=context.log.info)
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
        url = settings.url_for(source)
        if settings.replaying:
            context.log.info(f"{source.name}: replaying from {settings.replay_dir}")
            outcome = _replay(source, url, settings)
        else:
            context.log.info(f"{source.name}: fetching {url}")
            records = {name: result.records for name, result in upstream.items()}
            outcome = fetch_source(source, url, settings.snapshots, settings.http(), records,
                                   progress=context.log.info)
        if outcome.problem:
            context.log.warning(f"skipped: {outcome.problem}")
        context.add_output_metadata(_snapshot_metadata(outcome, url))
        return outcome

    return _snapshot


def records_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{source.name}_records",
        group_name="sources",
        ins={"fetched": dg.AssetIn(key=f"{source.name}_snapshot")},
        description=f"{source.title}: parsed and validated against the {source.table.name} "
        "schema. Carries the last good snapshot forward when the fetch or parse failed.",
        kinds={"pandas"},
    )
    def _records(
        context: dg.AssetExecutionContext, settings: PipelineSettings, refresh_lock: RefreshLock,
        fetched: FetchOutcome,
    ) -> SourceRecords:
        result = parse_source(source, fetched, settings.state_root, settings.floor_for(source),
                              settings.max_reject_share)
        result.strict = settings.strict_checks
        if not settings.replaying:  # a replay never touches the live archive
            pruned = prune_snapshots(settings.snapshots, source.name, settings.keep_snapshots)
            if pruned:
                context.log.info(f"{source.name}: removed {len(pruned)} old snapshot(s)")
        if result.status != "fresh":
            context.log.warning(f"{result.status.replace('_', ' ')}: {result.problem}")
        for rejection in result.rejected[:20]:
            context.log.warning(f"{source.name}: quarantined record {rejection.record_key!r} "
                                f"(#{rejection.position}): {rejection.field}: "
                                f"{rejection.problem}")
        context.add_output_metadata({
            "status": result.status,
            "records": dg.MetadataValue.int(len(result.records)),
            "previous_records": result.previous_count if result.previous_count is not None else -1,
            "retrieved_at": result.retrieved_at or "",
            "mode": "replay" if result.replayed else "live",
            "sample": result.sample,
            "snapshot": result.snapshot or "none",
            "problem": result.problem or "",
            "skipped": result.skipped,
            "rejected": dg.MetadataValue.int(len(result.rejected)),
            "preview": _preview(result.records),
            **({"summary": _preview(source.summary(result.records), rows=100)}
               if source.summary and len(result.records) else {}),
        })
        return result

    @dg.asset_check(asset=_records, name="record_count", blocking=True,
                    description="Far fewer records than the floor or the last good snapshot "
                    "stops the publish: the source's layout probably changed.")
    def _record_count(records: SourceRecords) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            passed=records.count_problem is None,
            severity=_severity(records),
            metadata={
                "records": len(records.records),
                "floor": records.floor,
                "last_good": records.previous_count if records.previous_count is not None else -1,
                "problem": records.count_problem or "",
            },
        )

    @dg.asset_check(asset=_records, name="rejected_share", blocking=True,
                    description="Records that could not be read are quarantined and published "
                    "in rejected_records; more than the allowed share stops the publish.")
    def _rejected_share(records: SourceRecords) -> dg.AssetCheckResult:
        total = len(records.records) + len(records.rejected)
        return dg.AssetCheckResult(
            passed=records.reject_problem is None,
            severity=_severity(records),
            metadata={
                "rejected": len(records.rejected),
                "share": dg.MetadataValue.float(
                    round(len(records.rejected) / total, 4) if total else 0.0),
                "problem": records.reject_problem or "",
            },
        )

    checks = [_record_count, _rejected_share]
    if source.health:

        @dg.asset_check(asset=_records, name="expected_shape", blocking=True,
                        description=(source.health.__doc__ or "").strip().splitlines()[0])
        def _expected_shape(records: SourceRecords) -> dg.AssetCheckResult:
            return dg.AssetCheckResult(
                passed=records.shape_problem is None,
                severity=_severity(records),
                metadata={"problem": records.shape_problem or ""},
            )

        checks.append(_expected_shape)

    @dg.asset_check(asset=_records, name="refreshed",
                    description="Warns when the source could not be refreshed in this run, "
                    "including a deliberate skip (no token, rejected token, quota).")
    def _refreshed(records: SourceRecords) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            passed=records.status == "fresh",
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"status": records.status, "skipped": records.skipped,
                      "problem": records.problem or ""},
        )

    return dg.Definitions(assets=[_records], asset_checks=[*checks, _refreshed])


def _severity(records: SourceRecords) -> dg.AssetCheckSeverity:
    """Blocking checks stop the publish only at ERROR; sample runs downgrade them to WARN."""
    return dg.AssetCheckSeverity.ERROR if records.strict else dg.AssetCheckSeverity.WARN


@dg.asset(
    group_name="core",
    ins={s.name: dg.AssetIn(key=f"{s.name}_records") for s in SOURCES},
    description="One row per organization, linked across sources, with every source listing.",
    kinds={"pandas"},
)
def intermediaries(
    context: dg.AssetExecutionContext, settings: PipelineSettings, **results: SourceRecords
) -> Release:
    try:  # ids are remembered beside the published release (each output folder its own)
        memory = read_memory(settings.outputs)
    except CrosswalkError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    release = build_release(list(results.values()), settings.publish_personal_contacts, memory)
    for warning in release.warnings:
        context.log.warning(warning)
    table = release.table("intermediaries")
    context.add_output_metadata({
        "rows": dg.MetadataValue.int(len(table)),
        "source_records": dg.MetadataValue.int(len(release.table("source_records"))),
        "per_source": dg.MetadataValue.md(
            release.table("source_status")[["source", "status", "records", "retrieved_at",
                                            "problem"]].to_markdown(index=False)),
        "sample": release.sample,
        "preview": _preview(table),
    })
    return release


@dg.asset_check(asset=intermediaries, blocking=True, description="Every id appears once.")
def unique_ids(intermediaries: Release) -> dg.AssetCheckResult:
    ids = intermediaries.table("intermediaries")["intermediary_id"]
    duplicates = ids[ids.duplicated()].tolist()
    return dg.AssetCheckResult(passed=not duplicates, metadata={"duplicates": str(duplicates[:20])})


@dg.asset_check(asset=intermediaries, description="Share of organizations with coordinates.")
def geolocated_share(intermediaries: Release) -> dg.AssetCheckResult:
    table = intermediaries.table("intermediaries")
    share = float(table["latitude"].notna().mean()) if len(table) else 0.0
    return dg.AssetCheckResult(
        passed=share >= 0.5 or not len(table),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"share": dg.MetadataValue.float(round(share, 3))},
    )


def _publish_metadata(context: dg.AssetExecutionContext, outcome: PublishOutcome) -> None:
    if not outcome.published:
        context.log.info(f"not published: {outcome.reason}")
    context.add_output_metadata({
        "published": outcome.published, "path": outcome.path, "reason": outcome.reason,
    })


@dg.asset(group_name="publish", kinds={"csv"},
          description="outputs/datapackage.json and its CSVs, validated with Frictionless "
          "before they replace the previous release.")
def datapackage(
    context: dg.AssetExecutionContext, settings: PipelineSettings, refresh_lock: RefreshLock,
    intermediaries: Release,
) -> PublishOutcome:
    outcome = write_package(intermediaries, settings.outputs, utc_timestamp())
    _publish_metadata(context, outcome)
    return outcome


@dg.asset(group_name="publish", kinds={"duckdb"}, deps=[datapackage],
          description="outputs/intermediaries.duckdb: every table plus views, swapped in "
          "atomically; readers open it read-only. Written after the data package validated, "
          "so the two never disagree.")
def intermediaries_duckdb(
    context: dg.AssetExecutionContext, settings: PipelineSettings, refresh_lock: RefreshLock,
    intermediaries: Release,
) -> PublishOutcome:
    outcome = write_duckdb(intermediaries, settings.outputs, utc_timestamp())
    _publish_metadata(context, outcome)
    return outcome


@dg.asset_check(asset=datapackage, description="The published package passes "
                "`frictionless validate`.")
def package_valid(datapackage: PublishOutcome) -> dg.AssetCheckResult:
    path = Path(datapackage.path)
    if datapackage.validated:  # checked in full before it replaced the previous release
        return dg.AssetCheckResult(passed=True, metadata={"validated": "before publishing"})
    if not path.is_file():
        return dg.AssetCheckResult(passed=True, severity=dg.AssetCheckSeverity.WARN,
                                   metadata={"note": "no release published yet"})
    errors = validate_package(path)
    return dg.AssetCheckResult(passed=not errors, metadata={"errors": "\n".join(errors)})
