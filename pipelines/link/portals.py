"""Link each data catalog of the portals registry to the organization that runs it.

The registry's owner data is messy, so every rule is explicit and every catalog says which
rule placed it (``link_reason``). The directory is every other source's listings; rules apply
in this order, the first that decides wins:

1. **Host-generated names.** Some owner names were made from a host ("City of Daytonohio",
   "City of Greenecountyohio", "City of Ohiodnr", "Arcgisweb", "Lc, Wyoming"): the name's stem
   is one word that a host of the catalog spells (alone, or with the state's name or code
   glued on), and it is not a place of that state written as it is ("City of Columbus" at
   columbus.gov is a city); a stem that is the state's name or code ("City of Ohio", "City of
   Oh, Ohio") is generated too. Such a name tells neither a level nor a place: the catalog
   links by website only and never names an organization (``owner_name_from_host``).
2. **The owner's level** is read from its name (``read_owner``): a regional body (regional,
   council of governments, planning commission or council, areawide agency, cooperative,
   a joint "X and Y County" body), a county ("Clermont County Auditor" is an office of
   Clermont County: its core name is the county's), a city ("City of Marysville, Ohio"), or
   the state (a Regional government owner named "State of Ohio" or "Ohio Department of ..."),
   else unknown.
3. **By website.** The hosts of the owner's website and of the catalog are compared with the
   websites of the directory's organizations by their **longest matching suffix** at label
   boundaries, down to the registrable domain and never above it: ``geauga.oh.gov`` is under
   ``oh.gov`` only if nothing longer is known; ``data.cincinnati-oh.gov`` and
   ``arcgis.cincinnati-oh.gov`` are under ``cincinnati-oh.gov``. On a shared platform
   (arcgis.com, socrata.com, github.io, ...) only the whole host counts. A match is refused
   across government levels, and always from a city, county or regional owner to a state
   government (a county's hub under ``oh.gov`` is not the State of Ohio's). Among several
   organizations of one host: a local government first, a general one, then source
   precedence and record id.
4. **By name and state** (a trusted name, website unknown): a city or county owner is the
   directory's government of the same level, state and canonical name
   (``sources.dotgov.canonical_name``: "City of Missoula" in MT; an Alaska municipality or
   borough may be typed city or county); a regional body is the organization of the same
   normalised name in its state; a state agency is its state's general government. Never
   across levels. Several fits: not linked, and said so.
5. **A new organization** for a local or regional government owner no source lists: one
   ``local_government`` listing per (level, core name, state), named by its core name
   ("Geauga County"), its website the owners' own (never a shared platform), located at its
   city or, for a county, its county (``city`` is "<Name> County", which the geography layer
   reads as the county). Special districts only when they are planning or data bodies (as the
   .gov source lists them); offices of a county or city make their government.
6. What is left (host-generated names, academies, state agencies or special districts the
   directory lacks) is linked by website to the organizations step 5 made, else stays in
   ``data_portals`` unlinked, with the reason. Academy owners link by website only (to
   whatever organization has the site: universities when a source lists them).

After the merge, each catalog takes the id of the listing it was linked through, and each
organization's main portal (``open_data_portal``, ``portal_software``) is chosen by
``schemas.codes.CATALOG_TYPE_ORDER`` (an open data portal before a geoportal), then an active
one, the shortest path and host, known software (``main_portals``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from geography import get_index, state_name
from pipelines.link.normalise import SHARED_DOMAINS, registrable_domain
from schemas.codes import CATALOG_TYPE_ORDER, kinds_in_link_class
from schemas.portals import DATA_PORTALS
from schemas.published import INTERMEDIARIES
from schemas.table import pandera_schema
from sources.dotgov import canonical_name
from sources.portals import NAME
from sources.text import slug

# Platforms that host many organizations' catalogs: a host under one identifies its owner only
# as a whole (``geauga-county-hub-geauga.hub.arcgis.com``), never by its registrable domain.
SHARED_PLATFORMS = frozenset({
    "arcgis.com", "arcgisonline.com", "socrata.com", "opendatasoft.com", "ckan.io",
    "mangomap.com", "carto.com", "tylertech.com", "opengov.com", "esri.com",
    "digitalcommons.com", "bepress.com", "dataverse.org", "figshare.com", "zenodo.org",
    "amazonaws.com", "cloudfront.net", "azurewebsites.net", "hub.arcgis.com",
}) | SHARED_DOMAINS
GOVERNMENT_KINDS = kinds_in_link_class("government")
LOCAL_OWNERS = ("Local government", "Regional government")
ACADEMY = "Academy"
# Levels that may stand for one another: an Alaska municipality or borough is typed either way.
ALASKA_LOCAL = frozenset({"city", "county"})
SERVICE_AREA = {"city": "city", "county": "county", "special_district": "county",
                "state": "state"}

_REGIONAL = re.compile(
    r"\b(regional|council of governments|planning (commission|council|agency|organization)|"
    r"areawide|area council|association of governments|metropolitan planning|cooperative|"
    r"co op|metroparks|sewer district|joint)\b")
_PLANNING_OR_DATA = re.compile(
    r"\b(planning|council of governments|area council|areawide|association of governments|"
    r"gis|geographic|geospatial|mapping|data|information)\b")
_CITY_PREFIX = re.compile(r"^(city|town|village|township|borough|municipality) of (.+)$")
_COUNTY_OF = re.compile(r"^county of (.+)$")
_GOV_PREFIX = re.compile(r"^(city|town|village|township|borough|municipality|county) of ")
_STATE_PREFIX = re.compile(r"^(state|commonwealth) of ")
_STATE_BODY = re.compile(r"\b(department|dept|office|division|agency|bureau|court|commission|"
                         r"board|authority|program|survey|auditor|governor|treasurer|"
                         r"secretary|geographic|environmental|protection|transportation|"
                         r"natural|resources|game|fish|elections?|planning|labor|education)\b")


def words(text: object) -> list[str]:
    """'Madison County Engineer's Office' -> ['madison', 'county', 'engineers', 'office']."""
    if not isinstance(text, str):
        return []
    lowered = re.sub(r"['’`]", "", text.lower().replace("&", " and "))
    return re.sub(r"[^a-z0-9]+", " ", lowered).split()


