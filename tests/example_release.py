"""A small release around Dayton, Ohio (ZIP 45402) for the page tests, typed as published.

Every kind appears; one group is gone, one network is placed only at a region, one project has
no place at all, and one listing carries a hostile name, city and link, as a scraped page
could. ``synthetic_tables`` makes a big release of the same shape for size and speed checks.
"""

from __future__ import annotations

import random
from typing import Any

import pandas as pd

import sources.registry  # noqa: F401  (defines every field; 'department' lives in schemas.sdc)
from schemas.published import INTERMEDIARIES, SOURCE_STATUS
from schemas.table import empty_frame

HOSTILE = "<script>alert(1)</script>"
NEAREST_TO_45402 = "Dayton Regional Data Partners"  # the NNIP partner: the answer's first line
VERSION = "2026.12.02.060012"
PREVIOUS = "2026.11.25.060000"
DAYTON = (39.7589, -84.1916)
CHANGE_COLUMNS = ("change", "intermediary_id", "name", "field", "old_value", "new_value",
                  "other_intermediary_id")


def org(number: int, name: str, kind: str, at: tuple[float, float] | None, city: str | None,
        state: str | None, **extra: Any) -> dict[str, Any]:
    lat, lon = at if at else (None, None)
    return {"intermediary_id": f"im-{number:012x}", "name": name, "kind": kind, "city": city,
            "state": state, "country": "US", "latitude": lat, "longitude": lon,
            "location_precision": "source" if at else "none", "activity": "unknown",
            "sources": "cfa", "website": f"https://example.org/{number}",
            "source_url": "https://example.org/organizations.json",
            "retrieved_at": "2026-12-02T06:00:00Z", **extra}


ORGS = [
    org(1, NEAREST_TO_45402, "nnip_partner", DAYTON, "Dayton", "OH", sources="nnip"),
    org(2, "City of Dayton", "local_government", DAYTON, "Dayton", "OH", sources="dotgov",
        location_precision="city"),
    org(3, "Montgomery County", "local_government", (39.7547, -84.2906), "Dayton", "OH",
        sources="dotgov", location_precision="county"),
    org(4, "Dayton Civic Hackers", "civic_tech_group", (39.7580, -84.1920), "Dayton", "OH",
        activity="active", next_event_date="2026-12-10", sources="cfa; meetup"),
    org(5, "Code for Dayton", "brigade", (39.7590, -84.1910), "Dayton", "OH", activity="gone"),
    org(6, "Code for Everywhere", "civic_tech_network", (39.7563, -84.1895), None, None,
        location_precision="region", activity="active", sources="act"),
    org(7, "Ohio Development Services Agency Office of Research", "state_data_center",
        (39.9612, -82.9988), "Columbus", "OH", role="lead", sources="sdc"),
    org(8, "The Dayton Foundation", "community_foundation", (39.7600, -84.1950), "Dayton", "OH",
        sources="irs_bmf", location_precision="zip", zip="45402"),
    org(9, "BetaNYC", "brigade", (40.7128, -74.0060), "New York", "NY", activity="active"),
    org(10, "Code for Boise", "brigade", (43.6150, -116.2023), "Boise", "ID",
        activity="dormant"),
    org(11, HOSTILE, "civic_tech_group", (41.8781, -87.6298), "<img src=x onerror=alert(2)>",
        "IL", website="javascript:alert(3)"),
    org(12, "Open Data Somewhere", "project", None, None, None, sources="act"),
    org(13, "Chicago Office of Data Analytics", "government", (41.8800, -87.6300), "Chicago",
        "IL", department="data", sources="dotgov"),
    org(14, "Missoula Community Foundation", "community_foundation", (46.8721, -113.9940),
        "Missoula", "MT", sources="irs_bmf"),
    # the territories' own governments (the answer's fallback when no city or county is near)
    org(15, "Government of Guam", "local_government", (13.4745, 144.7504), "Hagatna", "GU",
        government_level="state", government_unit="general", sources="dotgov",
        website="https://guam.gov/"),
    org(16, "Government of Puerto Rico", "local_government", (18.4655, -66.1057), "San Juan",
        "PR", government_level="state", government_unit="general", sources="dotgov",
        website="https://pr.gov/"),
    # one foundation under three EINs (supporting organizations, funds): one contact
    *(org(n, name, "community_foundation", (46.8703, -113.9952), "Missoula", "MT",
          sources="irs_bmf", county_fips="30063", location_precision="zip", zip="59802")
      for n, name in ((17, "Community Foundation of Missoula"),
                      (18, "COMMUNITY FOUNDATION OF MISSOULA"),
                      (19, "Community Foundation of Missoula."))),
]
#: Places the page's answer is checked against ``intermediaries near`` for (one with nothing
#: near: Utqiagvik, Alaska).
PARITY_PLACES = ("45402", "59801", "96910", "00901", "Dayton, OH", "Missoula, MT", "99723")
ON_MAP = [o["name"] for o in ORGS if o["latitude"] is not None
          and o["location_precision"] not in ("region", "none")]

