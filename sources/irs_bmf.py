"""Community foundations from the IRS Exempt Organizations Business Master File (EO BMF) extract.

The IRS publishes the BMF monthly as four regional CSV files, ``eo1.csv`` … ``eo4.csv`` in one
folder (Northeast; Mid-Atlantic and Great Lakes; Gulf Coast and Pacific; international and all
others): together about 1.9 million organizations and a few hundred MB, 28 columns, one row per
EIN. Community foundations are the rows that pass the rule of ``sources.community_foundation``
(codes, assets and a name that says "community foundation of a place"; NTEE T31 alone is a weak
flag).

Streaming: the parser never loads a whole file. Each archived body is read once, through a
reader that feeds sha256 as it goes (the snapshot's integrity check, without holding 100+ MB in
memory) and a stdlib ``csv`` reader that passes over, on a few string comparisons, every row
that cannot be a community foundation (``community_foundation.is_candidate``). DuckDB's CSV
reader was as fast as needed too, but it cannot say which line a row came from (2.0.1 refuses
``file_row_number`` for CSV), and a quarantined record must give its position in the file.

Privacy: ``ICO`` (the "in care of" name) is a person's name. It is never copied into any row,
rejection or message; it is only looked at to decide whether the street line is the
organization's own address (no in-care-of name) or that person's mailing address (withheld).

A snapshot lacking one of the four files fails to parse (a partial BMF would silently drop every
foundation of a region); so does a file whose header lacks any of the 28 columns. A row that
is in scope but malformed (EIN not nine digits, a bad ZIP, a wrong number of fields) is
quarantined as a ``Rejection``; the rest of the source is published.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from typing import Annotated, Any, TextIO

import pandas as pd
import pandera.pandas as pa
import us
from pydantic import BeforeValidator, Field
from pydantic_settings import NoDecode

from schemas.irs_bmf import IRS_BMF_FOUNDATIONS
from schemas.table import pandera_schema
from sources.base import Recorder, Source, SourceSettings, bound
from sources.community_foundation import (
    COMMUNITY_FOUNDATION_CODE,
    NAME_ANYWHERE,
    NTEE_GROUPS,
    classify,
    is_candidate,
    ntee_group,
)
from sources.errors import ParseError, SnapshotError
from sources.http import PoliteClient
from sources.rejects import Parsed, RecordProblem, Rejection, keep_valid_rows, short, zip5
from sources.snapshot import Page, Snapshot

NAME = "irs_bmf"
URL = "https://www.irs.gov/pub/irs-soi/"  # the folder; the fetch plan appends the file names
HOMEPAGE = ("https://www.irs.gov/charities-non-profits/"
            "exempt-organizations-business-master-file-extract-eo-bmf")
FILES = ("eo1.csv", "eo2.csv", "eo3.csv", "eo4.csv")
COLUMNS = ("EIN", "NAME", "ICO", "STREET", "CITY", "STATE", "ZIP", "GROUP", "SUBSECTION",
           "AFFILIATION", "CLASSIFICATION", "RULING", "DEDUCTIBILITY", "FOUNDATION", "ACTIVITY",
           "ORGANIZATION", "STATUS", "TAX_PERIOD", "ASSET_CD", "INCOME_CD", "FILING_REQ_CD",
           "PF_FILING_REQ_CD", "ACCT_PD", "ASSET_AMT", "INCOME_AMT", "REVENUE_AMT", "NTEE_CD",
           "SORT_NAME")
# NTEE groups a community foundation may carry (rule 3 of sources.community_foundation; a code
# is read by its first three characters, T310 and T31Z are T31; blank codes always pass).
NTEE_CODES: tuple[str, ...] = NTEE_GROUPS
NTEE_VARIABLE = "INTERMEDIARIES_IRS_BMF_NTEE"
NTEE_PATTERN = r"^[A-Z]\d{2}$"  # T31, T30, S20 ...


def ntee_codes(text: str | None) -> tuple[str, ...]:
    """'T31, t30' -> ('T31', 'T30'); blank -> the default. ValueError names a bad group."""
    codes = tuple(c.strip().upper() for c in (text or "").split(",") if c.strip())
    bad = [c for c in codes if not re.match(NTEE_PATTERN, c)]
    if bad:
        raise ValueError(f"not NTEE codes: {', '.join(bad)}")
    return codes or NTEE_CODES


def _codes_setting(value: object) -> tuple[str, ...]:
    """The setting as text ('T31, T30') or as codes; ValueError says what is allowed."""
    text = value if isinstance(value, str) else ",".join(value)  # type: ignore[arg-type]
    try:
        return ntee_codes(text)
    except ValueError:
        raise ValueError("expected comma-separated NTEE codes such as T31, T30") from None


class IrsBmfSettings(SourceSettings):
    """Which NTEE codes a community foundation may carry."""

    ntee: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_codes_setting)] = Field(
        NTEE_CODES, validation_alias=NTEE_VARIABLE,
        description="NTEE code groups a community foundation may carry (blank codes always "
        "may); the rest of the rule (public charity, assets, a place's name) still applies.")
# Community foundations usually serve a county or a multi-county region, rarely one city.
SERVICE_AREA = "county"
# The regional files are tens to a few hundred MB each, over the client's general 50 MB cap;
# this cap applies to this source's requests only, and still stops a runaway response.
MAX_FILE_BYTES = 512 * 1024 * 1024
EXPECTED_FILES = "the four regional files " + ", ".join(FILES)
EXPECTED_HEADER = "a CSV header with the 28 BMF columns: " + ", ".join(COLUMNS)

_CHUNK = 1 << 20
_EIN = re.compile(r"^\d{9}$")
_RULING = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_AMOUNT = re.compile(r"^-?\d+$")
_MALFORMED_IN_SCOPE = re.compile(
    rf"{NAME_ANYWHERE.pattern}|(?<![A-Z0-9]){COMMUNITY_FOUNDATION_CODE}", re.IGNORECASE)
_USPS = frozenset({s.abbr for s in us.states.STATES_AND_TERRITORIES}
                  | {"AA", "AE", "AP", "FM", "MH", "PW"})  # military mail, freely associated


# --- fetch ------------------------------------------------------------------------------------

def file_urls(folder: str) -> list[str]:
    """The four regional file URLs in the folder ``folder`` (a trailing slash is optional)."""
    base = folder if folder.endswith("/") else folder + "/"
    return [base + name for name in FILES]


def fetch(recorder: Recorder, url: str, upstream: Mapping[str, pd.DataFrame]) -> None:
    """GET the four regional files into the snapshot, conditionally (an unchanged month is a
    304 per file: no body is transferred, the previous body is archived again).

    Requests go through a client like the run's own but with this source's larger size cap.
    The first file that fails stops the plan: a partial BMF is of no use (see ``parse``).
    """
    settings = recorder.client.settings
    client = PoliteClient(
        source=recorder.client.source,
        settings=replace(settings, max_bytes=max(settings.max_bytes, MAX_FILE_BYTES)),
        sleep=recorder.client.sleep,
    )
    large = Recorder(client, recorder.writer, recorder.previous_snapshot, recorder.progress)
    try:
        for file_url in file_urls(url):
            large.get(file_url, expected="an IRS EO BMF regional CSV file")
    finally:
        client.close()


# --- parse ------------------------------------------------------------------------------------

def parse(snapshot: Snapshot, ntee_codes: Iterable[str] = NTEE_CODES) -> Parsed:
    """Snapshot of the four regional files -> community foundations, and the rows set aside.

    ``ntee_codes`` are the NTEE groups a community foundation may carry (default T31, T30, T20,
    S20); the pipeline may pass a setting.
    """
    codes = frozenset(ntee_group(code) for code in ntee_codes)
    kept: list[pd.DataFrame] = []
    rejected: list[Rejection] = []
    for page in region_pages(snapshot):
        with verified_text(snapshot, page) as stream:
            rows, problems = read_region(stream, page, codes)
        frame = pd.DataFrame.from_dict(rows, orient="index",
                                       columns=list(IRS_BMF_FOUNDATIONS.columns))
        valid, invalid = keep_valid_rows(frame, _schema(), source=NAME, key_column="ein")
        kept.append(valid)
        rejected += problems + invalid
    records, duplicates = _first_of_each_ein(kept)
    records = records.sort_values("ein", kind="stable").reset_index(drop=True)
    return Parsed(_schema().validate(records), rejected + duplicates)


def region_pages(snapshot: Snapshot) -> list[Page]:
    """The snapshot's page for each regional file, in file order; all four or a ParseError."""
    found: dict[str, Page] = {}
    for page in snapshot.pages:
        name = page.url.rstrip("/").rsplit("/", 1)[-1].lower()
        if name in FILES and page.status in (200, 304):
            found.setdefault(name, page)
    missing = [name for name in FILES if name not in found]
    if missing:
        failures = [f"{f.url}: {f.error}" for f in snapshot.failures
                    if f.url.rsplit("/", 1)[-1].lower() in missing]
        where = next(iter(found.values())).url if found else URL
        detail = f" (failed: {'; '.join(failures)})" if failures else ""
        raise ParseError(NAME, where, f"the snapshot lacks {', '.join(missing)}{detail}; a "
                         "partial BMF would drop every foundation of the missing regions",
                         EXPECTED_FILES)
    return [found[name] for name in FILES]


