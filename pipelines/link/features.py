"""The listings in DuckDB and what the linker compares of them, one table per feature.

``load_listings`` makes table ``listings`` (row, src and the linking columns as text);
``build_features`` derives from it, normalising each distinct name, URL, host and place once:

- ``names``, ``name_codes``: each normalised name, its first and last word, its marks, a code;
- ``listing_urls``, ``url_parts``, ``host_domains``, ``url_keys``, ``site_keys``: each URL of a
  listing, its host and path, registrable domain, and the key of the organization it names;
- ``places``: each city and department as comparable words;
- ``features``: all of it per listing, which blocking (``pipelines.link.blocking``) and the
  cluster rules read.

The SQL of each table is ``sql/<table>.sql``.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from pipelines.link.edges import SAME_MEETUP, SAME_SHARED_PATH, SAME_WEBSITE
from pipelines.link.normalise import (
    DISTINGUISHING,
    HOST_ALIASES,
    MEETUP_DOMAIN,
    MEETUP_RESERVED,
    PAGE_EXTENSIONS,
    PAGE_NAMES,
    SHARED_DOMAINS,
    SUBDOMAIN_HOSTED,
    install_macros,
    public_suffixes,
)
from pipelines.link.sql import case_arms, query, text_list
from pipelines.link.thresholds import THREADS

# what the linker reads of a listing (missing columns count as empty)
INPUT_COLUMNS = ("source", "source_key", "name", "kind", "website", "websites", "events_url",
                 "city", "state", "country", "department", "government_level")
# the tables only the next ones need: dropped once ``features`` holds what they gave
INTERMEDIATE_TABLES = ("listing_urls", "url_parts", "host_domains", "url_keys", "places",
                       "names", "listings")


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the public suffix list, the normalisation and the pair rules."""
    con = duckdb.connect(config={"threads": THREADS, "memory_limit": "1536MB",
                                 "preserve_insertion_order": False})
    con.execute("SET enable_progress_bar = false")
    con.register("public_suffix_rules", public_suffixes())
    con.execute(query("public_suffixes"))
    con.unregister("public_suffix_rules")
    install_macros(con)
    con.execute(query("pair_rules"))
    return con


def load_listings(con: duckdb.DuckDBPyConnection, listings: pd.DataFrame) -> None:
    """Table ``listings``: the linking columns as text, a row number and a source code."""
    present = [c for c in INPUT_COLUMNS if c in listings.columns and c != "source_key"]
    frame = listings[present].reset_index(drop=True)
    codes, _ = pd.factorize(frame["source"].astype(str), sort=True)
    frame = frame.assign(row=np.arange(len(frame), dtype=np.int64), src=codes.astype(np.int32))
    columns = ", ".join(
        f'CAST("{c}" AS VARCHAR) AS "{c}"' if c in present else f'NULL::VARCHAR AS "{c}"'
        for c in INPUT_COLUMNS if c not in ("source", "source_key"))
    con.register("input", frame)
    con.execute(f"CREATE TEMP TABLE listings AS SELECT row, src, {columns} FROM input")
    con.unregister("input")


def build_features(con: duckdb.DuckDBPyConnection, local_government: Iterable[str],
                   civic_tech: Iterable[str], university: Iterable[str] = ()) -> None:
    """From table ``listings``: ``features`` per listing, ``site_keys``, ``name_codes``; the
    kinds of ``local_government`` and ``civic_tech`` are the kind classes 1 and 2, which the
    rules keep apart; ``university`` is kind class 4, kept apart from every other kind."""
    _names(con)
    _name_codes(con)
    _listing_urls(con)
    _url_parts(con)
    _host_domains(con)
    _url_keys(con)
    _site_keys(con)
    _places(con)
    _features(con, local_government, civic_tech, university)
    for table in INTERMEDIATE_TABLES:
        con.execute(f"DROP TABLE {table}")  # memory: a million listings are heavy


def _names(con: duckdb.DuckDBPyConnection) -> None:
    """Each distinct name, normalised, with its first and last word and its marks."""
    con.execute(query("names", distinguishing=text_list(DISTINGUISHING)))


def _name_codes(con: duckdb.DuckDBPyConnection) -> None:
    """A code per normalised name: the scoring compares names by code."""
    con.execute(query("name_codes"))


def _listing_urls(con: duckdb.DuckDBPyConnection) -> None:
    """Every URL of every listing, and whether it is one of its websites."""
    con.execute(query("listing_urls"))


def _url_parts(con: duckdb.DuckDBPyConnection) -> None:
    """Each distinct URL's host and path segments, page names such as /about left out."""
    con.execute(query("url_parts", page_names=text_list(PAGE_NAMES),
                      page_extensions=text_list(PAGE_EXTENSIONS)))


def _host_domains(con: duckdb.DuckDBPyConnection) -> None:
    """Each host's registrable domain, by the public suffix list."""
    con.execute(query("host_domains"))


def _url_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Each URL's key: its Meetup group, its path on a shared host, or its site."""
    con.execute(query("url_keys", host_aliases=case_arms(HOST_ALIASES),
                      shared_domains=text_list(SHARED_DOMAINS),
                      subdomain_hosted=text_list(SUBDOMAIN_HOSTED),
                      meetup_domain=text_list([MEETUP_DOMAIN]),
                      meetup_reserved=text_list(MEETUP_RESERVED)))


def _site_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Each listing's keys, with the priority of the link a shared key makes."""
    con.execute(query("site_keys", same_meetup=SAME_MEETUP, same_shared_path=SAME_SHARED_PATH,
                      same_website=SAME_WEBSITE))


def _places(con: duckdb.DuckDBPyConnection) -> None:
    """Each distinct city and department as comparable words."""
    con.execute(query("places"))


def _features(con: duckdb.DuckDBPyConnection, local_government: Iterable[str],
              civic_tech: Iterable[str], university: Iterable[str] = ()) -> None:
    """Per listing: everything blocking and the rules compare, codes rather than text."""
    con.execute(query("features", local_government=text_list(local_government),
                      civic_tech=text_list(civic_tech),
                      university=text_list(university) if university else "NULL"))


def name_texts(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """The normalised names by code (``name_codes``): element ``nid`` is that name."""
    names = con.execute("SELECT norm FROM name_codes ORDER BY nid").fetchnumpy()["norm"]
    return np.asarray(names, dtype=object)


def rule_codes(con: duckdb.DuckDBPyConnection) -> dict[str, np.ndarray]:
    """Per listing, in row order, the integer codes the cluster rules compare."""
    return con.execute(query("rule_codes")).fetchnumpy()

