"""NNIP partners: the parser on recorded profile pages, and the fetch plan against a local server.

The recorded pages (the nnip sample snapshot's bodies) are a listing of five partners (Baltimore,
Columbus, Detroit, New Orleans, and the joint Washington, DC partnership of two organizations) and
their profiles; tests/fixtures/nnip/ holds hand-made variants of them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pipelines.fetch.records import count_problem
from pipelines.link.merge import LISTING_COLUMNS
from sources import nnip
from sources.base import Recorder
from sources.errors import FetchError, ParseError
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import Snapshot, SnapshotWriter
from tests.support import FIXTURES, Reply, make_snapshot, sample_bodies, serve

RECORDED = sample_bodies("nnip")  # listing.html and the five profile_*.html
PAGES = FIXTURES / "nnip"  # the hand-made variants
PROFILES = {
    "baltimore": "profile_baltimore.html",
    "columbus": "profile_columbus.html",
    "detroit": "profile_detroit.html",
    "new-orleans": "profile_new_orleans.html",
    "washington-dc": "profile_washington_dc.html",
}
RETRIEVED_AT = "2026-11-01T00:00:00Z"


def fixture(name: str) -> bytes:
    return (RECORDED / name if (RECORDED / name).is_file() else PAGES / name).read_bytes()


def profile_url(slug: str) -> str:
    return f"{nnip.URL}/{slug}"


def recorded_snapshot(root: Path, listing: str = "listing.html", **replaced: str) -> Snapshot:
    """The listing and every profile, as a fetch would have archived them.

    ``replaced`` swaps a profile's page for another fixture (``detroit="profile_no_name.html"``).
    """
    pages = {nnip.URL: fixture(listing)}
    for slug, name in PROFILES.items():
        pages[profile_url(slug)] = fixture(replaced.get(slug.replace("-", "_"), name))
    return make_snapshot(root, "nnip", pages, retrieved_at=RETRIEVED_AT)


@pytest.fixture
def partners(tmp_path: Path):
    return nnip.parse(recorded_snapshot(tmp_path)).records


def row(partners, name: str) -> dict:
    rows = partners[partners["name"] == name]
    assert len(rows) == 1, f"expected one row named {name!r}"
    return rows.iloc[0].to_dict()


# --- the parser on recorded pages -----------------------------------------------------------------

def test_every_partner_organization_is_one_row(partners):
    assert sorted(partners["name"]) == [
        "Baltimore Neighborhood Indicators Alliance–Jacob France Institute",
        "Community Research Partners",
        "Data Driven Detroit",
        "The Data Center",
        "Urban Institute",
        "Washington DC Local Initiatives Support Corporation (LISC)",
    ]
    assert set(partners["kind"]) == {"nnip_partner"}
    assert partners["record_id"].is_unique


def test_a_joint_partnership_gives_one_row_per_organization_sharing_the_partnership(partners):
    dc = partners[partners["partnership"] == "washington-dc"]
    assert list(dc["name"]) == [
        "Urban Institute", "Washington DC Local Initiatives Support Corporation (LISC)"
    ]
    assert list(dc["website"]) == ["https://www.urban.org/", "https://www.lisc.org/dc/"]
    assert set(dc["city"]) == {"Washington"} and set(dc["state"]) == {"DC"}
    assert set(dc["year_joined"]) == {1997}
    assert set(dc["source_url"]) == {profile_url("washington-dc")}


def test_a_partnership_email_goes_to_the_organization_whose_domain_it_is(partners):
    assert row(partners, "Urban Institute")["contact_email"] == "neighborhoodinfodc@urban.org"
    lisc = row(partners, "Washington DC Local Initiatives Support Corporation (LISC)")
    assert pd.isna(lisc["contact_email"])


def test_a_profile_without_website_or_year_leaves_them_empty(partners):
    columbus = row(partners, "Community Research Partners")
    assert pd.isna(columbus["website"]) and pd.isna(columbus["year_joined"])
    assert pd.isna(columbus["contact_email"]) and pd.isna(columbus["contact_phone"])
    assert columbus["city"] == "Columbus" and columbus["state"] == "OH"
    assert columbus["description"].startswith("Community Research Partners is a nonprofit")


def test_fields_are_read_by_their_labels(partners):
    detroit = row(partners, "Data Driven Detroit")
    assert detroit["website"] == "https://datadrivendetroit.org/"
    assert detroit["year_joined"] == 2009
    assert (detroit["city"], detroit["state"]) == ("Detroit", "MI")
    baltimore = row(partners, "Baltimore Neighborhood Indicators Alliance–Jacob France Institute")
    assert baltimore["website"] == "https://bniajfi.org/"  # from the separate Website field


def test_state_is_a_usps_code_even_when_the_profile_names_only_the_city(partners):
    assert dict(zip(partners["partnership"], partners["state"], strict=True)) == {
        "baltimore": "MD", "columbus": "OH", "detroit": "MI", "new-orleans": "LA",
        "washington-dc": "DC",
    }
    # The New Orleans profile says only "New Orleans"; the listing's "New Orleans, LA" fills in.
    assert row(partners, "The Data Center")["city"] == "New Orleans"


def test_contacts_are_organizational_never_a_person(partners):
    assert row(partners, "Data Driven Detroit")["contact_email"] == "askd3@datadrivendetroit.org"
    baltimore = row(partners, "Baltimore Neighborhood Indicators Alliance–Jacob France Institute")
    assert (baltimore["contact_email"], baltimore["contact_phone"]) == (
        "bnia-jfi@ubalt.edu", "410-837-4377"
    )
    # The New Orleans profile names only its director: nothing of it is kept.
    data_center = row(partners, "The Data Center")
    assert pd.isna(data_center["contact_email"]) and pd.isna(data_center["contact_phone"])
    assert not partners.astype(str).apply(lambda c: c.str.contains("Gardere")).any().any()


def test_drupal_7_and_drupal_8_markup_give_identical_records(tmp_path):
    """The Drupal 8+ page (field__label / field__item / field--name-...) is the recorded Drupal 7
    page with new class names and wrappers: the same facts must give the same rows."""
    drupal7 = nnip.parse(recorded_snapshot(tmp_path / "d7")).records
    drupal8 = nnip.parse(
        recorded_snapshot(tmp_path / "d8", baltimore="profile_baltimore_d8.html")).records
    assert b"field-label" not in fixture("profile_baltimore_d8.html")
    pd.testing.assert_frame_equal(drupal7, drupal8)
    url = profile_url("baltimore")
    assert nnip.parse_profile(fixture("profile_baltimore_d8.html"), url, "Baltimore, MD") == (
        nnip.parse_profile(fixture("profile_baltimore.html"), url, "Baltimore, MD"))


@pytest.mark.parametrize("markup", [
    # a definition list
    "<dl><dt>Organization</dt><dd><a href='https://hub.example.org/'>Example Data Hub</a></dd>"
    "<dt>NNIP Partner Since</dt><dd>2004</dd><dt>Contact</dt><dd>info@hub.example.org</dd>"
    "<dd>(555) 010-0199</dd><dt>Location</dt><dd>Boise, Idaho</dd></dl>",
    # bold inline labels in one paragraph, lines broken by <br>
    "<p><strong>Organization:</strong> <a href='https://hub.example.org/'>Example Data Hub</a>"
    "<br><strong>NNIP Partner Since:</strong> 2004<br><b>Contact:</b> info@hub.example.org, "
    "(555) 010-0199<br><strong>Location:</strong> Boise, Idaho</p>",
    # a label/value table
    "<table><tr><th>Organization</th><td><a href='https://hub.example.org/'>Example Data Hub</a>"
    "</td></tr><tr><th>NNIP Partner Since</th><td>2004</td></tr><tr><th>Contact</th>"
    "<td>info@hub.example.org<br>(555) 010-0199</td></tr><tr><th>Location</th>"
    "<td>Boise, Idaho</td></tr></table>",
    # headings as labels, paragraphs as values, no class names at all
    "<h3>Organization</h3><p><a href='https://hub.example.org/'>Example Data Hub</a></p>"
    "<h3>NNIP Partner Since</h3><p>2004</p><h3>Contact</h3><p>info@hub.example.org</p>"
    "<p>(555) 010-0199</p><h3>Location</h3><p>Boise, Idaho</p>",
])
def test_labels_are_read_by_their_text_whatever_the_markup(markup):
    page = f"<html><body><main><h1>Boise</h1>{markup}</main></body></html>"
    [partner] = nnip.parse_profile(page, profile_url("boise"))
    assert (partner["name"], partner["website"]) == ("Example Data Hub", "https://hub.example.org/")
    assert (partner["city"], partner["state"], partner["year_joined"]) == ("Boise", "ID", 2004)
    assert (partner["contact_email"], partner["contact_phone"]) == (
        "info@hub.example.org", "555-010-0199")


def test_a_value_naming_a_label_word_is_not_read_as_a_label():
    page = ("<main><div><div>Organization</div><div>Organization for Open Data</div></div>"
            "<div><div>Location</div><div>Location: Tulsa, Oklahoma</div></div></main>")
    [partner] = nnip.parse_profile(page, profile_url("tulsa"))
    assert partner["name"] == "Organization for Open Data"


def test_personal_mailboxes_are_dropped():
    html = (
        "<div class='field-item'>Jane Doe, Director: jane.doe@example.org</div>"
        "<div class='field-item'>General: info@example.org, or ex-data [at] example [dot] org</div>"
    )
    items = BeautifulSoup(html, "lxml").select(".field-item")
    assert nnip.organizational_emails(items, ["Example Data Hub"]) == [
        "info@example.org", "ex-data@example.org"
    ]


def test_every_row_carries_its_profile_url_and_retrieval_time(partners):
    assert (partners["source_url"] == partners["partnership"].map(profile_url)).all()
    assert (partners["retrieved_at"] == RETRIEVED_AT).all()


def test_a_profile_without_an_organization_name_is_a_parse_error_naming_its_url(tmp_path):
    snapshot = recorded_snapshot(tmp_path, columbus="profile_no_name.html")
    with pytest.raises(ParseError) as error:
        nnip.parse(snapshot)
    assert error.value.url == profile_url("columbus")
    assert "names no organization" in str(error.value)


def test_a_listing_without_partner_links_yields_no_partners_and_fails_the_count_rule(tmp_path):
    snapshot = recorded_snapshot(tmp_path, listing="listing_no_links.html")
    partners = nnip.parse(snapshot).records
    assert partners.empty
    problem = count_problem(nnip.SOURCE, len(partners), previous=6, floor=nnip.SOURCE.min_records)
    assert problem and "expected at least 25" in problem


def test_profile_links_are_found_by_their_path_resolved_and_deduplicated():
    links = nnip.profile_links(fixture("listing.html"), nnip.URL)
    # Logo, title and "Read more" all link each profile; menus link other /partners/ pages.
    assert list(links) == [profile_url(slug) for slug in PROFILES]
    assert links[profile_url("detroit")] == "Detroit, MI"


def test_older_profile_paths_count_but_other_sites_and_pages_do_not():
    html = (
        '<a href="https://neighborhoodindicators.org/partner/131">New Orleans</a>'
        '<a href="/partners/become-partner">Become a Partner</a>'
        '<a href="/partners/profiles?page=1">next page</a>'
        '<a href="https://example.org/partners/profiles/elsewhere">Elsewhere</a>'
    )
    assert nnip.profile_links(html, nnip.URL) == {
        "https://neighborhoodindicators.org/partner/131": "New Orleans"
    }


def test_listings_have_the_shared_source_records_columns(partners):
    listings = nnip.to_listings(partners)
    # NNIP has no roles, departments, government levels or ZIP codes: the merge leaves them empty
    optional = {"role", "department", "government_level", "government_unit", "service_area",
                "zip"}
    assert set(LISTING_COLUMNS) - optional <= set(listings.columns)
    assert set(listings["source"]) == {"nnip"} and set(listings["country"]) == {"US"}
    assert listings["events_url"].isna().all() and listings["latitude"].isna().all()
    assert (listings["source_url"] == partners["source_url"]).all()


# --- the fetch plan against a local server ----------------------------------------------------

def html(name: str) -> Reply:
    return Reply(fixture(name), headers={"Content-Type": "text/html; charset=utf-8"})


def fetch_into(tmp_path: Path, routes: dict) -> tuple[Snapshot, str, list]:
    """Run the fetch plan against a local server; return the snapshot, the server URL and its
    request log."""
    with serve(routes) as server:
        client = PoliteClient(
            source="nnip", settings=HttpSettings(per_host_delay=0, backoff_factor=0, retries=1)
        )
        writer = SnapshotWriter(tmp_path, "nnip")
        try:
            nnip.fetch(Recorder(client, writer), server.url + "/partners/profiles", {})
        finally:
            client.close()
        return writer.close(), server.url, list(server.requests)


def test_the_fetch_plan_gets_the_listing_then_each_profile_once(tmp_path):
    routes = {"/partners/profiles": html("listing.html")}
    routes |= {f"/partners/profiles/{slug}": html(name) for slug, name in PROFILES.items()}
    snapshot, base, requests = fetch_into(tmp_path, routes)

    paths = [r.path for r in requests]
    assert paths[0] == "/robots.txt"  # the polite client asks first; 404 means allowed
    assert paths[1:] == ["/partners/profiles"] + [f"/partners/profiles/{s}" for s in PROFILES]
    partners = nnip.parse(snapshot).records
    assert len(partners) == 6
    assert set(partners["source_url"]) == {f"{base}/partners/profiles/{s}" for s in PROFILES}


def test_a_failed_profile_is_recorded_and_the_rest_still_parse(tmp_path):
    routes = {"/partners/profiles": html("listing.html")}
    routes |= {f"/partners/profiles/{slug}": html(name) for slug, name in PROFILES.items()
               if slug != "detroit"}  # Detroit answers 404
    snapshot, base, _ = fetch_into(tmp_path, routes)

    assert [f.url for f in snapshot.failures] == [f"{base}/partners/profiles/detroit"]
    partners = nnip.parse(snapshot).records
    assert "Data Driven Detroit" not in set(partners["name"])
    assert len(partners) == 5


def test_a_failed_listing_fails_the_fetch(tmp_path):
    with pytest.raises(FetchError) as error:
        fetch_into(tmp_path, {})
    assert error.value.url.endswith("/partners/profiles")


@pytest.mark.parametrize("email, organizational", [
    ("info@example.org", True),
    ("ex-data@example.org", True),
    ("askd3@datadrivendetroit.org", True),  # a role word and a short code
    ("inquiries@example.org", True),
    ("neighborhoodinfodc@urban.org", True),  # the organization's own name
    ("ismail.khan@example.org", False),  # "mail" inside a name is not a mailbox
    ("jaskowski@example.org", False),  # nor is "ask"
    ("mailroom.jane@example.org", False),
])
def test_mailboxes_are_recognised_by_whole_parts_of_the_address(email, organizational):
    assert nnip._is_organizational(email, {"ed"}, ["NeighborhoodInfo DC"]) is organizational


# --- regressions found by fuzzing (tests/fuzz) -----------------------------------------------

def test_a_profile_naming_its_organization_twice_gives_one_row_with_a_unique_id(tmp_path):
    """Fuzzing found a profile whose fields repeat (the page's content twice) broke the
    record_id uniqueness rule and lost the whole source in a SchemaError."""
    page = fixture("profile_baltimore.html")
    article = page[page.index(b"<article"):page.index(b"</article>") + len(b"</article>")]
    doubled = page.replace(article, article + article)
    snapshot = recorded_snapshot(tmp_path)
    parsed = nnip.parse(make_snapshot(tmp_path / "doubled", "nnip", {
        **{p.url: snapshot.body(p) for p in snapshot.pages},
        profile_url("baltimore"): doubled}, retrieved_at=RETRIEVED_AT))
    assert doubled.count(b"Organization:") == 2
    baltimore = parsed.records[parsed.records["partnership"] == "baltimore"]
    assert len(baltimore) == 1 and parsed.records["record_id"].is_unique
    assert parsed.rejected == []


def test_record_ids_stay_unique_when_a_numbered_id_meets_a_real_one():
    rows = [{"name": "Data Hub", "partnership": "x"}, {"name": "Data Hub", "partnership": "x"},
            {"name": "Data Hub x", "partnership": "y"}]
    ids = [row["record_id"] for row in nnip._with_record_ids(rows)]
    assert len(set(ids)) == 3, ids


def test_a_link_with_an_unclosed_bracket_is_no_link():
    """urljoin raises ValueError ('Invalid IPv6 URL') for 'http://[x': such links are skipped,
    in the listing and in a profile, instead of failing the source."""
    listing = '<a href="http://[x/partners/profiles/a">A</a><a href="/partners/profiles/b">B</a>'
    assert list(nnip.profile_links(listing, nnip.URL)) == [profile_url("b")]
    page = ("<main><h1>Boise</h1><dl><dt>Organization</dt><dd><a href='http://[hub'>Hub</a>"
            "</dd><dt>Website</dt><dd><a href='https://hub.example.org/'>hub</a></dd></dl></main>")
    [partner] = nnip.parse_profile(page, profile_url("boise"))
    assert (partner["name"], partner["website"]) == ("Hub", "https://hub.example.org/")


def test_a_page_with_a_garbled_charset_is_parsed_not_refused():
    """A mutated meta charset holding a NUL made lxml raise ValueError before any check."""
    page = b'<meta charset="u\x00tf"><a href="/partners/profiles/dayton">Dayton, OH</a>'
    links = nnip.profile_links(page, nnip.URL)
    assert list(links) == ["https://www.neighborhoodindicators.org/partners/profiles/dayton"]