def host_of(url: object) -> str | None:
    """'https://www.Geauga.oh.gov:443/x' -> 'geauga.oh.gov'; None for no address."""
    if not isinstance(url, str) or "://" not in url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def registrable(host: str) -> str:
    """The registrable domain of a host ('gis.co.lucas.oh.us' -> 'lucas.oh.us'); the host
    itself when it has none."""
    return registrable_domain(host) or host


def on_shared_platform(host: str) -> bool:
    labels = host.split(".")
    return any(".".join(labels[i:]) in SHARED_PLATFORMS for i in range(len(labels)))


def host_suffixes(host: str) -> list[str]:
    """The hosts a host may belong to, longest first: itself, then each parent down to its
    registrable domain ('a.b.cincinnati-oh.gov' -> it, 'b.cincinnati-oh.gov',
    'cincinnati-oh.gov'). On a shared platform only the host itself, and none for the
    platform's own domain."""
    if on_shared_platform(host):
        return [] if host in SHARED_PLATFORMS or host == registrable(host) else [host]
    base = registrable(host)
    labels = host.split(".")
    suffixes = []
    for i in range(len(labels)):
        suffix = ".".join(labels[i:])
        suffixes.append(suffix)
        if suffix == base:
            break
    return suffixes if suffixes[-1] == base else [host]


# --- owners -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Owner:
    """What a catalog's owner name says: its level, the government it names and whether the
    name was generated from a host."""

    level: str | None = None  # city, county, special_district, state; None: unknown
    core: str | None = None  # the government's name ("Geauga County", "City of Dayton")
    generated: bool = False
    planning_or_data: bool = False  # a regional body that plans or publishes data


def _state_words(usps: str | None) -> tuple[list[str], str]:
    name = state_name(usps) or ""
    return words(name), (usps or "").lower()


