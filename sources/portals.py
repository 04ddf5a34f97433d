"""Data catalogs from the Common Data Index dataportals-registry (``catalogs.jsonl.zst``).

The registry (CC BY 4.0: attributed in the package's sources and licences) lists about 19,000
data catalogs worldwide, one JSON object per line, zstd-compressed: ``id``, ``uid``, ``name``,
``link``, ``catalog_type``, ``software{id, name}``, ``endpoints[{type, url}]``, ``status``,
``rights{license_name, license_url, rights_type}`` and ``owner{name, link, type,
location{country, subregion: "US-OH"}}``. Kept: US catalogs whose owner is a local government,
a regional government (counties, regional councils and planning commissions, but also state
agencies) or an academy (university repositories and GIS hubs): about 4,700 of the ~5,700 US
catalogs. They form ``data_portals``, one row per catalog.

The body is read as a stream: decompressed and parsed line by line from the archived file, so
neither the decompressed file nor the compressed one is ever held whole. A body that is not
zstd (a mirror serving plain JSON Lines) is read the same way.

The catalogs are no listings by themselves: the link step (``pipelines/link/portals.py``)
knows the directory, links each catalog to the organization that runs it and makes the
listings of owners no other source has, so ``to_listings`` here gives none.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, BinaryIO

import pandas as pd
import pandera.pandas as pa
import zstandard
from pydantic import BeforeValidator, Field
from pydantic_settings import NoDecode

from geography import usps_code
from schemas.codes import API_ENDPOINT_TYPES, PORTAL_SOFTWARE
from schemas.portals import DATA_PORTALS
from schemas.published import SOURCE_RECORDS
from schemas.table import empty_frame, pandera_schema
from sources.base import Source, SourceSettings, bound, fetch_single, only_page
from sources.errors import ParseError
from sources.rejects import Parsed, RecordProblem, Rejection, keep_valid_rows, short
from sources.snapshot import Snapshot

NAME = "portals"
URL = ("https://raw.githubusercontent.com/commondataio/dataportals-registry/main/data/datasets/"
       "catalogs.jsonl.zst")
HOMEPAGE = "https://github.com/commondataio/dataportals-registry"
OWNER_TYPES = ("Local government", "Regional government", "Academy")
OWNER_TYPES_VARIABLE = "INTERMEDIARIES_PORTALS_OWNER_TYPES"
EXPECTED = ("zstd-compressed JSON Lines, one catalog object per line with 'id', 'link' and "
            "'owner'")
# The full file keeps ~4,700 catalogs (2,466 local, 1,149 regional, 1,061 academic in 2026).
MIN_RECORDS = 2_000
LICENSE = (("name", "CC-BY-4.0"), ("path", "https://creativecommons.org/licenses/by/4.0/"),
           ("title", "Creative Commons Attribution 4.0 International: data_portals, from the "
            "dataportals-registry of the Common Data Index (commondataio)"))
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 16  # compressed bytes read at a time
# Endpoint types that describe a catalog but are no API: never its api_endpoint.
NOT_API = frozenset({"sitemap", "rss", "opensearch", "arcgis:rest:info", "arcgis:soap",
                     "arcgis:sitemap", "arcgis:geositemap", "arcgis:kmz", "thredds:info",
                     "erddap:index"})

_SCHEMA_WITH_POSITION = pandera_schema(DATA_PORTALS).add_columns({"position": pa.Column(int)})


def _owner_types_setting(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    types = tuple(str(v).strip() for v in value if str(v).strip())  # type: ignore[union-attr]
    if not types:
        raise ValueError("expected comma-separated owner types such as Local government, "
                         "Academy")
    return types


class PortalsSettings(SourceSettings):
    """Which catalogs are kept (the URL is the source's own, INTERMEDIARIES_PORTALS_URL)."""

    owner_types: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_owner_types_setting)] = (
        Field(OWNER_TYPES, validation_alias=OWNER_TYPES_VARIABLE,
              description="Owner types of the US catalogs kept, as the registry writes them "
              "(comma-separated)."))


# --- reading the stream -----------------------------------------------------------------------

def _zstd_chunks(raw: BinaryIO) -> Iterator[bytes]:
    """Decompressed chunks of a zstd stream of one or more frames, as the compressed bytes are
    read (64 KiB at a time). A stream that ends inside a frame raises zstandard.ZstdError:
    zstandard's own stream reader would end quietly, losing the file's tail."""
    decompressor = zstandard.ZstdDecompressor()
    frame = decompressor.decompressobj()
    pending = False  # inside a frame
    while chunk := raw.read(_CHUNK):
        while chunk:
            out = frame.decompress(chunk)
            pending = not frame.eof
            if out:
                yield out
            chunk = frame.unused_data if frame.eof else b""
            if frame.eof:
                frame = decompressor.decompressobj()
    if pending:
        raise zstandard.ZstdError("the stream ends inside a frame (truncated)")


