"""The one Definitions object: assets per source from the registry, core, publish, schedule;
and one run of the refresh job in this process, for the command line."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines import assets
from pipelines.assets import MODE_TAG
from pipelines.fetch.records import SourceRecords
from pipelines.lock import refresh_lock_resource
from pipelines.publish.release import PublishOutcome
from pipelines.publish.upload import UploadReport
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
        assets=[assets.tables_asset(SOURCES), assets.changes, assets.release_asset(SOURCES),
                assets.published_release],
        jobs=[job],
        schedules=[weekly_refresh(job)],
        resources={"settings": settings, "refresh_lock": refresh_lock_resource,
                   "io_manager": RunStorage()},
        executor=dg.in_process_executor,  # a small graph: one process beats one per step
    )
    return dg.Definitions.merge(*per_source, core)


@dataclass(frozen=True)
class RefreshRun:
    """What one refresh run left, in plain values (the command line's report reads these, not
    Dagster's result)."""

    success: bool
    records: dict[str, SourceRecords | None]  # per registered source; None: the step never ran
    release: PublishOutcome | None  # None: the publish step never ran
    failed_checks: tuple[str, ...]  # "asset:check" of each blocking check that failed
    uploaded: UploadReport | None = None  # None: not uploaded (no publish URL, or it failed)


def run_refresh(settings: PipelineSettings, mode: str, verbose: bool = False) -> RefreshRun:
    """Run the refresh job once, in process (no daemon needed), tagged with its mode and
    recorded where ``run_instance`` says. The caller holds the refresh lock."""
    job = build_defs(settings).resolve_job_def("refresh")
    instance = run_instance(mode)
    with loaded_stack_frozen():
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags={MODE_TAG: mode},  # sample and replay runs apart in the UI
            run_config={"loggers": {"console": {"config": {
                "log_level": "DEBUG" if verbose else "INFO"}}}},
        )
    failed_checks = tuple(
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity.value == "ERROR")
    return RefreshRun(
        success=result.success,
        records={source.name: _output(result, f"{source.name}_records") for source in SOURCES},
        release=_output(result, "release"),
        failed_checks=failed_checks,
        uploaded=_output(result, "published_release"),
    )


@contextmanager
def loaded_stack_frozen() -> Iterator[None]:
    """Run with the garbage collector ignoring what is loaded now (``gc.freeze``). Dagster,
    pandas, pandera, DuckDB, Frictionless and the run's instance are a few hundred thousand
    objects that live for the whole run; without this, every full collection walks them all
    again (a third of a replayed refresh, measured with bench/refresh_replay.py). The
    collector runs during the run, as usual, for the run's own objects; afterwards the
    loaded objects are ordinary again. A process started from the command line imports with
    the collector off (``pipelines.cli.process``); it is on for the run."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()
        if not was_enabled:
            gc.disable()


def _output(result: dg.ExecuteInProcessResult, node: str):  # noqa: ANN202 (a step's value)
    try:
        return result.output_for_node(node)
    except Exception:  # the step failed or never ran
        return None


def recorded_apart(mode: str) -> Path | None:
    """Where a sample or replay run is recorded: ``$DAGSTER_HOME/<mode>/``, so the UI never
    shows sample data as the latest materialization of an asset. None for a live run or
    without DAGSTER_HOME."""
    home = os.environ.get("DAGSTER_HOME")
    if not home or mode == "live":
        return None
    return Path(home) / mode


def run_instance(mode: str) -> dg.DagsterInstance:
    """Where the run is recorded. Live runs go to DAGSTER_HOME, which ``make dev`` shows;
    sample and replay runs apart (``recorded_apart``). Without DAGSTER_HOME: an ephemeral
    instance."""
    if not os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.ephemeral()
    folder = recorded_apart(mode)
    if folder is None:
        return dg.DagsterInstance.get()
    folder.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_config(str(folder))
