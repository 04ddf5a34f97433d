"""The release's ``index.html``: one self-contained page a person can open from the folder.

It must work offline and from ``file://``, so Leaflet (from the ``xstatic-leaflet`` package)
is inlined and the OpenStreetMap tiles stay off until the reader asks for them. Names come
from the web, so nothing from the data is ever written as markup: Jinja escapes the parts
rendered here, and the answer, the table and the map are built in the browser with
``textContent`` from one JSON block (``<`` escaped, so it cannot close its script).

The page gives the same answer as ``intermediaries near`` (``pipelines.answer.sections`` is
the reference): ``index.js`` ports its rules, and everything those rules read is handed over
here from the Python modules that define it (:func:`answer_rules`: the radius, the limit, the
section keys, titles and kinds, the orders, the name patterns, the state names), with the
place index the lookup needs (:func:`place_index`: ZIPs, cities, counties, states, from
``geography``). Points that do not stand for the organization's place (``region``/``none``
precision) have no distance, as in ``near``; the answer never offers a ``gone`` group, while
the map still draws them, hollow, so a reader sees they existed. The map's offline base layer
is the Census Bureau's state outlines (``pipelines.publish.outlines``).
"""

from __future__ import annotations

import base64
import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xstatic.pkg.leaflet as xstatic_leaflet
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from geography import get_index, places
from geography import index as geography_index
from geography.states import STATES, TERRITORIES
from geography.states import _state_keys as state_keys
from pipelines.answer import sections
from pipelines.answer.sql import EARTH_RADIUS_KM, UNPLACED
from pipelines.publish.outlines import state_outlines
from schemas.codes import (
    ANSWER_KINDS,
    CHANGE_KINDS,
    KIND_CODES,
    KIND_COLOURS,
    KIND_LABELS,
    kinds_in_section,
)

TEMPLATES = Path(__file__).parent / "templates"
OTHER_COLOUR = "#bab0ac"  # no kind, or one the code table does not know (another release)
MAX_CHANGES = 200  # rows of the change list shown; the changes table holds them all
MAX_ROWS_SHOWN = 500  # table rows drawn at once; the count always says how many match
CANVAS_ABOVE = 1000  # more markers than this: Leaflet's canvas renderer (SVG gets slow)
#: ZIP points in 1/ZIP_SCALE degree: ``zipcodes`` gives 4 decimals, so k / 10000 in the
#: browser is exactly the float the command reads.
ZIP_SCALE = 10_000
# The columns the browser gets (decoded into rows in this order): kind as an index into
# ``kinds``; latitude/longitude only when the point stands for the organization's place;
# ``part_of`` as the row index of the university a unit belongs to (-1: not in this release).
# The answer reads the rest
# as ``near`` does; a column an older release lacks is null.
PAGE_COLUMNS = ("name", "kind", "role", "city", "state", "activity", "website", "latitude",
                "longitude", "next_event_date", "sources", "county_fips", "government_level",
                "government_unit", "department", "service_area", "carnegie_level",
                "research_activity", "land_grant", "tribal_college", "part_of",
                "open_data_portal", "portal_software")
#: Columns sent as they are (one value per row); the others are coded (distinct values plus
#: an index per row) and, when mostly empty, sparse (only the rows that have a value).
PLAIN_COLUMNS = ("name", "website", "latitude", "longitude")
_HTTP = re.compile(r"^https?://[^\s<>\"']+$", re.I)
# a file of the release folder: relative, no segment starting with '.' (so no '..')
_RELATIVE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*/?$")


