"""The IRS EO BMF source: the recorded regional files, quarantine, layout errors, and fetching
the four files through a local server (conditional requests, the size cap). No internet."""

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from pipelines.link.merge import merge_listings
from sources import irs_bmf
from sources.base import Recorder
from sources.errors import FetchError, ParseError, SnapshotError
from sources.http import HttpSettings, PoliteClient
from sources.snapshot import (
    SAMPLE_SNAPSHOTS,
    Snapshot,
    SnapshotWriter,
    load_snapshot,
    snapshot_folders,
)
from tests.support import FIXTURES, Reply, sample_bodies, serve

RECORDED = FIXTURES / "irs_bmf"  # eo2.csv and eo4.csv whole, with their quarantine rows
SAMPLE = sample_bodies("irs_bmf")  # eo1.csv and eo3.csv (its eo2/eo4 lack those rows)
FAST = HttpSettings(per_host_delay=0.0, retries=0, backoff_factor=0.0, read_timeout=5.0)
CSV = {"Content-Type": "text/csv"}
IN_CARE_OF = ("JANE SAMPLE", "ROBERT EXAMPLE")  # the fixtures' invented in-care-of names


def recorded(name: str) -> bytes:
    return (RECORDED / name if (RECORDED / name).is_file() else SAMPLE / name).read_bytes()


def snapshot_of(root: Path, bodies: dict[str, bytes], base: str = irs_bmf.URL) -> Snapshot:
    writer = SnapshotWriter(root, irs_bmf.NAME, mode="fixture")
    for name, body in bodies.items():
        url = base + name
        writer.add(url=url, final_url=url, status=200, content_type="text/csv", body=body,
                   retrieved_at="2026-11-01T12:00:00Z")
    return writer.close()


def recorded_files() -> dict[str, bytes]:
    return {name: recorded(name) for name in irs_bmf.FILES}


@pytest.fixture
def parsed(tmp_path):
    return irs_bmf.parse(snapshot_of(tmp_path, recorded_files()))


@pytest.fixture
def foundations(parsed):
    return parsed.records.set_index("ein")


# --- the recorded files ------------------------------------------------------------------------

def test_only_community_foundations_are_kept(foundations):
    """The rule of sources.community_foundation: T31 alone is not enough, other codes may be."""
    assert sorted(foundations.index) == [
        "013456789", "131234567", "310000001", "310000003", "310000010", "310000011",
        "530000008", "660000001", "720000001", "850000002", "980000003"]
    assert foundations.loc["310000010", "ntee_code"] == "S20"  # with an endowment
    assert pd.isna(foundations.loc["310000011", "ntee_code"])  # no NTEE code at all
    assert set(foundations["kind"]) == {"community_foundation"}
    # T30 public and T20 private foundations, blank NTEE codes and churches are passed over
    assert not {"112223334", "740000003", "310000002", "141112223", "340000009"} & set(
        foundations.index)
    # ... and so are T31 rows that are not community foundations, and "... Community
    # Foundations" that are private, corporate, police charities or hold $311
    not_ones = {"310000004": "a 501(c)(4) association under T31",
                "310000005": "a corporate private foundation",
                "310000006": "a service club's charity under T31",
                "310000007": "a police charity (P20)",
                "310000009": "a family private foundation under T31Z",
                "310000012": "S20 with $311 of assets"}
    assert not set(not_ones) & set(foundations.index)


def test_eins_and_zips_keep_their_leading_zeros(foundations):
    row = foundations.loc["013456789"]
    assert (row["record_id"], row["zip"], row["state"]) == ("irs_bmf:013456789", "03301", "NH")
    assert foundations.loc["660000001", ["zip", "state", "country"]].tolist() == [
        "00901", "PR", "US"]
    assert foundations.loc["850000002", "zip"] == "87125"  # five digits, no +4


def test_a_quoted_name_with_a_comma_stays_one_name(foundations):
    row = foundations.loc["310000003"]
    assert row["name"] == "COMMUNITY FOUNDATION OF CENTRAL OHIO, INC"
    assert (row["city"], row["state"], row["zip"]) == ("COLUMBUS", "OH", "43215")


def test_amounts_are_integers_and_blank_ones_empty(foundations):
    assert foundations["asset_amount"].dtype == "Int64"
    assert foundations.loc["310000003", "asset_amount"] == 1_200_000_000
    assert foundations.loc["720000001", "income_amount"] == -2_500_000
    blank = foundations.loc["131234567", ["asset_amount", "income_amount", "revenue_amount"]]
    assert blank.isna().all()


