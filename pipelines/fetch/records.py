"""Parse one source's snapshot into validated records, falling back to its last good one.

Plain functions, so the rules are tested without Dagster: a source that cannot be parsed, or
whose records fail its checks (under its floor, far fewer than last time, too many unreadable,
its own shape check), is treated as an unreachable one: reported by name, its last good records
carried forward with their original retrieved-at, or left out (status ``missing``) when it has
none, so one source's bad day never holds the others back. The failed check stays on the
result (``count_problem``, ``shape_problem``, ``reject_problem``) for the run's report. A run
that is not strict (the bundled sample, partial by design) keeps the fresh records and only
warns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.fetch.one_source import FetchOutcome
from schemas.table import empty_frame
from sources.base import Source
from sources.errors import SnapshotError, SourceError
from sources.rejects import Rejection, as_parsed
from sources.snapshot import load_snapshot, read_last_good, write_last_good


@dataclass
class SourceRecords:
    """Parsed, validated records of one source and how they were obtained."""

    source: str
    url: str
    status: str  # fresh | carried_forward | missing
    records: pd.DataFrame
    snapshot: str | None
    fingerprint: str | None
    retrieved_at: str | None
    sample: bool
    replayed: bool
    problem: str | None = None
    previous_count: int | None = None
    side: dict[str, pd.DataFrame] = field(default_factory=dict)
    events: pd.DataFrame | None = None
    activity: pd.DataFrame | None = None
    skipped: bool = False  # deliberately not fetched (no token, quota): a warning, not a failure
    count_problem: str | None = None
    shape_problem: str | None = None
    floor: int = 0
    strict: bool = True  # False: check failures warn and the fresh records are kept
    rejected: list[Rejection] = field(default_factory=list)  # quarantined, published apart
    reject_problem: str | None = None  # too many rejects

    @property
    def check_problem(self) -> str | None:
        """The first of the source's own checks that the records read in this run failed."""
        return self.count_problem or self.shape_problem or self.reject_problem

    def run_facts(self) -> dict[str, object]:
        """How the source fared in this run, for the run's report (not the release)."""
        return {"source": self.source, "status": self.status, "records": len(self.records),
                "retrieved_at": self.retrieved_at, "url": self.url,
                "failed_checks": self.failed_checks and self.strict,
                "check_problem": self.check_problem, "problem": self.problem,
                "skipped": self.skipped, "sample": self.sample}

    @property
    def failed_checks(self) -> bool:
        """Whether this run's data failed the source's checks (so it was carried forward or
        left out, or, in a run that is not strict, kept with a warning)."""
        return self.check_problem is not None


def count_problem(source: Source, count: int, previous: int | None, floor: int,
                  url: str = "") -> str | None:
    """Far fewer records than the floor or than last time means the layout changed: stop.
    The message names the source and the URL it was read from."""
    where = f" ({url})" if url else ""
    if count < floor:
        return (f"{source.name}: {count} records, expected at least {floor} "
                f"(the configured floor); its layout may have changed, or the file is "
                f"partial{where}")
    if previous and count < previous * (1 - source.max_drop):
        return (f"{source.name}: {count} records, down from {previous} in the last "
                f"good snapshot (more than {source.max_drop:.0%} fewer){where}")
    return None


def reject_problem(source: Source, kept: int, rejected: int, max_share: float) -> str | None:
    """A few unreadable records are quarantined; many mean the format changed: stop."""
    total = kept + rejected
    if not total or rejected / total <= max_share:
        return None
    return (f"{source.name}: {rejected} of {total} records could not be read "
            f"({rejected / total:.0%}, more than the allowed {max_share:.0%}); see "
            "rejected_records for which fields")


