"""The release page in a real browser: the system Chromium, driven by Playwright, opening the
page from a file:// URL with no network. Without Chromium the tests are skipped, except on CI
(``CI=true``), where they must run: ``make browser`` installs it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.publish.page import CANVAS_ABOVE, render_index
from tests import example_release as example

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium() -> str:
    """The system Chromium, or a skip (a failure on CI) that says how to get it."""
    found = shutil.which("chromium") or next(
        (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        found, why = None, "playwright is not installed (pip install -e '.[test]')"
    else:
        why = "chromium is not installed (make browser, or apt-get install chromium)"
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{why}: CI must run the browser tests")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


class Opened:
    """A page opened from a file, with everything it reported and every request it made."""

    def __init__(self, browser, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []  # an alert() would mean a name ran as script
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("document.getElementById('map').dataset.renderer")

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def attribute(self, selector: str, name: str) -> str | None:
        return self.page.get_attribute(selector, name)

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if not url.startswith("file:")]


def open_release(browser, tmp_path: Path, tables=None, sample: bool = True) -> Opened:
    path = tmp_path / "index.html"
    path.write_text(render_index(tables or example.tables(), example.SUMMARY,
                                 example.info(sample=sample)), encoding="utf-8")
    return Opened(browser, path)


@pytest.fixture
def opened(browser, tmp_path) -> Iterator[Opened]:
    page = open_release(browser, tmp_path)
    yield page
    page.page.close()


def test_the_page_opens_offline_with_every_organization_and_its_markers(opened):
    assert opened.errors == [] and opened.elsewhere() == []
    total = len(example.ORGS)
    assert opened.attribute("#row-count", "data-total") == str(total)
    assert opened.page.text_content("#row-count") == f"{total} of {total} organizations"
    assert opened.count("#organizations tbody tr") == len(example.ORGS)
    assert opened.attribute("#map", "data-renderer") == "svg"
    assert opened.attribute("#map", "data-markers") == str(len(example.ON_MAP))
    assert opened.count("path.leaflet-interactive") == len(example.ON_MAP)
    assert opened.page.is_visible("#sample-banner")
    assert opened.page.locator("#organizations").get_by_text(example.HOSTILE).count() == 1
    assert opened.dialogs == []


def test_the_filter_narrows_the_table(opened):
    opened.page.fill("#search", "dayton brigade")
    opened.page.wait_for_function("document.getElementById('row-count').dataset.matching === '1'")
    assert opened.page.locator("#organizations tbody tr").all_text_contents()[0].startswith(
        "Code for Dayton")
    opened.page.fill("#search", "")
    opened.page.wait_for_function(
        f"document.getElementById('row-count').dataset.matching === '{len(example.ORGS)}'")


def test_a_hostile_listing_stays_text_in_the_table_and_its_popup(browser, tmp_path):
    hostile = [o for o in example.ORGS if o["name"] == example.HOSTILE]
    opened = open_release(browser, tmp_path, example.tables(hostile))
    opened.page.locator("path.leaflet-interactive").click()
    popup = opened.page.wait_for_selector(".leaflet-popup-content")
    assert popup.text_content().startswith(example.HOSTILE)
    assert "<img src=x onerror=alert(2)>, IL" in popup.text_content()
    assert opened.count(".leaflet-popup-content a, .leaflet-popup-content img") == 0
    assert opened.count("#organizations a") == 0  # javascript: is never a link
    assert opened.errors == [] and opened.dialogs == [] and opened.elsewhere() == []
    opened.page.close()


def test_the_tiles_stay_off_until_asked_for(opened):
    assert opened.count(".leaflet-tile") == 0
    assert "OpenStreetMap" not in opened.page.text_content(".leaflet-control-attribution")
    opened.page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    opened.page.check("#tiles")
    opened.page.wait_for_selector(".leaflet-tile", state="attached")
    assert "OpenStreetMap" in opened.page.text_content(".leaflet-control-attribution")


def test_a_big_release_draws_its_markers_on_a_canvas(browser, tmp_path):
    orgs = example.synthetic_orgs(CANVAS_ABOVE * 3)
    expected = sum(o["latitude"] is not None and o["location_precision"] not in ("region", "none")
                   for o in orgs)
    opened = open_release(browser, tmp_path, example.tables(orgs), sample=False)
    assert opened.errors == [] and opened.elsewhere() == []
    assert opened.attribute("#map", "data-renderer") == "canvas"
    assert opened.attribute("#map", "data-markers") == str(expected) and expected > CANVAS_ABOVE
    assert opened.count("path.leaflet-interactive") == 0 and opened.count("canvas") >= 1
    assert opened.attribute("#row-count", "data-total") == str(len(orgs))
    assert opened.count("#organizations tbody tr") == 500
    assert not opened.page.is_visible("#sample-banner")
    opened.page.close()


def test_the_page_a_publish_writes_opens_with_every_organization(browser, tmp_path):
    """The index.html of a real release (every fixture snapshot replayed, linked and
    published), opened from outputs/current/ as a user would."""
    import pandas as pd

    from pipelines.fetch.one_source import replay_source
    from pipelines.fetch.records import parse_source
    from pipelines.link.tables import build_release
    from pipelines.publish.release import publish
    from sources.registry import SOURCES
    from sources.snapshot import SAMPLE_SNAPSHOTS

    results = [parse_source(s, replay_source(s, s.default_url, SAMPLE_SNAPSHOTS),
                            tmp_path / "state", strict=False) for s in SOURCES]  # as make sample
    assert publish(build_release(results), tmp_path / "outputs", "2026-11-01T12:00:00Z").published
    current = tmp_path / "outputs" / "current"
    organizations = pd.read_csv(current / "intermediaries.csv", dtype=str,
                                keep_default_na=False)
    placed = organizations[(organizations["latitude"] != "")
                           & ~organizations["location_precision"].isin(["region", "none"])]
    opened = Opened(browser, current / "index.html")
    assert opened.errors == [] and opened.elsewhere() == []
    assert opened.attribute("#row-count", "data-total") == str(len(organizations))
    assert opened.attribute("#map", "data-markers") == str(len(placed)) and len(placed) > 100
    assert opened.page.is_visible("#sample-banner")  # replayed fixtures: a sample
    links = opened.page.eval_on_selector_all("#files a", "links => links.map(a => a.href)")
    assert "intermediaries.csv" in {Path(link).name for link in links} and len(links) > 10
    assert all(Path(link.removeprefix("file://")).exists() for link in links)
    ARTIFACTS.mkdir(exist_ok=True)
    opened.page.screenshot(path=ARTIFACTS / "release.png", full_page=False)
    opened.page.close()
