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