SOURCES = [
    {"source": "cfa", "title": "Code for America brigades", "status": "fresh", "records": 9,
     "source_url": "https://raw.githubusercontent.com/codeforamerica/brigade-information/"
     "master/organizations.json", "retrieved_at": "2026-12-02T06:00:00Z",
     "snapshot": "20261202T060000Z", "sample": False},
    {"source": "nnip", "title": "NNIP partners", "status": "fresh", "records": 1,
     "source_url": "https://www.neighborhoodindicators.org/partners",
     "retrieved_at": "2026-12-02T06:00:01Z", "snapshot": "20261202T060001Z", "sample": False},
    {"source": "sdc", "title": "Census State Data Centers", "status": "carried_forward",
     "records": 1, "source_url": "https://www.census.gov/about/partners/sdc/member-network.html",
     "retrieved_at": "2026-11-25T06:00:00Z", "snapshot": "20261125T060000Z", "sample": False,
     "problem": "census.gov did not answer (connection refused); last good listings kept"},
    {"source": "meetup", "title": "Meetup group calendars", "status": "missing", "records": 0,
     "sample": False, "problem": "never fetched: no snapshot yet"},
]

CHANGES = [
    ("added", "im-00000000000e", "Missoula Community Foundation", None, None, None, None),
    ("changed", "im-000000000004", "Dayton Civic Hackers", "activity", "dormant", "active",
     None),
    ("changed", "im-000000000004", "Dayton Civic Hackers", "next_event_date", None,
     "2026-12-10", None),
    ("removed", "im-0000000000ff", "Code for Nowhere", None, None, None, None),
    ("merged", "im-0000000000fe", "Dayton Civic Hackers Inc.", None, None, None,
     "im-000000000004"),
]
SUMMARY = {"added": 1, "removed": 1, "changed": 1, "merged": 1, "split": 0, "since": PREVIOUS}
FIRST_SUMMARY = {"added": 0, "removed": 0, "changed": 0, "merged": 0, "split": 0,
                 "since": None}


