"""The .gov registry parser, on the 260 real rows of current-full.csv in the dotgov sample."""

import csv
import io

import pandas as pd
import pytest

from sources import dotgov
from sources.errors import ParseError
from sources.rejects import rejected_frame
from sources.snapshot import SAMPLE_SNAPSHOTS
from tests.support import make_snapshot, sample_bodies

SAMPLE = sample_bodies("dotgov") / "current-full-sample.csv"
HEADER = ("Domain name,Domain type,Organization name,Suborganization name,City,State,"
          "Security contact email")


def snapshot_of(tmp_path, body: bytes):
    return make_snapshot(tmp_path, "dotgov", {dotgov.URL: body},
                         content_type="text/plain; charset=utf-8")


def with_rows(*lines: str) -> bytes:
    """The real sample plus extra rows, CRLF like the original."""
    return SAMPLE.read_bytes() + "".join(f"{line}\r\n" for line in lines).encode()


def security_emails() -> list[str]:
    rows = csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8"), newline=""))
    return [row["Security contact email"] for row in rows if row["Security contact email"]]


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    return dotgov.parse(snapshot_of(tmp_path_factory.mktemp("dotgov"), SAMPLE.read_bytes()))


@pytest.fixture(scope="module")
def records(parsed):
    return parsed.records


@pytest.fixture(scope="module")
def listings(records):
    return dotgov.to_listings(records)


def listing(listings: pd.DataFrame, name: str, state: str) -> pd.Series:
    [row] = listings[(listings["name"] == name) & (listings["state"] == state)].to_dict("records")
    return pd.Series(row)


def test_the_sample_keeps_crlf_and_260_rows():
    body = SAMPLE.read_bytes()
    assert body.count(b"\r\n") == 261 and body.count(b"\n") == 261


def test_every_non_federal_row_is_a_record_and_none_is_rejected(parsed, records):
    assert len(records) == 231  # 260 rows less 29 federal and interstate domains
    assert parsed.rejected == []
    assert records["domain"].is_unique
    assert (records["source_url"] == dotgov.URL).all()
    assert (records["retrieved_at"] == "2026-11-01T00:00:00Z").all()


def test_federal_and_interstate_domains_are_left_out(records):
    kept_types = {t.removesuffix(" - Election") for t in records["domain_type"]}
    assert kept_types == {"City", "County", "State or territory", "Tribal", "Special district",
                          "School district"}
    assert not {"supremecourt.gov", "itis.gov", "pathtrain.gov", "uscode.gov"} & set(
        records["domain"])


def test_counts_per_level_on_the_real_sample(listings):
    counts = listings.groupby(["government_level", "government_unit"]).size().to_dict()
    assert counts == {("city", "general"): 112, ("county", "general"): 38,
                      ("state", "general"): 4, ("tribal", "general"): 10}
    assert listings["record_id"].is_unique and listings["source_key"].is_unique


def test_city_of_el_segundo_is_one_organization_with_six_websites(listings):
    row = listing(listings, "City of El Segundo", "CA")
    assert row["website"] == "https://elsegundo.gov" and row["source_key"] == "elsegundo.gov"
    websites = row["websites"].split("; ")
    assert len(websites) == 6 and websites[0] == "https://elsegundo.gov"
    assert "https://elsegundopd.gov" in websites
    assert row["record_id"] == "dotgov:city-of-el-segundo:ca:el-segundo"


def test_boulder_county_is_one_organization_with_eight_websites(listings):
    row = listing(listings, "Boulder County", "CO")
    assert len(row["websites"].split("; ")) == 8
    # the domain that spells the name wins over the shorter boulderodm.gov
    assert row["website"] == "https://bouldercounty.gov"
    assert (row["government_level"], row["government_unit"], row["service_area"]) == (
        "county", "general", "county")
    assert row["record_id"] == "dotgov:boulder-county:co"


def test_the_dayton_family_stays_apart(listings):
    daytons = listings[listings["name"].isin(["City of Dayton", "Town of Dayton"])]
    assert sorted(zip(daytons["name"], daytons["state"], strict=True)) == [
        ("City of Dayton", "MN"), ("City of Dayton", "OH"), ("City of Dayton", "OR"),
        ("Town of Dayton", "ME"), ("Town of Dayton", "NY"), ("Town of Dayton", "VA"),
        ("Town of Dayton", "WI"), ("Town of Dayton", "WI")]
    assert listing(listings, "City of Dayton", "OH")["website"] == "https://daytonohio.gov"
    # two towns of one name in one state: Richland County's and Waupaca County's
    wisconsin = daytons[daytons["state"] == "WI"].set_index("city")["website"].to_dict()
    assert wisconsin == {"Richland Center": "https://daytonrcwi.gov",
                         "Waupaca": "https://townofdaytonwcwi.gov"}
    assert listing(listings, "City of Daytona Beach", "FL")["website"] == (
        "https://daytonabeach.gov")


