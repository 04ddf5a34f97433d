"""The release page, read as HTML and as the JSON the browser gets (the browser itself is in
tests/browser)."""

import json

import pandas as pd
from bs4 import BeautifulSoup

from pipelines.publish.page import PAGE_COLUMNS, render_index, script_json, zip_centroids
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
    return {row[0]: dict(zip(data["columns"], row, strict=True)) for row in data["rows"]}


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


def test_only_placed_organizations_reach_the_map_and_gone_ones_are_never_offered_near():
    rows = organizations(render())
    on_map = sorted(name for name, row in rows.items() if row["latitude"] is not None)
    assert on_map == sorted(example.ON_MAP)
    assert rows["Code for Everywhere"]["latitude"] is None  # region precision
    assert rows["Open Data Somewhere"]["latitude"] is None  # no place at all
    assert rows["Code for Dayton"]["latitude"] is not None  # gone: drawn hollow on the map...
    assert rows["Code for Dayton"]["near"] == 0  # ...but never anyone's nearest
    assert rows[example.NEAREST_TO_45402]["near"] == 1
    assert rows["Code for Everywhere"]["near"] == 0
    assert page_data(render())["columns"] == list(PAGE_COLUMNS)


def test_leaflet_is_inlined_and_nothing_is_loaded_from_elsewhere():
    html = render()
    page = soup(html)
    assert not page.select("script[src]") and not page.select("link[rel=stylesheet]")
    assert 't.version="1.9.3"' in html and ".leaflet-container" in html
    assert "sourceMappingURL" not in html and "url(images/" not in html
    assert "tile.openstreetmap.org" in html  # offered, behind an unchecked box
    assert not page.find(id="tiles").has_attr("checked")


def test_zip_centroids_decode_to_dayton():
    packed = zip_centroids()
    code = lat = lon = 0
    points = {}
    for dc, dlat, dlon in zip(packed["code"], packed["lat"], packed["lon"], strict=True):
        code, lat, lon = code + dc, lat + dlat, lon + dlon
        points[f"{code:05d}"] = (lat / packed["scale"][0], lon / packed["scale"][0])
    assert len(points) > 40_000
    assert abs(points["45402"][0] - 39.756) < 0.01 and abs(points["45402"][1] + 84.19) < 0.01
    assert "00501" in points or "00601" in points  # leading zeros survive


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
