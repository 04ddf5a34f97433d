"""The Census State Data Center source, on recorded pages shaped like census.gov's (see
sources/sample/README.md and tests/fixtures/sdc/README.md): four state pages of different shapes
and one that lost its list."""

import pandas as pd
import pytest

from schemas.published import SOURCE_RECORDS
from schemas.sdc import SDC_AGENCIES
from schemas.table import published
from sources import sdc
from sources.base import Recorder
from sources.errors import FetchError, ParseError
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import SnapshotWriter
from tests.support import FIXTURES, Reply, make_snapshot, sample_bodies, serve

RECORDED = sample_bodies("sdc")  # member-network.html and member-network/<state>.html
PAGES = FIXTURES / "sdc"  # the hand-made variants: changed/, markup/
SITE = "https://www.census.gov/about/partners/sdc/"
NATIONAL_PATH = "/about/partners/sdc/member-network.html"
STATES = ("new-york", "texas", "guam", "district-of-columbia")
HTML = {"Content-Type": "text/html; charset=utf-8"}


def state_url(slug: str, site: str = SITE) -> str:
    return f"{site}member-network/{slug}.html"


def recorded(slug: str) -> bytes:
    return (RECORDED / "member-network" / f"{slug}.html").read_bytes()


def national_page() -> bytes:
    return (RECORDED / "member-network.html").read_bytes()


@pytest.fixture
def agencies(tmp_path):
    pages = {sdc.URL: national_page()} | {state_url(s): recorded(s) for s in STATES}
    return sdc.parse(make_snapshot(tmp_path, "sdc", pages)).records.set_index("record_id")


# --- the parser on recorded pages ---------------------------------------------------------------

def test_every_agency_on_every_state_page_is_a_row(agencies):
    summary = sdc.state_summary(agencies).set_index("state")
    assert summary.loc["NY", ["leads", "coordinating", "affiliates"]].tolist() == [1, 3, 4]
    assert summary.loc["TX", ["leads", "coordinating", "affiliates"]].tolist() == [1, 2, 12]
    assert summary.loc["DC", ["leads", "coordinating", "affiliates"]].tolist() == [1, 1, 2]
    assert summary["agencies"].sum() == len(agencies) == 28


def test_roles_come_from_the_headings_whatever_their_shape(agencies):
    # <h2> headings (New York)
    assert agencies.loc["sdc:ny:empire-state-development", "role"] == "lead"
    assert agencies.loc["sdc:ny:baruch-college", "role"] == "affiliate"
    # accordion buttons, agencies named by <h4> (Texas)
    assert agencies.loc["sdc:tx:texas-legislative-council", "role"] == "coordinating"
    assert agencies.loc["sdc:tx:rio-grande-council-of-governments", "role"] == "affiliate"
    # bold paragraphs instead of headings (District of Columbia)
    assert agencies.loc["sdc:dc:dc-public-library", "role"] == "coordinating"
    assert agencies.loc["sdc:dc:urban-institute", "role"] == "affiliate"


def test_a_multi_line_address_is_joined_and_gives_the_city(agencies):
    lead = agencies.loc["sdc:ny:empire-state-development"]
    assert lead["department"] == "New York State Data Center"
    assert lead["address"] == "625 Broadway, 8th Floor, Albany, NY 12245"
    assert lead["city"] == "Albany"


def test_websites_come_from_links_and_labels_and_missing_ones_stay_empty(agencies):
    assert agencies.loc["sdc:tx:texas-demographic-center", "website"] == (
        "https://demographics.texas.gov/")  # the linked name
    assert agencies.loc["sdc:tx:texas-state-library-and-archives-commission", "website"] == (
        "https://www.tsl.texas.gov/")  # a "Visit website" link
    assert agencies.loc["sdc:ny:capital-district-regional-planning-commission", "website"] == (
        "http://www.cdrpc.org")  # "Website: www.cdrpc.org" as plain text
    assert pd.isna(agencies.loc["sdc:tx:lower-rio-grande-valley-development-council", "website"])
    assert pd.isna(agencies.loc["sdc:dc:district-of-columbia-office-of-planning", "website"])