@pytest.mark.parametrize("name", [
    "Berkley Police Department", "City of Hernando Police Department", "Hampstead Police "
    "Department", "City of Ripon - Fire Department", "Jackson County Illinois Court",
    "Beckham County Sheriff's Office", "Viejas Tribal Court", "35th District Court",
    "14th Judicial Circuit of Arkansas", "Seneca County Auditor's Office", "Alabama Legislature",
    "Rhode Island State Police", "SELCO", "School City of Mishawaka",
    "Western Municipal Water District",
])
def test_courts_police_and_other_departments_stay_in_the_source_table_only(
        records, listings, name):
    assert name not in set(listings["name"])
    rows = records[records["organization_name"] == name]
    assert len(rows) == 1
    assert not rows["is_intermediary"].any() and rows["record_id"].isna().all()
    assert rows["government_unit"].isna().all()


def test_a_data_department_is_listed_as_a_department(tmp_path):
    body = with_rows("daytonplanning.gov,City,City of Dayton Planning Department,,Dayton,OH,"
                     "(blank)")
    listings = dotgov.to_listings(dotgov.parse(snapshot_of(tmp_path, body)).records)
    row = listing(listings, "City of Dayton Planning Department", "OH")
    assert (row["government_level"], row["government_unit"]) == ("city", "department")
    assert listing(listings, "City of Dayton", "OH")["website"] == "https://daytonohio.gov"


@pytest.mark.parametrize(("registered", "name", "website"), [
    ("Cortland County IT", "Cortland County", "cortlandcountyny.gov"),  # NY
    ("Weakley County Government Department of Finance", "Weakley County",  # TN
     "weakleycountytn.gov"),
])
def test_a_department_holding_its_government_s_own_domain_is_the_government(
        records, listings, registered, name, website):
    """Real rows of the sample: the county's own domain, registered by its IT or finance
    office, is the county's front door; the listing is the county, named as the county."""
    row = listings[listings["website"] == f"https://{website}"].iloc[0]
    assert (row["name"], row["government_unit"]) == (name, "general")
    assert records.set_index("domain").loc[website, "organization_name"] == registered


# Real rows of current-full.csv (cisagov/dotgov-data; security contacts replaced): Ohio's state
# domains are registered under "State of Ohio" (the Attorney General's ohioag.gov among them),
# while the state portal ohio.gov is registered by the state's Office of IT; Greene County,
# Ohio's own domain by its data processing office.
OHIO_ROWS = (
    "oh.gov,State or territory,State of Ohio,,Columbus,OH,(blank)",
    "ohioag.gov,State or territory,State of Ohio,,Columbus,OH,(blank)",
    "ohioattorneygeneral.gov,State or territory,State of Ohio,,Columbus,OH,(blank)",
    "ohiobmv.gov,State or territory,State of Ohio,,Columbus,OH,(blank)",
    'ohio.gov,State or territory,"State of Ohio, Office of IT",,Columbus,OH,(blank)',
    'ohiocourts.gov,State or territory,"State of Ohio, Office of IT",,Columbus,OH,(blank)',
    "ohiodnr.gov,State or territory,Ohio Department of Natural Resources,,Columbus,OH,(blank)",
    "greenecountyohio.gov,County,Greene County Data Processing,,Xenia,OH,(blank)",
    "greenecoohpsisn.gov,County,Greene County Sheriff's Office,,Xenia,OH,(blank)",
    "greenecophoh.gov,County,Greene County Combined Health District,,Xenia,OH,(blank)",
    "hamiltoncountyohio.gov,County,Hamilton County Telecommunications,,Cincinnati,OH,(blank)",
    "maryland.gov,State or territory,Department of Information Technology,,Crownsville,MD,"
    "(blank)",
    "marylandattorneygeneral.gov,State or territory,Maryland Attorney General,,Baltimore,MD,"
    "(blank)",
)


@pytest.fixture(scope="module")
def ohio(tmp_path_factory):
    body = with_rows(*OHIO_ROWS)
    parsed = dotgov.parse(snapshot_of(tmp_path_factory.mktemp("ohio"), body))
    return dotgov.to_listings(parsed.records)


