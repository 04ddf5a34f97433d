"""Census Bureau State Data Centers: the member network page, then one page per state or territory.

Each state page lists its agencies under headings that give their role in the network: the lead
agency (appointed by the governor), coordinating agencies and affiliates. Pages differ in shape
(paragraphs broken by ``<br>``, lists, label/value tables, agency names as sub-headings at any
level, bold names, plain first lines, bold labels instead of headings), so a page is read as a
stream of headings and text lines, and each line is classified by what it says: a role heading
is recognised by its text (lead, coordinating, affiliate), an agency's name is the first line of
its block (bold, a heading, or a paragraph's first line), "Phone:" is a phone, "City, ST 12345"
ends an address, "Contact:" starts the contact people ("Name, Title" is split).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pandas as pd
import us
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString
from pydantic import Field

from geography import usps_code
from schemas.sdc import SDC_AGENCIES
from schemas.table import pandera_schema
from sources.base import Recorder, Source, SourceSettings, bound
from sources.errors import FetchError, ParseError
from sources.rejects import Parsed, keep_valid_rows
from sources.snapshot import Snapshot
from sources.text import main_content, slug, soup_of, tag_text

URL = "https://www.census.gov/about/partners/sdc/member-network.html"
HOMEPAGE = "https://www.census.gov/about/partners/sdc.html"
ROLES = ("lead", "coordinating", "affiliate")
AREAS = frozenset(s.abbr for s in us.states.STATES_AND_TERRITORIES)  # 50 states, DC, PR, islands
EXPECTED_LEADS = 56  # 50 states, DC, PR and the island areas


class SdcSettings(SourceSettings):
    """What the SDC's checks expect."""

    expected_leads: int = Field(
        EXPECTED_LEADS, ge=0, validation_alias="INTERMEDIARIES_SDC_EXPECTED_LEADS",
        description="Lead agencies expected; any other number and the agencies read "
        "are not published (the source is carried forward).")

_SKIP = frozenset({"script", "style", "noscript", "template", "nav", "aside", "footer", "form",
                   "svg", "iframe", "head", "button", "select"})
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "table", "thead", "tbody", "tr", "td",
                     "address", "dl", "dd", "section", "article", "header", "blockquote",
                     "details", "figure", "main"})
_NAME_LABELS = {"organization", "organisation", "organization name", "agency", "agency name"}
_PHONE_LABELS = {"phone", "phone number", "telephone", "tel", "tel.", "office phone",
                 "main phone", "cell", "mobile"}
_EMAIL_LABELS = {"email", "e-mail", "email address", "e-mail address"}
_WEBSITE_LABELS = {"website", "web site", "web", "url", "homepage", "home page"}
_CONTACT_LABELS = {"contact", "contacts", "contact person", "contact persons", "contact name",
                   "contact information", "primary contact", "secondary contact"}
_TITLE_LABELS = {"title", "position"}
_DEPARTMENT_LABELS = {"department", "division", "unit", "office", "program"}
_ADDRESS_LABELS = {"address", "mailing address", "street address", "physical address",
                   "location"}
_IGNORED_LABELS = {"fax", "tty", "hours", "office hours", "note", "notes"}
_KNOWN_LABELS = (_NAME_LABELS | _PHONE_LABELS | _EMAIL_LABELS | _WEBSITE_LABELS
                 | _CONTACT_LABELS | _TITLE_LABELS | _DEPARTMENT_LABELS | _ADDRESS_LABELS
                 | _IGNORED_LABELS)
_DETAIL_LABELS = (_PHONE_LABELS | _EMAIL_LABELS | _WEBSITE_LABELS | _CONTACT_LABELS
                  | _ADDRESS_LABELS | {"fax", "tty"})