def test_a_lead_only_territory_given_as_a_table(agencies):
    guam = agencies[agencies["state"] == "GU"]
    assert guam["role"].tolist() == ["lead"]
    lead = guam.iloc[0]
    assert lead["name"] == "Guam Bureau of Statistics and Plans"
    assert lead["department"] == "Planning Information Program"
    assert lead["address"] == "P.O. Box 2950, Hagåtña, Guam 96932"
    assert lead["city"] == "Hagåtña"
    assert lead["contact_phone"] == "671-555-0110"
    # the closing remark ("no coordinating or affiliate agencies") is not a contact person;
    # "Contact: Taylor Placeholder, Planner IV" is a name and a job title
    assert lead["contact_person_name"] == "Taylor Placeholder"
    assert lead["contact_person_title"] == "Planner IV"


def test_contact_people_are_kept_apart_from_the_organization(agencies):
    lead = agencies.loc["sdc:ny:empire-state-development"]
    assert (lead["contact_phone"], lead["contact_email"]) == ("518-555-0100", "nysdc@example.org")
    assert lead["has_contact_person"]
    assert lead["contact_person_name"] == "Jordan Example"
    assert lead["contact_person_title"] == "Data Center Manager"
    assert lead["contact_person_email"] == "jordan.example@example.org"
    assert lead["contact_person_phone"] == "518-555-0142"


def test_several_contact_people_keep_the_published_order(agencies):
    dc = agencies.loc["sdc:dc:district-of-columbia-office-of-planning"]
    assert dc["contact_person_name"] == "Morgan Sample; Quinn Sample"  # names linked to mailto:
    assert dc["contact_person_title"] == "State Data Center Manager; Demographer"
    assert dc["contact_person_email"] == "morgan.sample@example.org; quinn.sample@example.org"
    texas = agencies.loc["sdc:tx:texas-demographic-center"]
    assert texas["contact_person_name"] == "Casey Placeholder; Riley Placeholder"


def test_agencies_without_contacts_say_so(agencies):
    baruch = agencies.loc["sdc:ny:baruch-college"]
    assert not baruch["has_contact_person"]
    assert baruch.isna()[["contact_person_name", "contact_person_email"]].all()


def test_states_are_usps_codes_and_every_row_is_a_us_state_data_center(agencies):
    assert set(agencies["state"]) == {"NY", "TX", "GU", "DC"}
    assert (agencies["country"] == "US").all()
    assert (agencies["kind"] == "state_data_center").all()


def test_every_row_carries_its_state_page_and_when_it_was_retrieved(agencies):
    expected = agencies["state"].map({"NY": state_url("new-york"), "TX": state_url("texas"),
                                      "GU": state_url("guam"),
                                      "DC": state_url("district-of-columbia")})
    assert (agencies["source_url"] == expected).all()
    assert (agencies["retrieved_at"] == "2026-11-01T00:00:00Z").all()


def test_one_name_twice_in_a_state_is_told_apart_by_department(agencies):
    cornell = agencies[agencies["name"] == "Cornell University"]
    assert sorted(cornell.index) == ["sdc:ny:cornell-university--albert-r-mann-library",
                                     "sdc:ny:cornell-university--program-on-applied-demographics"]


@pytest.mark.parametrize("variant", ["new-york-heading-names", "new-york-plain-names"])
def test_names_as_headings_or_plain_first_lines_give_the_same_agencies(variant):
    """Derived from the recorded New York page: names as <h3> like the role headings (and a
    same-level 'Related Information' heading after the last affiliate), or as the unmarked first
    line of each paragraph. The facts are the same, so the rows must be too."""
    url = state_url("new-york")
    derived = (PAGES / "markup" / f"{variant}.html").read_bytes()
    assert b"<b>Empire State Development" not in derived
    assert sdc.parse_state_page(derived, url) == sdc.parse_state_page(recorded("new-york"), url)


def test_a_same_level_heading_without_contact_details_ends_the_section():
    page = ("<main><h1>Vermont</h1><h3>Lead Agency</h3><h3>Vermont Data Office</h3>"
            "<p>1 Main Street<br>Montpelier, VT 05602</p><h3>Related Information</h3>"
            "<ul><li><a href='/x.html'>All State Data Centers</a></li></ul></main>")
    [lead] = sdc.parse_state_page(page, state_url("vermont"))
    assert (lead["name"], lead["role"], lead["city"]) == (
        "Vermont Data Office", "lead", "Montpelier")


@pytest.mark.parametrize("text, name, title", [
    ("Taylor Placeholder, Planner IV", "Taylor Placeholder", "Planner IV"),
    ("Casey Doe – State Demographer", "Casey Doe", "State Demographer"),
    ("Lee Roe, Jr., Demographer, GIS Unit", "Lee Roe, Jr.", "Demographer, GIS Unit"),
    ("Jordan Example", "Jordan Example", ""),
    ("Morgan Sample (morgan.sample@example.org)", "Morgan Sample", ""),
])
def test_a_contact_is_split_into_name_and_title(text, name, title):
    assert sdc.name_and_title(text) == (name, title)


