"""The whole refresh, in process, in a temporary folder: replayed, live from a local server,
and with a source that breaks. No test here touches the internet."""

import json
import socket
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from frictionless import validate

from pipelines.definitions import build_defs
from pipelines.settings import PipelineSettings
from sources.registry import SOURCES
from sources.snapshot import SAMPLE_SNAPSHOTS
from tests.support import FIXTURES, Reply, sample_bodies, serve

SNAPSHOTS = SAMPLE_SNAPSHOTS
SAMPLE_JSON = (sample_bodies("cfa") / "organizations.json").read_bytes()
FAST = {"http_delay": 0.0, "http_backoff": 0.01, "http_retries": 1, "http_timeout": 2.0}


def closed_port() -> int:
    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refresh(tmp_path: Path, source_urls: dict[str, str] | None = None,
            **settings) -> dg.ExecuteInProcessResult:
    """One refresh in process. Sources not given a URL point at a closed local port, so no
    test ever reaches a live site."""
    nowhere = f"http://127.0.0.1:{closed_port()}"
    urls = {s.name: f"{nowhere}/{s.name}" for s in SOURCES} | (source_urls or {})
    config = {"snapshot_dir": str(tmp_path / "snapshots"), "output_dir": str(tmp_path / "out"),
              "min_records": {s.name: 1 for s in SOURCES}, "source_urls": urls, **FAST,
              **settings}
    job = build_defs(PipelineSettings(**config)).resolve_job_def("refresh")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


@pytest.fixture(autouse=True)
def four_recorded_states(monkeypatch):
    """The SDC fixtures record 4 state pages, so 4 leads are expected instead of 56."""
    monkeypatch.setenv("INTERMEDIARIES_SDC_EXPECTED_LEADS", "4")


