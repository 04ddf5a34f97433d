"""``intermediaries status``: what each source last did (fresh, carried forward or missing,
with counts and problems), read from the release's ``source_status`` table, and the changes
since the release before."""

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
from pipelines.publish.folders import PACKAGE_FILE

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
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in COLUMNS:
        table.add_column(column.replace("_", " "), overflow="fold",
                         no_wrap=column != "problem")
    for row in rows:
        table.add_row(*(escape(cell(row.get(c))) for c in COLUMNS))
    out.print(table)
