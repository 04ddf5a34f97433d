"""``intermediaries status``: what each source last did (fresh, carried forward or missing,
with counts and problems), read from the newest run report beside the releases
(``outputs/runs/``) when there is one, else from the release's ``source_status`` table (how the
sources stood when the release was built), and the changes since the release before."""

from __future__ import annotations

from pathlib import Path

from pipelines.cli.console import Refused, console
from pipelines.cli.release_reader import (
    cell,
    change_counts,
    changes_since,
    connect,
    release_info,
    resolve_release,
)
from pipelines.publish.folders import PACKAGE_FILE, RELEASES
from pipelines.publish.run_report import latest_run_report

COLUMNS = ("source", "status", "records", "retrieved_at", "problem")


def show_status(release: Path | None) -> None:
    """Print the release's facts, its changes and one row per source."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    path = resolve_release(release)
    con = connect(path)
    try:
        info = release_info(con, path)
        cursor = con.cursor()
        cursor.execute("SELECT * FROM source_status ORDER BY source")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        changes = change_counts(con)
    except Exception as error:  # noqa: BLE001 (not a release of this project)
        raise Refused(f"{path}: no source_status table ({error})") from None
    finally:
        con.close()
    out = console()
    facts = [f"{k} {info[k]}" for k in ("version", "created", "mode") if info.get(k)]
    out.print(f"[bold]Release {path}[/]" + (f" ({'; '.join(facts)})" if facts else ""))
    if info.get("sample"):
        out.print("[yellow]Sample release: built from recorded sample data.[/]")
    since = changes_since(path.parent / PACKAGE_FILE)
    if changes is not None and since:
        out.print(f"Changes since {since}: " + (", ".join(
            f"{n} {kind}" for kind, n in changes.items()) or "none") + " (changes.csv)")
    elif changes is not None:
        out.print("First release: no earlier release to compare with.")
    run = latest_run_report(outputs_of(path))
    if run is not None:
        release = run.get("release") or {}
        outcome = (f"published {release.get('version')}" if release.get("published")
                   else f"kept the release ({release.get('reason')})")
        out.print(f"Last run {run.get('finished_at')} ({run.get('mode')}): {outcome}")
        if run.get("failed_checks"):
            out.print("[red]Failed their checks in that run (not published from it; carried "
                      f"forward or left out): {escape(', '.join(run['failed_checks']))}[/]")
        rows = [{"source": s["source"], "status": s["status"], "records": s["records"],
                 "retrieved_at": s.get("retrieved_at"),
                 "problem": s.get("problem") or s.get("check_problem")}
                for s in run.get("sources", [])] or rows
    else:
        out.print("How the sources stood when this release was built:")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in COLUMNS:
        table.add_column(column.replace("_", " "), overflow="fold",
                         no_wrap=column != "problem")
    for row in rows:
        table.add_row(*(escape(cell(row.get(c))) for c in COLUMNS))
    out.print(table)


def outputs_of(database: Path) -> Path:
    """The output folder a release's DuckDB file belongs to: ``<outputs>/releases/<version>/``
    (or ``<outputs>/current/``) holds it, or ``<outputs>/`` itself (a release of old)."""
    folder = database.resolve().parent
    if folder.parent.name == RELEASES:
        return folder.parent.parent
    return folder.parent if (folder.parent / RELEASES).is_dir() else folder
