"""The release page, read as HTML and as the JSON the browser gets (the browser itself is in
tests/browser)."""

import json
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from geography import get_index
from pipelines.answer import sections
from pipelines.publish.outlines import LICENCE, OUTLINES_FILE, SOURCE, state_outlines
from pipelines.publish.page import (
    PAGE_COLUMNS,
    answer_rules,
    decode_columns,
    encode_columns,
    js_pattern,
    place_index,
    render_index,
    script_json,
)
from tests import example_release as example


def render(tables=None, summary=example.SUMMARY, sample=False) -> str:
    return render_index(tables or example.tables(), summary, example.info(sample=sample))


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def page_data(html: str) -> dict:
    return json.loads(soup(html).find("script", id="page-data").string)


def organizations(html: str) -> dict[str, dict]:
    """name -> row of the embedded data, by column name."""
    data = page_data(html)
    return {row[0]: dict(zip(data["columns"], row, strict=True))
            for row in decode_columns(data["table"], data["columns"])}


def test_only_a_sample_carries_the_sample_banner():
    sample, live = soup(render(sample=True)), soup(render(sample=False))
    assert "SAMPLE" in sample.find(id="sample-banner").get_text()
    assert sample.title.get_text().startswith("Civic data intermediaries (SAMPLE)")
    assert live.find(id="sample-banner") is None and "SAMPLE" not in live.title.get_text()
    assert live.find(id="version").get_text() == example.VERSION


def test_counts_per_source_and_per_kind():
    page = soup(render())
    records = {tr["data-source"]: tr.find_all("td") for tr in page.select("tr[data-source]")}
    assert [records["cfa"][1].get_text(strip=True), records["cfa"][2].get_text()] == ["fresh",
                                                                                    "9"]
    assert "connection refused" in records["sdc"][1].get_text()  # the problem is shown
    assert records["meetup"][3].get_text() == "never"
    kinds = {tr["data-kind"]: [td.get_text() for td in tr.find_all("td")[1:]]
             for tr in page.select("tr[data-kind]")}
    assert kinds["brigade"] == ["3", "3"]  # 3 organizations, all 3 on the map
    assert kinds["civic_tech_network"] == ["1", "0"]  # placed only at a region
    assert page.find(id="kind-total").get_text() == str(len(example.ORGS))
    assert page.find(id="row-count")["data-total"] == str(len(example.ORGS))


def test_the_change_summary_names_the_previous_release_and_lists_the_changes():
    page = soup(render())
    summary = page.find(id="change-summary").get_text(" ", strip=True)
    assert "Since release 2026.11.25.060000" in summary
    assert "1 added" in summary and "1 merged" in summary and "0 split" in summary
    rows = page.select("#change-list tbody tr")
    assert len(rows) == len(example.CHANGES)
    assert [td.get_text() for td in rows[1].find_all("td")][2:] == ["activity", "dormant",
                                                                   "active"]


def test_a_first_release_says_so_and_a_long_change_list_is_capped():
    first = soup(render(summary=example.FIRST_SUMMARY))
    assert first.find(id="change-summary").get_text().startswith("First release")
    tables = example.tables()
    tables["changes"] = pd.DataFrame(
        [("added", f"im-{n:012x}", f"Group {n}", None, None, None, None) for n in range(250)],
        columns=example.CHANGE_COLUMNS)
    capped = soup(render(tables))
    assert len(capped.select("#change-list tbody tr")) == 200
    assert "The first 200 of 250 changes" in capped.find("summary").get_text()


def test_text_from_the_web_is_never_markup():
    tables = example.tables()
    tables["changes"].loc[0, "name"] = example.HOSTILE
    tables["source_status"].loc[3, "problem"] = "<img src=x onerror=alert(4)>"
    html = render(tables)
    assert example.HOSTILE not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the change list, escaped
    hostile = organizations(html)[example.HOSTILE]  # the JSON gives the name back as text
    assert hostile["city"] == "<img src=x onerror=alert(2)>"
    assert hostile["website"] is None  # javascript: is no link


def test_the_data_block_cannot_close_its_script():
    value = {"name": "</script><!-- & -->"}
    encoded = script_json(value)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == value


