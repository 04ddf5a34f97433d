"""Small text helpers shared by the HTML parsers and record keys."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag


def slug(text: str) -> str:
    """'Code for America!' -> 'code-for-america': the stable part of a record id."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def tag_text(tag: Tag | None) -> str:
    """An element's text with whitespace collapsed ('' for no element)."""
    return " ".join(tag.get_text(" ").split()) if tag is not None else ""


def main_content(soup: BeautifulSoup) -> Tag:
    """The page's main content, so site menus and footers never count as data."""
    for candidate in (soup.find("main"), soup.find(attrs={"role": "main"}),
                      soup.find(id="content"), soup.body):
        if isinstance(candidate, Tag):
            return candidate
    return soup


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def soup_of(html: bytes | str) -> BeautifulSoup:
    """Parse HTML with lxml; a page lxml refuses (a NUL byte, a bogus charset name in a
    mutated meta tag) is decoded as UTF-8 with its control characters dropped and parsed
    again, so damaged pages reach the parser's own checks instead of raising ValueError."""
    try:
        return BeautifulSoup(html, "lxml")
    except (ValueError, LookupError):
        text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
        return BeautifulSoup(_NOT_XML.sub("", text), "lxml")
