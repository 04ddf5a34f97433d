"""Which candidate pairs become links, and in what order they are tried.

Name pairs: an absolute edit distance (``thresholds.EDITS_BY_LENGTH``) in rapidfuzz on the
names by code, then every differing word must be a typo of the other (``_typos_only``); the
reason says how close and where the listings agree (``name_similarity=0.97; same_city``).
Site pairs are links already; their name similarity only orders them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from pipelines.link.edges import (
    SAME_NAME,
    SAME_NAME_SAME_PLACE,
    SAME_PLACE_REASON,
    SITE_REASONS,
    Edge,
)
from pipelines.link.thresholds import EDITS_BY_LENGTH, MAX_EDITS, PAIR_CHUNK, THREADS


def _edits(names: np.ndarray, nid_a: np.ndarray, nid_b: np.ndarray) -> np.ndarray:
    """Edit distance (optimal string alignment: a swap of two letters is one edit) of name
    pairs by code, capped at MAX_EDITS + 1, in chunks so memory stays bounded."""
    edits = np.zeros(len(nid_a), dtype=np.int32)
    for start in range(0, len(nid_a), PAIR_CHUNK):
        a, b = nid_a[start:start + PAIR_CHUNK], nid_b[start:start + PAIR_CHUNK]
        differ = a != b
        if differ.any():
            part = edits[start:start + PAIR_CHUNK]
            part[differ] = process.cpdist(names[a[differ]], names[b[differ]],
                                          scorer=OSA.distance, score_cutoff=MAX_EDITS + 1,
                                          workers=THREADS)
    return edits


def allowed_edits(length: np.ndarray) -> np.ndarray:
    """Edits allowed between two names, by the shorter one's length (EDITS_BY_LENGTH)."""
    allowed = np.zeros(len(length), dtype=np.int32)
    for minimum, edits in reversed(EDITS_BY_LENGTH):
        allowed[length >= minimum] = edits
    return allowed


def _lengths(names: np.ndarray) -> np.ndarray:
    return np.fromiter((len(n) for n in names), dtype=np.int32, count=len(names))


def _typos_only(a: str, b: str) -> bool:
    """Whether two close names differ by typos rather than by a word. When their words line
    up, each pair of differing words must be a typo of one another: within one edit (two from
    six letters); the same first letter, unless only that letter was changed (words of five
    letters or more: "sxchange") or added or dropped (four or more: "nfood"); not two words of
    three letters or fewer ("nyc" / "nys", "ri" / "rio": acronyms and codes); not a word and
    its extension ("martin" / "martinez"). "nelson family foundation" / "wilson ...", "...
    parks league" / "... arts league" are different organizations two edits apart. A typo that
    moved a space ("publi chealth") is judged on the whole name."""
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b) or (
            OSA.distance(a.replace(" ", ""), b.replace(" ", "")) < OSA.distance(a, b)):
        return True
    for x, y in zip(words_a, words_b, strict=True):
        if x == y:
            continue
        shorter, longer = sorted((x, y), key=len)
        if len(longer) <= 3 or (longer.startswith(shorter) and len(longer) - len(shorter) > 1):
            return False
        if x[0] == y[0]:
            if OSA.distance(x, y) > (1 if len(shorter) < 6 else 2):
                return False
        elif not ((len(shorter) >= 5 and x[1:] == y[1:])
                  or (len(shorter) >= 4 and (x[1:] == y or x == y[1:]))):
            return False
    return True


def score_name_pairs(pairs: pd.DataFrame, names: np.ndarray) -> list[Edge]:
    """The name pairs (``blocking.name_pairs``) within the edits their length allows and
    differing by typos only, as links with their similarity and where the listings agree."""
    if pairs.empty:
        return []
    nid_a, nid_b = pairs["nid_a"].to_numpy(), pairs["nid_b"].to_numpy()
    lengths = _lengths(names)
    edits = _edits(names, nid_a, nid_b)
    keep = np.flatnonzero(edits <= allowed_edits(np.minimum(lengths[nid_a], lengths[nid_b])))
    keep = keep[[nid_a[i] == nid_b[i] or _typos_only(names[nid_a[i]], names[nid_b[i]])
                 for i in keep.tolist()]]
    similarity = 1 - edits[keep] / np.maximum(lengths[nid_a[keep]], lengths[nid_b[keep]])
    chosen = pairs.iloc[keep]
    places = np.select(
        [chosen["same_city"].to_numpy(), chosen["same_state"].to_numpy(),
         chosen["same_country"].to_numpy()],
        ["; same_city", "; same_state", "; same_country"], "")
    domains = np.where(chosen["same_domain"].to_numpy(), "; same_domain", "")
    return [Edge(int(a), int(b), SAME_NAME, float(s), f"name_similarity={s:.2f}{p}{d}")
            for a, b, s, p, d in zip(chosen["a"], chosen["b"], similarity, places, domains,
                                     strict=True)]


def site_edges(pairs: pd.DataFrame, names: np.ndarray) -> list[Edge]:
    """Site, shared-path and Meetup links, scored by name similarity only to order them (the
    closer name wins when a cluster rule lets only one of two links through)."""
    if pairs.empty:
        return []
    nid_a = pairs["nid_a"].fillna(-1).to_numpy().astype(np.int64)
    nid_b = pairs["nid_b"].fillna(-1).to_numpy().astype(np.int64)
    known = np.flatnonzero((nid_a >= 0) & (nid_b >= 0))
    scores = np.zeros(len(pairs), dtype=np.float64)
    if len(known):
        scores[known] = process.cpdist(names[nid_a[known]], names[nid_b[known]],
                                       scorer=OSA.normalized_similarity, workers=THREADS)
    return [Edge(int(a), int(b), int(p), float(s), SITE_REASONS[int(p)])
            for a, b, p, s in zip(pairs["a"], pairs["b"], pairs["priority"], scores,
                                  strict=True)]


def same_place_edges(pairs: pd.DataFrame) -> list[Edge]:
    """One source's listings of one name in one place (``blocking.same_place_pairs``): the
    weakest links, tried last."""
    return [Edge(int(a), int(b), SAME_NAME_SAME_PLACE, 1.0, SAME_PLACE_REASON)
            for a, b in zip(pairs["a"], pairs["b"], strict=True)]
