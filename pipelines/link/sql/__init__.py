"""The linker's SQL: one file per table it builds or query it runs (``<name>.sql``), and the
macros its queries share (``macros.sql``, ``pair_rules.sql``).

A file's few parameters (vocabulary lists, thresholds, link priorities) are written
``{name}`` and filled in by ``query`` from the Python constants, so each value keeps one home;
they are our own constants, never input data. They are filled in as literals rather than bound
as DuckDB parameters: the SQL DuckDB plans is then the SQL a reader sees, and a macro (the
name normalisation is one) cannot take parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files


@cache
def _text(name: str) -> str:
    return files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def query(name: str, **values: object) -> str:
    """The SQL of ``<name>.sql`` with each ``{placeholder}`` replaced by its value; a
    placeholder without a value is a KeyError, never SQL with a hole in it."""
    return _text(name).format_map(values)


def text_list(values: Iterable[str]) -> str:
    """Strings as a SQL list of literals: ``'a', 'b'`` (for ``IN (...)``)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def case_arms(mapping: Mapping[str, str]) -> str:
    """A mapping as the arms of a SQL ``CASE value ... ELSE value END``."""
    return " ".join(f"WHEN {text_list([k])} THEN {text_list([v])}" for k, v in mapping.items())