# --- layout changes fail loudly -----------------------------------------------------------------

def test_a_state_page_without_its_agency_list_is_an_error_naming_the_page():
    maine = state_url("maine")
    with pytest.raises(sdc.NoAgencies) as error:
        sdc.parse_state_page((PAGES / "changed" / "maine.html").read_bytes(), maine)
    assert isinstance(error.value, ParseError) and error.value.url == maine
    assert "lists no agencies" in str(error.value)


def test_a_snapshot_with_an_emptied_state_page_fails_the_shape_check(tmp_path):
    maine = state_url("maine")
    pages = {sdc.URL: national_page(), state_url("guam"): recorded("guam"),
             maine: (PAGES / "changed" / "maine.html").read_bytes()}
    agencies = sdc.parse(make_snapshot(tmp_path, "sdc", pages)).records
    assert set(agencies["state"]) == {"GU"}  # Maine yields no agencies ...
    problem = sdc.health(agencies, {"states": ["GU", "ME"]})
    assert "no agencies for ME" in problem  # ... which the blocking expected_shape check reports
    assert "1 lead agencies, expected 56" in problem


@pytest.mark.parametrize("slug, name_markup", [
    ("guam", b'<a href="https://bsp.guam.gov/">Guam Bureau of Statistics and Plans</a>'),
    # without its name and its department line, the lead's paragraph starts with a street
    ("new-york", b'<b><a href="https://esd.ny.gov/">Empire State Development</a></b><br>\n'
                 b'            New York State Data Center<br>'),
])
def test_an_agency_without_a_name_fails(slug, name_markup):
    page = recorded(slug)
    assert name_markup in page
    with pytest.raises(ParseError, match="has no name") as error:
        sdc.parse_state_page(page.replace(name_markup, b""), state_url(slug))
    assert error.value.url == state_url(slug)


def test_a_snapshot_without_state_pages_fails(tmp_path):
    with pytest.raises(ParseError, match="no state pages"):
        sdc.parse(make_snapshot(tmp_path, "sdc", {sdc.URL: national_page()}))


# --- links and names ----------------------------------------------------------------------------

def test_state_links_are_resolved_deduplicated_and_kept_in_page_order():
    links = sdc.state_page_links(national_page(), sdc.URL)
    assert len(links) == len(set(links)) == 56
    assert links[:3] == [state_url("new-york"), state_url("texas"), state_url("guam")]
    assert state_url("virgin-islands") in links
    assert not any("steering-committee" in link or "#" in link for link in links)


def test_links_to_other_hosts_are_not_followed():
    links = sdc.state_page_links(national_page(), "http://127.0.0.1:8000" + NATIONAL_PATH)
    assert all(link.startswith("http://127.0.0.1:8000/") for link in links)
    # the absolute census.gov link to Texas is dropped; its relative twin stays
    assert len(links) == 56


@pytest.mark.parametrize("text, code", [
    ("New York", "NY"), ("new-york", "NY"), ("District of Columbia", "DC"),
    ("U.S. Virgin Islands", "VI"), ("Commonwealth of the Northern Mariana Islands", "MP"),
    ("Texas State Data Center", "TX"), ("steering-committee", None), ("", None),
])
def test_state_names_become_usps_codes(text, code):
    assert sdc.state_code(text) == code


# --- checks the pipeline runs on the records ----------------------------------------------------

def test_lead_count_problem_names_the_states_without_a_lead(agencies):
    assert sdc.lead_count_problem(agencies, expected_leads=4) is None
    problem = sdc.lead_count_problem(agencies)
    assert problem.startswith("4 lead agencies, expected 56; no lead for AK, AL, AR")
    assert "and 42 more" in problem


def test_the_expected_lead_count_is_a_setting_of_the_health_check(agencies):
    records = agencies.reset_index()
    assert "4 lead agencies, expected 56" in sdc.SOURCE.health(records, None)
    four = sdc.SOURCE.configured(sdc.SdcSettings(expected_leads=4))
    assert four.health(records, None) is None
    assert four.health.__doc__ == sdc.health.__doc__  # the UI describes the check by it


