"""The ZIP index: nearest points, distances, names, and its disk cache."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

from geography import haversine_km, haversine_km_array, nearest_zip_point
from geography import index as geo_index
from geography.index import GeoIndex, place_key


def test_haversine() -> None:
    assert haversine_km(39.7589, -84.1916, 39.9612, -82.9988) == pytest.approx(104.4, abs=1)
    assert haversine_km(10, 20, 10, 20) == 0
    km = haversine_km_array([39.7589, np.nan], [-84.1916, 0], 39.9612, -82.9988)
    assert km[0] == pytest.approx(haversine_km(39.7589, -84.1916, 39.9612, -82.9988))
    assert np.isnan(km[1])


def test_nearest_zip_point(index: GeoIndex) -> None:
    point = nearest_zip_point(39.7563, -84.1895)
    assert point is not None and point.zip == "45402" and point.distance_km == 0
    assert point.county_fips == "39113" and point.city == "Dayton"
    assert nearest_zip_point(35.0, -40.0, max_km=25) is None  # mid-Atlantic
    assert nearest_zip_point(35.0, -40.0) is not None
    kansas = nearest_zip_point(39.1030, -94.5831, max_km=25, state="KS")
    assert kansas is not None and kansas.state == "KS"


def test_nearest_matches_brute_force(index: GeoIndex) -> None:
    rng = random.Random(7)
    for _ in range(300):
        lat, lon = rng.uniform(18, 65), rng.uniform(-160, -65)
        found = index.nearest_row(lat, lon)
        brute = index._nearest_brute(lat, lon, None, None)
        assert found is not None and brute is not None
        assert found[1] == pytest.approx(brute[1], rel=1e-3, abs=0.01)


def test_normalize_name() -> None:
    assert place_key("St. Louis") == place_key("Saint Louis") == "ST LOUIS"
    assert place_key("Ft. Lauderdale") == "FORT LAUDERDALE"
    assert place_key("Hagåtña") == "HAGATNA"
    assert place_key("Coeur d'Alene") == "COEUR DALENE"
    assert place_key("Winston-Salem") == "WINSTON SALEM"


def test_county_fips_from_zipcodes_names(index: GeoIndex) -> None:
    assert index.county("Montgomery County", "OH") == "39113"
    assert index.county("St Louis County", "MO") == "29189"  # zipcodes writes 'St', no dot
    assert index.county("LaSalle Parish", "LA") == index.county("La Salle Parish", "LA")
    assert index.county("Municipality of Anchorage", "AK") is None  # not a lookup form
    assert index.zip_county[index.zip_row["99501"]] == "02020"  # zipcodes: that odd form
    assert index.zip_county[index.zip_row["20001"]] == "11001"  # DC: no county in zipcodes


# --- the disk cache, with a tiny stand-in for the real build

_TINY = {
    "zips": {"zip": ["45402"], "lat": [39.7563], "lon": [-84.1895], "state": ["OH"],
             "county": ["39113"], "city_id": [0]},
    "cities": [["DAYTON", "OH", "Dayton", 39.7563, -84.1895, "39113"]],
    "aliases": [],
    "counties": [["39113", "Montgomery County", "OH", 39.7563, -84.1895, 1,
                  ["MONTGOMERY", "MONTGOMERYCOUNTY"]]],
    "states": [["OH", 40.38, -82.75, 38.0, 42.5, -85.3, -80.0]],
}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def build() -> dict:
        calls.append(1)
        return json.loads(json.dumps(_TINY))

    monkeypatch.setattr(geo_index, "build_raw", build)
    return calls


def test_second_build_reads_the_disk_cache(tmp_path: Path, builds: list[int]) -> None:
    first = geo_index.load_index(tmp_path)
    second = geo_index.load_index(tmp_path)
    assert len(builds) == 1
    assert second.city("Dayton", "OH") == first.city("Dayton", "OH")
    cached = json.loads(geo_index.cache_path(tmp_path).read_text(encoding="utf-8"))
    assert set(cached["key"]) == {"build", "zipcodes", "addfips"}


def test_cache_key_includes_versions(tmp_path: Path, builds: list[int],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    geo_index.load_index(tmp_path)
    name = geo_index.cache_path(tmp_path).name
    assert "zipcodes3.0.0" in name and "addfips0.4.2" in name
    monkeypatch.setattr(geo_index, "BUILD_VERSION", geo_index.BUILD_VERSION + 1)
    geo_index.load_index(tmp_path)
    assert len(builds) == 2
    monkeypatch.setattr(geo_index, "version", lambda package: "99")
    geo_index.load_index(tmp_path)
    assert len(builds) == 3


@pytest.mark.parametrize("garbage", ["{not json", '{"key": 1}', "[]", ""])
def test_corrupt_cache_is_rebuilt(tmp_path: Path, builds: list[int], garbage: str) -> None:
    path = geo_index.cache_path(tmp_path)
    path.write_text(garbage, encoding="utf-8")
    assert geo_index.load_index(tmp_path).city("Dayton", "OH") is not None
    assert len(builds) == 1
    assert json.loads(path.read_text(encoding="utf-8"))["key"] == geo_index.cache_key()


def test_truncated_cache_tables_are_rebuilt(tmp_path: Path, builds: list[int]) -> None:
    geo_index.load_index(tmp_path)
    path = geo_index.cache_path(tmp_path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["data"]["zips"]["lat"] = []
    path.write_text(json.dumps(payload), encoding="utf-8")
    geo_index.load_index(tmp_path)
    assert len(builds) == 2


def test_unwritable_cache_dir_only_costs_a_rebuild(tmp_path: Path, builds: list[int]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert geo_index.load_index(blocker / "cache").city("Dayton", "OH") is not None
    assert geo_index.load_index(blocker / "cache") is not None
    assert len(builds) == 2


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert geo_index.cache_dir() == tmp_path / "civic-intermediaries"
