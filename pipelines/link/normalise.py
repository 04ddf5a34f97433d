"""Names and URLs made comparable: the vocabulary, the public suffix list and the SQL macros
that apply them (``sql/macros.sql``), and ``normalise_names`` for code outside the linker.

A name is lowercased, its accents and punctuation dropped, '&' read as 'and', 'the', 'inc',
'llc' ... dropped and common abbreviations expanded; its numbers and direction words
("Region 2", "North") are kept apart as its marks. A URL's host loses ``www.``, its path the
page names (``/about``, ``/index.html``); its registrable domain comes from tldextract's
bundled public suffix list.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipelines.link.sql import case_arms, query, text_list

# --- names ----------------------------------------------------------------------------------

STOPWORDS = ("the", "inc", "incorporated", "llc", "ltd", "corp", "corporation", "pbc")
ABBREVIATIONS = {
    "ctr": "center", "cntr": "center", "centre": "center", "assn": "association",
    "assoc": "association", "univ": "university", "dept": "department", "natl": "national",
    "intl": "international", "govt": "government", "fdn": "foundation", "fndn": "foundation",
    "inst": "institute", "svcs": "services", "cmty": "community", "mgmt": "management",
    "cnty": "county", "twp": "township", "mt": "mount", "ft": "fort",
}
# Words that tell two otherwise similar names apart ("North ..." / "South ...", "Region II" /
# "Region III"): names whose sets of these words (and of numbers) differ never link by name.
DISTINGUISHING = ("north", "south", "east", "west", "northeast", "northwest", "southeast",
                  "southwest", "northern", "southern", "eastern", "western", "central", "upper",
                  "lower", "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii")

# --- URLs -----------------------------------------------------------------------------------

PAGE_NAMES = ("about", "about-us", "aboutus", "home", "index", "default", "contact",
              "contact-us", "welcome", "main", "en", "en-us", "us")
PAGE_EXTENSIONS = ("html", "htm", "php", "asp", "aspx", "jsp", "cfm", "page", "shtml")
MEETUP_DOMAIN = "meetup.com"
MEETUP_RESERVED = ("pro", "find", "topics", "cities", "apps", "lp", "blog", "help", "login")
# Registrable domains that host many organizations: only the full path (or, for the site
# builders in SUBDOMAIN_HOSTED, the subdomain) identifies one.
SHARED_DOMAINS = frozenset({
    "github.com", "gitlab.com", "facebook.com", "fb.com", "twitter.com", "x.com",
    "instagram.com", "linkedin.com", "youtube.com", "medium.com", "linktr.ee", "google.com",
    "eventbrite.com", "eventbrite.ca", "eventbrite.co.uk", "wordpress.com", "blogspot.com",
    "wixsite.com", "weebly.com", "squarespace.com", "tumblr.com", "substack.com", "carrd.co",
    "notion.site", "bit.ly", "tinyurl.com", "slack.com", "discord.gg", "discord.com",
    "wix.com", "godaddysites.com", "webflow.io", "github.io", "netlify.app", "herokuapp.com",
    "civicrm.org", "groups.io", "mailchimp.com", "org.uk", MEETUP_DOMAIN,
})
SUBDOMAIN_HOSTED = frozenset({
    "wordpress.com", "blogspot.com", "wixsite.com", "weebly.com", "squarespace.com",
    "tumblr.com", "substack.com", "carrd.co", "notion.site", "godaddysites.com", "webflow.io",
    "github.io", "netlify.app", "herokuapp.com", "groups.io",
})
HOST_ALIASES = {"x.com": "twitter.com", "fb.com": "facebook.com"}


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The normalisation macros (clean_text, name_words, place_words, is_public_suffix)."""
    con.execute(query("macros", stopwords=text_list(STOPWORDS),
                      abbreviations=case_arms(ABBREVIATIONS)))


def normalise_names(names: Sequence[object]) -> list[str | None]:
    """Normalised names ('The Code for Philly, Inc.' -> 'code for philly'), None when nothing
    is left; the same normalisation the linker uses."""
    if not len(names):
        return []  # spares a DuckDB connection
    frame = pd.DataFrame({"i": np.arange(len(names)),
                          "name": pd.array([n if isinstance(n, str) else None for n in names],
                                           dtype="string")})
    with duckdb.connect() as con:
        install_macros(con)
        con.register("names", frame)
        rows = con.execute("SELECT i, nullif(array_to_string(name_words(name), ' '), '') "
                           "FROM names ORDER BY i").fetchall()
    return [r[1] for r in rows]


@lru_cache(maxsize=1)
def suffix_extractor() -> Any:
    """tldextract with its bundled public suffix list (private suffixes included: a
    ``<name>.github.io`` site is its owner's): never the network, never a cache file. One per
    process: building its suffix trie costs ~0.15 s."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                 include_psl_private_domains=True)


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str | None:
    """The registrable domain of a host ('gis.co.lucas.oh.us' -> 'lucas.oh.us'), from the
    bundled public suffix list; None when it has none (a bare suffix, an IP address)."""
    return suffix_extractor()(host).top_domain_under_public_suffix or None


@lru_cache(maxsize=1)
def public_suffixes() -> pd.DataFrame:
    """The public suffix list bundled with tldextract (private suffixes included: a
    ``<name>.github.io`` site is its owner's) as (rule, kind) rows, kind one of exact,
    wildcard ('*.ck': the rule is 'ck') and exception ('!www.ck'). Never touches the network
    nor writes a cache."""
    rules = []
    for rule in suffix_extractor().tlds:
        if rule.startswith("!"):
            rules.append((rule[1:], "exception"))
        elif rule.startswith("*."):
            rules.append((rule[2:], "wildcard"))
        else:
            rules.append((rule, "exact"))
    return pd.DataFrame(rules, columns=["rule", "kind"]).drop_duplicates()

