"""Clusters under the rules: links applied strongest first into a union-find that refuses a
union breaking a rule, then each cluster's anchor and each listing's reason.

Rules that always hold (checked on whole clusters, so no chain of links can break them):
listings of one source stay apart unless that source lists one organization twice (the same
name and website, or the same name, place and kind without websites telling them apart);
governments of different levels never link; a local government never links with a civic tech
group; a university never links with another kind; listings with different departments never
link; a maintainer's ``never_link`` pair stays apart. A maintainer's ``force_link`` is the one
exception.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import numpy as np

from pipelines.link.edges import OWN_RECORD, Edge

UNIVERSITY_CLASS = 4  # features.sql's kind class of universities: they link with no other


class Clusters:
    """Union-find that refuses a union breaking a rule: two listings of one source that are not
    the same listing twice, two government levels, two departments, a government with a civic
    tech group, a university with another kind, or a never_link pair. Plain lists: per-element
    numpy access is slow."""

    def __init__(self, rows: Mapping[str, np.ndarray], never: Sequence[tuple[int, int]]
                 ) -> None:
        self.parent = list(range(len(rows["src"])))
        self._rows = rows  # integer codes per row; 0 is "none" for site, level, department
        self._state: dict[int, dict] = {}
        self._never: dict[int, set[tuple[int, int]]] = {}
        for index, (a, b) in enumerate(never):
            self._never.setdefault(a, set()).add((index, 0))
            self._never.setdefault(b, set()).add((index, 1))

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def roots(self) -> np.ndarray:
        """Every row's root, by pointer jumping over the whole array at once."""
        parent = np.asarray(self.parent, dtype=np.int64)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent
            parent = grand

    def _summary(self, root: int) -> dict:
        state = self._state.get(root)
        if state is None:
            rows = self._rows
            state = {
                "sources": {int(rows["src"][root]): (int(rows["nid"][root]),
                                                     int(rows["site"][root]),
                                                     int(rows["place"][root]))},
                "level": int(rows["level"][root]),
                "department": int(rows["department"][root]),
                "kinds": {int(rows["kind_class"][root])},
                "never": set(self._never.get(root, ())),
            }
            self._state[root] = state
        return state

    def union(self, a: int, b: int, forced: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        sa, sb = self._summary(ra), self._summary(rb)
        if not forced and not _compatible(sa, sb):
            return False
        if len(sa["sources"]) < len(sb["sources"]):
            ra, rb, sa, sb = rb, ra, sb, sa
        self.parent[rb] = ra
        for source, rep in sb["sources"].items():
            sa["sources"].setdefault(source, rep)
        sa["level"] = sa["level"] or sb["level"]
        sa["department"] = sa["department"] or sb["department"]
        sa["kinds"] |= sb["kinds"]
        sa["never"] |= sb["never"]
        del self._state[rb]
        return True


def _compatible(sa: dict, sb: dict) -> bool:
    for source, rep in sb["sources"].items():
        other = sa["sources"].get(source)
        if other is not None and not _listed_twice(other, rep):
            return False
    if sa["level"] and sb["level"] and sa["level"] != sb["level"]:
        return False
    if sa["department"] and sb["department"] and sa["department"] != sb["department"]:
        return False
    kinds = sa["kinds"] | sb["kinds"]
    if {1, 2} <= kinds or (UNIVERSITY_CLASS in kinds and len(kinds) > 1):
        return False
    if sa["never"] and sb["never"]:
        return not any((index, 1 - side) in sa["never"] for index, side in sb["never"])
    return True


def _listed_twice(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    """Whether one source's two listings (name, site, place codes) are one organization: the
    same name and the same website, or the same name, place and kind and no website."""
    (name_a, site_a, place_a), (name_b, site_b, place_b) = a, b
    if name_a != name_b or site_a != site_b:
        return False
    return site_a != 0 or (place_a == place_b and place_a != 0)


def link_reasons(edges: Sequence[Edge], clusters: Clusters, anchors: Mapping[int, int],
                 keys: np.ndarray, size: int) -> list[str]:
    """Each listing's reason: the link by which the strongest-first spanning tree grown from its
    cluster's anchor reaches it (so reasons never depend on row order)."""
    reasons = [OWN_RECORD] * size
    neighbours: dict[int, list[tuple]] = {}
    for e in edges:
        if clusters.find(e.a) == clusters.find(e.b):
            neighbours.setdefault(e.a, []).append((e.priority, -e.score, keys[e.b], e.b, e.reason))
            neighbours.setdefault(e.b, []).append((e.priority, -e.score, keys[e.a], e.a, e.reason))
    for anchor in anchors.values():
        if anchor not in neighbours:
            continue
        reached = {anchor}
        heap = list(neighbours[anchor])
        heapq.heapify(heap)
        while heap:
            _, _, _, row, reason = heapq.heappop(heap)
            if row in reached:
                continue
            reached.add(row)
            reasons[row] = reason
            for item in neighbours.get(row, ()):
                if item[3] not in reached:
                    heapq.heappush(heap, item)
    return reasons


def cluster_anchors(roots: np.ndarray, rank: np.ndarray, keys: np.ndarray) -> dict[int, int]:
    """Root -> anchor of each cluster of several listings: its listing of the highest-ranked
    source, then smallest key (a listing alone is its own anchor)."""
    shared = np.flatnonzero(np.bincount(roots, minlength=len(roots))[roots] > 1)
    best: dict[int, tuple] = {}
    for row in shared.tolist():
        root, candidate = int(roots[row]), (int(rank[row]), keys[row], row)
        if root not in best or candidate < best[root]:
            best[root] = candidate
    return {root: candidate[2] for root, candidate in best.items()}
