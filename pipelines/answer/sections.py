"""The answer to "who can I call about data here?", in the users' guide's order.

Pure logic: it takes the place asked about and candidate rows (as read by
``pipelines.answer.sql.fetch_candidates``) and decides, per section, who is listed, in which
order and why. No database, no network, no Dagster, so it is fast to import and easy to test.

Sections, in the guide's order (each shows at most ``limit`` matches):

1. ``nnip``: NNIP partners within the radius, nearest first.
2. ``government``: local governments (kind ``local_government``, and government teams of kind
   ``government``): the place's own city and county first (same state and city name; county
   FIPS, or the county's name when FIPS is unknown), then others within the radius: those
   that publish data (an ``open_data_portal``) first, general governments before departments,
   nearest first. When none is listed, the place's own state or territory government, then
   the nearest others within :data:`MAX_NEAREST_KM` only.
3. ``university``: colleges and universities (kind ``university``, from IPEDS) and their
   units (rows whose ``part_of`` names a university: an SDC agency or NNIP partner on the
   university's domain), never another kind. Within the radius, research universities
   (Carnegie doctoral or master's) and units, then the other colleges, nearest first within
   each (nothing within the radius: the nearest few within ``MAX_NEAREST_KM``); then, always
   and not counted in the limit, the land-grant universities of the place's state not listed
   yet (their extension service has an office in every county; tribal colleges excepted).
4. ``civic_tech``: brigades, civic tech groups and networks within the radius, active first,
   then unknown, then dormant, nearest first within each; ``gone`` is never shown.
5. ``sdc``: the State Data Center agencies of the place's state: the lead, then coordinating
   agencies, then affiliates (nearest first within a role).
6. ``foundation``: community foundations of the place's county (or city, when the county is
   unknown) first, then others within the radius, nearest first.

In every section one organization is listed once: two rows with the same normalised name,
city and state (several EINs of one foundation) are one contact, the better ranked is kept
(before the limit). A section with nothing within the radius says so and lists the nearest
few anyway, only within :data:`MAX_NEAREST_KM` (a city 5,000 km away is nobody's "nearest";
the state's own government and land-grant universities are named instead). When no civic
tech group is within the radius, the guide's "start something" suggestions follow, naming the
nearest active group as the first people to ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from schemas.codes import KIND_LABELS, KINDS, kinds_in_section
from schemas.ipeds_codes import RESEARCH_LEVELS

DEFAULT_WITHIN_KM = 100.0
DEFAULT_LIMIT = 3
#: Farther than this, nothing is offered as "the nearest" in any section.
MAX_NEAREST_KM = 300.0
#: Their state government is a territory's ("your territory's government (Guam)").
TERRITORIES = ("AS", "GU", "MP", "PR", "VI")
#: The host of a data portal's URL (scheme and user info skipped): the same pattern in SQL.
PORTAL_HOST_PATTERN = r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#@]+)"

Row = Mapping[str, Any]

# which kinds each section lists: the code table (schemas.codes) says
NNIP_KINDS = kinds_in_section("nnip")
GOVERNMENT_KINDS = kinds_in_section("government")
CIVIC_TECH_KINDS = kinds_in_section("civic_tech")
SDC_KINDS = kinds_in_section("sdc")
FOUNDATION_KINDS = kinds_in_section("foundation")
UNIVERSITY_KINDS = kinds_in_section("university")
SECTION_TITLES = {
    "nnip": "NNIP partner", "government": "City and county government",
    "university": "University units", "civic_tech": "Civic tech groups",
    "sdc": "State Data Center", "foundation": "Local nonprofits and foundations",
}
#: What a section's note says is missing: "No NNIP partner within 100 km; the nearest:".
SECTION_NOUNS = {"nnip": "NNIP partner", "government": "city or county government",
                 "university": "university", "civic_tech": "civic tech group",
                 "sdc": "State Data Center agency", "foundation": "community foundation"}
ACTIVITY_ORDER = {"active": 0, "unknown": 1, None: 1, "dormant": 2}
#: An activity not in :data:`ACTIVITY_ORDER` ranks as unknown; a role not in ROLE_ORDER last.
OTHER_ACTIVITY, OTHER_ROLE = 1, 3
ROLE_ORDER = {"lead": 0, "coordinating": 1, "affiliate": 2}
# The name patterns (case-insensitive) that tell a government's level and unit when the release
# does not publish them; the SQL answer (pipelines.answer.sql) uses the same texts.
COUNTY_WORDS = (r"\b(county|parish|borough|census area|municipality|municipio|"
                r"city and borough)\b")
STATE_GOVERNMENT = r"^(state|commonwealth|territory|government) of\b"
TRIBAL = r"\b(nation|tribe|tribes|tribal|pueblo|band of|rancheria)\b"
DEPARTMENT = (r"\b(department|dept|office|planning|gis|(?-i:IT)|information technology|"
              r"technology|innovation|open data|statistics|data)\b")
_COUNTY_WORDS = re.compile(COUNTY_WORDS, re.I)
_STATE_GOVERNMENT = re.compile(STATE_GOVERNMENT, re.I)
_TRIBAL = re.compile(TRIBAL, re.I)
_DEPARTMENT = re.compile(DEPARTMENT, re.I)


@dataclass(frozen=True)
class Origin:
    """The place asked about (from ``geography.lookup_place``), with what matching needs."""

    label: str
    latitude: float
    longitude: float
    precision: str = "zip"
    state: str | None = None
    county_fips: str | None = None
    county_name: str | None = None
    city: str | None = None
    state_name: str | None = None  # 'Ohio', 'Guam': the state government's why text

    @property
    def county_stem(self) -> str | None:
        """'Montgomery County' -> 'montgomery': what a county government's name contains."""
        if not self.county_name:
            return None
        stem = _COUNTY_WORDS.sub("", self.county_name).strip(" ,").lower()
        return stem or None