def _without_state(tokens: list[str], usps: str | None) -> list[str]:
    """['allen', 'county', 'ohio'] -> ['allen', 'county'] (the state's name or code at the
    end), unless nothing would be left."""
    name, code = _state_words(usps)
    for suffix in (name, [code]):
        if suffix and suffix != [""] and len(tokens) > len(suffix) \
                and tokens[-len(suffix):] == suffix:
            return tokens[: -len(suffix)]
    return tokens


def _labels(hosts: Iterable[str]) -> set[str]:
    return {re.sub(r"[^a-z0-9]", "", label) for host in hosts for label in host.split(".")}


def generated_name(name: object, usps: str | None, hosts: Iterable[str]) -> bool:
    """True for an owner name made from a host (rule 1 of the module docstring)."""
    tokens = words(name)
    if len(tokens) >= 2 and _GOV_PREFIX.match(" ".join(tokens[:2]) + " "):
        tokens = tokens[2:]
    stem = _without_state(tokens, usps)
    state, code = _state_words(usps)
    if not stem:
        return False
    glued = "".join(stem)
    if glued in ("".join(state), code):
        return True  # "City of Ohio", "City of Oh, Ohio"
    if len(stem) != 1:
        return False
    labels = _labels(hosts)
    if not {glued, glued + code, glued + "".join(state)} & labels:
        return False
    return usps is None or get_index().city(stem[0], usps) is None


def _county_core(tokens: list[str], usps: str | None) -> str | None:
    """'clermont county auditor' -> 'Clermont County' when Clermont is a county of the state
    (up to three words before 'county'; 'county of x' too)."""
    match = _COUNTY_OF.match(" ".join(tokens))
    candidates: list[list[str]] = []
    if match:
        rest = match[1].split()
        candidates += [rest[:n] for n in (3, 2, 1) if len(rest) >= n]
    for at, token in enumerate(tokens):
        if token in ("county", "parish"):
            candidates += [tokens[max(0, at - n):at] for n in (3, 2, 1) if at - n >= 0]
            break
    kind = "Parish" if "parish" in tokens else "County"
    for place in candidates:
        if usps and get_index().county(" ".join(place) + f" {kind}", usps):
            return " ".join(w.capitalize() for w in place) + f" {kind}"
    return None


def _city_core(tokens: list[str], usps: str | None) -> str | None:
    """'city of marysville ohio' -> 'City of Marysville': the longest leading words after
    'city of' that are a city of the state; the words as written when none is known but
    nothing follows them."""
    match = _CITY_PREFIX.match(" ".join(tokens))
    if not match:
        return None
    word, rest = match[1], _without_state(match[2].split(), usps)
    for n in range(min(4, len(rest)), 0, -1):
        if usps and get_index().city(" ".join(rest[:n]), usps) is not None:
            return f"{word.capitalize()} of " + " ".join(w.capitalize() for w in rest[:n])
    if 1 <= len(rest) <= 3:
        return f"{word.capitalize()} of " + " ".join(w.capitalize() for w in rest)
    return None


def read_owner(name: object, owner_type: object, usps: str | None,
               hosts: Iterable[str]) -> Owner:
    """The owner's level and core name (rules 1 and 2 of the module docstring)."""
    if owner_type == ACADEMY:
        return Owner()
    if generated_name(name, usps, hosts):
        return Owner(generated=True)
    tokens = words(name)
    text = " ".join(tokens)
    head = text.split(" county")[0] if " county" in text else text
    if _REGIONAL.search(text) or " and " in f" {head} " and "county" in tokens:
        core = " ".join(str(name).split()) if isinstance(name, str) else None
        return Owner("special_district", re.sub(r"\s*\([^)]*\)\s*$", "", core or "") or None,
                     planning_or_data=bool(_PLANNING_OR_DATA.search(text)))
    county = _county_core(tokens, usps)
    if county:
        return Owner("county", county)
    city = _city_core(tokens, usps)
    if city:
        return Owner("city", city)
    state, _ = _state_words(usps)
    if owner_type == "Regional government" and state and (
            _STATE_PREFIX.match(text) or (tokens[: len(state)] == state and _STATE_BODY.search(
                " ".join(tokens[len(state):])))):
        return Owner("state", " ".join(str(name).split()))
    return Owner()


