"""Every source's production URL is where the data really lives (checked against the
project guide and the real files in shared/reference), so a typo or a wrong branch cannot
return. A new source must add its expected URL here."""

from urllib.parse import urlsplit

import pytest

from sources.registry import SOURCES

# source -> (host, path). Where each was checked: GUIDE.md section 2 and reference/README.md.
EXPECTED = {
    "nnip": ("www.neighborhoodindicators.org", "/partners/profiles"),
    "sdc": ("www.census.gov", "/about/partners/sdc/member-network.html"),
    # the repository's default branch is master; there is no main branch
    "cfa": ("raw.githubusercontent.com",
            "/codeforamerica/brigade-information/master/organizations.json"),
    "meetup": ("www.meetup.com", ""),
    "meetup_search": ("api.meetup.com", "/gql-ext"),
    "eventbrite": ("www.eventbriteapi.com", "/v3"),
    "dotgov": ("raw.githubusercontent.com", "/cisagov/dotgov-data/main/current-full.csv"),
    "act": ("raw.githubusercontent.com", "/civictechnologists/website/main/_data/members.yml"),
    "irs_bmf": ("www.irs.gov", "/pub/irs-soi/"),
    # GUIDE.md section 2: NCES's HD file of the 2023-24 collection, a zip holding hd2023.csv
    "ipeds": ("nces.ed.gov", "/ipeds/datacenter/data/HD2023.zip"),
    # GUIDE.md section 2 and reference/README.md (main, commit 08638ea of 2026-08-22)
    "portals": ("raw.githubusercontent.com",
                "/commondataio/dataportals-registry/main/data/datasets/catalogs.jsonl.zst"),
}


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_the_default_url_is_the_real_one(source):
    assert source.name in EXPECTED, f"add {source.name}'s checked production URL to EXPECTED"
    parts = urlsplit(source.default_url)
    assert parts.scheme == "https"
    assert (parts.netloc, parts.path) == EXPECTED[source.name]
    assert not parts.query and not parts.fragment
