"""Colleges and universities from the NCES IPEDS "Directory information" (HD) file.

NCES publishes the HD file once per collection year as ``HD<year>.zip`` (a zip holding
``hd<year>.csv``): one row per postsecondary institution (about 6,200), 73 columns, public
domain. ``INTERMEDIARIES_IPEDS_URL`` may point at the zip or at a plain ``.csv`` (a local copy).

The real file's quirks, all handled here (see the excerpt in shared/reference): Windows-1252
text (UTF-8 is accepted too: a body that decodes as UTF-8 is read as UTF-8), CRLF, every
string double-quoted, a blank string written ``" "``, numbers sometimes space-padded
(``, 1,``), ``WEBADDR`` usually without a scheme (``www.udayton.edu/``: https:// is added),
``CLOSEDAT`` either ``-2`` (not closed) or ``MM/DD/YYYY``. Columns are read by header name.

Which institutions are listed (code meanings in ``schemas.ipeds``): active in the current
year (``CYACTIVE`` 1), not closed (no ``CLOSEDAT`` date), degree-granting (``DEGGRANT`` 1),
and public or private not-for-profit (``SECTOR`` 1, 2, 4, 5, 7, 8). For-profit institutions are
left out: a resident looking for a civic data partner rarely finds one there (about 3,300 of
the 6,200 rows are kept). Each becomes a listing of kind ``university`` (community colleges
included) located by the file's own coordinates, with its county FIPS from ``COUNTYCD``, its
Carnegie class in words, research activity, land-grant, HBCU and tribal-college flags.

Checks: ``min_records`` (2,800) stops a full refresh that keeps far fewer (a truncated or
changed file); ``stale`` warns when the file is more than two collection years old (the year is
the one in ``HD<year>``, the collection year ``<year>-<year+1>``, compared with the day it was
retrieved).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import pandera.pandas as pa

from geography import usps_code
from schemas.ipeds import IPEDS_INSTITUTIONS
from schemas.ipeds_codes import (
    ACTIVE,
    CARNEGIE_BY_CODE,
    DEGREE_GRANTING,
    LISTED_SECTORS,
    SECTOR_CONTROL,
    SECTORS,
    YES,
)
from schemas.table import pandera_schema
from sources.base import Source, fetch_single, only_page
from sources.errors import ParseError
from sources.rejects import Parsed, RecordProblem, Rejection, keep_valid_rows, short, zip5
from sources.snapshot import Snapshot

NAME = "ipeds"
URL = "https://nces.ed.gov/ipeds/datacenter/data/HD2023.zip"
HOMEPAGE = "https://nces.ed.gov/ipeds/datacenter/DataFiles.aspx"
COLUMNS = ("UNITID", "INSTNM", "IALIAS", "CITY", "STABBR", "ZIP", "COUNTYCD", "LATITUDE",
           "LONGITUD", "WEBADDR", "SECTOR", "DEGGRANT", "CYACTIVE", "CLOSEDAT", "C21BASIC",
           "LANDGRNT", "HBCU", "TRIBAL")
EXPECTED = ("the IPEDS HD file: a CSV (or a zip holding one CSV) whose header has "
            + ", ".join(COLUMNS))
MIN_INSTITUTIONS = 2_800  # about 3,300 public and non-profit degree-granting ones are expected
MAX_AGE_YEARS = 2  # collection years between the file's and the retrieval's before a warning
# Freely associated states in IPEDS (Micronesia, Marshall Islands, Palau): countries, not states
FREELY_ASSOCIATED = frozenset({"FM", "MH", "PW"})

_SCHEMA_WITH_POSITION = pandera_schema(IPEDS_INSTITUTIONS).add_columns(
    {"position": pa.Column(int)})
_UNITID = re.compile(r"^\d{6}$")
_CLOSED = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_YEAR = re.compile(r"hd(\d{4})", re.IGNORECASE)


# --- reading the file -------------------------------------------------------------------------

def csv_text(body: bytes, url: str) -> str:
    """The HD file's text from the body: the one CSV inside a zip, or the body itself; UTF-8
    when it decodes as such, else Windows-1252 (the real file's encoding)."""
    if body[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
                if len(names) != 1:
                    raise ParseError(NAME, url, f"the zip holds {len(names)} CSV files "
                                     f"({', '.join(names) or 'none'})", EXPECTED)
                body = archive.read(names[0])
        except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError) as error:
            # a damaged archive fails in zipfile's own checks or inside its inflate/seek
            raise ParseError(NAME, url, f"not a readable zip ({error})", EXPECTED) from error
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _value(text: str) -> str | None:
    """A field as read: surrounding spaces dropped, the file's blank (" ") as None."""
    stripped = text.strip()
    return stripped or None


def _code(fields: Mapping[str, str | None], column: str) -> int | None:
    """A coded number (' 1', '-2') as an int; None when blank. RecordProblem when not a
    number."""
    text = fields[column]
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise RecordProblem(column.lower(), f"{column} {short(text)} is not a code") from None


def website(text: str | None) -> str | None:
    """'www.udayton.edu/' -> 'https://www.udayton.edu/'; a scheme given is kept; None for no
    address or one that is not a web address ('N/A', 'mailto:...')."""
    if not text:
        return None
    url = text.strip()
    if not _SCHEME.match(url):
        url = "https://" + url.lstrip("/")
    elif not url.lower().startswith(("http://", "https://")):
        return None
    host = re.split(r"[/?#:]", url.split("://", 1)[1], maxsplit=1)[0].lower()
    if not _HOST.match(host) or re.search(r"\s", url):
        return None
    return url



def _county_fips(code: int | None) -> str | None:
    """COUNTYCD 6075 -> '06075' (state + county, leading zero restored); -2 and the like: None."""
    if code is None or code <= 0:
        return None
    if code > 99_999:
        raise RecordProblem("county_fips", f"COUNTYCD {code} is not a county FIPS code")
    return f"{code:05d}"


def _coordinate(text: str | None, column: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise RecordProblem(column.lower(), f"{column} {short(text)} is not a number") from None


def is_closed(text: str | None) -> bool:
    """CLOSEDAT '-2' (or blank): open; 'MM/DD/YYYY': closed. RecordProblem otherwise."""
    if text is None or text == "-2":
        return False
    if not _CLOSED.match(text):
        raise RecordProblem("closed", f"CLOSEDAT {short(text)} is neither -2 nor MM/DD/YYYY")
    return True


def listed(fields: Mapping[str, str | None]) -> bool:
    """Public or private not-for-profit, degree-granting, active, not closed (in that order:
    an odd CLOSEDAT of a row out of scope is not a problem)."""
    return (_code(fields, "SECTOR") in LISTED_SECTORS
            and _code(fields, "DEGGRANT") == DEGREE_GRANTING
            and _code(fields, "CYACTIVE") == ACTIVE and not is_closed(fields["CLOSEDAT"]))


def institution_row(fields: Mapping[str, str | None]) -> dict[str, Any]:
    """One listed HD row (column -> value, blanks None) -> a table row without provenance.
    Raises RecordProblem for a value that breaks the file's documented layout."""
    unitid = fields["UNITID"] or ""
    if not _UNITID.match(unitid):
        raise RecordProblem("unitid", f"{short(unitid)} is not a six-digit UNITID")
    name = " ".join((fields["INSTNM"] or "").split())
    if not name:
        raise RecordProblem("name", "INSTNM is empty")
    sector = _code(fields, "SECTOR")
    basic = _code(fields, "C21BASIC")
    carnegie = CARNEGIE_BY_CODE.get(basic) if basic is not None and basic > 0 else None
    if basic is not None and basic > 0 and carnegie is None:
        raise RecordProblem("carnegie_basic", f"C21BASIC {basic} is not a 2021 basic class")
    raw_state = (fields["STABBR"] or "").upper()
    state = None if raw_state in FREELY_ASSOCIATED else usps_code(raw_state)
    if raw_state and state is None and raw_state not in FREELY_ASSOCIATED:
        raise RecordProblem("state", f"STABBR {short(raw_state)} is not a US state or "
                            "territory")
    return {
        "record_id": f"{NAME}:{unitid}",
        "unitid": unitid,
        "name": name,
        "alias": " ".join((fields["IALIAS"] or "").split()) or None,
        "kind": "university",
        "sector": SECTORS[sector] if sector is not None else None,
        "control": SECTOR_CONTROL.get(sector) if sector is not None else None,
        "website": website(fields["WEBADDR"]),
        "city": fields["CITY"],
        "state": state,
        "country": raw_state if raw_state in FREELY_ASSOCIATED else "US",
        "zip": zip5(fields["ZIP"]),
        "county_fips": _county_fips(_code(fields, "COUNTYCD")),
        "latitude": _coordinate(fields["LATITUDE"], "LATITUDE"),
        "longitude": _coordinate(fields["LONGITUD"], "LONGITUD"),
        "carnegie_basic": carnegie.code if carnegie else None,
        "carnegie_class": carnegie.words if carnegie else None,
        "carnegie_level": carnegie.level if carnegie else None,
        "research_activity": carnegie.research_activity if carnegie else None,
        "land_grant": _code(fields, "LANDGRNT") == YES,
        "hbcu": _code(fields, "HBCU") == YES,
        "tribal_college": _code(fields, "TRIBAL") == YES,
    }


def parse(snapshot: Snapshot) -> Parsed:
    """Snapshot of the HD file -> one validated row per listed institution; a listed row that
    cannot be read is quarantined with its field, a file without the columns is a
    ParseError."""
    page = only_page(snapshot)
    text = csv_text(snapshot.body(page), page.url)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().upper() for h in next(reader)]
    except StopIteration:
        raise ParseError(NAME, page.url, "the file is empty", EXPECTED) from None
    except csv.Error as error:
        raise ParseError(NAME, page.url, f"the header is not CSV ({error})", EXPECTED) from error
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ParseError(NAME, page.url, f"the header lacks {', '.join(missing)}", EXPECTED)
    where = {column: header.index(column) for column in COLUMNS}
    rows: list[dict[str, Any]] = []
    rejected: list[Rejection] = []
    position = -1
    try:
        for values in reader:
            if not values:
                continue
            position += 1
            key = values[where["UNITID"]].strip() if len(values) > where["UNITID"] else ""
            try:
                if len(values) != len(header):
                    raise RecordProblem("record", f"{len(values)} fields, expected "
                                        f"{len(header)}")
                fields = {c: _value(values[i]) for c, i in where.items()}
                if not listed(fields):
                    continue
                row = institution_row(fields)
            except RecordProblem as problem:
                rejected.append(Rejection(
                    source=NAME, record_key=key[:200] or f"#{position}", position=position,
                    field=problem.field, problem=problem.problem, source_url=page.url,
                    retrieved_at=page.retrieved_at))
                continue
            rows.append({**row, "source_url": page.url, "retrieved_at": page.retrieved_at,
                         "position": position})
    except csv.Error as error:
        raise ParseError(NAME, page.url, f"not readable as CSV after data row {position} "
                         f"({error})", EXPECTED) from error
    frame = pd.DataFrame(rows, columns=[*IPEDS_INSTITUTIONS.columns, "position"])
    frame = frame.drop_duplicates("unitid")
    valid, invalid = keep_valid_rows(frame, _SCHEMA_WITH_POSITION, source=NAME,
                                     key_column="unitid", position_column="position")
    return Parsed(valid.drop(columns="position").reset_index(drop=True), rejected + invalid)


# --- listings, checks -------------------------------------------------------------------------

UNIVERSITY_COLUMNS = ("county_fips", "carnegie_class", "carnegie_level", "research_activity",
                      "land_grant", "hbcu", "tribal_college")


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """One listing per institution keyed by UNITID (stable across years and renames), at the
    file's own coordinates, with its county and the university columns for intermediaries."""
    return records.assign(
        source=NAME,
        source_key=records["unitid"],
        events_url=None,
        region=None,
    )


def collection_year(url: str) -> int | None:
    """The year of ``HD<year>`` in the URL's file name ('.../HD2023.zip' -> 2023)."""
    found = _YEAR.findall(url.rsplit("/", 1)[-1])
    return int(found[-1]) if found else None


def stale(records: pd.DataFrame) -> str | None:
    """Warns when the HD file is more than two collection years older than the day it was
    retrieved (a newer HD<year>.zip is probably out: update INTERMEDIARIES_IPEDS_URL)."""
    if records.empty:
        return None
    url = str(records["source_url"].iloc[0])
    year = collection_year(url)
    retrieved = datetime.fromisoformat(str(records["retrieved_at"].iloc[0]).replace("Z", ""))
    if year is None:
        return (f"ipeds: the URL names no collection year (HD<year>.zip expected): {url}; "
                "cannot tell whether the file is current")
    age = retrieved.year - (year + 1)  # HD2023 is the 2023-24 collection, out in 2024
    if age <= MAX_AGE_YEARS:
        return None
    return (f"ipeds: {url} is the {year}-{str(year + 1)[2:]} collection, {age} years before "
            f"the day it was retrieved ({retrieved.date()}); a newer HD file is probably "
            f"published: point INTERMEDIARIES_IPEDS_URL at the latest HD<year>.zip listed on "
            f"the IPEDS data center (HD{retrieved.year - 2}.zip or later)")


def summary(records: pd.DataFrame) -> pd.DataFrame:
    """Institutions per sector and Carnegie level, for the UI."""
    return records.assign(carnegie_level=records["carnegie_level"].fillna("not classified")
                          ).groupby(["sector", "carnegie_level"], dropna=False).agg(
        institutions=("unitid", "size"),
        land_grant=("land_grant", "sum")).reset_index()


def profile(records: pd.DataFrame) -> dict:
    return {"institutions": len(records),
            "land_grant": int(records["land_grant"].sum()) if len(records) else 0}


SOURCE = Source(
    name=NAME,
    title="Colleges and universities in the NCES IPEDS Directory information (HD) file",
    default_url=URL,
    table=IPEDS_INSTITUTIONS,
    fetch=fetch_single,
    parse=parse,
    to_listings=to_listings,
    min_records=MIN_INSTITUTIONS,
    stale=stale,
    profile=profile,
    summary=summary,
    homepage=HOMEPAGE,
    license_note="U.S. government work (NCES, IPEDS): public domain (17 U.S.C. 105).",
)