# --- the directory ----------------------------------------------------------------------------

DIRECTORY_COLUMNS = ["record_id", "source", "name", "kind", "government_level",
                     "government_unit", "website", "websites", "city", "state"]


@lru_cache(maxsize=1 << 16)
def _canonical(name: str, usps: str | None) -> str:
    return canonical_name(name, usps)


@dataclass
class Directory:
    """The organizations a catalog can link to, indexed once: by host; general governments
    by (state, level, canonical name); every listing by (state, normalised name)."""

    columns: dict[str, list[Any]]
    hosts: dict[str, list[int]] = field(default_factory=dict)
    governments: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    names: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, listings: pd.DataFrame, rank: Sequence[int] | None = None) -> Directory:
        frame = listings.reindex(columns=DIRECTORY_COLUMNS).reset_index(drop=True).astype(object)
        frame = frame.where(frame.notna(), None)
        columns = {c: frame[c].tolist() for c in DIRECTORY_COLUMNS}
        columns["_rank"] = list(rank) if rank is not None else [0] * len(frame)
        directory = cls(columns)
        for row in range(len(frame)):
            directory._index(row)
        return directory

    def _index(self, row: int) -> None:
        state, name = self.value(row, "state"), self.value(row, "name")
        if isinstance(state, str) and isinstance(name, str):
            self.names.setdefault((state, _name_key(name)), []).append(row)
            if (self.value(row, "kind") in GOVERNMENT_KINDS
                    and self.value(row, "government_unit") == "general"
                    and isinstance(level := self.value(row, "government_level"), str)):
                key = (state, level, "" if level == "state" else _canonical(name, state))
                self.governments.setdefault(key, []).append(row)
        websites = self.value(row, "websites")
        urls = [self.value(row, "website")] + (
            websites.split("; ") if isinstance(websites, str) else [])
        for host in {h for h in map(host_of, urls) if h}:
            if host in SHARED_PLATFORMS or (on_shared_platform(host)
                                            and host == registrable(host)):
                continue  # a platform's own domain identifies nobody
            self.hosts.setdefault(host, []).append(row)

    def value(self, row: int, column: str) -> Any:
        values = self.columns.get(column)
        return values[row] if values is not None else None


@dataclass(frozen=True)
class Decision:
    """Where one catalog goes: a listing of the directory (``target``, a record id), a new
    organization (``new_key``), or nowhere; and why."""

    reason: str
    target: str | None = None
    new_key: tuple[str, str, str] | None = None  # (level, core name, state)


def _level_refused(owner: Owner, target_level: Any, usps: str | None) -> str | None:
    """Why a link from this owner to an organization of ``target_level`` is refused, or None."""
    if owner.level in ("city", "county", "special_district") and target_level == "state":
        return f"a {owner.level.replace('_', ' ')} is never linked to a state government"
    if owner.level and isinstance(target_level, str) and owner.level != target_level:
        if usps == "AK" and {owner.level, target_level} <= ALASKA_LOCAL:
            return None
        return f"levels differ ({owner.level}, {target_level})"
    return None


def _best(directory: Directory, rows: list[int]) -> int:
    def key(row: int) -> tuple:
        return (directory.value(row, "kind") not in GOVERNMENT_KINDS,
                directory.value(row, "government_unit") != "general",
                directory.value(row, "_rank"), str(directory.value(row, "record_id")))
    return min(rows, key=key)


