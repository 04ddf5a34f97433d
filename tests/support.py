"""Test support: a real local HTTP server serving recorded responses, and snapshot builders.

Nothing here touches the internet: the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sources.snapshot import SAMPLE_SNAPSHOTS, Snapshot, SnapshotWriter, snapshot_folders

FIXTURES = Path(__file__).parent / "fixtures"  # hand-made variants of recorded pages


def sample_bodies(source: str) -> Path:
    """Where the recorded pages of ``source`` live: the bodies folder of its sample snapshot,
    each page under its own name (sources/sample/README.md). tests/fixtures/<source>/ holds only
    the hand-made variants that are not part of the sample."""
    return next(snapshot_folders(SAMPLE_SNAPSHOTS, source)) / "bodies"


@dataclass
class Reply:
    """One recorded response. ``delay`` stalls before answering (to test timeouts)."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Route = Reply | list[Reply] | Callable[[Request], Reply]


@dataclass
class RecordedServer:
    """Routes are path -> Reply, a list of Replies served in turn (the last repeats), or a
    function of the Request. Unknown paths answer 404. ``requests`` logs every Request."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def reply_for(self, request: Request) -> Reply:
        route = self.routes.get(request.path)
        if route is None:
            return Reply(b"not found", status=404)
        if callable(route):
            return route(request)
        if isinstance(route, list):
            served = sum(1 for r in self.requests if r.path == request.path)
            return route[min(served - 1, len(route) - 1)]
        return route

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[RecordedServer]:
    server_state = RecordedServer(routes=dict(routes))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=self.path,
                headers={k: v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            server_state.requests.append(request)
            reply = server_state.reply_for(request)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.send_length and "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status != 304:
                    self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_POST = do_GET  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()


def make_snapshot(
    root: Path,
    source: str,
    pages: dict[str, bytes],
    content_type: str = "text/html; charset=utf-8",
    retrieved_at: str = "2026-11-01T00:00:00Z",
    mode: str = "fixture",
) -> Snapshot:
    """Build a snapshot folder from recorded bodies, as a fetch would have written it."""
    writer = SnapshotWriter(root, source, mode=mode)
    for url, body in pages.items():
        writer.add(url=url, final_url=url, status=200, content_type=content_type, body=body,
                   retrieved_at=retrieved_at)
    return writer.close()
