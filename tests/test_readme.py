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


def test_every_source_url_variable_is_in_the_configuration_table():
    for source in SOURCES:
        assert f"`{source.url_variable}`" in README, source.url_variable
        assert source.url_variable.endswith(f"{source.name.upper()}_URL")
        assert f"`INTERMEDIARIES_{source.name.upper()}_MIN_RECORDS`" in README


def test_every_environment_variable_read_by_the_settings_is_documented():
    code = (ROOT / "pipelines" / "settings.py").read_text(encoding="utf-8")
    for name in re.findall(r'get\("([A-Z_]+)"', code):
        assert f"`INTERMEDIARIES_{name}`" in README, name
    assert PipelineSettings.from_env({}).output_dir == "outputs"
