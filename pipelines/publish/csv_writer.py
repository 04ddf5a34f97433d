"""Text a spreadsheet would run as a formula is neutralised in every CSV we write.

OWASP's CSV-injection advice: a cell starting with one of these characters gets a leading
apostrophe. Names come from the web, so any of them may start with '='.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list of formula triggers


def neutralise(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def restore(value: object) -> object:
    """The value ``neutralise`` was given (for files we read back, such as the crosswalk)."""
    if isinstance(value, str) and value[1:2] and value[1] in FORMULA_START and (
            value.startswith("'")):
        return value[1:]
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == "string" or safe[column].dtype == object:
            safe[column] = safe[column].map(neutralise)
    return safe


def write_csv(frame: pd.DataFrame, columns: tuple[str, ...] | list[str],
              path: Path | io.StringIO) -> None:
    """The one CSV writer: UTF-8, '\\n' line ends, formula triggers neutralised."""
    spreadsheet_safe(frame[list(columns)]).to_csv(
        path, index=False, encoding="utf-8", lineterminator="\n")
