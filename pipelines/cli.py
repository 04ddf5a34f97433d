"""``intermediaries-refresh``: run the refresh job once from the command line and say what happened.

Runs in process (no daemon needed). With DAGSTER_HOME set, the run is recorded there, so it
shows up in ``dagster dev``; without it, an ephemeral instance is used.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SAMPLE_SNAPSHOTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "snapshots"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="intermediaries-refresh",
        description="Fetch every source (or replay snapshots), rebuild the directory of civic "
        "data intermediaries and publish it to the output folder.",
    )
    parser.add_argument("--replay", metavar="DIR",
                        help="replay the newest snapshot of each source under DIR; no network")
    parser.add_argument("--sample", action="store_true",
                        help="replay the bundled sample snapshots into outputs/sample/ "
                        "(the release is marked as a sample)")
    parser.add_argument("--output-dir", metavar="DIR", help="where to publish (default outputs)")
    parser.add_argument("--snapshot-dir", metavar="DIR",
                        help="where to archive snapshots (default snapshots)")
    parser.add_argument("--verbose", action="store_true", help="show Dagster's step events")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import dagster as dg

    from pipelines.definitions import build_defs
    from pipelines.settings import PipelineSettings
    from sources.registry import SOURCES

    settings = PipelineSettings.from_env()
    changes: dict = {}
    if args.sample:
        changes.update(replay_dir=str(SAMPLE_SNAPSHOTS),
                       output_dir=args.output_dir or str(Path(settings.output_dir) / "sample"),
                       strict_checks=False)
    if args.replay:
        changes["replay_dir"] = args.replay
    if args.output_dir:
        changes["output_dir"] = args.output_dir
    if args.snapshot_dir:
        changes["snapshot_dir"] = args.snapshot_dir
    settings = PipelineSettings(**{**settings.model_dump(), **changes})

    job = build_defs(settings).resolve_job_def("refresh")
    mode = f"replaying {settings.replay_dir}" if settings.replaying else "live fetch"
    print(f"Refreshing the directory ({mode}); publishing to {settings.output_dir}/", flush=True)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else (
        dg.DagsterInstance.ephemeral())
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {
            "log_level": "DEBUG" if args.verbose else "INFO"}}}},
    )
    return report(result, [s.name for s in SOURCES])


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
    for node in ("intermediaries_duckdb", "datapackage"):
        outcome = _output(result, node)
        if outcome is None:
            print(f"  {node:22} not written (the previous release is untouched)")
        else:
            verb = "published" if outcome.published else "kept"
            print(f"  {node:22} {verb}: {outcome.path}"
                  + ("" if outcome.published else f" ({outcome.reason})"))
    if failed_checks:
        print(f"\nChecks that stopped the publish: {', '.join(failed_checks)}")
    if not result.success:
        print("\nThe run did not finish cleanly; see the messages above.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