def render_index(tables: Mapping[str, pd.DataFrame], changes_summary: Mapping[str, object],
                 info: Mapping[str, object]) -> str:
    """The page of one release: header (and a SAMPLE banner for samples), then the answer of
    ``intermediaries near`` for a ZIP code or "City, ST" (one box), the map over the state
    outlines, counts per source and kind, the changes since the previous release and a
    searchable table.

    ``tables``: the published frames; ``intermediaries`` is required, ``source_status`` and
    ``changes`` are shown when present. ``changes_summary``: counts of ``added``, ``split``,
    ``removed``, ``merged``, ``changed`` (organizations) and ``since`` (the previous version, or
    None for a first release). ``info``: ``version``, ``created``, ``sample``, ``mode``,
    ``title`` and optionally ``files``: (relative path, what it holds) pairs of the release
    folder, listed as links. Pure: the same arguments give the same page."""
    intermediaries = tables["intermediaries"]
    status = tables.get("source_status")
    changes = tables.get("changes")
    rows, kinds = organization_rows(intermediaries)
    outlines = state_outlines()
    data = {
        "columns": list(PAGE_COLUMNS),
        "kinds": kinds,
        "other_kind": {"key": "other", "label": "other", "colour": OTHER_COLOUR},  # no kind
        "table": encode_columns(rows, PAGE_COLUMNS),
        "places": place_index(),
        "rules": answer_rules(),
        "states": state_labels(),
        "outlines": {"scale": outlines["scale"], "states": outlines["states"]},
        "view": map_view(rows),
        "canvas_above": CANVAS_ABOVE,
        "shown_max": MAX_ROWS_SHOWN,
    }
    leaflet_js, leaflet_css = leaflet()
    return _environment().get_template("index.html").render(
        info=_info(info),
        summary=_summary(changes_summary),
        sources=_source_counts(status),
        kinds=_kind_counts(rows, kinds),
        changes=_change_rows(changes),
        changes_total=0 if changes is None else len(changes),
        max_changes=MAX_CHANGES,
        total=len(intermediaries),
        data_json=Markup(script_json(data)),
        leaflet_js=Markup(leaflet_js),
        leaflet_css=Markup(leaflet_css),
        leaflet_version=xstatic_leaflet.VERSION,
        outlines={k: outlines[k] for k in ("source", "source_url", "licence")},
        page_js=Markup(_asset("index.js", "</script")),
        page_css=Markup(_asset("index.css", "</style")),
    )


# --- data for the browser -------------------------------------------------------------------


def text(value: object) -> str | None:
    """A cell as text; None for pandas NA, NaN, None and ''."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    shown = str(value).strip()
    return shown or None


def http_url(value: object) -> str | None:
    """The URL when it is http(s), else None: a page link must never run script."""
    url = text(value)
    return url if url and _HTTP.match(url) else None


def _flag(value: object) -> bool | None:
    """A boolean cell (True/False, 'true'/'false', 1/0) as a bool; None when unknown."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        return {"true": True, "t": True, "1": True, "yes": True,
                "false": False, "f": False, "0": False, "no": False}.get(lowered)
    return bool(value)


def organization_rows(frame: pd.DataFrame) -> tuple[list[list[Any]], list[dict[str, str]]]:
    """(rows in ``PAGE_COLUMNS`` order sorted by name, the kinds they index). A row has
    coordinates only when its point stands for its place (not ``region``/``none``), as in
    ``near``. Coordinates are sent unrounded, so the page's distances are the command's."""
    present = [k for k in frame["kind"].map(text).dropna().unique()]
    ordered = [k for k in KIND_CODES if k in present] + sorted(
        k for k in present if k not in KIND_CODES)
    kinds = [{"key": k, "label": KIND_LABELS.get(k, k.replace("_", " ")),
              "colour": KIND_COLOURS.get(k, OTHER_COLOUR)} for k in ordered]
    kind_index = {k: i for i, k in enumerate(ordered)}
    built = []
    for record in frame.to_dict("records"):
        latitude, longitude = (_coordinate(record.get("latitude")),
                               _coordinate(record.get("longitude")))
        if latitude is None or longitude is None or (
                text(record.get("location_precision")) or "none") in UNPLACED:
            latitude = longitude = None
        kind = text(record.get("kind"))
        row = [
            text(record.get("name")) or "(no name)",
            kind_index.get(kind) if kind else None,
            text(record.get("role")), text(record.get("city")), text(record.get("state")),
            text(record.get("activity")) or "unknown", http_url(record.get("website")),
            latitude, longitude, text(record.get("next_event_date")),
            text(record.get("sources")), text(record.get("county_fips")),
            text(record.get("government_level")), text(record.get("government_unit")),
            text(record.get("department")), text(record.get("service_area")),
            text(record.get("carnegie_level")), text(record.get("research_activity")),
            _flag(record.get("land_grant")), _flag(record.get("tribal_college")),
            text(record.get("part_of")),
            text(record.get("open_data_portal")),  # shown as its host, in text, never a link
            text(record.get("portal_software")),
        ]
        built.append((row, text(record.get("intermediary_id"))))
    # by name for the table; the id last, as near orders its candidates (a tie keeps it)
    built.sort(key=lambda b: (b[0][0].casefold(), b[0][4] or "", b[0][3] or "", b[1] or ""))
    # part_of names an intermediary_id: send the row index of that organization instead
    # (-1: set, but to no organization of this release)
    at = {ident: i for i, (_, ident) in enumerate(built) if ident}
    part_of = PAGE_COLUMNS.index("part_of")
    rows = []
    for row, _ in built:
        row[part_of] = at.get(row[part_of], -1) if row[part_of] else None
        rows.append(row)
    return rows, kinds


