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
only when that release is published (``pipelines.publish.release.publish``).

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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.link.normalise import normalise_names
from pipelines.publish.csv_writer import restore, write_csv
from schemas.published import ID_HISTORY
from schemas.table import empty_frame
from sources.keys import url_key

CROSSWALK_FILE = "id_crosswalk.csv"
HISTORY_FILE = f"{ID_HISTORY.name}.csv"
CROSSWALK_COLUMNS = ("source", "source_key", "intermediary_id", "name", "first_seen",
                     "last_seen", "status")
STATUSES = ("active", "retired", "moved")
# how strongly a listing claims an old id: its own key, its previous name, one of its URLs
OWN_KEY, PREVIOUS_NAME, ALIAS = 3, 2, 1
EVENT_ORDER = {"minted": 0, "revived": 1, "merged": 2, "split": 3, "retired": 4}


class CrosswalkError(Exception):
    """The id crosswalk cannot be read: building on it would mint new ids for everyone."""


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


def read_memory(output_dir: Path) -> IdMemory:
    """The crosswalk and history beside the published release (empty before the first one).

    A crosswalk that exists but cannot be read stops the build (CrosswalkError): carrying on
    would give every organization a new id."""
    memory = IdMemory.empty()
    crosswalk_path, history_path = output_dir / CROSSWALK_FILE, output_dir / HISTORY_FILE
    crosswalk, history = memory.crosswalk, memory.history
    if crosswalk_path.is_file():
        crosswalk = _read_csv(crosswalk_path, CROSSWALK_COLUMNS)
        crosswalk = crosswalk.map(restore)  # as write_crosswalk neutralised them
        bad = ~crosswalk["intermediary_id"].str.fullmatch(r"im-[0-9a-f]{12}").fillna(False)
        bad |= ~crosswalk["status"].isin(STATUSES)
        bad |= crosswalk[["source", "source_key", "first_seen", "last_seen"]].isna().any(axis=1)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise CrosswalkError(f"{crosswalk_path}: line {row} is not a valid crosswalk row "
                                 "(an id im-<12 hex digits>, a status active/retired/moved, "
                                 "source, source_key and dates); fix or restore the file from "
                                 "a backup before publishing again")
    if history_path.is_file():
        history = _read_csv(history_path, ID_HISTORY.columns).map(restore)
    return IdMemory(crosswalk, history)


def _read_csv(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as error:
        raise CrosswalkError(f"{path}: cannot be read as CSV ({error})") from error
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CrosswalkError(f"{path}: columns {missing} are missing; expected "
                             f"{list(columns)}")
    return frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)


