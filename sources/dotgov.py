"""Local governments from the .gov registry: ``current-full.csv`` of cisagov/dotgov-data (CC0).

One CSV row per domain: domain name, domain type, organization name, suborganization, city,
state and a security contact email. The email is never read (many are personal), so it cannot
reach any table. Federal and interstate domains are left out; the rest form ``dotgov_domains``,
one row per domain, and organizations a resident would call become listings.

Which organizations are listed (``classify``, from the organization's name and the domain type):

- a general-purpose government: a name that is just a government ("City of Dayton", "Concho
  County, Texas", "Charter County of Wayne", "Parowan City", "Municipio de Bayamon", "State of
  Ohio", "Navajo Nation"), its governing body ("Alcorn County Board of Supervisors", "Fayette
  County Commission", "Peters Township Supervisors") or its seat ("Yancey County Courthouse")
  -> government_unit 'general';
- a data-relevant department (planning, GIS, mapping, information technology, innovation, open
  data, data, statistics, census; regional planning councils) -> 'department';
- anything else (courts, police, sheriffs, fire, EMS, clerks, auditors, elections, libraries,
  schools, utilities, health, parks, legislatures, other departments and boards, unrecognised
  names such as "SELCO") -> None: kept in ``dotgov_domains``, not listed.

Special districts are listed only as data-relevant departments (a regional planning commission);
school districts never. A type's level is refined by the name: a County-typed "White Oak
Borough" (PA) is a city-level government; boroughs in Alaska are counties.

One organization per government: domains are grouped by level, unit, canonical name (state
suffixes, "Government", governing-body words dropped; "County of Westchester" = "Westchester
County") and state; city-level governments also by city, because town names repeat within a
state (two "Town of Dayton" in Wisconsin: Richland Center and Waupaca). All general state
governments of one state are one organization. An election domain ("… - Election" type, or an
election office's name) is another website of its government: a "Hamilton County Supervisor of
Elections" domain joins "Hamilton County" of its state when that government is in the file
(otherwise it stays unlisted). A government's own domain registered by one of its departments
is the government's: a State-typed domain that is the state's name or USPS code (``ohio.gov``
"State of Ohio, Office of IT", ``maryland.gov`` "Department of Information Technology") belongs
to the state's government, and a department whose name begins with its government and whose
domain spells that government (``greenecountyohio.gov`` "Greene County Data Processing",
``hamiltoncountyohio.gov`` "Hamilton County Telecommunications") is that government (unit
'general', its name the government's: "Greene County"). An organization is identified by its
domains: its listing's ``source_key`` is its primary domain (a state's own portal first, the
state's name then its code: ``ohio.gov`` over ``ohioag.gov``; then no vote/election word; most
words of its name; shortest; alphabetical), the website; ``websites`` holds all of them. Its
name is the government's own ("State of Ohio", "Lake County, Ohio") when one of its domains is
registered under it (the most common), else the primary domain's organization name, cut to the
government it begins with when that is a department's ("Greene County Data Processing" ->
"Greene County"). A folded election domain takes its government's record_id, level and unit in
``dotgov_domains``.

Listings: ``record_id`` is 'dotgov:<canonical name>:<state>' (city-level: ':<city>' too; a
state's government: 'dotgov:state-government:<state>'), from the organization, not row order.
``service_area`` is the level's area; a tribe's and a regional body's is 'county' (local, not
statewide). Cities are title-cased when written all in capitals or lower case; blank cities and
states stay blank (never guessed from the domain name). Checks: ``min_records`` counts domains
(~15,000 non-federal in the full file; floor 10,000); ``health`` wants 8,500 general-purpose
governments (~9,000 expected), but only from a file of full size, so the 260-row sample passes.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa
import us

from geography import usps_code
from geography.states import STATES
from schemas.dotgov import DOTGOV_DOMAINS, KEPT_DOMAIN_TYPES
from schemas.table import pandera_schema
from sources.base import Source, fetch_single, only_page
from sources.errors import ParseError
from sources.rejects import Parsed, RecordProblem, Rejection, keep_valid_rows, short
from sources.snapshot import Snapshot
from sources.text import slug

URL = "https://raw.githubusercontent.com/cisagov/dotgov-data/main/current-full.csv"
HOMEPAGE = "https://github.com/cisagov/dotgov-data"
# The columns read, by header name; 'Security contact email' is deliberately not among them.
COLUMNS = {"domain": "Domain name", "domain_type": "Domain type",
           "organization_name": "Organization name",
           "suborganization_name": "Suborganization name", "city": "City", "state": "State"}
EXPECTED = "a CSV whose header has the columns " + ", ".join(COLUMNS.values())
LEFT_OUT_TYPES = frozenset({"federal", "federal - executive", "federal - legislative",
                            "federal - judicial", "interstate", "independent intrastate"})
LEVELS = {"city": "city", "county": "county", "state or territory": "state",
          "tribal": "tribal", "special district": "special_district",
          "school district": "school_district"}
TYPE_NAMES = {t.lower(): t for t in KEPT_DOMAIN_TYPES}
# Where a listing is "near": a tribe's lands and a special district are local, county-sized.
SERVICE_AREA = {"city": "city", "county": "county", "state": "state", "tribal": "county",
                "special_district": "county"}
MIN_DOMAINS = 10_000  # the full file holds ~15,000 non-federal domains (16,539 rows in all)
FULL_FILE_DOMAINS = 10_000  # the general-government floor applies only to files this large
MIN_GENERAL_GOVERNMENTS = 8_500  # the full file is expected to hold ~9,000
DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.gov")

_SCHEMA_WITH_POSITION = pandera_schema(DOTGOV_DOMAINS).add_columns(
    {"position": pa.Column(int)})

# --- classification ---------------------------------------------------------------------------

_GOV = r"city and county|city|town|village|borough|township|county|parish|municipality|municipio"
_GOV_END = r"city|town|village|borough|township|county|parish|municipality|plantation"
_PREFIX = re.compile(rf"^(?:{_GOV}|plantation) (?:of|de)(?: the)? (?P<place>.+)$")
_SUFFIX = re.compile(rf"^(?P<place>.+) (?:{_GOV_END})$")
_LINKING = frozenset({"of", "for", "and", "in", "at", "de"})
_GOVERNING = (  # governing-body and seat words: "Alcorn County Board of Supervisors" = the county
    (re.compile(r"\bdistrict of columbia\b"), "columbia"),
    (re.compile(r"\b(unified|consolidated|metropolitan) government of\b"), ""),
    (re.compile(r"\bmunicipal government of\b"), "municipality of"),
    (re.compile(r"\bboard of (county |city |town |township |village )?(supervisors|"
                r"commissioners|selectmen|selectpersons|trustees|aldermen|alderpersons|"
                r"chosen freeholders|freeholders|directors)\b"), ""),
    (re.compile(r"\b(commissioners?|supervisors?) (court|office)\b"), ""),
    (re.compile(r"\b(city|town|village|borough|township|county|parish|municipal) (hall|offices?"
                r"|building|council|board|manager|administrator|administration|commission|"
                r"commissioners?|supervisors|trustees|executive)\b"), r"\1"),
    (re.compile(r"\b(commissioners|supervisors|selectmen|select ?board|police jury|executive "
                r"branch|gov(?!ernor)[a-z]*|courthouse|charter)\b"), ""),  # 'Govenrment' too
)
_DATA = re.compile(
    r"\b(planning|planners?|gis|geographic information|geospatial|mapping|information "
    r"technology|information services|information systems|technology|innovation|digital "
    r"services|open data|data|statistics|statistical|analytics|census|demographics?|"
    r"demographer|council of governments|regional council)\b")
_DATA_IT = re.compile(r"\bI\.?T\b\.?")  # 'Cortland County IT', case-sensitive
_OTHER_WORDS = (
    "courts? judicial judiciary justice magistrates? police sheriffs? marshals? constables? fire "
    "firefighters ems emergency 911 e911 rescue ambulance jail corrections correctional "
    "detention probation parole prosecutors? prosecuting attorneys? defenders? clerks? "
    "recorders? deeds auditors? assessors? appraisal treasurers? treasury comptrollers? "
    "controllers? collectors? tax taxes revenue finance elections? voters? votes? voting "
    "registrars? soe library libraries schools? education academy water wastewater sewer "
    "sewerage sanitation sanitary stormwater utility utilities electric power energy transit "
    "transportation dmv vehicles? highways? roads airports? housing health hospitals? medical "
    "services children aging veterans workforce labor employment parks recreation museums? "
    "tourism visitors convention chamber economic retirement pension legislature legislative "
    "senate representatives assembly department dept deptment division bureau agency authority "
    "district board commission committee program project initiative cemetery animal zoo "
    "extension conservation soil environmental environment insurance lottery ombudsman "
    "inspector ethics purchasing procurement personnel foundation association alliance "
    "coalition")
_OTHER = re.compile(r"\b(" + "|".join(_OTHER_WORDS.split()) + r")\b")
_GOV_WORD = re.compile(r"\b(city|town|village|borough|township|county|parish|municipality|"
                       r"municipio|municipal|plantation)\b")
_COUNTY_WORDS = frozenset({"county", "parish"})
_CITY_WORDS = frozenset({"city", "town", "village", "township", "municipality", "municipio",
                         "plantation"})
_STATE_PREFIX = re.compile(r"^(?:the )?(?:(?:state|commonwealth|territory|government) of"
                           r"(?: the)? )?")
_STATE_SUFFIX = re.compile(r" (?:state|territory)$")
_ELECTION_NAME = re.compile(r"\b(elections?|votes?|voters?|voting|soe)\b")
_ELECTION_OFFICE = re.compile(
    r"\b(supervisor of elections|board of elections?|elections? (board|commission|office|"
    r"department|division|administration)|board of (canvassers|registrars)|registrar of "
    r"voters|voter registration|elections?|votes?|voters?|voting|soe|clerk and recorder|"
    r"clerks?|recorders?|auditors?|treasurers?)\b")
_LEADING = re.compile(r"^(?:(?:the|of|in|for|at)\b ?)+")
_VOTE_DOMAIN = re.compile(r"vote|voting|election|ballot")


def _norm(text: str) -> str:
    """'Prince George's County, MD' -> 'prince georges county md'."""
    text = re.sub(r"['’`]", "", text.lower().replace("&", " and "))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@lru_cache(maxsize=1)
