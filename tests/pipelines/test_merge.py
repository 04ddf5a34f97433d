"""Linking listings into organizations: same website, or same name in the same state."""

import pandas as pd
import pytest

from pipelines.merge import LISTING_COLUMNS, intermediary_id, link, merge, normalise_website


def listing(record_id, name, website=None, state=None, source="cfa"):
    row = dict.fromkeys(LISTING_COLUMNS)
    row.update(record_id=record_id, name=name, website=website, state=state, source=source,
               source_key=name, kind="brigade", source_url="https://example.org/list",
               retrieved_at="2026-11-01T00:00:00Z")
    return row


def frame(*rows):
    return pd.DataFrame(list(rows), columns=LISTING_COLUMNS).astype({"latitude": float,
                                                                      "longitude": float})


def test_websites_match_ignoring_scheme_www_and_trailing_slash():
    assert normalise_website("HTTPS://www.Beta.NYC/") == normalise_website("http://beta.nyc")
    assert normalise_website("") is None and normalise_website(None) is None


def test_listings_with_the_same_website_become_one_organization():
    linked = link(frame(listing("nnip:a", "Data Driven Detroit", "https://datadrivendetroit.org",
                                "MI", "nnip"),
                        listing("cfa:b", "D3", "http://www.datadrivendetroit.org/", "MI")))
    assert linked["intermediary_id"].nunique() == 1
    assert linked["link_reason"].tolist() == ["own record", "same website"]


def test_same_name_links_only_within_one_state():
    linked = link(frame(listing("a", "Code for Springfield", state="IL"),
                        listing("b", "Code  for Springfield!", state="IL"),
                        listing("c", "Code for Springfield", state="MA")))
    ids = linked["intermediary_id"].tolist()
    assert ids[0] == ids[1] != ids[2]
    assert linked.loc[1, "link_reason"] == "same name in same state"


def test_ids_are_stable_and_come_from_the_anchor_listing():
    rows = [listing("cfa:x", "X", "http://x.org"), listing("cfa:y", "Y", "http://y.org")]
    first, _ = merge([frame(*rows)])
    again, _ = merge([frame(*reversed(rows))])
    assert sorted(first["intermediary_id"]) == sorted(again["intermediary_id"])
    assert intermediary_id("cfa:x") in set(first["intermediary_id"])


def test_an_organization_lists_every_source_it_appears_in():
    cfa = frame(listing("cfa:a", "Open Data Org", "http://odo.org", "PA"))
    nnip = frame(listing("nnip:a", "Open Data Org", "http://odo.org", "PA", source="nnip"))
    intermediaries, source_records = merge([cfa, nnip])
    assert len(intermediaries) == 1 and len(source_records) == 2
    assert intermediaries.loc[0, "sources"] == "cfa; nnip"


def test_organizations_with_only_a_us_city_get_its_centre_and_say_so():
    given = listing("cfa:a", "Has coordinates", state="MD")
    given.update(city="Baltimore", country="US", latitude=39.3, longitude=-76.6)
    city_only = listing("sdc:b", "City only", state="MD", source="sdc")
    city_only.update(city="Baltimore", country="US")
    nowhere = listing("sdc:c", "No city", state="MD", source="sdc")
    intermediaries, _ = merge([frame(given, city_only, nowhere)])
    by_name = intermediaries.set_index("name")
    assert by_name.loc["Has coordinates", "location_precision"] == "source"
    assert by_name.loc["City only", "location_precision"] == "city"
    assert by_name.loc["City only", "latitude"] == pytest.approx(39.3, abs=0.1)
    assert by_name.loc["No city", "location_precision"] == "state"  # the state's centre
    assert by_name.loc["City only", "county_fips"] == "24510"  # Baltimore city
    assert by_name.loc["No city", "state_fips"] == "24"


def test_chapters_sharing_a_parent_website_stay_distinct_within_one_source():
    linked = link(frame(listing("cfa:ro", "Code for Romania", "http://code4.ro/"),
                        listing("cfa:iasi", "Code for Romania: Iasi Chapter", "http://code4.ro/"),
                        listing("sdc:ro", "Code for Romania", "http://code4.ro", source="sdc")))
    ids = linked["intermediary_id"].tolist()
    assert ids[0] != ids[1]  # the source lists them as two organizations
    assert ids[2] == ids[0]  # another source's listing of the same site is the same organization


def test_one_source_listing_the_same_organization_twice_links_it():
    dc = listing("sdc:dc:urban", "Urban Institute", "https://urban.org", "DC", "sdc")
    md = listing("sdc:md:urban", "Urban Institute", "https://www.urban.org/", "MD", "sdc")
    linked = link(frame(dc, md))
    assert linked["intermediary_id"].nunique() == 1