def json_lines(raw: BinaryIO) -> Iterator[str]:
    """The lines of a zstd-compressed (or plain) JSON Lines stream, decompressed as they are
    read: only a window of the stream is ever in memory. Raises zstandard.ZstdError for a
    damaged or truncated stream."""
    buffered = io.BufferedReader(raw, _CHUNK)  # type: ignore[arg-type]
    zstd = buffered.peek(4)[:4] == ZSTD_MAGIC
    chunks = _zstd_chunks(buffered) if zstd else iter(lambda: buffered.read(_CHUNK), b"")
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    rest = ""
    for chunk in chunks:
        lines = (rest + decoder.decode(chunk)).split("\n")
        rest = lines.pop()
        yield from (line for line in lines if line.strip())
    rest += decoder.decode(b"", final=True)
    if rest.strip():
        yield rest


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _http(value: Any) -> str | None:
    """The first http(s) address of a value ('https://a.org, https://b.org' -> the first);
    None when it holds none."""
    text = _text(value)
    words = text.replace(",", " ").split() if text else []
    first = words[0] if words else ""
    host = first.split("://", 1)[1].split("/")[0] if "://" in first else ""
    return first if first.lower().startswith(("http://", "https://")) and host else None


def software_words(code: str | None, registry_name: str | None) -> str | None:
    """'arcgisserver' -> 'ArcGIS Server' (schemas.codes.PORTAL_SOFTWARE); a code not there
    keeps the registry's own name; 'custom' has none."""
    if code in PORTAL_SOFTWARE:
        return PORTAL_SOFTWARE[code]
    return registry_name


def api_endpoint(endpoints: Any) -> tuple[str | None, str | None]:
    """(url, type) of the catalog's API: the first of schemas.codes.API_ENDPOINT_TYPES it lists,
    else its first endpoint that is no sitemap, feed or metadata page; (None, None) for none."""
    found = [(e.get("type"), _http(e.get("url"))) for e in endpoints or []
             if isinstance(e, dict)]
    found = [(kind, url) for kind, url in found if isinstance(kind, str) and url]
    for wanted in API_ENDPOINT_TYPES:
        for kind, url in found:
            if kind == wanted:
                return url, kind
    for kind, url in found:
        if kind not in NOT_API:
            return url, kind
    return None, None


def _state(location: Any) -> str | None:
    """'US-OH' (the location's subregion) -> 'OH'; None when it names no US state."""
    if not isinstance(location, dict):
        return None
    subregion = location.get("subregion")
    code = subregion.get("id") if isinstance(subregion, dict) else None
    if isinstance(code, str) and code.upper().startswith("US-"):
        return usps_code(code[3:])
    return None


def _country(location: Any) -> str | None:
    country = location.get("country") if isinstance(location, dict) else None
    code = country.get("id") if isinstance(country, dict) else country
    return code.upper() if isinstance(code, str) else None


def kept(catalog: Mapping[str, Any], owner_types: Iterable[str]) -> bool:
    """A US catalog (by its owner's location, else its coverage) of one of the owner types."""
    owner = catalog.get("owner")
    if not isinstance(owner, dict) or owner.get("type") not in set(owner_types):
        return False
    country = _country(owner.get("location"))
    if country is None:
        coverage = catalog.get("coverage")
        first = coverage[0] if isinstance(coverage, list) and coverage else {}
        country = _country(first.get("location") if isinstance(first, dict) else None)
    return country == "US"


def catalog_row(catalog: Mapping[str, Any]) -> dict[str, Any]:
    """One kept catalog -> its data_portals row (the link columns empty). RecordProblem names
    the field a row cannot do without."""
    key = _text(catalog.get("id"))
    if key is None:
        raise RecordProblem("id", f"expected the catalog's id, got {short(catalog.get('id'))}")
    url = _http(catalog.get("link"))
    if url is None:
        raise RecordProblem("link", f"expected the catalog's http(s) address, got "
                            f"{short(catalog.get('link'))}")
    owner = catalog["owner"]
    software = catalog.get("software") if isinstance(catalog.get("software"), dict) else {}
    code = _text(software.get("id"))
    endpoint, endpoint_type = api_endpoint(catalog.get("endpoints"))
    rights = catalog.get("rights") if isinstance(catalog.get("rights"), dict) else {}
    coverage = catalog.get("coverage")
    first = coverage[0] if isinstance(coverage, list) and coverage else {}
    state = _state(owner.get("location")) or _state(
        first.get("location") if isinstance(first, dict) else None)
    return {
        "portal_id": key,
        "portal_uid": _text(catalog.get("uid")),
        "portal_name": _text(catalog.get("name")) or url,
        "portal_url": url,
        "catalog_type": _text(catalog.get("catalog_type")),
        "software_id": code,
        "portal_software": software_words(code, _text(software.get("name"))),
        "api_endpoint": endpoint,
        "api_endpoint_type": endpoint_type,
        "owner_name": _text(owner.get("name")),
        "owner_type": owner["type"],
        "owner_website": _http(owner.get("link")),
        "owner_name_from_host": False,  # decided by the link step, which knows the hosts
        "state": state,
        "government_level": None,
        "portal_license": _text(rights.get("license_name")) or _text(rights.get("license_id")),
        "portal_license_url": _http(rights.get("license_url")),
        "portal_rights": _text(rights.get("rights_type")),
        "portal_status": _text(catalog.get("status")),
        "intermediary_id": None,
        "record_id": None,
        "link_reason": None,
    }