_LABEL = re.compile(r"^([A-Za-z][A-Za-z .&/-]{0,28}?)\s*:\s*(.*)$")
_URL_TEXT = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]*)?\(?(\d{3})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})(?!\d)")
_PHONE_LINE = re.compile(
    r"^(?:\+?1[\s.-]*)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}(?:\s*(?:x|ext\.?)\s*\d+)?$",
    re.IGNORECASE,
)
_CITY_LINE = re.compile(
    r"^(?P<city>[^\d,][^,]*),\s*(?P<state>[A-Za-z][A-Za-z. ]*?)\.?,?\s+\d{5}(?:-\d{4})?$"
)
_STREET = re.compile(
    r"^\d|\b(p\.?\s*o\.?\s*box|box\s+\d|suite|ste\.|floor|room|rm\.|building|bldg\.?|mail\s?stop"
    r"|campus box)\b|\b(street|st|avenue|ave|boulevard|blvd|road|rd|drive|dr|lane|ln|way|plaza"
    r"|place|parkway|pkwy|highway|hwy|court|ct|square|sq|circle|hall|mall|broadway)\.?$",
    re.IGNORECASE,
)
_FURNITURE = re.compile(r"^(page last revised|last revised|back to top)\b", re.IGNORECASE)
_LOOKAHEAD = 12  # lines read after a heading to tell an agency's name from a section's end
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "phd", "md", "mba", "mpa", "mph", "aicp",
                            "gisp", "esq", "cpa"})
_ROLE_LABEL = re.compile(
    r"^(state data center\s+|sdc\s+)?(lead|coordinating|affiliate)s?"
    r"(\s+(agency|agencies|organizations?|members?))?:?$",
    re.IGNORECASE,
)


# --- fetch ------------------------------------------------------------------------------------

def fetch(recorder: Recorder, url: str, upstream: Mapping[str, pd.DataFrame]) -> None:
    """GET the national page (a failure propagates), then every state page it links to.

    A state page that fails is already recorded in the snapshot's failures; the others still
    count, and the lead-count check reports the gap.
    """
    national = recorder.get(url, expected="the SDC member network page linking to each state")
    for state_url in state_page_links(national, url):
        try:
            recorder.get(state_url, expected="a state's SDC member network page")
        except FetchError:
            continue


def state_page_links(html: bytes | str, page_url: str) -> list[str]:
    """State and territory page URLs linked from the national page, de-duplicated, in page order.

    A link counts when, resolved against the national page, it stays on the same host, sits
    directly under the page's path (``…/member-network/<name>.html``) and its text or file name
    names a state or territory, so other pages filed there are not mistaken for states.
    """
    base = urlsplit(page_url)
    prefix = base.path.removesuffix(".html") + "/"
    links: list[str] = []
    for anchor in soup_of(html).find_all("a", href=True):
        try:
            url = urldefrag(urljoin(page_url, anchor["href"].strip())).url
            parts = urlsplit(url)
        except ValueError:  # 'http://[broken': not a link anywhere
            continue
        if parts.netloc.lower() != base.netloc.lower() or not parts.path.startswith(prefix):
            continue
        slug = parts.path.removeprefix(prefix)
        if "/" in slug or not slug.endswith(".html"):
            continue
        named = state_code(tag_text(anchor)) or state_code(slug.removesuffix(".html"))
        if named and url not in links:
            links.append(url)
    return links


def state_code(text: str | None) -> str | None:
    """USPS code of a state or territory named in a heading, link text or file name.

    'New York', 'new-york', 'U.S. Virgin Islands', 'Commonwealth of the Northern Mariana
    Islands' and 'Texas State Data Center' all work; anything else gives None.
    """
    if not text:
        return None
    cleaned = " ".join(text.replace("-", " ").replace("_", " ").split())
    cleaned = re.sub(r"\b(state data center|sdc|member network)\b", " ", cleaned, flags=re.I)
    cleaned = re.sub(r"^(the\s+)?(u\.?\s?s\.?|united states)\s+", "", cleaned.strip(), flags=re.I)
    cleaned = re.sub(r"^(commonwealth|territory|state)\s+of\s+(the\s+)?", "", cleaned, flags=re.I)
    cleaned = cleaned.strip(" ,:|-")
    if not cleaned or cleaned.isdigit():
        return None
    return usps_code(cleaned)


# --- parse ------------------------------------------------------------------------------------