def by_website(directory: Directory, hosts: Sequence[str], owner: Owner,
               usps: str | None) -> tuple[Decision | None, str | None]:
    """(the decision of the longest known suffix among the hosts, or None; why a match was
    refused, when one was)."""
    found: list[tuple[int, int, str, str]] = []  # (-labels, order, host, known)
    for order, host in enumerate(hosts):
        for known in host_suffixes(host):
            if known in directory.hosts:
                found.append((-known.count("."), order, host, known))
                break
    refused = None
    for _, _, host, known in sorted(found):
        rows = directory.hosts[known]
        allowed = [r for r in rows
                   if not _level_refused(owner, directory.value(r, "government_level"), usps)]
        if not allowed:
            why = _level_refused(owner, directory.value(rows[0], "government_level"), usps)
            refused = refused or (f"{host} is under {known}, a website of "
                                  f"{directory.value(rows[0], 'name')}, but {why}")
            continue
        row = _best(directory, allowed)
        where = "is" if host == known else "is under"
        return Decision(f"website: {host} {where} {known}, a website of "
                        f"{directory.value(row, 'name')} ({directory.value(row, 'record_id')})",
                        target=str(directory.value(row, "record_id"))), refused
    return None, refused


def _name_key(name: object) -> str:
    """'Mid-Ohio Regional Planning Commission (MORPC)' -> 'mid ohio regional planning
    commission'."""
    return _name_words(name) if isinstance(name, str) else ""


@lru_cache(maxsize=1 << 16)
def _name_words(name: str) -> str:
    return " ".join(words(re.sub(r"\s*\([^)]*\)", "", name)))


def by_name(directory: Directory, owner: Owner, usps: str | None) -> Decision | None:
    """The directory's organization the owner's name and state point at (rule 4)."""
    if not usps or owner.level is None:
        return None
    if owner.level == "state":
        rows = directory.governments.get((usps, "state", ""), [])
        if not rows:
            return Decision(f"not linked: a state agency of {state_name(usps)}, and no source "
                            "lists that state's government")
        row = _best(directory, rows)
        return Decision(f"state: {owner.core} is part of the government of "
                        f"{state_name(usps)}, {directory.value(row, 'name')} "
                        f"({directory.value(row, 'record_id')})",
                        target=str(directory.value(row, "record_id")))
    if owner.level == "special_district":
        rows = directory.names.get((usps, _name_key(owner.core)), [])
    else:
        levels = ALASKA_LOCAL if usps == "AK" and owner.level in ALASKA_LOCAL else {owner.level}
        wanted = _canonical(owner.core or "", usps)
        rows = sorted(r for level in levels
                      for r in directory.governments.get((usps, level, wanted), []))
    if len(rows) > 1:
        names = "; ".join(sorted(str(directory.value(r, "record_id")) for r in rows))
        return Decision(f"not linked: several organizations fit {owner.core} ({usps}): {names}")
    if rows:
        row = rows[0]
        return Decision(f"name and state: {owner.core} ({owner.level.replace('_', ' ')}, "
                        f"{usps}) is {directory.value(row, 'name')} "
                        f"({directory.value(row, 'record_id')})",
                        target=str(directory.value(row, "record_id")))
    return None


# --- the whole step ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PortalLinks:
    """The catalogs with their decisions, and the listings of the new organizations."""

    portals: pd.DataFrame  # data_portals, record_id and link_reason set, ids not yet
    listings: pd.DataFrame  # one listing per new organization (source 'portals')


def _hosts(portal: pd.Series) -> list[str]:
    hosts = [host_of(portal["portal_url"]), host_of(portal["owner_website"])]
    return list(dict.fromkeys(h for h in hosts if h))