def _state_names() -> dict[str, str]:
    names = {_norm(s.name): s.abbr for s in us.states.STATES_AND_TERRITORIES}
    names |= {"columbia": "DC", "washington dc": "DC", "us virgin islands": "VI",
              "united states virgin islands": "VI", "virgin islands of the united states": "VI"}
    return names


def _without_governing(text: str) -> str:
    for pattern, replacement in _GOVERNING:
        text = pattern.sub(replacement, text)
    return _LEADING.sub("", " ".join(text.split()))


def _without_state(text: str, state: str | None) -> str:
    """'city of mesa washington' -> 'city of mesa' when the row's state is WA; a name that would
    lose its place ('town of washington', 'sitka tribe of alaska') keeps it."""
    if not state:
        return text
    names = [name for name, abbr in _state_names().items() if abbr == state]
    for suffix in (*names, state.lower()):
        if text.endswith(" " + suffix):
            stripped = text[: -len(suffix) - 1].strip()
            if stripped and stripped.rsplit(" ", 1)[-1] not in _LINKING:
                return stripped
    return text


def _place_ok(place: str, prefix: bool) -> bool:
    words = place.split()
    if not words or len(words) > 5 or _LINKING & set(words):
        return False
    # 'City of Hernando Police Department' is a department; 'City of Port Arthur' a city
    return not (prefix and (_OTHER.fullmatch(words[-1]) or _DATA.fullmatch(words[-1])))


