"""A link between two listings: how strong it is and why it was made.

Links are applied strongest first (lowest priority), so a maintainer's override beats a
listing naming its page, which beats a shared Meetup group, website, shared-host path, and
those beat a similar name, which beats one source listing the same name in one place twice
(several EINs of one community foundation: its supporting organizations and funds).
"""

from __future__ import annotations

from dataclasses import dataclass

(OVERRIDE, SAME_PAGE, SAME_MEETUP, SAME_WEBSITE, SAME_SHARED_PATH, SAME_NAME,
 SAME_NAME_SAME_PLACE) = range(7)
SITE_REASONS = {SAME_MEETUP: "same_meetup_group", SAME_WEBSITE: "same_website",
                SAME_SHARED_PATH: "same_shared_host_path"}
OWN_RECORD = "own record"
PAGE_REASON = "listed as the same organization's page"
SAME_PLACE_REASON = "same_name_same_place"


@dataclass(frozen=True)
class Edge:
    """An accepted link between two listings (row numbers), strongest ``priority`` first."""

    a: int
    b: int
    priority: int
    score: float
    reason: str
