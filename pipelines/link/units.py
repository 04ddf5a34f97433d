"""Units of universities: listings of other sources whose website is on a university's
registrable domain (an SDC affiliate at ``pad.human.cornell.edu``, a data repository at
``ecommons.udayton.edu``).

A university's website (IPEDS ``WEBADDR``) stands for its registrable domain. A unit is kept as
its own organization, never merged into its university (a university has hundreds of units;
merging would lose what each one is), and linked to it by ``part_of`` = the university's
intermediary_id; its listings' ``link_reason`` says so. Only kinds that can be units
(``schemas.codes.UNIVERSITY_UNIT_KINDS``: NNIP partners, State Data Center agencies) are: a
brigade or civic tech group meeting on campus, a government, another university never is.

When several universities share a registrable domain (``osu.edu`` and ``lima.osu.edu``;
``psu.edu`` and ``hbg.psu.edu``), the unit belongs to the one whose website's host is the
longest suffix of the unit's host (``pasdc.hbg.psu.edu`` -> ``hbg.psu.edu``); among those, a
website without a path (the main site), then the smaller id. With no host suffix in common,
the main-site university of the domain is chosen the same way.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd

from pipelines.link.normalise import registrable_domain
from schemas.codes import UNIVERSITY_UNIT_KINDS, kinds_in_link_class

UNIVERSITY_KINDS = kinds_in_link_class("university")


def site(url: object) -> tuple[str, str, bool] | None:
    """'https://www.udayton.edu/' -> ('udayton.edu', 'udayton.edu', False): the host without
    www., its registrable domain, and whether the URL has a path; None for no usable URL."""
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip().lower()
    try:
        parts = urlsplit(text if "://" in text else "https://" + text)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return None
    domain = registrable_domain(host) if host else None
    if not domain:
        return None
    return host, domain, bool(parts.path.strip("/"))


def _within(host: str, university_host: str) -> bool:
    return host == university_host or host.endswith("." + university_host)


def university_units(organizations: pd.DataFrame) -> tuple[pd.Series, dict[str, str]]:
    """Per organization (columns intermediary_id, name, kind, website): the intermediary_id of
    the university it is a unit of (None for others), and for each unit why, as a note for
    its listings' link_reason."""
    by_domain: dict[str, list[tuple[str, bool, str, str]]] = {}
    for row in organizations.itertuples(index=False):
        if row.kind in UNIVERSITY_KINDS and (found := site(row.website)):
            host, domain, has_path = found
            by_domain.setdefault(domain, []).append((host, has_path, row.intermediary_id,
                                                     row.name))
    part_of: list[str | None] = []
    why: dict[str, str] = {}
    for row in organizations.itertuples(index=False):
        found = site(row.website) if row.kind in UNIVERSITY_UNIT_KINDS else None
        universities = by_domain.get(found[1], []) if found else []
        if not universities:
            part_of.append(None)
            continue
        host, domain, _ = found  # type: ignore[misc]
        containing = [u for u in universities if _within(host, u[0])]
        chosen = min(containing or universities,
                     key=lambda u: (-len(u[0]) if containing else len(u[0]), u[1], u[2]))
        part_of.append(chosen[2])
        why[row.intermediary_id] = (f"; unit of {chosen[3]} ({chosen[2]}): its website "
                                    f"{host} is on {domain}")
    return pd.Series(part_of, index=organizations.index, dtype=object), why
