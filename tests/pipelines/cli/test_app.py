"""The ``intermediaries`` command as a user types it: ``near`` on a release, its errors, the
pipeline subcommands, and the README's examples run against a release built from the bundled
sample snapshots."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli.app import app, refresh_app
from tests.pipelines.answer.test_sections import write_release

ROOT = Path(__file__).parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
WIDE = {"COLUMNS": "250", "NO_COLOR": "1"}  # one table row per line, no colour codes


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env={**WIDE, **(env or {})})


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return write_release(tmp_path_factory.mktemp("near"))


@pytest.fixture(scope="module")
def sample_release(tmp_path_factory) -> Path:
    """The release ``make sample`` builds (the bundled sample snapshots), in a temp folder."""
    out = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        built = run("refresh", "--sample", "--output-dir", str(out))
    assert built.exit_code == 0, built.output
    return out


def headings(output: str) -> list[str]:
    return re.findall(r"^\d\. .+$", output, re.M)


# --- near ------------------------------------------------------------------------------------


def test_near_a_zip_prints_the_sections_in_the_guides_order(release):
    result = run("near", "45402", "--release", str(release))
    assert result.exit_code == 0, result.output
    assert headings(result.output) == [
        "1. NNIP partner", "2. City and county government", "3. University units",
        "4. Civic tech groups", "5. State Data Center", "6. Local nonprofits and foundations"]
    assert "Who can I call about data near 45402 (Dayton, OH)?" in result.output
    assert "Sample release" in result.output
    assert "Code for Dayton" not in result.output  # gone
    assert "Dayton Civic Hackers" in result.output


@pytest.mark.parametrize("place", ["Dayton, OH", "39.76,-84.19"])
def test_near_a_city_or_a_point_finds_the_citys_own_government(release, place):
    result = run("near", place, "--release", str(release), "--kind", "government")
    assert result.exit_code == 0, result.output
    assert headings(result.output) == ["1. City and county government"]
    assert re.search(r"City of Dayton +city government +your city \(Dayton\)", result.output)
    assert "your county (Montgomery County)" in result.output


def test_near_shows_what_a_government_publishes_and_a_territorys_government(tmp_path):
    from tests.pipelines.answer.test_sections import RULES_ORGS

    orgs = [{**o, "open_data_portal": "https://data.daytonohio.gov/", "portal_software": "CKAN"}
            if o["name"] == "City of Dayton" else o for o in RULES_ORGS]
    path = write_release(tmp_path, orgs)
    result = run("near", "45402", "--release", str(path), "--kind", "government", "-n", "5")
    assert result.exit_code == 0, result.output
    # a neighbour: first among the others, and why; your city: under its name
    assert re.search(r"City of Huber Heights +city government +publishes data: "
                     r"maps\.huberheightsoh\.gov \(ArcGIS Server\); \d+ km away", result.output)
    assert "publishes data: data.daytonohio.gov (CKAN)" in result.output
    assert result.output.count("publishes data: data.daytonohio.gov") == 1
    guam = run("near", "96910", "--release", str(path), "--kind", "government")
    assert "No city or county government within 100 km; your territory's government:" in \
        guam.output
    assert re.search(r"Government of Guam +state government +your territory's government "
                     r"\(Guam\)", guam.output)
    assert "Adak" not in guam.output and "Kauai" not in guam.output


def test_json_has_the_same_content_as_the_tables(release):
    table = run("near", "59801", "--release", str(release))
    data = json.loads(run("near", "59801", "--release", str(release), "--json").output)
    assert [s["title"] for s in data["sections"]] == [h[3:] for h in headings(table.output)]
    lines = table.output.splitlines()
    for section in data["sections"]:
        if section["note"]:
            assert section["note"] in table.output
        for m in section["matches"]:  # one line per row holds name, what, why, activity
            row = [line for line in lines if line.startswith(m["name"] + " ")]
            assert row, m["name"]
            assert any(m["what"] in r and m["why"] in r and m["activity"] in r
                       and (m["source"] or "") in r for r in row), m["name"]
    for suggestion in data["start_something"]["suggestions"]:
        assert " ".join(suggestion.split()) in " ".join(table.output.split())
    assert data["start_something"]["first_to_ask"]["name"] == "Code for Boise"
    assert data["place"]["county_fips"] == "30063"


def test_options_within_limit_and_kind(release):
    data = json.loads(run("near", "45402", "--release", str(release), "--json", "--kind",
                          "brigade", "--kind", "foundation", "--limit", "1", "--within",
                          "50").output)
    assert [s["key"] for s in data["sections"]] == ["civic_tech", "foundation"]
    assert all(len(s["matches"]) == 1 for s in data["sections"])
    assert data["within_km"] == 50


def test_an_ambiguous_place_lists_candidates(release):
    result = run("near", "Springfield", "--release", str(release))
    assert result.exit_code == 2
    assert "Candidates:" in result.output
    for candidate in ("Springfield, IL", "Springfield, MA", "Springfield, OH"):
        assert candidate in result.output


def test_an_unknown_place_or_kind_is_a_usage_error(release):
    unknown = run("near", "Daytn, OH", "--release", str(release))
    assert unknown.exit_code == 2 and "Dayton, OH" in unknown.output  # a suggestion
    bad_kind = run("near", "45402", "--release", str(release), "--kind", "bakery")
    assert bad_kind.exit_code == 2 and "unknown kind 'bakery'" in bad_kind.output


def test_no_release_yet_says_how_to_get_one(tmp_path):
    result = run("near", "45402", env={"INTERMEDIARIES_OUTPUT_DIR": str(tmp_path)})
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "no release yet" in text and "make sample" in text and "make run" in text
    write_release(tmp_path / "sample")  # after `make sample`: point at it
    hint = run("near", "45402", env={"INTERMEDIARIES_OUTPUT_DIR": str(tmp_path)})
    assert hint.exit_code == 2
    assert f"add --release {tmp_path / 'sample'}" in " ".join(hint.output.split())


def test_the_current_release_is_preferred_to_the_top_level_one(tmp_path):
    write_release(tmp_path / "current")
    write_release(tmp_path, orgs=[])  # an older top-level file with nothing in it
    result = run("near", "45402", "--json", env={"INTERMEDIARIES_OUTPUT_DIR": str(tmp_path)})
    data = json.loads(result.output)
    assert data["release"]["path"] == str(tmp_path / "current" / "intermediaries.duckdb")
    assert data["sections"][0]["matches"]


def test_near_starts_without_dagster(release):
    """Start-up is what a user waits for: no Dagster, no settings."""
    code = ("import sys; from pipelines.cli.app import app\n"
            "try:\n    app(['near', '45402', '--release', sys.argv[1]])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print('dagster' in sys.modules, 'pipelines.settings' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(release)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False False"


# --- the pipeline subcommands ----------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["near"], ["refresh"], ["replay"], ["validate"],
                                     ["status"]])
def test_help_works_without_reading_settings(command):
    result = run(*command, "--help", env={"INTERMEDIARIES_HTTP_TIMEOUT": "banana"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_refresh_replay_and_intermediaries_refresh_run_the_one_refresh_command(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr("pipelines.cli.refresh.refresh",
                        lambda **options: calls.append(options) or 3)
    assert run("refresh", "--sample", "--output-dir", "out").exit_code == 3
    assert run("refresh").exit_code == 3
    assert run("replay", "snaps", "--verbose").exit_code == 3
    alone = CliRunner().invoke(refresh_app, ["--replay", "snaps", "--snapshot-dir", "s"])
    assert alone.exit_code == 3
    nothing = {"replay": None, "sample": False, "output_dir": None, "snapshot_dir": None,
               "verbose": False}
    assert calls == [{**nothing, "sample": True, "output_dir": "out"}, nothing,
                     {**nothing, "replay": "snaps", "verbose": True},
                     {**nothing, "replay": "snaps", "snapshot_dir": "s"}]


def test_validate_and_status_read_the_release(sample_release, tmp_path):
    valid = run("validate", "--release", str(sample_release))
    assert valid.exit_code == 0, valid.output
    assert "valid" in valid.output
    status = run("status", "--release", str(sample_release))
    assert status.exit_code == 0, status.output
    for source in ("cfa", "nnip", "sdc", "dotgov"):
        assert re.search(rf"^{source} +fresh", status.output, re.M), source
    assert re.search(r"version \d{4}\.\d\d\.\d\d\.\d{6}", status.output)
    assert "First release: no earlier release to compare with." in status.output
    broken = tmp_path / "broken"
    shutil.copytree(sample_release / "current", broken)  # one release folder
    csv = broken / "intermediaries.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",nnip_partner,", ",bakery,", 1),
                   encoding="utf-8")
    invalid = run("validate", "--release", str(broken))
    assert invalid.exit_code == 1
    assert "constraint" in invalid.output


def test_status_shows_the_last_run_beside_the_release(sample_release, tmp_path):
    """How the sources fared is the run's: status reads the newest run report, which says a
    source failed its checks even when the release (unchanged) still says it was fresh."""
    out = tmp_path / "out"
    shutil.copytree(sample_release, out, symlinks=True)
    status = run("status", "--release", str(out / "current"))
    assert "Last run" in status.output and "(replay)" in status.output
    report = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text())
    cfa = next(s for s in report["sources"] if s["source"] == "cfa")
    cfa |= {"status": "carried_forward", "failed_checks": True,
            "problem": "cfa: 3 records, down from 22 in the last good snapshot"}
    report |= {"finished_at": "2099-01-01T00:00:00Z", "failed_checks": ["cfa"],
               "release": {"published": False, "reason": "nothing new to publish"}}
    (out / "runs" / "20990101T000000Z.json").write_text(json.dumps(report))
    status = run("status", "--release", str(out / "current"))
    assert status.exit_code == 0, status.output
    assert "Last run 2099-01-01T00:00:00Z" in status.output
    assert "kept the release (nothing new to publish)" in status.output
    assert "Failed their checks in that run" in status.output and "cfa" in status.output
    assert re.search(r"^cfa +carried_forward", status.output, re.M)


# --- the README ------------------------------------------------------------------------------


def readme_section() -> str:
    return README.split("## Who can I call?", 1)[1].split("\n## ", 1)[0]


def test_the_readmes_near_example_runs_on_the_sample_release(sample_release):
    section = readme_section()
    shown = re.search(r"```text\n\$ (intermediaries near .+?)\n(.*?)```", section, re.S)
    command, output = shown[1], shown[2]
    args = command.split()[1:]
    assert args[:2] == ["near", "45402"]
    result = run(*[a if a != "outputs/sample" else str(sample_release) for a in args])
    assert result.exit_code == 0, result.output
    assert headings(result.output) == headings(output)
    notes = re.findall(r"^No .+; the nearest:$", output, re.M)
    assert notes == re.findall(r"^No .+; the nearest:$", result.output, re.M)


def test_the_readmes_sql_examples_run_on_the_sample_release(sample_release):
    block = re.search(r"```sql\n(.*?)```", readme_section(), re.S)[1]
    statements = [s.strip() for s in block.split(";") if s.strip()
                  and not all(line.startswith("--") for line in s.strip().splitlines())]
    assert len(statements) >= 2
    with duckdb.connect(str(sample_release / "intermediaries.duckdb"), read_only=True) as con:
        for statement in statements:
            cursor = con.cursor()
            cursor.execute(statement)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            assert rows, statement
            km = [r[columns.index("distance_km")] for r in rows]
            assert km == sorted(km), statement