@dataclass(frozen=True)
class Match:
    """One organization as listed in one section: the display texts and the facts behind."""

    name: str
    what: str
    why: str
    activity: str
    website: str | None
    source: str | None
    distance_km: float | None
    location: str | None = None
    intermediary_id: str | None = None
    kind: str | None = None
    within: bool = True  # False: listed only because nothing was within the radius
    publishes: str | None = None  # its data portal: 'maps.daytonohio.gov (ArcGIS Server)'
    part_of: str | None = None  # a university unit: its university's name


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    matches: tuple[Match, ...]
    note: str | None = None  # e.g. "nothing within 100 km; the nearest:"


@dataclass(frozen=True)
class StartSomething:
    """The guide's suggestions when no civic tech group is near."""

    suggestions: tuple[str, ...]
    first_to_ask: Match | None


@dataclass(frozen=True)
class Answer:
    place: Origin
    within_km: float
    limit: int
    sections: tuple[Section, ...]
    start_something: StartSomething | None = None
    release: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable answer (``--json``): the same content as the tables."""
        return {
            "place": asdict(self.place),
            "release": dict(self.release),
            "within_km": self.within_km,
            "limit": self.limit,
            "sections": [
                {"key": s.key, "title": s.title, "note": s.note,
                 "matches": [asdict(m) for m in s.matches]}
                for s in self.sections
            ],
            "start_something": None if self.start_something is None else {
                "suggestions": list(self.start_something.suggestions),
                "first_to_ask": (asdict(self.start_something.first_to_ask)
                                 if self.start_something.first_to_ask else None),
            },
        }


# --- describing a row ------------------------------------------------------------------------


def km_text(km: float) -> str:
    if km < 0.1:
        return "under 0.1 km"
    return f"{km:.1f} km" if km < 10 else f"{km:.0f} km"


def _norm(text: str | None) -> str:
    """City names compared loosely: case, 'Saint'/'St.', punctuation and spacing ignored."""
    text = (text or "").casefold().replace("saint ", "st ").replace("st. ", "st ")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def government_level(row: Row) -> str | None:
    """The published level, or (for releases that do not publish it) one read from the name."""
    if row.get("government_level"):
        return row["government_level"]
    if row.get("kind") != "local_government":
        return None
    name = row.get("name") or ""
    if _STATE_GOVERNMENT.search(name):
        return "state"
    county = _COUNTY_WORDS.search(name)
    # a borough is a county in Alaska only (Pennsylvania's and New Jersey's are towns)
    if county and (county[0].lower() != "borough" or row.get("state") == "AK"):
        return "county"
    if _TRIBAL.search(name):
        return "tribal"
    return "city"


def government_unit(row: Row) -> str:
    if row.get("government_unit"):
        return row["government_unit"]
    if row.get("kind") == "government":
        return "department"
    return "department" if _DEPARTMENT.search(row.get("name") or "") else "general"


def what_it_is(row: Row) -> str:
    kind = row.get("kind") or ""
    if kind in GOVERNMENT_KINDS:
        level = government_level(row)
        base = f"{level.replace('_', ' ')} government" if level else KIND_LABELS[kind]
        if government_unit(row) == "department":
            department = row.get("department")
            base += f", department ({department})" if department else ", department"
        return base
    label = KIND_LABELS.get(kind, kind.replace("_", " "))
    role = row.get("role")
    if kind == "state_data_center":
        return f"{label} {role} agency" if role else f"{label} agency"
    if role and "sdc" in (row.get("sources") or "").split("; "):
        return f"{label}; State Data Center {role}"
    return label


def activity_text(row: Row) -> str:
    activity = row.get("activity") or "unknown"
    if activity == "active" and row.get("next_event_date"):
        return f"active, next event {row['next_event_date']}"
    return activity


def location_text(row: Row) -> str | None:
    parts = [p for p in (row.get("city"), row.get("state")) if p]
    return ", ".join(parts) or None


def _distance(row: Row) -> float | None:
    km = row.get("distance_km")
    return None if km is None else float(km)


def _key(row: Row) -> Any:
    return row.get("intermediary_id") or (row.get("name"), row.get("kind"))


def name_key(name: str | None) -> str:
    """A name as one contact: casefold, anything but letters and digits to spaces, spaces
    collapsed ('Community Foundation of Missoula, Inc' = 'COMMUNITY FOUNDATION OF MISSOULA
    INC')."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in (name or "").casefold())
                    .split())


