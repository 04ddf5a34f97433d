"""Linking the data portals registry's catalogs to their organizations, on real catalogs of the
sample (sources/sample/portals) against directories in the shape of the .gov registry's
listings. The directory rows are hand-made: the .gov sample holds only the City of Dayton and
a State of Ohio domain of these governments; the domains named here are theirs in the public
registry (cincinnati-oh.gov, ohio.gov and ohiodnr.gov of the State of Ohio, ...)."""

import pandas as pd
import pytest

from pipelines.link.portals import (
    attach_ids,
    attach_portals,
    generated_name,
    host_suffixes,
    link_portals,
    main_portals,
    read_owner,
)
from pipelines.link.tables import portal_links
from schemas.published import INTERMEDIARIES
from sources import portals
from sources.snapshot import SAMPLE_SNAPSHOTS, load_snapshot

CINCINNATI = ("https://data.cincinnati-oh.gov",
              "https://arcgis.cincinnati-oh.gov/arcgis/rest/services")
GEAUGA = "https://geauga-county-hub-geauga.hub.arcgis.com/"
GREENE_GENERATED = "https://gis.greenecountyohio.gov/webgis2/arcgis/rest/services"
GREENE_HUB = "https://gishub-gimsoh29.opendata.arcgis.com/"
OHIODNR = ("https://gis2.ohiodnr.gov/arcgis/rest/services",
           "https://gis.ohiodnr.gov/arcgis_site2/rest/services")
MORPC = ("https://arcserver.morpc.org/arcgis/rest/services", "https://public-morpc.hub.arcgis.com/")
OSU = "https://kb.osu.edu/"
DAYTON = "https://maps.daytonohio.gov/gisservices/arcgis/rest/services"


@pytest.fixture(scope="module")
def catalogs() -> pd.DataFrame:
    folder = SAMPLE_SNAPSHOTS / "portals" / "20261101T120000000000Z"
    return portals.parse(load_snapshot(folder)).records


def pick(catalogs: pd.DataFrame, *urls: str) -> pd.DataFrame:
    chosen = catalogs[catalogs["portal_url"].isin(urls)]
    assert len(chosen) == len(urls), urls
    return chosen


def listing(record_id: str, name: str, level: str | None, state: str, *websites: str,
            kind: str = "local_government", unit: str | None = "general",
            city: str | None = None) -> dict:
    sites = [f"https://{w}" for w in websites]
    return {"record_id": record_id, "source": record_id.split(":")[0], "name": name,
            "kind": kind, "government_level": level, "government_unit": unit,
            "website": sites[0] if sites else None, "websites": "; ".join(sites) or None,
            "city": city, "state": state}


STATE_OF_OHIO = listing("dotgov:state-government:oh", "State of Ohio", "state", "OH",
                        "ohio.gov", "oh.gov", "ohiodnr.gov", city="Columbus")
CITY_OF_CINCINNATI = listing("dotgov:city-of-cincinnati:oh:cincinnati", "City of Cincinnati",
                             "city", "OH", "cincinnati-oh.gov", city="Cincinnati")
CITY_OF_DAYTON = listing("dotgov:city-of-dayton:oh:dayton", "City of Dayton", "city", "OH",
                         "daytonohio.gov", city="Dayton")


def linked(catalogs: pd.DataFrame, *rows: dict):
    directory = pd.DataFrame(list(rows)) if rows else pd.DataFrame(
        columns=["record_id", "source", "name", "kind", "state", "website"])
    result = link_portals(catalogs, directory)
    return result.portals.set_index("portal_url"), result.listings


def test_cincinnatis_two_portals_are_the_city_by_the_longest_suffix(catalogs):
    rows, new = linked(pick(catalogs, *CINCINNATI), STATE_OF_OHIO, CITY_OF_CINCINNATI)
    assert (rows["record_id"] == CITY_OF_CINCINNATI["record_id"]).all() and new.empty
    assert rows.loc[CINCINNATI[0], "link_reason"].startswith(
        "website: data.cincinnati-oh.gov is under cincinnati-oh.gov, a website of City of "
        "Cincinnati")
    # the GIS server's owner website is the old www.cincinnati.oh.us: its own host decides
    assert "arcgis.cincinnati-oh.gov is under cincinnati-oh.gov" in rows.loc[
        CINCINNATI[1], "link_reason"]


