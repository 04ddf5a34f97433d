"""Quarantine: a record that cannot be parsed is set aside with the reason, not fatal.

One malformed record must not throw away a whole source. A parser catches what it cannot read
per record (``RecordProblem``) and validates its rows with ``keep_valid_rows``; both produce
``Rejection`` rows for the published ``rejected_records`` table, and the rest of the source is
published. Only when rejects exceed a share of the source does a check set this run's records
aside (the source is then carried forward from its last good snapshot).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa

from schemas.rejected import REJECTED_RECORDS
from schemas.table import empty_frame


class RecordProblem(ValueError):
    """One record could not be read: names the field and what was wrong with it."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True)
class Rejection:
    """A record set aside: which source, which record, which field and why (no personal data)."""

    source: str
    record_key: str
    position: int
    field: str
    problem: str
    source_url: str
    retrieved_at: str


@dataclass
class Parsed:
    """What a parser returns when it can quarantine: the good records and the rejected ones."""

    records: pd.DataFrame
    rejected: list[Rejection] = field(default_factory=list)


def as_parsed(result: pd.DataFrame | Parsed) -> Parsed:
    """Parsers may return a plain frame (nothing rejected) or a ``Parsed``."""
    return result if isinstance(result, Parsed) else Parsed(result)


def writable(value: object) -> object:
    """Text as a UTF-8 file can hold it: what cannot be encoded (a lone surrogate, the usual
    reason a record was rejected) is written as its escape, ``\\ud800``."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def rejected_frame(rejections: list[Rejection]) -> pd.DataFrame:
    if not rejections:
        return empty_frame(REJECTED_RECORDS)
    frame = pd.DataFrame([{k: writable(v) for k, v in asdict(r).items()} for r in rejections],
                         columns=list(REJECTED_RECORDS.columns))
    return frame.drop_duplicates(["source", "source_url", "position"])


def short(value: object, limit: int = 60) -> str:
    """A value as it may appear in an error message: shortened, never a whole record."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


def zip5(text: str | None) -> str | None:
    """'45402-1234', '454021234' or '45402' -> '45402'; blank -> None; anything else is the
    record's problem (the IRS and IPEDS files write ZIP+4 either way)."""
    if not text:
        return None
    match = _ZIP.match(text)
    if not match:
        raise RecordProblem("zip", f"{short(text)} is not a ZIP code (NNNNN or NNNNN-NNNN)")
    return match.group(1)


def keep_valid_rows(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    *,
    source: str,
    key_column: str,
    position_column: str | None = None,
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Validate ``frame`` row by row: rows that break the schema are rejected, the rest kept.

    A failure of the whole frame (a missing column, say) is not a record's fault and raises.
    Rows are identified by ``key_column`` and positioned by ``position_column`` (default: the
    frame's index); ``source_url`` and ``retrieved_at`` columns give their provenance.
    """
    try:
        return schema.validate(frame, lazy=True), []
    except pa_errors.SchemaErrors as errors:
        cases = errors.failure_cases
    bad = cases[cases["index"].notna()]
    if len(bad) != len(cases):  # a column-level failure (missing column, wrong table)
        raise pa_errors.SchemaError(schema, frame, str(cases[cases["index"].isna()].head()))
    rejections: list[Rejection] = []
    for index, group in bad.groupby("index", sort=True):
        row = frame.loc[index]
        first = group.iloc[0]
        column = str(first["column"]) if pd.notna(first["column"]) else "record"
        problem = f"{first['check']} failed for {short(first['failure_case'])}"
        position = int(row[position_column]) if position_column else int(index)
        rejections.append(Rejection(
            source=source,
            record_key=str(row.get(key_column) or f"#{position}"),
            position=position,
            field=column,
            problem=problem,
            source_url=str(row.get("source_url") or ""),
            retrieved_at=str(row.get("retrieved_at") or ""),
        ))
    kept = frame.drop(index=list(bad["index"].unique()))
    return schema.validate(kept), rejections