def test_ruling_year_comes_from_yyyymm_and_000000_means_none(foundations):
    assert foundations.loc["310000001", "ruling_year"] == 1985
    assert pd.isna(foundations.loc["850000002", "ruling_year"])


def test_a_foreign_address_is_kept_without_state_or_country(foundations):
    row = foundations.loc["980000003"]
    assert row["city"] == "LONDON"
    assert row[["state", "zip", "country"]].isna().all()


def test_the_in_care_of_name_never_appears_and_its_address_is_withheld(parsed, foundations):
    assert not any("ico" in column for column in parsed.records.columns)
    listings = irs_bmf.to_listings(parsed.records)
    everything = " ".join(
        [parsed.records.astype(str).to_csv(), listings.astype(str).to_csv()]
        + [str(rejection) for rejection in parsed.rejected])
    for name in IN_CARE_OF:
        assert name not in everything
    assert pd.isna(foundations.loc["013456789", "street"])  # mailed "% JANE SAMPLE"
    assert foundations.loc["310000001", "street"] == "40 N MAIN ST STE 500"


def test_malformed_rows_are_quarantined_and_the_rest_published(parsed):
    rejected = {(r.source_url.rsplit("/", 1)[-1], r.position): r for r in parsed.rejected}
    assert sorted(rejected) == [("eo2.csv", 4), ("eo2.csv", 5), ("eo2.csv", 6), ("eo4.csv", 1)]
    assert {r.source for r in parsed.rejected} == {"irs_bmf"}
    eight_digits = rejected["eo2.csv", 4]
    assert (eight_digits.record_key, eight_digits.field) == ("38123456", "ein")
    assert "not nine digits" in eight_digits.problem
    bad_zip = rejected["eo2.csv", 5]
    assert (bad_zip.field, bad_zip.record_key) == ("zip", "520000005")
    assert "'2120'" in bad_zip.problem
    unquoted_comma = rejected["eo2.csv", 6]
    assert unquoted_comma.field == "record" and "29 fields, expected 28" in unquoted_comma.problem
    duplicate = rejected["eo4.csv", 1]
    assert duplicate.field == "ein" and "eo3.csv row 0" in duplicate.problem
    assert all(r.retrieved_at == "2026-11-01T12:00:00Z" for r in parsed.rejected)


def test_a_malformed_row_out_of_scope_is_not_rejected(parsed):
    assert "520000007" not in {r.record_key for r in parsed.rejected}  # a B11 with 29 fields


def test_the_ntee_codes_are_a_parameter(tmp_path):
    snapshot = snapshot_of(tmp_path, recorded_files())
    default = set(irs_bmf.parse(snapshot).records["ein"])
    assert len(default) == 11
    # only T30 (and blank) codes: the T31 and S20 community foundations are no longer kept,
    # and the T30 public foundations still are not (their names name no community foundation)
    assert sorted(irs_bmf.parse(snapshot, ntee_codes=["t30 "]).records["ein"]) == ["310000011"]
    configured = irs_bmf.SOURCE.configured(irs_bmf.IrsBmfSettings(ntee=("t31",)))
    assert set(configured.parse(snapshot).records["ein"]) == default - {"310000010"}  # S20


def test_an_unclosed_quote_in_scope_is_rejected_with_what_it_swallowed(tmp_path):
    files = recorded_files()
    lines = files["eo1.csv"].decode().splitlines(keepends=True)
    lines[2] = lines[2].replace("ST MARYS PARISH", '"ST MARYS PARISH')  # never closed
    files["eo1.csv"] = "".join(lines).encode()
    parsed = irs_bmf.parse(snapshot_of(tmp_path, files))
    swallowed = [r for r in parsed.rejected if r.source_url.endswith("eo1.csv")]
    assert len(swallowed) == 1 and "unclosed quote" in swallowed[0].problem
    assert "131234567" not in set(parsed.records["ein"])  # lost inside the broken record


# --- layout changes and damaged snapshots ------------------------------------------------------