def test_a_state_s_front_door_is_its_own_portal_not_a_department_s(ohio):
    state = ohio[(ohio["state"] == "OH") & (ohio["government_level"] == "state")
                 & (ohio["government_unit"] == "general")]
    assert len(state) == 1
    row = state.iloc[0]
    assert row["name"] == "State of Ohio"
    assert row["website"] == "https://ohio.gov" and row["source_key"] == "ohio.gov"
    websites = row["websites"].split("; ")
    assert websites[0] == "https://ohio.gov" and "https://ohioag.gov" in websites
    assert "https://oh.gov" in websites and "https://safeathomeohio.gov" in websites
    assert "https://ohiodnr.gov" not in websites  # a department's own domain stays its own


def test_a_state_portal_registered_by_its_it_department_is_the_state_s(ohio):
    row = ohio[(ohio["state"] == "MD") & (ohio["government_level"] == "state")].iloc[0]
    assert (row["name"], row["website"]) == ("State of Maryland", "https://maryland.gov")


def test_a_county_is_named_as_the_county_not_its_data_processing_office(ohio):
    greene = ohio[(ohio["state"] == "OH") & ohio["name"].str.startswith("Greene County")]
    assert greene[["name", "website", "government_unit"]].values.tolist() == [
        ["Greene County", "https://greenecountyohio.gov", "general"]]
    hamilton = listing(ohio, "Hamilton County", "OH")
    assert hamilton["website"] == "https://hamiltoncountyohio.gov"


@pytest.mark.parametrize(("name", "government"), [
    ("Greene County Data Processing", "Greene County"),
    ("State of Ohio, Office of IT", "State of Ohio"),
    ("Cortland County IT", "Cortland County"),
    ("City of Ripon - Fire Department", "City of Ripon"),
    ("Greene County", None), ("Ohio Department of Natural Resources", None),
    ("Dayton Planning Department", None),
])
def test_the_government_a_name_begins_with(name, government):
    assert dotgov.government_part(name, "OH") == government


@pytest.mark.parametrize(("domain", "government", "state", "spelled"), [
    ("greenecountyohio.gov", "Greene County", "OH", True),
    ("greenecounty.gov", "Greene County", "OH", True),
    ("countyofgreene-oh.gov", "Greene County", "OH", True),
    ("greenecoohpsisn.gov", "Greene County", "OH", False),
    ("ohio.gov", "State of Ohio", "OH", True), ("oh.gov", "State of Ohio", "OH", True),
    ("ohioag.gov", "State of Ohio", "OH", False),
    ("riponfire.gov", "City of Ripon", "CA", False),
])
def test_a_domain_that_spells_its_government(domain, government, state, spelled):
    assert dotgov.spells_government(domain, government, state) is spelled


def test_governments_named_several_ways_are_general(records, listings):
    names = set(listings["name"])
    assert {"Alcorn County", "Vinton County",  # at alcorncountyms.gov, vintoncountyohio.gov
            "Peters Township Supervisors", "County of Westchester", "Denton County, Texas",
            "Municipio de Bayamon", "Municipal Government of Arroyo", "AMERICAN SAMOA GOVERNMENT",
            "State of Arizona, Executive Branch", "Navajo Nation",
            "Elk Valley Rancheria, California"} <= names
    registered = set(records["organization_name"])
    assert {"Alcorn County Board of Supervisors", "Vinton County Commissioner's Office"} <= (
        registered)  # as registered, in dotgov_domains
    # a County-typed borough in Pennsylvania is a municipality
    assert listing(listings, "White Oak Borough", "PA")["government_level"] == "city"


def test_election_typed_governments_are_their_government(listings):
    row = listing(listings, "City of Dayton", "MN")  # its only domain is typed City - Election
    assert (row["government_level"], row["government_unit"]) == ("city", "general")
    assert listing(listings, "Weld County Govenrment", "CO")["record_id"] == (
        "dotgov:weld-county:co")


def test_an_election_office_domain_folds_into_its_government(tmp_path):
    body = with_rows(
        "claycountymo.gov,County,Clay County,,Liberty,MO,it@example.org",
        "bouldervotes.gov,County - Election,Boulder County Clerk and Recorder,,Boulder,CO,"
        "elections@example.org",
    )
    parsed = dotgov.parse(snapshot_of(tmp_path, body))
    records = parsed.records.set_index("domain")
    listings = dotgov.to_listings(parsed.records)
    clay = listing(listings, "Clay County", "MO")
    assert clay["website"] == "https://claycountymo.gov"
    assert clay["websites"] == "https://claycountymo.gov; https://voteclaycountymo.gov"
    office = records.loc["voteclaycountymo.gov"]
    assert office["organization_name"] == "CLAY COUNTY BOARD OF ELECTIONS"  # as registered
    assert (office["record_id"], office["government_unit"]) == (clay["record_id"], "general")
    boulder = listing(listings, "Boulder County", "CO")
    assert len(boulder["websites"].split("; ")) == 9
    assert boulder["website"] == "https://bouldercounty.gov"  # never the vote domain
    assert "Boulder County Clerk and Recorder" not in set(listings["name"])
    # an election office whose government is not in the file stays unlisted
    assert "Hamilton County Supervisor of Elections" not in set(listings["name"])


