"""Time the geography layer: index build (cold, then from the disk cache), nearest-ZIP queries
and ``locate_frame`` on 20,000 listings with ~10,000 distinct cities.

    .venv/bin/python bench/geography_build.py

Cold and warm builds run in fresh processes against a temporary cache directory, so the
user's cache is neither used nor touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LOAD = (
    "import time; t = time.perf_counter(); import geography; from geography.index import "
    "get_index; u = time.perf_counter(); get_index(); print(u - t, time.perf_counter() - u)"
)


def _fresh_process_load(cache: str) -> tuple[float, float]:
    """(import seconds, index build or load seconds) in a new process."""
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    out = subprocess.run([sys.executable, "-c", _LOAD], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    imported, loaded = out.stdout.split()
    return float(imported), float(loaded)


def _frames():  # noqa: ANN202 - pandas is imported late on purpose
    import numpy as np
    import pandas as pd

    from geography.index import get_index

    index = get_index()
    rng = np.random.default_rng(42)
    cities = [c for c in (index._city(n) for n in range(len(index._city_rows)))
              if c.latitude is not None]
    picked = [cities[i] for i in rng.choice(len(cities), 10_000, replace=False)]
    rows = []
    for n in range(20_000):
        city = picked[n % len(picked)]
        kind = n % 10
        lat, lon = city.latitude + rng.normal(0, 0.02), city.longitude + rng.normal(0, 0.02)
        if kind == 7:
            lat = lon = None  # no coordinates: city centre
        elif kind == 8:
            lon = -lon  # sign flipped
        elif kind == 9:
            lat, lon = 0.0, 0.0
        rows.append({"city": city.name, "state": city.state, "country": "US", "region": None,
                     "latitude": lat, "longitude": lon})
    distinct = pd.DataFrame(rows)
    repeated = distinct.assign(latitude=[None if i % 10 == 7 else round(c.latitude, 3)
                                         for i, c in enumerate(picked * 2)],
                               longitude=[None if i % 10 == 7 else round(c.longitude, 3)
                                          for i, c in enumerate(picked * 2)])
    return distinct, repeated


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        imported, cold = _fresh_process_load(cache)
        warm = min(_fresh_process_load(cache)[1] for _ in range(3))
    print(f"import geography: {imported:.2f} s")
    print(f"index build, cold (zipcodes + addfips): {cold:.2f} s")
    print(f"index load from the disk cache (best of 3, fresh process): {warm:.3f} s")

    sys.path.insert(0, str(ROOT))
    from geography import locate
    from geography.index import get_index, nearest_zip_point

    get_index()
    distinct, repeated = _frames()
    points = list(zip(distinct["latitude"].fillna(40.0), distinct["longitude"].fillna(-90.0),
                      strict=True))
    t = time.perf_counter()
    for lat, lon in points:
        nearest_zip_point(lat, lon, max_km=25)
    print(f"nearest_zip_point x {len(points):,} (25 km): {time.perf_counter() - t:.3f} s")

    for label, frame in (("20,000 distinct rows", distinct),
                         ("20,000 rows, 10,000 distinct places", repeated)):
        locate._locate.cache_clear()
        t = time.perf_counter()
        out = locate.locate_frame(frame)
        elapsed = time.perf_counter() - t
        counts = out["location_precision"].value_counts().to_dict()
        print(f"locate_frame, {label}: {elapsed:.3f} s  {counts}")


if __name__ == "__main__":
    main()
