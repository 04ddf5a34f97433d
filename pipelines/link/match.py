"""Link the listings that describe one organization, and say why each link was made.

Candidate pairs come from blocking, never from all pairs (measured in GUIDE §7):

- a **site key**: the website's host without ``www.`` plus up to two path segments, page names
  such as ``/about`` or ``/index.html`` ignored (``cityofx.gov/planning``). The registrable
  domain (``cornell.edu``, from tldextract's bundled suffix list) is a feature, not a block of
  its own: alone it puts every unit of a university or county in one bucket;
- the **full path on a shared host** (``github.com/<org>``, ``facebook.com/<page>``,
  ``sites.google.com/...``, ``<name>.wordpress.com``, ``linktr.ee/<name>``, ...): a shared host
  alone (``https://github.com``) identifies nobody, and ``github.com/a`` is not ``github.com/b``;
- the **Meetup group** (``meetup.com/<urlname>``, from a website or an events_url);
- **names in one place**, normalised (lowercase, accents and punctuation dropped, '&' ->
  'and', 'the', 'inc', 'llc' ... dropped, common abbreviations expanded) and with their
  numbers and direction words ("Region 2", "North") in every key: all listings of a small
  town; in a larger place those sharing the first or the last word; the same whole name in a
  state; the same first and last word in a state; the same first word on one registrable
  domain. Blocks are cut into length bands, since names of very different lengths never link.

Pairs sharing a site key, shared-host path or Meetup group are the same organization (subject
to the rules below). Name candidates need the place (same city; same state when one has no
city and the name is not used in several cities there) or the website (same registrable
domain, and no other one) to agree, then an absolute edit distance on the normalised names
within EDITS_BY_LENGTH, every differing word being a typo of the other (``_typos_only``).
Each accepted link carries its reason (``same_website``, ``same_meetup_group``,
``same_shared_host_path``, ``name_similarity=0.97; same_city``).

Rules that always hold (checked on whole clusters, so no chain of links can break them):
listings of one source stay apart unless that source lists one organization twice (the same
name and website); governments of different levels never link; a ``local_government`` never
links with a civic tech group; listings with different departments never link; a maintainer's
``never_link`` pair stays apart. A maintainer's ``force_link`` is the one exception. Links are
applied strongest first (then by closeness of the names, then by key), so the clusters never
depend on row order. Blocking and the cheap checks run in DuckDB, the edit distances in
rapidfuzz on integer codes, so the same code links the pipeline's few thousand listings (2,000
in about 0.15 s) and the synthetic million of ``bench/link_synthetic.py``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from schemas.codes import kinds_in_link_class

# --- thresholds (why each value: GUIDE §7, and bench/link_synthetic.py on 1 M listings) ------

# Names are compared by an absolute edit distance (optimal string alignment: a swap of two
# letters is one edit) on the normalised names, after the cheap checks in SQL (length
# difference, the same numbers and direction words, place or website agreeing). A ratio lets
# long hard negatives through (".. Poetry Studies" / ".. Film Studies": precision fell to 0.85
# in GUIDE §7's probe); Jaro-Winkler, tried as the cheap first filter, rejects true one-typo
# pairs of long names with repeated letters (0.88 for "urban ..." / "urean ..." of 41
# letters), so it is not used. Short names differ by one letter between different groups
# ("code for ri" / "code for rio"), so they must agree exactly; mid-length ones may differ
# by one edit, long ones by two.
EDITS_BY_LENGTH = ((16, 2), (9, 1), (0, 0))  # (minimum length, edits allowed), longest first
MAX_EDITS = EDITS_BY_LENGTH[0][1]
# A website or Meetup group listed by more than this many listings is a portal or a parent's
# site (a state's .gov, a network's home page), not one organization's: it links nothing.
MAX_SITE_BLOCK = 50
# A name block larger than this (state + city + "community" in a big city) yields hundreds of
# thousands of pairs for almost no true links; its pairs are still found by the other keys.
MAX_NAME_BLOCK = 400
# A small town's listings are all compared with each other (a typo in both the first and the
# last word of a name escapes the word blocks); a town is small up to this many listings.
MAX_CITY_BLOCK = 100
LENGTH_BAND = 5  # letters per length band of a name block (more than 2 x MAX_EDITS - 1)
PAIR_CHUNK = 2_000_000  # pairs scored per rapidfuzz call: bounds peak memory
THREADS = 2

# --- vocabulary -----------------------------------------------------------------------------

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
LOCAL_GOVERNMENT = kinds_in_link_class("government")
CIVIC_TECH = kinds_in_link_class("civic_tech")

# --- link priorities and reasons ----------------------------------------------------------

OVERRIDE, SAME_PAGE, SAME_MEETUP, SAME_WEBSITE, SAME_SHARED_PATH, SAME_NAME = range(6)
SITE_REASONS = {SAME_MEETUP: "same_meetup_group", SAME_WEBSITE: "same_website",
                SAME_SHARED_PATH: "same_shared_host_path"}
OWN_RECORD = "own record"
PAGE_REASON = "listed as the same organization's page"

INPUT_COLUMNS = ("source", "source_key", "name", "kind", "website", "websites", "events_url",
                 "city", "state", "country", "department", "government_level")


@dataclass(frozen=True)
class Edge:
    """An accepted link between two listings (row numbers), strongest ``priority`` first."""

    a: int
    b: int
    priority: int
    score: float
    reason: str


@dataclass
class Constraints:
    """Maintainer overrides in row terms: links to force (with reasons) and pairs kept apart."""

    force: list[tuple[int, int, str]] = field(default_factory=list)
    never: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Linked:
    """Per listing: the row of its cluster's anchor (the cluster label) and why it is there."""

    cluster: np.ndarray
    link_reason: list[str]
    candidate_pairs: int  # pairs the blocking produced and the scoring looked at
    accepted: int  # edges accepted by the scoring (before the cluster rules)


