"""Merging listings into organizations: one row per organization, every listing kept, values
by source precedence, maintainers' overrides applied with their reasons."""

import pandas as pd
import pytest

from pipelines.link.ids import mint
from pipelines.link.merge import LISTING_COLUMNS, merge_listings
from pipelines.link.overrides import OVERRIDES_FILE, read_overrides

TODAY = "2026-12-01"


def listing(record_id, name, website=None, state=None, source="cfa", **more):
    row = dict.fromkeys(LISTING_COLUMNS)
    row.update(record_id=record_id, name=name, website=website, state=state, source=source,
               source_key=record_id.split(":", 1)[-1], kind="brigade",
               source_url="https://example.org/list", retrieved_at="2026-11-01T00:00:00Z")
    row.update(more)
    return row


def frame(*rows):
    return pd.DataFrame(list(rows)).astype({"latitude": float, "longitude": float})


def no_overrides():
    return pd.DataFrame(columns=["action", "source_key_a", "source_key_b", "field", "value",
                                 "reason", "line"])


def overrides(*rows):
    return pd.DataFrame([{**dict(zip(["action", "source_key_a", "source_key_b", "field",
                                      "value", "reason"], r, strict=True)), "line": i + 2}
                         for i, r in enumerate(rows)])


def test_an_organization_lists_every_source_it_appears_in():
    cfa = frame(listing("cfa:a", "Open Data Org", "http://odo.org", "PA"))
    nnip = frame(listing("nnip:a", "Open Data Org", "http://odo.org", "PA", source="nnip",
                         kind="nnip_partner"))
    merged = merge_listings([cfa, nnip], today=TODAY)
    intermediaries, source_records = merged.intermediaries, merged.source_records
    assert len(intermediaries) == 1 and len(source_records) == 2
    assert intermediaries.loc[0, "sources"] == "nnip; cfa"  # in the registry's order
    assert intermediaries.loc[0, "kind"] == "nnip_partner"  # NNIP's listing comes first
    assert intermediaries.loc[0, ["first_seen", "last_seen"]].tolist() == [TODAY, TODAY]


def test_ids_do_not_depend_on_row_or_source_order():
    rows = [listing("cfa:x", "X Data", "http://x.org", "OH"),
            listing("cfa:y", "Y Data", "http://y.org", "OH"),
            listing("sdc:x", "X Data Center", "https://www.x.org/", "OH", source="sdc")]
    first = merge_listings([frame(*rows[:2]), frame(rows[2])], today=TODAY)
    again = merge_listings([frame(rows[2]), frame(*reversed(rows[:2]))], today=TODAY)
    assert (first.intermediaries["intermediary_id"].tolist()
            == again.intermediaries["intermediary_id"].tolist())
    by_record = first.source_records.set_index("record_id")["intermediary_id"]
    assert by_record.to_dict() == again.source_records.set_index("record_id")[
        "intermediary_id"].to_dict()
    assert by_record["cfa:x"] == by_record["sdc:x"] != by_record["cfa:y"]
    # the anchor is the State Data Center listing (it comes first in the registry)
    assert by_record["sdc:x"] == mint("sdc:x", set())


def test_organizations_with_only_a_us_city_get_its_centre_and_say_so():
    given = listing("cfa:a", "Has coordinates", state="MD")
    given.update(city="Baltimore", country="US", latitude=39.3, longitude=-76.6)
    city_only = listing("sdc:b", "City only", state="MD", source="sdc")
    city_only.update(city="Baltimore", country="US")
    nowhere = listing("sdc:c", "No city", state="MD", source="sdc")
    intermediaries = merge_listings([frame(given, city_only, nowhere)],
                                    today=TODAY).intermediaries
    by_name = intermediaries.set_index("name")
    assert by_name.loc["Has coordinates", "location_precision"] == "source"
    assert by_name.loc["City only", "location_precision"] == "city"
    assert by_name.loc["City only", "latitude"] == pytest.approx(39.3, abs=0.1)
    assert by_name.loc["No city", "location_precision"] == "state"  # the state's centre
    assert by_name.loc["City only", "county_fips"] == "24510"  # Baltimore city
    assert by_name.loc["No city", "state_fips"] == "24"


def test_chapters_sharing_a_parent_website_stay_distinct_within_one_source():
    records = merge_listings([frame(
        listing("cfa:ro", "Code for Romania", "http://code4.ro/"),
        listing("cfa:iasi", "Code for Romania: Iasi Chapter", "http://code4.ro/"),
        listing("sdc:ro", "Code for Romania", "http://code4.ro", source="sdc"))],
        today=TODAY).source_records
    ids = records.set_index("record_id")["intermediary_id"]
    assert ids["cfa:ro"] != ids["cfa:iasi"]  # the source lists them as two organizations
    assert ids["sdc:ro"] == ids["cfa:ro"]  # the other source's listing of the same name and site


