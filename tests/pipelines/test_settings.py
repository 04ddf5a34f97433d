"""Settings: every variable read in one place (pipelines/settings.py), validated together, and
each source's own settings handed to the source; no module under sources/ reads the
environment."""

import ast
from pathlib import Path

import pytest

from pipelines.settings import PipelineSettings, SettingsError, read_environment
from sources import eventbrite, irs_bmf, meetup, meetup_search, sdc
from sources.base import Recorder
from sources.errors import FetchError, SourceSkipped
from sources.http import HttpSettings, PoliteClient
from sources.registry import SOURCES, source_named
from sources.snapshot import SAMPLE_SNAPSHOTS, SnapshotWriter, load_snapshot

SOURCES_DIR = Path(sdc.__file__).parent
TOKEN = "tok-SECRET-settings-7781"


# --- one model, one line per bad variable -----------------------------------------------------

def test_nothing_set_gives_the_defaults():
    assert PipelineSettings.from_env({}) == PipelineSettings()
    environment = read_environment({})
    for source in SOURCES:
        assert environment.url(source) is None and environment.floor(source) is None
        assert environment.settings_for(source) == source.settings


def test_values_are_trimmed_and_a_blank_one_is_unset():
    settings = PipelineSettings.from_env({"INTERMEDIARIES_HTTP_TIMEOUT": " 7 ",
                                          "INTERMEDIARIES_OUTPUT_DIR": "  ",
                                          "INTERMEDIARIES_STRICT_CHECKS": "off"})
    assert settings.http_timeout == 7.0 and settings.output_dir == "outputs"
    assert settings.strict_checks is False


BAD = {  # variable -> (value, what the line says is allowed)
    "HTTP_TIMEOUT": ("abc", "expected a number > 0"),
    "HTTP_DELAY": ("nan", "expected a number ≥ 0"),
    "STRICT_CHECKS": ("maybe", "expected true or false (also 1/0, yes/no, on/off)"),
    "KEEP_SNAPSHOTS": ("-3", "expected a whole number ≥ 0"),
    "NNIP_MIN_RECORDS": ("ten", "expected a whole number ≥ 0"),
    "MAX_REJECT_SHARE": ("1.5", "expected a number ≥ 0 and ≤ 1"),
    "CFA_URL": ("not-a-url", "the cfa source URL must start with http:// or https://"),
    "REPLAY_DIR": ("/nonexistent", "no such folder; expected a folder of snapshots"),
    "SDC_EXPECTED_LEADS": ("fifty", "expected a whole number ≥ 0"),
    "IRS_BMF_NTEE": ("T31,xx", "expected comma-separated NTEE codes such as T31, T30"),
    "MEETUP_METROS": ("Denver", "expected 'Name=latitude,longitude' entries separated by ';'"),
}


def test_every_bad_variable_is_one_line_naming_it_its_value_and_what_is_allowed():
    environ = {f"INTERMEDIARIES_{name}": value for name, (value, _) in BAD.items()}
    with pytest.raises(SettingsError) as error:
        PipelineSettings.from_env(environ)
    problems = error.value.problems
    assert len(problems) == len(BAD)  # all of them together, one line each
    for name, (value, allowed) in BAD.items():
        [line] = [p for p in problems if p.startswith(f"INTERMEDIARIES_{name}=")]
        assert line.startswith(f"INTERMEDIARIES_{name}={value!r}: {allowed}")
    assert str(error.value).startswith("invalid settings:\n  ")


def test_a_typo_is_named_with_the_closest_setting():
    notes = PipelineSettings.unknown_variables({"INTERMEDIARIES_HTTP_TIMOUT": "5",
                                                "INTERMEDIARIES_MEETUP_TOKNE": TOKEN,
                                                "INTERMEDIARIES_SDC_URL": "http://x/",
                                                "OTHER": "1"})
    assert notes == [
        "INTERMEDIARIES_HTTP_TIMOUT is not a setting (did you mean INTERMEDIARIES_HTTP_TIMEOUT?)",
        "INTERMEDIARIES_MEETUP_TOKNE is not a setting (did you mean "
        "INTERMEDIARIES_MEETUP_TOKEN?)",
    ]