# --- normalisation --------------------------------------------------------------------------

def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _clean_sql(column: str) -> str:
    """SQL: lowercase, accents dropped, '&' -> ' and ', apostrophes dropped ("women's" ->
    "womens"), any other character that is not a letter or digit -> a space. Plain replace()
    handles the common marks; the regular expression runs only on what is left (it is several
    times slower, measured on a million names)."""
    text = f"replace(strip_accents(lower({column})), '&', ' and ')"
    for mark in ("''", "’", "‘"):
        text = f"replace({text}, '{mark}', '')"
    for mark in (".", ",", "-", "/", "(", ")"):
        text = f"replace({text}, '{mark}', ' ')"
    return (f"(SELECT CASE WHEN regexp_matches(c, '[^a-z0-9 ]') THEN "
            f"regexp_replace(c, '[^a-z0-9 ]+', ' ', 'g') ELSE c END FROM (SELECT {text} AS c))")


def _name_tokens_sql(column: str) -> str:
    """SQL for the normalised token list of a name column (one definition, used everywhere)."""
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ABBREVIATIONS.items())
    return (f"list_transform(list_filter(string_split({_clean_sql(column)}, ' '), lambda w: "
            f"w <> '' AND w NOT IN ({_sql_list(STOPWORDS)})), "
            f"lambda w: CASE w {cases} ELSE w END)")


def _place_sql(column: str) -> str:
    """A city or department as a comparable word string: lowercase, no accents or punctuation."""
    return (f"nullif(array_to_string(list_filter(string_split({_clean_sql(column)}, ' '), "
            f"lambda w: w <> ''), ' '), '')")


def normalise_names(names: Sequence[object]) -> list[str | None]:
    """Normalised names ('The Code for Philly, Inc.' -> 'code for philly'), None when nothing
    is left; the same normalisation the linker uses."""
    frame = pd.DataFrame({"i": np.arange(len(names)),
                          "name": pd.array([n if isinstance(n, str) else None for n in names],
                                           dtype="string")})
    with duckdb.connect() as con:
        con.register("names", frame)
        rows = con.execute(f"SELECT i, nullif(array_to_string({_name_tokens_sql('name')}, ' '),"
                           f" '') FROM names ORDER BY i").fetchall()
    return [r[1] for r in rows]