def same_contact(row: Row) -> tuple[str, str, str]:
    """Rows with one key are one organization in an answer (rule 1 of the answer spec):
    (normalised name, city casefolded, state)."""
    return (name_key(row.get("name")), (row.get("city") or "").casefold(),
            row.get("state") or "")


def _dedupe(items: Iterable[Any], row: Callable[[Any], Row] = lambda r: r) -> list[Any]:
    """Items in order, without a later one of the same id or the same contact
    (:func:`same_contact`)."""
    seen: set[Any] = set()
    kept = []
    for item in items:
        keys = {_key(row(item)), same_contact(row(item))}
        if not keys & seen:
            seen |= keys
            kept.append(item)
    return kept


def portal_host(url: str | None) -> str | None:
    """'https://maps.daytonohio.gov/arcgis/rest' -> 'maps.daytonohio.gov'."""
    found = re.match(PORTAL_HOST_PATTERN, (url or "").strip().lower())
    return found[1] if found else None


def publishes(row: Row) -> str | None:
    """A government's data portal as read: '<host> (<software>)', the host alone when the
    software is unknown; None for a row without one (or not a government)."""
    if row.get("kind") not in GOVERNMENT_KINDS:
        return None
    host = portal_host(row.get("open_data_portal"))
    if not host:
        return None
    software = row.get("portal_software")
    return f"{host} ({software})" if software else host