def test_every_source_setting_is_a_known_variable():
    known = PipelineSettings.known_variables()
    for source in SOURCES:
        assert {source.url_variable, f"INTERMEDIARIES_{source.name.upper()}_MIN_RECORDS"} <= known
    assert {"INTERMEDIARIES_SDC_EXPECTED_LEADS", irs_bmf.NTEE_VARIABLE,
            eventbrite.TOKEN_VARIABLE, eventbrite.ORGS_VARIABLE, meetup.GROUPS_FILE_VARIABLE,
            meetup_search.TOKEN_VARIABLE, meetup_search.KEYWORDS_VARIABLE,
            meetup_search.METROS_VARIABLE} <= known


# --- the launchpad over the environment over the defaults --------------------------------------

def test_a_floor_comes_from_the_launchpad_then_the_environment_then_the_source(monkeypatch):
    cfa = source_named("cfa")
    assert PipelineSettings().floor_for(cfa) == cfa.min_records
    monkeypatch.setenv("INTERMEDIARIES_CFA_MIN_RECORDS", "7")
    assert PipelineSettings().floor_for(cfa) == 7
    assert PipelineSettings(min_records={"cfa": 3}).floor_for(cfa) == 3


def test_tokens_are_never_resource_config(monkeypatch):
    """What the Dagster UI shows and stores with a run holds no token."""
    monkeypatch.setenv(meetup_search.TOKEN_VARIABLE, TOKEN)
    monkeypatch.setenv(eventbrite.TOKEN_VARIABLE, TOKEN)
    settings = PipelineSettings.from_env()
    assert TOKEN not in repr(settings.model_dump()) and TOKEN not in repr(settings)
    configured = settings.configured(source_named("meetup_search"))
    assert configured.settings.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(configured)


# --- each source's settings reach the source ----------------------------------------------------

def polite_client() -> PoliteClient:
    return PoliteClient(source="test", settings=HttpSettings(per_host_delay=0, retries=0))


def test_each_source_s_own_settings_are_read_from_its_variables():
    environment = read_environment({
        "INTERMEDIARIES_SDC_EXPECTED_LEADS": "4",
        irs_bmf.NTEE_VARIABLE: "t30, T20",
        eventbrite.TOKEN_VARIABLE: TOKEN, eventbrite.ORGS_VARIABLE: "123, 456",
        meetup.GROUPS_FILE_VARIABLE: "/somewhere/groups.txt",
        meetup_search.TOKEN_VARIABLE: TOKEN, meetup_search.KEYWORDS_VARIABLE: "open data",
        meetup_search.METROS_VARIABLE: "Denver=39.74,-104.99",
    })
    assert environment.settings_for(sdc.SOURCE) == sdc.SdcSettings(expected_leads=4)
    assert environment.settings_for(irs_bmf.SOURCE) == irs_bmf.IrsBmfSettings(ntee=("T30", "T20"))
    assert environment.settings_for(eventbrite.SOURCE) == eventbrite.EventbriteSettings(
        token=TOKEN, organizations="123, 456")
    assert environment.settings_for(meetup.SOURCE) == meetup.MeetupSettings(
        groups_file=Path("/somewhere/groups.txt"))
    assert environment.settings_for(meetup_search.SOURCE) == meetup_search.SearchSettings(
        token=TOKEN, keywords=("open data",),
        metros=(meetup_search.Metro("Denver", 39.74, -104.99),))
    assert environment.settings_for(source_named("cfa")) is None  # a source without settings


def test_the_sdc_check_gets_the_expected_lead_count(monkeypatch):
    snapshot = load_snapshot(next((SAMPLE_SNAPSHOTS / "sdc").glob("*/manifest.json")).parent)
    records = sdc.parse(snapshot).records
    assert "expected 56" in PipelineSettings().configured(sdc.SOURCE).health(records, None)
    monkeypatch.setenv("INTERMEDIARIES_SDC_EXPECTED_LEADS", str((records["role"] == "lead").sum()))
    assert "lead agencies" not in (
        PipelineSettings().configured(sdc.SOURCE).health(records, None) or "")


def test_the_bmf_parser_gets_the_ntee_codes(monkeypatch):
    snapshot = load_snapshot(next((SAMPLE_SNAPSHOTS / "irs_bmf").glob("*/manifest.json")).parent)
    assert len(PipelineSettings().configured(irs_bmf.SOURCE).parse(snapshot).records) == 9
    monkeypatch.setenv(irs_bmf.NTEE_VARIABLE, "T30")  # no T31 community foundation any more
    assert len(PipelineSettings().configured(irs_bmf.SOURCE).parse(snapshot).records) == 0