def parse_source(
    source: Source,
    fetched: FetchOutcome,
    state_root: Path,
    floor: int | None = None,
    max_reject_share: float = 0.05,
    strict: bool = True,
) -> SourceRecords:
    """Parse the fetched snapshot; when it cannot be read or fails the source's checks (and the
    run is ``strict``), carry the last good snapshot's records forward, or leave the source out.

    ``state_root`` holds the LAST_GOOD markers: the live snapshot archive for live runs, a
    folder of the run's own for replays, so a sample never becomes a live run's last good. A
    live run never carries forward a fixture or sample snapshot.
    """
    last_good = _read_last_good(state_root, source.name)
    previous_count = last_good["records"] if last_good else None
    problem = fetched.problem
    failed: SourceRecords | None = None  # fresh records that failed the checks (strict runs)
    if fetched.snapshot is not None:
        try:
            result = _parse(source, Path(fetched.snapshot), fetched, "fresh")
        except Exception as error:  # layout change, validation failure, or a parser bug
            problem = _describe_parse_error(source, fetched.url, error)
        else:
            result.previous_count = previous_count
            result.floor = source.min_records if floor is None else floor
            result.count_problem = count_problem(
                source, len(result.records), previous_count, result.floor, fetched.url
            )
            result.reject_problem = reject_problem(
                source, len(result.records), len(result.rejected), max_reject_share)
            if source.health:
                result.shape_problem = source.health(
                    result.records, last_good.get("profile") if last_good else None)
                if result.shape_problem and fetched.url not in result.shape_problem:
                    result.shape_problem += f" ({fetched.url})"
            result.strict = strict
            if not result.failed_checks:
                profile = source.profile(result.records) if source.profile else None
                write_last_good(state_root, load_snapshot(Path(fetched.snapshot)),
                                len(result.records), profile)
                return result
            if not strict:
                return result  # kept, with the checks' warnings
            failed, problem = result, _failed_checks_problem(result)
    result = _fallback(source, fetched, last_good, problem, previous_count)
    if failed is not None:  # what the fresh data failed, for the run's report and checks
        result.count_problem = failed.count_problem
        result.shape_problem = failed.shape_problem
        result.reject_problem = failed.reject_problem
        result.floor = failed.floor
    result.strict = strict
    return result


def _failed_checks_problem(result: SourceRecords) -> str:
    """The problem a strict run reports for fresh records that failed the source's checks."""
    return f"{result.check_problem}; failed its checks, so not published"


def _fallback(source: Source, fetched: FetchOutcome, last_good: dict | None,
              problem: str | None, previous_count: int | None) -> SourceRecords:
    """The last good snapshot's records (carried forward), or none (missing)."""
    if last_good and last_good["snapshot"] != fetched.snapshot:
        try:
            result = _parse(source, Path(last_good["snapshot"]), fetched, "carried_forward")
        except Exception as error:
            problem = f"{problem}; the last good snapshot could not be read either: {error}"
        else:
            if result.sample and not fetched.replayed:
                problem = (f"{problem}; its last good snapshot ({last_good['snapshot']}) holds "
                           "fixture or sample data, which a live release never carries forward")
            else:
                result.problem = problem
                result.previous_count = previous_count
                result.skipped = fetched.skipped
                return result
    return SourceRecords(
        source=source.name, url=fetched.url, status="missing", records=empty_frame(source.table),
        snapshot=None, fingerprint=None, retrieved_at=None, sample=False,
        replayed=fetched.replayed, problem=problem, previous_count=previous_count,
        side={side.table.name: empty_frame(side.table) for side in source.side_tables},
        skipped=fetched.skipped,
    )


def _read_last_good(state_root: Path, source: str) -> dict | None:
    try:
        return read_last_good(state_root, source)
    except SnapshotError:
        return None  # a corrupt marker is as good as none: nothing to carry forward


def _parse(source: Source, folder: Path, fetched: FetchOutcome, status: str) -> SourceRecords:
    snapshot = load_snapshot(folder)
    parsed = as_parsed(source.parse(snapshot))
    return SourceRecords(
        source=source.name, url=fetched.url, status=status, records=parsed.records,
        rejected=parsed.rejected,
        snapshot=str(folder), fingerprint=snapshot.fingerprint(),
        retrieved_at=snapshot.retrieved_at, sample=snapshot.is_sample, replayed=fetched.replayed,
        side={side.table.name: side.build(snapshot) for side in source.side_tables},
        events=source.events(snapshot) if source.events else None,
        activity=source.activity(snapshot) if source.activity else None,
        skipped=fetched.skipped,
    )


def _describe_parse_error(source: Source, url: str, error: Exception) -> str:
    if isinstance(error, SourceError):
        return str(error)
    if isinstance(error, SnapshotError):
        return f"{source.name}: snapshot corrupt ({url}): {error}"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{source.name}: parsed records did not validate ({url}): {text[:500]}"