def test_no_security_contact_email_is_in_any_parsed_frame(tmp_path, parsed, records, listings):
    emails = security_emails()
    assert len(emails) == 260
    broken = dotgov.parse(snapshot_of(tmp_path, with_rows(
        "bad.gov,County,,,Somewhere,OH,person@example.org",
        "short.gov,County,Short County",
    )))
    frames = [records, listings, broken.records, rejected_frame(broken.rejected)]
    for frame in frames:
        values = {str(v) for column in frame.columns for v in frame[column].dropna()}
        assert not [v for v in values if "@" in v]
        assert not set(emails) & values
    assert "Security contact email" not in "".join(map(str, records.columns))


def test_malformed_rows_are_quarantined_by_field(tmp_path):
    parsed = dotgov.parse(snapshot_of(tmp_path, with_rows(
        "nameless.gov,City,,,Springfield,OH,a@example.org",
        "nowhere.gov,City,City of Nowhere,,Nowhere,ZZ,b@example.org",
        "regional.gov,Regional,Regional Body,,Town,OH,c@example.org",
        "elsegundo.gov,City,City of El Segundo,,El Segundo,CA,d@example.org",
        "not a domain,City,City of Spaces,,Spaces,OH,e@example.org",
        "tooshort.gov,City,City of Short",
    )))
    problems = {r.record_key: (r.field, r.position) for r in parsed.rejected}
    assert problems == {
        "nameless.gov": ("organization_name", 260), "nowhere.gov": ("state", 261),
        "regional.gov": ("domain_type", 262), "elsegundo.gov": ("domain", 263),
        "not a domain": ("domain", 264), "tooshort.gov": ("record", 265),
    }
    assert all(r.source == "dotgov" and r.source_url == dotgov.URL for r in parsed.rejected)
    assert len(parsed.records) == 231  # the rest is kept


@pytest.mark.parametrize("header, missing", [
    ("Domain name,Domain type,Organization name,Suborganization name,City,Security contact "
     "email", "State"),
    ("domain,type,org", "Domain name"),
])
def test_a_header_without_the_expected_columns_is_a_parse_error(tmp_path, header, missing):
    body = f"{header}\r\nx.gov,City,City of X,,X,OH\r\n".encode()
    with pytest.raises(ParseError) as error:
        dotgov.parse(snapshot_of(tmp_path, body))
    message = str(error.value)
    assert message.startswith("dotgov:") and dotgov.URL in message
    assert missing in message
    assert "Domain name, Domain type, Organization name, Suborganization name, City, State" in (
        message)


def test_an_empty_file_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError, match="empty"):
        dotgov.parse(snapshot_of(tmp_path, b""))


@pytest.mark.parametrize("name, domain_type, state, expected", [
    ("Concho County, Texas", "County", "TX", ("county", "general")),
    ("Charter County of Wayne", "County", "MI", ("county", "general")),
    ("City of Dayton", "City", "OH", ("city", "general")),
    ("Montgomery County", "County", "MD", ("county", "general")),
    ("Ada County Information Technology", "County", "ID", ("county", "department")),
    ("Lincoln County Regional Planning Commission", "County", "ME", ("county", "department")),
    ("Perry Township Police Department", "City", "IN", ("city", None)),
    ("City of Port Arthur", "City", "TX", ("city", "general")),  # a place, not a port
    ("Grant County", "County", "WA", ("county", "general")),
    ("Caddo Parish Police Jury", "County", "LA", ("county", "general")),  # its governing body
    ("North Slope Borough", "County", "AK", ("county", "general")),
    ("Government of the District of Columbia", "State or territory", "DC", ("state", "general")),
    ("Commonwealth of Puerto Rico", "State or territory", "PR", ("state", "general")),
    ("State of Florida / Department of Management Services", "State or territory", "FL",
     ("state", None)),
    ("Hamilton County Supervisor of Elections", "County - Election", "FL", ("county", None)),
    ("Mid-America Regional Council", "Special district", "MO",
     ("special_district", "department")),
    ("Polk County Fire District NO.1", "Special district", "OR", ("special_district", None)),
    ("Shasta County Office of Education", "School district", "CA", ("school_district", None)),
])
def test_classify(name, domain_type, state, expected):
    assert dotgov.classify(name, domain_type, state) == expected