def _pure(text: str) -> str | None:
    """The government word when the name is just a government ('city of dayton' -> 'city',
    'concho county' -> 'county'), else None."""
    match = _PREFIX.match(text)
    if match and _place_ok(match["place"], prefix=True):
        return text.split(" of ")[0].split(" de ")[0]
    match = _SUFFIX.match(text)
    if match and _place_ok(match["place"], prefix=False):
        return text.rsplit(" ", 1)[1]
    return None


def _is_state_government(text: str) -> bool:
    """'state of arizona', 'american samoa', 'commonwealth of the northern mariana islands',
    'illinois state' name a state or territory's government."""
    core = _STATE_SUFFIX.sub("", _STATE_PREFIX.sub("", text))
    return core in _state_names()


def _refined_level(level: str, words: set[str], state: str | None) -> str:
    """A County-typed borough in Pennsylvania is a city-level government; in Alaska boroughs
    and municipalities are county-level, as typed."""
    if level not in ("city", "county") or state == "AK":  # Alaska: boroughs, municipalities
        return level
    county_like = bool(words & _COUNTY_WORDS)
    city_like = bool(words & (_CITY_WORDS | {"borough"}))
    if county_like and not city_like:
        return "county"
    if city_like and not county_like:
        return "city"
    return level


def domain_level(domain_type: str) -> tuple[str, bool]:
    """'City - Election' -> ('city', True). Raises ValueError for a type not kept."""
    lowered = " ".join(domain_type.lower().split())
    election = lowered.endswith(" - election")
    base = lowered.removesuffix(" - election")
    if base not in LEVELS:
        raise ValueError(f"not a kept domain type: {domain_type!r}")
    return LEVELS[base], election


