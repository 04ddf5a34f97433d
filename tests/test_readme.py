"""The README's promises: two set-up commands, CI runs the test one, every setting documented."""

import re
from pathlib import Path

from pipelines.settings import PipelineSettings
from sources.registry import SOURCES

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```\w*\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    run, test = quick_start_commands()
    assert (run, test) == ("make run", "make test")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci


def configuration_table_variables() -> set[str]:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(INTERMEDIARIES_[A-Z_]+)`", section, re.M))


def test_every_setting_the_pipeline_reads_is_in_the_configuration_table():
    documented = configuration_table_variables()
    read = PipelineSettings.known_variables()
    assert {f"INTERMEDIARIES_{s.name.upper()}_URL" for s in SOURCES} <= read
    assert read - documented == set(), "settings read by the code but not documented"


def test_the_configuration_table_documents_no_setting_that_does_not_exist():
    assert configuration_table_variables() - PipelineSettings.known_variables() == set()


def test_the_documented_defaults_are_the_real_ones():
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(INTERMEDIARIES_[A-Z_]+)` \| `([^`]*)` \|", section, re.M))
    for source in SOURCES:
        assert rows[source.url_variable] == source.default_url, source.name
    defaults = PipelineSettings.from_env({})
    assert rows["INTERMEDIARIES_OUTPUT_DIR"] == defaults.output_dir
    assert rows["INTERMEDIARIES_KEEP_SNAPSHOTS"] == str(defaults.keep_snapshots)
    assert float(rows["INTERMEDIARIES_HTTP_TIMEOUT"]) == defaults.http_timeout
