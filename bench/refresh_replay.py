"""Time a replayed refresh from the command line against the floor of importing the whole stack.

The refresh is the command a user runs (``intermediaries refresh --replay``, the same as
``intermediaries-refresh``), timed as a whole process from start to exit. The floor is one
fresh interpreter importing everything a refresh needs (``STACK``: dagster,
pandas, pandera, duckdb, frictionless, requests, bs4), the least any refresh costs (a refresh
also pays for what those libraries import on first use: Dagster's run storage with SQLAlchemy
and Alembic, Frictionless' plugins, pandera's backends, about 1 s of CPU). Prints the
wall time, CPU time (user + system) and peak memory (max RSS) of each, as the median of
--repeat runs, each in a fresh interpreter, floor and refresh alternated, and the ratio
refresh / floor. The replay input is the bundled fixture snapshots, with the Code for America
file scaled to --records organizations (the live file has about 220) by repeating the real
sample records under numbered names: synthetic volume, real shapes.

Target (issue 16): replayed refresh <= 3 x floor in wall time, both measured in the same run:
a ratio, so it reads the same on a loaded machine as on an idle one (the CPU ratio, which
other processes disturb less, is printed beside it). The runs share one HOME, so the first
builds the city-centre cache (about +0.6 s, once per zipcodes version) and the median shows a
repeated refresh, as a scheduled one is.

    .venv/bin/python bench/refresh_replay.py [--records 220] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sources.snapshot import SAMPLE_SNAPSHOTS, load_snapshot, snapshot_folders  # noqa: E402
from tests.support import make_snapshot  # noqa: E402

STACK = "import dagster, pandas, pandera.pandas, duckdb, frictionless, requests, bs4"
# what `make run` runs (the intermediaries-refresh console script), as a module of this checkout
REFRESH = [sys.executable, "-m", "pipelines.cli.app", "refresh"]
TARGET_RATIO = 3.0

def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall seconds (the whole process, from start to exit), peak MiB and CPU seconds (user +
    system, which load from other processes disturbs less than wall time) of one child."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    out = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"benchmark run failed ({' '.join(command)}):\n"
                 f"{out.decode(errors='replace')[-3000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def replay_input(folder: Path, records: int) -> None:
    """Copy every fixture snapshot; replace the CFA one by a scaled copy of the sample."""
    for source_dir in SAMPLE_SNAPSHOTS.iterdir():
        if source_dir.is_dir() and source_dir.name != "cfa":  # not the README
            shutil.copytree(source_dir, folder / source_dir.name)
    cfa = load_snapshot(next(snapshot_folders(SAMPLE_SNAPSHOTS, "cfa")))
    sample = json.loads(cfa.body(cfa.pages[0]))
    scaled = [
        {**org, "name": f"{org['name']} {i // len(sample)}" if i >= len(sample) else org["name"]}
        for i, org in enumerate(sample[i % len(sample)] for i in range(records))
    ]
    make_snapshot(folder, "cfa", {cfa.pages[0].url: json.dumps(scaled).encode()},
                  content_type="application/json", mode="sample")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=220)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        replay = Path(tmp) / "replay"
        replay_input(replay, args.records)
        floor, refresh = [], []
        for i in range(args.repeat):  # alternated, so a change in load touches both alike
            floor.append(run([sys.executable, "-c", STACK]))
            refresh.append(run(
                [*REFRESH, "--replay", str(replay), "--output-dir", str(Path(tmp) / f"out{i}"),
                 "--snapshot-dir", str(Path(tmp) / f"snap{i}")],
                # the fixtures are partial (4 of 56 State Data Center states): checks only warn
                env={"PATH": "", "INTERMEDIARIES_STRICT_CHECKS": "false", "HOME": tmp},
            ))

    def median(values: list[tuple[float, float]], i: int) -> float:
        return statistics.median(v[i] for v in values)

    floor_wall, floor_mem, floor_cpu = (median(floor, i) for i in range(3))
    wall, mem, cpu = (median(refresh, i) for i in range(3))
    ratio = wall / floor_wall
    print(f"replay input: {args.records} Code for America records (scaled sample) "
          "+ every fixture snapshot")
    print(f"floor   {STACK}")
    print(f"floor   import the stack    wall {floor_wall:6.2f} s   cpu {floor_cpu:6.2f} s   "
          f"peak {floor_mem:7.1f} MiB")
    print(f"refresh replayed, CLI       wall {wall:6.2f} s   cpu {cpu:6.2f} s   "
          f"peak {mem:7.1f} MiB")
    print(f"ratio   refresh / floor     wall {ratio:6.2f} x   cpu {cpu / floor_cpu:6.2f} x")
    print(f"target  wall <= {TARGET_RATIO:g} x floor    "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
