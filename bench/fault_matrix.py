"""Print the fault matrix: every fault x every registered source -> what became of the source,
and the published release's hashes before and after each fault run.

The same runs as ``tests/faults`` (see ``tests/faults/harness.py``): a good live refresh from
local servers serving the recorded pages, then one refresh per fault with every server
misbehaving at once. Nothing touches the internet; everything is written to a temporary folder.

    .venv/bin/python bench/fault_matrix.py [--fault NAME ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sources.registry import SOURCES  # noqa: E402
from tests.faults.harness import (  # noqa: E402
    FAULT_NAMES,
    Lab,
    SourceRun,
    digest,
    environment,
    fault_named,
)


def label(cell: SourceRun, good: SourceRun) -> str:
    """A compact table cell (legend printed below the table)."""
    if cell.outcome == "fresh":
        text = "retried" if cell.records.fingerprint == good.records.fingerprint else "ACCEPTED"
    else:
        text = {"carried_forward": "carried", "missing": "MISSING"}.get(cell.outcome,
                                                                        cell.outcome)
    if cell.named():
        text += "+"
    if cell.exception:
        text += f" BARE {cell.exception}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", action="append", choices=FAULT_NAMES,
                        help="run only these faults (default: all)")
    args = parser.parse_args(argv)
    faults = args.fault or FAULT_NAMES
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as tmp:
        work = Path(tmp)
        os.environ.update(environment(work))
        started = time.monotonic()
        lab = Lab(work).start()
        try:
            baseline = lab.baseline
            assert baseline is not None
            print(f"baseline: {baseline.published} in {baseline.seconds:.1f} s; release "
                  f"{digest(baseline.hashes)[:16]} ({len(baseline.hashes)} files)\n")
            names = [s.name for s in SOURCES]
            print("| fault | " + " | ".join(names) + " |")
            print("|---|" + "---|" * len(names))
            runs = [lab.result(fault) for fault in faults]
            for run in runs:
                cells = [label(run.sources[name], baseline.sources[name]) for name in names]
                print(f"| {run.fault} | " + " | ".join(cells) + " |")
            print("\ncarried = named error (a failed fetch or parse, or data failing the "
                  "source's checks), last good records carried forward; skipped = a visible "
                  "skip (rate limit); stopped = failing records about to be published (a "
                  "strict run never hands them on); "
                  "retried = fresh after a retry, same data; ACCEPTED = fresh with changed data; "
                  "+ = the message lacks the URL or what was expected; BARE = the parser raised "
                  "an untyped exception\n")
            for run in runs:
                print(f"{run.fault}:")
                for name in names:
                    cell = run.sources[name]
                    print(f"  {name}: {cell.problem or cell.outcome}")
            print("\n| fault | what the servers did | run s | slowest fetch s | publish | "
                  "release before | release after | identical |")
            print("|---|---|---|---|---|---|---|---|")
            for run in runs:
                slowest = max(r.seconds for r in run.sources.values())
                print(f"| {run.fault} | {fault_named(run.fault).what} | {run.seconds:.1f} | "
                      f"{slowest:.1f} | {run.published} | {digest(baseline.hashes)[:16]} | "
                      f"{digest(run.hashes)[:16]} | "
                      f"{'yes' if run.hashes == baseline.hashes else 'NO'} |")
            print("\nper-file sha256 of the baseline release:")
            for name, value in baseline.hashes.items():
                print(f"  {value}  {name}")
            print(f"\ntotal {time.monotonic() - started:.1f} s")
        finally:
            lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