def test_a_header_without_the_28_columns_names_source_url_and_columns(tmp_path):
    files = recorded_files()
    files["eo3.csv"] = files["eo3.csv"].replace(b",NTEE_CD,", b",NTEE,", 1)
    with pytest.raises(ParseError) as error:
        irs_bmf.parse(snapshot_of(tmp_path, files))
    message = str(error.value)
    assert message.startswith("irs_bmf: the header lacks NTEE_CD")
    assert irs_bmf.URL + "eo3.csv" in message
    assert "EIN, NAME, ICO, STREET" in message and "NTEE_CD, SORT_NAME" in message


def test_columns_are_read_by_name_not_position(tmp_path):
    files = recorded_files()
    frame = pd.read_csv(SAMPLE / "eo3.csv", dtype=str, keep_default_na=False)
    reordered = frame[list(reversed(frame.columns))].assign(EXTRA="x")
    files["eo3.csv"] = reordered.to_csv(index=False).encode()
    records = irs_bmf.parse(snapshot_of(tmp_path, files)).records.set_index("ein")
    assert records.loc["720000001", "city"] == "NEW ORLEANS"


def test_a_missing_regional_file_fails_instead_of_dropping_a_region(tmp_path):
    writer = SnapshotWriter(tmp_path, irs_bmf.NAME, mode="fixture")
    for name in ("eo1.csv", "eo2.csv", "eo4.csv"):
        writer.add(url=irs_bmf.URL + name, final_url=irs_bmf.URL + name, status=200,
                   content_type="text/csv", body=recorded(name),
                   retrieved_at="2026-11-01T12:00:00Z")
    writer.fail(irs_bmf.URL + "eo3.csv", "irs_bmf: HTTP 503 Service Unavailable")
    with pytest.raises(ParseError, match=r"lacks eo3\.csv \(failed: .*eo3\.csv: .*HTTP 503"):
        irs_bmf.parse(writer.close())


def test_an_empty_file_is_a_parse_error(tmp_path):
    files = recorded_files() | {"eo4.csv": b""}
    with pytest.raises(ParseError, match="eo4.csv.*the file is empty|the file is empty"):
        irs_bmf.parse(snapshot_of(tmp_path, files))


@pytest.mark.parametrize("damage", ["edited", "truncated", "deleted"])
def test_a_damaged_body_is_a_snapshot_error(tmp_path, damage):
    snapshot = snapshot_of(tmp_path, recorded_files())
    body = snapshot.folder / snapshot.pages[1].path
    if damage == "edited":
        body.write_bytes(body.read_bytes().replace(b"DAYTON", b"DAYTUN"))
    elif damage == "truncated":
        body.write_bytes(body.read_bytes()[:-40])
    else:
        body.unlink()
    with pytest.raises(SnapshotError, match=str(body.name)):
        irs_bmf.parse(snapshot)


def test_a_damaged_body_wins_over_the_layout_error_it_causes(tmp_path):
    snapshot = snapshot_of(tmp_path, recorded_files())
    body = snapshot.folder / snapshot.pages[0].path
    body.write_bytes(body.read_bytes().replace(b"NTEE_CD", b"NTEE_XX"))
    with pytest.raises(SnapshotError, match="sha256"):
        irs_bmf.parse(snapshot)


# --- listings ----------------------------------------------------------------------------------

def test_listings_are_keyed_by_ein_with_readable_names(parsed):
    listings = irs_bmf.to_listings(parsed.records).set_index("record_id")
    row = listings.loc["irs_bmf:310000003"]
    assert row["source"] == "irs_bmf" and row["source_key"] == "310000003"
    assert row["name"] == "Community Foundation of Central Ohio, Inc"
    assert (row["city"], row["state"], row["country"]) == ("Columbus", "OH", "US")
    assert row["zip"] == "43215" and row["service_area"] == "county"
    assert row["kind"] == "community_foundation" and row["website"] is None
    # the source table keeps the name exactly as the IRS gives it
    assert parsed.records.set_index("ein").loc["310000003", "name"].isupper()


def test_listings_merge_into_located_intermediaries(parsed):
    merged = merge_listings([irs_bmf.to_listings(parsed.records)])
    intermediaries, source_records = merged.intermediaries, merged.source_records
    assert len(intermediaries) == len(source_records) == 11
    dayton = intermediaries.set_index("name").loc["Greater Dayton Area Community Foundation Inc"]
    assert dayton["state"] == "OH" and dayton["kind"] == "community_foundation"
    assert dayton["latitude"] == pytest.approx(39.76, abs=0.2)


