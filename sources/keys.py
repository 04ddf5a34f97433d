"""Stable source keys: the part of a listing that stays the same when its name changes.

Each source's ``to_listings`` sets ``source_key`` from these helpers, and the id crosswalk
(``pipelines/link/ids.py``) hangs each organization's id on ``source`` + ``source_key``:

- cfa: its website (``url_key``), else its events_url, else its name's slug; a website that
  two records share gets the name's slug after it (``code4.ro#code-for-romania-iasi-chapter``);
  the name's slug and ``previous_names`` are fallbacks;
- nnip: the partner profile (``partnership``), plus the organization's slug within a joint
  partnership (``washington-dc/urban-institute``);
- sdc: state + name slug, plus the department's slug when the state lists the name more than
  once (``ny:cornell-university--albert-r-mann-library``); state + name slug is a fallback;
- meetup, meetup_search: the group's page, ``https://www.meetup.com/<urlname>/`` (one for one
  with the urlname); eventbrite: the Eventbrite organization id;
- dotgov: the government's primary .gov domain (its other domains are fallbacks);
- irs_bmf: the EIN; act: the member's url (``url_key``).

Fallbacks (any listing's website, websites and events_url as ``url_key``, plus its
``key_aliases``) let a listing whose key changed claim the id of its old key.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd

from sources.text import slug


def url_key(url: object) -> str | None:
    """A URL as a stable key: 'https://www.SFCivicTech.org/' -> 'sfcivictech.org'; the path is
    kept ('meetup.com/code-for-x'), the scheme, 'www.', query, fragment and trailing slash are
    not. None for no URL."""
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip().lower()
    parts = urlsplit(text if "://" in text else "http://" + text)
    host = (parts.hostname or "").removeprefix("www.")
    return (host + parts.path.rstrip("/")) or None


def unique_keys(keys: pd.Series, qualifiers: pd.Series) -> pd.Series:
    """Keys made unique within a source: a key several rows share gets ``#<qualifier>``
    appended (then a number if that still repeats), so no listing borrows another's id."""
    keys = keys.astype(object)
    shared = keys.duplicated(keep=False)
    keys = keys.where(~shared, keys + "#" + qualifiers.map(lambda q: slug(str(q))))
    counts = keys.groupby(keys).cumcount()
    return keys.where(counts == 0, keys + "-" + (counts + 1).astype(str))
