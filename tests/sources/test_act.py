"""The Alliance of Civic Technologists members parser, on the real sample of members.yml."""

import pytest
import yaml

from sources import act
from sources.errors import ParseError
from sources.keys import url_key
from tests.support import make_snapshot, sample_bodies

SAMPLE = sample_bodies("act") / "members-sample.yml"


def snapshot_of(tmp_path, body: bytes, retrieved_at: str = "2026-11-01T00:00:00Z"):
    return make_snapshot(tmp_path, "act", {act.URL: body}, retrieved_at=retrieved_at,
                         content_type="text/plain; charset=utf-8")


@pytest.fixture
def parsed(tmp_path):
    return act.parse(snapshot_of(tmp_path, SAMPLE.read_bytes()))


def test_every_sample_member_is_parsed(parsed):
    members = yaml.safe_load(SAMPLE.read_bytes())
    assert len(parsed.records) == len(members) == 5 and parsed.rejected == []
    assert parsed.records["name"].tolist() == [m["name"] for m in members]
    assert parsed.records.set_index("name").loc["BetaNYC", "website"] == "https://beta.nyc/"
    assert parsed.records["record_id"].tolist() == [
        "act:betanyc", "act:chi-hack-night", "act:civic-tech-dc", "act:open-sacramento",
        "act:sf-civic-tech"]
    assert (parsed.records["source_url"] == act.URL).all()


def test_listings_are_civic_tech_groups_without_a_location_keyed_by_website(parsed):
    listings = act.to_listings(parsed.records).set_index("name")
    assert (listings["kind"] == "civic_tech_group").all() and (listings["source"] == "act").all()
    assert listings.loc["Civic Tech DC", "source_key"] == "civictechdc.org"
    assert listings.loc["BetaNYC", "source_key"] == "beta.nyc"
    assert "city" not in listings and "state" not in listings


@pytest.mark.parametrize("url, key", [
    ("https://www.meetup.com/Code-for-Dayton/", "meetup.com/code-for-dayton"),
    ("https://www.SFCivicTech.org/?utm=x#top", "sfcivictech.org"),
    ("http://opensac.org", "opensac.org"),
])
def test_the_site_key_keeps_the_path(url, key):
    assert url_key(url) == key


def test_a_url_without_a_scheme_gets_https():
    assert act.website("www.opensac.org/") == "https://www.opensac.org/"


def test_every_member_is_active_as_of_the_retrieval_day(tmp_path):
    snapshot = snapshot_of(tmp_path, SAMPLE.read_bytes(), retrieved_at="2026-07-17T08:30:00Z")
    signal = act.activity(snapshot)
    assert len(signal) == 5 and (signal["activity"] == "active").all()
    assert (signal["activity_as_of"] == "2026-07-17").all()
    assert signal["last_event_date"].isna().all() and signal["next_event_date"].isna().all()
    assert signal["activity_reason"].iloc[0] == (
        "member of the Alliance of Civic Technologists (members.yml retrieved 2026-07-17)")
    assert signal["record_id"].tolist() == act.parse(snapshot).records["record_id"].tolist()


def test_members_without_a_name_or_a_usable_url_are_quarantined(tmp_path):
    body = SAMPLE.read_bytes() + (
        b"- name: Code for Nowhere\n"
        b"- name: Broken Link\n  url: not a url\n"
        b"- url: https://nameless.org/\n"
        b"- just a string\n"
        b"- name: Mailto Group\n  url: mailto:hello@example.org\n"
    )
    parsed = act.parse(snapshot_of(tmp_path, body))
    assert len(parsed.records) == 5
    problems = {(r.record_key, r.position, r.field) for r in parsed.rejected}
    assert problems == {("Code for Nowhere", 5, "url"), ("Broken Link", 6, "url"),
                        ("#7", 7, "name"), ("#8", 8, "record"), ("Mailto Group", 9, "url")}
    assert all(r.source == "act" and r.source_url == act.URL for r in parsed.rejected)


@pytest.mark.parametrize("body, problem", [
    (b"- name: BetaNYC\n  url: [unclosed\n", "not valid YAML"),
    (b"members:\n  - name: BetaNYC\n", "top level is a dict"),
    (b"<html>rate limited</html>", "top level is a str"),
])
def test_bad_files_raise_a_parse_error_naming_the_url(tmp_path, body, problem):
    with pytest.raises(ParseError) as error:
        act.parse(snapshot_of(tmp_path, body))
    message = str(error.value)
    assert message.startswith("act:") and problem in message and act.URL in message
    assert "a YAML list of members" in message


def test_repeated_names_get_distinct_record_ids(tmp_path):
    body = b"- name: Open Data Group\n  url: https://a.org/\n- name: Open Data Group\n  url: https://b.org/\n"
    records = act.parse(snapshot_of(tmp_path, body)).records
    assert records["record_id"].tolist() == ["act:open-data-group", "act:open-data-group-2"]


# --- regressions found by fuzzing (tests/fuzz) -----------------------------------------------

def test_a_yaml_date_that_is_no_date_is_a_parse_error(tmp_path):
    """PyYAML raises ValueError (not YAMLError) for a timestamp like 2026-13-45."""
    with pytest.raises(ParseError, match="not valid YAML"):
        act.parse(snapshot_of(tmp_path, b"- name: BetaNYC\n  url: 2026-13-45\n"))


def test_a_url_with_an_unclosed_bracket_is_quarantined(tmp_path):
    """urlsplit raises ValueError ('Invalid IPv6 URL') for 'https://[beta.nyc/'."""
    body = b"- name: BetaNYC\n  url: '[beta.nyc/'\n- name: Code for Boston\n  url: https://www.codeforboston.org/\n"
    parsed = act.parse(snapshot_of(tmp_path, body))
    assert parsed.records["name"].tolist() == ["Code for Boston"]
    assert [(r.record_key, r.field) for r in parsed.rejected] == [("BetaNYC", "url")]
