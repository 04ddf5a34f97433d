"""Alliance of Civic Technologists members: ``_data/members.yml`` of civictechnologists/website.

The file is a YAML list of ``name`` + ``url``: the civic tech groups that carried on after Code
for America ended its brigade network in 2023. Being listed is a current activity signal, so
every member is 'active' as of the day the file was retrieved. Members carry no location; they
are linked to the organization they are (often a Code for America brigade) by their website,
kept with its path (a group on a shared host such as meetup.com is known only by its path).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pandera.pandas as pa
import yaml

from schemas.act import ACT_MEMBERS
from schemas.table import pandera_schema
from sources.base import Source, fetch_single, only_page
from sources.errors import ParseError
from sources.keys import url_key
from sources.rejects import Parsed, RecordProblem, Rejection, keep_valid_rows, short
from sources.snapshot import Snapshot
from sources.text import slug

URL = "https://raw.githubusercontent.com/civictechnologists/website/main/_data/members.yml"
HOMEPAGE = "https://github.com/civictechnologists/website"
EXPECTED = "a YAML list of members, each with a 'name' and a 'url'"
_SCHEMA_WITH_POSITION = pandera_schema(ACT_MEMBERS).add_columns({"position": pa.Column(int)})
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def website(value: Any) -> str:
    """A member's url as a website: 'https://beta.nyc/' as given; 'www.x.org/path' gets https://.
    Raises RecordProblem('url', ...) for anything that is not a web address."""
    if not isinstance(value, str) or not value.strip():
        raise RecordProblem("url", f"expected a web address, got {short(value)}")
    text = value.strip()
    if not re.match(r"^https?://", text, re.IGNORECASE):
        if re.match(r"^[a-z][a-z0-9+.-]*:(?!\d)", text, re.IGNORECASE):  # mailto:, ftp://
            raise RecordProblem("url", f"not an http(s) address: {short(text)}")
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:  # 'https://[beta.nyc/': an unclosed IPv6 bracket
        raise RecordProblem("url", f"not a web address: {short(value)}") from None
    if not _HOST.match(host) or "@" in parts.netloc or re.search(r"\s", text):
        raise RecordProblem("url", f"not a web address: {short(value)}")
    return text


def parse_member(member: object) -> dict[str, str]:
    """One members.yml entry -> name and website; RecordProblem names the field it lacks."""
    if not isinstance(member, dict):
        raise RecordProblem("record", f"expected a mapping with name and url, got "
                            f"{type(member).__name__} {short(member)}")
    name = member.get("name")
    if isinstance(name, bool) or not isinstance(name, str | int | float) or not str(name).strip():
        raise RecordProblem("name", f"expected a non-empty name, got {short(name)}")
    return {"name": " ".join(str(name).split()), "website": website(member.get("url"))}


def parse(snapshot: Snapshot) -> Parsed:
    """Snapshot of members.yml -> one validated row per member; a member without a name or a
    usable url is quarantined, invalid YAML or a file that is not a list is a ParseError."""
    page = only_page(snapshot)
    try:
        members = yaml.safe_load(snapshot.body(page))
    except (yaml.YAMLError, ValueError, RecursionError) as error:  # also '2026-13-45' as a date
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ParseError("act", page.url, f"not valid YAML ({problem})", EXPECTED) from error
    if not isinstance(members, list):
        raise ParseError("act", page.url, f"top level is a {type(members).__name__}", EXPECTED)
    rows, rejected = [], []
    seen: dict[str, int] = {}
    for position, member in enumerate(members):
        try:
            row = parse_member(member)
        except RecordProblem as problem:
            name = member.get("name") if isinstance(member, dict) else None
            rejected.append(Rejection(
                source="act", record_key=str(name).strip()[:200] if name else f"#{position}",
                position=position, field=problem.field, problem=problem.problem,
                source_url=page.url, retrieved_at=page.retrieved_at))
            continue
        key = slug(row["name"])
        seen[key] = seen.get(key, 0) + 1
        row["record_id"] = f"act:{key}" if seen[key] == 1 else f"act:{key}-{seen[key]}"
        rows.append({**row, "source_url": page.url, "retrieved_at": page.retrieved_at,
                     "position": position})
    frame = pd.DataFrame(rows, columns=[*ACT_MEMBERS.columns, "position"])
    valid, invalid = keep_valid_rows(frame, _SCHEMA_WITH_POSITION, source="act",
                                     key_column="name", position_column="position")
    return Parsed(valid.drop(columns="position").reset_index(drop=True), rejected + invalid)


def to_listings(records: pd.DataFrame) -> pd.DataFrame:
    """Members as civic tech groups with no location, keyed by their website."""
    return records.assign(source="act", source_key=records["website"].map(url_key),
                          kind="civic_tech_group")


def activity(snapshot: Snapshot) -> pd.DataFrame:
    """Every member is active as of the day members.yml was retrieved: the Alliance lists the
    groups that are still running."""
    records = parse(snapshot).records
    day = date.fromisoformat(snapshot.retrieved_at[:10]).isoformat()
    return pd.DataFrame({
        "record_id": records["record_id"],
        "activity": "active",
        "activity_as_of": day,
        "last_event_date": None,
        "next_event_date": None,
        "activity_reason": f"member of the Alliance of Civic Technologists (members.yml "
                           f"retrieved {day})",
    })


SOURCE = Source(
    name="act",
    title="Alliance of Civic Technologists members (civictechnologists/website members.yml)",
    default_url=URL,
    table=ACT_MEMBERS,
    fetch=fetch_single,
    parse=parse,
    to_listings=to_listings,
    min_records=10,
    activity=activity,
    homepage=HOMEPAGE,
    license_note="No licence file in the repository: member names and websites are published "
    "as facts, with the source.",
)
