"""A local stand-in for one source's host that can misbehave on purpose.

A ``Site`` serves recorded answers by path (several answers for one path, like the pages of
one API endpoint, are served in the order they were recorded), answers robots.txt with 404 (no
rules), and while ``fault`` is set answers data requests the way a broken server would: an
error status, a reset connection, silence, a body cut short, an HTML error page... Real
sockets on a loopback address only; nothing here touches the internet.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Answer:
    """One recorded good answer."""

    body: bytes
    content_type: str

    @property
    def kind(self) -> str:
        """json, html, ics, csv, yaml or text: what a changed layout should look like."""
        kind = self.content_type.split(";")[0].strip().lower()
        head = self.body[:512].lstrip().lower()
        if "calendar" in kind or head.startswith(b"begin:vcalendar"):
            return "ics"
        if "json" in kind or head[:1] in (b"{", b"["):
            return "json"
        if "html" in kind or head.startswith((b"<!doctype", b"<html")):
            return "html"
        if "csv" in kind or (b"," in head.split(b"\n")[0] and b":" not in head.split(b"\n")[0]):
            return "csv"
        if head.startswith((b"- ", b"---")) or b":\n" in head or b": " in head:
            return "yaml"
        return "text"


# A fault answers one request: it gets the handler and the good answer for the path (None when
# the path has none) and returns False to let the good answer (or the 404) through instead.
Respond = Callable[["Handler", Answer | None], bool]


@dataclass(frozen=True)
class Fault:
    """One way a server breaks. ``transient``: only the first data request of a run is hit."""

    name: str
    what: str
    respond: Respond
    transient: bool = False


@dataclass
class Site:
    """One local host. ``answers`` maps a path (with its query) to its recorded answers."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    host: str = "127.0.0.1"
    delay: float = 0.0  # seconds before every answer (a slow host, for the bench)
    fault: Fault | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    _served: dict[str, int] = field(default_factory=dict)
    _data_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the site first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def netloc(self) -> str:
        return self.url.split("://", 1)[1]

    def reset(self, fault: Fault | None = None) -> None:
        """Start a new run: forget what was served and set (or clear) the fault."""
        with self._lock:
            self.fault = fault
            self.requests.clear()
            self._served.clear()
            self._data_requests = 0

    def start(self) -> Site:
        site = self

        class SiteHandler(Handler):
            pass

        SiteHandler.site = site
        self._server = _QuietServer((self.host, 0), SiteHandler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, method: str, path: str) -> tuple[int, Answer | None, Fault | None]:
        """Log the request; return its number among data requests, its good answer, its fault."""
        with self._lock:
            self.requests.append((method, path))
            self._data_requests += 1
            recorded = self.answers.get(path) or []
            served = self._served.get(path, 0)
            good = recorded[min(served, len(recorded) - 1)] if recorded else None
            fault = self.fault
            if fault is not None and fault.transient and self._data_requests > 1:
                fault = None
            return self._data_requests, good, fault

    def _served_good(self, path: str) -> None:
        with self._lock:
            self._served[path] = self._served.get(path, 0) + 1


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up mid-request (it timed out, or gave up) is not news."""


class Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.site.delay:
            time.sleep(self.site.delay)
        if self.path == "/robots.txt":
            with self.site._lock:
                self.site.requests.append((self.command, self.path))
            self.send_body(404, b"no robots.txt here", "text/plain")
            return
        _, good, fault = self.site._next(self.command, self.path)
        try:
            if fault is not None and fault.respond(self, good):
                return
            if good is None:
                self.send_body(404, b"not found", "text/plain")
                return
            self.send_body(200, good.body, good.content_type)
            self.site._served_good(self.path)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: fine
            self.close_connection = True

    do_POST = do_GET  # noqa: N815

    def send_body(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def reset_connection(self) -> None:
        """Close with a TCP RST (SO_LINGER 0): what a crashing proxy or firewall does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass
