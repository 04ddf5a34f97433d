"""Linking, by example: which listings are one organization, which are not, and why."""


import numpy as np
import pandas as pd
import pytest

from pipelines.link.match import link
from pipelines.link.merge import source_rank
from pipelines.link.normalise import normalise_names


def listings(*rows):
    """Listings from (source, key, name, extra columns) rows; keys default to the name."""
    return pd.DataFrame([{"source": source, "source_key": key, "name": name, **extra}
                         for source, key, name, extra in rows])


def groups(frame):
    """Cluster anchor and link reason per key, sources ranked as the pipeline ranks them."""
    linked = link(frame, rank=source_rank(frame["source"].tolist()))
    by_key = dict(zip(frame["source"] + ":" + frame["source_key"], linked.cluster,
                      strict=True))
    reasons = dict(zip(frame["source"] + ":" + frame["source_key"], linked.link_reason,
                       strict=True))
    return by_key, reasons


def test_names_are_normalised_once_for_linking():
    assert normalise_names(["The Code for Philly, Inc.", "Women’s Data Ctr & Lab LLC",
                            "Fundación São Paulo"]) == [
        "code for philly", "womens data center and lab", "fundacion sao paulo"]
    assert normalise_names(["The", None, "Inc."]) == [None, None, None]


def test_a_rename_on_the_same_website_links_across_sources():
    frame = listings(
        ("nnip", "detroit", "Data Driven Detroit", {"website": "https://datadrivendetroit.org"}),
        ("cfa", "d3", "D3", {"website": "http://www.datadrivendetroit.org/about/"}))
    cluster, reasons = groups(frame)
    assert cluster["nnip:detroit"] == cluster["cfa:d3"]
    assert reasons == {"nnip:detroit": "own record", "cfa:d3": "same_website"}


def test_a_shared_host_alone_identifies_nobody():
    frame = listings(
        ("cfa", "a", "Civic Hackers Guild", {"website": "https://github.com", "state": "OH"}),
        ("act", "b", "Open Civic Collective", {"website": "https://github.com/", "state": "OH"}),
        ("nnip", "c", "Data Commons Group", {"website": "https://www.facebook.com"}))
    cluster, _ = groups(frame)
    assert len(set(cluster.values())) == 3


def test_paths_on_a_shared_host_are_different_organizations_unless_equal():
    frame = listings(
        ("cfa", "a", "Code for A", {"website": "https://www.meetup.com/a/"}),
        ("act", "b", "Code for B", {"website": "https://meetup.com/b"}),
        ("sdc", "gh-a", "Hack Org", {"website": "https://github.com/hackorg"}),
        ("nnip", "gh-b", "Other Org", {"website": "https://github.com/otherorg"}),
        ("act", "gh-a2", "Hack Org Members", {"website": "https://GitHub.com/HackOrg/"}))
    cluster, reasons = groups(frame)
    assert cluster["cfa:a"] != cluster["act:b"]
    assert cluster["sdc:gh-a"] == cluster["act:gh-a2"] != cluster["nnip:gh-b"]
    assert reasons["act:gh-a2"] == "same_shared_host_path"


def test_a_brigade_events_url_and_the_meetup_group_link_as_the_same_meetup_group():
    frame = listings(
        ("cfa", "codeforabq.org", "Code for ABQ",
         {"website": "http://codeforabq.org", "events_url": "https://www.meetup.com/Code-for-ABQ"}),
        ("meetup", "code-for-abq", "Code for Albuquerque",
         {"events_url": "https://www.meetup.com/code-for-abq/", "kind": "civic_tech_group"}))
    cluster, reasons = groups(frame)
    assert cluster["cfa:codeforabq.org"] == cluster["meetup:code-for-abq"]
    assert reasons["meetup:code-for-abq"] == "same_meetup_group"


def test_close_names_in_the_same_city_link_and_say_how_close():
    frame = listings(
        ("irs_bmf", "310000001", "The Greater Dayton Community Foundation, Inc.",
         {"city": "Dayton", "state": "OH"}),
        ("sdc", "oh:gdcf", "Greater Dayton Comunity Foundation",
         {"city": "DAYTON", "state": "OH"}),
        ("sdc", "ky:gdcf", "Greater Dayton Community Foundation",
         {"city": "Dayton", "state": "KY"}))
    cluster, reasons = groups(frame)
    assert cluster["irs_bmf:310000001"] == cluster["sdc:oh:gdcf"] != cluster["sdc:ky:gdcf"]
    assert reasons["irs_bmf:310000001"] == "name_similarity=0.97; same_city"


@pytest.mark.parametrize(("name_a", "name_b"), [
    ("Center for Poetry Studies", "Center for Film Studies"),
    ("Region 1 Planning Council", "Region 2 Planning Council"),
    ("North County Planning Council", "South County Planning Council"),
    ("Nelson Family Foundation", "Wilson Family Foundation"),
    ("Martin Family Foundation", "Martinez Family Foundation"),
    ("Code for Ri", "Code for Rio"),
    ("NYC Open Data Team", "NYS Open Data Team"),
])
def test_hard_negatives_in_one_city_stay_apart(name_a, name_b):
    frame = listings(("irs_bmf", "a", name_a, {"city": "Ithaca", "state": "NY"}),
                     ("sdc", "b", name_b, {"city": "Ithaca", "state": "NY"}))
    cluster, _ = groups(frame)
    assert cluster["irs_bmf:a"] != cluster["sdc:b"]