def normalise_name(name: object) -> str | None:
    return normalise_names([name])[0]


@lru_cache(maxsize=1)
def public_suffixes() -> pd.DataFrame:
    """The public suffix list bundled with tldextract (private suffixes included: a
    ``<name>.github.io`` site is its owner's) as (rule, kind) rows, kind one of exact,
    wildcard ('*.ck': the rule is 'ck') and exception ('!www.ck'). Never touches the network
    nor writes a cache."""
    import tldextract

    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                      include_psl_private_domains=True)
    rules = []
    for rule in extractor.tlds:
        if rule.startswith("!"):
            rules.append((rule[1:], "exception"))
        elif rule.startswith("*."):
            rules.append((rule[2:], "wildcard"))
        else:
            rules.append((rule, "exact"))
    return pd.DataFrame(rules, columns=["rule", "kind"]).drop_duplicates()


# --- features and blocking in DuckDB ---------------------------------------------------------

def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": THREADS, "memory_limit": "1536MB",
                                 "preserve_insertion_order": False})
    con.execute("SET enable_progress_bar = false")
    con.register("psl_frame", public_suffixes())
    con.execute("""CREATE TEMP TABLE psl AS
                   SELECT rule, bool_or(kind = 'exact') AS exact,
                          bool_or(kind = 'wildcard') AS wildcard,
                          bool_or(kind = 'exception') AS exception
                   FROM psl_frame GROUP BY rule""")
    con.unregister("psl_frame")
    return con


def _is_suffix_sql(k: int) -> str:
    """Whether the host's last k labels are a public suffix (an exact rule, or the child of a
    wildcard rule that no exception names)."""
    return (f"(coalesce(t{k}.exact, false) OR (coalesce(t{k - 1}.wildcard, false) "
            f"AND NOT coalesce(t{k}.exception, false)))")


def _features(con: duckdb.DuckDBPyConnection) -> None:
    """From table ``l`` (row, src, name, kind, website, websites, events_url, city, state,
    country, department, government_level): per-listing features ``f`` and site keys ``k``.
    Names, URLs and hosts are normalised once per distinct value."""
    con.execute(f"""
        CREATE TEMP TABLE nm AS
        WITH d AS (SELECT DISTINCT name FROM l WHERE name IS NOT NULL),
        t AS (SELECT name, {_name_tokens_sql('name')} AS tokens FROM d)
        SELECT name, nullif(array_to_string(tokens, ' '), '') AS norm,
               hash(tokens[1]) AS first_tok, hash(tokens[-1]) AS last_tok,
               hash(array_to_string(list_sort(list_filter(tokens, lambda w:
                   w IN ({_sql_list(DISTINGUISHING)}) OR w[1] BETWEEN '0' AND '9')),
                   ' ')) AS marks
        FROM t""")
    con.execute("""
        CREATE TEMP TABLE nid AS
        SELECT norm, (row_number() OVER () - 1)::INTEGER AS nid
        FROM (SELECT DISTINCT norm FROM nm WHERE norm IS NOT NULL)""")
    con.execute("""
        CREATE TEMP TABLE raw_urls AS
        SELECT row, website AS url, true AS is_site FROM l WHERE website IS NOT NULL
        UNION ALL
        SELECT row, trim(unnest(string_split(websites, ';'))) AS url, true FROM l
        WHERE websites IS NOT NULL
        UNION ALL
        SELECT row, events_url, false FROM l WHERE events_url IS NOT NULL""")
    extensions = _sql_list(PAGE_EXTENSIONS)
    con.execute(f"""
        CREATE TEMP TABLE urls AS
        WITH d AS (SELECT DISTINCT url FROM raw_urls WHERE url <> ''),
        a AS (SELECT url, split_part(split_part(CASE WHEN contains(lower(url), '://')
                THEN lower(url)[strpos(lower(url), '://') + 3:] ELSE lower(url) END, '#', 1),
                '?', 1) AS rest FROM d),
        b AS (SELECT url, rest, split_part(rest, '/', 1) AS authority FROM a),
        parts AS (SELECT url, split_part(string_split(authority, '@')[-1], ':', 1) AS host,
                         rest[len(authority) + 1:] AS path FROM b)
        SELECT url,
          rtrim(CASE WHEN starts_with(host, 'www.') THEN host[5:] ELSE host END, '.') AS host,
          CASE WHEN path IN ('', '/') THEN []::VARCHAR[] ELSE
            list_filter(string_split(path, '/'), lambda s: s <> ''
              AND s NOT IN ({_sql_list(PAGE_NAMES)})
              AND NOT (contains(s, '.') AND split_part(s, '.', -1) IN ({extensions}))) END
            AS segs
        FROM parts""")
    con.execute(f"""
        CREATE TEMP TABLE hosts AS
        WITH h AS (SELECT DISTINCT host, string_split(host, '.') AS labels FROM urls
                   WHERE host <> ''),
        tails AS (SELECT host, len(labels) AS n,
                    array_to_string(labels[-1:], '.') AS tail1,
                    array_to_string(labels[-2:], '.') AS tail2,
                    array_to_string(labels[-3:], '.') AS tail3,
                    array_to_string(labels[-4:], '.') AS tail4,
                    array_to_string(labels[-5:], '.') AS tail5
                  FROM h),
        s AS (
          SELECT tails.*, CASE
              WHEN n >= 4 AND {_is_suffix_sql(4)} THEN 4
              WHEN n >= 3 AND {_is_suffix_sql(3)} THEN 3
              WHEN n >= 2 AND {_is_suffix_sql(2)} THEN 2 ELSE 1 END AS suffix_labels
          FROM tails
          LEFT JOIN psl t1 ON t1.rule = tail1 LEFT JOIN psl t2 ON t2.rule = tail2
          LEFT JOIN psl t3 ON t3.rule = tail3 LEFT JOIN psl t4 ON t4.rule = tail4)
        SELECT host, CASE WHEN n > suffix_labels THEN
            [tail2, tail3, tail4, tail5][suffix_labels] END AS regdom
        FROM s""")
    shared = _sql_list(SHARED_DOMAINS)
    subdomain_hosted = _sql_list(SUBDOMAIN_HOSTED)
    aliases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in HOST_ALIASES.items())
    con.execute(f"""
        CREATE TEMP TABLE url_keys AS
        WITH u AS (
          SELECT url, segs, CASE regdom {aliases} ELSE regdom END AS regdom,
                 CASE WHEN regdom IN ({shared}) AND host IN ('m.' || regdom, 'mobile.' || regdom,
                        'web.' || regdom) THEN regdom ELSE host END AS host
          FROM urls LEFT JOIN hosts USING (host) WHERE host <> '')
        SELECT url, regdom,
          CASE
            WHEN regdom = '{MEETUP_DOMAIN}' THEN
              CASE WHEN len(segs) > 0 AND segs[1] NOT IN ({_sql_list(MEETUP_RESERVED)})
                   THEN 'm:' || segs[1] END
            WHEN regdom IN ({shared}) THEN
              CASE WHEN len(segs) > 0 OR (regdom IN ({subdomain_hosted}) AND host <> regdom)
                   THEN 's:' || CASE host {aliases} ELSE host END
                        || CASE WHEN len(segs) > 0 THEN '/' || array_to_string(segs, '/')
                                ELSE '' END END
            ELSE 'w:' || host || CASE WHEN len(segs) > 0
                 THEN '/' || array_to_string(segs[1:2], '/') ELSE '' END
          END AS key,
          regdom IS NOT NULL AND regdom NOT IN ({shared}) AS own_domain
        FROM u""")
    # meetup groups and shared-host paths count from any URL, site keys only from websites
    con.execute(f"""
        CREATE TEMP TABLE k AS
        SELECT DISTINCT r.row, u.key,
          CASE left(u.key, 2) WHEN 'm:' THEN {SAME_MEETUP} WHEN 's:' THEN {SAME_SHARED_PATH}
               ELSE {SAME_WEBSITE} END AS priority
        FROM raw_urls r JOIN url_keys u USING (url)
        WHERE u.key IS NOT NULL AND (r.is_site OR left(u.key, 2) <> 'w:')""")
    con.execute(f"""
        CREATE TEMP TABLE places AS
        SELECT value, {_place_sql('value')} AS norm FROM (
          SELECT city AS value FROM l WHERE city IS NOT NULL
          UNION SELECT department FROM l WHERE department IS NOT NULL)""")
    con.execute(f"""
        CREATE TEMP TABLE f AS
        SELECT l.row, l.src, nid.nid, coalesce(len(nm.norm), 0) AS nlen, nm.first_tok,
          nm.last_tok, nm.marks, city.norm AS city,
          upper(l.state) AS state, upper(l.country) AS country, department.norm AS department,
          l.government_level AS level,
          CASE WHEN l.kind IN ({_sql_list(LOCAL_GOVERNMENT)}) THEN 1
               WHEN l.kind IN ({_sql_list(CIVIC_TECH)}) THEN 2 ELSE 0 END AS kind_class,
          CASE WHEN u.own_domain THEN u.regdom END AS domain, u.key AS site
        FROM l
        LEFT JOIN nm ON nm.name = l.name
        LEFT JOIN nid ON nid.norm = nm.norm
        LEFT JOIN url_keys u ON u.url = l.website
        LEFT JOIN places city ON city.value = l.city
        LEFT JOIN places department ON department.value = l.department""")
    for table in ("raw_urls", "urls", "hosts", "url_keys", "places", "nm", "l"):
        con.execute(f"DROP TABLE {table}")  # memory: a million listings are heavy


