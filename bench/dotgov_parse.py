"""Time the .gov registry parser on a full-size file: parse, listings and linking.

The real file has 16,539 rows; only 260 are recorded (the dotgov sample). This builds a file
of --rows rows by repeating the real rows under new names: every copy gets a made-up place word
in its organization name and domain (so copies are distinct governments), and consecutive pairs
share one organization (so organizations have several domains, as in the real file). Synthetic
volume, real shapes: the same domain types, blank cities and states, federal rows, departments.

Target (issue 11): parse + listings + linking <= 5 s on the 2-core reference machine.

    .venv/bin/python bench/dotgov_parse.py [--rows 16539] [--repeat 3] [--no-link]

Measured on 2026-12-01 (2 shared cores): parse 0.5 s, to_listings 0.25 s; linking the 10.5 k
listings with pipelines.link.merge as it then stood took ~15 s (its per-organization loops
and per-row .loc writes in locate), so the 5 s target hinges on the linking step.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sources import dotgov  # noqa: E402
from sources.snapshot import load_snapshot  # noqa: E402
from tests.support import make_snapshot, sample_bodies  # noqa: E402

SAMPLE = sample_bodies("dotgov") / "current-full-sample.csv"
LETTERS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"


def place_word(number: int) -> str:
    """0 -> 'Ba', 1 -> 'Ca', ...: a pronounceable, unique made-up place name."""
    syllables = []
    while True:
        number, rest = divmod(number, len(LETTERS) * len(VOWELS))
        syllables.append(LETTERS[rest % len(LETTERS)] + VOWELS[rest // len(LETTERS)])
        if not number:
            break
    return "".join(syllables).capitalize()


def full_size_file(rows: int) -> bytes:
    """--rows CSV rows made from the real sample, CRLF like the original."""
    reader = csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"), newline=""))
    header, *sample = list(reader)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for i in range(rows):
        domain, kind, org, sub, city, state, email = sample[i % len(sample)]
        word = place_word(i // 2)  # two consecutive copies: one organization, two domains
        org = org.replace(" of ", f" of {word} ", 1) if " of " in org else f"{word} {org}"
        label = domain.removesuffix(".gov")
        writer.writerow([f"{word.lower()}{label}{i % 2 or ''}.gov", kind, org, sub, city, state,
                         email])
    return out.getvalue().encode()


def run_once(folder: Path, link: bool = True) -> dict[str, float | int]:
    from pipelines.link.merge import merge_listings  # the linking step every release runs

    started = time.perf_counter()
    parsed = dotgov.parse(load_snapshot(folder))
    parsed_at = time.perf_counter()
    listings = dotgov.to_listings(parsed.records)
    listed_at = time.perf_counter()
    intermediaries = merge_listings([listings]).intermediaries if link else listings
    linked_at = time.perf_counter()
    return {
        "domains": len(parsed.records), "rejected": len(parsed.rejected),
        "listings": len(listings), "general": dotgov.general_governments(parsed.records),
        "intermediaries": len(intermediaries),
        "parse": parsed_at - started, "listings_s": listed_at - parsed_at,
        "link": linked_at - listed_at, "total": linked_at - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=16_539)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-link", action="store_true", help="time parse + listings only")
    args = parser.parse_args()
    body = full_size_file(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = make_snapshot(Path(tmp), "dotgov", {dotgov.URL: body},
                                 content_type="text/plain; charset=utf-8")
        runs = [run_once(snapshot.folder, not args.no_link) for _ in range(args.repeat)]
    first = runs[0]
    print(f"file: {args.rows:,} rows, {len(body) / 1e6:.1f} MB; kept {first['domains']:,} "
          f"domains ({first['rejected']} rejected), {first['listings']:,} listings "
          f"({first['general']:,} general-purpose governments)"
          + ("" if args.no_link else f", {first['intermediaries']:,} after linking"))
    measured = [("parse", "parse"), ("to_listings", "listings_s"), ("link (merge)", "link"),
                ("total", "total")]
    for label, key in measured if not args.no_link else measured[:2] + measured[3:]:
        times = [r[key] for r in runs]
        print(f"{label:>13}: median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}, {len(times)} runs)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory: {peak:.0f} MiB (max RSS of this process)")
    verdict = "within" if statistics.median(r["total"] for r in runs) <= 5 else "OVER"
    steps = "parse + listings" if args.no_link else "parse + listings + linking"
    print(f"target: {steps} <= 5 s: {verdict}")


if __name__ == "__main__":
    main()
