"""The release folders: ``outputs/releases/<version>/`` each complete, ``outputs/current``
pointing at the newest, and the top-level paths users already know following it.

A release is written in a hidden staging folder, renamed into ``releases/`` when complete
and then made current by replacing the ``current`` symlink in one ``rename``: a reader sees
the previous release or the new one, never a mix, and a publish killed halfway leaves only a
staging folder that the next publish clears. ``outputs/intermediaries.csv`` and the other
top-level names are symlinks into ``current/``, so they switch with it.

The file names of a release are here too, with the light readers the command line uses to
find a release: this module imports neither pandas nor DuckDB, so reading it costs nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

# what one release folder holds
PACKAGE_FILE = "datapackage.json"
DUCKDB_FILE = "intermediaries.duckdb"
PAGE_FILE = "index.html"
PARQUET_FOLDER = "parquet"
# how an output folder keeps its releases
RELEASES = "releases"
CURRENT = "current"
STAGING_PREFIX = ".staging-"
VERSION = re.compile(r"^\d{4}\.\d{2}\.\d{2}\.\d{6}(\.\d+)?$")
# what an output folder held before versioned releases (written there directly)
LEGACY_MARKER = PACKAGE_FILE


def read_descriptor(path: Path) -> dict:
    """A published ``datapackage.json``; empty when there is none or it cannot be read."""
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return descriptor if isinstance(descriptor, dict) else {}


def version_for(created: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``YYYY.MM.DD.HHMMSS`` of the build time (UTC), sortable and distinct for two releases
    of one day; a second release within the same second gets ``.2``, ``.3``, ..."""
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    version = moment.strftime("%Y.%m.%d.%H%M%S")
    candidate, n = version, 1
    while candidate in taken:
        n += 1
        candidate = f"{version}.{n}"
    return candidate


def release_versions(outputs: Path) -> list[str]:
    """Complete releases in ``outputs/releases``, oldest first."""
    folder = outputs / RELEASES
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir() and VERSION.match(p.name)]
    return sorted(names, key=version_key)


def version_key(version: str) -> tuple[int, ...]:
    """A version's sort key: its numbers, so `.10` sorts after `.9`."""
    return tuple(int(part) for part in version.split("."))


def current_release(outputs: Path) -> Path | None:
    """The folder of the current release: ``outputs/current`` (resolved), or ``outputs``
    itself when it holds a release written before versioned releases; None when neither."""
    current = outputs / CURRENT
    if current.is_dir():
        return current.resolve()
    if (outputs / LEGACY_MARKER).is_file() and not (outputs / LEGACY_MARKER).is_symlink():
        return outputs
    return None


def release_databases(folder: Path) -> list[Path]:
    """Where the DuckDB file of the release in ``folder`` may be, the preferred first: the
    current release (``current/``), then the folder itself (one release's folder, or an
    output folder written before versioned releases)."""
    return [folder / CURRENT / DUCKDB_FILE, folder / DUCKDB_FILE]


def start_staging(outputs: Path, version: str) -> Path:
    """A fresh hidden folder to write the release in; clears what a killed publish left
    (the refresh lock makes this the only writer)."""
    releases = outputs / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    for stale in releases.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = releases / f"{STAGING_PREFIX}{version}-{os.getpid()}"
    staging.mkdir()
    return staging


def finish(outputs: Path, staging: Path, version: str) -> Path:
    """Move the complete staging folder into place and make it current (one rename each)."""
    folder = outputs / RELEASES / version
    os.rename(staging, folder)
    link = outputs / f".{CURRENT}.{os.getpid()}.tmp"
    link.unlink(missing_ok=True)
    os.symlink(Path(RELEASES) / version, link, target_is_directory=True)
    os.replace(link, outputs / CURRENT)  # the switch
    link_top_level(outputs, folder)
    return folder


def link_top_level(outputs: Path, folder: Path) -> None:
    """``outputs/<name>`` -> ``current/<name>`` for every file of the release, replacing the
    files an older layout wrote there; links whose target is gone are removed."""
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        target = outputs / entry.name
        wanted = Path(CURRENT) / entry.name
        if target.is_symlink() and Path(os.readlink(target)) == wanted:
            continue
        if target.is_dir() and not target.is_symlink():
            continue  # a folder of the user's (or sample/, replay/): never touched
        link = outputs / f".{entry.name}.{os.getpid()}.tmp"
        link.unlink(missing_ok=True)
        os.symlink(wanted, link)
        os.replace(link, target)
    for target in outputs.iterdir():
        if (target.is_symlink() and target.name != CURRENT
                and Path(os.readlink(target)).parts[:1] == (CURRENT,) and not target.exists()):
            target.unlink()


def prune_releases(outputs: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` releases (0 keeps all); never the current one."""
    if keep <= 0:
        return []
    current = outputs / CURRENT
    in_use = current.resolve().name if current.is_dir() else None
    removed = [v for v in release_versions(outputs)[:-keep] if v != in_use]
    for version in removed:
        shutil.rmtree(outputs / RELEASES / version, ignore_errors=True)
    return removed
