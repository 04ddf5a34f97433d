"""The id memory kept beside the releases: ``id_crosswalk.csv`` and ``id_history.csv``.

Read when a release is built (``read_memory``), written only when that release is published
(``write_crosswalk``, from ``pipelines.publish.release.publish``). What the files hold and how
ids are resolved from them: ``pipelines.link.ids``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.link.ids import CROSSWALK_COLUMNS, STATUSES, IdMemory
from pipelines.publish.csv_writer import restore, write_csv
from schemas.published import ID_HISTORY

CROSSWALK_FILE = "id_crosswalk.csv"
HISTORY_FILE = f"{ID_HISTORY.name}.csv"


class CrosswalkError(Exception):
    """The id crosswalk cannot be read: building on it would mint new ids for everyone."""


def read_memory(output_dir: Path) -> IdMemory:
    """The crosswalk and history beside the published release (empty before the first one).

    A crosswalk that exists but cannot be read stops the build (CrosswalkError): carrying on
    would give every organization a new id."""
    memory = IdMemory.empty()
    crosswalk_path, history_path = output_dir / CROSSWALK_FILE, output_dir / HISTORY_FILE
    crosswalk, history = memory.crosswalk, memory.history
    if crosswalk_path.is_file():
        crosswalk = _read_csv(crosswalk_path, CROSSWALK_COLUMNS)
        crosswalk = crosswalk.map(restore)  # as write_crosswalk neutralised them
        bad = ~crosswalk["intermediary_id"].str.fullmatch(r"im-[0-9a-f]{12}").fillna(False)
        bad |= ~crosswalk["status"].isin(STATUSES)
        bad |= crosswalk[["source", "source_key", "first_seen", "last_seen"]].isna().any(axis=1)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise CrosswalkError(f"{crosswalk_path}: line {row} is not a valid crosswalk row "
                                 "(an id im-<12 hex digits>, a status active/retired/moved, "
                                 "source, source_key and dates); fix or restore the file from "
                                 "a backup before publishing again")
    if history_path.is_file():
        history = _read_csv(history_path, ID_HISTORY.columns).map(restore)
    return IdMemory(crosswalk, history)


def _read_csv(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as error:
        raise CrosswalkError(f"{path}: cannot be read as CSV ({error})") from error
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CrosswalkError(f"{path}: columns {missing} are missing; expected "
                             f"{list(columns)}")
    return frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)


def write_crosswalk(crosswalk: pd.DataFrame, path: Path) -> None:
    """Text a spreadsheet would run as a formula gets an apostrophe, removed when read."""
    write_csv(crosswalk, CROSSWALK_COLUMNS, path)