def test_lead_count_problem_flags_two_leads_in_one_state():
    records = pd.DataFrame({"state": ["NY", "NY", "TX"], "role": ["lead", "lead", "affiliate"]})
    assert "more than one lead in NY" in sdc.lead_count_problem(records, expected_leads=2)


def test_missing_states_problem_names_states_that_lost_their_agencies(agencies):
    assert sdc.missing_states_problem(agencies, {"NY", "TX"}) is None
    problem = sdc.missing_states_problem(agencies, {"NY", "TX", "ME", "VT"})
    assert problem.startswith("no agencies for ME, VT")


def test_listings_carry_the_shared_columns_and_the_role(agencies):
    listings = sdc.to_listings(agencies.reset_index())
    not_sdc = ("intermediary_id", "link_reason", "government_level", "government_unit",
               "service_area", "zip")  # left empty by the merge (an agency serves its state)
    shared = [c for c in SOURCE_RECORDS.columns if c not in not_sdc]
    assert set(shared) <= set(listings.columns)  # role and department included
    row = listings.set_index("record_id").loc["sdc:ny:empire-state-development"]
    assert (row["source"], row["source_key"], row["role"]) == (
        "sdc", "ny:empire-state-development", "lead")
    assert row["source_url"] == state_url("new-york")
    assert listings["events_url"].isna().all() and listings["latitude"].isna().all()


# --- the fetch plan against a local server ------------------------------------------------------

def fetch_from(server, tmp_path):
    client = PoliteClient(source="sdc", settings=HttpSettings(per_host_delay=0, backoff_factor=0,
                                                              retries=1))
    writer = SnapshotWriter(tmp_path, "sdc")
    try:
        sdc.fetch(Recorder(client, writer), server.url + NATIONAL_PATH, {})
    finally:
        client.close()
    return writer.close()


def test_fetch_follows_the_state_links_and_carries_on_past_failed_pages(tmp_path):
    routes = {NATIONAL_PATH: Reply(national_page(), headers=HTML)}
    routes |= {f"/about/partners/sdc/member-network/{s}.html": Reply(recorded(s), headers=HTML)
               for s in STATES}
    with serve(routes) as server:
        snapshot = fetch_from(server, tmp_path)
    assert server.requests[0].path == "/robots.txt"  # a 404 there means allowed
    assert len(server.hits("/about/partners/sdc/member-network/new-york.html")) == 1
    assert len(snapshot.pages) == 5
    assert len(snapshot.failures) == 52  # the other states answer 404 here
    records = sdc.parse(snapshot).records
    assert set(records["state"]) == {"NY", "TX", "GU", "DC"}
    guam = records[records["state"] == "GU"].iloc[0]
    page = snapshot.page(guam["source_url"])
    assert guam["source_url"].endswith("/about/partners/sdc/member-network/guam.html")
    assert guam["retrieved_at"] == page.retrieved_at


def test_fetch_fails_when_the_national_page_fails(tmp_path):
    with serve({}) as server, pytest.raises(FetchError, match="HTTP 404"):
        fetch_from(server, tmp_path)


def test_contact_people_are_withheld_from_the_release_unless_asked_for():
    withheld = published(SDC_AGENCIES).columns
    assert "has_contact_person" in withheld and "contact_email" in withheld
    assert not any(c.startswith("contact_person_") for c in withheld)
    assert "contact_person_email" in published(SDC_AGENCIES, include_personal=True).columns


# --- regressions found by fuzzing (tests/fuzz) --------------------------------------------------

def test_a_link_with_an_unclosed_bracket_is_no_link():
    """urljoin raises ValueError ('Invalid IPv6 URL') for 'http://[x': skipped, not fatal."""
    national = ('<a href="http://[x/member-network/ohio.html">Ohio</a>'
                '<a href="member-network/iowa.html">Iowa</a>')
    assert sdc.state_page_links(national, sdc.URL) == [state_url("iowa")]
    page = ("<main><h1>Iowa</h1><h2>Lead Agency</h2><p><b><a href='http://[x'>Iowa Data</a></b>"
            "<br>1 Main Street<br>Des Moines, IA 50309</p></main>")
    [lead] = sdc.parse_state_page(page, state_url("iowa"))
    assert lead["name"] == "Iowa Data" and lead["website"] is None


def test_record_ids_stay_unique_when_a_numbered_id_meets_a_real_one():
    rows = [{"state": "NY", "name": n, "department": None} for n in ("X", "X", "X 2")]
    ids = [row["record_id"] for row in sdc.with_record_ids(rows)]
    assert len(set(ids)) == 3, ids
