"""The Dagster definitions load, and show what a user expects in the UI."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines import defs
from sources.registry import SOURCES

ROOT = Path(__file__).parents[2]


def test_every_source_has_a_snapshot_and_a_records_asset_in_the_sources_group():
    graph = defs.resolve_asset_graph()
    for source in SOURCES:
        for step in ("snapshot", "records"):
            key = dg.AssetKey(f"{source.name}_{step}")
            assert graph.get(key).group_name == "sources"


def test_every_published_table_is_its_own_asset_and_the_release_depends_on_them():
    graph = defs.resolve_asset_graph()
    tables = ["intermediaries", "source_records", "source_status", "events", "changes",
              "rejected_records", "id_history", *(s.table.name for s in SOURCES)]
    parents = graph.get(dg.AssetKey("release")).parent_keys
    for name in tables:
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == "tables", name
        assert dg.AssetKey(name) in parents, name
        assert dg.AssetCheckKey(dg.AssetKey(name), "matches_schema") in graph.asset_check_keys
    assert graph.get(dg.AssetKey("release")).group_name == "publish"
    # uploaded after the release is written (skipped without INTERMEDIARIES_PUBLISH_URL)
    uploaded = graph.get(dg.AssetKey("published_release"))
    assert uploaded.group_name == "publish"
    assert uploaded.parent_keys == {dg.AssetKey("release")}
    # the change log is computed from the linked table and the id history
    assert graph.get(dg.AssetKey("changes")).parent_keys >= {
        dg.AssetKey("intermediaries"), dg.AssetKey("id_history")}


def test_checks_schedule_and_executor():
    check_names = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert {"record_count", "refreshed", "unique_ids", "geolocated_share", "package_valid"} <= (
        check_names)
    schedule = defs.resolve_schedule_def("weekly_refresh")
    assert schedule.cron_schedule == "0 6 * * 1" and schedule.job_name == "refresh"
    assert defs.resolve_job_def("refresh").executor_def.name == "in_process"


def test_dagster_definitions_validate_passes_on_the_workspace():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
         "-w", "workspace.yaml"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"},  # ephemeral instance
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_step_outputs_are_kept_in_memory_unless_the_instance_records_the_run(tmp_path):
    """An ephemeral instance's storage folder goes with it: nothing could read pickles back."""
    from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager

    from pipelines.definitions import RunStorage

    ephemeral = dg.build_init_resource_context(instance=dg.DagsterInstance.ephemeral())
    assert isinstance(RunStorage().create_io_manager(ephemeral), dg.InMemoryIOManager)
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        recorded = dg.build_init_resource_context(instance=instance)
        assert isinstance(RunStorage().create_io_manager(recorded),
                          PickledObjectFilesystemIOManager)


def test_a_run_freezes_the_loaded_stack_only_while_it_runs():
    import gc

    from pipelines.definitions import loaded_stack_frozen

    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        with loaded_stack_frozen():
            assert gc.isenabled() and gc.get_freeze_count() > 0
        assert gc.isenabled() is enabled and gc.get_freeze_count() == 0
    gc.enable()