def read_region(
    stream: TextIO, page: Page, codes: frozenset[str]
) -> tuple[dict[int, dict[str, Any]], list[Rejection]]:
    """One regional file -> (community foundations by position in the file, rejected rows).

    Rows that cannot be community foundations are passed over on their codes; candidates are
    judged by ``community_foundation.classify``. A row with the wrong number of fields is
    rejected when it reads like one anywhere ("community foundation", or T31: its columns
    cannot be trusted; others are out of scope).
    """
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            raise ParseError(NAME, page.url, "the file is empty", EXPECTED_HEADER)
        index = header_index(header, page.url)
        rows: dict[int, dict[str, Any]] = {}
        rejected: list[Rejection] = []
        for position, fields in _wanted(reader, index, len(header), codes):
            try:
                if len(fields) != len(header):
                    raise RecordProblem("record", _malformed(fields, len(header)))
                values = {c: fields[i].strip() for c, i in index.items()}
                if not is_community_foundation(values, codes):
                    continue
                row = foundation_row(values)
            except RecordProblem as problem:
                ein = fields[index["EIN"]].strip() if len(fields) > index["EIN"] else ""
                rejected.append(Rejection(
                    source=NAME, record_key=ein or f"#{position}", position=position,
                    field=problem.field, problem=problem.problem, source_url=page.url,
                    retrieved_at=page.retrieved_at))
                continue
            rows[position] = {**row, "source_url": page.url, "retrieved_at": page.retrieved_at}
    except csv.Error as error:
        raise ParseError(NAME, page.url, f"unreadable CSV near line {reader.line_num} "
                         f"({error})", "a comma-separated file with quoted fields") from error
    return rows, rejected


