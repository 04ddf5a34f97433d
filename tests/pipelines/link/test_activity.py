"""An organization's activity comes from all its listings, with the reason published."""

import pandas as pd

from pipelines.link.activity import NO_SIGNAL, judge

AS_OF = "2026-11-01"


def signals(*rows):
    columns = ["record_id", "activity", "activity_as_of", "last_event_date", "next_event_date",
               "activity_reason"]
    return pd.DataFrame([dict(zip(columns, row, strict=False)) for row in rows],
                        columns=columns)


def test_one_gone_meetup_group_does_not_make_an_organization_with_a_website_gone():
    """Code for Africa: its old Meetup group answers 404, its website is still listed."""
    activity, reason = judge(
        signals(("cfa:code-for-africa", "gone", AS_OF, None, None,
                 "Meetup group codeforafrica answers 404/410 (gone)")),
        website="https://codeforafrica.org/")
    assert activity == "unknown"
    assert "codeforafrica answers 404/410" in reason and "codeforafrica.org" in reason


def test_a_group_whose_only_web_presence_is_gone_is_gone():
    activity, reason = judge(
        signals(("cfa:code-for-asheville", "gone", AS_OF, None, None,
                 "Meetup group code-for-asheville answers 404/410 (gone)")),
        website="https://www.meetup.com/code-for-asheville/")
    assert activity == "gone" and "no other web presence" in reason


def test_any_active_listing_makes_the_organization_active():
    activity, reason = judge(
        signals(("meetup:old-group", "gone", AS_OF),
                ("meetup:code-for-abq", "active", AS_OF, "2026-10-14", "2026-11-11",
                 "next event 2026-11-11 (Meetup group code-for-abq)")),
        website=None)
    assert (activity, reason) == ("active", "next event 2026-11-11 (Meetup group code-for-abq)")


def test_dormant_needs_a_known_past_event_and_says_when():
    activity, reason = judge(signals(("meetup:x", "dormant", AS_OF, "2025-06-11", None)),
                             website=None)
    assert (activity, reason) == ("dormant", "last event 2025-06-11, nothing scheduled "
                                             "(meetup:x)")


def test_no_signal_is_unknown_and_says_so():
    assert judge(signals(), website="https://example.org/") == ("unknown", NO_SIGNAL)