@pytest.mark.parametrize("raw, shown", [
    ("THE DAYTON FOUNDATION", "The Dayton Foundation"),
    ("WOMEN'S FUND OF THE DISTRICT", "Women's Fund of the District"),
    ("O'NEIL FAMILY COMMUNITY FUND", "O'Neil Family Community Fund"),
    ("YMCA OF THE USA FOUNDATION II", "YMCA of the USA Foundation II"),
    ("FUNDACION COMUNITARIA DEL ESTE", "Fundacion Comunitaria del Este"),
    ("4TH DISTRICT FUND-SOUTH / EAST", "4th District Fund-South / East"),
])
def test_readable_names(raw, shown):
    assert irs_bmf.readable(raw) == shown


# --- fetching ----------------------------------------------------------------------------------

def fetch_into(root: Path, base: str, settings: HttpSettings = FAST,
               previous: Snapshot | None = None) -> tuple[Snapshot, PoliteClient]:
    writer = SnapshotWriter(root, irs_bmf.NAME)
    client = PoliteClient(irs_bmf.NAME, settings)
    try:
        irs_bmf.fetch(Recorder(client, writer, previous), base, {})
    finally:
        client.close()
    return writer.close(), client


def conditional_routes(bodies: dict[str, bytes], answered: list[tuple[str, int, int]],
                       validator: str) -> dict:
    """Each file answers 304 (and no body) when the request's validator matches its current
    body (Last-Modified never changes here: only the ETag test changes a file)."""
    def route(name: str):
        def reply(request):
            etag = '"' + hashlib.sha256(bodies[name]).hexdigest()[:16] + '"'
            modified = "Sat, 01 Nov 2026 06:00:00 GMT"
            unchanged = (request.headers.get("If-None-Match") == etag if validator == "etag"
                         else request.headers.get("If-Modified-Since") == modified)
            headers = {"ETag": etag} if validator == "etag" else {"Last-Modified": modified}
            answer = (Reply(status=304, headers=headers) if unchanged
                      else Reply(bodies[name], headers=CSV | headers))
            answered.append((name, answer.status, len(answer.body)))
            return answer
        return reply
    return {f"/irs-soi/{name}": route(name) for name in irs_bmf.FILES}


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_an_unchanged_month_transfers_no_body_and_still_parses(tmp_path, validator):
    answered: list[tuple[str, int, int]] = []
    with serve(conditional_routes(recorded_files(), answered, validator)) as server:
        base = f"{server.url}/irs-soi/"
        first, _ = fetch_into(tmp_path, base)
        second, _ = fetch_into(tmp_path, base, previous=first)
        conditional = [r for r in server.requests if r.path.endswith(".csv")][4:]
    assert [status for _, status, _ in answered] == [200] * 4 + [304] * 4
    assert [size for _, _, size in answered[4:]] == [0, 0, 0, 0]
    header = "If-None-Match" if validator == "etag" else "If-Modified-Since"
    assert all(header in request.headers for request in conditional)
    assert [p.not_modified for p in second.pages] == [True] * 4
    assert [p.sha256 for p in second.pages] == [p.sha256 for p in first.pages]
    assert second.folder != first.folder
    again = irs_bmf.parse(second).records
    before = irs_bmf.parse(first).records
    # the same records; each says when its own snapshot was read (they may be a second apart)
    pd.testing.assert_frame_equal(again.drop(columns="retrieved_at"),
                                  before.drop(columns="retrieved_at"))
    assert set(again["retrieved_at"]) <= {p.retrieved_at for p in second.pages}
    assert set(before["retrieved_at"]) <= {p.retrieved_at for p in first.pages}


def test_a_changed_file_is_fetched_again_and_the_others_cost_nothing(tmp_path):
    answered: list[tuple[str, int, int]] = []
    bodies = recorded_files()
    with serve(conditional_routes(bodies, answered, "etag")) as server:
        base = f"{server.url}/irs-soi/"
        first, _ = fetch_into(tmp_path, base)
        bodies["eo2.csv"] = bodies["eo2.csv"].replace(b"DAYTON,OH", b"KETTERING,OH", 1)
        second, _ = fetch_into(tmp_path, base, previous=first)
    assert [(name, status) for name, status, _ in answered[4:]] == [
        ("eo1.csv", 304), ("eo2.csv", 200), ("eo3.csv", 304), ("eo4.csv", 304)]
    records = irs_bmf.parse(second).records.set_index("ein")
    assert records.loc["310000001", "city"] == "KETTERING"