def _malformed(fields: list[str], width: int) -> str:
    lines = sum(field.count("\n") for field in fields)
    if lines:
        return (f"{len(fields)} fields, expected {width}: an unclosed quote ran this record "
                f"over {lines + 1} lines, so the rows inside it are lost too")
    return f"{len(fields)} fields, expected {width} (an unquoted comma?)"


def header_index(header: list[str], url: str) -> dict[str, int]:
    """Column name -> position; a ParseError naming the missing columns when any of the 28 is
    absent (extra columns and another order are fine: columns are read by name)."""
    names = [name.strip().upper() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise ParseError(NAME, url, f"the header lacks {', '.join(missing)}", EXPECTED_HEADER)
    return {column: names.index(column) for column in COLUMNS}


def _wanted(
    reader: Iterator[list[str]], index: Mapping[str, int], width: int, codes: frozenset[str]
) -> Iterator[tuple[int, list[str]]]:
    """(position, fields) of the rows that may be in scope; the hot loop over ~1.9 M rows."""
    ntee, name = index["NTEE_CD"], index["NAME"]
    subsection, foundation = index["SUBSECTION"], index["FOUNDATION"]
    for position, fields in enumerate(reader):
        if len(fields) == width:
            if is_candidate(fields[subsection], fields[foundation], fields[ntee], fields[name],
                            codes):
                yield position, fields
        elif _MALFORMED_IN_SCOPE.search(",".join(fields)):
            # its columns cannot be trusted (also inside a field an unclosed quote ran over
            # several lines): in scope when it reads like a community foundation anywhere
            yield position, fields


def is_community_foundation(values: Mapping[str, str], codes: Iterable[str]) -> bool:
    """The rule of ``sources.community_foundation`` on one row (column -> stripped field)."""
    assets = values["ASSET_AMT"]
    return classify(
        name=values["NAME"], subsection=values["SUBSECTION"], foundation=values["FOUNDATION"],
        ntee=values["NTEE_CD"], assets=int(assets) if _AMOUNT.match(assets) else None,
        city=values["CITY"], state=values["STATE"], groups=codes).is_community_foundation


def foundation_row(fields: Mapping[str, str]) -> dict[str, Any]:
    """One in-scope BMF row (column -> stripped field) -> a table row without provenance.
    Raises RecordProblem for a value that breaks the BMF's documented layout."""
    value = fields.__getitem__
    ein = value("EIN")
    if not _EIN.match(ein):
        raise RecordProblem("ein", f"{short(ein)} is not nine digits")
    name = " ".join(value("NAME").split())
    if not name:
        raise RecordProblem("name", "the name is empty")
    state = value("STATE").upper() or None
    if state is not None and not re.fullmatch(r"[A-Z]{2}", state):
        raise RecordProblem("state", f"{short(state)} is not a two-letter code")
    in_us = state in _USPS
    return {
        "record_id": f"{NAME}:{ein}",
        "ein": ein,
        "name": name,
        "sort_name": " ".join(value("SORT_NAME").split()) or None,
        "kind": "community_foundation",
        # With an in-care-of name the street is that person's mailing address: not kept.
        "street": (" ".join(value("STREET").split()) or None) if not value("ICO") else None,
        "city": " ".join(value("CITY").split()) or None,
        "state": state if in_us else None,
        "zip": zip5(value("ZIP")) if in_us else None,  # a foreign postcode is not a ZIP
        "country": "US" if in_us else None,
        "service_area": SERVICE_AREA,
        "ntee_code": value("NTEE_CD").upper() or None,
        "ruling_year": _ruling_year(value("RULING")),
        "asset_amount": _amount(value("ASSET_AMT"), "asset_amount"),
        "income_amount": _amount(value("INCOME_AMT"), "income_amount"),
        "revenue_amount": _amount(value("REVENUE_AMT"), "revenue_amount"),
    }



def _ruling_year(text: str) -> int | None:
    """RULING is YYYYMM; 000000 (or blank) means the BMF records no ruling date."""
    if not text or text.strip("0") == "":
        return None
    match = _RULING.match(text)
    if not match or not 1800 <= int(match.group(1)) <= 2100:
        raise RecordProblem("ruling_year", f"RULING {short(text)} is not YYYYMM")
    return int(match.group(1))


def _amount(text: str, field: str) -> int | None:
    if not text:
        return None
    if not _AMOUNT.match(text):
        raise RecordProblem(field, f"{short(text)} is not a whole number of dollars")
    return int(text)


def _first_of_each_ein(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, list[Rejection]]:
    """One row per EIN: the first (by file, then position) is kept, later copies rejected."""
    if not frames:
        return pd.DataFrame(columns=list(IRS_BMF_FOUNDATIONS.columns)), []
    records = pd.concat(frames)
    repeated = records["ein"].duplicated(keep="first")
    first = {row.ein: (row.source_url, position) for position, row in records[~repeated].iterrows()}
    rejected = []
    for position, row in records[repeated].iterrows():
        url, at = first[row.ein]
        rejected.append(Rejection(
            source=NAME, record_key=str(row.ein), position=int(position), field="ein",
            problem=f"duplicate EIN: already read from {url.rsplit('/', 1)[-1]} row {at}",
            source_url=str(row.source_url), retrieved_at=str(row.retrieved_at)))
    return records[~repeated], rejected


@cache
def _schema() -> pa.DataFrameSchema:
    return pandera_schema(IRS_BMF_FOUNDATIONS)


# --- reading archived bodies without loading them -------------------------------------------

class _HashingReader(io.RawIOBase):
    """A raw binary reader that feeds every byte it passes on into a sha256."""

    def __init__(self, raw: io.RawIOBase) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer) or 0
        if count:
            self.digest.update(memoryview(buffer)[:count])
            self.size += count
        return count


