"""The data portals registry parser, on the real excerpt of catalogs.jsonl.zst (the 207 US
catalogs of Ohio, Delaware and Wyoming, sources/sample/portals)."""

import io
import json
import random

import pytest
import zstandard

from sources import portals
from sources.errors import ParseError, SnapshotError
from sources.snapshot import Snapshot
from tests.support import make_snapshot, sample_bodies

SAMPLE = sample_bodies("portals") / "catalogs-sample.jsonl.zst"


def snapshot_of(tmp_path, body: bytes):
    return make_snapshot(tmp_path, "portals", {portals.URL: body},
                         content_type="application/zstd")


def lines_of(body: bytes) -> list[dict]:
    text = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body)).read().decode()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def compressed(catalogs: list[object]) -> bytes:
    text = "\n".join(c if isinstance(c, str) else json.dumps(c) for c in catalogs) + "\n"
    return zstandard.ZstdCompressor().compress(text.encode())


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    return portals.parse(snapshot_of(tmp_path_factory.mktemp("portals"), SAMPLE.read_bytes()))


def test_the_sample_keeps_the_us_local_regional_and_academic_catalogs(parsed):
    records = parsed.records
    assert len(lines_of(SAMPLE.read_bytes())) == 207 and parsed.rejected == []
    # 5 'Central government' catalogs and 1 'Civil society' one are left out
    assert records["owner_type"].value_counts().to_dict() == {
        "Local government": 103, "Regional government": 61, "Academy": 37}
    assert records["portal_id"].is_unique and records["portal_uid"].is_unique
    assert records["portal_uid"].str.match(r"^(cdi|temp)\d{8}$").all()
    assert set(records["state"]) == {"OH", "DE", "WY"}
    assert (records["source_url"] == portals.URL).all()


def test_software_is_in_words_and_custom_software_has_none(parsed):
    counts = parsed.records["portal_software"].value_counts(dropna=False).to_dict()
    assert counts["ArcGIS Server"] == 94 and counts["ArcGIS Hub"] == 58
    assert counts["Elsevier Digital Commons"] == 15 and counts["Socrata"] == 6
    assert counts["DSpace"] == 5 and counts["THREDDS"] == 2
    custom = parsed.records[parsed.records["software_id"] == "custom"]
    assert len(custom) == 12 and custom["portal_software"].isna().all()


def test_a_catalog_row_has_its_api_owner_and_rights(parsed):
    rows = parsed.records.set_index("portal_url")
    dayton = rows.loc["https://maps.daytonohio.gov/gisservices/arcgis/rest/services"]
    assert dayton["owner_name"] == "City of Daytonohio" and dayton["state"] == "OH"
    assert dayton["api_endpoint"] == ("https://maps.daytonohio.gov/gisservices/arcgis/rest/"
                                      "services?f=pjson")
    assert dayton["api_endpoint_type"] == "arcgis:rest:services"
    assert dayton["catalog_type"] == "Geoportal" and dayton["portal_rights"] == "global"
    cincinnati = rows.loc["https://data.cincinnati-oh.gov"]
    assert cincinnati["api_endpoint_type"] == "socrata:views"
    assert cincinnati["owner_website"] == "https://www.cincinnati-oh.gov"
    survey = rows.loc["http://maps.dgs.udel.edu:80/geoserver"]
    assert survey["portal_license"].startswith("Academic/Research Use")
    assert survey["api_endpoint_type"] == "wfs200"  # before the WMS, WCS ... it also lists
    # an owner with two websites: the first
    hub = rows.loc["https://newgeohub-uwyo.opendata.arcgis.com/"]
    assert hub["owner_website"] == "https://data.geospatialhub.org"
    # the link columns are the link step's
    assert parsed.records[["intermediary_id", "record_id", "link_reason"]].isna().all().all()