def _coordinate(value: object) -> float | None:
    """The float as stored (not rounded: the answer's distances must be the command's)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def encode_columns(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> dict[str, Any]:
    """Rows as compact columns: ``{"rows": n, "columns": {name: encoded}}``. A column in
    :data:`PLAIN_COLUMNS` is its list of values; any other is ``{"values": [distinct],
    "codes": [index per row]}``, and when fewer than half the rows have a value, ``{"at":
    [row index differences], "values", "codes"}`` for those rows only (a release's columns
    are mostly empty or repetitive: this keeps a 15,000-organization page small)."""
    encoded: dict[str, Any] = {}
    for i, name in enumerate(columns):
        values = [row[i] for row in rows]
        if name in PLAIN_COLUMNS:
            encoded[name] = values
            continue
        present = [n for n, v in enumerate(values) if v is not None]
        sparse = len(present) * 2 < len(values)
        kept = [values[n] for n in present] if sparse else values
        distinct: dict[Any, int] = {}
        codes = [distinct.setdefault(v, len(distinct)) for v in kept]
        column: dict[str, Any] = {"values": list(distinct), "codes": codes}
        if sparse:
            column["at"] = np.diff(np.asarray(present, dtype=np.int64), prepend=0).tolist()
        encoded[name] = column
    return {"rows": len(rows), "columns": encoded}


def decode_columns(table: Mapping[str, Any], columns: Sequence[str]) -> list[list[Any]]:
    """The inverse of :func:`encode_columns` (what ``index.js`` does; for tests and tools)."""
    count = table["rows"]
    rows: list[list[Any]] = [[None] * len(columns) for _ in range(count)]
    for i, name in enumerate(columns):
        column = table["columns"][name]
        if isinstance(column, list):
            values = column
        else:
            decoded = [column["values"][c] for c in column["codes"]]
            if "at" in column:
                values = [None] * count
                for at, value in zip(np.cumsum(column["at"]).tolist(), decoded, strict=True):
                    values[at] = value
            else:
                values = decoded
        for row, value in zip(rows, values, strict=True):
            row[i] = value
    return rows


# --- the answer's rules and the place index, from the modules that define them ------------------


def js_pattern(pattern: re.Pattern[str]) -> dict[str, str]:
    """A Python pattern as JavaScript ``RegExp`` source and flags. Python's local case
    switch ``(?-i:IT)`` (the answer's "IT department") has no JavaScript form in every
    browser, so a case-insensitive pattern that uses it becomes a case-sensitive one with
    each other letter written as ``[xX]``. Only the syntax the answer's patterns use is
    accepted (no character classes or named groups): anything else raises."""
    source = pattern.pattern
    ignore_case = bool(pattern.flags & re.IGNORECASE)
    if "[" in source or "(?P" in source or "(?i" in source:
        raise ValueError(f"pattern {source!r} uses syntax js_pattern does not translate")
    if not ignore_case or "(?-i:" not in source:
        return {"source": source, "flags": "i" if ignore_case else ""}
    out, i = [], 0
    while i < len(source):
        if source.startswith("(?-i:", i):
            close = source.index(")", i)
            inner = source[i + 5:close]
            if "(" in inner:
                raise ValueError(f"pattern {source!r}: nested group in (?-i:...)")
            out.append(f"(?:{inner})")
            i = close + 1
        elif source[i] == "\\":
            out.append(source[i:i + 2])
            i += 2
        elif source[i].isascii() and source[i].isalpha():
            out.append(f"[{source[i].lower()}{source[i].upper()}]")
            i += 1
        else:
            out.append(source[i])
            i += 1
    return {"source": "".join(out), "flags": ""}


@cache
def answer_rules() -> dict[str, Any]:
    """Every constant of the answer's rules the page's port needs, taken from the Python
    modules that define them (nothing is written twice): the radius, the limit, the
    farthest "nearest", each section's key, title (as the reference answer writes it) and
    kinds, the activity and role orders, the patterns that read a government's level and
    unit from its name, the kinds, and the state and territory names."""
    empty = sections.answer(sections.Origin("", 0.0, 0.0), [])
    return {
        "within_km": sections.DEFAULT_WITHIN_KM,
        "limit": sections.DEFAULT_LIMIT,
        "max_nearest_km": sections.MAX_NEAREST_KM,
        "sections": [{"key": s.key, "title": s.title, "kinds": list(kinds_in_section(s.key))}
                     for s in empty.sections],
        "answer_kinds": list(ANSWER_KINDS),
        "kind_labels": KIND_LABELS,
        "activity_order": {str(k): v for k, v in sections.ACTIVITY_ORDER.items()
                           if k is not None},
        "role_order": sections.ROLE_ORDER,
        "patterns": {name: js_pattern(getattr(sections, attribute)) for name, attribute in (
            ("county_words", "_COUNTY_WORDS"), ("state_government", "_STATE_GOVERNMENT"),
            ("tribal", "_TRIBAL"), ("department", "_DEPARTMENT"))},
        "territories": sorted(TERRITORIES),
        "portal_host_pattern": sections.PORTAL_HOST_PATTERN,
        "research_levels": list(sections.RESEARCH_LEVELS),
        "earth_radius_km": EARTH_RADIUS_KM,
        "place_patterns": {  # what the place lookup reads, as geography writes it
            "county_words": js_pattern(places._COUNTY_WORDS),
            "county_suffix": js_pattern(geography_index._COUNTY_SUFFIX),
            "trailing_us": js_pattern(places._TRAILING_US),
        },
    }


@cache
def place_index() -> dict[str, Any]:
    """The offline place index the page's lookup needs, as ``geography`` builds it for the
    command ("45402", "Dayton, OH", "Montgomery County, OH", "Ohio"), compact:

    * ``zip``: every ZIP in the index's order, code and point in 1/``scale`` degree as
      differences (a ZIP with no known point is listed in ``no_point``), its city (an index
      into ``city``, as differences), and the ZIPs whose county is not their city's with
      theirs (an index + 1 into ``county``; 0 none);
    * ``city``: display name, state (an index into ``states``) and county (index + 1), the
      numbers as differences;
    * ``county``: FIPS (as differences of the number) and name;
    * ``states``: [USPS, FIPS, name]; ``state_keys``: every accepted spelling -> USPS.

    The page computes the city, county and state centres from the ZIP points as the index
    does (the mean, rounded to 5 decimals), in the same order, so its points are the
    command's to the bit; ``sum`` tells which summation this Python's ``sum()`` uses."""
    index = get_index()
    counties = sorted(index.counties)
    county_at = {fips: n + 1 for n, fips in enumerate(counties)}
    states = [[usps, fips, name] for usps, (fips, name) in STATES.items()]
    state_at = {usps: n for n, (usps, _, _) in enumerate(states)}
    cities = index._city_rows  # [key, state, name, lat, lon, county]

    def deltas(values: Sequence[int]) -> list[int]:
        return np.diff(np.asarray(values, dtype=np.int64), prepend=0).tolist()

    lats, lons = np.nan_to_num(index.zip_lat), np.nan_to_num(index.zip_lon)
    other = [n for n, (city, county) in enumerate(zip(index._zip_city_id, index.zip_county,
                                                      strict=True))
             if county != cities[city][5]]
    return {
        "scale": ZIP_SCALE,
        "sum": "neumaier" if sys.version_info >= (3, 12) else "plain",
        "zip": {
            "code": deltas([int(z) for z in index.zip_codes]),
            "lat": deltas(np.rint(lats * ZIP_SCALE).astype(np.int64)),
            "lon": deltas(np.rint(lons * ZIP_SCALE).astype(np.int64)),
            "no_point": np.flatnonzero(np.isnan(index.zip_lat)).tolist(),
            "city": deltas(index._zip_city_id),
            # most ZIPs lie in their city's county: only the others are listed
            "other_county_at": deltas(other),
            "other_county": [county_at.get(index.zip_county[n] or "", 0) for n in other],
        },
        "city": {
            "name": [row[2] for row in cities],
            "state": deltas([state_at[row[1]] for row in cities]),
            "county": deltas([county_at.get(row[5] or "", 0) for row in cities]),
        },
        "county": {
            "fips": deltas([int(f) for f in counties]),
            "name": [index.counties[f].name for f in counties],
        },
        "states": states,
        "state_keys": dict(sorted(state_keys().items())),
    }


@cache
def state_labels() -> list[list[Any]]:
    """[USPS, lat, lon] of each state's centre: labels that orient the map without tiles."""
    return [[usps, round(area.latitude, 2), round(area.longitude, 2)]
            for usps, area in sorted(get_index().states.items())]


def map_view(rows: list[list[Any]]) -> list[list[float]] | None:
    """Bounds to open the map on: the 2nd to 98th percentile of the points, so a few far
    territories (Guam, American Samoa) do not shrink the states to a dot."""
    lat_at, lon_at = PAGE_COLUMNS.index("latitude"), PAGE_COLUMNS.index("longitude")
    points = [(r[lat_at], r[lon_at]) for r in rows if r[lat_at] is not None]
    if not points:
        return None
    lats, lons = pd.Series([p[0] for p in points]), pd.Series([p[1] for p in points])
    low, high = (0.02, 0.98) if len(points) >= 50 else (0.0, 1.0)
    return [[float(lats.quantile(low)), float(lons.quantile(low))],
            [float(lats.quantile(high)), float(lons.quantile(high))]]


def script_json(data: object) -> str:
    """JSON safe inside ``<script type="application/json">``: no '<', '>' or '&' appear
    literally, so no name can close the script or open a comment."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# --- parts rendered on the server (escaped by Jinja) ------------------------------------------


def _info(info: Mapping[str, object]) -> dict[str, Any]:
    sample = bool(info.get("sample"))
    title = text(info.get("title")) or "Civic data intermediaries"
    page_title = title if not sample or "SAMPLE" in title.upper() else f"SAMPLE: {title}"
    files = [(str(path), str(what)) for path, what in info.get("files") or ()  # type: ignore[attr-defined]
             if _RELATIVE.match(str(path))]
    return {"title": title, "page_title": page_title, "sample": sample,
            "version": text(info.get("version")), "created": text(info.get("created")),
            "mode": text(info.get("mode")), "files": files}


def _summary(summary: Mapping[str, object]) -> dict[str, Any]:
    counts = {k: int(summary.get(k) or 0)  # type: ignore[call-overload]
              for k in CHANGE_KINDS}
    return {"since": text(summary.get("since")), "counts": counts}


def _source_counts(status: pd.DataFrame | None) -> list[dict[str, Any]]:
    if status is None:
        return []
    return [{"source": text(r.get("source")), "title": text(r.get("title")) or text(
                r.get("source")),
             "status": text(r.get("status")), "records": text(r.get("records")) or "0",
             "retrieved_at": text(r.get("retrieved_at")), "problem": text(r.get("problem")),
             "url": http_url(r.get("source_url"))}
            for r in status.to_dict("records")]


def _kind_counts(rows: list[list[Any]], kinds: list[dict[str, str]]) -> list[dict[str, Any]]:
    lat_at = PAGE_COLUMNS.index("latitude")
    counts = [0] * len(kinds)
    on_map = [0] * len(kinds)
    for row in rows:
        if row[1] is not None:
            counts[row[1]] += 1
            on_map[row[1]] += row[lat_at] is not None
    return [{**kind, "count": counts[i], "on_map": on_map[i]} for i, kind in enumerate(kinds)]


def _change_rows(changes: pd.DataFrame | None) -> list[dict[str, str | None]]:
    if changes is None:
        return []
    columns = ("change", "intermediary_id", "name", "old_value", "new_value",
               "other_intermediary_id")
    return [{**{c: text(r.get(c)) for c in columns},
             "field": text(r.get("changed_field", r.get("field")))}  # either name of the column
            for r in changes.head(MAX_CHANGES).to_dict("records")]


# --- files inlined into the page ------------------------------------------------------------


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@cache
def _asset(name: str, closing: str) -> str:
    content = (TEMPLATES / name).read_text(encoding="utf-8")
    if closing in content.lower():
        raise ValueError(f"{name} contains {closing!r}, which would end its inline block")
    return content


@cache
def leaflet() -> tuple[str, str]:
    """Leaflet's script and stylesheet, ready to inline: no source map comment (a file://
    page would look for it), the CSS images as data: URLs."""
    folder = Path(xstatic_leaflet.BASE_DIR)
    script = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n",
                    (folder / "leaflet.js").read_text(encoding="utf-8"))

    def inline_image(match: re.Match[str]) -> str:
        png = base64.b64encode((folder / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{png})"

    style = re.sub(r"url\((images/[\w.-]+\.png)\)", inline_image,
                   (folder / "leaflet.css").read_text(encoding="utf-8"))
    for content, closing in ((script, "</script"), (style, "</style")):
        if closing in content.lower():
            raise ValueError(f"Leaflet {xstatic_leaflet.VERSION} contains {closing!r}")
    return script, style