def test_one_source_listing_the_same_organization_twice_links_it():
    dc = listing("sdc:dc:urban", "Urban Institute", "https://urban.org", "DC", "sdc")
    md = listing("sdc:md:urban", "Urban Institute", "https://www.urban.org/", "MD", "sdc")
    merged = merge_listings([frame(dc, md)], today=TODAY)
    assert len(merged.intermediaries) == 1
    records = merged.source_records.set_index("record_id")
    assert records.loc["sdc:md:urban", "link_reason"] == "same_website"


def test_a_force_link_override_links_with_its_reason():
    rows = frame(listing("cfa:odp", "Open Data Philly", "https://opendataphilly.org", "PA"),
                 listing("nnip:philly", "OpenDataPhilly (Azavea)", None, "PA", source="nnip"))
    rule = overrides(("force_link", "cfa:odp", "nnip:philly", "", "", "same portal, renamed"))
    merged = merge_listings([rows], overrides=rule, today=TODAY)
    assert len(merged.intermediaries) == 1
    reasons = merged.source_records.set_index("record_id")["link_reason"]
    assert reasons["cfa:odp"] == "override: same portal, renamed"
    assert not merged.warnings


def test_a_never_link_override_keeps_two_listings_apart_with_the_rest_unchanged():
    rows = frame(listing("nnip:d3", "Data Driven Detroit", "https://datadrivendetroit.org", "MI",
                         source="nnip"),
                 listing("cfa:d3", "Data Driven Detroit", "https://datadrivendetroit.org", "MI"))
    assert len(merge_listings([rows], overrides=no_overrides(), today=TODAY).intermediaries) == 1
    rule = overrides(("never_link", "cfa:d3", "nnip:d3", "", "", "a brigade named after it"))
    merged = merge_listings([rows], overrides=rule, today=TODAY)
    assert len(merged.intermediaries) == 2
    assert set(merged.source_records["link_reason"]) == {"own record"}


def test_a_correction_is_used_for_linking_and_noted_but_the_listing_keeps_what_was_said():
    rows = frame(listing("cfa:cfb", "Code for Baltimore", "https://codeforbaltimore.org", "MD"),
                 listing("sdc:bnia", "Code for Baltimore", "https://bnia.org", "MD",
                         source="sdc"))
    rule = overrides(("correct", "sdc:bnia", "", "website", "https://codeforbaltimore.org",
                      "the SDC page gives the wrong site"))
    merged = merge_listings([rows], overrides=rule, today=TODAY)
    records = merged.source_records.set_index("record_id")
    assert records.loc["sdc:bnia", "website"] == "https://bnia.org"  # as the source said
    assert records.loc["cfa:cfb", "link_reason"] == "same_website"
    assert records.loc["sdc:bnia", "link_reason"] == (
        "own record; corrected website: the SDC page gives the wrong site")
    assert merged.intermediaries.loc[0, "website"] == "https://codeforbaltimore.org"


def test_overrides_naming_no_listing_or_without_reason_are_reported_not_fatal(tmp_path):
    path = tmp_path / "overrides.csv"
    path.write_text("action,source_key_a,source_key_b,field,value,reason\n"
                    "force_link,cfa:a,cfa:gone,,,merged in 2024\n"
                    "never_link,cfa:a,cfa:b,,,\n"
                    "correct,cfa:a,,state,Ohio,typo\n"
                    "shout,cfa:a,cfa:b,,,why not\n", encoding="utf-8")
    rows, problems = read_overrides(path)
    assert len(rows) == 1 and len(problems) == 3
    assert "line 3: every override needs a reason" in problems[0]
    assert "'Ohio' does not look like a state" in problems[1]
    assert "action 'shout'" in problems[2]
    merged = merge_listings([frame(listing("cfa:a", "A", state="OH"))], overrides=rows,
                            today=TODAY)
    assert merged.warnings == ("overrides.csv line 2: no listing has the key cfa:gone "
                               "(force_link: merged in 2024); row not applied",)


def test_the_bundled_overrides_file_is_valid():
    rows, problems = read_overrides(OVERRIDES_FILE)
    assert OVERRIDES_FILE.is_file() and not problems
    assert rows["reason"].str.len().gt(0).all()