@lru_cache(maxsize=65536)
def classify(organization_name: str, domain_type: str,
             state: str | None = None) -> tuple[str, str | None]:
    """(government_level, government_unit) of an organization: unit 'general' for a
    general-purpose government, 'department' for a data-relevant department, None for any
    other organization (not listed). ``state`` (USPS) drops a trailing state name and tells an
    Alaska borough (a county) from a Pennsylvania one (a city-level government)."""
    level, _ = domain_level(domain_type)
    if level == "school_district":
        return level, None
    text = _without_state(_without_governing(_norm(organization_name)), state)
    data = bool(_DATA.search(text) or _DATA_IT.search(organization_name))
    if level == "special_district":
        return level, "department" if data else None
    if level == "state":
        if _is_state_government(text):
            return level, "general"
        if data:
            return level, "department"
        if _OTHER.search(text) or not re.match(r"(state|commonwealth|territory) of ", text):
            return level, None
        return level, "general"  # 'State of Teneessee'
    if level == "tribal":
        if data:
            return level, "department"
        return level, None if _OTHER.search(text) else "general"
    pure = _pure(text)
    if pure:
        return _refined_level(level, {pure}, state), "general"
    if _is_state_government(text):  # 'Government of the District of Columbia', typed City
        return level, "general"
    words = set(text.split())
    if data:
        return _refined_level(level, words, state), "department"
    if _OTHER.search(text) or not _GOV_WORD.search(text):
        return level, None
    return _refined_level(level, words, state), "general"


def canonical_name(organization_name: str, state: str | None = None) -> str:
    """The name as a grouping key: 'County of Westchester' and 'Westchester County Government'
    -> 'westchester county'; 'Town of Afton NY' -> 'town of afton'."""
    text = _without_state(_without_governing(_norm(organization_name)), state)
    match = re.match(r"^(county|parish) of (.+)$", text)
    if match and _place_ok(match[2], prefix=True):
        text = f"{match[2]} {match[1]}"
    return text or _norm(organization_name)


def election_government(organization_name: str) -> str | None:
    """The government an election office belongs to: 'Hamilton County Supervisor of Elections'
    -> 'hamilton county', 'The Board of Elections in the City of New York' -> 'city of new
    york'; None when nothing is left."""
    text = _ELECTION_OFFICE.sub(" ", _norm(organization_name))
    text = _LEADING.sub("", " ".join(text.split())).strip()
    return text or None


def primary_domain(domains: list[str], canonical: str,
                   front_doors: tuple[str, ...] = ()) -> str:
    """The organization's main website: one of its ``front_doors`` (labels, in order: a state's
    name then its code, 'ohio' then 'oh'), then no vote/election word; most words of its name in
    the domain ('bouldercounty.gov' over 'boulderodm.gov'); shortest; alphabetical."""
    words = [w for w in canonical.split() if len(w) > 1 and w not in _LINKING | {"the"}]

    def rank(domain: str) -> tuple[int, bool, int, int, str]:
        label = domain.removesuffix(".gov").replace("-", "")
        door = front_doors.index(label) if label in front_doors else len(front_doors)
        return (door, bool(_VOTE_DOMAIN.search(label)), -sum(w in label for w in words),
                len(domain), domain)

    return min(domains, key=rank)


def state_front_doors(state: str | None) -> tuple[str, ...]:
    """The domain labels that are a state's own portal: its name, then its USPS code
    ('ohio', 'oh'; 'newjersey', 'nj'; 'guam', 'gu')."""
    if not state:
        return ()
    names = [name for name, abbr in _state_names().items() if abbr == state]
    return (*(n.replace(" ", "") for n in names), state.lower())


