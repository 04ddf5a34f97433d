"""Place names to codes: US states and territories to USPS codes, countries to ISO alpha-2."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import pycountry
import us
import zipcodes

_US_NAMES = {"us", "usa", "u.s.", "u.s.a.", "united states", "united states of america"}
_ALIASES = {"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "great britain": "GB"}


@lru_cache(maxsize=1)
def _state_names() -> dict[str, str]:
    """Exact names, USPS codes and FIPS codes of states and territories -> USPS code."""
    names: dict[str, str] = {}
    for state in [*us.states.STATES_AND_TERRITORIES, us.states.DC]:
        for key in (state.name, state.abbr, state.fips):
            names[key.lower()] = state.abbr
    names.update({"washington dc": "DC", "washington d.c.": "DC", "d.c.": "DC"})
    return names


@lru_cache(maxsize=2048)
def usps_code(text: str | None) -> str | None:
    """'New York', 'ny', 'Puerto Rico', '72' -> 'NY', 'NY', 'PR', 'PR'; anything else -> None.

    Exact names, codes and FIPS only: ``us.states.lookup`` matches by sound, which turns
    'Taxes' into Texas."""
    if not text or not text.strip():
        return None
    return _state_names().get(" ".join(text.split()).lower())


@lru_cache(maxsize=2048)
def country_code(text: str | None) -> str | None:
    """'USA', 'Canada', 'Brazil', 'BR' -> 'US', 'CA', 'BR'; unknown -> None."""
    if not text or not text.strip():
        return None
    cleaned = text.strip()
    if cleaned.lower() in _US_NAMES:
        return "US"
    if cleaned.lower() in _ALIASES:
        return _ALIASES[cleaned.lower()]
    try:
        return pycountry.countries.lookup(cleaned).alpha_2
    except LookupError:
        return None


def _city_key(city: str, state: str) -> tuple[str, str]:
    text = city.upper().replace("SAINT ", "ST ").replace("ST. ", "ST ").replace(".", "")
    return " ".join(text.split()), state.upper()


@lru_cache(maxsize=1)
def _city_centroids() -> dict[tuple[str, str], tuple[float, float]]:
    """(CITY, ST) -> mean position of the city's ZIP codes, from the offline ``zipcodes`` data
    (ZIPs with latitude 0 have no known position and are left out). Building it means loading
    ~42,800 ZIP records (about 0.6 s), so the result is cached per zipcodes version."""
    cache = _cache_dir() / f"city-centroids-zipcodes-{version('zipcodes')}.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        return {tuple(key.split("|")): tuple(value) for key, value in cached.items()}
    except (OSError, ValueError):
        pass
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for zip_code in zipcodes.list_all():
        lat, lon = float(zip_code["lat"] or 0), float(zip_code["long"] or 0)
        if lat == 0 or zip_code["zip_code_type"] == "MILITARY":
            continue
        points.setdefault(_city_key(zip_code["city"], zip_code["state"]), []).append((lat, lon))
    centroids = {key: _mean(pts) for key, pts in points.items()}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"|".join(k): v for k, v in centroids.items()}),
                       encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return centroids


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "civic-intermediaries"


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (round(sum(p[0] for p in points) / len(points), 4),
            round(sum(p[1] for p in points) / len(points), 4))


def city_centroid(city: str | None, state: str | None) -> tuple[float, float] | None:
    """Approximate coordinates of a US city ('Baltimore', 'MD'), or None when unknown."""
    if not city or not state:
        return None
    return _city_centroids().get(_city_key(city, state))