@contextmanager
def verified_text(snapshot: Snapshot, page: Page) -> Iterator[TextIO]:
    """The archived body of ``page`` as a text stream (UTF-8, undecodable bytes replaced), read
    in 1 MiB chunks. Leaving the block reads the rest and checks size and sha256 as
    ``Snapshot.body`` does: a missing or damaged body raises SnapshotError, which wins over a
    ParseError (a damaged archive is not a layout change)."""
    path = snapshot.folder / page.path
    try:
        opened = path.open("rb", buffering=0)
    except OSError as error:
        raise SnapshotError(f"{path}: body file missing or unreadable "
                            f"({error.strerror or error}); the manifest lists it") from error
    with opened as raw:
        hashing = _HashingReader(raw)  # type: ignore[arg-type]
        text = io.TextIOWrapper(io.BufferedReader(hashing, _CHUNK), encoding="utf-8-sig",
                                errors="replace", newline="")
        try:
            yield text
        except ParseError:
            _verify(hashing, page, path)
            raise
        _verify(hashing, page, path)


def _verify(hashing: _HashingReader, page: Page, path: Any) -> None:
    buffer = bytearray(_CHUNK)
    while hashing.readinto(buffer):
        pass
    if hashing.size != page.size:
        raise SnapshotError(f"{path}: body is {hashing.size:,} bytes, the manifest says "
                            f"{page.size:,} (truncated or changed)")
    if hashing.digest.hexdigest() != page.sha256:
        raise SnapshotError(f"{path}: body does not match its sha256 in the manifest")