def to_match(row: Row, why: str | None = None, within: bool = True,
             what: str | None = None) -> Match:
    km = _distance(row)
    far = km_text(km) + " away" if km is not None else "distance unknown"
    return Match(
        name=row["name"],
        what=what or what_it_is(row),
        why=why or far,
        activity=activity_text(row),
        website=row.get("website"),
        source=row.get("sources"),
        distance_km=None if km is None else round(km, 1),
        location=location_text(row),
        intermediary_id=row.get("intermediary_id"),
        kind=row.get("kind"),
        within=within,
        publishes=publishes(row),
        part_of=(row.get("part_of_name") or None) if row.get("part_of") else None,
    )


def _with_distance(why: str, row: Row) -> str:
    km = _distance(row)
    return why if km is None else f"{why}; {km_text(km)} away"


def _nearest(rows: Iterable[Row]) -> list[Row]:
    return sorted((r for r in rows if _distance(r) is not None),
                  key=lambda r: (_distance(r), r.get("name") or ""))


def _nothing_within(what: str, within: float, fallback: list[Row], limit: int,
                    where: str = "") -> tuple[tuple[Match, ...], str]:
    """The note and the nearest few, never farther than MAX_NEAREST_KM: a foundation 10,000
    km away is nobody's "nearest" (the guide: say nothing is near instead)."""
    fallback = [r for r in fallback
                if _distance(r) is not None and _distance(r) <= MAX_NEAREST_KM]
    shown = tuple(to_match(r, within=False) for r in fallback[:limit])
    note = f"No {what} {where or f'within {km_text(within)}'}"
    note += "; the nearest:" if shown else " in this release."
    return shown, note


def _by_distance(key: str, title: str, what: str, rows: list[Row], within: float, limit: int,
                 order: Callable[[Row], Any] | None = None,
                 why: Callable[[Row], str] | None = None) -> Section:
    """A section of the rows within the radius (sorted by ``order``, nearest first), or the
    nearest few anyway."""
    nearest = _nearest(rows)
    near = [r for r in nearest if _distance(r) <= within]
    if order is not None:
        near.sort(key=order)
    if near:
        return Section(key, title, tuple(to_match(r, why(r) if why else None)
                                         for r in _dedupe(near)[:limit]))
    matches, note = _nothing_within(what, within, _dedupe(nearest), limit)
    return Section(key, title, matches, note)


# --- the sections ----------------------------------------------------------------------------


def nnip_section(place: Origin, rows: Sequence[Row], within: float, limit: int) -> Section:
    def why(row: Row) -> str:
        area = row.get("service_area")
        return _with_distance(f"serves its {area}", row) if area else km_text(
            _distance(row)) + " away"

    partners = [r for r in rows if r.get("kind") in NNIP_KINDS]
    return _by_distance("nnip", SECTION_TITLES["nnip"], SECTION_NOUNS["nnip"], partners,
                        within, limit, why=why)


def _is_own_city(row: Row, place: Origin) -> bool:
    return bool(place.city and row.get("state") == place.state
                and government_level(row) in ("city", "tribal")  # not a federal team
                and _norm(row.get("city")) == _norm(place.city))


def _is_own_county(row: Row, place: Origin) -> bool:
    if row.get("state") != place.state or government_level(row) != "county":
        return False
    if row.get("county_fips") and place.county_fips:
        return row["county_fips"] == place.county_fips
    stem = place.county_stem
    return bool(stem and re.search(rf"\b{re.escape(stem)}\b", (row.get("name") or "").lower()))


def _state_governments(place: Origin, governments: Sequence[Row]) -> list[Row]:
    """The place's own state or territory government(s): general first, nearest first."""
    return sorted(
        (r for r in governments if place.state and r.get("state") == place.state
         and government_level(r) == "state"),
        key=lambda r: (government_unit(r) != "general",
                       _distance(r) if _distance(r) is not None else float("inf")))