def test_the_body_is_read_as_a_stream_never_whole(tmp_path, monkeypatch):
    def refuse(self, page):
        raise AssertionError("the parser read the whole body")

    monkeypatch.setattr(Snapshot, "body", refuse)
    assert len(portals.parse(snapshot_of(tmp_path, SAMPLE.read_bytes())).records) == 201


def test_lines_come_while_the_stream_is_still_being_read():
    rng = random.Random(7)
    text = "".join(json.dumps({"id": f"c{n}", "name": rng.randbytes(200).hex()}) + "\n"
                   for n in range(20_000))  # ~8 MB of text that compresses poorly
    body = zstandard.ZstdCompressor().compress(text.encode())

    class Counting(io.BytesIO):
        consumed = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.consumed += len(data)
            return data

        def readinto(self, buffer):
            count = super().readinto(buffer)
            Counting.consumed += count
            return count

    raw = Counting(body)
    first = next(portals.json_lines(raw))
    assert json.loads(first)["id"] == "c0"
    # the first line came when a small part of the stream had been read
    assert Counting.consumed < len(body) / 10


def test_plain_json_lines_are_read_too(tmp_path):
    text = SAMPLE.read_bytes()
    plain = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(text)).read()
    assert len(portals.parse(snapshot_of(tmp_path, plain)).records) == 201


def test_a_bad_line_is_quarantined_the_rest_kept(tmp_path):
    catalogs = lines_of(SAMPLE.read_bytes())
    no_link = dict(catalogs[5], link="not a url")
    body = compressed([catalogs[0], "{not json", no_link, *catalogs[6:10]])
    parsed = portals.parse(snapshot_of(tmp_path, body))
    assert len(parsed.records) == 5
    assert [(r.field, r.position) for r in parsed.rejected] == [("record", 1), ("link", 2)]
    assert "not JSON" in parsed.rejected[0].problem


def test_a_page_that_is_no_json_lines_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError, match="no line is a JSON object") as error:
        portals.parse(snapshot_of(tmp_path, b"This page has moved.\n"))
    assert portals.URL in str(error.value)


def test_a_damaged_stream_is_a_parse_error_naming_the_url(tmp_path):
    body = SAMPLE.read_bytes()
    with pytest.raises(ParseError, match="zstd stream is damaged") as error:
        portals.parse(snapshot_of(tmp_path, body[: len(body) // 2] + b"\0" * 64))
    assert portals.URL in str(error.value)


def test_a_body_that_does_not_match_its_manifest_is_a_snapshot_error(tmp_path):
    snapshot = snapshot_of(tmp_path, SAMPLE.read_bytes())
    path = snapshot.folder / snapshot.pages[0].path
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(SnapshotError, match="manifest"):
        portals.parse(snapshot)


def test_owner_types_are_a_setting(tmp_path):
    settings = portals.PortalsSettings(owner_types="Academy")
    assert settings.owner_types == ("Academy",)
    source = portals.SOURCE.configured(settings)
    records = source.parse(snapshot_of(tmp_path, SAMPLE.read_bytes())).records
    assert len(records) == 37 and set(records["owner_type"]) == {"Academy"}
    with pytest.raises(ValueError, match="owner types"):
        portals.PortalsSettings(owner_types=" , ")


def test_api_endpoint_prefers_an_api_to_a_sitemap():
    assert portals.api_endpoint([{"type": "sitemap", "url": "https://x.gov/sitemap.xml"},
                                 {"type": "dcatus11", "url": "https://x.gov/data.json"}]) == (
        "https://x.gov/data.json", "dcatus11")
    assert portals.api_endpoint([{"type": "rss", "url": "https://x.gov/rss"}]) == (None, None)
    assert portals.api_endpoint(None) == (None, None)


def test_software_words_come_from_the_code_table():
    assert portals.software_words("arcgisserver", "whatever") == "ArcGIS Server"
    assert portals.software_words("custom", "Custom software") is None
    assert portals.software_words("newthing", "New Thing") == "New Thing"


def test_listings_come_from_the_link_step(parsed):
    assert portals.to_listings(parsed.records).empty
