"""Meetup group search (needs a Meetup Pro OAuth token): civic-tech groups around US metros.

For each metro and keyword, GraphQL ``groupSearch`` at https://api.meetup.com/gql-ext, following
``pageInfo { hasNextPage endCursor }``. Search is fuzzy, so a group is kept only when a keyword is
in its name or description, and ``match_reason`` says which.

No token, a rejected token (401/403) or a used-up rate limit or quota is not a crash: ``search``
returns the reason and the Source's fetch plan raises ``SourceSkipped`` with it. The token is
only ever an Authorization header; response bodies are scrubbed before they are archived and
every error message is redacted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd
from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import NoDecode

from geography import country_code, usps_code
from schemas.meetup import MEETUP_SEARCH_GROUPS
from schemas.table import pandera_schema
from sources.base import Recorder, Source, SourceSettings, bound
from sources.credentials import bearer, redact, redact_bytes, secret
from sources.errors import FetchError, ParseError, SourceSkipped
from sources.http import PoliteClient
from sources.meetup import group_page
from sources.snapshot import Snapshot, SnapshotWriter

URL = "https://api.meetup.com/gql-ext"
TOKEN_VARIABLE = "INTERMEDIARIES_MEETUP_TOKEN"
KEYWORDS_VARIABLE = "INTERMEDIARIES_MEETUP_KEYWORDS"
_URLNAME = re.compile(r"[a-z0-9_-]+")  # a Meetup group's URL name (lowercased)
METROS_VARIABLE = "INTERMEDIARIES_MEETUP_METROS"
DEFAULT_KEYWORDS = ("civic tech", "civic data", "open data", "code for", "data for good", "GIS")

NO_TOKEN = (f"{TOKEN_VARIABLE} is not set, so Meetup group search was skipped; set it to a "
            "Meetup Pro OAuth access token to search for groups (the public group calendars are "
            "read without one)")
TOKEN_REJECTED = ("Meetup rejected the token in {variable} (HTTP {status}): it is invalid or "
                  "expired; renew the OAuth token to search for groups")
RATE_LIMITED = ("Meetup's rate limit or quota is used up ({detail}); group search was skipped "
                "this run, try again later")

QUERY = """
query ($filter: GroupSearchFilter!, $first: Int, $after: String) {
  groupSearch(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id name urlname description city state country lat lon
        stats { memberCounts { all } }
      }
    }
  }
}
"""
_RATE_CODES = frozenset({"RATE_LIMITED", "RATE_LIMIT_EXCEEDED", "QUOTA_EXCEEDED",
                         "TOO_MANY_REQUESTS"})
_AUTH_CODES = frozenset({"UNAUTHENTICATED", "UNAUTHORIZED", "FORBIDDEN", "INVALID_TOKEN"})


@dataclass(frozen=True)
class Metro:
    name: str
    lat: float
    lon: float


DEFAULT_METROS = tuple(Metro(*m) for m in (
    ("New York", 40.7128, -74.0060), ("Los Angeles", 34.0522, -118.2437),
    ("Chicago", 41.8781, -87.6298), ("Houston", 29.7604, -95.3698),
    ("Phoenix", 33.4484, -112.0740), ("Philadelphia", 39.9526, -75.1652),
    ("San Antonio", 29.4241, -98.4936), ("San Diego", 32.7157, -117.1611),
    ("Dallas", 32.7767, -96.7970), ("San Francisco", 37.7749, -122.4194),
    ("Seattle", 47.6062, -122.3321), ("Washington", 38.9072, -77.0369),
    ("Boston", 42.3601, -71.0589), ("Atlanta", 33.7490, -84.3880),
    ("Miami", 25.7617, -80.1918), ("Denver", 39.7392, -104.9903),
    ("Minneapolis", 44.9778, -93.2650), ("Detroit", 42.3314, -83.0458),
    ("Portland", 45.5152, -122.6784), ("Austin", 30.2672, -97.7431),
    ("Kansas City", 39.0997, -94.5786), ("St. Louis", 38.6270, -90.1994),
    ("Pittsburgh", 40.4406, -79.9959), ("Baltimore", 39.2904, -76.6122),
    ("Charlotte", 35.2271, -80.8431), ("Raleigh", 35.7796, -78.6382),
    ("Nashville", 36.1627, -86.7816), ("New Orleans", 29.9511, -90.0715),
    ("Salt Lake City", 40.7608, -111.8910), ("Albuquerque", 35.0844, -106.6504),
    ("Cleveland", 41.4993, -81.6944), ("Columbus", 39.9612, -82.9988),
    ("Milwaukee", 43.0389, -87.9065), ("Indianapolis", 39.7684, -86.1581),
    ("Sacramento", 38.5816, -121.4944), ("Las Vegas", 36.1699, -115.1398),
    ("Anchorage", 61.2181, -149.9003), ("Honolulu", 21.3069, -157.8583),
    ("San Juan", 18.4655, -66.1057),
))


def parse_metros(text: str) -> tuple[Metro, ...]:
    """'Denver=39.74,-104.99; Austin=30.27,-97.74' -> metros. ValueError names a bad entry."""
    metros = []
    for entry in filter(None, (e.strip() for e in text.split(";"))):
        name, _, point = entry.partition("=")
        try:
            lat, lon = (float(v) for v in point.split(","))
        except ValueError:
            raise ValueError(f"metro {entry!r} is not 'Name=latitude,longitude'") from None
        metros.append(Metro(name.strip(), lat, lon))
    return tuple(metros)


def _keywords_setting(value: object) -> object:
    """Comma-separated keywords; none at all means the defaults."""
    if not isinstance(value, str):
        return value
    return tuple(k.strip() for k in value.split(",") if k.strip()) or DEFAULT_KEYWORDS


def _metros_setting(value: object) -> object:
    """'Name=latitude,longitude; ...'; none at all means the defaults."""
    if not isinstance(value, str):
        return value
    try:
        return parse_metros(value) or DEFAULT_METROS
    except ValueError as error:
        raise ValueError("expected 'Name=latitude,longitude' entries separated by ';' "
                         f"({error})") from None


class SearchSettings(SourceSettings):
    """The token, what to search for and where. Each metro x keyword is one search of up to
    max_pages (the last three are fixed here, not settings)."""

    token: SecretStr | None = Field(None, validation_alias=TOKEN_VARIABLE,
                                    description="Meetup Pro OAuth token (never shown).")
    keywords: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_keywords_setting)] = Field(
        DEFAULT_KEYWORDS, validation_alias=KEYWORDS_VARIABLE,
        description="Comma-separated search keywords.")
    metros: Annotated[tuple[Metro, ...], NoDecode, BeforeValidator(_metros_setting)] = Field(
        DEFAULT_METROS, validation_alias=METROS_VARIABLE,
        description="Where to search: 'Name=latitude,longitude; ...'.")
    radius_miles: int = 50
    page_size: int = 50
    max_pages: int = 20


# --- fetch -----------------------------------------------------------------------------------


def fetch(recorder: Recorder, url: str, upstream: Mapping[str, pd.DataFrame],
          settings: SearchSettings) -> None:
    """The Source's fetch plan: search, or raise SourceSkipped with the reason."""
    reason = search(recorder.client, recorder.writer, url, secret(settings.token), settings,
                    recorder.progress)
    if reason:
        raise SourceSkipped("meetup_search", url, reason, "a valid Meetup Pro OAuth token")