def test_the_eventbrite_fetch_gets_its_token_and_organizations(tmp_path, monkeypatch):
    writer = SnapshotWriter(tmp_path, "eventbrite")
    fetch = PipelineSettings().configured(eventbrite.SOURCE).fetch
    with pytest.raises(SourceSkipped, match="INTERMEDIARIES_EVENTBRITE_TOKEN is not set"):
        fetch(Recorder(polite_client(), writer), "http://127.0.0.1:9/v3", {})
    monkeypatch.setenv(eventbrite.TOKEN_VARIABLE, TOKEN)  # a token, but no organizations yet
    fetch = PipelineSettings().configured(eventbrite.SOURCE).fetch
    with pytest.raises(SourceSkipped, match="INTERMEDIARIES_EVENTBRITE_ORGS names no"):
        fetch(Recorder(polite_client(), writer), "http://127.0.0.1:9/v3", {})
    monkeypatch.setenv(eventbrite.ORGS_VARIABLE, "kc-civic")
    fetch = PipelineSettings().configured(eventbrite.SOURCE).fetch
    with pytest.raises(FetchError, match="not organization ids: kc-civic"):
        fetch(Recorder(polite_client(), writer), "http://127.0.0.1:9/v3", {})


def test_the_meetup_fetch_gets_the_groups_file(tmp_path, monkeypatch):
    monkeypatch.setenv(meetup.GROUPS_FILE_VARIABLE, str(tmp_path / "nowhere.txt"))
    fetch = PipelineSettings().configured(meetup.SOURCE).fetch
    with pytest.raises(FetchError, match="nowhere.txt does not exist"):  # before any request
        fetch(Recorder(polite_client(), SnapshotWriter(tmp_path, "meetup")),
              "http://127.0.0.1:9", {})


def test_the_meetup_search_gets_its_token_keywords_and_metros(tmp_path, monkeypatch):
    writer = SnapshotWriter(tmp_path, "meetup_search")
    with pytest.raises(SourceSkipped, match="INTERMEDIARIES_MEETUP_TOKEN is not set"):
        PipelineSettings().configured(meetup_search.SOURCE).fetch(
            Recorder(polite_client(), writer), "http://127.0.0.1:9/gql-ext", {})
    monkeypatch.setenv(meetup_search.TOKEN_VARIABLE, TOKEN)
    monkeypatch.setenv(meetup_search.KEYWORDS_VARIABLE, "open data")
    monkeypatch.setenv(meetup_search.METROS_VARIABLE, "Denver=39.74,-104.99")
    settings = PipelineSettings().configured(meetup_search.SOURCE).settings
    assert settings.token.get_secret_value() == TOKEN
    assert (settings.keywords, [m.name for m in settings.metros]) == (("open data",), ["Denver"])


# --- no source reads the environment -------------------------------------------------------------

def environment_reads(tree: ast.AST) -> list[str]:
    """Uses of os.environ / os.getenv / os.putenv, imports of them, and pydantic-settings
    models (which read the environment when built)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv",
                                                             "environb", "unsetenv"):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"line {node.lineno}: from os import {a.name}" for a in node.names
                      if a.name in ("environ", "getenv", "putenv", "environb", "unsetenv")]
        elif isinstance(node, ast.ClassDef):
            found += [f"line {node.lineno}: {node.name} is a BaseSettings" for base in node.bases
                      if "BaseSettings" in ast.unparse(base)]
    return found


def test_no_module_under_sources_reads_the_environment():
    reads = {path.name: environment_reads(ast.parse(path.read_text(encoding="utf-8")))
             for path in sorted(SOURCES_DIR.rglob("*.py"))}
    assert {name: found for name, found in reads.items() if found} == {}
    assert environment_reads(ast.parse("import os\nos.environ.get('X')\n"))  # it would see one


def test_every_source_with_settings_can_be_configured():
    for source in SOURCES:
        if source.settings is None:
            assert source.configured(None) is source
            continue
        configured = source.configured(type(source.settings)())
        assert configured.name == source.name and configured.settings == source.settings