def is_own_name(name: str, state: str | None = None) -> bool:
    """Whether a name is just a government's ('City of Dayton', 'Lake County, Ohio', 'State of
    Ohio'), not its board's, office's or department's."""
    text = _without_state(_norm(name), state)
    return bool(text) and (_pure(text) is not None or _is_state_government(text))


def government_part(organization_name: str, state: str | None = None) -> str | None:
    """The government a department's name begins with, as written: 'Greene County Data
    Processing' -> 'Greene County', 'State of Ohio, Office of IT' -> 'State of Ohio'; None
    when it begins with none (or is one itself)."""
    name = " ".join(organization_name.split())
    candidates = [name.split(sep)[0] for sep in (",", " - ", " / ") if sep in name]
    words = name.split()
    candidates += [" ".join(words[:k]) for k in range(len(words) - 1, 1, -1)]
    for candidate in candidates:
        candidate = candidate.strip(" ,-/")
        if candidate != name and is_own_name(candidate, state):
            return candidate
    return None


def spells_government(domain: str, government: str, state: str | None) -> bool:
    """Whether a domain is the government's own name: 'greenecountyohio.gov' for "Greene
    County" in OH ('greenecounty', 'greene', 'countyofgreene', each with or without the
    state's name or code after it); 'ohio.gov' or 'oh.gov' for "State of Ohio"."""
    label = domain.removesuffix(".gov").replace("-", "")
    doors = state_front_doors(state)
    text = _without_state(_norm(government), state)
    if _is_state_government(text):
        return label in doors
    match = _PREFIX.match(text)
    if match:
        level, place = text.split(" ")[0], match["place"]
    else:
        match = _SUFFIX.match(text)
        if not match:
            return False
        level, place = text.rsplit(" ", 1)[1], match["place"]
    place = place.replace(" ", "")
    wanted = {place + level, place, f"{level}of{place}"}
    return any(label == w + door for w in wanted for door in ("", *doors))


# --- parsing ----------------------------------------------------------------------------------

@dataclass
class _Row:
    position: int
    domain: str
    domain_type: str
    level: str
    election: bool
    organization_name: str
    suborganization_name: str | None
    city: str | None
    state: str | None
    unit: str | None = None
    key: tuple | None = None
    government_name: str | None = None  # a department's row that is its government's domain


def clean_city(text: str, state: str | None) -> str | None:
    """'ROUND ROCK' -> 'Round Rock', 'danbury' -> 'Danbury', 'Shafer, MN' -> 'Shafer'; mixed
    case ('McRae-Helena') is kept as written."""
    city = " ".join(text.split())
    head, comma, tail = city.rpartition(",")
    if comma and usps_code(tail) and usps_code(tail) == (state or usps_code(tail)):
        city = head.strip()
    if city.isupper() or city.islower():
        city = re.sub(r"[A-Za-z]+", lambda m: m.group().capitalize(), city.lower())
    return city or None


def read_row(values: Mapping[str, str], position: int) -> _Row | None:
    """One CSV row (the columns read, by field) -> a row, or None for a federal or interstate
    domain (left out). Raises RecordProblem naming the field when the row cannot be read."""
    raw_type = " ".join(values["domain_type"].split())
    lowered = raw_type.lower()
    if lowered in LEFT_OUT_TYPES or lowered.removesuffix(" - election") in LEFT_OUT_TYPES:
        return None
    domain = values["domain"].strip().lower()
    if not domain:
        raise RecordProblem("domain", "empty")
    if not DOMAIN.fullmatch(domain):
        raise RecordProblem("domain", f"not a .gov domain name: {short(domain)}")
    try:
        level, election = domain_level(raw_type)
    except ValueError:
        raise RecordProblem("domain_type", f"unknown domain type {short(raw_type)}") from None
    name = " ".join(values["organization_name"].split())
    if not name:
        raise RecordProblem("organization_name", "empty")
    raw_state = values["state"].strip()
    state = usps_code(raw_state) if raw_state else None
    if raw_state and state is None:
        raise RecordProblem("state", f"not a US state or territory: {short(raw_state)}")
    type_name = TYPE_NAMES[lowered.removesuffix(" - election")]
    return _Row(
        position=position, domain=domain,
        domain_type=f"{type_name} - Election" if election else type_name,
        level=level, election=election, organization_name=name,
        suborganization_name=" ".join(values["suborganization_name"].split()) or None,
        city=clean_city(values["city"], state), state=state,
    )


