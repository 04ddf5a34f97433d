"""Code for America brigades: ``organizations.json`` from codeforamerica/brigade-information.

The file is a JSON list of organizations. Records are uneven: some have a ``location`` object
(full state name, country, continent, coordinates), some only ``city`` as "City, ST"; international
groups and global projects have blank cities or a continent instead; coordinates may be missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pandera.pandas as pa

from geography import country_code, outside_us, subdivision_country, usps_code
from schemas.cfa import CFA_BRIGADES
from schemas.table import pandera_schema
from sources.base import Source, fetch_single, only_page
from sources.errors import ParseError
from sources.keys import unique_keys, url_key
from sources.rejects import Parsed, RecordProblem, Rejection, keep_valid_rows, short
from sources.snapshot import Snapshot
from sources.text import slug

URL = (
    "https://raw.githubusercontent.com/codeforamerica/brigade-information/"
    "master/organizations.json"  # the default branch is master; there is no main
)
_SCHEMA_WITH_POSITION = pandera_schema(CFA_BRIGADES).add_columns(
    {"position": pa.Column(int)})  # the record's place in the file, for quarantine rows
_CONTINENTS = {"africa", "asia", "europe", "global", "north america", "south america",
               "oceania", "australia", "latin america"}


def parse(snapshot: Snapshot) -> Parsed:
    """Snapshot of organizations.json -> one validated row per organization.

    A record that cannot be read (its location a string, its latitude 'abc', no name) is
    quarantined with the field and the problem; the rest of the file is published.
    """
    page = only_page(snapshot)
    try:
        organizations = json.loads(snapshot.body(page))
    except (ValueError, RecursionError) as error:  # bad JSON or UTF-8, or nested too deep
        raise ParseError("cfa", page.url, f"not valid JSON ({error})",
                         "a JSON list of organizations") from error
    if not isinstance(organizations, list):
        raise ParseError("cfa", page.url, f"top level is a {type(organizations).__name__}",
                         "a JSON list of organizations")
    rows, rejected = [], []
    seen: dict[str, int] = {}
    for index, org in enumerate(organizations):
        try:
            row = parse_organization(org)
        except RecordProblem as problem:
            rejected.append(Rejection(
                source="cfa", record_key=_record_key(org, index), position=index,
                field=problem.field, problem=problem.problem, source_url=page.url,
                retrieved_at=page.retrieved_at))
            continue
        key = slug(row["name"])
        seen[key] = seen.get(key, 0) + 1
        row["record_id"] = f"cfa:{key}" if seen[key] == 1 else f"cfa:{key}-{seen[key]}"
        row["source_url"] = page.url
        row["retrieved_at"] = page.retrieved_at
        row["position"] = index
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*CFA_BRIGADES.columns, "position"])
    valid, invalid = keep_valid_rows(frame, _SCHEMA_WITH_POSITION, source="cfa",
                                     key_column="name", position_column="position")
    return Parsed(valid.drop(columns="position").reset_index(drop=True), rejected + invalid)


def _record_key(org: object, index: int) -> str:
    name = org.get("name") if isinstance(org, dict) else None
    return str(name).strip()[:200] if isinstance(name, str) and name.strip() else f"#{index}"


def parse_organization(org: object) -> dict[str, Any]:
    """One organizations.json record -> a row (without provenance), locations normalised.
    Raises RecordProblem naming the field when the record cannot be read."""
    if not isinstance(org, dict):
        raise RecordProblem("record", f"expected an object, got {type(org).__name__} "
                            f"{short(org)}")
    if not isinstance(org.get("name"), str) or not org["name"].strip():
        raise RecordProblem("name", f"expected a non-empty name, got {short(org.get('name'))}")
    for field, expected in (("location", dict), ("social_profiles", dict),
                            ("previous_names", list), ("tags", list)):
        value = org.get(field)
        if value not in (None, "") and not isinstance(value, expected):
            raise RecordProblem(field, f"expected {'an object' if expected is dict else 'a list'}"
                                f", got {type(value).__name__} {short(value)}")
    for field in ("city", "website", "events_url", "projects_list_url", "type"):
        value = org.get(field)
        if value is not None and not isinstance(value, str):
            raise RecordProblem(field, f"expected text, got {type(value).__name__} "
                                f"{short(value)}")
    location = org.get("location") or {}
    if not isinstance(location.get("coordinates") or {}, dict):
        raise RecordProblem("location.coordinates",
                            f"expected an object, got {short(location.get('coordinates'))}")
    for field in ("city", "state", "country", "continent"):
        value = location.get(field)
        if value is not None and not isinstance(value, str):
            raise RecordProblem(f"location.{field}", f"expected text, got "
                                f"{type(value).__name__} {short(value)}")
    tags = _tags(org)
    latitude, longitude = _coordinates(org)
    place = locate(str(org.get("city") or ""), location, latitude, longitude)
    return {
        "name": org["name"].strip(),
        "kind": _kind(tags),
        "website": _url(org.get("website")),
        "events_url": _url(org.get("events_url")),
        "projects_list_url": _url(org.get("projects_list_url")),
        **place,
        "latitude": latitude,
        "longitude": longitude,
        "tags": "; ".join(tags) or None,
        "cfa_type": (org.get("type") or None),
        "previous_names": "; ".join(
            str(n) for n in (org.get("previous_names") or []) if n) or None,
        "social_profiles": "; ".join(
            f"{network}: {value}" for network, value in (org.get("social_profiles") or {}).items()
            if value
        ) or None,
    }


def locate(
    city_text: str,
    location: Mapping[str, Any],
    latitude: float | None = None,
    longitude: float | None = None,
) -> dict[str, str | None]:
    """City, USPS state, ISO country and region from the 'city' text and the 'location' object.

    'Akron, Ohio' and 'Atlantic City, NJ' are US; 'North Carolina' is a statewide group with no
    city; 'Toronto, ON' is Canada; 'Japan' is a country with no city; 'Europe' is a region.
    Brazilian state codes clash with USPS ones: 'Curitiba, PR' is Brazil when the location says
    so, or when its coordinates lie outside the US (PR is not Puerto Rico there).
    """
    head, _, tail = (part.strip() for part in city_text.partition(","))
    tail = re.sub(r"\s*\(.*?\)\s*", " ", tail).strip()  # 'VA (Region)' -> 'VA'
    country = country_code(location.get("country"))
    continent = (location.get("continent") or "").strip()
    state = usps_code(location.get("state")) if country in (None, "US") else None
    if country is None and tail:
        country, state = _place_of(tail, latitude, longitude)
    if country is None and not tail:
        if usps_code(head):
            state, country = usps_code(head), "US"
        else:
            country = country_code(head)
    if country == "US" and state is None:
        state = _first_usps(tail) or usps_code(head)
    city: str | None = head
    if not tail and (usps_code(head) or country_code(head) or head.lower() in _CONTINENTS):
        city = None
    if not city and not city_text.strip():
        city = (location.get("city") or "").strip() or None
    region = None
    if country is None:
        region = continent or (head if head.lower() in _CONTINENTS else None)
    return {"city": city or None, "state": state, "country": country, "region": region or None}


def _place_of(
    tail: str, latitude: float | None, longitude: float | None
) -> tuple[str | None, str | None]:
    """(country, USPS state) from the text after the comma: 'NJ', 'Ohio', 'KS & MO', 'ON',
    'Finland', 'SC - Brazil'."""
    *_, last = (part.strip() for part in tail.split(" - "))
    if " - " in tail and country_code(last):
        return country_code(last), None
    state = _first_usps(tail)
    if state and not outside_us(latitude, longitude):
        return "US", state
    return subdivision_country(tail, latitude, longitude) or country_code(tail), None


def _first_usps(text: str) -> str | None:
    """The first US state in 'KS & MO' or 'Ohio'."""
    for part in re.split(r"\s*(?:&|/|\band\b)\s*", text):
        if usps_code(part):
            return usps_code(part)
    return None


def _kind(tags: list[str]) -> str:
    lowered = {t.lower() for t in tags}
    if "government" in lowered:
        return "government"
    if "project" in lowered:
        return "project"
    if lowered & {"code for all", "fellowship"}:  # national members of the Code for All network
        return "civic_tech_network"
    if "brigade" in lowered:
        return "brigade"
    return "civic_tech_group"


def _tags(org: Mapping[str, Any]) -> list[str]:
    tags = org.get("tags")
    if isinstance(tags, list):
        return [str(t).strip() for t in tags if str(t).strip()]
    return [t.strip() for t in str(org.get("type") or "").split(",") if t.strip()]


def _coordinates(org: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """Latitude and longitude from the record or its location; blank is unknown, text that is
    not a number (or out of range) is a RecordProblem, 0,0 a placeholder."""
    coordinates = (org.get("location") or {}).get("coordinates") or {}
    values = []
    for key, limit in (("latitude", 90), ("longitude", 180)):
        raw = org.get(key)
        if raw in (None, ""):
            raw = coordinates.get(key)
        if raw in (None, ""):
            values.append(None)
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise RecordProblem(key, f"expected a number, got {short(raw)}") from None
        if not -limit <= value <= limit or value != value:
            raise RecordProblem(key, f"{value} is outside -{limit}..{limit}")
        values.append(value)
    if values == [0.0, 0.0]:  # "null island": a placeholder, not a place
        return None, None
    return values[0], values[1]


def _url(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not re.match(r"^https?://", text):
        text = "http://" + text.lstrip("/")
    return text if re.match(r"^https?://\S+$", text) else None


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """Keyed by website, else events_url, else name (``sources.keys``), so a renamed brigade
    keeps its id; its name's slug and previous_names are the crosswalk's fallbacks."""
    names = records["name"].map(slug)
    key = records["website"].map(url_key).fillna(records["events_url"].map(url_key))
    return records.assign(source="cfa", source_key=unique_keys(key.fillna(names), names),
                          key_aliases=names)


SOURCE = Source(
    name="cfa",
    title="Code for America brigades (brigade-information organizations.json)",
    default_url=URL,
    table=CFA_BRIGADES,
    fetch=fetch_single,
    parse=parse,
    to_listings=to_listings,
    min_records=100,
    homepage="https://github.com/codeforamerica/brigade-information",
)
