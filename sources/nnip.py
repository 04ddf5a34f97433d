"""NNIP partners: the partner profiles listing on neighborhoodindicators.org, then each profile.

The site is Drupal: a profile shows the metro as its title and labelled fields (Organization,
Location, NNIP Partner Since, Contact, ...) above a body text. A joint partnership lists two or
more organizations in one profile; each becomes a row sharing the profile's ``partnership`` key.
Pages are read by meaning (field labels, link targets), never by position, so a re-themed site
keeps parsing, and a profile that names no organization fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pandas as pd
from bs4 import BeautifulSoup, Tag

from schemas.nnip import NNIP_PARTNERS
from schemas.table import pandera_schema
from sources.base import Recorder, Source
from sources.errors import FetchError, ParseError
from sources.places import usps_code
from sources.snapshot import Page, Snapshot
from sources.text import main_content, slug, tag_text

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
    soup = BeautifulSoup(html, "lxml")
    site = _site(base_url)
    links: dict[str, str] = {}
    for anchor in soup.find_all("a", href=True):
        url = urldefrag(urljoin(base_url, anchor["href"].strip())).url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or _site(url) != site:
            continue
        if parts.query or not _PROFILE_PATH.match(parts.path):
            continue
        if not links.get(url):
            links[url] = tag_text(anchor)
    return links


# --- parse ------------------------------------------------------------------------------------

def parse(snapshot: Snapshot) -> pd.DataFrame:
    """Snapshot of the listing and its profiles -> one validated row per partner organization.

    Profiles whose fetch failed are absent from the snapshot (and listed in its failures); they
    are skipped here, and the source's record-count checks catch a large loss.
    """
    if not snapshot.pages:
        raise ParseError("nnip", URL, "the snapshot holds no pages", "the partner listing page")
    listing = snapshot.pages[0]
    # A listing with no profile links yields no rows rather than an error: the blocking
    # record-count check then stops the publish, so a re-themed listing cannot publish empty.
    links = profile_links(snapshot.body(listing), listing.url)
    rows: list[dict[str, Any]] = []
    for url, listing_label in links.items():
        page = _page_or_none(snapshot, url)
        if page is None:
            continue
        for row in parse_profile(snapshot.body(page), url, listing_label):
            rows.append({**row, "source_url": page.url, "retrieved_at": page.retrieved_at})
    frame = pd.DataFrame(_with_record_ids(rows), columns=list(NNIP_PARTNERS.columns))
    return pandera_schema(NNIP_PARTNERS).validate(frame)


def parse_profile(html: bytes | str, url: str, listing_label: str = "") -> list[dict[str, Any]]:
    """One profile page -> one row per organization (without record_id and provenance).

    ``listing_label`` is the listing's link text for this profile ("Detroit, MI"), used for the
    place when the profile itself gives no state.
    """
    soup = BeautifulSoup(html, "lxml")
    main = main_content(soup)
    fields = labelled_fields(main)
    organizations = [_organization(item, url) for item in fields.get("organization", [])]
    organizations = [org for org in organizations if org["name"]]
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
        "description": _description(main, fields),
        "year_joined": _year(fields.get("year", [])),
        "contact_phone": phone,
    }
    return [
        {**shared, **org, "contact_email": email}
        for org, email in zip(organizations, _emails_by_organization(organizations, emails),
                              strict=True)
    ]


def labelled_fields(root: Tag) -> dict[str, list[Tag]]:
    """Value elements under ``root`` grouped by what their label means.

    Reads Drupal fields (``.field-label`` beside ``.field-item``s) and definition lists
    (``dt``/``dd``). Labels are matched by meaning: "Organization(s):", "Partner Organizations"
    and "Organization" all mean ``organization``.
    """
    fields: dict[str, list[Tag]] = {}
    for label in root.select(".field-label"):
        field = label.find_parent(class_="field") or label.parent
        items = field.select(".field-item") if field else []
        if not items and label.find_next_sibling():
            items = [label.find_next_sibling()]
        _add(fields, label, items)
    for term in root.find_all("dt"):
        values = []
        for sibling in term.find_next_siblings():
            if sibling.name != "dd":
                break
            values.append(sibling)
        _add(fields, term, values)
    return fields


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
        source_key=records["partnership"] + "/" + records["name"],
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


def _organization(item: Tag, page_url: str) -> dict[str, str | None]:
    return {"name": tag_text(item) or None, "website": _first_link([item], page_url)}


def _first_link(items: Iterable[Tag], page_url: str) -> str | None:
    """The first link off the NNIP site (an organization's own website), or None."""
    for item in items:
        anchors = [item] if item.name == "a" else item.find_all("a", href=True)
        for anchor in anchors:
            href = urljoin(page_url, (anchor.get("href") or "").strip())
            if re.match(r"^https?://\S+$", href) and _site(href) not in (
                _site(page_url), _site(HOMEPAGE)
            ):
                return href
    return None


def _description(main: Tag, fields: Mapping[str, list[Tag]]) -> str | None:
    """The first paragraph of the body (or of an 'About' field), trimmed to a sentence."""
    containers = list(fields.get("description", [])) + main.select(".field-name-body")
    for container in containers:
        for paragraph in container.find_all("p") or [container]:
            text = tag_text(paragraph)
            if text:
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
    """record_id is 'nnip:<organization slug>', qualified by partnership if a name repeats."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[slug(row["name"])] = counts.get(slug(row["name"]), 0) + 1
    for row in rows:
        key = slug(row["name"])
        row["record_id"] = f"nnip:{key}" if counts[key] == 1 else f"nnip:{key}-{row['partnership']}"
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
