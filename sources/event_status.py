"""One vocabulary for event statuses, whatever the source calls them.

Meetup calendars say CONFIRMED / TENTATIVE / CANCELLED; Eventbrite says live, started, ended,
completed, canceled, draft. Users filter on one set of words: scheduled, tentative, started,
completed, cancelled, draft.
"""

from __future__ import annotations

EVENT_STATUSES = ("scheduled", "tentative", "started", "completed", "cancelled", "draft")

_SYNONYMS = {
    "confirmed": "scheduled", "live": "scheduled", "scheduled": "scheduled",
    "tentative": "tentative",
    "started": "started",
    "ended": "completed", "completed": "completed", "past": "completed",
    "cancelled": "cancelled", "canceled": "cancelled",
    "draft": "draft",
}


def event_status(raw: object) -> str | None:
    """The source's status word in the shared vocabulary; None when blank or unknown."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return _SYNONYMS.get(raw.strip().lower())
