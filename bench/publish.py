"""Time a full publish: one release folder written and made current.

The release is the bundled fixture snapshots replayed and linked (real shapes), with
``intermediaries`` and ``source_records`` scaled to --organizations rows by repeating the real
rows under new ids (synthetic volume; the live directory is about 12,000 organizations, most
of them local governments). Prints the wall time of each step of
``pipelines.publish.release.publish`` and of the whole, as the median of --repeat
publishes, plus the size of what was written.

    .venv/bin/python bench/publish.py [--organizations 15000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pipelines.publish.release as release_module  # noqa: E402
from pipelines.fetch.one_source import replay_source  # noqa: E402
from pipelines.fetch.records import parse_source  # noqa: E402
from pipelines.link.tables import Release, build_release  # noqa: E402
from pipelines.publish.release import publish  # noqa: E402
from sources.registry import SOURCES  # noqa: E402
from sources.snapshot import SAMPLE_SNAPSHOTS  # noqa: E402

STEPS = ("validate_package", "write_duckdb", "write_parquet", "write_page")


def fixture_release(state: Path) -> Release:
    results = [parse_source(s, replay_source(s, s.default_url, SAMPLE_SNAPSHOTS),
                            state, strict=False) for s in SOURCES]  # partial, as make sample
    return build_release(results)


def scaled(release: Release, organizations: int, seed: int) -> Release:
    """``organizations`` rows in intermediaries, each copy of a real row under a new id with
    its listings copied under new record ids; ``seed`` makes every publish's inputs new."""
    base = release.table("intermediaries")
    listings = release.table("source_records")
    copies, extra = [], []
    n = 0
    while len(base) + n < organizations:
        for _, row in base.iterrows():
            if len(base) + n >= organizations:
                break
            new_id = "im-" + hashlib.sha256(f"{seed}:{n}".encode()).hexdigest()[:12]
            copies.append({**row.to_dict(), "intermediary_id": new_id,
                           "name": f"{row['name']} #{n}"})
            for _, listing in listings[listings["intermediary_id"] == row[
                    "intermediary_id"]].iterrows():
                extra.append({**listing.to_dict(), "intermediary_id": new_id,
                              "record_id": f"{listing['record_id']}#{n}",
                              "source_key": f"{listing['source_key']}#{n}"})
            n += 1
    tables = dict(release.tables)
    tables["intermediaries"] = pd.concat([base, pd.DataFrame(copies).astype(base.dtypes)],
                                         ignore_index=True)
    tables["source_records"] = pd.concat(
        [listings, pd.DataFrame(extra).astype(listings.dtypes)], ignore_index=True)
    return replace(release, tables=tables, fingerprint=f"bench-{seed}")


def timed(timings: dict[str, list[float]]) -> None:
    for name in STEPS:
        original = getattr(release_module, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                timings[_name].append(time.perf_counter() - started)

        setattr(release_module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    timings: dict[str, list[float]] = defaultdict(list)
    timed(timings)
    with tempfile.TemporaryDirectory() as tmp:
        base = fixture_release(Path(tmp) / "state")
        releases = [scaled(base, args.organizations, seed) for seed in range(args.repeat)]
        out = Path(tmp) / "outputs"
        for n, release in enumerate(releases):
            started = time.perf_counter()
            outcome = publish(release, out, f"2026-12-0{n + 1}T06:00:00Z", keep=2)
            timings["publish (whole)"].append(time.perf_counter() - started)
            assert outcome.published, outcome.reason
        folder = Path(outcome.path)
        sizes = {p.relative_to(folder): p.stat().st_size for p in folder.rglob("*")
                 if p.is_file()}
    rows = len(releases[-1].table("intermediaries"))
    print(f"publish of {rows:,} organizations, "
          f"{len(releases[-1].table('source_records')):,} listings, {len(sizes)} files "
          f"({sum(sizes.values()) / 2**20:.1f} MiB); median of {args.repeat}:")
    print(f"  csv writing + rest      {statistics.median(timings['publish (whole)']) - sum(statistics.median(timings[s]) for s in STEPS):6.2f} s")  # noqa: E501
    for name in (*STEPS, "publish (whole)"):
        print(f"  {name:22}  {statistics.median(timings[name]):6.2f} s")
    for name in ("intermediaries.csv", "intermediaries.duckdb", "index.html",
                 "parquet/intermediaries.parquet"):
        print(f"  size {name:30} {sizes[Path(name)] / 2**20:6.2f} MiB")


if __name__ == "__main__":
    main()