def test_without_the_city_in_the_directory_both_portals_make_one_new_city(catalogs):
    rows, new = linked(pick(catalogs, *CINCINNATI), STATE_OF_OHIO)
    assert (rows["record_id"] == "portals:oh:city-of-cincinnati").all()
    assert len(new) == 1
    city = new.iloc[0]
    assert (city["name"], city["government_level"], city["city"], city["state"]) == (
        "City of Cincinnati", "city", "Cincinnati", "OH")
    assert city["kind"] == "local_government" and city["government_unit"] == "general"


def test_geaugas_hub_is_geauga_county_not_the_state_of_ohio_under_oh_gov(catalogs):
    rows, new = linked(pick(catalogs, GEAUGA), STATE_OF_OHIO)
    reason = rows.loc[GEAUGA, "link_reason"]
    assert rows.loc[GEAUGA, "record_id"] == "portals:oh:geauga-county"
    assert reason.startswith("new organization: Geauga County (county, OH)")
    assert "geauga.oh.gov is under oh.gov, a website of State of Ohio, but a county is never " \
           "linked to a state government" in reason
    county = new.set_index("record_id").loc["portals:oh:geauga-county"]
    assert (county["name"], county["city"], county["website"]) == (
        "Geauga County", "Geauga County", "https://www.geauga.oh.gov")
    assert "oh.gov" not in (county["websites"] or "").replace("geauga.oh.gov", "")


def test_geauga_county_in_the_directory_wins_by_the_longer_suffix(catalogs):
    county = listing("dotgov:geauga-county:oh", "Geauga County", "county", "OH",
                     "geauga.oh.gov")
    rows, new = linked(pick(catalogs, GEAUGA), STATE_OF_OHIO, county)
    assert rows.loc[GEAUGA, "record_id"] == "dotgov:geauga-county:oh" and new.empty
    assert "geauga.oh.gov is geauga.oh.gov" in rows.loc[GEAUGA, "link_reason"]


def test_a_county_is_found_by_name_and_state_when_its_website_is_unknown(catalogs):
    county = listing("dotgov:geauga-county:oh", "Geauga County Board of Commissioners",
                     "county", "OH", "co.geauga.oh.us")
    city = listing("dotgov:city-of-geauga:oh", "City of Geauga", "city", "OH")
    rows, new = linked(pick(catalogs, GEAUGA), county, city)
    assert rows.loc[GEAUGA, "record_id"] == "dotgov:geauga-county:oh" and new.empty
    assert rows.loc[GEAUGA, "link_reason"].startswith(
        "name and state: Geauga County (county, OH) is Geauga County Board of Commissioners")


def test_host_generated_greene_county_links_by_website_never_by_its_name(catalogs):
    greene = listing("dotgov:greene-county:oh", "Greene County", "county", "OH",
                     "greenecountyohio.gov")
    rows, new = linked(pick(catalogs, GREENE_GENERATED), greene)
    assert rows.loc[GREENE_GENERATED, "record_id"] == "dotgov:greene-county:oh" and new.empty
    assert bool(rows.loc[GREENE_GENERATED, "owner_name_from_host"])
    # alone, it stays unlinked and names no organization
    rows, new = linked(pick(catalogs, GREENE_GENERATED))
    assert pd.isna(rows.loc[GREENE_GENERATED, "record_id"]) and new.empty
    assert "'City of Greenecountyohio' was generated from a host" in rows.loc[
        GREENE_GENERATED, "link_reason"]