def test_two_departments_of_one_university_stay_apart():
    frame = listings(
        ("sdc", "ny:cornell-university--program-on-applied-demographics", "Cornell University",
         {"department": "Program on Applied Demographics", "city": "Ithaca", "state": "NY",
          "website": "https://pad.human.cornell.edu/"}),
        ("sdc", "ny:cornell-university--albert-r-mann-library", "Cornell University",
         {"department": "Albert R. Mann Library", "city": "Ithaca", "state": "NY"}),
        ("irs_bmf", "150532082", "Cornell University", {"city": "Ithaca", "state": "NY"}))
    cluster, _ = groups(frame)
    assert len({cluster["sdc:ny:cornell-university--program-on-applied-demographics"],
                cluster["sdc:ny:cornell-university--albert-r-mann-library"]}) == 2
    # the university's own listing may join one department, never both
    assert len(set(cluster.values())) >= 2


def test_governments_of_different_levels_never_merge():
    frame = listings(
        ("dotgov", "daytonohio.gov", "City of Dayton",
         {"website": "https://www.daytonohio.gov", "city": "Dayton", "state": "OH",
          "kind": "local_government", "government_level": "city"}),
        ("sdc", "oh:montgomery-county", "Montgomery County",
         {"website": "https://daytonohio.gov/", "city": "Dayton", "state": "OH",
          "kind": "local_government", "government_level": "county"}))
    cluster, _ = groups(frame)
    assert cluster["dotgov:daytonohio.gov"] != cluster["sdc:oh:montgomery-county"]


def test_a_civic_tech_group_never_merges_into_its_city_government():
    frame = listings(
        ("dotgov", "daytonohio.gov", "City of Dayton",
         {"website": "https://www.daytonohio.gov", "city": "Dayton", "state": "OH",
          "kind": "local_government", "government_level": "city"}),
        ("cfa", "city-of-dayton", "City of Dayton",
         {"city": "Dayton", "state": "OH", "kind": "brigade",
          "website": "https://daytonohio.gov"}))
    cluster, _ = groups(frame)
    assert cluster["dotgov:daytonohio.gov"] != cluster["cfa:city-of-dayton"]


def test_no_chain_of_links_breaks_a_rule():
    """Two State Data Center listings reached through one CFA listing stay apart."""
    frame = listings(
        ("sdc", "oh:a", "Ohio Data Office", {"website": "https://data.ohio.gov",
                                             "city": "Columbus", "state": "OH"}),
        ("cfa", "x", "Ohio Data Office", {"website": "https://data.ohio.gov",
                                          "city": "Columbus", "state": "OH"}),
        ("sdc", "oh:b", "Ohio Data Offices", {"city": "Columbus", "state": "OH"}))
    cluster, _ = groups(frame)
    assert cluster["sdc:oh:a"] == cluster["cfa:x"] != cluster["sdc:oh:b"]


def test_the_same_name_in_several_cities_says_nothing_about_a_listing_without_one():
    frame = listings(
        ("irs_bmf", "1", "Jackson Family Foundation", {"city": "Lyons", "state": "OR"}),
        ("irs_bmf", "2", "Jackson Family Foundation", {"city": "Malin", "state": "OR"}),
        ("sdc", "or:jff", "The Jackson Family Foundation", {"state": "OR"}),
        ("sdc", "or:wdc", "Willamette Data Cooperative", {"state": "OR"}),
        ("cfa", "wdc", "Willamette Data Cooperative, Inc.", {"state": "OR"}))
    cluster, reasons = groups(frame)
    assert len({cluster["irs_bmf:1"], cluster["irs_bmf:2"], cluster["sdc:or:jff"]}) == 3
    assert cluster["sdc:or:wdc"] == cluster["cfa:wdc"]
    assert reasons["cfa:wdc"] == "name_similarity=1.00; same_state"


def test_clusters_do_not_depend_on_row_order():
    frame = listings(
        ("nnip", "detroit", "Data Driven Detroit", {"website": "https://datadrivendetroit.org",
                                                   "city": "Detroit", "state": "MI"}),
        ("cfa", "d3", "Data Driven Detroit", {"website": "http://datadrivendetroit.org",
                                              "city": "Detroit", "state": "MI"}),
        ("sdc", "mi:d3", "Data-Driven Detroit", {"city": "Detroit", "state": "MI"}),
        ("irs_bmf", "123", "Data Driven Detroit Inc", {"city": "Detroit", "state": "MI"}))
    keys = (frame["source"] + ":" + frame["source_key"]).tolist()
    forward = link(frame)
    backward = link(frame.iloc[::-1].reset_index(drop=True))
    anchor = {keys[i]: keys[c] for i, c in enumerate(forward.cluster)}
    back_keys = keys[::-1]
    assert anchor == {back_keys[i]: back_keys[c] for i, c in enumerate(backward.cluster)}
    assert dict(zip(keys, forward.link_reason, strict=True)) == dict(
        zip(back_keys, backward.link_reason, strict=True))