def parse(snapshot: Snapshot) -> Parsed:
    """Snapshot of the national page and the state pages -> one validated row per agency; a row
    that breaks the table's rules is quarantined (``Parsed.rejected``), not fatal.

    State pages whose fetch failed are absent (and listed in the snapshot's failures); the
    lead-count and missing-state checks catch the gap.
    """
    pages = [p for p in snapshot.pages if p.status in (200, 304)]
    state_pages = [p for p in pages if is_state_page(p.url)]
    if not state_pages:
        where = pages[0].url if pages else URL
        raise ParseError("sdc", where, "the snapshot holds no state pages",
                         "links from the member network page to one page per state or territory")
    rows: list[dict[str, Any]] = []
    for page in state_pages:
        try:
            agencies = parse_state_page(snapshot.body(page), page.url)
        except NoAgencies:
            # A state page that lost its agency list yields no agencies; the blocking
            # expected_shape check (missing states, lead count) then carries it forward.
            continue
        for row in agencies:
            rows.append({**row, "retrieved_at": page.retrieved_at})
    frame = pd.DataFrame(with_record_ids(rows), columns=list(SDC_AGENCIES.columns))
    valid, rejected = keep_valid_rows(frame, pandera_schema(SDC_AGENCIES), source="sdc",
                                      key_column="record_id")
    return Parsed(valid.reset_index(drop=True), rejected)


def is_state_page(url: str) -> bool:
    """True for ``…/member-network/<state>.html`` (the national page is ``member-network.html``)."""
    path = urlsplit(url).path
    return "/member-network/" in path and path.endswith(".html")


class NoAgencies(ParseError):
    """A state page with no agency list (its layout changed, or the list was removed)."""


def parse_state_page(html: bytes | str, url: str) -> list[dict[str, Any]]:
    """One state page -> one row per agency (without record_id and retrieved_at)."""
    soup = soup_of(html)
    state = page_state(soup, url)
    agencies = agency_entries(page_tokens(soup), url)
    if not agencies:
        raise NoAgencies("sdc", url, "the page lists no agencies",
                         "sections headed 'Lead Agency', 'Coordinating Agencies' or "
                         "'Affiliates', each listing agencies by name")
    return [{**describe_agency(a, url), "state": state, "source_url": url} for a in agencies]


def page_state(soup: BeautifulSoup, url: str) -> str:
    """The state or territory a page is about: its main heading, its title, or its file name."""
    title = soup.title.get_text(" ") if soup.title else ""
    candidates = [tag_text(soup.find("h1")), title.split("|")[0], title.split(" - ")[0],
                  urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".html")]
    for candidate in candidates:
        code = state_code(candidate)
        if code:
            return code
    raise ParseError("sdc", url, "cannot tell which state or territory the page is about",
                     "a page heading or file name naming a state or territory")


@dataclass(frozen=True)
class Line:
    """One visual line of text; ``bold`` when it starts in bold; the links it carries;
    ``starts_block`` when it is the first line of a block (a paragraph, list item, cell)."""

    text: str
    bold: bool = False
    hrefs: tuple[str, ...] = ()
    starts_block: bool = False


@dataclass(frozen=True)
class Heading:
    text: str
    level: int
    hrefs: tuple[str, ...] = ()


@dataclass
class AgencyEntry:
    """The lines a page gives for one agency, under the heading that set its role."""

    role: str
    name: str
    name_line: Line
    lines: list[Line] = field(default_factory=list)


def page_tokens(soup: BeautifulSoup) -> list[Line | Heading]:
    """The page's main content as headings and lines, in reading order (menus and footers out)."""
    reader = _Reader()
    reader.walk(main_content(soup))
    reader.end_line()
    return reader.tokens


def agency_entries(tokens: Iterable[Line | Heading], url: str) -> list[AgencyEntry]:
    """Group lines into agencies under role headings, by structure and text, not markup.

    A heading (or a bold or block-starting line such as 'Affiliates') whose text names a role
    opens a section. Under it, an agency starts at the first line of a block: a heading deeper
    than the role heading; a heading at the role heading's level when contact details follow it
    (so names may be ``<h3>`` like the roles, while 'Related Information' over a list of links
    closes the section); a bold unlabelled line; an 'Organization:' label; or, in a section
    whose names are not marked up, the plain first line of a paragraph. The first agency of a
    section sets how names look there, so a heading-named agency's paragraphs are its details.
    A heading above the role heading's level closes the section. Contact details before any
    name mean the layout changed, and fail loudly.
    """
    tokens = list(tokens)
    entries: list[AgencyEntry] = []
    role: str | None = None
    section = ""
    level: int | None = None  # None: a role given by a bold line, not a heading
    style: str | None = None  # how the section names its agencies: heading, bold, plain, label
    current: AgencyEntry | None = None
    for index, token in enumerate(tokens):
        if isinstance(token, Heading):
            found = role_of_heading(token.text)
            if found:
                role, section, level, style, current = found, token.text, token.level, None, None
                continue
            if role is None:
                continue
            deeper = level is not None and token.level > level
            if not deeper and (level is not None and token.level < level
                               or not _introduces_agency(tokens, index)):
                role, current = None, None
                continue
            line = Line(token.text, bold=True, hrefs=token.hrefs, starts_block=True)
            heading = True
        else:
            line, heading = token, False
            if (line.bold or line.starts_block) and _ROLE_LABEL.match(line.text):
                role, section, level, style, current = (role_of_heading(line.text), line.text,
                                                        None, None, None)
                continue
        if role is None:
            continue
        name, how = agency_name(line, heading=heading, style=style)
        if name == "" or (name is None and current is None and _is_detail(line.text)):
            raise ParseError("sdc", url, f"an agency under '{section}' has no name (its entry "
                             f"starts '{line.text[:60]}')",
                             "each agency to start with its name (in bold, as a heading, as "
                             "the first line of its paragraph, or labelled 'Organization')")
        if name:
            current = AgencyEntry(role, name, line)
            entries.append(current)
            style = style or how
        elif current is not None:
            current.lines.append(line)
    return entries