_COMPATIBLE = """
    (a.level IS NULL OR b.level IS NULL OR a.level = b.level)
    AND (a.department IS NULL OR b.department IS NULL OR a.department = b.department)
    AND a.kind_class + b.kind_class <> 3"""


def _site_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Pairs sharing a site key, shared-host path or Meetup group, with the rules applied:
    listings of one source link only when their names agree too."""
    return con.execute(f"""
        WITH blocks AS (SELECT key FROM k GROUP BY key
                        HAVING count(*) BETWEEN 2 AND {MAX_SITE_BLOCK}),
        kb AS (SELECT k.* FROM k SEMI JOIN blocks USING (key)),
        p AS (SELECT x.row AS a, y.row AS b, min(x.priority) AS priority
              FROM kb x JOIN kb y ON x.key = y.key AND x.row < y.row GROUP BY ALL)
        SELECT p.a, p.b, p.priority, a.nid AS nid_a, b.nid AS nid_b
        FROM p JOIN f a ON a.row = p.a JOIN f b ON b.row = p.b
        WHERE {_COMPATIBLE} AND (a.src <> b.src OR (a.nid = b.nid AND a.site = b.site))
    """).df()


def _name_pairs(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, int]:
    """Pairs of different sources sharing a name block, with the cheap checks done in SQL:
    the rules, lengths within the edit limit, the same numbers and direction words, and the
    place or website agreeing. Returns the survivors and how many candidates were looked at."""
    # A small town's listings are all compared (block 'c'); in a larger place, only those
    # sharing the first or the last word (f, l). Everywhere: the same whole name in the state
    # (n: a listing without a city), first and last word in the state (s), first word on the
    # same registrable domain (d). The numbers and direction words must agree, so they are
    # part of every key.
    con.execute(f"""
        CREATE TEMP TABLE nk AS
        WITH g AS (SELECT *, hash(state, city) AS place,
                          CASE WHEN city IS NOT NULL THEN count(*) OVER (PARTITION BY state, city)
                               END AS town
                   FROM f WHERE nid IS NOT NULL),
        keyed AS (
          SELECT row, src, nlen, 'n' AS block, hash(1, coalesce(state, country), nid, marks)
            AS key FROM g WHERE coalesce(state, country) IS NOT NULL
          UNION ALL
          SELECT row, src, nlen, 'c', hash(2, place, marks) FROM g
          WHERE town <= {MAX_CITY_BLOCK}
          UNION ALL
          SELECT row, src, nlen, 'f', hash(3, place, first_tok, marks) FROM g
          WHERE town > {MAX_CITY_BLOCK}
          UNION ALL
          SELECT row, src, nlen, 'l', hash(4, place, last_tok, marks) FROM g
          WHERE town > {MAX_CITY_BLOCK} AND last_tok <> first_tok
          UNION ALL
          SELECT row, src, nlen, 'd', hash(5, domain, first_tok, marks) FROM g
          WHERE domain IS NOT NULL
          UNION ALL
          SELECT row, src, nlen, 's', hash(6, state, first_tok, last_tok, marks) FROM g
          WHERE state IS NOT NULL AND last_tok <> first_tok),
        blocks AS (SELECT key FROM keyed GROUP BY key
                   HAVING count(*) BETWEEN 2 AND {MAX_NAME_BLOCK})
        SELECT row, src, nlen, key, nlen // {LENGTH_BAND} AS band
        FROM keyed SEMI JOIN blocks USING (key)""")
    # Two names more than MAX_EDITS letters apart in length never link, so each block is cut
    # into length bands of LENGTH_BAND letters: a listing is compared with its own band and,
    # near a band's edge, the next one, never with names far longer or shorter.
    con.execute(f"""
        CREATE TEMP TABLE candidates AS
        WITH probe AS (
          SELECT row, src, nlen, key, (nlen - {MAX_EDITS}) // {LENGTH_BAND} AS band FROM nk
          UNION ALL
          SELECT row, src, nlen, key, (nlen + {MAX_EDITS}) // {LENGTH_BAND} FROM nk
          WHERE (nlen + {MAX_EDITS}) // {LENGTH_BAND} <> (nlen - {MAX_EDITS}) // {LENGTH_BAND})
        SELECT pair >> 32 AS a, pair & 4294967295 AS b FROM (
          SELECT DISTINCT (x.row << 32) | y.row AS pair FROM probe x JOIN nk y
            ON x.key = y.key AND x.band = y.band AND x.row < y.row AND x.src <> y.src
               AND abs(x.nlen - y.nlen) <= {MAX_EDITS})""")
    compared = con.execute("SELECT count(*) FROM candidates").fetchall()[0][0]
    # a name used in several cities of a state ("Jackson Family Foundation") says nothing
    # about a listing of it without a city
    con.execute("""
        CREATE TEMP TABLE ambiguous AS
        SELECT coalesce(state, country) AS region, nid FROM f
        WHERE nid IS NOT NULL AND city IS NOT NULL GROUP BY ALL
        HAVING count(DISTINCT city) > 1""")
    pairs = con.execute(f"""
        WITH p AS (
          SELECT c.a, c.b, a.nid AS nid_a, b.nid AS nid_b,
            m.nid IS NOT NULL OR mb.nid IS NOT NULL AS ambiguous,
            coalesce(a.city = b.city AND a.state IS NOT DISTINCT FROM b.state, false)
              AS same_city,
            coalesce(a.domain = b.domain, false) AS same_domain,
            coalesce(a.state = b.state, false) AS same_state,
            coalesce(a.state IS NULL AND b.state IS NULL AND a.country = b.country, false)
              AS same_country,
            coalesce(a.domain <> b.domain, false) AS other_domain,
            coalesce(a.city <> b.city, false) AS other_city
          FROM candidates c JOIN f a ON a.row = c.a JOIN f b ON b.row = c.b
          LEFT JOIN ambiguous m ON m.nid = a.nid AND m.region = coalesce(a.state, a.country)
          LEFT JOIN ambiguous mb ON mb.nid = b.nid AND mb.region = coalesce(b.state, b.country)
          WHERE {_COMPATIBLE})
        SELECT * FROM p WHERE
          (nid_a = nid_b AND (same_city OR same_domain
                              OR ((same_state OR same_country) AND NOT other_city
                                  AND NOT other_domain AND NOT ambiguous)))
          OR (nid_a <> nid_b AND NOT other_domain AND (same_city OR same_domain
                                  OR (same_state AND NOT other_city AND NOT ambiguous)))
    """).df()
    return pairs, int(compared)


# --- scoring ---------------------------------------------------------------------------------

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


def _score_name_pairs(pairs: pd.DataFrame, names: np.ndarray) -> list[Edge]:
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


def _site_edges(pairs: pd.DataFrame, names: np.ndarray) -> list[Edge]:
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


# --- clusters under the rules ----------------------------------------------------------------

class _Clusters:
    """Union-find that refuses a union breaking a rule: two listings of one source that are not
    the same listing twice, two government levels, two departments, a government with a civic
    tech group, or a never_link pair. Plain lists: per-element numpy access is slow."""

    def __init__(self, rows: Mapping[str, np.ndarray], never: Sequence[tuple[int, int]]
                 ) -> None:
        self.parent = list(range(len(rows["src"])))
        self._rows = rows  # integer codes per row; 0 is "none" for site, level, department
        self._state: dict[int, dict] = {}
        self._never: dict[int, set[tuple[int, int]]] = {}
        for index, (a, b) in enumerate(never):
            self._never.setdefault(a, set()).add((index, 0))
            self._never.setdefault(b, set()).add((index, 1))

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def roots(self) -> np.ndarray:
        """Every row's root, by pointer jumping over the whole array at once."""
        parent = np.asarray(self.parent, dtype=np.int64)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent
            parent = grand

    def _summary(self, root: int) -> dict:
        state = self._state.get(root)
        if state is None:
            rows = self._rows
            state = {
                "sources": {int(rows["src"][root]): (int(rows["nid"][root]),
                                                     int(rows["site"][root]))},
                "level": int(rows["level"][root]),
                "department": int(rows["department"][root]),
                "kinds": {int(rows["kind_class"][root])} - {0},
                "never": set(self._never.get(root, ())),
            }
            self._state[root] = state
        return state

    def union(self, a: int, b: int, forced: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        sa, sb = self._summary(ra), self._summary(rb)
        if not forced and not _compatible(sa, sb):
            return False
        if len(sa["sources"]) < len(sb["sources"]):
            ra, rb, sa, sb = rb, ra, sb, sa
        self.parent[rb] = ra
        for source, rep in sb["sources"].items():
            sa["sources"].setdefault(source, rep)
        sa["level"] = sa["level"] or sb["level"]
        sa["department"] = sa["department"] or sb["department"]
        sa["kinds"] |= sb["kinds"]
        sa["never"] |= sb["never"]
        del self._state[rb]
        return True


def _compatible(sa: dict, sb: dict) -> bool:
    for source, rep in sb["sources"].items():
        other = sa["sources"].get(source)
        if other is not None and (other != rep or rep[1] == 0):
            return False
    if sa["level"] and sb["level"] and sa["level"] != sb["level"]:
        return False
    if sa["department"] and sb["department"] and sa["department"] != sb["department"]:
        return False
    if sa["kinds"] | sb["kinds"] == {1, 2}:
        return False
    if sa["never"] and sb["never"]:
        return not any((index, 1 - side) in sa["never"] for index, side in sb["never"])
    return True


def _reasons(edges: Sequence[Edge], clusters: _Clusters, anchors: Mapping[int, int],
             keys: np.ndarray, size: int) -> list[str]:
    """Each listing's reason: the link by which the strongest-first spanning tree grown from its
    cluster's anchor reaches it (so reasons never depend on row order)."""
    reasons = [OWN_RECORD] * size
    neighbours: dict[int, list[tuple]] = {}
    for e in edges:
        if clusters.find(e.a) == clusters.find(e.b):
            neighbours.setdefault(e.a, []).append((e.priority, -e.score, keys[e.b], e.b, e.reason))
            neighbours.setdefault(e.b, []).append((e.priority, -e.score, keys[e.a], e.a, e.reason))
    for anchor in anchors.values():
        if anchor not in neighbours:
            continue
        reached = {anchor}
        heap = list(neighbours[anchor])
        heapq.heapify(heap)
        while heap:
            _, _, _, row, reason = heapq.heappop(heap)
            if row in reached:
                continue
            reached.add(row)
            reasons[row] = reason
            for item in neighbours.get(row, ()):
                if item[3] not in reached:
                    heapq.heappush(heap, item)
    return reasons


def _load(con: duckdb.DuckDBPyConnection, listings: pd.DataFrame) -> None:
    """Table ``l``: the listings' linking columns as text, a row number and a source code."""
    present = [c for c in INPUT_COLUMNS if c in listings.columns and c != "source_key"]
    frame = listings[present].reset_index(drop=True)
    codes, _ = pd.factorize(frame["source"].astype(str), sort=True)
    frame = frame.assign(row=np.arange(len(frame), dtype=np.int64), src=codes.astype(np.int32))
    columns = ", ".join(
        f'CAST("{c}" AS VARCHAR) AS "{c}"' if c in present else f'NULL::VARCHAR AS "{c}"'
        for c in INPUT_COLUMNS if c not in ("source", "source_key"))
    con.register("input", frame)
    con.execute(f"CREATE TEMP TABLE l AS SELECT row, src, {columns} FROM input")
    con.unregister("input")


def link(listings: pd.DataFrame, keys: Sequence[str] | None = None,
         rank: Sequence[int] | None = None, constraints: Constraints | None = None,
         extra_edges: Sequence[Edge] = ()) -> Linked:
    """Cluster listings (columns from INPUT_COLUMNS; missing ones count as empty).

    ``keys`` are stable, unique keys of the rows ('source:source_key', the default) and
    ``rank`` a precedence per row (lower first, default 0): together they choose each
    cluster's anchor and break ties, so the result never depends on row order. ``extra_edges``
    are links given by the sources (a Meetup group read because a brigade points at it).
    """
    size = len(listings)
    if keys is None:
        keys = (listings["source"].astype(str) + ":" + listings["source_key"].astype(str))
    keys = np.asarray(keys, dtype=object)
    rank = np.zeros(size, dtype=np.int64) if rank is None else np.asarray(rank)
    constraints = constraints or Constraints()
    if size == 0:
        return Linked(np.zeros(0, dtype=np.int64), [], 0, 0)
    with _connect() as con:
        _load(con, listings)
        _features(con)
        names = con.execute("SELECT norm FROM nid ORDER BY nid").fetchnumpy()["norm"]
        names = np.asarray(names, dtype=object)
        site = _site_pairs(con)
        name, compared = _name_pairs(con)
        # the cluster rules need only codes: 0 is "none" (a hash is practically never 0)
        rows = con.execute("""
            SELECT src, coalesce(nid, -1) AS nid, coalesce((hash(site) >> 1)::BIGINT, 0) AS site,
                   coalesce((hash(level) >> 1)::BIGINT, 0) AS level,
                   coalesce((hash(department) >> 1)::BIGINT, 0) AS department, kind_class
            FROM f ORDER BY row""").fetchnumpy()
    edges = _site_edges(site, names) + _score_name_pairs(name, names)
    accepted = len(edges)
    edges += list(extra_edges)
    edges += [Edge(a, b, OVERRIDE, 1.0, f"override: {why}") for a, b, why in constraints.force]
    edges.sort(key=lambda e: (e.priority, -e.score, min(keys[e.a], keys[e.b]),
                              max(keys[e.a], keys[e.b])))
    clusters = _Clusters(rows, constraints.never)
    kept = [e for e in edges if clusters.union(e.a, e.b, forced=e.priority == OVERRIDE)]
    roots = clusters.roots()
    anchors = _anchors(roots, rank, keys)
    reasons = _reasons(kept, clusters, anchors, keys, size)
    anchor_of = np.arange(size)
    anchor_of[list(anchors)] = list(anchors.values())
    cluster = anchor_of[roots]
    return Linked(cluster, reasons, compared + len(site), accepted)


def _anchors(roots: np.ndarray, rank: np.ndarray, keys: np.ndarray) -> dict[int, int]:
    """Root -> anchor of each cluster of several listings: its listing of the highest-ranked
    source, then smallest key (a listing alone is its own anchor)."""
    shared = np.flatnonzero(np.bincount(roots, minlength=len(roots))[roots] > 1)
    best: dict[int, tuple] = {}
    for row in shared.tolist():
        root, candidate = int(roots[row]), (int(rank[row]), keys[row], row)
        if root not in best or candidate < best[root]:
            best[root] = candidate
    return {root: candidate[2] for root, candidate in best.items()}
