"""Link the listings that describe one organization, and say why each link was made.

Candidate pairs come from blocking, never from all pairs (measured in GUIDE §7):

- a **site key**: the website's host without ``www.`` plus up to two path segments, page names
  such as ``/about`` or ``/index.html`` ignored (``cityofx.gov/planning``). The registrable
  domain (``cornell.edu``, from tldextract's bundled suffix list) is a feature, not a block of
  its own: alone it puts every unit of a university or county in one bucket;
- the **full path on a shared host** (``github.com/<org>``, ``facebook.com/<page>``,
  ``sites.google.com/...``, ``<name>.wordpress.com``, ``linktr.ee/<name>``, ...): a shared host
  alone (``https://github.com``) identifies nobody, and ``github.com/a`` is not ``github.com/b``;
- the **Meetup group** (``meetup.com/<urlname>``, from a website or an events_url);
- **names in one place**, normalised (lowercase, accents and punctuation dropped, '&' ->
  'and', 'the', 'inc', 'llc' ... dropped, common abbreviations expanded) and with their
  numbers and direction words ("Region 2", "North") in every key: all listings of a small
  town; in a larger place those sharing the first or the last word; the same whole name in a
  state; the same first and last word in a state; the same first word on one registrable
  domain. Blocks are cut into length bands, since names of very different lengths never link.

Pairs sharing a site key, shared-host path or Meetup group are the same organization (subject
to the rules below). Name candidates need the place (same city; same state when one has no
city and the name is not used in several cities there) or the website (same registrable
domain, and no other one) to agree, then an absolute edit distance on the normalised names
within ``thresholds.EDITS_BY_LENGTH``, every differing word being a typo of the other.
One source's listings of one normalised name in one city and state, of one kind, are one
organization too (several EINs of one community foundation: its supporting organizations and
funds). Each accepted link carries its reason (``same_website``, ``same_meetup_group``,
``same_shared_host_path``, ``name_similarity=0.97; same_city``, ``same_name_same_place``).

Rules that always hold (checked on whole clusters, so no chain of links can break them):
listings of one source stay apart unless that source lists one organization twice (the same
name and website, or the same name, place and kind and no website telling them apart);
governments of different levels never link; a ``local_government`` never links with a civic
tech group; a university never links with another kind (units of universities are linked by
``part_of`` instead, ``pipelines.link.units``); listings with different departments never
link; a maintainer's ``never_link`` pair stays apart. A maintainer's ``force_link`` is the one
exception. Links are
applied strongest first (then by closeness of the names, then by key), so the clusters never
depend on row order. Blocking and the cheap checks run in DuckDB, the edit distances in
rapidfuzz on integer codes, so the same code links the pipeline's few thousand listings (2,000
in about 0.15 s) and the synthetic million of ``bench/link_synthetic.py``.

This module runs the steps, each in its own module: ``normalise`` (names and URLs made
comparable), ``features`` (the listings in DuckDB, one table per feature; the SQL is in
``sql/``), ``blocking`` (candidate pairs), ``scoring`` (which pairs become links, ``edges``),
``clusters`` (the links applied under the rules); ``thresholds`` holds every limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.link.blocking import name_pairs, same_place_pairs, site_pairs
from pipelines.link.clusters import Clusters, cluster_anchors, link_reasons
from pipelines.link.edges import OVERRIDE, Edge
from pipelines.link.features import (
    build_features,
    connect,
    load_listings,
    name_texts,
    rule_codes,
)
from pipelines.link.scoring import same_place_edges, score_name_pairs, site_edges
from schemas.codes import kinds_in_link_class

# The kinds the rules keep apart: a local government never links with a civic tech group.
LOCAL_GOVERNMENT = kinds_in_link_class("government")
CIVIC_TECH = kinds_in_link_class("civic_tech")
# A university links only with listings of universities: a brigade named after the campus it
# meets at, or an SDC agency at the university, stays its own organization (a unit: part_of).
UNIVERSITY = kinds_in_link_class("university")


@dataclass
class Constraints:
    """Maintainer overrides in row terms: links to force (with reasons) and pairs kept apart."""

    force: list[tuple[int, int, str]] = field(default_factory=list)
    never: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Linked:
    """Per listing: the row of its cluster's anchor (the cluster label) and why it is there."""

    cluster: np.ndarray
    link_reason: list[str]
    candidate_pairs: int  # pairs the blocking produced and the scoring looked at
    accepted: int  # edges accepted by the scoring (before the cluster rules)