def site_root(url: str) -> str:
    """'https://loraincountyauditor.com/arcgis/rest/services' -> 'https://loraincountyauditor.com'
    (a new organization's website is its owner's site, not a service path nor port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}"


def new_record_id(key: tuple[str, str, str]) -> str:
    level, core, usps = key
    return f"{NAME}:{usps.lower()}:{slug(core)}"


def decide(portal: pd.Series, owner: Owner, directory: Directory) -> Decision:
    """One catalog's decision against the directory (rules 3 to 5)."""
    usps = portal["state"] if isinstance(portal["state"], str) else None
    decision, refused = by_website(directory, _hosts(portal), owner, usps)
    if decision is not None:
        return decision
    note = f" ({refused})" if refused else ""
    if owner.generated:
        return Decision(f"not linked: the owner's name {portal['owner_name']!r} was generated "
                        f"from a host, and no organization has its website{note}")
    if portal["owner_type"] == ACADEMY:
        return Decision("not linked: an academic owner; no organization of the directory has "
                        f"its website{note}")
    named = by_name(directory, owner, usps)
    if named is not None:
        return Decision(named.reason + note, named.target)
    if owner.level is None or not owner.core or not usps:
        return Decision(f"not linked: no organization has its website, and "
                        f"{portal['owner_name']!r} names no city, county, regional body or "
                        f"state{note}")
    if owner.level == "special_district" and not owner.planning_or_data:
        return Decision(f"not linked: {owner.core} is a special district that is no planning "
                        f"or data body, and no source lists it{note}")
    key = (owner.level, owner.core, usps)
    return Decision(f"new organization: {owner.core} ({owner.level.replace('_', ' ')}, "
                    f"{usps}) is listed by no other source{note}", new_key=key)


def _new_listings(portals: pd.DataFrame, keys: list[tuple[str, str, str] | None]
                  ) -> pd.DataFrame:
    rows = []
    groups: dict[tuple[str, str, str], list[int]] = {}
    for position, key in enumerate(keys):
        if key is not None:
            groups.setdefault(key, []).append(position)
    for key, members in sorted(groups.items(), key=lambda item: new_record_id(item[0])):
        level, core, usps = key
        group = portals.iloc[members].sort_values("portal_id")
        sites = [site_root(w) for w in group["owner_website"] if isinstance(w, str)
                 and (h := host_of(w)) and not on_shared_platform(h)]
        website = min(sites, key=lambda w: (-sites.count(w), len(host_of(w) or w), w),
                      default=None)  # the most used, the shortest host, alphabetical
        first = group.iloc[0]
        rows.append({
            "record_id": new_record_id(key),
            "source": NAME,
            "source_key": new_record_id(key).removeprefix(f"{NAME}:"),
            "name": core,
            "kind": "local_government",
            "government_level": level,
            "government_unit": "department" if level == "special_district" else "general",
            "service_area": SERVICE_AREA[level],
            "website": website,
            "websites": "; ".join(dict.fromkeys(sites)) or None,
            "city": (core.split(" of ", 1)[1] if level == "city" and " of " in core
                     else core if level == "county" else None),
            "state": usps,
            "country": "US",
            "source_url": first["source_url"],
            "retrieved_at": first["retrieved_at"],
        })
    return pd.DataFrame(rows, columns=["record_id", "source", "source_key", "name", "kind",
                                       "government_level", "government_unit", "service_area",
                                       "website", "websites", "city", "state", "country",
                                       "source_url", "retrieved_at"])


def _own_domains(websites: object, name: str) -> str | None:
    """A new organization's websites and, when it spells the organization's first name word,
    the registrable domain of each ('gis.greenecountyohio.gov' -> also 'greenecountyohio.gov'
    for Greene County; 'www.geauga.oh.gov' never gives 'oh.gov', the state's)."""
    first = words(name)[0] if words(name) else ""
    urls = []
    for url in (websites.split("; ") if isinstance(websites, str) else []):
        urls.append(url)
        host = host_of(url)
        domain = registrable(host) if host else ""
        if first and first in domain.split(".")[0]:
            urls.append(f"https://{domain}")
    return "; ".join(dict.fromkeys(urls)) or None