def test_two_thousand_similar_listings_stay_apart_when_their_sites_differ():
    """Speed lives in bench/link_synthetic.py; here, that near-identical names in many towns
    with their own websites are not merged wholesale."""
    rng = np.random.default_rng(1)
    words = ["Data", "Civic", "Open", "Housing", "Health", "Youth", "Arts", "Policy", "Lab"]
    rows = [("cfa" if i % 2 else "sdc", str(i),
             " ".join(rng.choice(words, 3)) + f" {['Center', 'Council', 'Fund'][i % 3]}",
             {"city": f"Town {i % 50}", "state": "OH", "website": f"https://org{i}.org"})
            for i in range(2000)]
    linked = link(listings(*rows))
    assert len(linked.link_reason) == 2000
    assert len(set(linked.cluster)) > 1900  # a few same-named groups of one town may link


def test_the_recorded_sources_hold_no_duplicate_organization():
    """All fixture snapshots (the Code for America one is the real reference sample of
    organizations.json) linked together: no two organizations share a website (but campuses
    of one university), and two with
    one name in one state are told apart by their department or are one source's listings of
    different places (the towns of Dayton in Wisconsin)."""
    from pipelines.link.merge import merge_listings
    from sources.keys import url_key
    from sources.registry import SOURCES
    from sources.rejects import as_parsed
    from sources.snapshot import SAMPLE_SNAPSHOTS, latest_snapshot

    root = SAMPLE_SNAPSHOTS
    listings = [s.to_listings(as_parsed(s.parse(latest_snapshot(root, s.name))).records)
                for s in SOURCES]
    merged = merge_listings(listings, today="2026-12-01")
    organizations = merged.intermediaries.assign(
        site=merged.intermediaries["website"].map(url_key),
        norm=normalise_names(merged.intermediaries["name"].tolist()))
    sites = organizations.dropna(subset=["site"])
    shared = sites[sites["site"].duplicated(keep=False)]
    # only campuses IPEDS lists apart share their institution's site (Kent State's Salem and
    # East Liverpool campuses: kent.edu/columbiana); they are never linked into one
    assert (shared["kind"] == "university").all() and len(shared) == 6, shared
    same = organizations[organizations.duplicated(["norm", "state"], keep=False)]
    for _, group in same.groupby(["norm", "state"]):
        told_apart = group["department"].nunique() == len(group) or (
            group["sources"].nunique() == 1 and group["city"].nunique() == len(group))
        assert told_apart, group
    sources_of = organizations.set_index("name")["sources"]
    assert sources_of["BetaNYC"] == "cfa; meetup; act"
    assert sources_of["Urban Institute"] == "nnip; sdc"
    assert sources_of["Code for ABQ"] == "cfa; meetup; meetup_search"


def test_one_source_s_listings_of_one_name_in_one_place_are_one_organization():
    """'Community Foundation of Missoula' three times in the BMF (the foundation, a supporting
    organization, a fund: three EINs) is one contact for a resident."""
    place = {"city": "Missoula", "state": "MT", "kind": "community_foundation"}
    frame = listings(
        ("irs_bmf", "810000001", "COMMUNITY FOUNDATION OF MISSOULA", place),
        ("irs_bmf", "810000002", "Community Foundation of Missoula, Inc.", place),
        ("irs_bmf", "810000003", "Community Foundation of Missoula", place),
        ("irs_bmf", "810000004", "Community Foundation of Missoula",  # another city
         {**place, "city": "Helena"}),
        ("irs_bmf", "810000005", "Missoula Community Foundation", place),  # another name
        ("irs_bmf", "810000007", "Community Foundation of Missoula",  # another kind
         {**place, "kind": "private_foundation"}),
        ("irs_bmf", "810000006", "Community Foundation of Missoula",  # no city: nothing known
         {"state": "MT", "kind": "community_foundation"}))
    cluster, reasons = groups(frame)
    trio = {cluster[f"irs_bmf:81000000{i}"] for i in (1, 2, 3)}
    assert len(trio) == 1
    assert len(set(cluster.values())) == 5  # the trio, and each of the four others alone
    assert sorted(reasons[f"irs_bmf:81000000{i}"] for i in (1, 2, 3)) == [
        "own record", "same_name_same_place", "same_name_same_place"]


def test_one_name_in_one_place_never_joins_listings_with_different_websites():
    place = {"city": "Dayton", "state": "OH", "kind": "civic_tech"}
    frame = listings(
        ("cfa", "a", "Open Dayton", {**place, "website": "https://opendayton.org"}),
        ("cfa", "b", "Open Dayton", {**place, "website": "https://daytonopen.org"}),
        ("cfa", "c", "Open Dayton", place))
    cluster, _ = groups(frame)
    assert len(set(cluster.values())) == 3
