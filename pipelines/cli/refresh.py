"""``intermediaries refresh`` (also ``intermediaries-refresh``, what ``make run`` calls): run
the refresh job once and say what happened.

The job runs in process (``pipelines.definitions.run_refresh``; no daemon needed). With
DAGSTER_HOME set, a live run is recorded there, so it shows up in ``dagster dev``, and a sample
or replay run in ``$DAGSTER_HOME/sample`` or ``$DAGSTER_HOME/replay``; without it, an
ephemeral instance is used. Dagster is imported only once the settings are read and valid.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.publish.folders import CURRENT, PACKAGE_FILE
from pipelines.settings import PipelineSettings, SettingsError
from schemas.codes import CHANGE_KINDS
from sources.registry import SOURCES, source_named
from sources.snapshot import SAMPLE_SNAPSHOTS

SOURCE_NAMES = frozenset(s.name for s in SOURCES)

if TYPE_CHECKING:
    from pipelines.definitions import RefreshRun

PROG = "intermediaries-refresh"


def refresh(replay: str | None = None, sample: bool = False, output_dir: str | None = None,
            snapshot_dir: str | None = None, verbose: bool = False) -> int:
    """Fetch every source (or replay snapshots), publish a release and print a report.
    Returns the exit code: 0 done, 1 the run failed or there is no release at all, 2 a bad
    setting or another refresh running, 3 done, but a source's data failed its own checks (it
    was carried forward from its last good snapshot, or left out; the report names it)."""
    try:
        settings = run_settings(PipelineSettings.from_env(), replay=replay, sample=sample,
                                output_dir=output_dir, snapshot_dir=snapshot_dir)
    except SettingsError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    for note in PipelineSettings.unknown_variables():
        print(f"{PROG}: warning: {note}", file=sys.stderr)

    from pipelines.definitions import recorded_apart, run_refresh
    from pipelines.lock import RefreshLocked, lock_path, refresh_lock

    mode = "sample" if sample else settings.mode
    what = f"replaying {settings.replay_dir}" if settings.replaying else "live fetch"
    try:  # one refresh at a time per archive; the run's own resource joins this hold
        with refresh_lock(lock_path(settings), purpose=f"{PROG} ({mode})") as held:
            if held.took_over:
                print(f"{PROG}: warning: {held.took_over}", file=sys.stderr)
            print(f"Refreshing the directory ({what}); publishing to {settings.outputs}/",
                  flush=True)
            apart = recorded_apart(mode)
            if apart is not None:
                print(f"Recording the run in {apart} (apart from live runs; to look at it: "
                      f"DAGSTER_HOME={apart} make dev)", flush=True)
            run = run_refresh(settings, mode, verbose)
    except RefreshLocked as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    return report(run)


def run_settings(settings: PipelineSettings, replay: str | None = None, sample: bool = False,
                 output_dir: str | None = None,
                 snapshot_dir: str | None = None) -> PipelineSettings:
    """Apply the command line to the environment's settings. A sample or replay publishes to
    its own folder (``<outputs>/sample``, ``<outputs>/replay``) unless told otherwise, and keeps
    its bookkeeping there, so it never touches the live snapshots or release."""
    changes: dict = {}
    replay = str(SAMPLE_SNAPSHOTS) if sample else replay
    if replay:
        if not Path(replay).is_dir():
            raise SettingsError([f"--replay {replay!r}: no such folder; expected a folder of "
                                 "snapshots (<source>/<stamp>/manifest.json)"])
        changes["replay_dir"] = replay
    if sample:
        changes["strict_checks"] = False  # the recorded sample is partial by design
    replaying = bool(replay or settings.replay_dir)
    if output_dir:
        changes["output_dir"] = output_dir
    elif replaying:
        changes["output_dir"] = str(Path(settings.output_dir) / ("sample" if sample
                                                                 else "replay"))
    if snapshot_dir:
        changes["snapshot_dir"] = snapshot_dir
    return PipelineSettings(**{**settings.model_dump(), **changes})


def report(run: RefreshRun) -> int:
    """Print a calm summary: each source's fate, then what was published. Returns the exit code."""
    print("\nSources:")
    for name, records in run.records.items():
        if records is None:
            print(f"  {name:14} not run (an upstream step failed)")
            continue
        line = f"  {name:14} {records.status:16} {len(records.records):6} records"
        if records.retrieved_at:
            line += f"  retrieved {records.retrieved_at}"
        if records.sample:
            line += "  [sample]"
        print(line)
        if records.failed_checks and records.strict:
            kept = ("carried forward from its last good snapshot"
                    if records.status == "carried_forward" else
                    "left out: it has no good snapshot yet")
            print(f"  {'':14} FAILED ITS CHECKS: {records.check_problem}")
            print(f"  {'':14} not published from this run; {kept}")
        elif records.failed_checks:
            print(f"  {'':14} warning (sample run): {records.check_problem}")
        elif records.problem:
            print(f"  {'':14} skipped: {records.problem}")
        stale = source_named(name).stale if name in SOURCE_NAMES else None
        if stale and len(records.records) and (problem := stale(records.records)):
            print(f"  {'':14} warning: {problem}")  # published anyway: the file is usable
    print("\nRelease:")
    outcome = run.release
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
                f"{counts[kind]} {kind}" for kind in CHANGE_KINDS) + " (see changes.csv)")
        print(f"  current: {Path(outcome.path).parent.parent / CURRENT}")
        for version in outcome.pruned:
            print(f"  removed old release {version}")
    elif not Path(outcome.path, PACKAGE_FILE).is_file():
        never_published = True
        print(f"  none: {outcome.reason}")
    else:
        print(f"  kept: {outcome.path} ({outcome.reason})")
    if run.uploaded is not None:
        uploaded = run.uploaded
        print(f"  uploaded: {len(uploaded.uploaded)} object(s) written, {uploaded.unchanged} "
              f"already there; latest ({uploaded.latest_version}): {uploaded.urls['latest']}")
    if run.failed_checks:
        print(f"\nChecks that stopped the publish: {', '.join(run.failed_checks)}")
    if not run.success:
        print("\nThe run did not finish cleanly; see the messages above.", file=sys.stderr)
        return 1
    if never_published:
        print("\nNo release exists yet, so there is nothing to query. Run `make sample` to "
              "look around with the bundled sample, or check the network and run `make run` "
              "again.", file=sys.stderr)
        return 1
    failed = failed_sources(run)
    if failed:
        print(f"\nFailed their checks (exit code {FAILED_CHECKS}): {', '.join(failed)}. Their "
              "data from this run was not published; the other sources were. See the lines "
              "above for what each expected.", file=sys.stderr)
        return FAILED_CHECKS
    return 0


FAILED_CHECKS = 3  # the exit code of a run in which a source's data failed its checks


def failed_sources(run: RefreshRun) -> list[str]:
    """The sources whose data from this run failed their own checks (strict runs only)."""
    return [name for name, records in run.records.items()
            if records is not None and records.failed_checks and records.strict]