def search(
    client: PoliteClient, writer: SnapshotWriter, url: str, token: str | None,
    settings: SearchSettings, progress: Callable[[str], None] = lambda message: None,
) -> str | None:
    """Run every metro x keyword search and archive each result page (scrubbed of the token).

    Returns None when done, or why the search was skipped. Other failures raise FetchError,
    with the token redacted."""
    if not token:
        return NO_TOKEN
    for metro in settings.metros:
        for keyword in settings.keywords:
            cursor = None
            for number in range(1, settings.max_pages + 1):
                label = page_label(url, keyword, metro.name, number)
                variables = {
                    "filter": {"query": keyword, "lat": metro.lat, "lon": metro.lon,
                               "radius": settings.radius_miles},
                    "first": settings.page_size, "after": cursor,
                }
                try:
                    answer = client.post_json(url, {"query": QUERY, "variables": variables},
                                              bearer(token), "a groupSearch result page")
                except FetchError as error:
                    problem = redact(error.problem, [token])
                    writer.fail(label, problem)
                    raise FetchError("meetup_search", label, problem, error.expected) from None
                body = redact_bytes(answer.body, [token])
                outcome = classify(answer.status, body)
                if outcome.skip:
                    writer.fail(label, outcome.skip)
                    return outcome.skip
                if outcome.failure:
                    writer.fail(label, outcome.failure)
                    raise FetchError("meetup_search", label, outcome.failure,
                                     "a groupSearch result page")
                writer.add(url=label, final_url=label, status=answer.status,
                           content_type=answer.content_type, body=body,
                           retrieved_at=answer.retrieved_at)
                progress(f"meetup_search: page {len(writer.pages)} fetched: {label}")
                cursor = outcome.next_cursor
                if cursor is None:
                    break
    return None


