"""``intermediaries-refresh``: run the refresh job once from the command line and say what happened.

Runs in process (no daemon needed). With DAGSTER_HOME set, a live run is recorded there, so it
shows up in ``dagster dev``, and a sample or replay run in ``$DAGSTER_HOME/sample`` or
``$DAGSTER_HOME/replay``; without it, an ephemeral instance is used.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="intermediaries-refresh",
        description="Fetch every source (or replay snapshots), rebuild the directory of civic "
        "data intermediaries and publish it to the output folder.",
    )
    parser.add_argument("--replay", metavar="DIR",
                        help="replay the newest snapshot of each source under DIR into "
                        "outputs/replay/ (or --output-dir); no network, nothing live touched")
    parser.add_argument("--sample", action="store_true",
                        help="replay the bundled sample snapshots into outputs/sample/ "
                        "(the release is marked as a sample; nothing live is touched)")
    parser.add_argument("--output-dir", metavar="DIR", help="where to publish (default outputs)")
    parser.add_argument("--snapshot-dir", metavar="DIR",
                        help="where to archive snapshots (default snapshots)")
    parser.add_argument("--verbose", action="store_true", help="show Dagster's step events")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from pipelines.settings import PipelineSettings, SettingsError

    try:
        settings = run_settings(PipelineSettings.from_env(), args)
    except SettingsError as error:
        print(f"intermediaries-refresh: {error}", file=sys.stderr)
        return 2
    for note in PipelineSettings.unknown_variables():
        print(f"intermediaries-refresh: warning: {note}", file=sys.stderr)

    from pipelines.assets import MODE_TAG
    from pipelines.definitions import build_defs
    from pipelines.lock import RefreshLocked, lock_path, refresh_lock
    from sources.registry import SOURCES

    job = build_defs(settings).resolve_job_def("refresh")
    mode = "sample" if args.sample else settings.mode
    what = f"replaying {settings.replay_dir}" if settings.replaying else "live fetch"
    try:  # one refresh at a time per archive; the run's own resource joins this hold
        with refresh_lock(lock_path(settings), purpose=f"intermediaries-refresh ({mode})") as held:
            if held.took_over:
                print(f"intermediaries-refresh: warning: {held.took_over}", file=sys.stderr)
            print(f"Refreshing the directory ({what}); publishing to {settings.outputs}/",
                  flush=True)
            instance = run_instance(mode)
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                tags={MODE_TAG: mode},  # sample and replay runs apart in the UI
                run_config={"loggers": {"console": {"config": {
                    "log_level": "DEBUG" if args.verbose else "INFO"}}}},
            )
    except RefreshLocked as error:
        print(f"intermediaries-refresh: {error}", file=sys.stderr)
        return 2
    return report(result, [s.name for s in SOURCES])


def run_instance(mode: str):  # noqa: ANN201 (Dagster's instance type, imported lazily)
    """Where the run is recorded. Live runs go to DAGSTER_HOME, which ``make dev`` shows;
    sample and replay runs to ``$DAGSTER_HOME/<mode>/``, so the UI never shows sample data as
    the latest materialization of an asset. Without DAGSTER_HOME: an ephemeral instance."""
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    if mode == "live":
        return dg.DagsterInstance.get()
    folder = Path(home) / mode
    folder.mkdir(parents=True, exist_ok=True)
    print(f"Recording the run in {folder} (apart from live runs; to look at it: "
          f"DAGSTER_HOME={folder} make dev)", flush=True)
    return dg.DagsterInstance.from_config(str(folder))


def run_settings(settings, args: argparse.Namespace):  # noqa: ANN001, ANN201 (lazy import)
    """Apply the command line to the environment's settings. A sample or replay publishes to
    its own folder (``<outputs>/sample``, ``<outputs>/replay``) unless told otherwise, and keeps
    its bookkeeping there, so it never touches the live snapshots or release."""
    from pipelines.settings import PipelineSettings, SettingsError
    from sources.snapshot import SAMPLE_SNAPSHOTS

    changes: dict = {}
    replay = str(SAMPLE_SNAPSHOTS) if args.sample else args.replay
    if replay:
        if not Path(replay).is_dir():
            raise SettingsError([f"--replay {replay!r}: no such folder; expected a folder of "
                                 "snapshots (<source>/<stamp>/manifest.json)"])
        changes["replay_dir"] = replay
    if args.sample:
        changes["strict_checks"] = False  # the recorded sample is partial by design
    replaying = bool(replay or settings.replay_dir)
    if args.output_dir:
        changes["output_dir"] = args.output_dir
    elif replaying:
        changes["output_dir"] = str(Path(settings.output_dir) / ("sample" if args.sample
                                                                 else "replay"))
    if args.snapshot_dir:
        changes["snapshot_dir"] = args.snapshot_dir
    return PipelineSettings(**{**settings.model_dump(), **changes})


def _output(result, node: str):  # noqa: ANN001, ANN202 (Dagster result types)
    try:
        return result.output_for_node(node)
    except Exception:
        return None


def report(result, source_names: list[str]) -> int:  # noqa: ANN001
    """Print a calm summary: each source's fate, then what was published. Returns the exit code."""
    print("\nSources:")
    for name in source_names:
        records = _output(result, f"{name}_records")
        if records is None:
            print(f"  {name:14} not run (an upstream step failed)")
            continue
        line = f"  {name:14} {records.status:16} {len(records.records):6} records"
        if records.retrieved_at:
            line += f"  retrieved {records.retrieved_at}"
        if records.sample:
            line += "  [sample]"
        print(line)
        if records.problem:
            print(f"  {'':14} skipped: {records.problem}")
        for problem in (records.count_problem, records.shape_problem):
            if problem:
                verdict = "STOPPED" if records.strict else "warning (sample run)"
                print(f"  {'':14} {verdict}: {problem}")
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity.value == "ERROR"
    ]
    print("\nRelease:")
    outcome = _output(result, "release")
    never_published = False
    if outcome is None:
        print("  not written (the previous release is untouched)")
    elif outcome.published:
        print(f"  published {outcome.version}: {outcome.path}")
        counts = outcome.change_summary or {}
        since = counts.get("since")
        if since is None:
            print("  changes: none listed (the first release: nothing to compare with)")
        else:
            print(f"  changes since {since}: " + ", ".join(
                f"{counts[kind]} {kind}" for kind in ("added", "removed", "changed", "merged",
                                                      "split")) + " (see changes.csv)")
        print(f"  current: {Path(outcome.path).parent.parent / 'current'}")
        for version in outcome.pruned:
            print(f"  removed old release {version}")
    elif not Path(outcome.path, "datapackage.json").is_file():
        never_published = True
        print(f"  none: {outcome.reason}")
    else:
        print(f"  kept: {outcome.path} ({outcome.reason})")
    if failed_checks:
        print(f"\nChecks that stopped the publish: {', '.join(failed_checks)}")
    if not result.success:
        print("\nThe run did not finish cleanly; see the messages above.", file=sys.stderr)
        return 1
    if never_published:
        print("\nNo release exists yet, so there is nothing to query. Run `make sample` to "
              "look around with the bundled sample, or check the network and run `make run` "
              "again.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