def _introduces_agency(tokens: list[Line | Heading], index: int) -> bool:
    """True when contact details (an address, phone, email, website) follow the heading at
    ``index`` before the next heading: it names an agency rather than closing the section."""
    for token in tokens[index + 1: index + 1 + _LOOKAHEAD]:
        if isinstance(token, Heading):
            return False
        if _is_detail(token.text):
            return True
    return False


def role_of_heading(text: str) -> str | None:
    """'Lead Agency' -> 'lead'; 'Coordinating Agencies' -> 'coordinating'; 'Affiliates' ->
    'affiliate'; any other heading -> None."""
    lowered = text.lower()
    if re.search(r"\baffiliat", lowered):
        return "affiliate"
    if re.search(r"\bcoordinat", lowered):
        return "coordinating"
    if re.search(r"\blead\b", lowered):
        return "lead"
    return None


def agency_name(
    line: Line, heading: bool = False, style: str | None = None
) -> tuple[str | None, str | None]:
    """The agency name a line starts ('' for an empty 'Organization:' label, None for none) and
    how it is marked: 'label', 'heading', 'bold' or 'plain' (a block's unmarked first line).

    ``style`` is how the section's first agency was named: in a section named by headings only
    headings and labels start agencies; unmarked first lines count only where names are plain.
    """
    label, value = split_label(line.text)
    if label in _NAME_LABELS:
        return value, "label"
    if label is not None or _is_contact_data(line.text):
        return None, None
    if heading:
        return line.text, "heading"
    if line.bold and style != "heading":
        return line.text, "bold"
    if (line.starts_block and style in (None, "plain") and not _STREET.search(line.text)
            and not _is_sentence(line.text)):
        return line.text, "plain"
    return None, None


def split_label(text: str) -> tuple[str | None, str]:
    """'Phone: (518) 555-0100' -> ('phone', '(518) 555-0100'); 'Contacts' -> ('contacts', '').

    Only labels this parser knows count, so a name with a colon ('Texas A&M University: Real
    Estate Center') stays one unlabelled line -> (None, text).
    """
    match = _LABEL.match(text)
    if match:
        label = " ".join(match.group(1).lower().split())
        if label in _KNOWN_LABELS:
            return label, match.group(2).strip()
    bare = " ".join(text.lower().rstrip(":").split())
    if bare in _KNOWN_LABELS:
        return bare, ""
    return None, text


@dataclass
class _Person:
    name: str = ""
    title: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    detailed: bool = False  # a phone or email line followed the name