@dataclass(frozen=True)
class Outcome:
    """What one answer means: skip the source, fail it, or go on (maybe to a next page)."""

    skip: str | None = None
    failure: str | None = None
    next_cursor: str | None = None


def classify(status: int, body: bytes) -> Outcome:
    """Read one (already redacted) answer of the GraphQL endpoint."""
    text = body.decode("utf-8", errors="replace")
    if status in (401, 403):
        return Outcome(skip=TOKEN_REJECTED.format(variable=TOKEN_VARIABLE, status=status))
    if status == 429:
        return Outcome(skip=RATE_LIMITED.format(detail="HTTP 429 after backing off"))
    if status != 200:
        return Outcome(failure=f"HTTP {status}: {text[:300]}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return Outcome(failure=f"answer is not JSON: {text[:300]}")
    errors = document.get("errors") or []
    if errors:
        codes = {str((e.get("extensions") or {}).get("code", "")).upper() for e in errors}
        detail = "; ".join(str(e.get("message", "")) for e in errors)[:300]
        lowered = detail.lower()
        if codes & _RATE_CODES or "rate limit" in lowered or "quota" in lowered:
            return Outcome(skip=RATE_LIMITED.format(detail=detail))
        if codes & _AUTH_CODES:
            return Outcome(skip=TOKEN_REJECTED.format(variable=TOKEN_VARIABLE, status=status))
        return Outcome(failure=f"GraphQL errors: {detail}")
    result = (document.get("data") or {}).get("groupSearch")
    if not isinstance(result, dict):
        return Outcome(failure="answer has no data.groupSearch")
    info = result.get("pageInfo") or {}
    more = bool(info.get("hasNextPage")) and bool(info.get("endCursor"))
    return Outcome(next_cursor=str(info["endCursor"]) if more else None)


def page_label(url: str, keyword: str, metro: str, page: int) -> str:
    """The archived page's URL: the endpoint, with the search in the fragment (never sent)."""
    return f"{url}#" + urlencode({"query": keyword, "metro": metro, "page": page})


# --- parse -----------------------------------------------------------------------------------


def match_reason(name: str, description: str, keywords: tuple[str, ...]) -> str | None:
    """Which keywords the name and description contain, as whole words; None if none."""
    reasons = []
    for where, text in (("name", name), ("description", description)):
        found = [k for k in keywords
                 if re.search(rf"(?<!\w){re.escape(k)}(?!\w)", text, re.IGNORECASE)]
        if found:
            reasons.append(f"{where} contains " + ", ".join(f"'{k}'" for k in found))
    return "; ".join(reasons) or None


def parse(snapshot: Snapshot) -> pd.DataFrame:
    """Snapshot of result pages -> one validated row per kept group."""
    pages = [(p, parse_qs(urlsplit(p.url).fragment)) for p in snapshot.pages if p.status == 200]
    keywords = tuple(dict.fromkeys(q["query"][0] for _, q in pages if q.get("query")))
    groups: dict[str, dict[str, Any]] = {}
    for page, search_terms in pages:
        metro = (search_terms.get("metro") or [""])[0]
        for node in _nodes(snapshot, page):
            urlname = str(node.get("urlname") or "").strip().lower()
            reason = match_reason(str(node.get("name") or ""),
                                  str(node.get("description") or ""), keywords)
            if not _URLNAME.fullmatch(urlname) or reason is None:  # no group page without one
                continue
            if urlname in groups:
                near = [m for m in (groups[urlname]["found_near"] or "").split("; ") if m]
                if metro and metro not in near:
                    groups[urlname]["found_near"] = "; ".join([*near, metro])
                continue
            groups[urlname] = {**group_row(node, urlname), "match_reason": reason,
                               "found_near": metro or None, "source_url": page.url,
                               "retrieved_at": page.retrieved_at}
    frame = pd.DataFrame(list(groups.values()), columns=list(MEETUP_SEARCH_GROUPS.columns))
    return pandera_schema(MEETUP_SEARCH_GROUPS).validate(frame)


def _nodes(snapshot: Snapshot, page: Any) -> list[dict[str, Any]]:
    try:
        result = json.loads(snapshot.body(page))["data"]["groupSearch"]
        edges = result.get("edges") or []
        if not isinstance(edges, list):
            raise TypeError(f"edges is a {type(edges).__name__}")
        return [edge["node"] for edge in edges
                if isinstance(edge, dict) and isinstance(edge.get("node"), dict)]
    # ValueError: not JSON or not UTF-8; RecursionError: nested too deep; AttributeError: a
    # groupSearch that is not an object
    except (ValueError, RecursionError, KeyError, TypeError, AttributeError) as error:
        raise ParseError("meetup_search", page.url, f"unexpected answer ({error})",
                         "data.groupSearch.edges[].node") from None


def group_row(node: Mapping[str, Any], urlname: str) -> dict[str, Any]:
    """One groupSearch node -> a row (without match and provenance)."""
    country = country_code(str(node.get("country") or "")) if node.get("country") else None
    state = usps_code(str(node.get("state") or "")) if country in (None, "US") else None
    stats = node.get("stats") if isinstance(node.get("stats"), dict) else {}
    counts = stats.get("memberCounts") if isinstance(stats.get("memberCounts"), dict) else {}
    members = counts.get("all")
    latitude, longitude = _number(node.get("lat"), 90), _number(node.get("lon"), 180)
    if latitude is None or longitude is None:
        latitude = longitude = None  # half a point is no place
    return {
        "record_id": f"meetup_search:{urlname}",
        "meetup_group_id": str(node["id"]) if node.get("id") is not None else None,
        "urlname": urlname,
        "name": str(node.get("name") or urlname).strip(),
        "events_url": group_page(urlname),
        "city": str(node.get("city") or "").strip() or None,
        "state": state,
        "country": country,
        "latitude": latitude,
        "longitude": longitude,
        "member_count": _count(members),
    }


def _count(value: Any) -> int | None:
    """A member count: a whole number from 0 up; None for anything else."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value < 2**63 else None


def _number(value: Any, limit: float) -> float | None:
    """A coordinate within -limit..limit; None for anything else (text, NaN, 1e999, 2**70)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if -limit <= number <= limit else None


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """Kept groups as source_records listings."""
    return records.assign(source="meetup_search", source_key=records["events_url"],
                          kind="civic_tech_group")


def define(settings: SearchSettings) -> Source:
    """The Meetup search source, searching as ``settings`` say."""
    return Source(
        name="meetup_search",
        title="Meetup group search for civic-tech and open-data groups (needs a Meetup Pro "
        "token)",
        default_url=URL,
        table=MEETUP_SEARCH_GROUPS,
        fetch=bound(fetch, settings=settings),
        parse=parse,
        to_listings=to_listings,
        min_records=0,
        homepage="https://www.meetup.com/api/guide/",
        license_note="Meetup API terms apply; facts about public groups only.",
        settings=settings,
        define=define,
    )


SOURCE = define(SearchSettings())