def government_section(place: Origin, rows: Sequence[Row], within: float,
                       limit: int) -> Section:
    everyone = [r for r in rows if r.get("kind") in GOVERNMENT_KINDS]
    governments = [r for r in everyone if government_level(r) != "state"]
    own: list[tuple[tuple[int, int, float], Row, str]] = []
    for row in governments:
        unit = 0 if government_unit(row) == "general" else 1
        km = _distance(row) if _distance(row) is not None else float("inf")
        if _is_own_county(row, place):
            own.append(((unit, 1, km), row, f"your county ({place.county_name})"))
        elif _is_own_city(row, place):
            own.append(((unit, 0, km), row, f"your city ({place.city})"))
    own.sort(key=lambda item: item[0])
    taken = {_key(row) for _, row, _ in own}
    others = [r for r in _nearest(governments) if _key(r) not in taken]
    near = sorted((r for r in others if _distance(r) <= within),
                  key=lambda r: (publishes(r) is None, government_unit(r) != "general",
                                 _distance(r)))
    listed = [(row, why) for _, row, why in own] + [
        (r, _with_distance(f"publishes data: {publishes(r)}", r) if publishes(r) else None)
        for r in near]
    title = SECTION_TITLES["government"]
    if listed:
        return Section("government", title, tuple(
            to_match(row, why) for row, why in _dedupe(listed, lambda item: item[0])[:limit]))
    # nothing listed near: the state's (territory's) own government, then the nearest others
    # within MAX_NEAREST_KM (never a city 5,000 km away)
    nearest = [r for r in others if _distance(r) <= MAX_NEAREST_KM]
    state = _state_governments(place, everyone)
    if not state:
        matches, note = _nothing_within(SECTION_NOUNS["government"], within,
                                        _dedupe(nearest), limit)
        return Section("government", title, matches, note)
    territory = place.state in TERRITORIES
    name = place.state_name or _state_name(place.state) or place.state
    why = (f"your territory's government ({name})" if territory
           else f"your state government ({name})")
    listed = [(r, why) for r in state] + [(r, None) for r in nearest]
    matches = tuple(to_match(row, why, within=False)
                    for row, why in _dedupe(listed, lambda item: item[0])[:limit])
    note = (f"No {SECTION_NOUNS['government']} within {km_text(within)}; "
            f"your {'territory' if territory else 'state'}'s government:")
    return Section("government", title, matches, note)


def _state_name(usps: str | None) -> str | None:
    """'OH' -> 'Ohio', 'GU' -> 'Guam' (the ``us`` package, as the geography layer; imported
    here, not geography, which would bring pandas onto the fast path)."""
    import us

    found = us.states.lookup(usps) if usps and len(usps) == 2 else None
    return found.name if found else None


def _is_unit(row: Row) -> bool:
    """A unit of a university: linking set its ``part_of`` (never a civic tech group)."""
    return bool(row.get("part_of")) and row.get("kind") not in CIVIC_TECH_KINDS