def _read_rows(snapshot: Snapshot) -> tuple[list[_Row], list[Rejection], str, str]:
    page = only_page(snapshot)
    text = snapshot.body(page).decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ParseError("dotgov", page.url, "the file is empty", EXPECTED) from None
    except csv.Error as error:
        raise ParseError("dotgov", page.url, f"the header is not CSV ({error})",
                         EXPECTED) from error
    index = {name.lower(): i for i, name in enumerate(header)}
    missing = [c for c in COLUMNS.values() if c.lower() not in index]
    if missing:
        raise ParseError("dotgov", page.url, f"the header lacks {', '.join(missing)} "
                         f"(it has {short(', '.join(header), 200)})", EXPECTED)
    where = {field: index[column.lower()] for field, column in COLUMNS.items()}
    rows: list[_Row] = []
    rejected: list[Rejection] = []
    first_row: dict[str, int] = {}
    position = -1
    try:
        for values in reader:
            if not values:
                continue  # a blank line
            position += 1
            key = values[where["domain"]].strip().lower() if len(values) > where["domain"] else ""
            try:
                if len(values) != len(header):
                    raise RecordProblem("record", f"{len(values)} fields, expected "
                                        f"{len(header)}")
                row = read_row({f: values[i] for f, i in where.items()}, position)
                if row is not None and row.domain in first_row:
                    raise RecordProblem("domain", f"listed again (first at position "
                                        f"{first_row[row.domain]})")
            except RecordProblem as problem:
                rejected.append(Rejection(
                    source="dotgov", record_key=key[:200] or f"#{position}", position=position,
                    field=problem.field, problem=problem.problem, source_url=page.url,
                    retrieved_at=page.retrieved_at))
                continue
            if row is not None:
                first_row[row.domain] = position
                rows.append(row)
    except csv.Error as error:
        raise ParseError("dotgov", page.url, f"not readable as CSV after data row {position} "
                         f"({error})", EXPECTED) from error
    return rows, rejected, page.url, page.retrieved_at


def _group(rows: list[_Row]) -> None:
    """Classify each row and give it the key of the organization it belongs to (None: not
    listed). Election offices join their government when it is in the file."""
    for row in rows:
        row.level, row.unit = classify(row.organization_name, row.domain_type, row.state)
        if row.unit != "general" and not row.election:
            _own_domain_of_its_government(row)
    by_name: dict[tuple, list[tuple]] = {}  # (level, unit, canonical, state) -> keys with city
    for row in rows:
        if row.unit is None:
            continue
        canonical = canonical_name(row.government_name or row.organization_name, row.state)
        if row.level == "state" and row.unit == "general":
            row.key = ("state", "general", "state government", row.state, "")
        else:
            city = slug(row.city) if row.level == "city" and row.city else ""
            row.key = (row.level, row.unit, canonical, row.state, city)
        by_name.setdefault(row.key[:4], [])
        if row.key not in by_name[row.key[:4]]:
            by_name[row.key[:4]].append(row.key)
    for row in rows:  # a city-level row without a city joins the one same-named city group
        if row.key and row.key[4] == "" and row.level == "city":
            others = [k for k in by_name[row.key[:4]] if k[4]]
            if len(others) == 1:
                row.key = others[0]
    for row in rows:
        if row.unit is None and (row.election or _ELECTION_NAME.search(_norm(
                row.organization_name))):
            row.key = _election_key(row, by_name)


def _own_domain_of_its_government(row: _Row) -> None:
    """A department's row whose domain is its government's own (``ohio.gov`` of "State of Ohio,
    Office of IT", ``maryland.gov`` of a state IT department, ``greenecountyohio.gov`` of
    "Greene County Data Processing") is the government's: unit 'general', named as it."""
    if row.level == "state" and row.domain.removesuffix(".gov").replace("-", "") in (
            state_front_doors(row.state)):
        row.unit = "general"
        return
    if row.level not in ("city", "county"):
        return
    government = government_part(row.organization_name, row.state)
    if government and spells_government(row.domain, government, row.state):
        row.unit, row.government_name = "general", government


