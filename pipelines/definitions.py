"""The one Definitions object: assets per source from the registry, core, publish, schedule."""

from __future__ import annotations

import dagster as dg

from pipelines import assets
from pipelines.assets import MODE_TAG
from pipelines.lock import refresh_lock_resource
from pipelines.settings import PipelineSettings
from sources.registry import SOURCES


def refresh_job(mode: str) -> dg.UnresolvedAssetJobDefinition:
    """Runs are tagged live or replay, whether started here, by the schedule or in the UI."""
    return dg.define_asset_job(
        "refresh",
        selection=dg.AssetSelection.all(),
        description="Fetch every source, rebuild the intermediaries table and publish the "
        "release.",
        tags={MODE_TAG: mode},
    )


def weekly_refresh(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="weekly_refresh",
        job=job,
        cron_schedule="0 6 * * 1",  # Mondays 06:00 UTC
        execution_timezone="UTC",
        description="Refresh the directory once a week.",
    )


class RunStorage(dg.FilesystemIOManager):
    """Where step outputs wait for the next step: Dagster's pickles under the instance's
    storage, so a run recorded in DAGSTER_HOME can be re-executed from a step in the UI; in
    memory for an ephemeral instance (the command line without DAGSTER_HOME, tests), whose
    storage folder goes with it, so nothing could ever read those pickles back."""

    def create_io_manager(self, context: dg.InitResourceContext) -> dg.IOManager:
        if not self.base_dir and (context.instance is None or context.instance.is_ephemeral):
            return dg.InMemoryIOManager()
        return super().create_io_manager(context)


def build_defs(settings: PipelineSettings | None = None) -> dg.Definitions:
    """Everything Dagster needs; tests pass their own settings instead of patching."""
    per_source = [dg.Definitions(assets=assets.snapshot_assets(SOURCES))] + [
        assets.records_asset(source) for source in SOURCES]
    settings = settings or PipelineSettings.from_env()
    job = refresh_job(settings.mode)
    core = dg.Definitions(
        assets=[assets.tables_asset(SOURCES), assets.changes, assets.release_asset(SOURCES)],
        jobs=[job],
        schedules=[weekly_refresh(job)],
        resources={"settings": settings, "refresh_lock": refresh_lock_resource,
                   "io_manager": RunStorage()},
        executor=dg.in_process_executor,  # a small graph: one process beats one per step
    )
    return dg.Definitions.merge(*per_source, core)
