"""The one HTTP client every source uses: polite, bounded and honest about failure.

Retries (connection errors, 429, 5xx, honouring Retry-After) come from urllib3's ``Retry``;
robots.txt is read with ``protego``. Conditional requests use the ETag / Last-Modified that the
previous snapshot recorded, so the snapshot stays the only archive (no second cache to keep).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from sources.errors import FetchError
from sources.snapshot import utc_now

PROJECT_URL = "https://github.com/civic-intermediaries/intermediaries"
USER_AGENT = (
    f"civic-intermediaries/0.1 (+{PROJECT_URL}; open directory of civic data intermediaries)"
)


@dataclass(frozen=True)
class HttpSettings:
    """Limits for one run. The defaults are for the live web; tests shrink the waits."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff_factor: float = 1.0
    max_retry_after: float = 60.0
    per_host_delay: float = 1.0
    max_bytes: int = 50 * 1024 * 1024
    host_down_after: int = 3  # consecutive connection failures before a host is skipped this run
    user_agent: str = USER_AGENT
    obey_robots: bool = True


@dataclass(frozen=True)
class Response:
    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    retrieved_at: str
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


@dataclass(frozen=True)
class Validators:
    """What a previous fetch of a URL returned, for a conditional request."""

    etag: str | None
    last_modified: str | None


class _CappedRetry(Retry):
    """urllib3's Retry, but a server asking us to wait an hour does not stall the whole run."""

    max_retry_after: float = 60.0

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def new(self, **kw):  # type: ignore[no-untyped-def]
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry


@dataclass
class PoliteClient:
    """GET with timeouts, retries, robots.txt, per-host delay, size cap, conditional requests."""

    source: str
    settings: HttpSettings = field(default_factory=HttpSettings)
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        retry = _CappedRetry(
            total=self.settings.retries,
            connect=self.settings.retries,
            read=1,
            status=self.settings.retries,
            backoff_factor=self.settings.backoff_factor,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.max_retry_after = self.settings.max_retry_after
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.settings.user_agent
        self._robots: dict[str, Protego | None] = {}
        self._last_request: dict[str, float] = {}
        self._connection_failures: dict[str, int] = {}
        self._crawl_delay: dict[str, float] = {}

    def close(self) -> None:
        self.session.close()

    def get(
        self,
        url: str,
        validators: Validators | None = None,
        expected: str = "a 200 response",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Fetch one URL. Raises FetchError naming the source, the URL and what went wrong.

        ``headers`` are sent as given and never recorded (use them for credentials)."""
        self._refuse_if_down(_host(url), url, expected)
        if self.settings.obey_robots and not self._allowed(url):
            raise FetchError(self.source, url, "robots.txt disallows this URL", expected)
        headers = dict(headers or {})
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        response = self._request(url, headers, expected)
        try:
            if response.status_code == 304 and validators is not None:
                return Response(
                    url=url,
                    final_url=response.url,
                    status=304,
                    content_type=response.headers.get("Content-Type", ""),
                    body=b"",
                    retrieved_at=utc_now(),
                    etag=response.headers.get("ETag", validators.etag),
                    last_modified=response.headers.get("Last-Modified", validators.last_modified),
                    not_modified=True,
                )
            if response.status_code != 200:
                raise FetchError(
                    self.source, url, f"HTTP {response.status_code} {response.reason}", expected
                )
            body = self._read_capped(response, url, expected)
            return Response(
                url=url,
                final_url=response.url,
                status=response.status_code,
                content_type=response.headers.get("Content-Type", ""),
                body=body,
                retrieved_at=utc_now(),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        finally:
            response.close()

    def post_json(
        self,
        url: str,
        payload: Mapping[str, Any],
        headers: dict[str, str] | None = None,
        expected: str = "a 200 response",
    ) -> Response:
        """POST JSON to an API (GraphQL). The same host-down rule, per-host delay, size cap and
        errors as ``get``; 429 and 5xx are retried here (urllib3 retries only GET), honouring
        Retry-After. No robots.txt: an authenticated API is governed by its terms. Every HTTP
        status is returned, since APIs put their errors in the body. ``headers`` (credentials)
        are sent, never recorded, and kept out of tracebacks."""
        host = _host(url)
        self._refuse_if_down(host, url, expected)
        for attempt in range(self.settings.retries + 1):
            self._wait_for(host)
            try:
                response = self.session.post(
                    url, json=payload, headers=headers or {}, stream=True,
                    timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                )
            except requests.RequestException as error:
                if _is_connection_failure(error):
                    self._count_connection_failures(host)
                raise FetchError(self.source, url, _describe(error), expected) from None
            finally:
                self._last_request[host] = time.monotonic()
            self._connection_failures[host] = 0
            try:
                retry = response.status_code in (429, 500, 502, 503, 504)
                if not retry or attempt == self.settings.retries:
                    return Response(
                        url=url, final_url=response.url, status=response.status_code,
                        content_type=response.headers.get("Content-Type", ""),
                        body=self._read_capped(response, url, expected),
                        retrieved_at=utc_now(), etag=None, last_modified=None,
                    )
                wait = retry_after_seconds(response.headers.get("Retry-After"),
                                           self.settings.backoff_factor * 2**attempt)
            finally:
                response.close()
            self.sleep(min(wait, self.settings.max_retry_after))
        raise AssertionError("unreachable: the last attempt always returns")

    def _count_connection_failures(self, host: str) -> None:
        """A request that could not connect already tried ``retries + 1`` times (urllib3 retries
        connections), so each attempt counts: an unreachable host costs one request's backoff."""
        attempts = self.settings.retries + 1
        self._connection_failures[host] = self._connection_failures.get(host, 0) + attempts

    def _refuse_if_down(self, host: str, url: str, expected: str) -> None:
        if self._connection_failures.get(host, 0) >= self.settings.host_down_after:
            raise FetchError(
                self.source, url, f"host {host} is marked down for this run after "
                f"{self._connection_failures[host]} failed connection attempts", expected
            )

    def _request(self, url: str, headers: dict[str, str], expected: str) -> requests.Response:
        host = _host(url)
        self._wait_for(host)
        try:
            response = self.session.get(
                url,
                headers=headers,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                stream=True,
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            if _is_connection_failure(error):
                self._count_connection_failures(host)
            raise FetchError(self.source, url, _describe(error), expected) from error
        except requests.RequestException as error:
            raise FetchError(self.source, url, _describe(error), expected) from error
        finally:
            self._last_request[host] = time.monotonic()
        self._connection_failures[host] = 0
        return response

    def _read_capped(self, response: requests.Response, url: str, expected: str) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(
                self.source, url, f"response of {declared} bytes is over the {limit}-byte limit",
                expected,
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > limit:
                    raise FetchError(
                        self.source, url, f"response is over the {limit}-byte limit", expected
                    )
                chunks.append(chunk)
        except requests.RequestException as error:
            raise FetchError(self.source, url, _describe(error), expected) from error
        return b"".join(chunks)

    def _wait_for(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            delay = max(self.settings.per_host_delay, self._crawl_delay.get(host, 0.0))
            remaining = delay - (time.monotonic() - last)
            if remaining > 0:
                self.sleep(remaining)

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            self._robots[root] = robots = self._load_robots(root, url)
            delay = robots.crawl_delay(self.settings.user_agent) if robots else None
            if delay:  # a site's Crawl-delay wins over ours when it asks for more (capped)
                self._crawl_delay[_host(url)] = min(float(delay), self.settings.max_retry_after)
        robots = self._robots[root]
        return robots is None or robots.can_fetch(url, self.settings.user_agent)

    def _load_robots(self, root: str, for_url: str) -> Protego | None:
        """None means no rules (robots.txt absent). An unreachable robots.txt (5xx) disallows all,
        as RFC 9309 asks; a host that does not answer at all fails the fetch that needed it."""
        robots_url = f"{root}/robots.txt"
        try:
            response = self._request(robots_url, {}, "robots.txt")
        except FetchError as error:
            raise FetchError(self.source, for_url, f"{error.problem} (while reading "
                             f"{robots_url})", "a reachable host") from error
        try:
            if response.status_code >= 500:
                return Protego.parse("User-agent: *\nDisallow: /")
            if response.status_code != 200:
                return None
            body = self._read_capped(response, robots_url, "robots.txt")
        finally:
            response.close()
        return Protego.parse(body.decode("utf-8", errors="replace"))


def retry_after_seconds(value: str | None, default: float) -> float:
    """Retry-After as seconds (a number or an HTTP date); ``default`` when absent or unreadable."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _reason(error: Exception) -> Exception:
    """The underlying urllib3 error: requests wraps a retried timeout as a ConnectionError."""
    inner = error.args[0] if error.args else None
    return getattr(inner, "reason", None) or error


def _is_connection_failure(error: Exception) -> bool:
    reason = _reason(error)
    if isinstance(error, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
        return False
    return isinstance(error, requests.ConnectionError | requests.ConnectTimeout)


def _describe(error: Exception) -> str:
    reason = _reason(error)
    if isinstance(reason, NewConnectionError | NameResolutionError):
        return "could not connect (host down or unreachable)"
    if isinstance(error, requests.ConnectTimeout) or isinstance(reason, ConnectTimeoutError):
        return "connection timed out"
    if isinstance(error, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
        return "server stopped answering (read timed out)"
    if isinstance(error, requests.exceptions.RetryError):
        return f"gave up after retries: {reason}"
    if isinstance(error, requests.ConnectionError):
        return "could not connect (host down or unreachable)"
    return f"request failed: {error}"