def _election_key(row: _Row, by_name: Mapping[tuple, list[tuple]]) -> tuple | None:
    government = election_government(row.organization_name)
    if government is None:
        return None
    try:
        level, unit = classify(government, row.domain_type, row.state)
    except ValueError:
        return None
    if unit != "general":
        return None
    if level == "state":
        wanted = ("state", "general", "state government", row.state)
    else:
        wanted = (level, "general", canonical_name(government, row.state), row.state)
    keys = by_name.get(wanted, [])
    city = slug(row.city) if row.city else ""
    exact = [k for k in keys if k[4] == city]
    if exact or len(keys) == 1:
        return (exact or keys)[0]
    return None


def _record_ids(rows: list[_Row]) -> dict[tuple, str]:
    """'dotgov:<canonical name>:<state>' (city-level: ':<city>' too; a state's government:
    'dotgov:state-government:<state>'): from the organization, not from row order."""
    ids: dict[tuple, str] = {}
    taken: set[str] = set()
    for row in rows:
        if row.key is None or row.key in ids:
            continue
        level, _, canonical, state, city = row.key
        record_id = f"dotgov:{slug(canonical)}:{(state or 'no-state').lower()}"
        if city:
            record_id += f":{city}"
        if record_id in taken:  # same name at another level or unit: rare, keep both apart
            record_id += f":{level.replace('_', '-')}-{row.key[1]}"
        taken.add(record_id)
        ids[row.key] = record_id
    return ids


def _name_words(key: tuple) -> str:
    """What a primary domain should spell: the canonical name; a state's government: the
    state's name ('ohio.gov')."""
    if key[2] == "state government":
        state = us.states.lookup(key[3] or "")
        return _norm(state.name) if state else ""
    return key[2]


def parse(snapshot: Snapshot) -> Parsed:
    """Snapshot of current-full.csv -> one validated row per non-federal domain.

    A row that cannot be read (too few fields, no organization name, an unknown state or domain
    type, a domain listed twice) is quarantined with the field; the rest is published.
    """
    rows, rejected, url, retrieved_at = _read_rows(snapshot)
    _group(rows)
    ids = _record_ids(rows)
    members: dict[tuple, list[_Row]] = {}
    for row in rows:
        if row.key is not None:
            members.setdefault(row.key, []).append(row)
    primary = {primary_domain([r.domain for r in group], _name_words(key),
                              state_front_doors(key[3]) if key[0] == "state" else ())
               for key, group in members.items()}
    level_unit = {key: (key[0], key[1]) for key in members}
    frame = pd.DataFrame({
        "domain": [r.domain for r in rows],
        "record_id": [ids.get(r.key) for r in rows],
        "domain_type": [r.domain_type for r in rows],
        "organization_name": [r.organization_name for r in rows],
        "suborganization_name": [r.suborganization_name for r in rows],
        "city": [r.city for r in rows],
        "state": [r.state for r in rows],
        # a folded election domain takes its government's level and unit
        "government_level": [level_unit[r.key][0] if r.key else r.level for r in rows],
        "government_unit": [level_unit[r.key][1] if r.key else r.unit for r in rows],
        "is_intermediary": [r.key is not None for r in rows],
        "is_primary_domain": [r.domain in primary for r in rows],
        "source_url": url,
        "retrieved_at": retrieved_at,
        "position": [r.position for r in rows],
    }, columns=[*DOTGOV_DOMAINS.columns, "position"])
    valid, invalid = keep_valid_rows(frame, _SCHEMA_WITH_POSITION, source="dotgov",
                                     key_column="domain", position_column="position")
    return Parsed(valid.drop(columns="position").reset_index(drop=True), rejected + invalid)


# --- listings, checks -------------------------------------------------------------------------

