"""Time a live refresh of four sources on four slow hosts: fetched one after another (the sum)
against ``pipelines.fetch.concurrent.fetch_all`` (one thread per host: bounded by the slowest host).

Each source's recorded pages are served by its own local server on its own loopback address
(127.0.0.1 to 127.0.0.4; Linux routes all of 127/8 to the loopback interface), each adding a
per-request delay, and the client keeps its per-host politeness delay. Nothing touches the
internet.

    .venv/bin/python bench/concurrent_fetch.py [--server-delay 0.25] [--http-delay 0.5]
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

from pipelines.fetch.concurrent import fetch_all  # noqa: E402
from pipelines.fetch.one_source import fetch_source  # noqa: E402
from sources.http import HttpSettings  # noqa: E402
from sources.registry import source_named  # noqa: E402
from tests.faults.harness import entry_url, environment, recorded_answers  # noqa: E402
from tests.faults.server import Site  # noqa: E402

SOURCES = ("nnip", "irs_bmf", "cfa", "dotgov")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-delay", type=float, default=0.25,
                        help="seconds each server waits before every answer")
    parser.add_argument("--http-delay", type=float, default=0.5,
                        help="the client's per-host delay between requests (live default 1)")
    args = parser.parse_args(argv)
    http = HttpSettings(per_host_delay=args.http_delay, retries=1, backoff_factor=0,
                        read_timeout=10, connect_timeout=5)
    sources = [source_named(name) for name in SOURCES]
    with tempfile.TemporaryDirectory(prefix="concurrent-fetch-") as tmp:
        work = Path(tmp)
        os.environ.update(environment(work))
        sites = [Site(recorded_answers(s), host=f"127.0.0.{n}", delay=args.server_delay).start()
                 for n, s in enumerate(sources, start=1)]
        try:
            plans = [(s, entry_url(s, site)) for s, site in zip(sources, sites, strict=True)]
            alone = {}
            for source, url in plans:  # one after another: what the sum costs
                started = time.monotonic()
                outcome = fetch_source(source, url, work / "one-by-one", http)
                alone[source.name] = time.monotonic() - started
                assert outcome.snapshot, outcome.problem
            started = time.monotonic()
            together = fetch_all(plans, work / "concurrent", http)
            wall = time.monotonic() - started
            assert all(f.outcome.snapshot for f in together.values())
            print(f"server delay {args.server_delay:g} s per request, client per-host delay "
                  f"{args.http_delay:g} s\n")
            print("| source | host | requests | alone s | in the concurrent run s |")
            print("|---|---|---|---|---|")
            for (source, _url), site in zip(plans, sites, strict=True):
                requests = len(site.requests) // 2  # each site served both runs
                print(f"| {source.name} | {site.netloc} | {requests} | "
                      f"{alone[source.name]:.2f} | {together[source.name].seconds:.2f} |")
            slowest, total = max(alone.values()), sum(alone.values())
            print(f"\n4 hosts concurrently: wall {wall:.2f} s; slowest host alone "
                  f"{slowest:.2f} s; sum of the four {total:.2f} s "
                  f"(wall / slowest {wall / slowest:.2f}, sum / wall {total / wall:.1f}x)")
        finally:
            for site in sites:
                site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