def test_only_placed_organizations_reach_the_map_with_their_exact_points():
    rows = organizations(render())
    on_map = sorted(name for name, row in rows.items() if row["latitude"] is not None)
    assert on_map == sorted(example.ON_MAP)
    assert rows["Code for Everywhere"]["latitude"] is None  # region precision: no distance
    assert rows["Open Data Somewhere"]["latitude"] is None  # no place at all
    assert rows["Code for Dayton"]["latitude"] is not None  # gone: drawn hollow on the map
    assert rows["Code for Dayton"]["activity"] == "gone"  # (the page's answer never offers it)
    # unrounded, so the page's distances are the command's to the last digit
    assert rows["Dayton Civic Hackers"]["latitude"] == 39.7580
    assert page_data(render())["columns"] == list(PAGE_COLUMNS)


def test_columns_a_release_lacks_read_as_null_and_part_of_points_at_the_university():
    rows = organizations(render())  # this release has none of the IPEDS or portal columns
    for column in ("land_grant", "carnegie_level", "part_of", "open_data_portal"):
        assert {row[column] for row in rows.values()} == {None}
    tables = example.tables()
    frame = tables["intermediaries"]
    frame["part_of"] = None
    frame["land_grant"] = None
    frame.loc[frame["name"] == "The Dayton Foundation", "part_of"] = "im-000000000001"
    frame.loc[frame["name"] == "BetaNYC", "part_of"] = "im-00000000ffff"  # not in the release
    frame.loc[frame["name"] == "Dayton Regional Data Partners", "land_grant"] = "true"
    html = render(tables)
    data = page_data(html)
    decoded = decode_columns(data["table"], data["columns"])
    row = next(r for r in decoded if r[0] == "The Dayton Foundation")
    assert decoded[row[PAGE_COLUMNS.index("part_of")]][0] == example.NEAREST_TO_45402
    assert organizations(html)[example.NEAREST_TO_45402]["land_grant"] is True
    assert organizations(html)["BetaNYC"]["part_of"] == -1  # a unit, of a university not here


def test_columns_are_coded_compactly_and_decode_to_the_rows():
    rows = [["a", 0, None, "Dayton", "OH"], ["b", 0, None, "Dayton", "OH"],
            ["c", 1, "lead", "Xenia", "OH"], ["d", None, None, None, "IN"]]
    columns = ("name", "kind", "role", "city", "state")
    table = encode_columns(rows, columns)
    assert table["columns"]["name"] == ["a", "b", "c", "d"]  # plain
    assert table["columns"]["state"] == {"values": ["OH", "IN"], "codes": [0, 0, 0, 1]}
    assert table["columns"]["role"] == {"values": ["lead"], "codes": [0], "at": [2]}  # sparse
    assert decode_columns(table, columns) == rows


def test_leaflet_is_inlined_and_nothing_is_loaded_from_elsewhere():
    html = render()
    page = soup(html)
    assert not page.select("script[src]") and not page.select("link[rel=stylesheet]")
    assert 't.version="1.9.3"' in html and ".leaflet-container" in html
    assert "sourceMappingURL" not in html and "url(images/" not in html
    assert "tile.openstreetmap.org" in html  # offered, behind an unchecked box
    assert not page.find(id="tiles").has_attr("checked")


def decoded_zips() -> dict[str, tuple[float, float] | None]:
    packed = place_index()
    zips, scale = packed["zip"], packed["scale"]
    code = lat = lon = 0
    points = {}
    for row, (dc, dlat, dlon) in enumerate(zip(zips["code"], zips["lat"], zips["lon"],
                                              strict=True)):
        code, lat, lon = code + dc, lat + dlat, lon + dlon
        points[f"{code:05d}"] = None if row in zips["no_point"] else (lat / scale, lon / scale)
    return points


def test_the_place_index_gives_every_zip_its_exact_point():
    points = decoded_zips()
    index = get_index()
    assert list(points) == index.zip_codes  # the index's order: centres sum in it
    row = index.zip_row["45402"]
    assert points["45402"] == (index.zip_lat[row], index.zip_lon[row])  # to the bit
    assert all(p is None or (p[0] == index.zip_lat[r] and p[1] == index.zip_lon[r])
               for r, p in enumerate(points.values()))
    assert "00501" in points or "00601" in points  # leading zeros survive
    assert sum(p is None for p in points.values()) == len(place_index()["zip"]["no_point"]) > 0


