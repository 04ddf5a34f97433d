"""The offline ZIP / city / county / state index, built from ``zipcodes`` and ``addfips``.

Everything comes from data that ships in those packages: no network, no geocoder. Loading the
~42,800 ``zipcodes`` records costs most of a second, so the built index is cached as JSON under
the user cache directory, keyed by both packages' versions and :data:`BUILD_VERSION` (bump it
whenever the building code changes what it produces). A missing, stale or corrupt cache file is
rebuilt; a read-only home only costs the rebuild. Within a process :func:`get_index` is built
once.

What the index holds and why:

* ZIP -> point, state, county FIPS, city. ZIPs with latitude 0 (unknown position) keep their
  state, county and city but have no point. MILITARY ZIPs (APO/FPO/DPO) and the freely
  associated states (FM, MH, PW) are left out: they are not places in the US.
* (city, state) -> centre (mean of its ZIP points), county (the most common among its ZIPs),
  ZIPs. City names are normalised ("St. Louis" = "Saint Louis", "Ft." = "Fort", accents and
  punctuation dropped). The ZIPs' other accepted city names ("Charlotte Amalie" for St Thomas)
  are kept as aliases, used only when no city has that name in the state.
* county FIPS -> name, state, centre; state -> centre and a bounding box of its ZIP points.
* A grid of ZIP points for nearest-ZIP queries (scipy is not available; a grid is enough).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from geography.distance import haversine_km, haversine_km_array
from geography.states import STATES

#: Bump when the build below changes its output: the disk cache is keyed by it.
BUILD_VERSION = 1
#: Grid cell size in degrees for nearest-ZIP queries (~11 km of latitude).
GRID_DEGREES = 0.1
#: Margin in degrees around a state's ZIP points: ZIP points are centroids, borders lie beyond.
STATE_BOX_MARGIN = 0.5
CACHE_APP_DIR = "civic-intermediaries"

_KM_PER_DEGREE = math.pi * 6371.0088 / 180
_GRID_COLUMNS = round(360 / GRID_DEGREES)
_MAX_RINGS = 10  # 1 degree: beyond it, compare with every point (rare, and exact)

# County names zipcodes spells in ways addfips (2020 vintage) does not know.
_COUNTY_OVERRIDES = {
    ("CHUGACH CENSUS AREA", "AK"): ("02063", "Chugach Census Area"),  # split off in 2019
    ("PRINCE OF WALES OUTER KETCHIKAN BOROUGH", "AK"):
        ("02198", "Prince of Wales-Hyder Census Area"),  # renamed in 2008
}
# Island areas where zipcodes gives no county: the county-equivalent by ZIP city.
_TERRITORY_COUNTIES = {
    ("ST THOMAS", "VI"): "78030", ("ST JOHN", "VI"): "78020", ("CHRISTIANSTED", "VI"): "78010",
    ("FREDERIKSTED", "VI"): "78010", ("KINGSHILL", "VI"): "78010",
    ("PAGO PAGO", "AS"): "60010",
}
# APO / FPO / DPO addresses filed under a state (09xxx under NJ): not places.
_MILITARY_CITIES = frozenset({"APO", "FPO", "DPO"})
_COUNTY_SUFFIX = re.compile(
    r"\s+(COUNTY|PARISH|BOROUGH|CENSUS AREA|MUNICIPALITY|MUNICIPIO|CITY AND BOROUGH|DISTRICT"
    r"|ISLAND|CITY)$"
)


class City(NamedTuple):
    """A city of one state: its display name, centre, most common county and ZIP codes."""

    name: str
    state: str
    latitude: float | None
    longitude: float | None
    county_fips: str | None
    zips: tuple[str, ...]


class County(NamedTuple):
    name: str
    state: str
    latitude: float | None
    longitude: float | None
    zip_count: int


class StateArea(NamedTuple):
    """Centre of a state's ZIP points and its box (south, north, west, east) with a margin."""

    latitude: float
    longitude: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class ZipPoint:
    """A ZIP code's point, with what it tells: state, county, city; distance from a query."""

    zip: str
    latitude: float
    longitude: float
    state: str
    county_fips: str | None
    city: str
    distance_km: float | None = None


