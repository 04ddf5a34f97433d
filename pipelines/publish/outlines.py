"""US state outlines for the release page's map: an offline base layer, so the map reads
with the OpenStreetMap tiles off (and from ``file://``, with no network at all).

The outlines are the U.S. Census Bureau's cartographic boundary file of states (2016,
1:500,000, ``cb_2016_us_state_500k``: the 50 states, DC, Puerto Rico and the island areas), a
work of the U.S. federal government and so in the public domain. The file comes from the
``plotly-geo`` package (MIT; it ships the Census files unchanged). ``build`` simplifies it with
a topology-preserving simplification (``topojson``, so neighbouring states keep one shared
border, with no gaps or overlaps) and stores it compactly in ``templates/us_states.json``,
which is committed: publishing a release needs neither package, nor the network.

Rebuild (only when the source or the simplification changes)::

    pip install -e '.[outlines]'
    python -m pipelines.publish.outlines
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

OUTLINES_FILE = Path(__file__).parent / "templates" / "us_states.json"
SOURCE_FILE = "cb_2016_us_state_500k"
SOURCE = ("U.S. Census Bureau, cartographic boundary file of states, 2016, 1:500,000 "
          f"({SOURCE_FILE}), from the plotly-geo 1.0.0 package")
SOURCE_URL = "https://www.census.gov/geographies/mapping-files/time-series/geo/carto-boundary-file.html"
LICENCE = "public domain (a work of the U.S. federal government)"
#: Simplification tolerance in degrees (~1.5 km): outlines for orientation, not for analysis.
TOLERANCE = 0.015
#: Coordinates are stored in 1/SCALE degree (~110 m), each ring as differences.
SCALE = 1000


@cache
def state_outlines() -> dict[str, Any]:
    """The committed outlines: ``source``, ``licence``, ``scale`` and ``states``, a list of
    [USPS, polygons], each polygon a list of rings (the first its outside), each ring
    [lat, lon, lat, lon, ...] in 1/scale degree, as differences from the previous point."""
    return json.loads(OUTLINES_FILE.read_text(encoding="utf-8"))


def _encode_ring(ring: list[list[float]]) -> list[int]:
    """[[lon, lat], ...] (closed) -> flat deltas [dlat, dlon, ...]; the closing point dropped
    (Leaflet closes polygons) and repeated points after rounding skipped."""
    flat: list[int] = []
    previous = (0, 0)
    first = None
    for lon, lat in ring:
        point = (round(lat * SCALE), round(lon * SCALE))
        if point == previous and flat:
            continue
        if first is None:
            first = point
        elif point == first:
            break
        flat += [point[0] - previous[0], point[1] - previous[1]]
        previous = point
    return flat


def build(shapefile_path: Path | None = None) -> dict[str, Any]:
    """Read the Census states file (from plotly-geo unless a path is given), simplify it
    keeping shared borders shared, and encode it."""
    import shapefile  # pyshp
    import topojson

    if shapefile_path is None:
        import _plotly_geo

        shapefile_path = Path(_plotly_geo.__file__).parent / "package_data" / f"{SOURCE_FILE}.shp"
    reader = shapefile.Reader(str(shapefile_path))
    features = [{"type": "Feature", "properties": {"usps": rec["STUSPS"]},
                 "geometry": shape.__geo_interface__}
                for shape, rec in zip(reader.shapes(), reader.records(), strict=True)]
    topology = topojson.Topology({"type": "FeatureCollection", "features": features},
                                 toposimplify=TOLERANCE, prequantize=False)
    simplified = json.loads(topology.to_geojson())
    states = []
    for feature in sorted(simplified["features"], key=lambda f: f["properties"]["usps"]):
        geometry = feature["geometry"]
        polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                    else geometry["coordinates"])
        encoded = []
        for polygon in polygons:
            rings = [_encode_ring(ring) for ring in polygon]
            rings = [r for r in rings if len(r) >= 6]  # a ring of fewer than 3 points is gone
            if rings:
                encoded.append(rings)
        states.append([feature["properties"]["usps"], encoded])
    return {"source": SOURCE, "source_url": SOURCE_URL, "licence": LICENCE,
            "simplified": f"topology-preserving, tolerance {TOLERANCE} degree",
            "scale": SCALE, "states": states}


def main() -> None:
    outlines = build()
    OUTLINES_FILE.write_text(json.dumps(outlines, separators=(",", ":")) + "\n",
                             encoding="utf-8")
    points = sum(len(r) // 2 for _, polygons in outlines["states"] for p in polygons for r in p)
    print(f"{OUTLINES_FILE}: {len(outlines['states'])} states and territories, {points} points, "
          f"{OUTLINES_FILE.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
