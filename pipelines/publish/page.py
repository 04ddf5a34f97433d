"""The release's ``index.html``: one self-contained page a person can open from the folder.

It must work offline and from ``file://``, so Leaflet (from the ``xstatic-leaflet`` package)
is inlined and the OpenStreetMap tiles stay off until the reader asks for them. Names come
from the web, so nothing from the data is ever written as markup: Jinja escapes the parts
rendered here, and the table, map and per-ZIP answer are built in the browser with
``textContent`` from one JSON block (``<`` escaped, so it cannot close its script).

The map and the per-ZIP answer skip points that do not stand for the organization's place
(``region``/``none`` precision), as ``near`` does; the per-ZIP answer also never offers a
``gone`` group. The map still draws gone groups, hollow, so a reader sees they existed.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xstatic.pkg.leaflet as xstatic_leaflet
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from geography import get_index
from pipelines.answer.sections import DEFAULT_WITHIN_KM
from pipelines.answer.sql import UNPLACED
from schemas.codes import CHANGE_KINDS, KIND_CODES, KIND_COLOURS, KIND_LABELS

TEMPLATES = Path(__file__).parent / "templates"
OTHER_COLOUR = "#bab0ac"  # no kind, or one the code table does not know (another release)
MAX_CHANGES = 200  # rows of the change list shown; the changes table holds them all
MAX_ROWS_SHOWN = 500  # table rows drawn at once; the count always says how many match
CANVAS_ABOVE = 1000  # more markers than this: Leaflet's canvas renderer (SVG gets slow)
NEAREST_PER_KIND = 3
ZIP_SCALE = 1000  # ZIP centroids to 0.001 degree (~100 m)
# The columns the browser gets, in this order: kind as an index into ``kinds``; ``near`` is 1
# when the per-ZIP answer may offer the organization (placed, and not gone), else 0.
PAGE_COLUMNS = ("name", "kind", "role", "city", "state", "activity", "website", "latitude",
                "longitude", "next_event_date", "sources", "near")
_HTTP = re.compile(r"^https?://[^\s<>\"']+$", re.I)
# a file of the release folder: relative, no segment starting with '.' (so no '..')
_RELATIVE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*/?$")


def render_index(tables: Mapping[str, pd.DataFrame], changes_summary: Mapping[str, object],
                 info: Mapping[str, object]) -> str:
    """The page of one release: header (and a SAMPLE banner for samples), counts per source
    and kind, the changes since the previous release, a searchable table, a map and a
    nearest-by-ZIP box.

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
    data = {
        "columns": list(PAGE_COLUMNS),
        "kinds": kinds,
        "other_kind": {"key": "other", "label": "other", "colour": OTHER_COLOUR},  # no kind
        "rows": rows,
        "zips": zip_centroids(),
        "states": state_labels(),
        "view": map_view(rows),
        "canvas_above": CANVAS_ABOVE,
        "shown_max": MAX_ROWS_SHOWN,
        "per_kind": NEAREST_PER_KIND,
        "within_km": DEFAULT_WITHIN_KM,  # as ``near``: farther than this, the answer says so
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


def _coordinate(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(number, 4) if math.isfinite(number) else None


def organization_rows(frame: pd.DataFrame) -> tuple[list[list[Any]], list[dict[str, str]]]:
    """(rows in ``PAGE_COLUMNS`` order sorted by name, the kinds they index). A row has
    coordinates only when its point stands for its place (not ``region``/``none``), as in
    ``near``; the per-ZIP answer also leaves out ``gone`` groups (``near`` = 0)."""
    present = [k for k in frame["kind"].map(text).dropna().unique()]
    ordered = [k for k in KIND_CODES if k in present] + sorted(
        k for k in present if k not in KIND_CODES)
    kinds = [{"key": k, "label": KIND_LABELS.get(k, k.replace("_", " ")),
              "colour": KIND_COLOURS.get(k, OTHER_COLOUR)} for k in ordered]
    kind_index = {k: i for i, k in enumerate(ordered)}
    rows = []
    for record in frame.to_dict("records"):
        latitude, longitude = (_coordinate(record.get("latitude")),
                               _coordinate(record.get("longitude")))
        if latitude is None or longitude is None or (
                text(record.get("location_precision")) or "none") in UNPLACED:
            latitude = longitude = None
        kind = text(record.get("kind"))
        activity = text(record.get("activity")) or "unknown"
        rows.append([
            text(record.get("name")) or "(no name)",
            kind_index.get(kind) if kind else None,
            text(record.get("role")), text(record.get("city")), text(record.get("state")),
            activity, http_url(record.get("website")), latitude, longitude,
            text(record.get("next_event_date")), text(record.get("sources")),
            int(latitude is not None and activity != "gone"),
        ])
    rows.sort(key=lambda r: (r[0].casefold(), r[4] or "", r[3] or ""))
    return rows, kinds


@cache
def zip_centroids() -> dict[str, list[int]]:
    """Every US ZIP point, compact: codes as integers and coordinates in 1/``ZIP_SCALE``
    degree, each list as differences from the previous entry (sorted by code, neighbouring
    ZIPs lie close, so most differences are short). ~420 kB for ~42,000 ZIPs; in numpy, as a
    Python loop over the ZIPs was the page's largest cost."""
    index = get_index()
    codes = np.asarray(index.zip_codes, dtype=str)
    kept = (np.char.isdigit(codes) & (np.char.str_len(codes) == 5)
            & ~np.isnan(index.zip_lat) & ~np.isnan(index.zip_lon))
    numbers = codes[kept].astype(np.int64)
    lats = np.rint(index.zip_lat[kept] * ZIP_SCALE).astype(np.int64)
    lons = np.rint(index.zip_lon[kept] * ZIP_SCALE).astype(np.int64)
    order = np.lexsort((lons, lats, numbers))

    def deltas(values: np.ndarray) -> list[int]:
        return np.diff(values[order], prepend=0).tolist()

    return {"scale": [ZIP_SCALE], "code": deltas(numbers), "lat": deltas(lats),
            "lon": deltas(lons)}


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