def test_host_generated_greene_county_joins_the_county_another_catalog_made(catalogs):
    rows, new = linked(pick(catalogs, GREENE_GENERATED, GREENE_HUB))
    assert list(new["name"]) == ["Greene County"]
    assert rows.loc[GREENE_GENERATED, "record_id"] == rows.loc[GREENE_HUB, "record_id"] == (
        "portals:oh:greene-county")
    assert "City of Greenecountyohio" not in set(new["name"])


def test_city_of_ohiodnr_is_the_state_by_website_or_nothing(catalogs):
    rows, new = linked(pick(catalogs, *OHIODNR), STATE_OF_OHIO)
    assert (rows["record_id"] == STATE_OF_OHIO["record_id"]).all() and new.empty
    assert rows.loc[OHIODNR[0], "link_reason"].startswith(
        "website: gis2.ohiodnr.gov is under ohiodnr.gov, a website of State of Ohio")
    rows, new = linked(pick(catalogs, *OHIODNR))
    assert rows["record_id"].isna().all() and new.empty
    assert rows["owner_name_from_host"].all()


def test_the_city_of_dayton_gets_its_gis_server(catalogs):
    rows, _ = linked(pick(catalogs, DAYTON), CITY_OF_DAYTON)
    assert rows.loc[DAYTON, "record_id"] == CITY_OF_DAYTON["record_id"]


def test_a_regional_planning_commission_by_name_or_as_one_new_organization(catalogs):
    sdc = listing("sdc:oh:mid-ohio-regional-planning-commission",
                  "Mid-Ohio Regional Planning Commission", None, "OH", kind="state_data_center",
                  unit=None)
    rows, new = linked(pick(catalogs, *MORPC), sdc)
    assert (rows["record_id"] == sdc["record_id"]).all() and new.empty
    assert rows.loc[MORPC[1], "link_reason"].startswith(
        "name and state: Mid-Ohio Regional Planning Commission (special district, OH)")
    rows, new = linked(pick(catalogs, *MORPC))
    assert len(new) == 1 and rows["record_id"].nunique() == 1
    body = new.iloc[0]
    assert (body["name"], body["government_level"], body["government_unit"]) == (
        "Mid-Ohio Regional Planning Commission", "special_district", "department")
    assert body["website"] == "https://www.morpc.org"


def test_a_university_repository_stays_unlinked_until_a_source_has_its_website(catalogs):
    rows, new = linked(pick(catalogs, OSU), STATE_OF_OHIO)
    assert pd.isna(rows.loc[OSU, "record_id"]) and new.empty
    assert rows.loc[OSU, "link_reason"].startswith("not linked: an academic owner")
    university = listing("ipeds:204796", "Ohio State University-Main Campus", None, "OH",
                         "osu.edu", kind="university", unit=None)
    rows, _ = linked(pick(catalogs, OSU), university)
    # the owner's site www.osu.edu is osu.edu; the catalog's host kb.osu.edu is under it
    assert rows.loc[OSU, "record_id"] == "ipeds:204796"


def test_missoula_and_anchorage_by_name_never_across_levels():
    catalog = pd.DataFrame([{
        "portal_id": "x1", "portal_url": "https://gis.ci.missoula.mt.us/arcgis/rest/services",
        "owner_name": "City of Missoula", "owner_type": "Local government",
        "owner_website": "https://www.ci.missoula.mt.us", "state": "MT"}, {
        "portal_id": "x2", "portal_url": "https://maps.muni.org/arcgis/rest/services",
        "owner_name": "Municipality of Anchorage", "owner_type": "Local government",
        "owner_website": "https://www.muni.org", "state": "AK"}, {
        "portal_id": "x3", "portal_url": "https://gis.missoulacounty.us/server/rest/services",
        "owner_name": "Missoula County", "owner_type": "Regional government",
        "owner_website": "https://www.missoulacounty.us", "state": "MT"}])
    catalog = catalog.reindex(columns=list(portals.DATA_PORTALS.columns))
    missoula = listing("dotgov:city-of-missoula:mt:missoula", "City of Missoula", "city", "MT",
                       "missoulamt.gov")
    anchorage = listing("dotgov:municipality-of-anchorage:ak", "Municipality of Anchorage",
                        "county", "AK", "anchorageak.gov")
    montana = listing("dotgov:state-government:mt", "State of Montana", "state", "MT", "mt.gov")
    rows = link_portals(catalog, pd.DataFrame([missoula, anchorage, montana])).portals
    rows = rows.set_index("portal_id")
    assert rows.loc["x1", "record_id"] == missoula["record_id"]
    assert rows.loc["x2", "record_id"] == anchorage["record_id"]  # AK: a city or county
    # a county never goes to the city of the same name, nor to its state: a new county
    assert rows.loc["x3", "record_id"] == "portals:mt:missoula-county"