def release_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_replayed_snapshot_publishes_a_valid_package_and_database(tmp_path):
    result = refresh(tmp_path, replay_dir=str(SNAPSHOTS))
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    failed = {f"{c.asset_key.to_user_string()}:{c.check_name}" for c in evaluations
              if not c.passed}
    # NNIP and SDC give no coordinates; the IPEDS sample is HD2022, more than two collection
    # years before its recorded retrieval (2026-11-01): a warning, not a failure
    assert failed <= {"intermediaries:geolocated_share", "ipeds_records:current_edition"}
    assert len(evaluations) >= 2 * len(SOURCES) + 3
    out = tmp_path / "out"

    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])
    package = json.loads((out / "datapackage.json").read_text())
    assert package["sample"] is True and "SAMPLE" in package["title"]
    assert package["licenses"] and package["sources"] and package["version"] and package["created"]
    assert package["resources"][0]["schema"]["primaryKey"] == ["intermediary_id"]

    with duckdb.connect(str(out / "intermediaries.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cfa_brigades").fetchone()[0] == 22
        assert con.execute("SELECT count(*) FROM nnip_partners").fetchone()[0] == 6
        leads = con.execute("SELECT count(*) FROM intermediaries WHERE role = 'lead'").fetchone()
        assert leads == (4,)
        linked = con.execute("SELECT count(DISTINCT intermediary_id) FROM source_records")
        assert linked.fetchone()[0] == con.execute(
            "SELECT count(*) FROM intermediaries").fetchone()[0]
        state = con.execute("SELECT state FROM intermediaries WHERE name = 'BetaNYC'").fetchone()
        assert state == ("NY",)
        nearest = con.execute("SELECT name FROM nearest_intermediaries(40.7, -74.0, 3)").fetchall()
        assert ("BetaNYC",) in nearest
        assert con.execute("SELECT sample FROM release_info").fetchone() == (True,)
        universities = con.execute(
            "select count(*) from intermediaries where kind = 'university'").fetchone()
        assert universities == (149,)  # the HD2022 sample's public and non-profit colleges
        assert con.execute("SELECT count(*) FROM ipeds_institutions").fetchone() == (149,)
        osu = con.execute("SELECT land_grant, research_activity, county_fips, website FROM "
                          "intermediaries WHERE name = 'Ohio State University-Main Campus'")
        assert osu.fetchone() == (True, "very high", "39049", "https://www.osu.edu/")
        # the data portals registry: every kept catalog, Dayton's GIS server on the city
        assert con.execute("SELECT count(*) FROM data_portals").fetchone() == (201,)
        dayton = con.execute(
            "SELECT open_data_portal, portal_software, sources FROM intermediaries "
            "WHERE website = 'https://daytonohio.gov'").fetchone()
        assert dayton == ("https://maps.daytonohio.gov/gisservices/arcgis/rest/services",
                          "ArcGIS Server", "dotgov; portals")
        unlinked = con.execute("SELECT count(*) FROM data_portals d LEFT JOIN intermediaries i "
                               "USING (intermediary_id) WHERE d.intermediary_id IS NOT NULL "
                               "AND i.intermediary_id IS NULL").fetchone()
        assert unlinked == (0,)
    assert {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}.items() \
        <= next(lic for lic in package["licenses"] if lic["name"] == "CC-BY-4.0").items()
    assert any("Common Data Index dataportals-registry" in s["title"]
               for s in package["sources"])


def test_each_published_table_shows_its_rows_preview_and_checks_in_dagster(tmp_path):
    result = refresh(tmp_path, replay_dir=str(SNAPSHOTS))
    assert result.success
    materialized = {m.asset_key.to_user_string(): m.metadata
                    for m in result.get_asset_materialization_events()
                    for m in [m.event_specific_data.materialization]}
    out = tmp_path / "out"
    for table in ("intermediaries", "source_records", "events", "changes", "rejected_records",
                  "cfa_brigades"):
        rows = len((out / f"{table}.csv").read_text(encoding="utf-8").splitlines()) - 1
        assert materialized[table]["dagster/row_count"].value == rows, table
        assert "preview" in materialized[table]
    assert materialized["changes"]["since"].value == "first release"
    assert materialized["release"]["published"].value is True
    checked = {(c.asset_key.to_user_string(), c.check_name): c.passed
               for c in result.get_asset_check_evaluations()}
    assert checked[("source_records", "matches_schema")] and checked[("changes",
                                                                      "matches_schema")]
    assert checked[("release", "package_valid")]


def test_a_rerun_with_nothing_new_leaves_the_release_byte_identical(tmp_path):
    assert refresh(tmp_path, replay_dir=str(SNAPSHOTS)).success
    before = release_bytes(tmp_path / "out")
    result = refresh(tmp_path, replay_dir=str(SNAPSHOTS))
    assert result.success
    assert release_bytes(tmp_path / "out") == before
    assert not result.output_for_node("release").published
    assert "unchanged" in result.output_for_node("release").reason


def test_live_fetch_from_a_mirror_then_a_broken_source_keeps_the_last_good_release(tmp_path):
    with serve({"/organizations.json": [Reply(SAMPLE_JSON), Reply(b"<html>oops</html>")]}) as s:
        url = s.url + "/organizations.json"
        first = refresh(tmp_path, source_urls={"cfa": url})
        assert first.success
        records = first.output_for_node("cfa_records")
        assert records.status == "fresh" and not records.sample
        published = release_bytes(tmp_path / "out")
        package = json.loads(published["datapackage.json"])
        assert package["sample"] is False and url in [s["path"] for s in package["sources"]]

        second = refresh(tmp_path, source_urls={"cfa": url})

    assert second.success  # a broken source is reported and skipped, not a crash
    carried = second.output_for_node("cfa_records")
    assert carried.status == "carried_forward"
    assert carried.problem.startswith("cfa:") and url in carried.problem
    assert "not valid JSON" in carried.problem
    assert (carried.records["retrieved_at"] == records.records["retrieved_at"]).all()
    assert release_bytes(tmp_path / "out") == published


def test_unreachable_sources_that_never_succeeded_are_listed_missing(tmp_path):
    result = refresh(tmp_path)
    assert result.success
    for source in SOURCES:
        records = result.output_for_node(f"{source.name}_records")
        assert records.status == "missing" and records.problem.startswith(f"{source.name}:")
        # token sources without a token, and Meetup without known groups, skip calmly
        assert records.skipped or "could not connect" in records.problem
    assert not list((tmp_path / "snapshots").glob("*/2*"))  # a failed fetch leaves no snapshot
    skip = next(c for c in result.get_asset_check_evaluations()
                if c.asset_key.to_user_string() == "meetup_search_records"
                and c.check_name == "refreshed")
    assert not skip.passed and skip.severity == dg.AssetCheckSeverity.WARN  # visible, not fatal
    assert skip.metadata["skipped"].value is True
    assert "INTERMEDIARIES_MEETUP_TOKEN is not set" in skip.metadata["problem"].value
    assert not (tmp_path / "out" / "datapackage.json").exists()
    assert not list((tmp_path / "snapshots").glob("cfa/2*"))  # a failed fetch leaves no snapshot


def test_far_fewer_records_are_not_published_and_the_last_good_ones_carried_forward(tmp_path):
    few = json.dumps(json.loads(SAMPLE_JSON)[:3]).encode()
    with serve({"/organizations.json": [Reply(SAMPLE_JSON), Reply(few)]}) as server:
        url = server.url + "/organizations.json"
        assert refresh(tmp_path, source_urls={"cfa": url}).success
        published = release_bytes(tmp_path / "out")
        result = refresh(tmp_path, source_urls={"cfa": url})
    assert result.success
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert "record_count" in failed
    cfa = result.output_for_node("cfa_records")
    assert cfa.status == "carried_forward" and len(cfa.records) > 3
    assert release_bytes(tmp_path / "out") == published  # the last good data: nothing new
    release = result.output_for_node("release")
    assert not release.published
    runs = sorted((tmp_path / "out" / "runs").glob("*.json"))
    assert json.loads(runs[-1].read_text())["failed_checks"] == ["cfa"]


def test_the_source_url_comes_from_the_environment(monkeypatch):
    from sources.registry import source_named

    monkeypatch.setenv("INTERMEDIARIES_CFA_URL", "http://127.0.0.1:1/mirror.json")
    cfa = source_named("cfa")
    assert PipelineSettings().url_for(cfa) == "http://127.0.0.1:1/mirror.json"
    overridden = PipelineSettings(source_urls={"cfa": "http://127.0.0.1:2/x.json"})
    assert overridden.url_for(cfa) == "http://127.0.0.1:2/x.json"


@pytest.mark.parametrize("name", [s.name for s in SOURCES])
def test_every_source_has_a_fixture_snapshot(name):
    assert list((SNAPSHOTS / name).glob("*/manifest.json"))


SDC_PAGES = sample_bodies("sdc")  # the recorded pages; tests/fixtures/sdc holds the variants


def sdc_routes(texas: Path = SDC_PAGES / "member-network/texas.html") -> dict[str, Reply]:
    routes = {"/about/partners/sdc/member-network.html":
              Reply((SDC_PAGES / "member-network.html").read_bytes())}
    for state in ("new-york", "guam", "district-of-columbia"):
        routes[f"/about/partners/sdc/member-network/{state}.html"] = Reply(
            (SDC_PAGES / "member-network" / f"{state}.html").read_bytes())
    routes["/about/partners/sdc/member-network/texas.html"] = Reply(texas.read_bytes())
    return routes


def test_a_state_page_that_lost_its_agencies_is_carried_forward(tmp_path):
    with serve(sdc_routes()) as server:
        url = server.url + "/about/partners/sdc/member-network.html"
        assert refresh(tmp_path, source_urls={"sdc": url}).success
        published = release_bytes(tmp_path / "out")
    with serve(sdc_routes(texas=FIXTURES / "sdc/changed/maine.html")) as server:
        url = server.url + "/about/partners/sdc/member-network.html"
        result = refresh(tmp_path, source_urls={"sdc": url})
    assert result.success  # the failed check warns; the records it judged are not published
    failed = {c.check_name: c.severity.value for c in result.get_asset_check_evaluations()
              if not c.passed}
    assert failed.get("expected_shape") == "WARN"
    sdc = result.output_for_node("sdc_records")
    assert "TX" in sdc.shape_problem and sdc.status == "carried_forward"
    assert release_bytes(tmp_path / "out") == published  # the same data: nothing new


def test_personal_contacts_are_withheld_unless_enabled(tmp_path):
    assert refresh(tmp_path / "a", replay_dir=str(SNAPSHOTS)).success
    header = (tmp_path / "a/out/sdc_agencies.csv").read_text().splitlines()[0].split(",")
    assert "has_contact_person" in header
    assert not [c for c in header if c.startswith("contact_person")]
    with duckdb.connect(str(tmp_path / "a/out/intermediaries.duckdb"), read_only=True) as con:
        columns = {r[0] for r in con.execute("DESCRIBE sdc_agencies").fetchall()}
    assert "contact_person_name" not in columns

    assert refresh(tmp_path / "b", replay_dir=str(SNAPSHOTS),
                   publish_personal_contacts=True).success
    header = (tmp_path / "b/out/sdc_agencies.csv").read_text().splitlines()[0].split(",")
    assert "contact_person_name" in header


TOKEN = "tok-SECRET-4242-never-published"


def echoing(body: bytes):
    """A server reply that echoes the request's Authorization header into its body, the worst
    case: an API that repeats the credentials it was sent."""
    def reply(request):
        echoed = request.headers.get("Authorization", "").encode()
        return Reply(body.replace(b"Albuquerque", b"Albuquerque " + echoed)
                     .replace(b"Civic", b"Civic " + echoed))
    return reply


def test_tokens_never_reach_snapshots_logs_metadata_or_outputs(tmp_path, monkeypatch):
    from sources import eventbrite

    monkeypatch.setenv("INTERMEDIARIES_MEETUP_TOKEN", TOKEN)
    monkeypatch.setenv("INTERMEDIARIES_EVENTBRITE_TOKEN", TOKEN)
    monkeypatch.setenv("INTERMEDIARIES_EVENTBRITE_ORGS", "207140026882")
    monkeypatch.setenv("INTERMEDIARIES_MEETUP_METROS", "Albuquerque=35.08,-106.65")
    monkeypatch.setenv("INTERMEDIARIES_MEETUP_KEYWORDS", "open data")
    graphql = (sample_bodies("meetup_search") / "graphql_open_data.json").read_bytes()
    events = (sample_bodies("eventbrite") / "events_page2.json").read_bytes()
    events_path = eventbrite.events_url("/v3", "207140026882")
    with serve({"/gql-ext": echoing(graphql), events_path: echoing(events)}) as server:
        (tmp_path / "dagster").mkdir()
        with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
            config = {"snapshot_dir": str(tmp_path / "snapshots"),
                      "output_dir": str(tmp_path / "out"), **FAST,
                      "min_records": {s.name: 0 for s in SOURCES},
                      "source_urls": {"meetup_search": server.url + "/gql-ext",
                                      "eventbrite": server.url + "/v3",
                                      **{s.name: f"http://127.0.0.1:{closed_port()}/"
                                         for s in SOURCES
                                         if s.name not in ("meetup_search", "eventbrite")}}}
            job = build_defs(PipelineSettings(**config)).resolve_job_def("refresh")
            result = job.execute_in_process(instance=instance, raise_on_error=False)
            logged = [str(record) for record in instance.all_logs(result.run_id)]
    assert result.success
    assert server.hits("/gql-ext")[0].headers["Authorization"] == f"Bearer {TOKEN}"  # it was sent
    assert result.output_for_node("meetup_search_records").status == "fresh"
    assert result.output_for_node("eventbrite_records").status == "fresh"
    assert logged and not [line for line in logged if TOKEN in line]
    kept = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "datapackage.json" for p in kept)
    leaked = [str(p) for p in kept if TOKEN.encode() in p.read_bytes()]
    assert not leaked


