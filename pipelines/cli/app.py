"""The command line, one Typer app: ``intermediaries near`` answers "who can I call about data
here?"; ``refresh``, ``replay``, ``validate`` and ``status`` run and check the pipeline;
``publish`` uploads the release to object storage.
``intermediaries-refresh`` (``make run``) is the same refresh command on its own.

Here are the commands and their options (each shared option defined once); the work is in one
module per command (``near``, ``refresh``, ``status``, ``validate``, ``publish``), imported when
the command runs. Start-up matters for ``near`` (it is the command typed first), so nothing heavy is
imported at module level: no Dagster, no pandas beyond what the place lookup needs, no settings
read, and ``--help`` works anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipelines.cli.console import refusals

app = typer.Typer(
    name="intermediaries",
    help="The open directory of civic data intermediaries: who can I call about data here?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
refresh_app = typer.Typer(  # intermediaries-refresh: one command, so no subcommand to type
    name="intermediaries-refresh",
    add_completion=False,
    pretty_exceptions_enable=False,
)

# --- options shared by several commands ------------------------------------------------------

ReleaseOption = Annotated[Path | None, typer.Option(
    "--release", metavar="PATH", help="A release's folder or DuckDB file (default: the "
    "current release, outputs/current/ or outputs/).")]
ReplayOption = Annotated[str | None, typer.Option(
    "--replay", metavar="DIR", help="Replay the newest snapshot of each source under DIR "
    "into outputs/replay/ (or --output-dir); no network, nothing live touched.")]
SampleOption = Annotated[bool, typer.Option(
    "--sample", help="Replay the bundled sample snapshots into outputs/sample/ (the release "
    "is marked as a sample; nothing live is touched).")]
OutputDirOption = Annotated[str | None, typer.Option(
    "--output-dir", metavar="DIR", help="Where to publish (default outputs; a sample or "
    "replay: outputs/sample or outputs/replay).")]
SnapshotDirOption = Annotated[str | None, typer.Option(
    "--snapshot-dir", metavar="DIR", help="Where to archive snapshots (default snapshots).")]
VerboseOption = Annotated[bool, typer.Option("--verbose", help="Show Dagster's step events.")]


# --- the answer ------------------------------------------------------------------------------


@app.command()
def near(
    place: Annotated[str, typer.Argument(
        help="A ZIP code (45402), 'City, ST' (\"Dayton, OH\"), a county, a state or "
        "'lat,lon' (\"39.76,-84.19\").")],
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", "-k", metavar="KIND", help="Only these sections (repeatable): nnip, "
        "government, university, civic_tech, sdc, foundation (or a published kind such as "
        "brigade).")] = None,
    within: Annotated[float, typer.Option(
        "--within", min=0.1, metavar="KM", help="Radius in km: what counts as near.")] = 100.0,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N",
                                       help="Matches shown per section.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output (the same "
                                          "content as the tables).")] = False,
    release: ReleaseOption = None,
) -> None:
    """Who can I call about data here? The answer in the users' guide's order."""
    from pipelines.cli.console import console
    from pipelines.cli.near import answer_json, answer_near, render_answer

    with refusals():
        result = answer_near(place, kind, within, limit, release)
    if as_json:
        typer.echo(answer_json(result))
    else:
        render_answer(result, console())


# --- the pipeline ----------------------------------------------------------------------------


@app.command()
def refresh(
    replay: ReplayOption = None,
    sample: SampleOption = False,
    output_dir: OutputDirOption = None,
    snapshot_dir: SnapshotDirOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Fetch every source (or replay snapshots) and publish the directory to the output folder."""
    _run_refresh(replay=replay, sample=sample, output_dir=output_dir,
                 snapshot_dir=snapshot_dir, verbose=verbose)


refresh_app.command()(refresh)


@app.command()
def replay(
    snapshots: Annotated[str, typer.Argument(
        help="A folder of snapshots (<source>/<stamp>/manifest.json).")],
    output_dir: OutputDirOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Replay recorded snapshots with no network; nothing live is touched."""
    _run_refresh(replay=snapshots, sample=False, output_dir=output_dir, snapshot_dir=None,
                 verbose=verbose)


def _run_refresh(**options: str | bool | None) -> None:
    from pipelines.cli import refresh as refresh_command  # Dagster and settings: only now

    raise typer.Exit(refresh_command.refresh(**options))


@app.command()
def validate(release: ReleaseOption = None) -> None:
    """Validate the release's data package (datapackage.json) with Frictionless."""
    from pipelines.cli.validate import validate_release

    with refusals():
        valid = validate_release(release)
    if not valid:
        raise typer.Exit(1)


@app.command()
def publish(
    release: Annotated[Path | None, typer.Option(
        "--release", metavar="DIR", help="An output folder (its current release is uploaded) "
        "or a release's folder (default: outputs/).")] = None,
    allow_sample: Annotated[bool, typer.Option(
        "--allow-sample", help="Upload a sample or replay release too (to try a bucket); "
        "never for the public one.")] = False,
) -> None:
    """Upload the current release to object storage (INTERMEDIARIES_PUBLISH_URL): the version,
    then latest/, then releases.json."""
    from pipelines.cli.publish import publish_current

    with refusals():
        publish_current(release, allow_sample)


@app.command()
def status(release: ReleaseOption = None) -> None:
    """What each source last did: fresh, carried forward or missing, with counts and problems."""
    from pipelines.cli.status import show_status

    with refusals():
        show_status(release)


def main() -> None:
    """The ``intermediaries`` console script."""
    from pipelines.cli.process import run_as_process

    run_as_process(app)


def refresh_main() -> None:
    """The ``intermediaries-refresh`` console script."""
    from pipelines.cli.process import run_as_process

    run_as_process(refresh_app)


if __name__ == "__main__":  # pragma: no cover (python -m pipelines.cli.app ...)
    main()
