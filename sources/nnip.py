"""NNIP partners: the partner profiles listing on neighborhoodindicators.org, then each profile.

The site is Drupal: a profile shows the metro as its title and labelled fields (Organization,
Location, NNIP Partner Since, Contact, ...) above a body text. A joint partnership lists two or
more organizations in one profile; each becomes a row sharing the profile's ``partnership`` key.
Pages are read by meaning (a label's text and what follows it, link targets), never by position
or class names, so Drupal 7 (``field-label``) and Drupal 8+ (``field__label``) pages, definition
lists, tables and bold labels all parse alike, and a profile that names no organization fails
loudly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pandas as pd
from bs4 import Tag
from bs4.element import NavigableString, PageElement, PreformattedString

from geography import usps_code
from schemas.nnip import NNIP_PARTNERS
from schemas.table import pandera_schema
from sources.base import Recorder, Source
from sources.errors import FetchError, ParseError
from sources.rejects import Parsed, keep_valid_rows
from sources.snapshot import Page, Snapshot
from sources.text import main_content, slug, soup_of, tag_text

URL = "https://www.neighborhoodindicators.org/partners/profiles"
HOMEPAGE = "https://www.neighborhoodindicators.org"
_PROFILE_PATH = re.compile(r"^/(?:partners/profiles?|partner)/[^/]+/?$")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]*)?\(?(\d{3})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})(?!\d)")
_YEAR = re.compile(r"\b(19[89]\d|20\d\d)\b")
_ROLE_MAILBOXES = ("info", "contact", "hello", "help", "ask", "data", "office", "admin",
                   "general", "team", "inquir", "question", "support", "mail", "nnip")
_MINOR_WORDS = {"the", "of", "and", "for", "at", "in", "on", "a", "an"}
_DESCRIPTION_LIMIT = 600
_PROSE_WORDS = 5  # a description paragraph has at least this many words
_LABEL_LIMIT = 40  # characters: a label is short ('NNIP Partner Since:')
_LABEL_NODES = 12  # a label element holds only a few nodes
_INLINE = frozenset({"span", "strong", "b", "em", "i", "label", "small", "abbr", "font", "u",
                     "sup", "sub", "mark"})
_ITEM_TAGS = frozenset({"div", "li", "p", "dd", "section", "ul", "ol"})
_NOT_CONTENT = frozenset({"script", "style", "noscript", "template", "nav", "aside", "footer",
                          "header", "form", "button", "select", "svg", "iframe"})
_HEADINGS_NOT_LABELS = frozenset({"h1", "title"})  # the page title is the metro, not a label


# --- fetch ------------------------------------------------------------------------------------

def fetch(recorder: Recorder, url: str, upstream: Mapping[str, pd.DataFrame]) -> None:
    """GET the listing (a failure propagates), then every profile it links to.

    A profile that fails is already recorded in the snapshot's failures; the rest still count.
    """
    listing = recorder.get(url, expected="the NNIP partner profiles listing")
    for profile_url in profile_links(listing, url):
        try:
            recorder.get(profile_url, expected="an NNIP partner profile page")
        except FetchError:
            continue


def profile_links(html: bytes | str, base_url: str) -> dict[str, str]:
    """Partner profile URLs linked from the listing, in page order, each with its link text.

    A link counts when, resolved against the listing, it stays on the site and its path looks
    like a profile (``/partners/profiles/<slug>`` or ``/partner/<id>``). The first non-empty
    link text (usually "City, ST") is kept, since a logo link often comes first.
    """
    soup = soup_of(html)
    site = _site(base_url)
    links: dict[str, str] = {}
    for anchor in soup.find_all("a", href=True):
        try:
            url = urldefrag(urljoin(base_url, anchor["href"].strip())).url
            parts = urlsplit(url)
        except ValueError:  # 'http://[broken': not a link anywhere
            continue
        if parts.scheme not in ("http", "https") or _site(url) != site:
            continue
        if parts.query or not _PROFILE_PATH.match(parts.path):
            continue
        if not links.get(url):
            links[url] = tag_text(anchor)
    return links


# --- parse ------------------------------------------------------------------------------------

def parse(snapshot: Snapshot) -> Parsed:
    """Snapshot of the listing and its profiles -> one validated row per partner organization;
    a row that breaks the table's rules is quarantined (``Parsed.rejected``), not fatal.

    Profiles whose fetch failed are absent from the snapshot (and listed in its failures); they
    are skipped here, and the source's record-count checks catch a large loss.
    """
    if not snapshot.pages:
        raise ParseError("nnip", URL, "the snapshot holds no pages", "the partner listing page")
    listing = snapshot.pages[0]
    # A listing with no profile links yields no rows rather than an error: the blocking
    # record-count check then carries it forward, so a re-themed listing cannot publish empty.
    links = profile_links(snapshot.body(listing), listing.url)
    rows: list[dict[str, Any]] = []
    for url, listing_label in links.items():
        page = _page_or_none(snapshot, url)
        if page is None:
            continue
        for row in parse_profile(snapshot.body(page), url, listing_label):
            rows.append({**row, "source_url": page.url, "retrieved_at": page.retrieved_at})
    frame = pd.DataFrame(_with_record_ids(rows), columns=list(NNIP_PARTNERS.columns))
    valid, rejected = keep_valid_rows(frame, pandera_schema(NNIP_PARTNERS), source="nnip",
                                      key_column="name")
    return Parsed(valid.reset_index(drop=True), rejected)


def parse_profile(html: bytes | str, url: str, listing_label: str = "") -> list[dict[str, Any]]:
    """One profile page -> one row per organization (without record_id and provenance).

    ``listing_label`` is the listing's link text for this profile ("Detroit, MI"), used for the
    place when the profile itself gives no state.
    """
    soup = soup_of(html)
    main = main_content(soup)
    found = read_fields(main)
    fields = found.fields
    organizations = [_organization(item, url) for item in fields.get("organization", [])]
    unique: dict[str, dict[str, str | None]] = {}
    for org in organizations:
        if org["name"]:
            unique.setdefault(org["name"], org)  # each organization once, in page order
    organizations = list(unique.values())
    if not organizations:
        raise ParseError("nnip", url, "the profile names no organization",
                         "an 'Organization' field naming the partner organization(s)")
    if len(organizations) == 1 and not organizations[0]["website"]:
        organizations[0]["website"] = _first_link(fields.get("website", []), url)
    title = tag_text(main.find("h1")) if main.find("h1") else ""
    city, state = locate([_joined(fields.get("location", [])), listing_label, title])
    contact_items = fields.get("contact", [])
    names = [org["name"] for org in organizations]
    emails = organizational_emails(contact_items, names, [title, listing_label])
    phone = next(iter(contact_phones(contact_items)), None)
    shared = {
        "partnership": partnership_key(url),
        "kind": "nnip_partner",
        "city": city,
        "state": state,
        "description": _description(found),
        "year_joined": _year(fields.get("year", [])),
        "contact_phone": phone,
    }
    return [
        {**shared, **org, "contact_email": email}
        for org, email in zip(organizations, _emails_by_organization(organizations, emails),
                              strict=True)
    ]


def labelled_fields(root: Tag) -> dict[str, list[Tag]]:
    """Value elements under ``root`` grouped by what their label means (see ``read_fields``)."""
    return read_fields(root).fields


@dataclass
class ProfileFields:
    """What a profile's structure gives: labelled values by meaning, and the prose paragraphs
    (in page order) that belong to no label."""

    fields: dict[str, list[Tag]] = field(default_factory=dict)
    prose: list[Tag] = field(default_factory=list)


def read_fields(root: Tag) -> ProfileFields:
    """Read a profile by its labels' text and the document's structure, not by class names.

    A label is a small element holding only text (no link, no block): 'Website:',
    'Organization', 'NNIP Partner Since'. Its value is what follows it: for a block label (a
    ``div``, ``dt``, ``th``, heading) the next element sibling plus any siblings of the same kind
    right after it (more ``dd``s, more ``field__item``s); for an inline label (``<strong>Website:
    </strong> <a ...>``) the rest of its line. A value that only wraps items (``field-items`` >
    ``field-item``s, a list) gives one value per item. So Drupal 7 (``field-label`` /
    ``field-item``), Drupal 8+ (``field__label`` / ``field__item``), definition lists and bold
    labels all read the same. Labels are matched by meaning: "Organization(s):", "Partner
    Organizations" and "Organization" all mean ``organization``.
    """
    found = ProfileFields()
    claimed: set[int] = set()  # value elements already read: never searched for labels
    labelled: set[int] = set()  # paragraphs holding a label
    prose: list[Tag] = []
    stack: list[Tag] = [c for c in reversed(root.contents) if isinstance(c, Tag)]
    while stack:  # iterative, so a deeply nested page cannot exhaust the call stack
        node = stack.pop()
        if id(node) in claimed or node.name in _NOT_CONTENT:
            continue
        meaning = _label_meaning_of(node)
        if meaning is not None:
            values = _values_after(node)
            # a value's children too: an inline label's rest of line was moved into a new span
            claimed.update(id(t) for v in values for t in (v, *v.find_all(True, recursive=False)))
            found.fields.setdefault(meaning, []).extend(
                item for value in values for item in _items(value))
            paragraph = node.find_parent("p")
            if paragraph is not None:
                labelled.add(id(paragraph))
            continue
        if node.name == "p":
            prose.append(node)
        stack.extend(c for c in reversed(node.contents) if isinstance(c, Tag))
    found.prose = [p for p in prose if id(p) not in labelled]  # 'Website: …' lines are not prose
    return found


def label_meaning(label: str) -> str | None:
    """'NNIP Partner Since:' -> 'year'; 'Organization(s)' -> 'organization'; unknown -> None."""
    text = re.sub(r"\(s\)|[:\u00a0]", " ", label.lower())
    text = " ".join(text.split())
    if "web site" in text or "website" in text or text in ("web", "url", "homepage"):
        return "website"
    if "organization" in text or "organisation" in text or text in ("partner", "partners"):
        return "organization"
    if "since" in text or "joined" in text:
        return "year"
    if "contact" in text or "email" in text or "e-mail" in text or "phone" in text:
        return "contact"
    if "location" in text or "metro" in text or text in ("city", "geography", "area served"):
        return "location"
    if text in ("about", "description", "overview", "summary"):
        return "description"
    return None


def locate(candidates: Iterable[str]) -> tuple[str | None, str | None]:
    """City and USPS state from the first place text that names a state.

    'Detroit, Michigan', 'Washington, DC' and 'New Orleans, LA' all work; a bare 'New Orleans'
    gives the city only when no candidate names a state.
    """
    texts = [" ".join(c.split()) for c in candidates if c and c.strip()]
    for text in texts:
        head, _, tail = (part.strip() for part in text.rpartition(","))
        if head and usps_code(tail):
            return head, usps_code(tail)
    if texts:
        return texts[0].split(",")[0].strip() or None, None
    return None, None


def organizational_emails(
    items: Iterable[Tag], organizations: list[str], partnership: Iterable[str] = ()
) -> list[str]:
    """Contact emails that are organization or role mailboxes (askd3@, info@, bnia-jfi@).

    A mailbox that looks personal (jdoe@, jane.doe@) is dropped: we publish how to reach an
    organization, never a person. Obfuscated addresses ("x [at] y [dot] org") are read too.
    """
    initials = {_initials(name) for name in organizations} - {""}
    found: list[str] = []
    for item in items:
        texts = [_deobfuscate(tag_text(item))]
        texts += [a["href"][len("mailto:"):] for a in item.find_all("a", href=True)
                  if a["href"].lower().startswith("mailto:")]
        for text in texts:
            for email in _EMAIL.findall(text):
                email = email.lower()
                if email not in found and _is_organizational(
                        email, initials, [*organizations, *(p for p in partnership if p)]):
                    found.append(email)
    return found


def contact_phones(items: Iterable[Tag]) -> list[str]:
    """Phone numbers in contact fields, as NNN-NNN-NNNN."""
    phones: list[str] = []
    for item in items:
        texts = [tag_text(item)] + [a["href"] for a in item.find_all("a", href=True)
                                 if a["href"].lower().startswith("tel:")]
        for text in texts:
            for area, exchange, line in _PHONE.findall(text):
                phone = f"{area}-{exchange}-{line}"
                if phone not in phones:
                    phones.append(phone)
    return phones


def partnership_key(url: str) -> str:
    """'.../partners/profiles/washington-dc' -> 'washington-dc' (the profile's own key)."""
    return slug(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


# --- listings ---------------------------------------------------------------------------------

def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """NNIP rows on the shared source_records columns it has (the linker adds the rest)."""
    return records.assign(
        source="nnip",
        # the profile; within a joint partnership, plus the organization (sources.keys)
        source_key=records["partnership"].where(
            ~records["partnership"].duplicated(keep=False),
            records["partnership"] + "/" + records["name"].map(slug)),
        key_aliases=records["partnership"],
        events_url=None,
        country="US",
        region=None,
        latitude=None,
        longitude=None,
    )


# --- helpers ----------------------------------------------------------------------------------

def _add(fields: dict[str, list[Tag]], label: Tag, items: list[Tag]) -> None:
    meaning = label_meaning(tag_text(label))
    if meaning:
        fields.setdefault(meaning, []).extend(items)


def _label_meaning_of(node: Tag) -> str | None:
    """What ``node`` labels, when it is a label: short text only, nothing after a colon."""
    if node.name == "a" or node.name in _HEADINGS_NOT_LABELS:
        return None
    text = _label_text(node)
    if text is None:
        return None
    head, colon, rest = text.partition(":")
    if colon and rest.strip(" \u00a0"):
        return None  # 'Location: Baltimore' is a labelled line, its label is inside it
    return label_meaning(text)


def _label_text(node: Tag) -> str | None:
    """The text of a label-shaped element (only text and inline markup, no link, short), or
    None. Bounded: a big container is rejected after a few nodes, whatever its size."""
    pieces: list[str] = []
    size = 0
    for count, descendant in enumerate(node.descendants):
        if count > _LABEL_NODES:
            return None
        if isinstance(descendant, Tag):
            if descendant.name not in _INLINE:
                return None
        elif isinstance(descendant, NavigableString) and not isinstance(
                descendant, PreformattedString):
            pieces.append(str(descendant))
            size += len(descendant)
            if size > 4 * _LABEL_LIMIT:
                return None
    text = " ".join(" ".join(pieces).replace("\u00a0", " ").split())
    return text if 0 < len(text) <= _LABEL_LIMIT else None


def _values_after(label: Tag) -> list[Tag]:
    """The value elements a label introduces (see ``read_fields``)."""
    if label.name in _INLINE:
        return _rest_of_line(label)
    first = label.find_next_sibling()
    if first is None or _looks_like_label(first):
        return _rest_of_line(label)
    values = [first]
    for sibling in first.find_next_siblings():
        if sibling.name != first.name or sibling.get("class") != first.get("class"):
            break
        if _looks_like_label(sibling):
            break
        values.append(sibling)
    return values


def _looks_like_label(node: Tag) -> bool:
    """A label beyond doubt: label text ending with a colon ('Website:'). A value may name a
    label word ('Organization for Open Data'), so without the colon it stays a value."""
    return _label_meaning_of(node) is not None and (_label_text(node) or "").endswith(":")


def _rest_of_line(label: Tag) -> list[Tag]:
    """What follows an inline label up to a line break or the next label, gathered into one
    ``span`` put in its place (so the value reads like any other value element)."""
    parts: list[PageElement] = []
    for sibling in label.next_siblings:
        if isinstance(sibling, Tag) and (sibling.name == "br" or _looks_like_label(sibling)):
            break
        if isinstance(sibling, PreformattedString):
            continue
        parts.append(sibling)
    if not any(isinstance(p, Tag) or p.strip(" \u00a0\n\t") for p in parts):
        return []
    value = Tag(name="span")
    parts[0].insert_before(value)
    for part in parts:
        value.append(part.extract())
    return [value]


def _items(value: Tag) -> list[Tag]:
    """One element per item of a value: a wrapper of items (``field-items``, ``field__items``,
    a list) gives its items; a single wrapper is unwrapped; anything else is one item."""
    while True:
        if any(isinstance(c, NavigableString) and not isinstance(c, PreformattedString)
               and c.strip() for c in value.contents):
            return [value]  # text of its own: the value itself
        children = [c for c in value.contents if isinstance(c, Tag)]
        if not children or not all(c.name in _ITEM_TAGS for c in children):
            return [value]
        if len(children) == 1:
            value = children[0]
            continue
        items: list[Tag] = []
        for child in children:
            if child.name in ("ul", "ol"):
                items.extend(li for li in child.find_all("li", recursive=False))
            else:
                items.append(child)
        return items


def _organization(item: Tag, page_url: str) -> dict[str, str | None]:
    return {"name": tag_text(item) or None, "website": _first_link([item], page_url)}


def _first_link(items: Iterable[Tag], page_url: str) -> str | None:
    """The first link off the NNIP site (an organization's own website), or None."""
    for item in items:
        anchors = [item] if item.name == "a" else item.find_all("a", href=True)
        for anchor in anchors:
            try:
                href = urljoin(page_url, (anchor.get("href") or "").strip())
                off_site = _site(href) not in (_site(page_url), _site(HOMEPAGE))
            except ValueError:  # 'http://[broken': not a link anywhere
                continue
            if re.match(r"^https?://\S+$", href) and off_site:
                return href
    return None


def _description(found: ProfileFields) -> str | None:
    """The first paragraph of an 'About' field, else the first prose paragraph of the page
    (one of at least a few words, so a stray 'Share' line is not a description)."""
    for container in found.fields.get("description", []):
        for paragraph in container.find_all("p") or [container]:
            text = tag_text(paragraph)
            if text:
                return _shorten(text)
    for paragraph in found.prose:
        text = tag_text(paragraph)
        if len(text.split()) >= _PROSE_WORDS:
            return _shorten(text)
    return None


def _shorten(text: str) -> str:
    if len(text) <= _DESCRIPTION_LIMIT:
        return text
    cut = text[:_DESCRIPTION_LIMIT]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > 0 else cut.rstrip() + "…"


def _year(items: Iterable[Tag]) -> int | None:
    match = _YEAR.search(_joined(items))
    return int(match.group(1)) if match else None


def _emails_by_organization(
    organizations: list[dict[str, Any]], emails: list[str]
) -> list[str | None]:
    """Each organization's contact email. An address on an organization's website domain is that
    organization's; the first address on no member's domain is the partnership's, for all."""
    owned = [[e for e in emails if _same_domain(org.get("website"), e)] for org in organizations]
    unowned = [e for e in emails if not any(e in mine for mine in owned)]
    return [mine[0] if mine else (unowned[0] if unowned else None) for mine in owned]


def _same_domain(website: str | None, email: str) -> bool:
    if not website:
        return False
    host, domain = _site(website), email.rsplit("@", 1)[1]
    return host == domain or host.endswith("." + domain) or domain.endswith("." + host)


def _is_organizational(email: str, initials: set[str], names: Iterable[str] = ()) -> bool:
    """Whole parts of the local part decide, never a word inside a name: 'info@', 'ex-data@',
    'askd3@' (a role word plus a short code) and 'bnia-jfi@' (the initials) are mailboxes;
    'ismail.khan@' and 'jaskowski@' are people."""
    local = email.split("@", 1)[0]
    compact = re.sub(r"[^a-z0-9]", "", local)
    for part in re.split(r"[._+-]+", local):
        if any(part == word or (part.startswith(word) and len(part) - len(word) <= 3)
               for word in _ROLE_MAILBOXES):
            return True
        if _made_of_words(part):  # 'neighborhoodinfodc': neighborhood + info + dc
            return True
    if any(compact == re.sub(r"[^a-z0-9]", "", name.lower()) for name in names):
        return True
    return any(len(i) >= 2 and compact.startswith(i) for i in initials)


# Words an organization's mailbox is made of (with the role words and state codes).
_ORGANIZATION_WORDS = frozenset({
    "neighborhood", "neighborhoods", "indicators", "community", "research", "center", "centre",
    "institute", "urban", "city", "county", "metro", "regional", "policy", "analytics",
    "program", "project", "partnership", "alliance", "council", "civic", "open", "stats",
})


def _made_of_words(part: str) -> bool:
    """True when ``part`` splits wholly into organization words, state codes and role words,
    with at least one role word: a compound mailbox, not a person's name."""
    def is_word(piece: str) -> bool:
        return (piece in _ORGANIZATION_WORDS or piece in _ROLE_MAILBOXES
                or (len(piece) == 2 and usps_code(piece) is not None))

    @cache
    def split(start: int) -> tuple[bool, bool] | None:  # (splits, has a role word)
        if start == len(part):
            return (True, False)
        best = None
        for end in range(start + 2, len(part) + 1):
            piece = part[start:end]
            if is_word(piece) and (rest := split(end)):
                has_role = rest[1] or piece in _ROLE_MAILBOXES
                best = (True, has_role)
                if has_role:
                    break
        return best

    result = split(0) if 4 <= len(part) <= 40 else None
    return bool(result and result[1])


def _initials(name: str) -> str:
    """'Baltimore Neighborhood Indicators Alliance–Jacob France Institute' -> 'bniajfi'."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    return "".join(w[0] for w in words if w.lower() not in _MINOR_WORDS).lower()


def _deobfuscate(text: str) -> str:
    text = re.sub(r"\s*[\[(]\s*at\s*[\])]\s*", "@", text, flags=re.IGNORECASE)
    return re.sub(r"\s*[\[(]\s*dot\s*[\])]\s*", ".", text, flags=re.IGNORECASE)


def _page_or_none(snapshot: Snapshot, url: str) -> Page | None:
    try:
        return snapshot.page(url)
    except KeyError:
        return None


def _with_record_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """record_id is 'nnip:<organization slug>', qualified by partnership if a name repeats, and
    numbered if it still repeats (or meets another's id), so ids are always unique."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[slug(row["name"])] = counts.get(slug(row["name"]), 0) + 1
    used: set[str] = set()
    for row in rows:
        key = slug(row["name"])
        record_id = f"nnip:{key}" if counts[key] == 1 else f"nnip:{key}-{row['partnership']}"
        number = 1
        while record_id in used:
            number += 1
            record_id = f"nnip:{key}-{row['partnership']}-{number}"
        used.add(record_id)
        row["record_id"] = record_id
    return rows


def _site(url: str) -> str:
    return urlsplit(url).netloc.lower().removeprefix("www.")


def _joined(items: Iterable[Tag]) -> str:
    return " ".join(tag_text(item) for item in items)


SOURCE = Source(
    name="nnip",
    title="National Neighborhood Indicators Partnership partners (neighborhoodindicators.org)",
    default_url=URL,
    table=NNIP_PARTNERS,
    fetch=fetch,
    parse=parse,
    to_listings=to_listings,
    min_records=25,
    homepage=HOMEPAGE,
)