def nnip_routes(listing: Path) -> dict[str, Reply]:
    from sources import nnip

    pages = sample_bodies("nnip")  # the recorded listing and profiles
    routes = {"/partners/profiles": Reply(listing.read_bytes())}
    for url in nnip.profile_links((pages / "listing.html").read_bytes(), nnip.URL):
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        routes[f"/partners/profiles/{slug}"] = Reply(
            (pages / f"profile_{slug.replace('-', '_')}.html").read_bytes())
    return routes


def test_an_nnip_listing_without_partner_links_fails_the_count_check_and_is_carried_forward(
    tmp_path,
):
    floor = {s.name: 0 for s in SOURCES} | {"nnip": 5}
    with serve(nnip_routes(sample_bodies("nnip") / "listing.html")) as server:
        first = refresh(tmp_path, source_urls={"nnip": server.url + "/partners/profiles"},
                        min_records=floor)
        assert first.success and first.output_for_node("nnip_records").status == "fresh"
        published = release_bytes(tmp_path / "out")
    with serve(nnip_routes(FIXTURES / "nnip/listing_no_links.html")) as server:
        second = refresh(tmp_path, source_urls={"nnip": server.url + "/partners/profiles"},
                         min_records=floor)
    assert second.success
    failed = {f"{c.asset_key.to_user_string()}:{c.check_name}"
              for c in second.get_asset_check_evaluations() if not c.passed}
    assert "nnip_records:record_count" in failed
    nnip = second.output_for_node("nnip_records")
    assert "0 records, expected at least 5" in nnip.count_problem
    assert nnip.status == "carried_forward" and len(nnip.records) > 0
    assert release_bytes(tmp_path / "out") == published