# --- listings ---------------------------------------------------------------------------------

_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "de", "del", "for", "in", "la",
                          "of", "on", "or", "the", "to", "y"})
_ACRONYMS = frozenset({"II", "III", "IV", "USA", "US", "YMCA", "YWCA", "NE", "NW", "SE", "SW",
                       "LLC", "DC", "PTA", "PTO", "CDC", "VFW", "NAACP"})
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9']*")


def readable(text: str | None) -> str | None:
    """'COMMUNITY FOUNDATION OF THE OHIO VALLEY INC' -> 'Community Foundation of the Ohio
    Valley Inc': the BMF writes names in capitals; listings show them as people write them.
    Small words stay lower case except first, a few acronyms stay capitals, 'O'NEIL' ->
    "O'Neil", "WOMEN'S" -> "Women's". It cannot know other acronyms (the table keeps the name
    exactly as the IRS gives it)."""
    if not isinstance(text, str) or not text:
        return None

    def word(match: re.Match[str]) -> str:
        raw = match.group(0)
        if raw.upper() in _ACRONYMS:
            return raw.upper()
        lower = raw.lower()
        if lower in _SMALL_WORDS and match.start() > 0:
            return lower
        head, apostrophe, tail = lower.partition("'")
        if apostrophe and len(head) == 1 and len(tail) > 1:
            return head.upper() + "'" + tail.capitalize()
        return lower.capitalize()

    return _WORD.sub(word, text)


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """One listing per foundation, keyed by EIN (stable across months and renames), with the
    name and city made readable; the merge keeps the shared columns it knows."""
    return records.assign(
        source=NAME,
        source_key=records["ein"],
        name=records["name"].map(readable),
        city=records["city"].map(readable),
        website=None,
        events_url=None,
        region=None,
        latitude=None,
        longitude=None,
    )


def define(settings: IrsBmfSettings) -> Source:
    """The BMF source, keeping the NTEE codes of ``settings``."""
    return Source(
        name=NAME,
        title="IRS Exempt Organizations Business Master File: community foundations",
        default_url=URL,
        table=IRS_BMF_FOUNDATIONS,
        fetch=fetch,
        parse=bound(parse, ntee_codes=settings.ntee),
        to_listings=to_listings,
        # Some 800 US community foundations exist; the rule keeps fewer than the ~1,000 T31
        # rows of old (not yet measured on the full file): far fewer means a broken extract.
        min_records=300,
        homepage=HOMEPAGE,
        license_note="IRS public data: the EO BMF extract is a U.S. government work, published "
        "for public use without restriction (17 U.S.C. 105).",
        settings=settings,
        define=define,
    )


SOURCE = define(IrsBmfSettings())