def test_several_fitting_organizations_link_none():
    catalog = pd.DataFrame([{"portal_id": "x", "portal_url": "https://gis.example.org/",
                             "owner_name": "Town of Dayton", "owner_type": "Local government",
                             "state": "WI"}]).reindex(columns=list(portals.DATA_PORTALS.columns))
    towns = [listing(f"dotgov:town-of-dayton:wi:{c.lower()}", "Town of Dayton", "city", "WI",
                     city=c) for c in ("Richland Center", "Waupaca")]
    row = link_portals(catalog, pd.DataFrame(towns)).portals.iloc[0]
    assert pd.isna(row["record_id"]) and row["link_reason"].startswith(
        "not linked: several organizations fit Town of Dayton (WI)")


@pytest.mark.parametrize(("name", "state", "hosts", "generated"), [
    ("City of Daytonohio", "OH", ["daytonohio.gov", "maps.daytonohio.gov"], True),
    ("City of Greenecountyohio", "OH", ["greenecountyohio.gov"], True),
    ("City of Ohiodnr", "OH", ["gis2.ohiodnr.gov"], True),
    ("City of Hamiltontn", "OH", ["mapsdev.hamiltontn.gov"], True),
    ("Arcgisweb", "OH", ["arcgisweb.grovecityohio.gov"], True),
    ("Lc, Wyoming", "WY", ["lcwy.org", "maps.lcwy.org"], True),
    ("City of Ohio", "OH", ["cityoh.maps.arcgis.com"], True),
    ("City of Oh, Ohio", "OH", ["toledo.oh.gov"], True),
    ("City of Columbus", "OH", ["columbus.gov"], False),  # a real city its host spells
    ("City of Hamilton Oh", "OH", ["hamilton-oh.gov"], False),
    ("City of Solon", "OH", ["solonohio.org"], False),
    ("Allen County, Ohio", "OH", ["allencountyohio.com"], False),
    ("Geauga County", "OH", ["geauga.oh.gov"], False),
])
def test_host_generated_names(name, state, hosts, generated):
    assert generated_name(name, state, hosts) is generated


@pytest.mark.parametrize(("name", "kind", "state", "level", "core"), [
    ("Clermont County Auditor", "Local government", "OH", "county", "Clermont County"),
    ("Madison County Engineer's Office", "Local government", "OH", "county", "Madison County"),
    ("New Castle County, Delaware", "Local government", "DE", "county", "New Castle County"),
    ("City of Columbus Maps & Apps", "Local government", "OH", "city", "City of Columbus"),
    ("City of Marysville, Ohio", "Local government", "OH", "city", "City of Marysville"),
    ("Mid-Ohio Regional Planning Commission (MORPC)", "Regional government", "OH",
     "special_district", "Mid-Ohio Regional Planning Commission"),
    ("Cheyenne and Laramie County GIS Cooperative", "Local government", "WY",
     "special_district", "Cheyenne and Laramie County GIS Cooperative"),
    ("Ohio Department of Transportation", "Regional government", "OH", "state",
     "Ohio Department of Transportation"),
    ("State of Delaware", "Regional government", "DE", "state", "State of Delaware"),
    ("CAGIS (Cincinnati Area Geographic Information System)", "Local government", "OH", None,
     None),
])
def test_owner_levels_and_core_names(name, kind, state, level, core):
    owner = read_owner(name, kind, state, [])
    assert (owner.level, owner.core) == (level, core)