def place_key(text: str) -> str:
    """A city or county name as a lookup key: 'St. Louis' and 'Saint Louis' -> 'ST LOUIS',
    'Ft. Lauderdale' -> 'FORT LAUDERDALE', 'Cañon City' -> 'CANON CITY', 'Winston-Salem' ->
    'WINSTON SALEM', "Coeur d'Alene" -> 'COEUR DALENE'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = re.sub(r"['’`.]", "", text)
    text = re.sub(r"[^A-Z0-9&]+", " ", text)
    words = text.split()
    words = ["ST" if w == "SAINT" else "STE" if w == "SAINTE" else w for w in words]
    if words and words[0] in ("FT", "MT"):
        words[0] = "FORT" if words[0] == "FT" else "MOUNT"
    return " ".join(words)


def county_key(name: str) -> str:
    """Key of a county name without its kind and spaces: 'LaSalle Parish' and 'La Salle' ->
    'LASALLE'; 'Baltimore city' -> 'BALTIMORE' (see :func:`County` names for the kind)."""
    return _COUNTY_SUFFIX.sub("", place_key(name)).replace(" ", "")


def _display(name: str) -> str:
    """'Winston-salem' -> 'Winston-Salem': zipcodes lowercases words after a hyphen."""
    return "-".join(part[:1].upper() + part[1:] for part in name.strip().split("-"))


def _mean_point(points: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    if not points:
        return None, None
    return (round(sum(p[0] for p in points) / len(points), 5),
            round(sum(p[1] for p in points) / len(points), 5))


# ----------------------------------------------------------------------------- build


def _addfips_counties() -> tuple[dict[str, str], dict[tuple[str, str], list[str]]]:
    """addfips' county list: FIPS -> official name, and (full or bare key, state) -> FIPS."""
    from addfips import addfips as module

    fips_to_state = {fips: usps for usps, (fips, _) in STATES.items()}
    path = module.AddFIPS.data.joinpath(module.COUNTY_FILES[max(module.COUNTY_FILES)])
    names: dict[str, str] = {}
    keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    with path.open("rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            usps = fips_to_state.get(row["statefp"])
            if usps is None:
                continue
            fips = row["statefp"] + row["countyfp"]
            names.setdefault(fips, row["name"])
            for key in {place_key(row["name"]).replace(" ", ""), county_key(row["name"])}:
                if fips not in keys[(key, usps)]:
                    keys[(key, usps)].append(fips)
    for (key, usps), (fips, name) in _COUNTY_OVERRIDES.items():
        names[fips] = name
        keys[(key.replace(" ", ""), usps)] = [fips]
    return names, dict(keys)


class _CountyResolver:
    """zipcodes' county name + state -> county FIPS, through addfips first, then through the
    same addfips list compared without spaces and punctuation ('LaSalle' / 'La Salle', 'St
    Louis' / 'St. Louis', 'Municipality of Anchorage' / 'Anchorage Municipality')."""

    def __init__(self) -> None:
        from addfips import AddFIPS

        self._addfips = AddFIPS()
        self.names, self._keys = _addfips_counties()
        self._single = Counter(fips[:2] for fips in self.names)

    def resolve(self, county: str, state: str, city: str) -> str | None:
        if not county:
            return self._without_county(state, city)
        found = self._addfips.get_county_fips(county, state=state)
        if found:
            return found
        variants = [county, re.sub(r"^(.*?) of (.*)$", r"\2 \1", county)]
        for variant in variants:
            full = place_key(variant)
            override = _COUNTY_OVERRIDES.get((full.replace("-", " "), state))
            if override:
                return override[0]
            for key in (full.replace(" ", ""), county_key(variant)):
                matches = self._keys.get((key, state), [])
                if len(matches) == 1:
                    return matches[0]
        return None

    def _without_county(self, state: str, city: str) -> str | None:
        """DC and Guam are one county each; Puerto Rico's municipios and the Northern Mariana
        Islands' municipalities are named for their towns; the rest of the island areas come
        from a small table."""
        state_fips = STATES[state][0]
        if self._single[state_fips] == 1:
            return next(f for f in self.names if f[:2] == state_fips)
        if state in ("PR", "MP"):
            matches = self._keys.get((county_key(city), state), [])
            if len(matches) == 1:
                return matches[0]
        return _TERRITORY_COUNTIES.get((place_key(city), state))


def _point(record: dict[str, Any]) -> tuple[float | None, float | None]:
    try:
        lat, lon = float(record["lat"] or 0), float(record["long"] or 0)
    except (TypeError, ValueError):
        return None, None
    if lat == 0:
        return None, None  # zipcodes writes 0 for an unknown position
    return lat, lon


def build_raw() -> dict[str, Any]:
    """Build the index tables from zipcodes + addfips (JSON-ready; what the disk cache holds)."""
    import zipcodes

    resolver = _CountyResolver()
    rows: list[dict[str, Any]] = []
    for record in zipcodes.list_all():
        state = record["state"]
        if (state not in STATES or record["zip_code_type"] == "MILITARY"
                or record["city"].strip().upper() in _MILITARY_CITIES):
            continue
        lat, lon = _point(record)
        city = _display(record["city"])
        rows.append({
            "zip": record["zip_code"], "lat": lat, "lon": lon, "state": state,
            "county": resolver.resolve(record["county"].strip(), state, city),
            "county_name": record["county"].strip(), "city": city,
            "aliases": [_display(a) for a in record.get("acceptable_cities") or []],
        })

    by_city: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_city[(place_key(row["city"]), row["state"])].append(row)
    cities = []
    for number, (key, members) in enumerate(by_city.items()):
        cities.append(_city_entry(key, members)[:6])
        for row in members:
            row["city_id"] = number
            if row["county"] is None:  # a ZIP with no county takes its city's
                row["county"] = cities[-1][5]

    by_alias: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        for alias in row["aliases"]:
            key = (place_key(alias), row["state"])
            if key not in by_city:
                by_alias[key].append({**row, "city": alias})
    aliases = [_city_entry(key, members) for key, members in by_alias.items()]

    by_county: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["county"]:
            by_county[row["county"]].append(row)
    counties = []
    for fips, members in sorted(by_county.items()):
        lat, lon = _mean_point([(r["lat"], r["lon"]) for r in members if r["lat"] is not None])
        name = resolver.names.get(fips) or Counter(
            r["county_name"] for r in members if r["county_name"]).most_common(1)[0][0]
        keys = sorted({place_key(name).replace(" ", ""), county_key(name)})
        counties.append([fips, name, members[0]["state"], lat, lon, len(members), keys])

    by_state: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        if row["lat"] is not None:
            by_state[row["state"]].append((row["lat"], row["lon"]))
    states = []
    for usps, points in sorted(by_state.items()):
        lat, lon = _mean_point(points)
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        m = STATE_BOX_MARGIN
        states.append([usps, lat, lon, round(min(lats) - m, 4), round(max(lats) + m, 4),
                       round(min(lons) - m, 4), round(max(lons) + m, 4)])

    columns = ("zip", "lat", "lon", "state", "county", "city_id")
    return {
        "zips": {c: [row[c] for row in rows] for c in columns},
        "cities": cities,
        "aliases": aliases,
        "counties": counties,
        "states": states,
    }


def _city_entry(key: tuple[str, str], members: list[dict[str, Any]]) -> list[Any]:
    lat, lon = _mean_point([(r["lat"], r["lon"]) for r in members if r["lat"] is not None])
    counties = Counter(r["county"] for r in members if r["county"])
    name = Counter(r["city"] for r in members).most_common(1)[0][0]
    return [key[0], key[1], name, lat, lon,
            counties.most_common(1)[0][0] if counties else None,
            sorted(r["zip"] for r in members)]


# ----------------------------------------------------------------------------- cache


def cache_dir() -> Path:
    """Where the built index is cached: ``$XDG_CACHE_HOME`` or ``~/.cache``, then
    ``civic-intermediaries``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / CACHE_APP_DIR


def cache_key() -> dict[str, Any]:
    """What a cached index depends on: the data packages' versions and the building code's."""
    return {"build": BUILD_VERSION, "zipcodes": version("zipcodes"),
            "addfips": version("addfips")}


def cache_path(directory: Path | None = None) -> Path:
    key = cache_key()
    name = (f"geography-index-b{key['build']}-zipcodes{key['zipcodes']}"
            f"-addfips{key['addfips']}.json")
    return (directory if directory is not None else cache_dir()) / name


def _read_cache(path: Path) -> GeoIndex | None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("key") != cache_key():
            return None
        return GeoIndex(payload["data"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # missing, unreadable, stale or corrupt: rebuild


def _write_cache(path: Path, raw: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": cache_key(), "data": raw}, separators=(",", ":")),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the rebuild next time


def load_index(directory: Path | None = None, use_cache: bool = True) -> GeoIndex:
    """Read the index from the disk cache in ``directory`` (default :func:`cache_dir`), or
    build it and write the cache. Not memoised: use :func:`get_index`."""
    try:
        path = cache_path(directory) if use_cache else None
    except (OSError, RuntimeError):  # no home directory
        path = None
    if path is not None:
        cached = _read_cache(path)
        if cached is not None:
            return cached
    raw = build_raw()
    if path is not None:
        _write_cache(path, raw)
    return GeoIndex(raw)


@lru_cache(maxsize=1)
def get_index() -> GeoIndex:
    """The process-wide index (built or read from the disk cache once)."""
    return load_index()


# ----------------------------------------------------------------------------- the index


class GeoIndex:
    """Lookups over the built tables. Create with :func:`get_index`.

    Loading must stay cheap (it runs once per process, from the disk cache), so the
    structures a caller may not need are built on first use."""

    def __init__(self, raw: dict[str, Any]) -> None:
        zips = raw["zips"]
        self.zip_codes: list[str] = zips["zip"]
        self.zip_state: list[str] = zips["state"]
        self.zip_county: list[str | None] = zips["county"]
        self._zip_city_id: list[int] = zips["city_id"]
        self.zip_lat = np.array(zips["lat"], dtype=float)  # JSON null -> NaN
        self.zip_lon = np.array(zips["lon"], dtype=float)
        if not (len(self.zip_codes) == len(self.zip_state) == len(self.zip_lat)
                == len(self.zip_lon) == len(self.zip_county) == len(self._zip_city_id)):
            raise ValueError("ZIP columns differ in length")
        self._city_rows: list[list[Any]] = raw["cities"]
        self._city_number = {(r[0], r[1]): n for n, r in enumerate(self._city_rows)}
        self._alias_rows = {(r[0], r[1]): r for r in raw["aliases"]}
        self.counties: dict[str, County] = {
            fips: County(name, usps, lat, lon, count)
            for fips, name, usps, lat, lon, count, _ in raw["counties"]
        }
        self._county_rows = raw["counties"]
        self.states: dict[str, StateArea] = {
            usps: StateArea(lat, lon, (south, north, west, east))
            for usps, lat, lon, south, north, west, east in raw["states"]
        }
        if not self.states or not self._city_rows or len(self._city_rows[0]) != 6 or any(
                len(r) != 7 for r in raw["aliases"][:1] + raw["counties"][:1]):
            raise ValueError("empty or misshapen index tables")

    # --- built on first use

    @cached_property
    def zip_row(self) -> dict[str, int]:
        return {z: i for i, z in enumerate(self.zip_codes)}

    @cached_property
    def _city_zips(self) -> list[tuple[str, ...]]:
        ids = np.asarray(self._zip_city_id)
        order = np.argsort(ids, kind="stable")
        bounds = np.searchsorted(ids[order], np.arange(len(self._city_rows) + 1))
        codes = [self.zip_codes[i] for i in order.tolist()]
        return [tuple(codes[a:b]) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                                    strict=True)]

    @cached_property
    def cities_by_name(self) -> dict[str, list[City]]:
        """Normalised name -> the cities of that name in every state ('SPRINGFIELD' -> 30+)."""
        found: dict[str, list[City]] = defaultdict(list)
        for number, row in enumerate(self._city_rows):
            found[row[0]].append(self._city(number))
        return dict(found)

    @cached_property
    def county_keys(self) -> dict[tuple[str, str], list[str]]:
        keys: dict[tuple[str, str], list[str]] = defaultdict(list)
        for fips, _, usps, _, _, _, names in self._county_rows:
            for key in names:
                keys[(key, usps)].append(fips)
        return dict(keys)

    @cached_property
    def _grid(
        self,
    ) -> tuple[dict[tuple[int, int], tuple[int, int]], list[tuple[float, float, float, int]]]:
        """(cell -> (start, end), the ZIP points (lat, lon, cos(lat) / 2, row) sorted by
        cell)."""
        rows = np.flatnonzero(~np.isnan(self.zip_lat))
        lat, lon = self.zip_lat[rows], self.zip_lon[rows]
        i = np.floor(lat / GRID_DEGREES).astype(np.int64)
        j = np.floor(lon / GRID_DEGREES).astype(np.int64)
        half = _GRID_COLUMNS // 2
        j = (j + half) % _GRID_COLUMNS - half
        order = np.lexsort((j, i))
        i, j, rows = i[order], j[order], rows[order]
        lat, lon = self.zip_lat[rows], self.zip_lon[rows]
        points = list(zip(lat.tolist(), lon.tolist(), (np.cos(np.radians(lat)) / 2).tolist(),
                          rows.tolist(), strict=True))
        change = np.flatnonzero((np.diff(i) != 0) | (np.diff(j) != 0)) + 1
        starts = np.concatenate(([0], change)).tolist()
        ends = np.concatenate((change, [len(rows)])).tolist()
        cells = {
            (a, b): (s, e)
            for a, b, s, e in zip(i[starts].tolist(), j[starts].tolist(), starts, ends,
                                  strict=True)
        }
        return cells, points

    # --- lookups

    def _city(self, number: int) -> City:
        key, usps, name, lat, lon, county = self._city_rows[number][:6]
        return City(name, usps, lat, lon, county, self._city_zips[number])

    def city(self, name: str, state: str) -> City | None:
        """The city of that (normalised) name in the state, or an alias of ZIPs there."""
        key = (place_key(name), state)
        number = self._city_number.get(key)
        if number is not None:
            return self._city(number)
        alias = self._alias_rows.get(key)
        if alias is None:
            return None
        _, usps, shown, lat, lon, county, members = alias
        return City(shown, usps, lat, lon, county, tuple(members))

    def city_names(self, state: str | None = None) -> list[str]:
        """Display names of the cities (of one state), for suggestions."""
        return [r[2] for r in self._city_rows if state is None or r[1] == state]

    def zip_city(self, row: int) -> str:
        return self._city_rows[self._zip_city_id[row]][2]

    def county(self, name: str, state: str) -> str | None:
        """County FIPS of 'Montgomery County' / 'Montgomery' / 'Orleans Parish' in a state.

        A bare name shared by a county and an independent city ('Baltimore', 'Richmond')
        gives the county; 'Baltimore city' gives the city."""
        full = place_key(name).replace(" ", "")
        matches = self.county_keys.get((full, state))
        if not matches:
            matches = self.county_keys.get((county_key(name), state), [])
        if len(matches) > 1:
            not_city = [f for f in matches if not self.counties[f].name.lower().endswith("city")]
            matches = not_city or matches
        return matches[0] if matches else None

    def zip_point(self, row: int) -> ZipPoint | None:
        if math.isnan(self.zip_lat[row]):
            return None
        return ZipPoint(self.zip_codes[row], float(self.zip_lat[row]), float(self.zip_lon[row]),
                        self.zip_state[row], self.zip_county[row], self.zip_city(row))

    # --- nearest ZIP

    def nearest_row(
        self, latitude: float, longitude: float, max_km: float | None = None,
        state: str | None = None,
    ) -> tuple[int, float] | None:
        """(row, km) of the ZIP point nearest to a point (optionally only ZIPs of one state),
        or None when none lies within ``max_km``.

        Searches grid rings outward from the point's cell and stops once no unseen cell can
        hold anything closer; ranks by a flat-earth distance at the pair's mean latitude
        (exact enough within the ring limit) and reports the haversine distance of the
        winner. Farther than the ring limit (mid-ocean), every point is compared exactly."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        c = GRID_DEGREES
        i0, j0 = math.floor(latitude / c), math.floor(longitude / c)
        half_cos = math.cos(math.radians(latitude)) / 2
        best_row, best_d2 = -1, math.inf
        (grid, points), states = self._grid, self.zip_state
        limit = None if max_km is None else max_km / _KM_PER_DEGREE
        for k in range(0, _MAX_RINGS + 1):
            for cell in _ring(i0, j0, k):
                span = grid.get(cell)
                if span is None:
                    continue
                for lat, lon, point_half_cos, row in points[span[0]:span[1]]:
                    if state is not None and states[row] != state:
                        continue
                    dlon = ((lon - longitude + 180) % 360 - 180) * (half_cos + point_half_cos)
                    d2 = (lat - latitude) ** 2 + dlon * dlon
                    if d2 < best_d2:
                        best_row, best_d2 = row, d2
            south, north = (i0 - k) * c, (i0 + k + 1) * c
            cos_edge = math.cos(math.radians(min(89.9, max(abs(south), abs(north)))))
            bound = min(latitude - south, north - latitude,
                        (longitude - (j0 - k) * c) * cos_edge,
                        ((j0 + k + 1) * c - longitude) * cos_edge)
            if best_d2 <= bound * bound:
                break
            if limit is not None and bound > limit:
                break
        else:
            return self._nearest_brute(latitude, longitude, max_km, state)
        if best_row < 0:
            return None
        km = haversine_km(latitude, longitude, float(self.zip_lat[best_row]),
                          float(self.zip_lon[best_row]))
        if max_km is not None and km > max_km:
            return None
        return best_row, km

    def _nearest_brute(
        self, latitude: float, longitude: float, max_km: float | None, state: str | None
    ) -> tuple[int, float] | None:
        """Far from every ZIP (mid-ocean): compare with all of them at once."""
        km = haversine_km_array(latitude, longitude, self.zip_lat, self.zip_lon)
        if state is not None:
            km = np.where(np.array(self.zip_state) == state, km, np.nan)
        if np.all(np.isnan(km)):
            return None
        row = int(np.nanargmin(km))
        if max_km is not None and km[row] > max_km:
            return None
        return row, float(km[row])

    def in_state_box(self, state: str, latitude: float, longitude: float) -> bool:
        """Whether a point lies in the box of the state's ZIP points (with a margin)."""
        area = self.states.get(state)
        if area is None:
            return False
        return _in_box(area.box, latitude, longitude) or any(
            _in_box(box, latitude, longitude) for box in _STATE_BOX_EXTENSIONS.get(state, ())
        )

    def in_us_box(self, latitude: float, longitude: float) -> bool:
        return any(self.in_state_box(s, latitude, longitude) for s in self.states)


# Alaska's Near Islands (Attu, Shemya) lie west of the antimeridian and have no ZIP point.
_STATE_BOX_EXTENSIONS: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    "AK": ((51.0, 53.5, 172.0, 180.0), (51.0, 53.5, -180.0, -177.0)),
}


