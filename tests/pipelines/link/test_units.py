"""Universities and their units: a listing on a university's registrable domain is its own
organization with ``part_of`` = the university, never merged into it; a brigade named after
a campus is never merged into a university and never a unit; universities never link with
another kind, by website or by a similar name."""

import pandas as pd

from pipelines.link.merge import merge_listings
from pipelines.link.units import site, university_units
from tests.pipelines.link.test_merge import TODAY, frame, listing


def ipeds(unitid, name, website, city, state, **more):
    return listing(f"ipeds:{unitid}", name, website, state, source="ipeds", kind="university",
                   city=city, country="US", **more)


def sdc(key, name, website, city, state, **more):
    return listing(f"sdc:{key}", name, website, state, source="sdc", kind="state_data_center",
                   role="affiliate", city=city, **more)


UNIVERSITIES = frame(
    ipeds("190415", "Cornell University", "https://www.cornell.edu/", "Ithaca", "NY"),
    ipeds("202480", "University of Dayton", "https://udayton.edu/", "Dayton", "OH"),
    ipeds("147703", "Northern Illinois University", "https://www.niu.edu/", "DeKalb", "IL"),
    ipeds("130943", "University of Delaware", "https://www.udel.edu/", "Newark", "DE"),
    ipeds("214777", "Pennsylvania State University-Main Campus", "https://www.psu.edu/",
          "University Park", "PA"),
    ipeds("214713", "Pennsylvania State University-Penn State Harrisburg",
          "https://harrisburg.psu.edu/", "Middletown", "PA"),
)
OTHERS = [
    frame(
        sdc("ny:cornell-university", "Cornell University", "https://pad.human.cornell.edu/",
            "Ithaca", "NY"),
        sdc("oh:ecommons", "University of Dayton eCommons", "https://ecommons.udayton.edu/",
            "Dayton", "OH"),
        sdc("de:university-of-delaware", "University of Delaware", None, "Newark", "DE"),
        sdc("pa:pasdc", "Pennsylvania State Data Center", "https://pasdc.harrisburg.psu.edu/",
            "Middletown", "PA"),
    ),
    frame(listing("cfa:techbark", "Northern Illinois University (Tech Bark)",
                  "https://www.niu.edu/", "IL", city="DeKalb", kind="brigade"),
          listing("cfa:dayton-hackers", "Dayton Civic Hackers", "https://hack.udayton.edu/",
                  "OH", city="Dayton", kind="civic_tech_group")),
]


def merged():
    return merge_listings([*OTHERS, UNIVERSITIES], today=TODAY)


def by_name(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("name")


def test_a_listing_on_a_universitys_subdomain_is_its_unit_not_merged():
    result = merged()
    organizations = result.intermediaries
    ids = organizations[organizations["kind"] == "university"].set_index("name")[
        "intermediary_id"]
    units = organizations[organizations["part_of"].notna()]
    assert dict(zip(units["name"], units["part_of"].map({v: k for k, v in ids.items()}),
                    strict=True)) == {
        "Cornell University": "Cornell University",
        "University of Dayton eCommons": "University of Dayton",
        "Pennsylvania State Data Center":
            "Pennsylvania State University-Penn State Harrisburg",  # the longest host suffix
    }
    cornell = organizations[organizations["name"] == "Cornell University"]
    assert len(cornell) == 2 and set(cornell["kind"]) == {"university", "state_data_center"}
    reasons = by_name(result.source_records)["link_reason"]
    assert reasons["University of Dayton eCommons"] == (
        f"own record; unit of University of Dayton ({ids['University of Dayton']}): its "
        "website ecommons.udayton.edu is on udayton.edu")
    assert (organizations[organizations["kind"] == "university"]["part_of"].isna()).all()


def test_a_brigade_meeting_on_campus_stays_civic_tech_and_is_no_unit():
    organizations = by_name(merged().intermediaries)
    bark = organizations.loc["Northern Illinois University (Tech Bark)"]
    assert bark["kind"] == "brigade" and bark["sources"] == "cfa"  # same website, not merged
    assert pd.isna(bark["part_of"])
    assert pd.isna(organizations.loc["Dayton Civic Hackers", "part_of"])  # on udayton.edu
    assert organizations.loc["Northern Illinois University", "sources"] == "ipeds"


def test_a_university_never_links_with_another_kind_by_a_similar_name():
    organizations = merged().intermediaries
    delaware = organizations[organizations["name"] == "University of Delaware"]
    assert sorted(delaware["sources"]) == ["ipeds", "sdc"]  # same name, same city: apart
    assert delaware["part_of"].isna().all()  # no website: nothing says it is a unit


def test_campuses_of_one_institution_with_one_website_stay_apart():
    campuses = frame(ipeds("241100", "American University of Puerto Rico", "https://aupr.edu/",
                           "Bayamon", "PR"),
                     ipeds("241128", "American University of Puerto Rico", "https://aupr.edu/",
                           "Manati", "PR"))
    organizations = merge_listings([campuses], today=TODAY).intermediaries
    assert len(organizations) == 2


def test_site_is_the_host_and_its_registrable_domain():
    assert site("https://pad.human.cornell.edu/") == ("pad.human.cornell.edu", "cornell.edu",
                                                      False)
    assert site("www.kent.edu/columbiana") == ("kent.edu", "kent.edu", True)
    assert site(None) is None and site("https://localhost/") is None


def test_only_unit_kinds_on_a_university_domain_are_units():
    organizations = pd.DataFrame({
        "intermediary_id": ["im-000000000001", "im-000000000002", "im-000000000003"],
        "name": ["University of Dayton", "Dayton Data Lab", "City of Dayton"],
        "kind": ["university", "nnip_partner", "local_government"],
        "website": ["https://udayton.edu/", "https://www.udayton.edu/data", "https://udayton.edu/"],
    })
    part_of, why = university_units(organizations)
    assert part_of.tolist() == [None, "im-000000000001", None]
    assert list(why) == ["im-000000000002"]