def write_crosswalk(crosswalk: pd.DataFrame, path: Path) -> None:
    """Text a spreadsheet would run as a formula gets an apostrophe, removed when read."""
    write_csv(crosswalk, CROSSWALK_COLUMNS, path)


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
    names = normalise_names(unlisted["name"].tolist())
    by_name: dict[tuple[str, str], set[str]] = {}
    for source, name, old in zip(unlisted["source"], names, unlisted["intermediary_id"],
                                 strict=True):
        if name:
            by_name.setdefault((source, name), set()).add(old)
    unlisted_keys = {(s, k): i for s, k, i in zip(unlisted["source"], unlisted["source_key"],
                                                   unlisted["intermediary_id"], strict=True)}
    previous = [_split(v) for v in listings.get("previous_names", pd.Series(index=listings.index,
                                                                            dtype=object))]
    previous_norm = iter(normalise_names([n for names_ in previous for n in names_]))
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
    crosswalk = memory.crosswalk
    live = crosswalk[crosswalk["status"] != "moved"]
    minted_on = _earliest(crosswalk)
    taken = set(crosswalk["intermediary_id"]) | set(memory.history["intermediary_id"].dropna())
    taken |= set(memory.history["other_intermediary_id"].dropna())
    had_active = set(live.loc[live["status"] == "active", "intermediary_id"])

    claims = _claims(listings, live)
    members: dict[int, list[int]] = {}
    for row, anchor in enumerate(cluster.tolist()):
        members.setdefault(anchor, []).append(row)
    votes: dict[tuple[int, str], int] = {}
    for row, claim in enumerate(claims):
        if claim:
            votes[(int(cluster[row]), claim[0])] = votes.get((int(cluster[row]),
                                                              claim[0]), 0) + claim[1]
    contenders: dict[str, list[tuple]] = {}
    for (anchor, old), weight in votes.items():
        contenders.setdefault(old, []).append((-weight, -len(members[anchor]), keys[anchor],
                                               anchor))
    owner = {old: min(options)[3] for old, options in contenders.items()}
    owned_by: dict[int, list[str]] = {}
    for old, anchor in owner.items():
        owned_by.setdefault(anchor, []).append(old)

    events: list[dict] = []
    cluster_id: dict[int, str] = {}
    merged_into: dict[str, str] = {}
    for anchor in sorted(members, key=lambda a: keys[a]):
        rows = members[anchor]
        owned = sorted(owned_by.get(anchor, ()), key=lambda o: (minted_on.get(o, today), o))
        claimed_from_others = sorted({claims[r][0] for r in rows if claims[r]
                                      and owner[claims[r][0]] != anchor})
        if owned:
            kept = cluster_id[anchor] = owned[0]
            for other in owned[1:]:
                merged_into[other] = kept
                joined = _keys_of(rows, claims, keys, other)
                events.append(_event(today, "merged", other, kept,
                                     f"{joined} linked with {kept}'s listings; the older id "
                                     f"{kept} is kept"))
            if kept not in had_active:
                events.append(_event(today, "revived", kept, None,
                                     f"listed again as {_keys_of(rows, claims, keys, kept)}"))
        else:
            new = cluster_id[anchor] = mint(keys[anchor], taken)
            origin = f"; split from {', '.join(claimed_from_others)}" if claimed_from_others \
                else ""
            events.append(_event(today, "minted", new, None,
                                 f"first listed as {keys[anchor]}{origin}"))
        for old in claimed_from_others:
            events.append(_event(today, "split", cluster_id[anchor], old,
                                 f"{_keys_of(rows, claims, keys, old)} were {old}'s and are "
                                 f"now listed apart from it"))
    owned_now = set(cluster_id.values())
    keys_of_id: dict[str, list[str]] = {}
    for source, key, old in zip(live["source"], live["source_key"], live["intermediary_id"],
                                strict=True):
        keys_of_id.setdefault(old, []).append(f"{source}:{key}")
    for old in sorted(had_active - owned_now - set(merged_into)):
        events.append(_event(today, "retired", old, None,
                             f"no source lists {_short(sorted(keys_of_id[old]))} any more"))

    ids = [cluster_id[int(anchor)] for anchor in cluster.tolist()]
    updated = _updated_crosswalk(listings, ids, crosswalk, merged_into, today)
    first_seen = _earliest(updated)
    history = pd.concat([memory.history.astype(object),
                         pd.DataFrame(events, columns=list(ID_HISTORY.columns))],
                        ignore_index=True)
    history = history.sort_values(
        ["recorded_on", "id_event", "intermediary_id"], kind="stable",
        key=lambda c: c.map(EVENT_ORDER) if c.name == "id_event" else c).reset_index(drop=True)
    return Identified(ids, first_seen, updated, history)


def _earliest(crosswalk: pd.DataFrame) -> dict[str, str]:
    """id -> its earliest first_seen (ISO dates compare as text; a plain loop is far faster
    than a pandas group-by on text)."""
    earliest: dict[str, str] = {}
    for old, day in zip(crosswalk["intermediary_id"], crosswalk["first_seen"], strict=True):
        if old not in earliest or day < earliest[old]:
            earliest[old] = day
    return earliest


def _keys_of(rows: list[int], claims: list, keys: list[str], old: str) -> str:
    return _short(sorted(keys[r] for r in rows if claims[r] and claims[r][0] == old))


def _short(keys: list[str], limit: int = 3) -> str:
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def _event(day: str, event: str, intermediary: str, other: str | None, reason: str) -> dict:
    return {"recorded_on": day, "id_event": event, "intermediary_id": intermediary,
            "other_intermediary_id": other, "id_event_reason": reason}


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
