"""``intermediaries``: the command line people use: ``near`` answers "who can I call about data
here?"; ``refresh``, ``replay``, ``validate`` and ``status`` run and check the pipeline.

Start-up matters for ``near`` (it is the command typed first), so nothing heavy is imported at
module level: no Dagster, no pandas beyond what the place lookup needs, no settings read, and
``--help`` works anywhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from schemas.codes import CHANGE_KINDS

DUCKDB_FILE = "intermediaries.duckdb"  # as publish.release (not imported: it pulls pandas)
PACKAGE_FILE = "datapackage.json"
EXIT_USAGE = 2

app = typer.Typer(
    name="intermediaries",
    help="The open directory of civic data intermediaries: who can I call about data here?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class NoRelease(Exception):
    """There is no release to read; the message says how to get one."""


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    _console(stderr=True).print(f"[bold red]intermediaries:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def output_root() -> Path:
    """The output folder, as the pipeline's setting says (read from the environment only)."""
    return Path(os.environ.get("INTERMEDIARIES_OUTPUT_DIR") or "outputs")


def resolve_release(path: Path | None = None) -> Path:
    """The DuckDB file of the release to read.

    ``path`` may be the file or a release folder; by default the current release:
    ``outputs/current/intermediaries.duckdb`` (versioned releases) if it exists, else
    ``outputs/intermediaries.duckdb``."""
    if path is not None:
        candidates = ([path] if not path.is_dir() else
                      [path / "current" / DUCKDB_FILE, path / DUCKDB_FILE])
    else:
        root = output_root()
        candidates = [root / "current" / DUCKDB_FILE, root / DUCKDB_FILE]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    where = " or ".join(str(c) for c in candidates)
    root = output_root()
    others = [d for d in (root / "sample", root / "replay") if (d / DUCKDB_FILE).is_file()]
    if others:
        message = (f"no release at {where}; a sample or replay release is there: add "
                   + " or ".join(f"--release {d}" for d in others)
                   + ". `make run` fetches every source and publishes the live release.")
    else:
        message = (f"no release yet ({where} does not exist). `make sample` builds one from "
                   "the bundled sample snapshots (into outputs/sample/: add --release "
                   "outputs/sample); `make run` fetches every source and publishes to "
                   "outputs/.")
    raise NoRelease(message)


def _connect(path: Path) -> Any:
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise NoRelease(f"{path}: cannot be opened as a DuckDB release ({error}).") from error


def release_info(con: Any, path: Path) -> dict[str, Any]:
    """What the release says about itself (``release_info``), tolerant of older layouts."""
    info: dict[str, Any] = {"path": str(path)}
    try:
        cursor = con.cursor()
        cursor.execute("SELECT * FROM release_info LIMIT 1")
        names = [d[0] for d in cursor.description]
        row = cursor.fetchall()
    except Exception:  # noqa: BLE001 (a release from before release_info)
        return info
    if row:
        for name, value in zip(names, row[0], strict=True):
            if name in ("created", "sample", "mode", "code_version", "version"):
                info[name] = value if isinstance(value, bool | None) else _cell(value)
    return info


def _origin(place: Any) -> Any:
    from pipelines.answer.sections import Origin

    city = place.city
    if city is None and place.precision == "source":  # a point: the city of its nearest ZIP
        from geography import nearest_zip_point

        found = nearest_zip_point(place.latitude, place.longitude, 25.0, place.state)
        city = found.city if found else None
    return Origin(place.label, place.latitude, place.longitude, place.precision, place.state,
                  place.county_fips, place.county_name, city)


def _place_error(error: Exception) -> str:
    from geography import AmbiguousPlace

    message = str(error)
    if isinstance(error, AmbiguousPlace) and error.candidates:
        shown = "\n".join(f"  {c.label}" for c in error.candidates[:12])
        more = (f"\n  ... and {len(error.candidates) - 12} more"
                if len(error.candidates) > 12 else "")
        return f"{message}\nCandidates:\n{shown}{more}\nTry, e.g.: intermediaries near " \
               f"\"{error.candidates[0].label}\""
    suggestions = getattr(error, "suggestions", ())
    if suggestions:
        message += "\nDid you mean: " + "; ".join(suggestions)
    return message


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
    release: Annotated[Path | None, typer.Option(
        "--release", metavar="PATH", help="A release's DuckDB file or folder (default: the "
        "current release, outputs/current/ or outputs/).")] = None,
) -> None:
    """Who can I call about data here? The answer in the users' guide's order."""
    from pipelines.answer.sections import UnknownKind, section_keys

    try:
        section_keys(kind)
        path = resolve_release(release)
    except (UnknownKind, NoRelease) as error:
        raise _fail(str(error)) from None
    from geography import PlaceError, lookup_place

    try:
        found = lookup_place(place)
    except PlaceError as error:
        raise _fail(_place_error(error)) from None
    result = compute_answer(_origin(found), path, within, limit, kind)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        render_answer(result, _console())


