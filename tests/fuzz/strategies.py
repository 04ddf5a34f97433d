"""Hypothesis strategies for fuzzed page bodies: random bytes, mutated recorded pages,
malformed documents of each format (HTML, JSON, iCalendar, CSV, YAML) and odd encodings.

Each draws a whole body from one recorded page (``Recorded``), so inputs stay close enough to
real pages to reach deep into the parsers, and far enough to break every assumption.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.fuzz.harness import Recorded, recorded_files

# --- random bytes ----------------------------------------------------------------------------

random_bytes = st.one_of(
    st.binary(max_size=4096),
    st.binary(min_size=1, max_size=64).map(lambda b: b * 64),  # a repeated pattern
)

# --- mutations of recorded pages ---------------------------------------------------------------

# Bytes that mean something to some parser: markup, JSON, iCalendar and CSV syntax, and bytes
# no UTF-8 decoder accepts.
_TOKENS = (
    b"<", b">", b"</", b"/>", b"<br>", b"<b>", b"</b>", b"<h2>", b"</h2>", b"<h3>", b"<p>",
    b"</p>", b"<div>", b"</div>", b"<a href=", b"<!--", b"-->", b"<![CDATA[", b"&", b"&#0;",
    b"&#xD800;", b"&nbsp;", b'"', b"'", b"\\", b"\\u0000", b"\\ud800", b"{", b"}", b"[", b"]",
    b":", b",", b"null", b"true", b"1e999", b"-0", b"NaN", b"\r\n", b"\n", b"\r", b"\t", b" ",
    b"\x00", b"\x80", b"\xc3\x28", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xff\xfe",
    b"BEGIN:VEVENT\r\n", b"END:VEVENT\r\n", b"BEGIN:VCALENDAR\r\n", b"END:VCALENDAR\r\n",
    b"DTSTART:", b"TZID=", b";", b"=", b"\r\n ", b"- ", b"&a ", b"*a", b"!!python/object ",
    b"---\n", b"...\n", b"%YAML 1.1\n", b"? ", b"|\n", b"Organization:", b"Website:",
    b"Lead Agency", b"Affiliates", b"Contact:", b"Phone: (555) 555-0100", b"Albany, NY 12245",
    b"T31", b"123456789", b"https://", b"mailto:", b"@",
)


@st.composite
def mutated(draw: st.DrawFn, recorded: Recorded) -> bytes:
    """The recorded page (or now and then another recorded file), changed 1-6 times: bytes
    flipped, cut short at a random point, spans deleted, duplicated or moved, tokens and spans
    of other recorded files inserted."""
    pool = recorded_files()
    own = draw(st.integers(0, 9)) < 8 or not pool
    body = bytearray(recorded.body if own else draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(1, 6))):
        size = len(body)
        operation = draw(st.sampled_from(
            ("flip", "byte", "truncate", "delete", "duplicate", "move", "token", "splice")))
        if operation in ("flip", "byte") and size:
            at = draw(st.integers(0, size - 1))
            body[at] = (body[at] ^ (1 << draw(st.integers(0, 7))) if operation == "flip"
                        else draw(st.integers(0, 255)))
        elif operation == "truncate":
            del body[draw(st.integers(0, size)):]
        elif operation in ("delete", "duplicate", "move") and size:
            start = draw(st.integers(0, size - 1))
            end = draw(st.integers(start, min(size, start + draw(st.sampled_from((8, 256, 4096))))))
            span = bytes(body[start:end])
            if operation == "delete":
                del body[start:end]
            elif operation == "duplicate":
                body[end:end] = span * draw(st.integers(1, 8))
            else:
                del body[start:end]
                at = draw(st.integers(0, len(body)))
                body[at:at] = span
        elif operation == "token":
            at = draw(st.integers(0, size))
            body[at:at] = draw(st.sampled_from(_TOKENS)) * draw(st.integers(1, 3))
        elif operation == "splice" and pool:
            other = draw(st.sampled_from(pool))
            start = draw(st.integers(0, max(0, len(other) - 1)))
            span = other[start:start + draw(st.integers(1, 2048))]
            at = draw(st.integers(0, size))
            body[at:at] = span
    return bytes(body)


# --- malformed documents of each format --------------------------------------------------------

_JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["", " ", "null", "NaN", "0", "1e999", "https://", "http://x y",
                     "javascript:alert(1)", "2026-13-45T99:99:99Z", "ZZ", "Ohio", "New York, NY",
                     "@", "a@b", "x" * 300, "\u0000", "\ud7ff\ufffd", "مرحبا", "😀"]),
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a parsed document (keys and indexes), the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replaced(copy[head], rest, new)
    return copy


def _keys_and_strings(value: Any) -> list[Any]:
    """Keys and text values of a document, reused so random documents look like real ones."""
    found: list[Any] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found += [key, *_keys_and_strings(child)]
    elif isinstance(value, list):
        for child in value:
            found += _keys_and_strings(child)
    elif isinstance(value, str):
        found.append(value)
    return found


@st.composite
def _retyped_document(draw: st.DrawFn, document: Any) -> Any:
    """The recorded document with 1-3 values (or whole records) replaced by random values of
    any type: the wrong type in a field, a list where an object belongs, a record deleted."""
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        # now and then the whole document; mostly one field or record, so the rest still parses
        inner = paths[1:] if len(paths) > 1 and draw(st.integers(0, 19)) else paths
        path = draw(st.sampled_from(inner))
        known = _keys_and_strings(document)
        replacement = draw(st.one_of(
            _JSON_VALUES,
            st.sampled_from(known) if known else _JSON_SCALARS,
            st.dictionaries(st.sampled_from(known) if known else st.text(max_size=8),
                            _JSON_VALUES, max_size=6),
        ))
        document = _replaced(document, path, replacement)
    return document


def _encode(document: Any, kind: str) -> bytes:
    if kind == "yaml":
        return yaml.safe_dump(document, allow_unicode=True).encode("utf-8", "surrogatepass")
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _parsed(recorded: Recorded) -> Any:
    try:
        if recorded.kind == "yaml":
            return yaml.safe_load(recorded.body)
        return json.loads(recorded.body)
    except ValueError:
        return None


def _fragments(body: bytes, kind: str) -> list[bytes]:
    """The page cut into its tags and text (HTML), tokens (JSON), lines (the rest)."""
    if kind == "html":
        pattern = rb"<[^<>]{0,300}>|[^<]{1,300}"
    elif kind == "json":
        pattern = rb'"(?:[^"\\]|\\.){0,300}"|[{}\[\]:,]|[^\s{}\[\]:,"]{1,100}'
    else:
        pattern = rb"[^\n]*\n?"
    return [f for f in re.findall(pattern, body) if f] or [body[:1] or b"x"]


@st.composite
def _shuffled_fragments(draw: st.DrawFn, recorded: Recorded) -> bytes:
    """Real fragments of the page in a random order, repeated or dropped: unbalanced tags,
    END before BEGIN, a value without its key, half a row."""
    fragments = _fragments(recorded.body, recorded.kind)
    chosen = draw(st.lists(st.sampled_from(fragments), max_size=120))
    extra = draw(st.lists(st.sampled_from(_TOKENS), max_size=10))
    pieces = chosen + extra
    order = draw(st.permutations(range(len(pieces)))) if len(pieces) < 40 else range(len(pieces))
    return b"".join(pieces[i] for i in order)


@st.composite
def _malformed_ics(draw: st.DrawFn, recorded: Recorded) -> bytes:
    """The calendar's lines with property values replaced by junk, lines dropped or repeated,
    BEGIN/END unbalanced, parameters broken."""
    lines = recorded.body.decode("utf-8", "replace").splitlines() or ["BEGIN:VCALENDAR"]
    junk = st.sampled_from(["", ":", ";", "=", "TZID=Nowhere/Nowhere:", "99999999T999999",
                            "20261301T250000Z", "2026-11-01", "-1", "abc", "1,2", "\\", ";;;",
                            "x" * 200, "BEGIN:VEVENT", "END:VCALENDAR", "GEO:91;181",
                            "GEO:abc", "DTSTART;VALUE=DATE:2026", "LOCATION:(((",
                            "URL:javascript:x"])
    for _ in range(draw(st.integers(1, 6))):
        # mostly inside the calendar: its first and last lines kept, so the damage is reached
        inner = draw(st.integers(0, 4)) and len(lines) > 2
        at = draw(st.integers(1, len(lines) - 2) if inner else st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(("value", "drop", "repeat", "insert")))
        if operation == "value" and lines:
            name = re.split(r"[:;]", lines[at], maxsplit=1)[0]
            lines[at] = f"{name}:{draw(junk)}" if draw(st.booleans()) else f"{name};{draw(junk)}"
        elif operation == "drop" and lines:
            del lines[at]
        elif operation == "repeat" and lines:
            lines[at:at] = [lines[at]] * draw(st.integers(1, 5))
        else:
            lines.insert(at, draw(junk))
    return "\r\n".join(lines).encode("utf-8", "surrogatepass")


@st.composite
def _malformed_csv(draw: st.DrawFn, recorded: Recorded) -> bytes:
    """The file's rows with fields replaced, added or dropped, quotes left open, the header
    damaged."""
    text = recorded.body.decode("utf-8", "replace")
    rows = list(csv.reader(io.StringIO(text))) or [["x"]]
    junk = st.one_of(st.text(max_size=30), st.sampled_from(
        ["", '"', '""', "\n", "\r", "\x00", "-1", "999999999", "12345-678", "ZZ", "T31", "t31 ",
         "=HYPERLINK(1)", "a,b", "x" * 1000, "00000000", "0"]))
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(1, len(rows) - 1)) if len(rows) > 1 else 0  # the header: below
        operation = draw(st.sampled_from(("field",) * 4 + ("add", "drop", "row")))
        cells = rows[row]
        if operation == "field" and cells:
            cells[draw(st.integers(0, len(cells) - 1))] = draw(junk)
        elif operation == "add":
            cells.append(draw(junk))
        elif operation == "drop" and cells:
            del cells[draw(st.integers(0, len(cells) - 1))]
        elif operation == "row":
            rows.insert(row, draw(st.lists(junk, max_size=30)))
    if rows[0] and draw(st.integers(0, 7)) == 0:  # now and then the header itself
        rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(junk)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    body = out.getvalue()
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + '"' + body[at:]  # an unclosed quote
    return body.encode("utf-8", "surrogatepass")


_YAML_SOUP = st.sampled_from([
    b"[", b"]", b"{", b"}", b"- ", b": ", b"&a ", b"*a", b"<<: *a\n", b"!!python/object:os.system ",
    b"!!binary ", b"? ", b"|\n", b">\n", b"---\n", b"...\n", b"%TAG ! x\n", b"\t", b"'", b'"',
    b"\n  ", b"name: ", b"url: ", b"- name: x\n  url: ", b"~", b"2026-13-45", b"0x", b"1e999",
])


@st.composite
def _edited_fragments(draw: st.DrawFn, recorded: Recorded) -> bytes:
    """The page with a few of its tags or tokens deleted, repeated, swapped or replaced: the
    document mostly stands, so the parser gets deep into it before meeting the damage."""
    fragments = list(_fragments(recorded.body, recorded.kind))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(fragments) - 1))
        operation = draw(st.sampled_from(("delete", "repeat", "swap", "token")))
        if operation == "delete" and len(fragments) > 1:
            del fragments[at]
        elif operation == "repeat":
            fragments[at:at] = [fragments[at]] * draw(st.integers(1, 20))
        elif operation == "swap":
            other = draw(st.integers(0, len(fragments) - 1))
            fragments[at], fragments[other] = fragments[other], fragments[at]
        else:
            fragments.insert(at, draw(st.sampled_from(_TOKENS)))
    return b"".join(fragments)


def malformed(recorded: Recorded) -> st.SearchStrategy[bytes]:
    """Documents of the page's own format that break its shape (6 in 10: the wrong type in a
    field, a broken calendar line or CSV row, a few tags gone) or its grammar (4 in 10)."""
    kind = recorded.kind
    shaped: list[st.SearchStrategy[bytes]] = [_edited_fragments(recorded)]
    broken: list[st.SearchStrategy[bytes]] = [_shuffled_fragments(recorded)]
    document = _parsed(recorded) if kind in ("json", "yaml") else None
    if document is not None:  # one token less is no JSON at all: edits break the grammar
        broken += [*shaped, _JSON_VALUES.map(lambda d: _encode(d, kind))]
        shaped = [_retyped_document(document).map(lambda d: _encode(d, kind))]
    if kind == "ics":
        shaped = [_malformed_ics(recorded)] * 3 + shaped
    if kind == "csv":
        shaped = [_malformed_csv(recorded)] * 3 + shaped
    if kind == "yaml":
        broken.append(st.lists(_YAML_SOUP, max_size=60).map(b"".join))
    return st.integers(0, 9).flatmap(
        lambda n: st.one_of(*(shaped if n < 6 else broken)))


# --- odd encodings -----------------------------------------------------------------------------

_CODECS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "latin-1", "cp1252",
           "mac-roman", "shift_jis", "ascii")
_INVALID_UTF8 = (b"\x80", b"\xbf", b"\xc0\xaf", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80",
                 b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff", b"\xff\xfe", b"\xfe\xff", b"\x00")


@st.composite
def odd_encoding(draw: st.DrawFn, recorded: Recorded) -> bytes:
    """The page re-encoded (UTF-16 and UTF-32 with and without BOM, Latin-1, cp1252, ...), or
    kept in UTF-8 with invalid sequences, a stray BOM or NUL bytes put in."""
    text = recorded.body.decode("utf-8", "replace")
    if draw(st.booleans()):
        codec = draw(st.sampled_from(_CODECS))
        body = text.encode(codec, "replace")
        if codec == "utf-16-le" and draw(st.booleans()):
            body = b"\xff\xfe" + body  # a BOM by hand
        return body
    body = bytearray(recorded.body)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(body)))
        body[at:at] = draw(st.sampled_from(_INVALID_UTF8))
    return bytes(body)
