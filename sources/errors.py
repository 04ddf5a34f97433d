"""Typed errors: each names the source, the URL and what was expected, so a user can act on it."""

from __future__ import annotations


class SourceError(Exception):
    """Something went wrong with one source; the pipeline reports it and carries on."""

    def __init__(self, source: str, url: str, problem: str, expected: str = "") -> None:
        self.source = source
        self.url = url
        self.problem = problem
        self.expected = expected
        detail = f"{source}: {problem} ({url})"
        if expected:
            detail += f"; expected {expected}"
        super().__init__(detail)


class FetchError(SourceError):
    """The source could not be fetched: host down, timeout, HTTP error, too large, robots.txt."""


class ParseError(SourceError):
    """The source was fetched but its content is not what the parser expects (layout changed?)."""


class SnapshotError(Exception):
    """A snapshot folder is missing, incomplete or its bodies do not match the manifest."""


class SourceSkipped(FetchError):
    """The source was deliberately not fetched: no credentials, a rejected token, a used-up quota.

    A warning, not a failure: the run carries on without it (its last good records are carried
    forward) and ``problem`` says why and what to do."""