def test_two_live_releases_give_the_exact_changes_by_id(tmp_path):
    """Code for America changes between two refreshes: one brigade leaves, one arrives, one
    moves its events page. The second release's changes.csv names exactly those ids."""
    brigades = json.loads(SAMPLE_JSON)
    later = [b for b in brigades if b["name"] != "Code for ABQ"] + [{
        "name": "Code for Dayton", "website": "https://codefordayton.org/",
        "events_url": "https://www.meetup.com/code-for-dayton/", "city": "Dayton, OH",
        "latitude": "39.7589", "longitude": "-84.1916", "type": "Brigade",
        "tags": ["Brigade"], "location": {"city": "Dayton", "state": "Ohio", "country": "USA"}}]
    atlanta = next(b for b in later if b["name"] == "Code for Atlanta")
    old_events = atlanta["events_url"]
    atlanta["events_url"] = "https://www.meetup.com/code-for-atlanta-new/"
    replies = [Reply(SAMPLE_JSON), Reply(json.dumps(later).encode())]
    with serve({"/organizations.json": replies}) as server:
        urls = {"cfa": server.url + "/organizations.json"}
        assert refresh(tmp_path, urls).success
        first = (tmp_path / "out" / "current").resolve()
        assert refresh(tmp_path, urls).success
    out = tmp_path / "out"
    assert (out / "current").resolve() != first and (first / "changes.csv").is_file()
    ids = {row["name"]: row["intermediary_id"] for row in csv_rows(first / "intermediaries.csv")}
    now = {row["name"]: row["intermediary_id"] for row in csv_rows(out / "intermediaries.csv")}
    changes = csv_rows(out / "changes.csv")
    assert [(c["change"], c["intermediary_id"]) for c in changes if c["change"] != "changed"] == [
        ("added", now["Code for Dayton"]), ("removed", ids["Code for ABQ"])]
    changed = [(c["intermediary_id"], c["changed_field"], c["old_value"], c["new_value"])
               for c in changes if c["change"] == "changed"]
    assert changed == [(ids["Code for Atlanta"], "events_url", old_events,
                        "https://www.meetup.com/code-for-atlanta-new/")]
    package = json.loads((out / "datapackage.json").read_text())
    assert package["changes_since"] == first.name
    assert package["change_counts"] == {"added": 1, "split": 0, "removed": 1, "merged": 0,
                                        "changed": 1, "changed_fields": 1}
    assert "changes" in [r["name"] for r in package["resources"]]
    from typer.testing import CliRunner

    from pipelines.cli.app import app

    status = CliRunner().invoke(app, ["status", "--release", str(out)], env={"COLUMNS": "120"})
    assert f"Changes since {first.name}: 1 added, 1 removed, 1 changed" in status.output


def csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_name_that_cannot_be_written_as_utf8_is_published_with_a_replacement_character(
        tmp_path):
    """JSON's "\\ud800" decodes to a lone surrogate: every check passes it, and the CSV
    writer would stop on it (the publish failed before). It becomes U+FFFD."""
    broken = SAMPLE_JSON.decode().replace('"name": "Code for ABQ"',
                                          '"name": "Code for \\ud800 ABQ"', 1)
    with serve({"/organizations.json": Reply(broken.encode())}) as server:
        assert refresh(tmp_path, {"cfa": server.url + "/organizations.json"}).success
    out = tmp_path / "out"
    assert csv_rows(out / "rejected_records.csv") == []
    names = [row["name"] for row in csv_rows(out / "cfa_brigades.csv")]
    assert len(names) == 22 and "Code for \ufffd ABQ" in names


def test_a_replay_configured_at_launch_is_tagged_replay(tmp_path):
    """As in the UI's launchpad: the job was loaded for live runs, the run's config says
    replay. The run is tagged with what it really did."""
    nowhere = f"http://127.0.0.1:{closed_port()}"
    settings = PipelineSettings(snapshot_dir=str(tmp_path / "snapshots"),
                                output_dir=str(tmp_path / "out"),
                                source_urls={s.name: f"{nowhere}/{s.name}" for s in SOURCES},
                                min_records={s.name: 1 for s in SOURCES}, **FAST)
    job = build_defs(settings).resolve_job_def("refresh")
    instance = dg.DagsterInstance.ephemeral()
    # launchpad config replaces the resource's whole config: name the output folder too, or
    # the replay is published to outputs/replay of the checkout the tests run in
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config={
        "resources": {"settings": {"config": {"replay_dir": str(SNAPSHOTS),
                                              "output_dir": str(tmp_path / "out")}}}})
    assert result.success
    assert instance.get_run_by_id(result.run_id).tags["intermediaries/mode"] == "replay"
    assert (tmp_path / "out" / "current").is_dir()