def parse(snapshot: Snapshot, owner_types: Iterable[str] = OWNER_TYPES) -> Parsed:
    """Snapshot of catalogs.jsonl.zst -> one validated row per kept catalog.

    A line that is not a JSON object, or a kept catalog without an id or an address, is
    quarantined; a body that is not zstd JSON Lines at all (no line is a JSON object) or whose
    stream is damaged is a ParseError."""
    owner_types = tuple(owner_types)
    page = only_page(snapshot)
    rows: list[dict[str, Any]] = []
    rejected: list[Rejection] = []
    objects = 0

    def reject(position: int, key: str, problem: RecordProblem) -> None:
        rejected.append(Rejection(source=NAME, record_key=key[:200], position=position,
                                  field=problem.field, problem=problem.problem,
                                  source_url=page.url, retrieved_at=page.retrieved_at))

    with snapshot.open_body(page) as raw:
        try:
            for position, line in enumerate(json_lines(raw)):
                try:
                    catalog = json.loads(line)
                except json.JSONDecodeError as error:
                    reject(position, f"#{position}", RecordProblem(
                        "record", f"not JSON ({error.msg}): {short(line)}"))
                    continue
                if not isinstance(catalog, dict):
                    reject(position, f"#{position}", RecordProblem(
                        "record", f"expected a JSON object, got {type(catalog).__name__}"))
                    continue
                objects += 1
                if not kept(catalog, owner_types):
                    continue
                try:
                    row = catalog_row(catalog)
                except RecordProblem as problem:
                    reject(position, _text(catalog.get("id")) or f"#{position}", problem)
                    continue
                rows.append({**row, "source_url": page.url,
                             "retrieved_at": page.retrieved_at, "position": position})
        except zstandard.ZstdError as error:
            raise ParseError(NAME, page.url, f"the zstd stream is damaged after {objects} "
                             f"catalogs ({error})", EXPECTED) from error
    if objects == 0:
        raise ParseError(NAME, page.url, "no line is a JSON object", EXPECTED)
    frame = pd.DataFrame(rows, columns=[*DATA_PORTALS.columns, "position"])
    frame = frame.drop_duplicates("portal_id", keep="first")
    valid, invalid = keep_valid_rows(frame, _SCHEMA_WITH_POSITION, source=NAME,
                                     key_column="portal_id", position_column="position")
    return Parsed(valid.drop(columns="position").reset_index(drop=True), rejected + invalid)


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """None: catalogs become listings in the link step (``pipelines/link/portals.py``), which
    knows the organizations of the other sources."""
    return empty_frame(SOURCE_RECORDS)


def summary(records: pd.DataFrame) -> pd.DataFrame:
    """Catalogs per owner type and software, for the UI."""
    frame = records.assign(portal_software=records["portal_software"].fillna("unknown"))
    return frame.groupby(["owner_type", "portal_software"]).size().rename(
        "catalogs").reset_index()


def define(settings: PortalsSettings) -> Source:
    """The data portals registry source, keeping the owner types of ``settings``."""
    return Source(
        name=NAME,
        title="Data portals registry (Common Data Index dataportals-registry, CC BY 4.0)",
        default_url=URL,
        table=DATA_PORTALS,
        fetch=fetch_single,
        parse=bound(parse, owner_types=settings.owner_types),
        to_listings=to_listings,
        min_records=MIN_RECORDS,
        summary=summary,
        homepage=HOMEPAGE,
        license_note="CC BY 4.0 (Common Data Index, dataportals-registry): attribution "
        "required; named in the package's sources and licences.",
        license=LICENSE,
        settings=settings,
        define=define,
    )


SOURCE = define(PortalsSettings())
