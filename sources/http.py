"""The one HTTP client every source uses: polite, bounded and honest about failure.

Retries (connection errors, 429, 5xx, honouring Retry-After) come from urllib3's ``Retry``;
robots.txt is read with ``protego``. Conditional requests use the ETag / Last-Modified that the
previous snapshot recorded, so the snapshot stays the only archive (no second cache to keep).

What the client knows about a host (when it was last asked, how many attempts in a row got no
answer, its robots.txt and Crawl-delay) lives in a ``HostBook``. Each client has its own unless
a run shares one (``shared_hosts``): then sources fetched in parallel threads still make one
request at a time per host, wait the per-host delay between them, and a host marked down is
down for every source of the run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    IncompleteRead,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from sources.errors import FetchError
from sources.snapshot import utc_now

PROJECT_URL = "https://github.com/civic-intermediaries/intermediaries"
USER_AGENT = (
    f"civic-intermediaries/0.1 (+{PROJECT_URL}; open directory of civic data intermediaries)"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10  # followed by hand, so each hop obeys robots.txt, the delay and host-down
RETRY_STATUSES = (429, 500, 502, 503, 504)


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
    host_down_after: int = 3  # attempts in a row without an answer before a host is skipped
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


@dataclass
class HostState:
    """One host as this run has seen it. ``lock`` is held for a whole request (the body read
    included), so a host never has two requests of one run in flight."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    last_request: float | None = None
    failures: int = 0  # attempts in a row that got no answer (reset by any answer)
    crawl_delay: float = 0.0
    robots: dict[str, Protego | None] = field(default_factory=dict)  # by scheme://netloc


