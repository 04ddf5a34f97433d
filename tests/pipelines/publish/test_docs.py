"""outputs/README.md is generated from the catalogue: it lists every published table and
column, in the order of the CSVs, and cannot drift."""

from pipelines.publish.docs import README, outputs_readme
from sources.registry import published_tables


def test_the_committed_outputs_readme_is_the_generated_one():
    assert README.read_text(encoding="utf-8") == outputs_readme(), (
        "outputs/README.md is stale: run .venv/bin/python -m pipelines.publish.docs")


def test_every_published_column_is_documented_in_csv_order():
    text = outputs_readme()
    for table in published_tables():
        section = text.split(f"## {table.name}\n", 1)[1].split("\n## ", 1)[0]
        documented = [line.split("`")[1] for line in section.splitlines()
                      if line.startswith("| `")]
        assert documented == list(table.columns), table.name
