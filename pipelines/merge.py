"""Link every source's listings into one row per real-world organization.

Listings of different sources are linked when they share a website (scheme, ``www.`` and
trailing slash ignored) or the same normalised name in the same state; listings of one source
only when both name and website agree (a source lists distinct organizations apart, and two
chapters may share a parent's site). Each organization's id is derived from
its anchor listing (the first by source order, then record id), so it stays the same across
refreshes as long as that listing exists.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import pandas as pd

from pipelines.collect import SourceRecords
from pipelines.location import locate_organizations
from schemas.published import EVENTS, INTERMEDIARIES, SOURCE_RECORDS, SOURCE_STATUS
from schemas.table import empty_frame, pandera_schema
from sources.registry import source_named

LISTING_COLUMNS = [c for c in SOURCE_RECORDS.columns if c not in ("intermediary_id", "link_reason")]


def normalise_website(url: object) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return None
    text = re.sub(r"^https?://", "", url.strip().lower())
    text = re.sub(r"^www\.", "", text)
    text = text.split("#")[0].split("?")[0].rstrip("/")
    return text or None


def normalise_name(name: object) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", str(name).lower().replace("&", " and "))
    return re.sub(r"\s+", " ", text).strip()


def intermediary_id(anchor_record_id: str) -> str:
    return "im-" + hashlib.sha256(anchor_record_id.encode()).hexdigest()[:12]


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def link(listings: pd.DataFrame) -> pd.DataFrame:
    """Add ``intermediary_id`` and ``link_reason`` to listings (rows must be in source order).

    A listing may name the listing it describes in an optional ``links_to`` column (a Meetup
    group read because a brigade's events_url points at it); that link is taken as given.
    """
    listings = listings.reset_index(drop=True)
    groups = _UnionFind(len(listings))
    reasons: dict[int, str] = {}
    if "links_to" in listings:
        row_of = {record: row for row, record in listings["record_id"].items()}
        for row, target in listings["links_to"].items():
            if isinstance(target, str) and target in row_of:
                groups.union(row, row_of[target])
                reasons[row] = "listed as the same organization's page"
    website = listings["website"].map(normalise_website)
    name = listings["name"].map(normalise_name)
    source = listings["source"]
    for key, reason in (
        (website, "same website"),
        (name + "|" + listings["state"].fillna("").astype(str), "same name in same state"),
    ):
        seen: dict[str, list[int]] = {}
        for row, value in key.items():
            if not isinstance(value, str):
                continue
            for other in seen.get(value, []):
                # A source lists distinct organizations separately (two chapters may share a
                # parent's website): within one source, only the same name and website link.
                if source[row] != source[other] or (
                    name[row] == name[other] and website[row] == website[other]
                ):
                    if groups.find(row) != groups.find(other):
                        reasons.setdefault(row, reason)
                    groups.union(row, other)
                    break
            seen.setdefault(value, []).append(row)
    roots = [groups.find(i) for i in range(len(listings))]
    anchors = {root: listings.at[root, "record_id"] for root in set(roots)}
    linked = listings.assign(
        intermediary_id=[intermediary_id(anchors[r]) for r in roots],
        link_reason=[
            "own record" if i == r else reasons.get(i, "same website") for i, r in enumerate(roots)
        ],
    )
    return linked


def merge(listings_by_source: Sequence[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Listings from every source (in source order) -> (intermediaries, source_records)."""
    # a source provides the shared columns it has (role, say, only where it applies)
    frames = [f.reindex(columns=[*LISTING_COLUMNS, "links_to"]).astype(object)
              for f in listings_by_source if len(f)]
    if not frames:
        return empty_frame(INTERMEDIARIES), empty_frame(SOURCE_RECORDS)
    listings = pd.concat(frames, ignore_index=True)
    linked = link(listings)
    source_records = pandera_schema(SOURCE_RECORDS).validate(linked[list(SOURCE_RECORDS.columns)])
    rows = []
    for org_id, members in linked.groupby("intermediary_id", sort=False):
        row = {"intermediary_id": org_id}
        for column in LISTING_COLUMNS:
            if column not in INTERMEDIARIES.columns or column == "intermediary_id":
                continue
            present = members[column].dropna()
            row[column] = present.iloc[0] if len(present) else None
        row["sources"] = "; ".join(dict.fromkeys(members["source"]))
        rows.append(row)
    intermediaries = locate_organizations(pd.DataFrame(rows)).assign(activity="unknown")
    intermediaries = intermediaries.reindex(columns=list(INTERMEDIARIES.columns))
    intermediaries = intermediaries.sort_values("intermediary_id", ignore_index=True)
    return intermediaries, source_records


def link_events(events: Sequence[pd.DataFrame], source_records: pd.DataFrame) -> pd.DataFrame:
    """Events from every source, each given the intermediary of the listing it belongs to."""
    frames = [f.astype(object) for f in events if f is not None and len(f)]
    if not frames:
        return empty_frame(EVENTS)
    linked = pd.concat(frames, ignore_index=True)
    ids = source_records.set_index("record_id")["intermediary_id"]
    linked["intermediary_id"] = linked["record_id"].map(ids)
    linked = linked.dropna(subset=["intermediary_id"]).drop_duplicates("event_id")
    return pandera_schema(EVENTS).validate(linked.reindex(columns=list(EVENTS.columns)))


def source_status(results: Sequence[SourceRecords]) -> pd.DataFrame:
    """One row per source: fresh, carried forward or missing, with counts and problems."""
    rows = [
        {
            "source": r.source,
            "title": source_named(r.source).title,
            "status": r.status,
            "records": len(r.records),
            "source_url": r.url,
            "retrieved_at": r.retrieved_at,
            "snapshot": r.snapshot.rsplit("/", 1)[-1] if r.snapshot else None,
            "sample": r.sample,
            "problem": r.problem,
        }
        for r in results
    ]
    frame = pd.DataFrame(rows, columns=list(SOURCE_STATUS.columns))
    return pandera_schema(SOURCE_STATUS).validate(frame)