class HostBook:
    """Per-host state of one run, safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hosts: dict[str, HostState] = {}

    def host(self, name: str) -> HostState:
        with self._lock:
            return self._hosts.setdefault(name, HostState())


_RUN_HOSTS: ContextVar[HostBook | None] = ContextVar("intermediaries_run_hosts", default=None)


@contextmanager
def shared_hosts(book: HostBook | None = None) -> Iterator[HostBook]:
    """Every PoliteClient created inside this block (in this thread, or in a thread run with a
    copy of this context: ``contextvars.copy_context().run``) shares one HostBook."""
    book = book or HostBook()
    token = _RUN_HOSTS.set(book)
    try:
        yield book
    finally:
        _RUN_HOSTS.reset(token)


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
    hosts: HostBook | None = None  # None: the run's shared book if there is one, else its own

    def __post_init__(self) -> None:
        retry = _CappedRetry(
            total=self.settings.retries,
            connect=self.settings.retries,
            read=self._read_retries,
            status=self.settings.retries,
            redirect=False,  # redirects are followed in ``get``, one polite hop at a time
            backoff_factor=self.settings.backoff_factor,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.max_retry_after = self.settings.max_retry_after
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=1)  # one connection per host
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.settings.user_agent
        if self.hosts is None:
            self.hosts = _RUN_HOSTS.get() or HostBook()

    @property
    def _read_retries(self) -> int:
        """A request that timed out or lost its connection after it was sent is retried once."""
        return min(1, self.settings.retries)

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

        Redirects are followed one hop at a time (each hop obeys robots.txt, the per-host delay
        and the host-down rule; a loop or more than MAX_REDIRECTS hops is an error). ``headers``
        are sent as given and never recorded (use them for credentials); like the validators
        they are dropped when a redirect leaves the host."""
        sent = dict(headers or {})
        if validators and validators.etag:
            sent["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            sent["If-Modified-Since"] = validators.last_modified
        chain = [url]
        while True:
            hop = chain[-1]
            hop_headers = sent if host_of(hop) == host_of(url) else {}
            state = self._state(hop)
            with state.lock:
                self._refuse_if_down(hop, url, expected)
                if self.settings.obey_robots and not self._allowed(hop, url):
                    raise FetchError(self.source, url, _via("robots.txt disallows this URL",
                                                            hop, url), expected)
                response = self._request(hop, url, hop_headers, expected)
                try:
                    target = _redirect_target(response, hop)
                    if target is None:
                        return self._answer(response, url, hop, validators, expected)
                finally:
                    response.close()
            if target in chain:
                raise FetchError(self.source, url, "redirect loop: "
                                 + " -> ".join([*chain, target]), expected)
            if len(chain) > MAX_REDIRECTS:
                raise FetchError(self.source, url, f"more than {MAX_REDIRECTS} redirects "
                                 f"(last to {target})", expected)
            chain.append(target)

    def _answer(self, response: requests.Response, url: str, final_url: str,
                validators: Validators | None, expected: str) -> Response:
        if response.status_code == 304 and validators is not None:
            return Response(
                url=url,
                final_url=final_url,
                status=304,
                content_type=response.headers.get("Content-Type", ""),
                body=b"",
                retrieved_at=utc_now(),
                etag=response.headers.get("ETag", validators.etag),
                last_modified=response.headers.get("Last-Modified", validators.last_modified),
                not_modified=True,
            )
        if response.status_code != 200:
            raise FetchError(self.source, url, _via(
                f"HTTP {response.status_code} {response.reason}", final_url, url), expected)
        body = self._read_capped(response, url, expected)
        return Response(
            url=url,
            final_url=final_url,
            status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            body=body,
            retrieved_at=utc_now(),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

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
        status is returned, since APIs put their errors in the body; redirects are not
        followed (an API that redirects answers with that status). ``headers`` (credentials)
        are sent, never recorded, and kept out of tracebacks."""
        state = self._state(url)
        with state.lock:
            self._refuse_if_down(url, url, expected)
            for attempt in range(self.settings.retries + 1):
                self._wait_for(state)
                try:
                    response = self.session.post(
                        url, json=payload, headers=headers or {}, stream=True,
                        allow_redirects=False,
                        timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                    )
                except requests.RequestException as error:
                    self._count_failures(state, error, retried=False)
                    raise FetchError(self.source, url, _describe(error), expected) from None
                finally:
                    state.last_request = time.monotonic()
                state.failures = 0
                try:
                    retry = response.status_code in RETRY_STATUSES
                    if not retry or attempt == self.settings.retries:
                        return Response(
                            url=url, final_url=url, status=response.status_code,
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

    # --- per host ----------------------------------------------------------------------------

    def _state(self, url: str) -> HostState:
        assert self.hosts is not None  # set in __post_init__
        return self.hosts.host(host_of(url))

    def _count_failures(self, state: HostState, error: Exception, retried: bool) -> None:
        """Count the attempts of a failed request that got no answer. A request that could not
        connect was tried ``retries + 1`` times (urllib3 retries connections); one that timed
        out or lost its connection after it was sent, ``read retries + 1`` times (GET only).
        So an unreachable or silent host costs one request's retries, not one per page."""
        if _is_connect_failure(error):
            state.failures += self.settings.retries + 1
        elif _is_transport_failure(error):
            state.failures += (self._read_retries + 1) if retried else 1

    def _refuse_if_down(self, hop: str, url: str, expected: str) -> None:
        host = host_of(hop)
        failures = self._state(hop).failures
        if failures >= self.settings.host_down_after:
            raise FetchError(
                self.source, url, f"host {host} is marked down for this run after {failures} "
                "failed attempts in a row (could not connect, timed out or dropped the "
                "connection)", expected
            )

    def _request(self, hop: str, url: str, headers: dict[str, str],
                 expected: str) -> requests.Response:
        """One GET of ``hop`` (``url`` is what the caller asked for, named in errors)."""
        state = self._state(hop)
        self._wait_for(state)
        try:
            response = self.session.get(
                hop,
                headers=headers,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            self._count_failures(state, error, retried=True)
            raise FetchError(self.source, url, _via(_describe(error), hop, url),
                             expected) from error
        finally:
            state.last_request = time.monotonic()
        state.failures = 0
        return response

    def _read_capped(self, response: requests.Response, url: str, expected: str) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "").strip()
        announced = int(declared) if declared.isdigit() else None
        if announced is not None and announced > limit:
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
            self._state(response.url or url).failures += 1  # the answer never arrived whole
            size += _partial_bytes(error)
            if announced is not None and size < announced:
                problem = (f"the answer broke off after {size:,} of the {announced:,} bytes it "
                           "announced (truncated)")
            else:
                problem = _describe(error)
            raise FetchError(self.source, url, problem, expected) from None
        return b"".join(chunks)

    def _wait_for(self, state: HostState) -> None:
        if state.last_request is not None:
            delay = max(self.settings.per_host_delay, state.crawl_delay)
            remaining = delay - (time.monotonic() - state.last_request)
            if remaining > 0:
                self.sleep(remaining)

    # --- robots.txt --------------------------------------------------------------------------

    def _allowed(self, hop: str, url: str) -> bool:
        parts = urlsplit(hop)
        root = f"{parts.scheme}://{parts.netloc}"
        state = self._state(hop)
        if root not in state.robots:
            state.robots[root] = robots = self._load_robots(root, url)
            delay = robots.crawl_delay(self.settings.user_agent) if robots else None
            if delay:  # a site's Crawl-delay wins over ours when it asks for more (capped)
                state.crawl_delay = min(float(delay), self.settings.max_retry_after)
        robots = state.robots[root]
        return robots is None or robots.can_fetch(hop, self.settings.user_agent)

    def _load_robots(self, root: str, for_url: str) -> Protego | None:
        """None means no rules (robots.txt absent). An unreachable robots.txt (5xx) disallows all,
        as RFC 9309 asks; a host that does not answer at all fails the fetch that needed it."""
        robots_url = f"{root}/robots.txt"
        try:
            response = self._request(robots_url, robots_url, {}, "robots.txt")
        except FetchError as error:
            raise FetchError(self.source, for_url, f"{error.problem} (while reading "
                             f"{robots_url})", "a reachable host") from error
        try:
            if response.status_code >= 500:
                return Protego.parse("User-agent: *\nDisallow: /")
            if response.status_code != 200:  # a redirect or 4xx: no rules (RFC 9309 2.3.1)
                return None
            try:
                body = self._read_capped(response, robots_url, "robots.txt")
            except FetchError as error:
                raise FetchError(self.source, for_url, f"{error.problem} (while reading "
                                 f"{robots_url})", "a readable robots.txt") from None
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


def host_of(url: str) -> str:
    """What one host is: ``host:port`` (two ports on one machine are two servers); the
    concurrent fetch groups sources by it, so both agree on what a host is."""
    return urlsplit(url).netloc.lower()


def _via(problem: str, hop: str, url: str) -> str:
    """Say which redirect hop failed when it is not the URL that was asked for."""
    return problem if hop == url else f"{problem} (after a redirect to {hop})"


def _redirect_target(response: requests.Response, hop: str) -> str | None:
    location = response.headers.get("Location", "").strip()
    if response.status_code not in REDIRECT_STATUSES or not location:
        return None
    return urldefrag(urljoin(hop, location)).url


def _reason(error: Exception) -> BaseException:
    """The underlying urllib3 error: requests wraps it (a retried one inside MaxRetryError)."""
    inner = error.args[0] if error.args else None
    if isinstance(inner, MaxRetryError):
        return inner.reason or inner
    if isinstance(inner, BaseException):
        return inner
    return error


def _partial_bytes(error: BaseException) -> int:
    """Bytes urllib3 read before a body broke off (its IncompleteRead keeps only the count)."""
    seen: list[BaseException] = []
    todo: list[object] = [error]
    while todo:
        item = todo.pop()
        if isinstance(item, IncompleteRead):
            return item.partial if isinstance(item.partial, int) else len(item.partial)
        if isinstance(item, BaseException) and item not in seen:
            seen.append(item)
            todo.extend(item.args)
    return 0


def _is_connect_failure(error: Exception) -> bool:
    """The request never reached the server (refused, unresolvable, connect timeout)."""
    reason = _reason(error)
    return isinstance(error, requests.ConnectTimeout) or isinstance(
        reason, ConnectTimeoutError | NewConnectionError)  # NewConnectionError: refused


def _is_transport_failure(error: Exception) -> bool:
    """The request was sent but no whole answer came (read timeout, reset, broken off)."""
    reason = _reason(error)
    return isinstance(error, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError
                      ) or isinstance(reason, ReadTimeoutError | ProtocolError) or (
        isinstance(error, requests.ConnectionError) and not _is_connect_failure(error)
        and not isinstance(error, requests.exceptions.RetryError))


def _describe(error: Exception) -> str:
    reason = _reason(error)
    if isinstance(reason, NameResolutionError):
        return "could not connect (host name not found)"
    if isinstance(reason, NewConnectionError):
        return "could not connect (host down or unreachable)"
    if isinstance(error, requests.ConnectTimeout) or isinstance(reason, ConnectTimeoutError):
        return "could not connect (connection timed out)"
    if isinstance(error, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
        return "server stopped answering (read timed out)"
    if isinstance(reason, ProtocolError):
        return "the connection broke before a whole answer came (reset or closed by the server)"
    if isinstance(error, requests.exceptions.RetryError):
        return f"gave up after retries: {reason}"
    if isinstance(error, requests.ConnectionError):
        return "could not connect (host down or unreachable)"
    return f"request failed: {error}"
