"""Huge and deeply nested inputs, one of each per page kind of every registered source: a 5 MB
page, 50,000 records, 10,000 levels of nesting, a 1 MB line. Plain tests: one example each is
enough, and each must end (records, quarantine or the typed error) within its time limit."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.fuzz.harness import SOURCE_NAMES, Recorded, fuzz_page, replay

MEGABYTES = 5
RECORDS = 50_000
DEPTH = 10_000
SECONDS = 180  # one huge input may take a while; longer is a hang


def _pages() -> list[tuple[str, int]]:
    """(source, page index) for the first page of each kind in every source's replay."""
    chosen = []
    for name in SOURCE_NAMES:
        kinds = set()
        for index, recorded in enumerate(replay(name).pages):
            if recorded.kind not in kinds:
                kinds.add(recorded.kind)
                chosen.append((name, index))
    return chosen


PAGES = _pages()
IDS = [f"{name}-page{index}-{replay(name).pages[index].kind}" for name, index in PAGES]


def five_megabytes(recorded: Recorded) -> bytes:
    """The page repeated to 5 MB (a huge listing; for data files, see ``many_records``)."""
    body = recorded.body or b"x"
    return body * (MEGABYTES * 1024 * 1024 // len(body) + 1)


def _largest_list(value: Any) -> list | None:
    lists = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            lists.append(node)
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            for child in node.values():
                walk(child)

    walk(value)
    return max(lists, key=len, default=None)


def many_records(recorded: Recorded) -> bytes:
    """50,000 records in the page's own format: its largest list (JSON, YAML), rows (CSV) or
    events (iCalendar) repeated; other pages repeated to 5 MB."""
    kind = recorded.kind
    if kind in ("json", "yaml"):
        document = (yaml.safe_load if kind == "yaml" else json.loads)(recorded.body)
        records = _largest_list(document)
        if records:
            copies = [records[i % len(records)] for i in range(RECORDS)]
            records[:] = copies
            if kind == "yaml":
                return yaml.safe_dump(document, allow_unicode=True).encode()
            return json.dumps(document, ensure_ascii=False).encode()
    if kind == "csv":
        header, *rows = recorded.body.decode("utf-8").splitlines(keepends=True)
        return (header + "".join(rows[i % len(rows)] for i in range(RECORDS))).encode()
    if kind == "ics":
        text = recorded.body.decode("utf-8")
        events = re.findall(r"BEGIN:VEVENT.*?END:VEVENT\r?\n", text, re.S)
        if events:
            head, tail = text.split(events[0], 1)[0], text.rsplit(events[-1], 1)[1]
            many = [re.sub(r"(?m)^UID:(.*)$", rf"UID:\g<1>-{i}", events[i % len(events)])
                    for i in range(RECORDS)]
            return (head + "".join(many) + tail).encode()
    return five_megabytes(recorded)


def deeply_nested(recorded: Recorded) -> bytes:
    """10,000 levels: nested elements in the middle of an HTML page, nested arrays and objects
    as a JSON or YAML record, nested components in a calendar, 10,000 fields in a CSV row."""
    kind, body = recorded.kind, recorded.body
    if kind == "html":
        middle = body.find(b"</main>")
        middle = middle if middle >= 0 else len(body) // 2
        nest = b"<div><b>" * DEPTH + b"Organization: Lead Agency" + b"</b></div>" * DEPTH
        return body[:middle] + nest + body[middle:]
    if kind == "json":
        return b'{"events": ' + b"[" * DEPTH + b"]" * DEPTH + b', "a": ' + b'{"a": ' * DEPTH + \
            b"1" + b"}" * DEPTH + b"}"
    if kind == "yaml":
        return b"- name: x\n  url: " + b"[" * DEPTH + b"]" * DEPTH + b"\n"
    if kind == "ics":
        text = body.decode("utf-8")
        nest = "BEGIN:VEVENT\r\nUID:x\r\n" * DEPTH + "END:VEVENT\r\n" * DEPTH
        return text.replace("END:VCALENDAR", nest + "END:VCALENDAR").encode()
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        out = io.StringIO()
        csv.writer(out).writerows([rows[0], *rows[1:2], ["x"] * DEPTH, *rows[2:]])
        return out.getvalue().encode()
    return body * 2


def one_huge_line(recorded: Recorded) -> bytes:
    """A 1 MB run of letters and a 1 MB run of commas and spaces in the middle of the page: a
    field too large for the csv module, and the text that makes careless regexes quadratic."""
    body = recorded.body
    middle = len(body) // 2
    run = b"a" * (1024 * 1024) + b" , " * (1024 * 1024 // 3)
    return body[:middle] + run + body[middle:]


CASES: dict[str, Callable[[Recorded], bytes]] = {
    "huge": lambda recorded: (five_megabytes if recorded.kind in ("html", "text")
                              else many_records)(recorded),
    "10,000 levels deep": deeply_nested,
    "1 MB line": one_huge_line,
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name, index", PAGES, ids=IDS)
def test_huge_and_deep_inputs(name, index, case):
    """'huge' is a 5 MB page for HTML, 50,000 records (list items, rows, events) for data."""
    body = CASES[case](replay(name).pages[index])
    fuzz_page(name, "huge and deep", index, body, seconds=SECONDS)