def university_section(place: Origin, rows: Sequence[Row], within: float,
                       limit: int) -> Section:
    """Up to ``limit`` within the radius: research universities (doctoral, master's) and units
    first, then other colleges, nearest first within each (none: the note and the nearest few
    within MAX_NEAREST_KM). Then, always and not counted in the limit, the land-grant
    universities of the place's state not listed yet (tribal colleges, land-grant since 1994,
    run no county extension office): the issue's 'Missoula starts with the University of
    Montana, and names Montana State as the land-grant'."""
    title = SECTION_TITLES["university"]
    universities = [r for r in rows if r.get("kind") in UNIVERSITY_KINDS or _is_unit(r)]
    state = place.state_name or _state_name(place.state)
    grant_why = (f"land-grant university of {state or place.state}: "
                 "extension office in your county")

    def land_grant(row: Row) -> bool:
        return bool(place.state and row.get("kind") in UNIVERSITY_KINDS
                    and row.get("land_grant") is True and row.get("tribal_college") is not True
                    and row.get("state") == place.state)

    def tier(row: Row) -> int:
        return 0 if _is_unit(row) or row.get("carnegie_level") in RESEARCH_LEVELS else 1

    def why(row: Row) -> str | None:
        if land_grant(row):
            return _with_distance(grant_why, row)
        if _is_unit(row) and row.get("part_of_name"):
            return _with_distance(f"part of {row['part_of_name']}", row)
        return None

    nearest = _nearest(universities)
    near = _dedupe(sorted((r for r in nearest if _distance(r) <= within),
                          key=lambda r: (tier(r), _distance(r))))[:limit]
    shown = [to_match(r, why(r)) for r in near]
    note = None
    listed = near
    if not near:
        listed = _dedupe(r for r in nearest if _distance(r) <= MAX_NEAREST_KM)[:limit]
        matches, note = _nothing_within(SECTION_NOUNS["university"], within, listed, limit)
        shown = [replace(m, why=why(r) or m.why) for m, r in zip(matches, listed, strict=True)]
    grants = [r for r in nearest + [r for r in universities if _distance(r) is None]
              if land_grant(r)]
    shown += [to_match(r, why(r)) for r in _dedupe([*listed, *grants])[len(listed):]]
    return Section("university", title, tuple(shown), note)


def civic_tech_section(place: Origin, rows: Sequence[Row], within: float,
                       limit: int) -> Section:
    groups = [r for r in rows if r.get("kind") in CIVIC_TECH_KINDS
              and r.get("activity") != "gone"]
    return _by_distance(
        "civic_tech", SECTION_TITLES["civic_tech"], SECTION_NOUNS["civic_tech"], groups, within,
        limit, order=lambda r: (ACTIVITY_ORDER.get(r.get("activity"), OTHER_ACTIVITY),
                                _distance(r)))


def sdc_section(place: Origin, rows: Sequence[Row], within: float, limit: int) -> Section:
    agencies = [r for r in rows if r.get("kind") in SDC_KINDS]
    title = SECTION_TITLES["sdc"]
    mine = sorted(
        (r for r in agencies if place.state and r.get("state") == place.state),
        key=lambda r: (ROLE_ORDER.get(r.get("role"), OTHER_ROLE),
                       _distance(r) if _distance(r) is not None else float("inf"),
                       r.get("name") or ""))
    if mine:
        why = f"covers your state ({place.state})"
        return Section("sdc", title, tuple(to_match(r, _with_distance(why, r))
                                           for r in _dedupe(mine)[:limit]))
    where = f"for {place.state}" if place.state else "for this place (outside the US states)"
    nearest = sorted(_nearest(agencies),  # a state's agencies often share a point: lead first
                     key=lambda r: (round(_distance(r), 1),
                                    ROLE_ORDER.get(r.get("role"), OTHER_ROLE)))
    matches, note = _nothing_within(SECTION_NOUNS["sdc"], within, _dedupe(nearest),
                                    limit, where=where)
    return Section("sdc", title, matches, note)


def foundation_section(place: Origin, rows: Sequence[Row], within: float,
                       limit: int) -> Section:
    foundations = [r for r in rows if r.get("kind") in FOUNDATION_KINDS]
    own: list[tuple[Row, str]] = []
    for row in _nearest(foundations) + [r for r in foundations if _distance(r) is None]:
        if row.get("state") != place.state or not place.state:
            continue
        if row.get("county_fips") and place.county_fips:
            if row["county_fips"] == place.county_fips:
                own.append((row, f"covers your county ({place.county_name})"))
        elif place.city and _norm(row.get("city")) == _norm(place.city):
            own.append((row, f"in your city ({place.city})"))
    taken = {_key(row) for row, _ in own}
    others = [r for r in _nearest(foundations) if _key(r) not in taken]
    listed = [(row, _with_distance(why, row)) for row, why in own] + [
        (r, None) for r in others if _distance(r) <= within]
    title = SECTION_TITLES["foundation"]
    if listed:
        return Section("foundation", title, tuple(
            to_match(row, why) for row, why in _dedupe(listed, lambda item: item[0])[:limit]))
    matches, note = _nothing_within(SECTION_NOUNS["foundation"], within, _dedupe(others), limit)
    return Section("foundation", title, matches, note)