def describe_agency(entry: AgencyEntry, page_url: str) -> dict[str, Any]:
    """An agency's lines -> its row: department, address, website, phones, emails, contacts.

    Before a 'Contact' label, unlabelled lines are the department (above the street address),
    then the address up to its 'City, ST 12345' line; later free text is ignored. After it,
    lines belong to the contact people: a name, then a title, then their phone and email.
    Sentences ('Guam has no affiliates at this time.') are remarks, never names.
    """
    department: list[str] = []
    address: list[str] = []
    city: str | None = None
    phones: list[str] = []
    emails: list[str] = []
    website = _website(entry.name_line.hrefs, page_url)
    people: list[_Person] = []
    in_contacts = False
    for line in entry.lines:
        label, value = split_label(line.text)
        if label in _CONTACT_LABELS:
            in_contacts = True
            if value:
                name, title = name_and_title(value)
                people.append(_Person(name=name, title=title, emails=_emails(line)))
            continue
        person = people[-1] if in_contacts and people else None
        if label in _TITLE_LABELS and person is not None:
            person.title = value
        elif label in _PHONE_LABELS or (label is None and _PHONE_LINE.match(line.text)):
            if person is not None:
                person.phones.extend(_phones(value))
                person.detailed = True
            else:
                phones.extend(_phones(value))
        elif label in _EMAIL_LABELS or (label is None and _emails(line)):
            if label is None and in_contacts and not _EMAIL.search(line.text):
                name, title = name_and_title(line.text)  # a name linked to mailto:
                people.append(_Person(name=name, title=title, emails=_emails(line)))
            elif person is not None:
                person.emails.extend(_emails(line))
                person.detailed = True
            else:
                emails.extend(_emails(line))
        elif label in _WEBSITE_LABELS or (
            label is None and not in_contacts and _website_of(line, page_url)
        ):
            if not in_contacts:
                website = website or _website_of(line, page_url)
        elif label in _DEPARTMENT_LABELS:
            department.append(value)
        elif label in _ADDRESS_LABELS or (label is None and _city_of(line.text)):
            address.append(value)
            city = city or _city_of(value)
        elif label is not None or _is_sentence(line.text):
            continue  # fax, hours, notes and remarks: not published
        elif in_contacts:
            _add_person_line(people, line.text)
        elif city is None and (address or _STREET.search(line.text)):
            address.append(line.text)
        elif city is None:
            department.append(line.text)
    named = [p for p in people if p.name]
    return {
        "name": entry.name,
        "kind": "state_data_center",
        "role": entry.role,
        "department": "; ".join(dict.fromkeys(d for d in department if d)) or None,
        "address": ", ".join(a for a in address if a) or None,
        "city": city,
        "country": "US",
        "website": website,
        "contact_email": next(iter(emails), None),
        "contact_phone": next(iter(phones), None),
        "contact_person_name": _joined(p.name for p in named),
        "contact_person_title": _joined(p.title for p in named),
        "contact_person_email": _joined(e for p in named for e in p.emails),
        "contact_person_phone": _joined(n for p in named for n in p.phones),
        "has_contact_person": bool(named),
    }


def with_record_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """record_id is 'sdc:<state>:<name slug>', qualified by department when a name repeats in a
    state (several departments of one university), then numbered while it still repeats (or
    meets another agency's id), so ids are always unique."""
    def base(row: dict[str, Any]) -> str:
        return f"sdc:{row['state'].lower()}:{slug(row['name'])}"

    counts: dict[str, int] = {}
    for row in rows:
        counts[base(row)] = counts.get(base(row), 0) + 1
    used: set[str] = set()
    for row in rows:
        key = base(row)
        if counts[key] > 1 and row.get("department"):
            key = f"{key}--{slug(row['department'])}"
        record_id, number = key, 1
        while record_id in used:
            number += 1
            record_id = f"{key}-{number}"
        used.add(record_id)
        row["record_id"] = record_id
    return rows


# --- listings and checks ----------------------------------------------------------------------

def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """SDC rows on the shared source_records columns, plus ``role`` (lead, coordinating, ...)."""
    return records.assign(
        source="sdc",
        # state + name (+ department where the state lists the name twice): sources.keys
        source_key=records["record_id"].str.removeprefix("sdc:"),
        key_aliases=records["state"].str.lower() + ":" + records["name"].map(slug),
        events_url=None,
        region=None,
        latitude=None,
        longitude=None,
    )