@dataclass(frozen=True)
class _Found:
    """The links the listings' websites and names make, and what the rules compare."""

    edges: list[Edge]
    rule_codes: dict[str, np.ndarray]
    candidate_pairs: int


def link(listings: pd.DataFrame, keys: Sequence[str] | None = None,
         rank: Sequence[int] | None = None, constraints: Constraints | None = None,
         extra_edges: Sequence[Edge] = ()) -> Linked:
    """Cluster listings (columns from ``features.INPUT_COLUMNS``; missing ones count as empty).

    ``keys`` are stable, unique keys of the rows ('source:source_key', the default) and
    ``rank`` a precedence per row (lower first, default 0): together they choose each
    cluster's anchor and break ties, so the result never depends on row order. ``extra_edges``
    are links given by the sources (a Meetup group read because a brigade points at it).
    """
    size = len(listings)
    if keys is None:
        keys = (listings["source"].astype(str) + ":" + listings["source_key"].astype(str))
    keys = np.asarray(keys, dtype=object)
    rank = np.zeros(size, dtype=np.int64) if rank is None else np.asarray(rank)
    constraints = constraints or Constraints()
    if size == 0:
        return Linked(np.zeros(0, dtype=np.int64), [], 0, 0)
    found = _find_links(listings)
    forced = [Edge(a, b, OVERRIDE, 1.0, f"override: {why}") for a, b, why in constraints.force]
    edges = _strongest_first([*found.edges, *extra_edges, *forced], keys)
    cluster, reasons = _cluster(edges, found.rule_codes, constraints.never, rank, keys)
    return Linked(cluster, reasons, found.candidate_pairs, len(found.edges))


def _find_links(listings: pd.DataFrame) -> _Found:
    """Features and blocking in DuckDB, then the scoring: site links and name links."""
    with connect() as con:
        load_listings(con, listings)
        build_features(con, LOCAL_GOVERNMENT, CIVIC_TECH, UNIVERSITY)
        names = name_texts(con)
        site = site_pairs(con)
        name, compared = name_pairs(con)
        same_place = same_place_pairs(con)
        codes = rule_codes(con)
    edges = (site_edges(site, names) + score_name_pairs(name, names)
             + same_place_edges(same_place))
    return _Found(edges, codes, compared + len(site) + len(same_place))


def _strongest_first(edges: list[Edge], keys: np.ndarray) -> list[Edge]:
    """Edges by priority, then closeness of the names, then the keys: never by row order."""
    return sorted(edges, key=lambda e: (e.priority, -e.score, min(keys[e.a], keys[e.b]),
                                        max(keys[e.a], keys[e.b])))


def _cluster(edges: Sequence[Edge], codes: dict[str, np.ndarray],
             never: Sequence[tuple[int, int]], rank: np.ndarray, keys: np.ndarray,
             ) -> tuple[np.ndarray, list[str]]:
    """Each listing's cluster (its anchor's row) and reason, the edges applied in order and
    each refused that would break a rule (an override is never refused)."""
    size = len(keys)
    clusters = Clusters(codes, never)
    kept = [e for e in edges if clusters.union(e.a, e.b, forced=e.priority == OVERRIDE)]
    roots = clusters.roots()
    anchors = cluster_anchors(roots, rank, keys)
    reasons = link_reasons(kept, clusters, anchors, keys, size)
    anchor_of = np.arange(size)
    anchor_of[list(anchors)] = list(anchors.values())
    return anchor_of[roots], reasons