def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """One listing per organization: its primary domain's row, all its domains as websites."""
    listed = records[records["is_intermediary"].astype(bool)]
    ordered = listed.sort_values(["record_id", "is_primary_domain", "domain"],
                                 ascending=[True, False, True])
    websites = ("https://" + ordered["domain"]).groupby(ordered["record_id"], sort=False).agg(
        "; ".join)
    cities = ordered.dropna(subset=["city"]).groupby("record_id", sort=False)["city"].first()
    main = listed[listed["is_primary_domain"].astype(bool)].set_index("record_id")
    names = ordered.groupby("record_id", sort=False)["organization_name"].agg(list)
    return pd.DataFrame({
        "record_id": main.index,
        "source": "dotgov",
        "source_key": main["domain"].to_numpy(),
        "name": [listing_name(names[record_id], row.organization_name, row.domain,
                              row.domain_type, row.government_unit, row.state)
                 for record_id, row in zip(main.index, main.itertuples(), strict=True)],
        "kind": "local_government",
        "website": ("https://" + main["domain"]).to_numpy(),
        "websites": websites.reindex(main.index).to_numpy(),
        "city": main["city"].fillna(cities.reindex(main.index)).to_numpy(),
        "state": main["state"].to_numpy(),
        "country": "US",
        "government_level": main["government_level"].to_numpy(),
        "government_unit": main["government_unit"].to_numpy(),
        "service_area": main["government_level"].map(SERVICE_AREA).to_numpy(),
        "source_url": main["source_url"].to_numpy(),
        "retrieved_at": main["retrieved_at"].to_numpy(),
    })


def listing_name(names: list[str], primary: str, domain: str, domain_type: str,
                 unit: str | None, state: str | None) -> str:
    """A government's name, not a department's: the most common of its domains' names that is
    just the government ('State of Ohio' over 'State of Ohio, Office of IT'; ties: the primary
    domain's, then the shortest); else the government the primary domain's name begins with
    when that domain spells it ('Greene County Data Processing' at greenecountyohio.gov ->
    'Greene County'); else the primary domain's name when it names the government (its
    governing body included: 'Alcorn County Board of Supervisors'), cut to the government it
    begins with when it is a department's; a state's IT department ('Department of Information
    Technology', maryland.gov) -> 'State of Maryland'. A department's listing keeps its own
    name."""
    state = state if isinstance(state, str) else None
    if unit != "general":
        return primary
    own = [" ".join(n.split()) for n in names if is_own_name(n, state)]
    if own:
        counts = Counter(own)
        clean = " ".join(primary.split())
        return min(counts, key=lambda n: (-counts[n], n != clean, len(n), n))
    level, _ = domain_level(domain_type)
    government = government_part(primary, state)
    if government and level != "state" and spells_government(domain, government, state):
        return government  # its own domain: the government, whoever registered it
    if classify(primary, domain_type, state)[1] == "general":
        return primary
    if government:
        return government
    if level == "state" and state in STATES:
        return f"State of {STATES[state][1]}"
    return primary


def general_governments(records: pd.DataFrame) -> int:
    general = records[records["is_intermediary"].astype(bool)
                      & (records["government_unit"] == "general")]
    return int(general["record_id"].nunique())


def health(records: pd.DataFrame, profile: Mapping | None) -> str | None:
    """The full file holds ~9,000 general-purpose governments: far fewer means the names or the
    domain types changed. Checked only on a file of full size (a sample holds a few hundred)."""
    if len(records) < FULL_FILE_DOMAINS:
        return None
    count = general_governments(records)
    if count >= MIN_GENERAL_GOVERNMENTS:
        return None
    return (f"dotgov: {count:,} general-purpose governments among {len(records):,} domains, "
            f"expected at least {MIN_GENERAL_GOVERNMENTS:,}; the registry's organization names "
            "or domain types may have changed")


def profile(records: pd.DataFrame) -> dict:
    return {"domains": len(records), "general_governments": general_governments(records)}


def summary(records: pd.DataFrame) -> pd.DataFrame:
    """Domains and listed organizations per government level and unit, for the UI."""
    frame = records.assign(government_unit=records["government_unit"].fillna("not listed"))
    return frame.groupby(["government_level", "government_unit"], dropna=False).agg(
        domains=("domain", "size"), organizations=("record_id", "nunique")).reset_index()


SOURCE = Source(
    name="dotgov",
    title="Local, state and tribal governments in the .gov registry (CISA dotgov-data)",
    default_url=URL,
    table=DOTGOV_DOMAINS,
    fetch=fetch_single,
    parse=parse,
    to_listings=to_listings,
    min_records=MIN_DOMAINS,
    health=health,
    profile=profile,
    summary=summary,
    homepage=HOMEPAGE,
    license_note="CC0 1.0 (public domain dedication) by CISA; the security contact emails it "
    "holds are never read or published.",
)
