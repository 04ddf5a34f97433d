"""Candidate pairs, from blocks of listings sharing a key, never from all pairs (GUIDE §7).

- **site pairs**: listings sharing a site key, shared-host path or Meetup group
  (``site_keys``); the same organization, subject to the rules;
- **same-place pairs**: one source's listings of one normalised name, city, state and kind
  (``same_place_pairs``), each with the first of its group;
- **name pairs**: listings of different sources in one name block (``name_blocks``: the same
  place, state or registrable domain, with the same first or last word or whole name, and the
  same marks) and one length band, then the cheap checks in SQL: the rules, lengths within the
  edit limit, and the place or website agreeing. The edit distances are the scoring's
  (``pipelines.link.scoring``).

The SQL of each step is ``sql/<table>.sql``; the pair rules are the ``rules_allow`` macro.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.link.sql import query
from pipelines.link.thresholds import (
    LENGTH_BAND,
    MAX_CITY_BLOCK,
    MAX_EDITS,
    MAX_NAME_BLOCK,
    MAX_SITE_BLOCK,
)


def site_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Pairs sharing a site key, shared-host path or Meetup group, with the rules applied:
    listings of one source link only when their names agree too."""
    return con.execute(query("site_pairs", max_site_block=MAX_SITE_BLOCK)).df()


def same_place_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One source's listings of one name in one place and of one kind, each paired with the
    first of its group (columns a, b)."""
    return con.execute(query("same_place_pairs")).df()


def name_pairs(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, int]:
    """Pairs of different sources sharing a name block, with the cheap checks done in SQL:
    the rules, lengths within the edit limit, the same numbers and direction words, and the
    place or website agreeing. Returns the survivors and how many candidates were looked at."""
    _name_blocks(con)
    _name_candidates(con)
    compared = con.execute("SELECT count(*) FROM name_candidates").fetchall()[0][0]
    _ambiguous_names(con)
    return con.execute(query("name_pairs")).df(), int(compared)


def _name_blocks(con: duckdb.DuckDBPyConnection) -> None:
    """Each named listing under each of its block keys, blocks too large dropped."""
    con.execute(query("name_blocks", max_city_block=MAX_CITY_BLOCK,
                      max_name_block=MAX_NAME_BLOCK, length_band=LENGTH_BAND))


def _name_candidates(con: duckdb.DuckDBPyConnection) -> None:
    """Pairs of different sources in one block and one length band."""
    con.execute(query("name_candidates", max_edits=MAX_EDITS, length_band=LENGTH_BAND))


def _ambiguous_names(con: duckdb.DuckDBPyConnection) -> None:
    """Names used in several cities of a state: they say nothing about a listing without one."""
    con.execute(query("ambiguous_names"))
