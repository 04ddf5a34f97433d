"""The answer's SQL: the text macros (``texts.sql``), the place lookup (``place_lookup.sql``)
and the answer itself (``near_place.sql``), stored in every release's DuckDB file.

A file's parameters (kind lists, orders, patterns, the radius) are written ``{name}`` and
filled in by :func:`query` from the Python constants of ``pipelines.answer.sections``, so each
rule keeps one home; they are our own constants, never input data, filled in as literals (a
macro cannot take bound parameters).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files


@cache
def _text(name: str) -> str:
    return files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def query(name: str, **values: object) -> str:
    """The SQL of ``<name>.sql`` with each ``{placeholder}`` filled; a missing value is a
    KeyError, never SQL with a hole in it."""
    return _text(name).format_map(values)


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text_list(values: Iterable[str]) -> str:
    """Strings as a SQL list of literals: ``'a', 'b'`` (for ``IN (...)``)."""
    return ", ".join(literal(v) for v in values)


def case_arms(mapping: Mapping[object, object]) -> str:
    """A mapping as the arms of a ``CASE value ... END`` (None keys left out: ELSE covers
    them)."""
    return " ".join(f"WHEN {literal(str(k))} THEN {literal(v) if isinstance(v, str) else v}"
                    for k, v in mapping.items() if k is not None)


def statements(sql: str) -> list[str]:
    """A file's statements (split on ';' at a line's end; comments kept with their
    statement)."""
    return [s.strip() for s in sql.split(";\n") if s.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in s.splitlines())]