def test_the_files_may_exceed_the_general_size_cap_but_not_the_sources(tmp_path, monkeypatch):
    small = HttpSettings(per_host_delay=0.0, retries=0, read_timeout=5.0, max_bytes=500)
    routes = {f"/irs-soi/{name}": Reply(body, headers=CSV)
              for name, body in recorded_files().items()}
    with serve(routes) as server:
        snapshot, client = fetch_into(tmp_path, f"{server.url}/irs-soi", small)  # no slash
        assert [p.size for p in snapshot.pages] == [len(b) for b in recorded_files().values()]
        assert client.settings.max_bytes == 500  # the run's client is left as it was
        monkeypatch.setattr(irs_bmf, "MAX_FILE_BYTES", 900)
        with pytest.raises(FetchError, match=r"over the 900-byte limit \(.*/eo1\.csv\)"):
            fetch_into(tmp_path, f"{server.url}/irs-soi/", small)


def test_the_first_file_that_fails_stops_the_fetch(tmp_path):
    routes = {f"/irs-soi/{name}": Reply(body, headers=CSV)
              for name, body in recorded_files().items() if name != "eo2.csv"}
    writer = SnapshotWriter(tmp_path, irs_bmf.NAME)
    with serve(routes) as server:
        client = PoliteClient(irs_bmf.NAME, FAST)
        with pytest.raises(FetchError, match=r"HTTP 404.*eo2\.csv"):
            irs_bmf.fetch(Recorder(client, writer), f"{server.url}/irs-soi/", {})
        client.close()
        fetched = [r.path for r in server.requests if r.path.endswith(".csv")]
    assert fetched == ["/irs-soi/eo1.csv", "/irs-soi/eo2.csv"]
    assert [f.url.rsplit("/", 1)[-1] for f in writer.failures] == ["eo2.csv"]


def test_the_replay_snapshot_parses():
    snapshot = load_snapshot(next(snapshot_folders(SAMPLE_SNAPSHOTS, irs_bmf.NAME)))
    parsed = irs_bmf.parse(snapshot)
    assert snapshot.is_sample and len(parsed.records) == 9 and parsed.rejected == []
    assert set(parsed.records["source_url"]) == {irs_bmf.URL + name for name in irs_bmf.FILES}


def test_the_kept_ntee_codes_are_a_setting(monkeypatch):
    from sources import irs_bmf

    assert irs_bmf.ntee_codes("") == ("T31", "T30", "T20", "S20")
    assert irs_bmf.ntee_codes("t31, T30") == ("T31", "T30")
    with pytest.raises(ValueError, match="not NTEE codes: XX"):
        irs_bmf.ntee_codes("T31,xx")
    variable = irs_bmf.NTEE_VARIABLE
    assert irs_bmf.IrsBmfSettings.model_validate({variable: "t31, T30"}).ntee == ("T31", "T30")
    assert irs_bmf.IrsBmfSettings.model_validate({}).ntee == irs_bmf.NTEE_CODES
    with pytest.raises(ValueError, match="expected comma-separated NTEE codes such as T31"):
        irs_bmf.IrsBmfSettings.model_validate({variable: "T31,xx"})


def test_the_real_rhode_island_and_delaware_rows_publish_only_their_community_foundations(
        tmp_path):
    """The real candidate rows of the two state files (tests/fixtures/irs_bmf/labelled/) read by
    the parser as a regional file: only the two labelled community foundations are published,
    none of the T31 land trusts, clubs and family foundations, none of the corporate "...
    Community Foundations"."""
    real = (RECORDED / "labelled" / "eo_ri_de_2020-07_candidates.csv").read_bytes()
    header = real.split(b"\r\n", 1)[0] + b"\r\n"
    files = {"eo1.csv": real, "eo2.csv": header, "eo3.csv": header, "eo4.csv": header}
    parsed = irs_bmf.parse(snapshot_of(tmp_path, files))
    assert parsed.rejected == []
    foundations = parsed.records.set_index("ein")
    assert sorted(foundations.index) == ["222604963", "222804785"]
    assert foundations.loc["222804785", ["name", "ntee_code", "state"]].tolist() == [
        "DELAWARE COMMUNITY FOUNDATION", "T310", "DE"]
    assert set(foundations["kind"]) == {"community_foundation"}