def test_classify_refuses_a_type_not_kept():
    with pytest.raises(ValueError):
        dotgov.classify("Department of Defense", "Federal - Executive")


@pytest.mark.parametrize("raw, state, expected", [
    ("danbury", "TX", "Danbury"), ("ROUND ROCK", "TX", "Round Rock"),
    ("Shafer, MN", "MN", "Shafer"), ("McRae-Helena", "GA", "McRae-Helena"), ("", "UT", None),
])
def test_cities_are_cleaned(raw, state, expected):
    assert dotgov.clean_city(raw, state) == expected


def test_blank_cities_and_states_are_empty_not_guessed(records, listings):
    row = records.set_index("domain").loc["jeffersoncitytn.gov"]
    assert row.isna()["city"] and row.isna()["state"]
    assert listing(listings, "City of Auburn, AL", "AL").isna()["city"]
    assert set(records["state"].dropna()) >= {"PR", "VI", "AS"}  # territories kept


def test_listings_carry_the_shared_columns(listings):
    assert (listings["kind"] == "local_government").all() and (listings["country"] == "US").all()
    assert (listings["source"] == "dotgov").all()
    assert listings["website"].str.fullmatch(r"https://[a-z0-9.-]+\.gov").all()
    areas = dict(zip(listings["government_level"], listings["service_area"], strict=True))
    assert areas == {"city": "city", "county": "county", "state": "state", "tribal": "county"}
    assert listing(listings, "State of Ohio", "OH")["record_id"] == "dotgov:state-government:oh"


def test_health_applies_the_general_government_floor_only_to_a_full_size_file(records):
    assert dotgov.health(records, None) is None  # a sample: too small to judge
    large = pd.concat([records] * 50, ignore_index=True)  # 11,550 domains, 164 governments
    problem = dotgov.health(large, None)
    assert problem and "164 general-purpose governments" in problem and "8,500" in problem
    assert dotgov.profile(records) == {"domains": 231, "general_governments": 164}


def test_summary_counts_domains_and_organizations(records):
    summary = dotgov.summary(records).set_index(["government_level", "government_unit"])
    assert summary.loc[("county", "general"), "domains"] == 45  # Cortland, Weakley: own domains
    assert summary.loc[("county", "general"), "organizations"] == 38
    assert summary.loc[("special_district", "not listed"), "organizations"] == 0


def test_a_replayed_release_publishes_no_security_email(tmp_path):
    """Every source's fixture snapshot replayed, linked and written as the data package (the
    plain functions the Dagster assets call): no published value of the .gov listings holds an
    '@', and no security contact email appears in any published file."""
    from pipelines.fetch.one_source import replay_source
    from pipelines.fetch.records import parse_source
    from pipelines.link.tables import build_release
    from pipelines.publish.release import publish
    from sources.registry import SOURCES

    results = [parse_source(source, replay_source(source, source.default_url,
                                                  SAMPLE_SNAPSHOTS), tmp_path / "state",
                            strict=False)  # the samples are under their floors, as make sample
               for source in SOURCES]
    dotgov_result = next(r for r in results if r.source == "dotgov")
    assert dotgov_result.status == "fresh" and len(dotgov_result.records) == 231
    out = tmp_path / "out"
    release = build_release(results)
    assert publish(release, out, "2026-11-01T12:00:00Z").validated

    domains = pd.read_csv(out / "dotgov_domains.csv", dtype=str, keep_default_na=False)
    assert len(domains) == 231 and "Security contact email" not in domains.columns
    listed = pd.read_csv(out / "source_records.csv", dtype=str, keep_default_na=False)
    listed = listed[listed["source"] == "dotgov"]
    assert len(listed) == 164
    ids = set(listed["intermediary_id"])
    organizations = pd.read_csv(out / "intermediaries.csv", dtype=str, keep_default_na=False)
    organizations = organizations[organizations["intermediary_id"].isin(ids)]
    assert len(organizations) == 164
    for frame in (domains, listed, organizations):
        assert not frame.apply(lambda column: column.str.contains("@")).any().any()
    emails = security_emails()
    for path in (out / "current").rglob("*"):  # CSVs, DuckDB, page and (read) Parquet
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).to_csv()
        elif path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
        else:
            continue
        assert not [e for e in emails if e in text], path.name