def compute_answer(origin: Any, path: Path, within: float, limit: int,
                   kinds: list[str] | None) -> Any:
    """Read the candidates from the release and build the answer."""
    from pipelines.answer.sections import answer
    from pipelines.answer.sql import ReleaseUnreadable, fetch_candidates

    con = _connect(path)
    try:
        info = release_info(con, path)
        rows = fetch_candidates(con, origin.latitude, origin.longitude, origin.state,
                                origin.county_fips, origin.city, origin.county_stem,
                                per_group=limit + 3)
    except ReleaseUnreadable as error:
        raise _fail(f"{path}: {error}") from None
    except Exception as error:  # a DuckDB catalog error: not a release of this project
        if "intermediaries" in str(error) and "does not exist" in str(error):
            raise _fail(f"{path}: no intermediaries table; is this a release?") from None
        raise
    finally:
        con.close()
    return answer(origin, rows, within, limit, kinds, info)


def short_url(url: str | None) -> str | None:
    """'https://www.daytonohio.gov/' -> 'daytonohio.gov': what a reader types (``--json``
    keeps the full URL)."""
    if not url:
        return None
    for prefix in ("https://", "http://", "www."):
        url = url.removeprefix(prefix)
    return url.rstrip("/")


def render_answer(result: Any, console: Any) -> None:
    """The answer as rich tables, one per section, in the guide's order."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    place = result.place
    console.print(f"[bold]Who can I call about data near {place.label}?[/]")
    facts = [f"within {result.within_km:g} km", f"point precision: {place.precision}"]
    if place.county_name:
        facts.insert(0, place.county_name)
    console.print("[dim]" + "; ".join(facts) + "[/]")
    info = result.release
    if info.get("sample"):
        console.print(f"[yellow]Sample release ({info['path']}): built from recorded sample "
                      "data, not a live refresh.[/]")
    for number, section in enumerate(result.sections, 1):
        console.print()
        console.print(f"[bold]{number}. {section.title}[/]")
        if section.note:  # "No ... within 100 km; the nearest:"
            console.print(f"[italic]{section.note}[/]")
        if not section.matches:
            continue
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
        for header in ("Name", "What it is", "Why listed", "Activity", "Source"):
            table.add_column(header, overflow="fold")
        for m in section.matches:
            details = "\n".join(p for p in (m.location, short_url(m.website)) if p)
            name = f"[bold]{escape(m.name)}[/]" + (f"\n[dim]{escape(details)}[/]"
                                                    if details else "")
            table.add_row(name, escape(m.what), escape(m.why), escape(m.activity),
                          escape(m.source or ""))
        console.print(table)
    if result.start_something:
        console.print()
        console.print("[bold]Little is happening nearby: start something[/]")
        ideas = Table.grid(padding=(0, 1))
        ideas.add_column(width=3, justify="right")
        ideas.add_column()
        for suggestion in result.start_something.suggestions:
            ideas.add_row("•", escape(suggestion))
        console.print(ideas)


# --- the pipeline ----------------------------------------------------------------------------


def _run_refresh(argv: list[str]) -> None:
    from pipelines.cli.refresh import main

    raise typer.Exit(main(argv))


@app.command()
def refresh(
    replay: Annotated[str | None, typer.Option(
        "--replay", metavar="DIR", help="Replay the newest snapshot of each source under DIR "
        "into outputs/replay/ (or --output-dir); no network.")] = None,
    sample: Annotated[bool, typer.Option(
        "--sample", help="Replay the bundled sample snapshots into outputs/sample/.")] = False,
    output_dir: Annotated[str | None, typer.Option(
        "--output-dir", metavar="DIR", help="Where to publish (default outputs).")] = None,
    snapshot_dir: Annotated[str | None, typer.Option(
        "--snapshot-dir", metavar="DIR", help="Where to archive snapshots.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show Dagster's step events.")]
    = False,
) -> None:
    """Fetch every source (or replay snapshots) and publish a release: intermediaries-refresh."""
    argv = []
    if replay:
        argv += ["--replay", replay]
    if sample:
        argv.append("--sample")
    argv += _common(output_dir, snapshot_dir, verbose)
    _run_refresh(argv)


def _common(output_dir: str | None, snapshot_dir: str | None, verbose: bool) -> list[str]:
    argv = []
    if output_dir:
        argv += ["--output-dir", output_dir]
    if snapshot_dir:
        argv += ["--snapshot-dir", snapshot_dir]
    if verbose:
        argv.append("--verbose")
    return argv


@app.command()
def replay(
    snapshots: Annotated[str, typer.Argument(
        help="A folder of snapshots (<source>/<stamp>/manifest.json).")],
    output_dir: Annotated[str | None, typer.Option(
        "--output-dir", metavar="DIR", help="Where to publish (default outputs/replay).")]
    = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show Dagster's step events.")]
    = False,
) -> None:
    """Replay recorded snapshots with no network; nothing live is touched."""
    _run_refresh(["--replay", snapshots, *_common(output_dir, None, verbose)])


@app.command()
def validate(
    release: Annotated[Path | None, typer.Option(
        "--release", metavar="PATH",
        help="A release's folder or DuckDB file (default: the current release).")]
    = None,
) -> None:
    """Validate the release's data package (datapackage.json) with Frictionless."""
    try:
        descriptor = resolve_release(release).parent / PACKAGE_FILE
    except NoRelease as error:
        raise _fail(str(error)) from None
    if not descriptor.is_file():
        raise _fail(f"{descriptor} does not exist: the release has no data package.")
    from frictionless import validate as frictionless_validate

    report = frictionless_validate(str(descriptor))
    console = _console()
    if report.valid:
        console.print(f"[green]valid[/]: {descriptor} ({len(report.tasks)} resources)")
        return
    console.print(f"[bold red]invalid[/]: {descriptor}")
    for error in report.errors:
        console.print(f"  {error.type}: {error.message}", soft_wrap=True)
    for task in report.tasks:
        for error in task.errors:
            console.print(f"  {task.name}: {error.type}: {error.message}", soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def status(
    release: Annotated[Path | None, typer.Option(
        "--release", metavar="PATH",
        help="A release's folder or DuckDB file (default: the current release).")]
    = None,
) -> None:
    """What each source last did: fresh, carried forward or missing, with counts and problems."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    try:
        path = resolve_release(release)
        con = _connect(path)
    except NoRelease as error:
        raise _fail(str(error)) from None
    try:
        info = release_info(con, path)
        cursor = con.cursor()
        cursor.execute("SELECT * FROM source_status ORDER BY source")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        changes = change_counts(con)
    except Exception as error:  # noqa: BLE001 (not a release of this project)
        raise _fail(f"{path}: no source_status table ({error})") from None
    finally:
        con.close()
    console = _console()
    facts = [f"{k} {info[k]}" for k in ("version", "created", "mode") if info.get(k)]
    console.print(f"[bold]Release {path}[/]" + (f" ({'; '.join(facts)})" if facts else ""))
    if info.get("sample"):
        console.print("[yellow]Sample release: built from recorded sample data.[/]")
    since = changes_since(path.parent / PACKAGE_FILE)
    if changes is not None and since:
        console.print(f"Changes since {since}: " + (", ".join(
            f"{n} {kind}" for kind, n in changes.items()) or "none") + " (changes.csv)")
    elif changes is not None:
        console.print("First release: no earlier release to compare with.")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    columns = ("source", "status", "records", "retrieved_at", "problem")
    for column in columns:
        table.add_column(column.replace("_", " "), overflow="fold",
                         no_wrap=column != "problem")
    for row in rows:
        table.add_row(*(escape(_cell(row.get(c))) for c in columns))
    console.print(table)


def changes_since(descriptor: Path) -> str | None:
    """The version the release's changes compare with (``datapackage.json``), if any."""
    import json

    try:
        since = json.loads(descriptor.read_text(encoding="utf-8")).get("changes_since")
    except (OSError, ValueError, AttributeError):
        return None
    return str(since) if since else None


def change_counts(con: Any) -> dict[str, int] | None:
    """Organizations per change in the release's ``changes`` table; None before it existed."""
    cursor = con.cursor()
    try:
        cursor.execute("SELECT change, count(DISTINCT intermediary_id) FROM changes "
                       "GROUP BY change")
    except Exception:  # noqa: BLE001 (a release from before the change log)
        return None
    found = dict(cursor.fetchall())
    return {kind: int(found[kind]) for kind in CHANGE_KINDS if kind in found}


def _cell(value: Any) -> str:
    """Table text: times as ISO 8601 UTC ('2026-11-01T12:00:00Z'), nothing as ''."""
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        from datetime import UTC

        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def main() -> None:  # pragma: no cover (console script entry point is ``app``)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