def test_the_place_index_names_cities_counties_and_states():
    packed = place_index()
    index = get_index()
    assert len(packed["city"]["name"]) == len(index.city_names())
    assert packed["county"]["name"][:1] == [index.counties[min(index.counties)].name]
    assert ["GU", "66", "Guam"] in packed["states"] and ["OH", "39", "Ohio"] in packed["states"]
    assert packed["state_keys"]["ohio"] == "OH" and packed["state_keys"]["d.c."] == "DC"


def test_the_answer_rules_come_from_the_python_answer():
    rules = answer_rules()
    assert rules["within_km"] == sections.DEFAULT_WITHIN_KM
    assert rules["limit"] == sections.DEFAULT_LIMIT
    assert rules["max_nearest_km"] == sections.MAX_NEAREST_KM
    reference = sections.answer(sections.Origin("x", 0.0, 0.0), []).sections
    assert [(s["key"], s["title"]) for s in rules["sections"]] == [
        (s.key, s.title) for s in reference]
    government = next(s for s in rules["sections"] if s["key"] == "government")
    assert government["kinds"] == ["local_government", "government"]
    assert rules["role_order"] == sections.ROLE_ORDER
    assert rules["territories"] == ["AS", "GU", "MP", "PR", "VI"]
    assert page_data(render())["rules"] == json.loads(script_json(rules))


@pytest.mark.parametrize("name", ["City of Dayton IT", "Dayton Department of Planning",
                                  "City of Pittsburgh", "Office of Open Data", "City of Dayton",
                                  "Digital Services", "Municipality of Anchorage"])
def test_the_patterns_the_page_gets_match_as_pythons_do(name):
    for attribute in ("_DEPARTMENT", "_COUNTY_WORDS", "_TRIBAL", "_STATE_GOVERNMENT"):
        original = getattr(sections, attribute)
        translated = js_pattern(original)
        # the JavaScript source is also a Python pattern: it must match what the original does
        again = re.compile(translated["source"], re.I if "i" in translated["flags"] else 0)
        assert bool(again.search(name)) == bool(original.search(name)), (attribute, name)
    assert "(?-i:" not in js_pattern(sections._DEPARTMENT)["source"]  # not in every browser


def test_a_pattern_js_pattern_cannot_translate_is_refused():
    with pytest.raises(ValueError, match="does not translate"):
        js_pattern(re.compile(r"[a-z]+(?-i:X)", re.I))


def test_the_state_outlines_are_bundled_small_and_attributed():
    outlines = state_outlines()
    assert len(outlines["states"]) == 56  # 50 states, DC, PR and the island areas
    assert {"OH", "MT", "GU", "PR", "AK", "HI"} <= {usps for usps, _ in outlines["states"]}
    assert OUTLINES_FILE.stat().st_size < 300_000
    assert "public domain" in outlines["licence"] and "cb_2016_us_state_500k" in outlines["source"]
    page = soup(render())
    assert SOURCE in page.find("footer").get_text(" ") and LICENCE in page.find(
        "footer").get_text(" ")
    assert len(page_data(render())["outlines"]["states"]) == 56


def test_the_answer_comes_first_then_the_map_then_the_tables():
    page = soup(render())
    order = [s["id"] for s in page.select("main > section")]
    assert order[:2] == ["ask", "map-section"] and order[-1] == "directory"
    assert page.find("input", id="place") is not None and page.find(id="answer") is not None


def test_a_release_of_15000_organizations_stays_under_4_mb():
    tables = example.tables(example.synthetic_orgs(15_000))
    html = render(tables)
    assert len(html.encode("utf-8")) < 4_000_000
    assert soup(html).find(id="row-count")["data-total"] == "15000"


def test_the_files_of_the_release_are_linked_and_only_files_of_the_release():
    files = [("intermediaries.csv", "one row per organization"), ("parquet/", "Parquet"),
             ("../elsewhere.csv", "outside"), ("javascript:alert(1)", "script"),
             ("https://example.org/x.csv", "another site"), (".hidden", "hidden")]
    page = soup(render_index(example.tables(), example.SUMMARY,
                             {**example.info(sample=False), "files": files}))
    assert [a["href"] for a in page.select("#files a")] == ["intermediaries.csv", "parquet/"]
    assert soup(render()).find(id="files") is None  # no files given, no section
