"""Time the IRS EO BMF parser on full-size input: four regional files, 1.9 M rows in all.

Synthetic rows in the real 28-column layout and realistic widths (about 160 bytes a row, so
about 300 MB, like the real extract), split across eo1 … eo4 as the real regions are, with
about 0.05 % community foundations (NTEE T31), 2 % quoted names holding a comma and a few
malformed foundation rows. The files are written straight into a snapshot folder (hashed as
they are written, never held in memory), then ``irs_bmf.parse`` runs in a fresh interpreter,
which prints wall time and peak memory (max RSS), the figures the target is about.

Target (issue 11): parse + filter <= 15 s and <= 1.5 GiB peak on the 2-core reference machine.

    .venv/bin/python bench/irs_bmf_parse.py [--rows 1900000] [--share 0.0005] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sources import irs_bmf  # noqa: E402
from sources.snapshot import Page, SnapshotWriter, utc_now  # noqa: E402

REGION_SHARES = (0.20, 0.37, 0.42, 0.01)  # eo1 Northeast … eo4 international and others
REGION_STATES = (("NY", "NJ", "MA", "CT", "ME"), ("OH", "PA", "MI", "IL", "MD"),
                 ("CA", "TX", "FL", "GA", "WA"), ("PR", "GU", "", "AE", "VI"))
WORDS = ("COMMUNITY", "FOUNDATION", "CHURCH", "ASSOCIATION", "CLUB", "BAPTIST", "FRIENDS", "OF",
         "THE", "LIBRARY", "SCHOOL", "PTA", "VETERANS", "POST", "LODGE", "HOSPITAL", "FUND",
         "TRUST", "INC", "CENTER", "AMERICAN", "LEGION", "YOUTH", "SOCCER", "ALUMNI", "GREATER")
CITIES = ("SPRINGFIELD", "FRANKLIN", "GREENVILLE", "CLINTON", "SALEM", "MADISON", "GEORGETOWN",
          "ARLINGTON", "FAIRVIEW", "NEW ORLEANS", "SAN FRANCISCO", "COLORADO SPRINGS")
NTEE = ("X21", "A80", "B94", "P20", "S20", "T30", "T20", "E22", "N63", "B11", "", "", "")

MEASURE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from sources import irs_bmf
from sources.snapshot import load_snapshot
snapshot = load_snapshot(__import__("pathlib").Path({folder!r}))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
parsed = irs_bmf.parse(snapshot)
listings = irs_bmf.to_listings(parsed.records)
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT", wall, before, peak, len(parsed.records), len(parsed.rejected), len(listings))
"""


REGIONS = ("NORTHERN", "SOUTHERN", "CENTRAL", "GREATER", "UPPER", "LOWER")


def row(rng: random.Random, states: tuple[str, ...], share: float, serial: int) -> str:
    """One BMF line; about ``share`` of them are T31, a few of those malformed."""
    ein = f"{serial:09d}"
    name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7)))
    if rng.random() < 0.02:
        name = f'"{name}, INC"'
    code = "T31" if rng.random() < share else rng.choice(NTEE)
    if code == "T31":  # a name the community-foundation rule accepts (region words only)
        name = f"{rng.choice(REGIONS)} VALLEY COMMUNITY FOUNDATION"
    state = rng.choice(states)
    zip_code = f"{rng.randrange(100000):05d}-{rng.randrange(10000):04d}" if state else ""
    if code == "T31" and rng.random() < 0.01:
        zip_code = zip_code[:4]  # a malformed ZIP: quarantined
    ico = f"% {rng.choice(WORDS)} {rng.choice(WORDS)}" if rng.random() < 0.3 else ""
    amounts = ("", "", "") if rng.random() < 0.4 else (
        str(rng.randrange(10**8)), str(rng.randrange(10**7)), str(rng.randrange(10**7)))
    fields = (ein, name, ico, f"{rng.randint(1, 99999)} MAIN ST STE {rng.randint(1, 999)}",
              rng.choice(CITIES), state, zip_code, "0000", "03", "3", "1000",
              f"{rng.randint(1930, 2025)}{rng.randint(1, 12):02d}", "1", "15", "000000000",
              "1", "01", "202312", "3", "3", "01", "0", "12", *amounts, code, "")
    return ",".join(fields) + "\n"


def write_snapshot(root: Path, rows: int, share: float, seed: int) -> tuple[Path, int]:
    """Write the four files into a new snapshot under ``root``; returns (folder, bytes)."""
    rng = random.Random(seed)
    writer = SnapshotWriter(root, irs_bmf.NAME, mode="sample")
    header = ",".join(irs_bmf.COLUMNS) + "\n"
    serial, total = 10_000_000, 0
    for index, (name, fraction, states) in enumerate(
            zip(irs_bmf.FILES, REGION_SHARES, REGION_STATES, strict=True)):
        path = f"bodies/{index:04d}.csv"
        digest, size = hashlib.sha256(), 0
        with (writer.folder / path).open("wb") as body:
            batch = [header]
            for _ in range(int(rows * fraction)):
                serial += rng.randint(1, 400)
                batch.append(row(rng, states, share, serial))
                if len(batch) >= 20_000:
                    size += _write(body, digest, batch)
            size += _write(body, digest, batch)
        url = irs_bmf.URL + name
        writer.pages.append(Page(url=url, final_url=url, status=200, content_type="text/csv",
                                 retrieved_at=utc_now(), sha256=digest.hexdigest(), size=size,
                                 path=path))
        total += size
    return writer.close().folder, total


def _write(body, digest, batch: list[str]) -> int:  # type: ignore[no-untyped-def]
    data = "".join(batch).encode()
    body.write(data)
    digest.update(data)
    batch.clear()
    return len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_900_000)
    parser.add_argument("--share", type=float, default=0.0005, help="share of T31 rows")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", help="write the snapshot here and keep it")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="irs-bmf-bench-"))
    try:
        started = time.perf_counter()
        folder, size = write_snapshot(root, args.rows, args.share, args.seed)
        print(f"generated {args.rows:,} rows, {size / 2**20:,.0f} MiB in four files "
              f"({time.perf_counter() - started:.1f} s): {folder}")
        code = MEASURE.format(root=str(ROOT), folder=str(folder))
        output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout
        result = next(line for line in output.splitlines() if line.startswith("RESULT"))
        wall, before, peak, kept, rejected, listings = (float(x) for x in result.split()[1:])
        print(f"parse + filter + listings: {wall:.2f} s wall, peak RSS {peak:,.0f} MiB "
              f"({before:,.0f} MiB after imports); {kept:,.0f} foundations, "
              f"{rejected:,.0f} rejected, {listings:,.0f} listings")
        ok = wall <= 15 and peak <= 1.5 * 1024
        print(f"target <= 15 s and <= 1,536 MiB: {'met' if ok else 'NOT met'}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
