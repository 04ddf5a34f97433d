"""How alive each organization looks, from every one of its listings, and why.

Signals come per listing (a Meetup calendar, Alliance of Civic Technologists membership). An
organization is judged on all of them: one Meetup group that answers 404 says the *group* is
gone, not the organization, unless that group was its only web presence. ``dormant`` needs a
known past event; an empty calendar proves nothing (Meetup feeds list mostly upcoming events).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from schemas.published import INTERMEDIARIES
from schemas.table import pandera_schema

RANK = {"active": 0, "dormant": 1, "unknown": 2, "gone": 3}
SIGNAL_COLUMNS = ["record_id", "activity", "activity_as_of", "last_event_date",
                  "next_event_date", "activity_reason"]
NO_SIGNAL = "no source gives an activity signal"


def signal_reason(signal: pd.Series) -> str:
    """The reason a listing's signal gives, or one written from its dates."""
    if isinstance(signal.get("activity_reason"), str) and signal["activity_reason"]:
        return signal["activity_reason"]
    record, activity = signal["record_id"], signal["activity"]
    if activity == "active" and isinstance(signal.get("next_event_date"), str):
        return f"next event {signal['next_event_date']} ({record})"
    if activity == "active":
        return f"an event on {signal['last_event_date']}, within 12 months ({record})"
    if activity == "dormant":
        return f"last event {signal['last_event_date']}, nothing scheduled ({record})"
    if activity == "gone":
        return f"{record}: its group page answers 404/410 (gone)"
    return f"{record}: no calendar could be read"


def judge(signals: pd.DataFrame, website: object) -> tuple[str, str]:
    """(activity, reason) of one organization from its listings' signals."""
    if not len(signals):
        return "unknown", NO_SIGNAL
    ranked = signals.assign(rank=signals["activity"].map(RANK)).sort_values(
        ["rank", "next_event_date", "last_event_date"], na_position="last")
    best = ranked.iloc[0]
    if best["activity"] != "gone":
        return best["activity"], signal_reason(best)
    gone = "; ".join(signal_reason(s) for _, s in ranked.iterrows())
    on_meetup_only = not isinstance(website, str) or "meetup.com/" in website.lower()
    if on_meetup_only:
        return "gone", gone + "; no other web presence is listed"
    return "unknown", gone + f"; its website {website} may still be in use"


def attach_activity(
    intermediaries: pd.DataFrame, source_records: pd.DataFrame, signals: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """Each organization's activity, with its latest past and next upcoming event, the day it
    was judged, and the reason (``activity_reason``)."""
    frames = [f.reindex(columns=SIGNAL_COLUMNS).astype(object)
              for f in signals if f is not None and len(f)]
    result = intermediaries.copy().astype(
        {c: object for c in ("activity", "activity_as_of", "last_event_date", "next_event_date")
         if c in intermediaries})
    result["activity"] = "unknown"
    result["activity_reason"] = NO_SIGNAL
    if frames:
        ids = source_records.set_index("record_id")["intermediary_id"]
        signal = pd.concat(frames, ignore_index=True)
        signal["intermediary_id"] = signal["record_id"].map(ids)
        signal = signal.dropna(subset=["intermediary_id"])
        by_org = dict(tuple(signal.groupby("intermediary_id")))
        for row in result.index:
            own = by_org.get(result.at[row, "intermediary_id"])
            if own is None:
                continue
            activity, reason = judge(own, result.at[row, "website"])
            result.loc[row, ["activity", "activity_reason", "activity_as_of"]] = [
                activity, reason, own["activity_as_of"].dropna().max()]
            result.loc[row, "last_event_date"] = own["last_event_date"].dropna().max() if (
                own["last_event_date"].notna().any()) else None
            result.loc[row, "next_event_date"] = own["next_event_date"].dropna().min() if (
                own["next_event_date"].notna().any()) else None
    return pandera_schema(INTERMEDIARIES).validate(result[list(INTERMEDIARIES.columns)])
