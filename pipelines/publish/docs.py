"""``outputs/README.md``, generated from the column catalogue so it cannot drift from the CSVs.

Regenerate after changing a table or a column:  .venv/bin/python -m pipelines.publish.docs
(``tests/pipelines/publish/test_docs.py`` fails while the committed file differs from this output).
"""

from __future__ import annotations

import re
from pathlib import Path

from schemas.table import Table
from sources.registry import published_tables

README = Path(__file__).resolve().parents[2] / "outputs" / "README.md"

# Markdown table rows are one line each, however long.
INTRODUCTION = """\
# outputs/: what a release contains

Everything in this folder except this README is written by the pipeline (`make run`) and is
git-ignored: releases are built, not committed. This file is generated from the column
catalogue (`schemas/catalogue.py`) by `python -m pipelines.publish.docs`.

## Layout

Each publish writes a complete new folder `releases/<version>/` and then switches `current`
(a symbolic link) to it in one step, so a reader sees the previous release or the new one,
never a mix; a publish that fails or is killed halfway leaves `current` where it was. The
newest releases are kept (`INTERMEDIARIES_KEEP_RELEASES`, 5; `0` keeps all), the current one
always. A run whose sources are unchanged publishes nothing new.

The paths of a single-folder release keep working: `outputs/intermediaries.csv`,
`outputs/datapackage.json`, `outputs/intermediaries.duckdb` and every other file below are
links to `current/<file>`, so they always show the current release. To pin a release, use
its folder: `outputs/releases/2026.12.02.060012/`.

The version is the build time in UTC, `YYYY.MM.DD.HHMMSS` (sortable; a second release in the
same second gets `.2`).

| path (in each release folder) | what it holds |
|---|---|
{files}| `datapackage.json` | Frictionless data package descriptor: a Table Schema for every CSV (types, constraints, keys), licence, sources, `version`, `created`, `sample`, `mode`, `changes_since` (the version `changes.csv` compares with) and `change_counts` |
| `parquet/<table>.parquet` | every table as Parquet (zstd), with dates as `date32` and times as UTC timestamps |
| `intermediaries.duckdb` | the same tables (dates `DATE`, times `TIMESTAMP WITH TIME ZONE`), the `near(lat, lon, n)` and `near_kind(lat, lon, kind, n)` macros, `nearest_intermediaries(lat, lon, n)`, `near_place(place, within_km, n)` (the `near` command's answer as rows) with its place index (`places`, `state_names`, `place_lookup(place)`), views and a `release_info` table; open it read-only |
| `index.html` | a page to look at: first the answer of `intermediaries near` for a ZIP code or "City, ST" (the same sections, rows and distances, computed in the page), then a map, the counts per source and kind, the changes and a searchable table; works offline (from `file://` too): its base map is the U.S. Census Bureau's state outlines (cartographic boundary file `cb_2016_us_state_500k`, public domain, simplified, in the page), the OpenStreetMap tiles load only when switched on |
| `id_crosswalk.csv` | every id ever minted, kept between releases so ids are never reused |

Beside `releases/` and `current`: `runs/<finished-at>.json`, one report per refresh (how each
source fared: fresh, carried forward, left out, and why; the newest 30 kept), which is the
run's and not part of any release; `sample/` and `replay/` (only after `make sample` or a
replay) hold releases of the same layout built from recorded snapshots, marked as a sample;
they never touch the live release.

CSVs are UTF-8 with a header row; an empty cell means unknown. Dates are `YYYY-MM-DD`, times
`YYYY-MM-DDTHH:MM:SSZ` (UTC), typed `date` and `datetime` in the Table Schemas. Lists
(sources, tags) are separated by `; `. Text that a spreadsheet would run as a formula
(starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`. Personal
contact columns are withheld unless `INTERMEDIARIES_PUBLISH_PERSONAL_CONTACTS=true`; the .gov
security contact email and the IRS in-care-of name are never published.
"""  # noqa: E501


def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a word ('U.S. Census' does not end one)."""
    return re.split(r"(?<=[a-z0-9)]{3})\.(?:\s|$)", text, maxsplit=1)[0]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table_section(table: Table) -> str:
    lines = [f"## {table.name}", "", _cell(table.description), ""]
    if table.primary_key:
        lines.append(f"Primary key: {', '.join(f'`{k}`' for k in table.primary_key)}."
                     + ("" if not table.foreign_keys else " Links: " + "; ".join(
                         f"`{c}` → `{t}.{o}`" for c, t, o in table.foreign_keys) + "."))
        lines.append("")
    lines += ["| column | type | required | meaning |", "|---|---|---|---|"]
    for f in table.fields:
        allowed = f" One of: {', '.join(f'`{v}`' for v in f.enum)}." if f.enum else ""
        lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | "
                     f"{_cell(f.description)}{allowed} |")
    return "\n".join(lines) + "\n"


def outputs_readme() -> str:
    tables = published_tables()
    files = "".join(f"| `{t.name}.csv` | {_cell(first_sentence(t.description))} |\n"
                    for t in tables)
    return INTRODUCTION.format(files=files) + "\n" + "\n".join(table_section(t) for t in tables)


if __name__ == "__main__":
    README.write_text(outputs_readme(), encoding="utf-8")
    print(f"wrote {README}")
