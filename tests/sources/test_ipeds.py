"""The IPEDS HD parser on the real 317-row excerpt of HD2022 (Windows-1252, CRLF, " " blanks,
space-padded numbers, WEBADDR without a scheme, CLOSEDAT -2 or MM/DD/YYYY), and the two forms
of the URL (the zip NCES serves, a plain CSV) fetched from a local server."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from schemas.ipeds_codes import CARNEGIE_2021, SECTORS
from sources import ipeds
from sources.base import Recorder
from sources.errors import ParseError
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import SnapshotWriter
from tests.support import FIXTURES, Reply, make_snapshot, sample_bodies, serve

REAL = (FIXTURES / "ipeds" / "hd2022_sample.csv").read_bytes()
URL = "https://nces.ed.gov/ipeds/datacenter/data/HD2022.zip"


def zipped(data: bytes, name: str = "hd2022.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def parse(tmp_path, body: bytes = REAL, url: str = URL,
          retrieved_at: str = "2026-11-01T00:00:00Z"):
    return ipeds.parse(make_snapshot(tmp_path, "ipeds", {url: body}, retrieved_at=retrieved_at,
                                     content_type="application/x-zip-compressed"))


def real_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(REAL.decode("cp1252"), newline="")))


@pytest.fixture
def parsed(tmp_path):
    return parse(tmp_path, zipped(REAL))


def test_the_sample_is_the_real_files_layout():
    assert REAL.count(b"\r\n") == 318 and len(real_rows()) == 317
    assert len(real_rows()[0]) == 73


def test_active_degree_granting_public_and_nonprofit_institutions_are_kept(parsed):
    records = parsed.records
    assert parsed.rejected == [] and len(records) == 149
    assert records["sector"].value_counts().to_dict() == {
        SECTORS[2]: 73, SECTORS[1]: 52, SECTORS[4]: 19, SECTORS[5]: 5}
    # every row of those sectors that is active, open and degree-granting, no other
    expected = {r["UNITID"] for r in real_rows()
                if r["SECTOR"].strip() in {"1", "2", "4", "5", "7", "8"}
                and r["CYACTIVE"].strip() == "1" and r["DEGGRANT"].strip() == "1"
                and r["CLOSEDAT"] == "-2"}
    assert set(records["unitid"]) == expected
    assert set(records["control"]) == {"public", "private nonprofit"}
    assert (records["kind"] == "university").all()


def test_for_profit_and_closed_institutions_are_left_out(parsed):
    kept = set(parsed.records["unitid"])
    by_id = {r["UNITID"]: r for r in real_rows()}
    for_profit = {u for u, r in by_id.items() if r["SECTOR"].strip() in {"3", "6", "9"}}
    assert for_profit and not kept & for_profit
    # closed in 2022 (CLOSEDAT a date), and Mills College (merged: CYACTIVE 3, CLOSEDAT -2)
    assert not kept & {"109086", "122454", "167455", "118888"}
    assert by_id["118888"]["CLOSEDAT"] == "-2" and by_id["109086"]["CLOSEDAT"] == "05/27/2022"


def test_blanks_are_missing_numbers_are_read_padded_and_websites_get_a_scheme(parsed):
    records = parsed.records.set_index("unitid")
    assert records["alias"].isna().sum() == 93 and " " not in set(records["alias"].dropna())
    udel = records.loc["130943"]
    assert udel["name"] == "University of Delaware" and udel["state"] == "DE"
    assert udel["website"] == "https://www.udel.edu/"  # WEBADDR 'www.udel.edu/'
    assert udel["county_fips"] == "10003" and udel["zip"] == "19716"
    assert udel["carnegie_class"] == "Doctoral Universities: Very High Research Activity"
    assert (udel["carnegie_level"], udel["research_activity"]) == ("doctoral", "very high")
    assert bool(udel["land_grant"]) and not bool(udel["hbcu"])
    assert records.loc["241100", "website"] == "https://aupr.edu/"
    assert records.loc["241100", "county_fips"] == "72021"  # COUNTYCD 72021, Bayamón
    assert records["website"].str.startswith("https://").all()
    assert records["latitude"].notna().all() and records["longitude"].notna().all()


def test_land_grant_and_hbcu_flags_come_from_the_file(parsed):
    records = parsed.records
    assert sorted(records[records["land_grant"]]["name"]) == [
        "Central State University", "Delaware State University",
        "Ohio State University-Main Campus", "University of Delaware", "University of Wyoming"]
    assert set(records[records["hbcu"]]["name"]) >= {"Central State University",
                                                     "Delaware State University"}
    assert not records["tribal_college"].any()


def test_windows_1252_text_is_read_right(tmp_path):
    assert "Bayamón Municipio" in ipeds.csv_text(zipped(REAL), URL)  # COUNTYNM, byte 0xF3
    header, first = REAL.split(b"\r\n")[:2]
    row = first.replace(b'"American Conservatory Theater"',
                        "Universidad Politécnica de Puerto Rico".encode("cp1252"))
    row = row.replace(b'"D ",-2,2022,"05/27/2022",3', b'"A ",-2,-2,"-2",1')
    assert b"\xe9" in row
    records = parse(tmp_path, header + b"\r\n" + row + b"\r\n").records
    assert records["name"].tolist() == ["Universidad Politécnica de Puerto Rico"]
    utf8 = parse(tmp_path / "utf8", (header + b"\r\n" + row + b"\r\n").decode("cp1252")
                 .encode("utf-8")).records
    assert utf8["name"].tolist() == ["Universidad Politécnica de Puerto Rico"]


def test_a_plain_csv_and_the_zip_give_the_same_records(tmp_path, parsed):
    plain = parse(tmp_path, REAL, url="http://127.0.0.1:8000/hd2022.csv").records
    assert plain.drop(columns="source_url").equals(parsed.records.drop(columns="source_url"))


@pytest.mark.parametrize("body, problem", [
    (zipped(b"a,b\r\n1,2\r\n"), "the header lacks UNITID"),
    (b"", "the file is empty"),
    (b"PK\x03\x04 not really a zip", "not a readable zip"),
])
def test_a_file_that_is_not_the_hd_file_is_a_parse_error(tmp_path, body, problem):
    with pytest.raises(ParseError, match=problem) as error:
        parse(tmp_path, body)
    assert error.value.source == "ipeds" and error.value.url == URL


def test_a_zip_of_several_csv_files_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hd2022.csv", REAL)
        archive.writestr("hd2022_rv.csv", REAL)
    with pytest.raises(ParseError, match="holds 2 CSV files"):
        parse(tmp_path, buffer.getvalue())


def test_an_unknown_carnegie_code_is_quarantined(tmp_path):
    text = REAL.decode("cp1252")
    lines = text.split("\r\n")
    udel = next(i for i, line in enumerate(lines) if line.startswith("130943,"))
    fields = next(csv.reader([lines[udel]]))
    fields[list(real_rows()[0]).index("C21BASIC")] = "77"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    lines[udel] = out.getvalue()
    parsed = parse(tmp_path, "\r\n".join(lines).encode("cp1252"))
    assert len(parsed.records) == 148
    [rejected] = parsed.rejected
    assert (rejected.record_key, rejected.field) == ("130943", "carnegie_basic")


def test_every_carnegie_class_has_words_and_a_level():
    assert [c.code for c in CARNEGIE_2021] == list(range(1, 34))
    assert {c.code: c.research_activity for c in CARNEGIE_2021 if c.research_activity} == {
        15: "very high", 16: "high"}


@pytest.mark.parametrize("url, retrieved, warns", [
    ("https://nces.ed.gov/ipeds/datacenter/data/HD2023.zip", "2026-12-05T00:00:00Z", False),
    ("https://nces.ed.gov/ipeds/datacenter/data/HD2022.zip", "2026-11-01T00:00:00Z", True),
    ("http://127.0.0.1:8000/copies/hd2024.csv", "2026-01-01T00:00:00Z", False),
    ("http://127.0.0.1:8000/copies/directory.csv", "2026-01-01T00:00:00Z", True),
])
def test_a_file_more_than_two_collection_years_old_warns(tmp_path, url, retrieved, warns):
    records = parse(tmp_path, REAL, url=url, retrieved_at=retrieved).records
    problem = ipeds.stale(records)
    assert (problem is not None) == warns
    if warns and "HD2022" in url:
        assert "2022-23 collection" in problem and "INTERMEDIARIES_IPEDS_URL" in problem


def test_listings_are_universities_keyed_by_unitid_at_the_files_point(parsed):
    listings = ipeds.to_listings(parsed.records).set_index("source_key")
    assert (listings["source"] == "ipeds").all() and (listings["country"] == "US").all()
    assert listings.loc["130943", "record_id"] == "ipeds:130943"
    for column in ("county_fips", "carnegie_class", "land_grant", "latitude", "website"):
        assert column in listings


@pytest.mark.parametrize("path, body", [("/HD2022.zip", zipped(REAL)),
                                        ("/hd2022.csv", REAL)])
def test_both_forms_of_the_url_are_fetched_and_parsed(tmp_path, path, body):
    client = PoliteClient(source="ipeds",
                          settings=HttpSettings(per_host_delay=0, backoff_factor=0, retries=1))
    with serve({path: Reply(body, headers={"Content-Type": "application/octet-stream"})}) as s:
        writer = SnapshotWriter(tmp_path / "snapshots", "ipeds")
        ipeds.SOURCE.fetch(Recorder(client, writer), s.url + path, {})
        snapshot = writer.close()
    client.close()
    records = ipeds.parse(snapshot).records
    assert len(records) == 149 and (records["source_url"] == s.url + path).all()


def test_the_sample_snapshot_is_the_real_excerpt_zipped():
    with zipfile.ZipFile(sample_bodies("ipeds") / "HD2022.zip") as archive:
        assert archive.namelist() == ["hd2022.csv"] and archive.read("hd2022.csv") == REAL


def full_size(sector: str | None = None, copies: int = 20) -> bytes:
    """A file the size of the real one (6,340 rows): the excerpt's rows repeated under new
    UNITIDs, every SECTOR set to ``sector`` when given."""
    lines = REAL.split(b"\r\n")
    rows = [line for line in lines[1:] if line]
    sector_at = list(real_rows()[0]).index("SECTOR")
    out = [lines[0]]
    for number, row in enumerate(row for _ in range(copies) for row in rows):
        fields = next(csv.reader([row.decode("cp1252")]))
        fields[0] = f"{100000 + number:06d}"
        if sector is not None:
            fields[sector_at] = sector
        line = io.StringIO()
        csv.writer(line, lineterminator="").writerow(fields)
        out.append(line.getvalue().encode("cp1252"))
    return b"\r\n".join(out) + b"\r\n"


def test_a_full_size_file_keeping_far_fewer_than_expected_stops_the_publish(tmp_path):
    from pipelines.fetch.records import count_problem

    floor = ipeds.SOURCE.min_records
    assert floor == 2_800
    kept = len(parse(tmp_path, zipped(full_size())).records)
    assert kept == 20 * 149 and count_problem(ipeds.SOURCE, kept, None, floor) is None
    for_profit = len(parse(tmp_path / "fp", zipped(full_size(sector="3"))).records)
    assert for_profit == 0
    assert "expected at least 2800" in count_problem(ipeds.SOURCE, for_profit, None, floor)


def fields_of(unitid: str, **changes: str) -> dict[str, str | None]:
    row = next(r for r in real_rows() if r["UNITID"] == unitid)
    return {c: (changes.get(c, row[c]).strip() or None) for c in ipeds.COLUMNS}


def test_freely_associated_states_are_countries_and_territories_are_us():
    palau = ipeds.institution_row(fields_of("130943", STABBR="PW"))
    assert (palau["state"], palau["country"]) == (None, "PW")
    guam = ipeds.institution_row(fields_of("130943", STABBR="GU"))
    assert (guam["state"], guam["country"]) == ("GU", "US")


def test_an_odd_closing_date_is_a_problem_only_for_a_listed_institution():
    assert not ipeds.listed(fields_of("241146", CLOSEDAT="soon"))  # for-profit: out anyway
    with pytest.raises(ipeds.RecordProblem, match="CLOSEDAT 'soon'"):
        ipeds.listed(fields_of("130943", CLOSEDAT="soon"))