def test_host_suffixes_stop_at_the_registrable_domain_and_on_shared_platforms():
    assert host_suffixes("data.cincinnati-oh.gov") == ["data.cincinnati-oh.gov",
                                                       "cincinnati-oh.gov"]
    assert host_suffixes("geauga.oh.gov") == ["geauga.oh.gov", "oh.gov"]
    assert host_suffixes("lcaudgis.co.lucas.oh.us") == [
        "lcaudgis.co.lucas.oh.us", "co.lucas.oh.us", "lucas.oh.us"]
    assert host_suffixes("geauga-county-hub-geauga.hub.arcgis.com") == [
        "geauga-county-hub-geauga.hub.arcgis.com"]
    assert host_suffixes("arcgis.com") == []


def test_the_result_does_not_depend_on_row_order(catalogs):
    directory = pd.DataFrame([STATE_OF_OHIO, CITY_OF_CINCINNATI, CITY_OF_DAYTON])
    first = link_portals(catalogs, directory)
    second = link_portals(catalogs.iloc[::-1], directory.iloc[::-1])
    pd.testing.assert_frame_equal(first.portals, second.portals)
    pd.testing.assert_frame_equal(first.listings, second.listings)


def test_an_organizations_main_portal_is_its_open_data_portal_then_a_site_for_people():
    frame = pd.DataFrame({
        "portal_id": ["a", "b", "c", "d"], "intermediary_id": ["im-1", "im-1", "im-2", "im-2"],
        "catalog_type": ["Geoportal", "Open data portal", "Geoportal", "Geoportal"],
        "portal_status": "active",
        "portal_url": ["https://gis.x.gov", "https://data.x.gov/", "https://maps.y.gov/arcgis/"
                       "rest/services", "https://opendata.y.gov/"],
        "portal_software": ["ArcGIS Hub", None, "ArcGIS Server", "ArcGIS Hub"]})
    main = main_portals(frame).set_index("intermediary_id")
    assert main.loc["im-1", "open_data_portal"] == "https://data.x.gov/"
    assert pd.isna(main.loc["im-1", "portal_software"])
    assert main.loc["im-2", "open_data_portal"] == "https://opendata.y.gov/"


def test_ids_and_the_main_portal_reach_data_portals_and_intermediaries(catalogs):
    links = portal_links(pick(catalogs, DAYTON), [pd.DataFrame([CITY_OF_DAYTON])])
    records = pd.DataFrame({"record_id": [CITY_OF_DAYTON["record_id"]],
                            "intermediary_id": ["im-000000000001"]})
    data_portals = attach_ids(links.portals, records)
    assert data_portals["intermediary_id"].tolist() == ["im-000000000001"]
    organizations = pd.DataFrame([{
        "intermediary_id": "im-000000000001", "name": "City of Dayton",
        "kind": "local_government", "sources": "dotgov", "first_seen": "2026-11-01",
        "last_seen": "2026-11-01", "source_url": "https://example.gov/x.csv",
        "retrieved_at": "2026-11-01T00:00:00Z", "activity": "unknown"}]).reindex(
        columns=list(INTERMEDIARIES.columns))
    result = attach_portals(organizations, data_portals).iloc[0]
    assert result["open_data_portal"] == DAYTON and result["portal_software"] == "ArcGIS Server"
    assert result["sources"] == "dotgov; portals"


def test_a_new_organizations_website_is_its_owners_site_without_path_or_port(catalogs):
    _, new = linked(pick(catalogs, "http://gis.cityofmiddletown.com:6080/arcgis/rest/services",
                         "https://loraincountyauditor.com/arcgis/rest/services"))
    websites = dict(zip(new["name"], new["website"], strict=True))
    assert websites == {"City of Middletown": "https://cityofmiddletown.com",
                        "Lorain County": "https://loraincountyauditor.com"}
