"""Stable ids: minted once, remembered in a crosswalk beside the releases, never reused.

An organization keeps its id across refreshes for as long as any source lists it, whatever
its name becomes, because ids hang on each listing's **stable source key** (``source`` +
``source_key``: a brigade's website, a Meetup group's urlname, a .gov domain, an EIN; each
source module's ``to_listings`` says which), not on names or on row order.

``id_crosswalk.csv`` in the output folder (a sample or replay run has its own folder, so its
own crosswalk) holds one row per key and id: ``source, source_key, intermediary_id, name,
first_seen, last_seen, status``. ``status`` is ``active`` (listed in the latest release),
``retired`` (not listed any more: the key keeps its id, so if it is listed again it gets it
back) or ``moved`` (the key once had this id and now has another, after a merge or a split;
kept so every id ever minted stays known). It is read when a release is built and written
only when that release is published (``pipelines.publish.crosswalk``); this module works on
it in memory (``IdMemory``).

Resolution, for the clusters the linker made (``assign_ids``):

1. each listing claims the id its key has in the crosswalk; a key not there may claim the id
   of an unlisted key of its source that it names: its ``previous_names`` matching that key's
   last name, else one of its own URLs or ``key_aliases`` being that key;
2. an id claimed from several clusters (a **split**) goes to the cluster claiming it most
   strongly, then the largest, then the one with the smallest anchor key; the others mint;
3. a cluster owning several ids (a **merge**) keeps the oldest-minted one (then the smallest)
   and records the others as merged into it;
4. a cluster owning none **mints**: ``im-`` + 12 hex digits of sha256(anchor key + salt), the
   salt counting up until the id was never minted before (so a retired id is never given to
   another organization);
5. an id that had listings and has none now is **retired**; a retired id listed again (its
   key is back) is **revived**.

Every event is appended to ``id_history`` (published), with the date and the reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.link.normalise import normalise_names
from schemas.published import ID_HISTORY
from schemas.table import empty_frame
from sources.keys import url_key

CROSSWALK_COLUMNS = ("source", "source_key", "intermediary_id", "name", "first_seen",
                     "last_seen", "status")
STATUSES = ("active", "retired", "moved")
# how strongly a listing claims an old id: its own key, its previous name, one of its URLs
OWN_KEY, PREVIOUS_NAME, ALIAS = 3, 2, 1
EVENT_ORDER = {"minted": 0, "revived": 1, "merged": 2, "split": 3, "retired": 4}


@dataclass(frozen=True)
class IdMemory:
    """What earlier releases remembered: the crosswalk and the id history."""

    crosswalk: pd.DataFrame
    history: pd.DataFrame

    @classmethod
    def empty(cls) -> IdMemory:
        return cls(pd.DataFrame(columns=list(CROSSWALK_COLUMNS), dtype=object),
                   empty_frame(ID_HISTORY).astype(object))


@dataclass(frozen=True)
class Identified:
    """Ids for the listings, the updated crosswalk and history, first_seen per id."""

    ids: list[str]
    first_seen: dict[str, str]
    crosswalk: pd.DataFrame
    history: pd.DataFrame


def _digest(key: str, salt: int) -> str:
    return hashlib.sha256(f"{key}\x00{salt}".encode()).hexdigest()[:12]


def mint(key: str, taken: set[str]) -> str:
    """A new id for an organization first listed under ``key``, never one minted before."""
    salt = 0
    while (candidate := "im-" + _digest(key, salt)) in taken:
        salt += 1
    taken.add(candidate)
    return candidate


def _split(value: object) -> list[str]:
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


def _claims(listings: pd.DataFrame, live: pd.DataFrame) -> list[tuple[str, int] | None]:
    """Per listing: (old id, strength) it claims, or None (see the module docstring)."""
    by_key = {(s, k): i for s, k, i in zip(live["source"], live["source_key"],
                                            live["intermediary_id"], strict=True)}
    current = set(zip(listings["source"], listings["source_key"], strict=True))
    unlisted = live.loc[np.array([(s, k) not in current for s, k in zip(
        live["source"], live["source_key"], strict=True)], dtype=bool)]
    previous = [_split(v) for v in listings.get("previous_names", pd.Series(index=listings.index,
                                                                            dtype=object))]
    # the unlisted keys' last names and the listings' previous names, normalised in one go
    normalised = normalise_names([*unlisted["name"], *(n for names_ in previous for n in names_)])
    names, previous_norm = normalised[:len(unlisted)], iter(normalised[len(unlisted):])
    by_name: dict[tuple[str, str], set[str]] = {}
    for source, name, old in zip(unlisted["source"], names, unlisted["intermediary_id"],
                                 strict=True):
        if name:
            by_name.setdefault((source, name), set()).add(old)
    unlisted_keys = {(s, k): i for s, k, i in zip(unlisted["source"], unlisted["source_key"],
                                                   unlisted["intermediary_id"], strict=True)}
    previous = [[next(previous_norm) for _ in names_] for names_ in previous]
    claims: list[tuple[str, int] | None] = []
    for position, row in enumerate(listings.itertuples(index=False)):
        source = row.source
        own = by_key.get((source, row.source_key))
        if own is not None:
            claims.append((own, OWN_KEY))
            continue
        named = {i for n in previous[position] if n for i in by_name.get((source, n), ())}
        if len(named) == 1:
            claims.append((named.pop(), PREVIOUS_NAME))
            continue
        aliases = [*_split(getattr(row, "key_aliases", None)),
                   *(url_key(u) for u in [getattr(row, "website", None),
                                          *_split(getattr(row, "websites", None)),
                                          getattr(row, "events_url", None)])]
        found = sorted({unlisted_keys[(source, a)] for a in aliases if (source, a) in
                        unlisted_keys})
        claims.append((found[0], ALIAS) if found else None)
    return claims


def assign_ids(listings: pd.DataFrame, cluster: np.ndarray, memory: IdMemory,
               today: str) -> Identified:
    """Ids for linked listings (``cluster``: the anchor row of each listing's cluster), from
    and into the crosswalk; ``listings`` needs source, source_key and name (previous_names,
    key_aliases, website, websites and events_url are used when present)."""
    listings = listings.reset_index(drop=True)
    keys = (listings["source"].astype(str) + ":" + listings["source_key"].astype(str)).tolist()
    live = memory.crosswalk[memory.crosswalk["status"] != "moved"]
    claims = _claims(listings, live)  # step 1 of the module docstring
    members = _members(cluster)
    owner = _owners(cluster, claims, members, keys)  # step 2
    resolver = _Resolver(memory, live, keys, claims, owner, today)
    for anchor in sorted(members, key=lambda a: keys[a]):  # steps 3 and 4
        resolver.settle(anchor, members[anchor])
    resolver.retire_unlisted(live)  # step 5
    ids = [resolver.cluster_id[int(anchor)] for anchor in cluster.tolist()]
    updated = _updated_crosswalk(listings, ids, memory.crosswalk, resolver.merged_into, today)
    return Identified(ids, _earliest(updated), updated,
                      _history(memory.history, resolver.events))


def _members(cluster: np.ndarray) -> dict[int, list[int]]:
    """Anchor row -> the rows of its cluster."""
    members: dict[int, list[int]] = {}
    for row, anchor in enumerate(cluster.tolist()):
        members.setdefault(anchor, []).append(row)
    return members


def _owners(cluster: np.ndarray, claims: list[tuple[str, int] | None],
            members: dict[int, list[int]], keys: list[str]) -> dict[str, int]:
    """Old id -> the anchor of the cluster it goes to (step 2): the one claiming it most
    strongly (its listings' claim strengths summed), then the largest, then the one with the
    smallest anchor key."""
    votes: dict[tuple[int, str], int] = {}
    for row, claim in enumerate(claims):
        if claim:
            vote = (int(cluster[row]), claim[0])
            votes[vote] = votes.get(vote, 0) + claim[1]
    contenders: dict[str, list[tuple]] = {}
    for (anchor, old), weight in votes.items():
        contenders.setdefault(old, []).append((-weight, -len(members[anchor]), keys[anchor],
                                               anchor))
    return {old: min(options)[3] for old, options in contenders.items()}


class _Resolver:
    """Steps 3 to 5 of the module docstring, cluster by cluster in anchor key order: collects
    each cluster's id (by anchor row), the ids merged into another, and the events."""

    def __init__(self, memory: IdMemory, live: pd.DataFrame, keys: list[str],
                 claims: list[tuple[str, int] | None], owner: dict[str, int],
                 today: str) -> None:
        self.keys, self.claims, self.owner, self.today = keys, claims, owner, today
        self.owned_by: dict[int, list[str]] = {}
        for old, anchor in owner.items():
            self.owned_by.setdefault(anchor, []).append(old)
        self.minted_on = _earliest(memory.crosswalk)
        self.taken = set(memory.crosswalk["intermediary_id"])  # every id ever minted
        self.taken |= set(memory.history["intermediary_id"].dropna())
        self.taken |= set(memory.history["other_intermediary_id"].dropna())
        self.had_active = set(live.loc[live["status"] == "active", "intermediary_id"])
        self.cluster_id: dict[int, str] = {}
        self.merged_into: dict[str, str] = {}
        self.events: list[dict] = []

    def settle(self, anchor: int, rows: list[int]) -> None:
        """The cluster's id: the oldest it owns, else a new one; and the splits it made (ids
        its listings claim that went to another cluster)."""
        claims = self.claims
        claimed_elsewhere = sorted({claims[r][0] for r in rows if claims[r]
                                    and self.owner[claims[r][0]] != anchor})
        if anchor in self.owned_by:
            self._keep_oldest(anchor, rows, self.owned_by[anchor])
        else:
            self._mint(anchor, claimed_elsewhere)
        for old in claimed_elsewhere:
            self._record("split", self.cluster_id[anchor], old,
                         f"{self._keys_of(rows, old)} were {old}'s and are now listed apart "
                         f"from it")

    def _keep_oldest(self, anchor: int, rows: list[int], owned: list[str]) -> None:
        """Step 3: the oldest-minted id (then the smallest) is kept, the others merged into
        it; kept and not listed in the last release, it is revived."""
        owned = sorted(owned, key=lambda o: (self.minted_on.get(o, self.today), o))
        kept = self.cluster_id[anchor] = owned[0]
        for other in owned[1:]:
            self.merged_into[other] = kept
            self._record("merged", other, kept,
                         f"{self._keys_of(rows, other)} linked with {kept}'s listings; the "
                         f"older id {kept} is kept")
        if kept not in self.had_active:
            self._record("revived", kept, None, f"listed again as {self._keys_of(rows, kept)}")

    def _mint(self, anchor: int, claimed_elsewhere: list[str]) -> None:
        """Step 4: a new id from the anchor's key, never one minted before."""
        new = self.cluster_id[anchor] = mint(self.keys[anchor], self.taken)
        origin = (f"; split from {', '.join(claimed_elsewhere)}" if claimed_elsewhere
                  else "")
        self._record("minted", new, None, f"first listed as {self.keys[anchor]}{origin}")

    def retire_unlisted(self, live: pd.DataFrame) -> None:
        """Step 5: an id listed in the last release and owned by no cluster now (nor merged
        into one) is retired."""
        keys_of_id: dict[str, list[str]] = {}
        for source, key, old in zip(live["source"], live["source_key"],
                                    live["intermediary_id"], strict=True):
            keys_of_id.setdefault(old, []).append(f"{source}:{key}")
        owned_now = set(self.cluster_id.values())
        for old in sorted(self.had_active - owned_now - set(self.merged_into)):
            self._record("retired", old, None,
                         f"no source lists {_short(sorted(keys_of_id[old]))} any more")

    def _keys_of(self, rows: list[int], old: str) -> str:
        """The keys of the cluster's listings claiming ``old``."""
        claims = self.claims
        return _short(sorted(self.keys[r] for r in rows if claims[r] and claims[r][0] == old))

    def _record(self, event: str, intermediary: str, other: str | None, reason: str) -> None:
        self.events.append({"recorded_on": self.today, "id_event": event,
                            "intermediary_id": intermediary, "other_intermediary_id": other,
                            "id_event_reason": reason})


def _history(history: pd.DataFrame, events: list[dict]) -> pd.DataFrame:
    """The id history with today's events, by day, then event (EVENT_ORDER), then id."""
    history = pd.concat([history.astype(object),
                         pd.DataFrame(events, columns=list(ID_HISTORY.columns))],
                        ignore_index=True)
    return history.sort_values(
        ["recorded_on", "id_event", "intermediary_id"], kind="stable",
        key=lambda c: c.map(EVENT_ORDER) if c.name == "id_event" else c).reset_index(drop=True)


def _earliest(crosswalk: pd.DataFrame) -> dict[str, str]:
    """id -> its earliest first_seen (ISO dates compare as text; a plain loop is far faster
    than a pandas group-by on text)."""
    earliest: dict[str, str] = {}
    for old, day in zip(crosswalk["intermediary_id"], crosswalk["first_seen"], strict=True):
        if old not in earliest or day < earliest[old]:
            earliest[old] = day
    return earliest


def _short(keys: list[str], limit: int = 3) -> str:
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def _updated_crosswalk(listings: pd.DataFrame, ids: list[str], crosswalk: pd.DataFrame,
                       merged_into: dict[str, str], today: str) -> pd.DataFrame:
    """Today's listings as active rows (a key keeps its first_seen while its id is the same);
    earlier rows kept: a listed key's row with another id and a merged id's rows become
    'moved' (an unlisted key of a merged id is re-pointed, retired, to the id it merged
    into); any other unlisted key becomes 'retired'."""
    earlier = {(s, k): (i, f) for s, k, i, f, status in crosswalk[
        ["source", "source_key", "intermediary_id", "first_seen", "status"]].itertuples(
            index=False) if status != "moved"}
    rows, now = [], {}
    for source, key, name, new in zip(listings["source"], listings["source_key"],
                                      listings["name"], ids, strict=True):
        now[(source, key)] = new
        old = earlier.get((source, key))
        rows.append((source, key, new, name, old[1] if old and old[0] == new else today, today,
                     "active"))
    for source, key, old, name, first, last, status in crosswalk[
            list(CROSSWALK_COLUMNS)].itertuples(index=False, name=None):
        if status == "moved":
            rows.append((source, key, old, name, first, last, "moved"))
        elif (source, key) in now:
            if now[(source, key)] != old:
                rows.append((source, key, old, name, first, last, "moved"))
        elif old in merged_into:
            rows.append((source, key, old, name, first, last, "moved"))
            rows.append((source, key, merged_into[old], name, first, last, "retired"))
        else:
            rows.append((source, key, old, name, first, last, "retired"))
    frame = pd.DataFrame(rows, columns=list(CROSSWALK_COLUMNS)).drop_duplicates()
    order = frame["status"].map({s: i for i, s in enumerate(STATUSES)})
    return (frame.assign(_order=order)
            .sort_values(["source", "source_key", "_order", "intermediary_id"])
            .drop(columns="_order").reset_index(drop=True))
