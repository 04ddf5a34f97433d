"""The run's report, beside the releases: ``outputs/runs/<stamp>.json``, one per refresh.

How each source fared (fresh, carried forward, missing; whether this run's data failed the
source's checks) belongs to the run, not to the release: a release is identified by what it is
made of (``pipelines.link.tables.inputs_fingerprint``), so a run that changed nothing leaves the
release exactly as it was, and this file is where that run says what happened. ``intermediaries
status`` shows the newest. Light (json only), so the command line reads it for nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

RUNS = "runs"
KEEP_RUNS = 30  # the newest reports kept


def write_run_report(outputs: Path, finished_at: str, mode: str,
                     sources: Sequence[Mapping[str, object]],
                     release: Mapping[str, object]) -> Path:
    """Write this run's report (``finished_at`` is UTC, ISO 8601) and keep the newest
    ``KEEP_RUNS``. ``sources``: one entry per source (``SourceRecords.run_facts``);
    ``release``: whether it was published, its version, the reason when it was not."""
    folder = outputs / RUNS
    folder.mkdir(parents=True, exist_ok=True)
    stamp = "".join(ch for ch in finished_at if ch.isalnum())
    path, number = folder / f"{stamp}.json", 1
    while path.exists():  # two runs in one second: both kept, in order
        path, number = folder / f"{stamp}.{number:03d}.json", number + 1
    report = {"finished_at": finished_at, "mode": mode,
              "failed_checks": [s["source"] for s in sources if s.get("failed_checks")],
              "sources": list(sources), "release": dict(release)}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    temporary.replace(path)
    for old in sorted(folder.glob("*.json"))[:-KEEP_RUNS]:
        old.unlink(missing_ok=True)
    return path


def latest_run_report(outputs: Path) -> dict | None:
    """The newest run report of an output folder, or None (no run wrote one, or unreadable)."""
    reports = sorted((outputs / RUNS).glob("*.json"))
    if not reports:
        return None
    try:
        return json.loads(reports[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