def _in_box(box: tuple[float, float, float, float], latitude: float, longitude: float) -> bool:
    south, north, west, east = box
    return south <= latitude <= north and west <= longitude <= east


def _wrap_column(j: int) -> int:
    half = _GRID_COLUMNS // 2
    return (j + half) % _GRID_COLUMNS - half


def _ring(i0: int, j0: int, k: int) -> Iterable[tuple[int, int]]:
    """The cells at Chebyshev distance k from (i0, j0), longitude wrapped at ±180."""
    if k == 0:
        yield i0, _wrap_column(j0)
        return
    for j in range(j0 - k, j0 + k + 1):
        yield i0 - k, _wrap_column(j)
        yield i0 + k, _wrap_column(j)
    for i in range(i0 - k + 1, i0 + k):
        yield i, _wrap_column(j0 - k)
        yield i, _wrap_column(j0 + k)


def nearest_zip_point(
    latitude: float, longitude: float, max_km: float | None = None, state: str | None = None
) -> ZipPoint | None:
    """The ZIP point nearest to a point, with its distance; None beyond ``max_km`` km.

    ``state`` limits the search to one state's ZIPs (a listing that says Kansas, near the
    Missouri line, takes its county from a Kansas ZIP)."""
    index = get_index()
    found = index.nearest_row(latitude, longitude, max_km, state)
    if found is None:
        return None
    row, km = found
    point = index.zip_point(row)
    assert point is not None
    return ZipPoint(point.zip, point.latitude, point.longitude, point.state, point.county_fips,
                    point.city, round(km, 3))
