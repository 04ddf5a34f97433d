"""``intermediaries validate``: the release's data package (``datapackage.json``) checked by
Frictionless, as ``frictionless validate`` would, with each error on its own line."""

from __future__ import annotations

from pathlib import Path

from pipelines.cli.console import Refused, console
from pipelines.cli.release_reader import resolve_release
from pipelines.publish.folders import PACKAGE_FILE


def validate_release(release: Path | None) -> bool:
    """Validate and print the verdict; True when the package is valid."""
    descriptor = resolve_release(release).parent / PACKAGE_FILE
    if not descriptor.is_file():
        raise Refused(f"{descriptor} does not exist: the release has no data package.")
    from frictionless import validate

    report = validate(str(descriptor))
    out = console()
    if report.valid:
        out.print(f"[green]valid[/]: {descriptor} ({len(report.tasks)} resources)")
        return True
    out.print(f"[bold red]invalid[/]: {descriptor}")
    for error in report.errors:
        out.print(f"  {error.type}: {error.message}", soft_wrap=True)
    for task in report.tasks:
        for error in task.errors:
            out.print(f"  {task.name}: {error.type}: {error.message}", soft_wrap=True)
    return False