def link_portals(portals: pd.DataFrame, listings: pd.DataFrame,
                 rank: Sequence[int] | None = None) -> PortalLinks:
    """The catalogs of the portals source against the other sources' ``listings`` (``rank``:
    their source precedence): each catalog's owner level, host-generated flag, the listing it
    links through (``record_id``) and why (``link_reason``), and the listings of the new
    organizations. Pure: same inputs, same result, whatever the row order."""
    portals = portals.sort_values("portal_id").reset_index(drop=True)
    directory = Directory.of(listings, rank)
    owners = [read_owner(p["owner_name"], p["owner_type"],
                         p["state"] if isinstance(p["state"], str) else None, _hosts(p))
              for _, p in portals.iterrows()]
    decisions = [decide(p, owner, directory) for (_, p), owner in zip(portals.iterrows(), owners,
                                                                      strict=True)]
    new = _new_listings(portals, [d.new_key for d in decisions])
    made = Directory.of(new.assign(websites=[_own_domains(s, name)
                                             for s, name in zip(new["websites"], new["name"],
                                                                strict=True)]))
    for i, (decision, owner) in enumerate(zip(decisions, owners, strict=True)):
        if decision.target or decision.new_key or portals.at[i, "owner_type"] == ACADEMY:
            continue
        usps = portals.at[i, "state"] if isinstance(portals.at[i, "state"], str) else None
        second, _ = by_website(made, _hosts(portals.iloc[i]), owner, usps)
        if second is not None:
            decisions[i] = Decision(second.reason + "; made from another catalog's owner",
                                    second.target)
    result = portals.copy()
    result["owner_name_from_host"] = [o.generated for o in owners]
    result["government_level"] = [o.level for o in owners]
    result["record_id"] = [d.target or (new_record_id(d.new_key) if d.new_key else None)
                           for d in decisions]
    result["link_reason"] = [d.reason for d in decisions]
    return PortalLinks(result, new)


def attach_ids(portals: pd.DataFrame, source_records: pd.DataFrame) -> pd.DataFrame:
    """data_portals with the id of the organization each catalog was linked through."""
    ids = source_records.set_index("record_id")["intermediary_id"]
    result = portals.assign(intermediary_id=portals["record_id"].map(ids))
    return pandera_schema(DATA_PORTALS).validate(result[list(DATA_PORTALS.columns)])


def main_portals(portals: pd.DataFrame) -> pd.DataFrame:
    """Per organization its main catalog (intermediary_id, open_data_portal,
    portal_software): by CATALOG_TYPE_ORDER (an open data portal before a geoportal), then an
    active one, the fewest path segments (a site for people, opendata.columbus.gov, before a
    services directory, maps.columbus.gov/arcgis/rest/services), the shortest host
    (data.ohio.gov before data.jfs.ohio.gov: the central portal rather than an agency's), one
    whose software is known, the portal id."""
    linked = portals.dropna(subset=["intermediary_id"])
    if linked.empty:
        return pd.DataFrame(columns=["intermediary_id", "open_data_portal", "portal_software"])
    order = {t: i for i, t in enumerate(CATALOG_TYPE_ORDER)}
    ranked = linked.assign(
        _type=linked["catalog_type"].map(lambda t: order.get(t, len(order))),
        _inactive=linked["portal_status"].astype(object) != "active",
        _path=linked["portal_url"].map(lambda u: len([p for p in urlsplit(u).path.split("/")
                                                        if p])),
        _host=linked["portal_url"].map(lambda u: len(host_of(u) or u)),
        _unknown=linked["portal_software"].isna(),
    ).sort_values(["intermediary_id", "_type", "_inactive", "_path", "_host", "_unknown",
                   "portal_id"])
    first = ranked.drop_duplicates("intermediary_id")
    return pd.DataFrame({"intermediary_id": first["intermediary_id"].to_numpy(),
                         "open_data_portal": first["portal_url"].to_numpy(),
                         "portal_software": first["portal_software"].to_numpy()})


def attach_portals(intermediaries: pd.DataFrame, portals: pd.DataFrame) -> pd.DataFrame:
    """intermediaries with each organization's main portal, and 'portals' among the sources of
    an organization a catalog was linked to."""
    main = main_portals(portals).set_index("intermediary_id")
    result = intermediaries.copy()
    ids = result["intermediary_id"]
    result["open_data_portal"] = ids.map(main["open_data_portal"]).astype(object)
    result["portal_software"] = ids.map(main["portal_software"]).astype(object)
    has = ids.isin(main.index)
    result.loc[has, "sources"] = [
        s if NAME in s.split("; ") else f"{s}; {NAME}" for s in result.loc[has, "sources"]]
    return pandera_schema(INTERMEDIARIES).validate(result[list(INTERMEDIARIES.columns)])