def typed(table, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as the published table holds them: its columns, its dtypes, NA for missing."""
    empty = empty_frame(table)
    frame = pd.DataFrame([{c: r.get(c) for c in empty.columns} for r in rows],
                         columns=empty.columns)
    return frame.astype(empty.dtypes.to_dict())


def tables(orgs: list[dict[str, Any]] = ORGS) -> dict[str, pd.DataFrame]:
    return {"intermediaries": typed(INTERMEDIARIES, orgs),
            "source_status": typed(SOURCE_STATUS, SOURCES),
            "changes": pd.DataFrame(CHANGES, columns=CHANGE_COLUMNS)}


def info(sample: bool = False) -> dict[str, Any]:
    title = "Civic data intermediaries" + (" (SAMPLE)" if sample else "")
    return {"version": VERSION, "created": "2026-12-02T06:00:12Z", "sample": sample,
            "mode": "replay" if sample else "live", "title": title}


KINDS = ("nnip_partner", "state_data_center", "civic_tech_group", "brigade", "government",
         "civic_tech_network", "project", "local_government", "community_foundation")
PRECISIONS = ("source", "address", "zip", "city", "county", "state", "region", "none")
ACTIVITIES = ("active", "dormant", "gone", "unknown")


def synthetic_orgs(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` organizations spread over the contiguous states, with realistic names,
    websites and a mix of kinds, precisions and activity."""
    rng = random.Random(seed)
    words = ("Data", "Civic", "Open", "Community", "Regional", "County", "City", "Tech",
             "Foundation", "Alliance", "Partners", "Center", "Institute", "Lab", "Network")
    cities = (("Dayton", "OH", 39.76, -84.19), ("Chicago", "IL", 41.88, -87.63),
              ("Austin", "TX", 30.27, -97.74), ("Denver", "CO", 39.74, -104.99),
              ("Atlanta", "GA", 33.75, -84.39), ("Seattle", "WA", 47.61, -122.33),
              ("Springfield", "MO", 37.21, -93.29), ("Portland", "ME", 43.66, -70.26))
    orgs = []
    for n in range(count):
        city, state, lat, lon = rng.choice(cities)
        precision = rng.choices(PRECISIONS, weights=(30, 5, 25, 25, 5, 4, 3, 3))[0]
        at = None if precision == "none" else (  # to 5 decimals (~1 m), as sources give them
            round(lat + rng.uniform(-2, 2), 5), round(lon + rng.uniform(-2, 2), 5))
        name = " ".join(rng.sample(words, 3)) + f" of {city} {n}"
        orgs.append(org(100 + n, name, rng.choice(KINDS), at, city, state,
                        location_precision=precision, activity=rng.choice(ACTIVITIES),
                        website=f"https://www.{name.lower().replace(' ', '-')}.org/",
                        next_event_date=rng.choice((None, "2026-12-15")),
                        sources=rng.choice(("cfa", "dotgov", "irs_bmf", "sdc; dotgov"))))
    return orgs


# For the answer's parity tests (CLI `near --json` = SQL `near_place`): territory governments,
# governments far away, a foundation with several EINs of one name, a government publishing
# data (its portal columns are dropped where the release does not publish them yet).
ANSWER_ORGS = ORGS + [
    org(20, "Government of Guam", "local_government", (13.4757, 144.7489), "Hagatna", "GU",
        sources="dotgov", website="https://guam.gov/", government_level="state",
        government_unit="general"),
    org(21, "Commonwealth of Puerto Rico", "local_government", (18.4655, -66.1057), "San Juan",
        "PR", sources="dotgov", website="https://pr.gov/", government_level="state",
        government_unit="general"),
    org(22, "City of Adak", "local_government", (51.8800, -176.6581), "Adak", "AK",
        sources="dotgov", government_level="city", government_unit="general"),
    org(23, "County of Kauai", "local_government", (21.9789, -159.3711), "Lihue", "HI",
        sources="dotgov", government_level="county", government_unit="general"),
    *(org(24 + n, f"Community Foundation of Missoula{suffix}", "community_foundation",
          (46.8721, -113.9940), "Missoula", "MT", sources="irs_bmf", county_fips="30063")
      for n, suffix in enumerate(("", ".", "  "))),
    org(27, "Community Foundation Of Missoula", "community_foundation", (46.8700, -113.9900),
        "Missoula", "MT", sources="irs_bmf", county_fips="30063"),
    org(28, "City of Huber Heights", "local_government", (39.8439, -84.1247), "Huber Heights",
        "OH", sources="dotgov", government_level="city", government_unit="general",
        county_fips="39113", open_data_portal="https://maps.huberheightsoh.gov/arcgis/rest",
        portal_software="ArcGIS Server"),
    org(29, "City of Kettering", "local_government", (39.6895, -84.1688), "Kettering", "OH",
        sources="dotgov", government_level="city", government_unit="general",
        county_fips="39113"),
    org(30, "State of Ohio", "local_government", (39.9612, -82.9988), "Columbus", "OH",
        sources="dotgov", government_level="state", government_unit="general"),
    org(31, "Alaska Department of Labor Research and Analysis", "state_data_center",
        (58.3019, -134.4197), "Juneau", "AK", role="lead", sources="sdc"),
    org(32, "Fairbanks Civic Tech", "civic_tech_group", (64.8378, -147.7164), "Fairbanks", "AK",
        activity="active"),
]