SECTIONS: dict[str, Callable[[Origin, Sequence[Row], float, int], Section]] = {
    "nnip": nnip_section,
    "government": government_section,
    "university": university_section,
    "civic_tech": civic_tech_section,
    "sdc": sdc_section,
    "foundation": foundation_section,
}
#: What ``--kind`` accepts besides the section keys: the published kinds (their sections from
#: the code table) and plain words.
KIND_ALIASES = {
    **{k.code: k.section for k in KINDS if k.section},
    "city": "government", "county": "government", "universities": "university",
    "college": "university", "civictech": "civic_tech", "foundation": "foundation",
    "nonprofit": "foundation", "nonprofits": "foundation", "foundations": "foundation",
}


class UnknownKind(ValueError):
    pass


def section_keys(kinds: Iterable[str] | None) -> list[str]:
    """Section keys for ``--kind`` values (guide order kept; nothing given: all)."""
    wanted = set()
    for kind in kinds or ():
        key = kind.strip().lower().replace("-", "_").replace(" ", "_")
        key = KIND_ALIASES.get(key, key)
        if key not in SECTIONS:
            raise UnknownKind(f"unknown kind {kind!r}; choose from "
                              f"{', '.join(SECTIONS)} (or a published kind such as brigade)")
        wanted.add(key)
    return [k for k in SECTIONS if not wanted or k in wanted]


def start_something(place: Origin, rows: Sequence[Row]) -> StartSomething:
    """The guide's suggestions, naming the nearest active civic tech group to ask first."""
    active = _nearest(r for r in rows if r.get("kind") in CIVIC_TECH_KINDS
                      and r.get("activity") == "active")
    first = to_match(active[0], within=False) if active else None
    if first is None:
        speaker = ("Invite a speaker from a nearby community: no active civic tech group is "
                   "listed in this release, so ask the State Data Center or NNIP partner above "
                   "who they work with.")
    else:
        facts = [first.location, f"{km_text(first.distance_km or 0)} away",
                 f"next event {active[0]['next_event_date']}"
                 if active[0].get("next_event_date") else "no upcoming event listed"]
        speaker = (f"Invite a speaker from a nearby community: ask {first.name} "
                   f"({'; '.join(f for f in facts if f)}) first: they are the nearest active "
                   "group.")
    return StartSomething(
        suggestions=(
            "Convene an open data conversation: bring the governments, the State Data Center "
            "and the foundations listed above together around the data your community needs.",
            speaker,
            "Hold a hack night: a regular evening where residents, developers and government "
            "staff work on local data together"
            + (f"; {first.name} can tell you how they run theirs." if first else "."),
        ),
        first_to_ask=first,
    )


def answer(place: Origin, rows: Sequence[Row], within_km: float = DEFAULT_WITHIN_KM,
           limit: int = DEFAULT_LIMIT, kinds: Iterable[str] | None = None,
           release: Mapping[str, Any] | None = None) -> Answer:
    """The whole answer for one place from its candidate rows."""
    rows = [r for r in rows if r.get("activity") != "gone"]  # never shown, whatever the SQL
    keys = section_keys(kinds)
    sections = tuple(SECTIONS[k](place, rows, within_km, limit) for k in keys)
    suggestions = None
    civic = next((s for s in sections if s.key == "civic_tech"), None)
    if civic is not None and not any(m.within for m in civic.matches):
        suggestions = start_something(place, rows)
    return Answer(place, within_km, limit, sections, suggestions, release or {})