def state_summary(records: pd.DataFrame) -> pd.DataFrame:
    """Per state: how many leads, coordinating agencies and affiliates (for the UI and checks)."""
    counts = records.groupby(["state", "role"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(ROLES), fill_value=0).astype("int64")
    summary = counts.rename(columns={"lead": "leads", "affiliate": "affiliates"})
    summary["agencies"] = summary.sum(axis=1)
    summary.columns.name = None
    return summary.rename_axis("state").reset_index()


def lead_count_problem(records: pd.DataFrame, expected_leads: int = EXPECTED_LEADS) -> str | None:
    """What is wrong with the lead agencies (one per state, DC, PR and island area), or None."""
    leads = records.loc[records["role"] == "lead", "state"].dropna()
    problems = []
    if len(leads) != expected_leads:
        problems.append(f"{len(leads)} lead agencies, expected {expected_leads}")
    if len(leads) < expected_leads:
        without = sorted(AREAS - set(leads))
        if without:
            problems.append(f"no lead for {_listed(without)}")
    per_state = leads.value_counts()
    several = sorted(per_state[per_state > 1].index)
    if several:
        problems.append(f"more than one lead in {_listed(several)}")
    return "; ".join(problems) or None


def missing_states_problem(records: pd.DataFrame, previous_states: set[str]) -> str | None:
    """States that had agencies in the last good records but have none now, or None."""
    missing = sorted(set(previous_states) - set(records["state"].dropna()))
    if not missing:
        return None
    return (f"no agencies for {_listed(missing)}, which had agencies in the last good records; "
            "their pages may have failed to fetch or changed layout")


# --- helpers ----------------------------------------------------------------------------------

class _Reader:
    """Walks an element tree into headings and lines: ``<br>`` and block elements end a line,
    ``th``/``dt`` label the next line ('Organization: …'), and bold and links are remembered."""

    def __init__(self) -> None:
        self.tokens: list[Line | Heading] = []
        self.pieces: list[tuple[str, bool, str | None]] = []
        self.label = ""
        self.fresh = True  # the next line is the first of its block

    def walk(self, node: Tag, bold: bool = False, href: str | None = None) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctype
                    self.pieces.append((str(child), bold, href))
                continue
            if not isinstance(child, Tag):
                continue
            level = _heading_level(child)
            if not level and child.name in _SKIP:
                continue
            if level:
                self.end_line()
                self.label = ""
                links = (a.get("href") for a in child.find_all("a", href=True))
                self.tokens.append(Heading(tag_text(child), level,
                                           tuple(dict.fromkeys(str(h).strip() for h in links))))
                self.fresh = True
            elif child.name == "br":
                self.end_line()
            elif child.name in ("th", "dt"):
                self.end_line()
                self.label = tag_text(child).rstrip(": ")
                self.fresh = True
            else:
                block = child.name in _BLOCKS
                if block:
                    self.end_line()
                    self.fresh = True
                link = child.get("href") if child.name == "a" else None
                self.walk(child, bold or child.name in ("b", "strong"),
                          str(link).strip() if link else href)
                if block:
                    self.end_line()
                    self.fresh = True
                if child.name == "tr":
                    self.label = ""

    def end_line(self) -> None:
        text = " ".join("".join(piece for piece, _, _ in self.pieces).split())
        if text and not _FURNITURE.match(text):
            bold = next((b for piece, b, _ in self.pieces if piece.strip()), False)
            hrefs = tuple(dict.fromkeys(h for _, _, h in self.pieces if h))
            if self.label:
                text, bold, self.label = f"{self.label}: {text}", False, ""
            self.tokens.append(Line(text, bold, hrefs, self.fresh))
            self.fresh = False
        self.pieces = []


def _heading_level(tag: Tag) -> int:
    if re.fullmatch(r"h[1-6]", tag.name):
        return int(tag.name[1])
    if tag.get("role") == "heading":
        level = str(tag.get("aria-level") or "2")
        return int(level) if level.isdigit() else 2
    if tag.name == "button" and (tag.has_attr("aria-controls") or tag.has_attr("aria-expanded")):
        return 2  # an accordion's header
    return 2 if tag.name == "summary" else 0


def _is_contact_data(text: str) -> bool:
    """True for a line that is a labelled detail, email, phone, web address or 'City, ST 12345'
    (so never an agency's name, even in bold)."""
    label, _ = split_label(text)
    return (label in _DETAIL_LABELS or bool(_EMAIL.search(text)) or bool(_PHONE_LINE.match(text))
            or bool(_URL_TEXT.match(text)) or _city_of(text) is not None)


def _is_detail(text: str) -> bool:
    """True for a line that describes an agency (contact data or a street line), not a note."""
    return _is_contact_data(text) or bool(_STREET.search(text))


def _add_person_line(people: list[_Person], text: str) -> None:
    """In the contacts: a name, then a title; a line after a person's details is a new person."""
    person = people[-1] if people else None
    if person is None or (person.name and (person.title or person.detailed)):
        name, title = name_and_title(text)
        people.append(_Person(name=name, title=title))
    elif not person.name:
        person.name, person.title = name_and_title(text)
    else:
        person.title = text


def name_and_title(text: str) -> tuple[str, str]:
    """'Taylor Placeholder, Planner IV' -> ('Taylor Placeholder', 'Planner IV'); 'Casey Doe -
    State Demographer' likewise; 'Lee Roe, Jr., Demographer' keeps 'Jr.' with the name. Email
    addresses and phone numbers in the text are not part of either."""
    text = _PHONE.sub(" ", _EMAIL.sub(" ", text))
    text = " ".join(re.sub(r"\(\s*\)|\[\s*\]", " ", text).split()).strip(" ,;:-")
    parts = [p for p in re.split(r"\s*[,;]\s*|\s+[-\u2013\u2014|]\s+", text) if p]
    if not parts:
        return "", ""
    name, rest = parts[0], parts[1:]
    while rest and rest[0].lower().replace(".", "") in _NAME_SUFFIXES:
        name += ", " + rest.pop(0)
    return name, ", ".join(rest)


def _is_sentence(text: str) -> bool:
    words = text.split()
    return len(words) > 8 or (text.endswith(".") and len(words) > 4)


def _city_of(text: str) -> str | None:
    """'Albany, NY 12245' or 'Hagåtña, Guam 96932' -> the city; other text -> None."""
    match = _CITY_LINE.match(text)
    if match and state_code(match.group("state")):
        return match.group("city").strip()
    return None


def _emails(line: Line) -> list[str]:
    mailto = [h for h in line.hrefs if h.lower().startswith("mailto:")]
    found = [h.split(":", 1)[1].split("?")[0] for h in mailto]
    found += _EMAIL.findall(line.text)
    return list(dict.fromkeys(e.strip().lower() for e in found if _EMAIL.fullmatch(e.strip())))


def _phones(text: str) -> list[str]:
    return [f"{a}-{b}-{c}" for a, b, c in _PHONE.findall(text)]


def _website_of(line: Line, page_url: str) -> str | None:
    """The line's link off census.gov, or a bare 'www.…' / 'https://…' text."""
    _, value = split_label(line.text)
    return _website(line.hrefs, page_url) or (
        _website([value], page_url) if _URL_TEXT.match(value) else None)


def _website(hrefs: Iterable[str], page_url: str) -> str | None:
    for href in hrefs:
        text = href.strip()
        if re.match(r"^www\.", text, re.IGNORECASE):
            text = "http://" + text
        try:
            url = urljoin(page_url, text)
            off_site = urlsplit(url).netloc.lower() != urlsplit(page_url).netloc.lower()
        except ValueError:  # 'http://[broken': not a link anywhere
            continue
        if re.match(r"^https?://\S+$", url) and off_site:
            return url
    return None


def _listed(codes: list[str], limit: int = 10) -> str:
    shown = ", ".join(codes[:limit])
    return shown if len(codes) <= limit else f"{shown} and {len(codes) - limit} more"


def _joined(values: Iterable[str]) -> str | None:
    return "; ".join(v for v in values if v) or None


def health(records: pd.DataFrame, profile: Mapping | None,
           expected_leads: int = EXPECTED_LEADS) -> str | None:
    """One lead per state or territory, and no state that had agencies left without any."""
    problems = [
        lead_count_problem(records, expected_leads),
        missing_states_problem(records, set((profile or {}).get("states", []))),
    ]
    return "; ".join(p for p in problems if p) or None


def profile(records: pd.DataFrame) -> dict:
    return {"states": sorted(set(records["state"].dropna()))}


def define(settings: SdcSettings) -> Source:
    """The SDC source, its lead count checked against ``settings``."""
    return Source(
        name="sdc",
        title="U.S. Census Bureau State Data Center member network (census.gov)",
        default_url=URL,
        table=SDC_AGENCIES,
        fetch=fetch,
        parse=parse,
        to_listings=to_listings,
        min_records=56,
        health=bound(health, expected_leads=settings.expected_leads),
        profile=profile,
        summary=state_summary,
        homepage=HOMEPAGE,
        settings=settings,
        define=define,
    )


SOURCE = define(SdcSettings())
