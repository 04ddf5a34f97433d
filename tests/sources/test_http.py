"""The polite HTTP client against a real local server: retries, limits, robots.txt, 304s."""

import socket
import time
from dataclasses import replace

import pytest

from sources.base import Recorder
from sources.errors import FetchError
from sources.http import USER_AGENT, PoliteClient, Validators
from sources.snapshot import SnapshotWriter
from tests.support import Reply, serve


def client(settings, **changes) -> PoliteClient:
    return PoliteClient(source="test", settings=replace(settings, **changes))


def test_retries_a_server_error_then_succeeds(fast_http):
    with serve({"/data": [Reply(status=500), Reply(status=503), Reply(b"ok")]}) as server:
        response = client(fast_http).get(server.url + "/data")
    assert response.body == b"ok"
    assert len(server.hits("/data")) == 3


def test_gives_up_after_the_retries_with_a_clear_error(fast_http):
    with serve({"/data": Reply(status=500)}) as server:
        with pytest.raises(FetchError) as error:
            client(fast_http, retries=1).get(server.url + "/data", expected="a JSON file")
    message = str(error.value)
    assert message.startswith("test:") and "/data" in message and "expected a JSON file" in message
    assert len(server.hits("/data")) == 2


def test_429_waits_as_long_as_retry_after_says(fast_http):
    busy = Reply(status=429, headers={"Retry-After": "1"})
    with serve({"/data": [busy, Reply(b"ok")]}) as server:
        started = time.monotonic()
        response = client(fast_http).get(server.url + "/data")
        waited = time.monotonic() - started
    assert response.body == b"ok"
    assert waited >= 0.9


def test_a_server_that_stops_answering_times_out(fast_http):
    with serve({"/slow": Reply(b"late", delay=1.5)}) as server:
        with pytest.raises(FetchError, match="read timed out"):
            client(fast_http, read_timeout=0.3, retries=0).get(server.url + "/slow")


def test_an_oversize_body_is_refused(fast_http):
    with serve({"/big": Reply(b"x" * 5000)}) as server:
        with pytest.raises(FetchError, match="5000 bytes is over the 1000-byte limit"):
            client(fast_http, max_bytes=1000).get(server.url + "/big")


def test_an_oversize_body_without_a_declared_length_is_cut_off_while_reading(fast_http):
    with serve({"/stream": Reply(b"y" * 200_000, send_length=False)}) as server:
        with pytest.raises(FetchError, match="is over the 100000-byte limit"):
            client(fast_http, max_bytes=100_000).get(server.url + "/stream")


def test_robots_txt_is_obeyed(fast_http):
    robots = Reply(b"User-agent: *\nDisallow: /private/\n")
    with serve({"/robots.txt": robots, "/private/page": Reply(b"secret"),
                "/public": Reply(b"hello")}) as server:
        c = client(fast_http)
        assert c.get(server.url + "/public").body == b"hello"
        with pytest.raises(FetchError, match="robots.txt disallows"):
            c.get(server.url + "/private/page")
    assert not server.hits("/private/page")
    assert len(server.hits("/robots.txt")) == 1  # read once per host


def test_identifies_itself_with_a_project_url(fast_http):
    with serve({"/data": Reply(b"ok")}) as server:
        client(fast_http).get(server.url + "/data")
    agent = server.hits("/data")[0].headers["User-Agent"]
    assert agent == USER_AGENT and "+https://" in agent


def test_waits_between_requests_to_one_host(fast_http):
    sleeps: list[float] = []
    with serve({"/a": Reply(b"a")}) as server:
        c = PoliteClient("test", replace(fast_http, per_host_delay=5), sleep=sleeps.append)
        c.get(server.url + "/a")
        c.get(server.url + "/a")
    assert sleeps and all(0 < s <= 5 for s in sleeps)


def test_a_crawl_delay_in_robots_txt_is_honoured(fast_http):
    sleeps: list[float] = []
    routes = {"/robots.txt": Reply(b"User-agent: *\nCrawl-delay: 7\n"), "/a": Reply(b"a")}
    with serve(routes) as server:
        c = PoliteClient("test", replace(fast_http, per_host_delay=0.5), sleep=sleeps.append)
        c.get(server.url + "/a")
        c.get(server.url + "/a")
    assert sleeps and 6 < sleeps[-1] <= 7


def test_conditional_request_gets_304_and_reuses_the_previous_body(tmp_path, fast_http):
    def conditional(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(b'[{"name": "x"}]', headers={"ETag": '"v1"'})

    with serve({"/orgs.json": conditional}) as server:
        url = server.url + "/orgs.json"
        first = SnapshotWriter(tmp_path, "test")
        Recorder(client(fast_http), first).get(url)
        previous = first.close()
        second = SnapshotWriter(tmp_path, "test")
        body = Recorder(client(fast_http), second, previous).get(url)
        snapshot = second.close()
    assert body == b'[{"name": "x"}]'
    page = snapshot.pages[0]
    assert page.not_modified and page.status == 304
    assert snapshot.body(page) == previous.body(previous.pages[0])
    assert server.hits("/orgs.json")[1].headers["If-None-Match"] == '"v1"'
    # the unchanged body is a hard link to the previous one: an unchanged month costs no disk
    new, old = snapshot.folder / page.path, previous.folder / previous.pages[0].path
    assert new.stat().st_ino == old.stat().st_ino


def test_validators_are_sent(fast_http):
    with serve({"/f": Reply(status=304)}) as server:
        response = client(fast_http).get(
            server.url + "/f", Validators(None, "Wed, 01 Oct 2026 00:00:00 GMT"))
    assert response.not_modified
    assert server.hits("/f")[0].headers["If-Modified-Since"] == "Wed, 01 Oct 2026 00:00:00 GMT"


def test_a_host_that_refuses_connections_is_given_up_quickly(fast_http):
    with socket.socket() as s:  # find a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = client(fast_http, host_down_after=2, retries=0, obey_robots=False)
    started = time.monotonic()
    for _ in range(2):
        with pytest.raises(FetchError, match="could not connect"):
            c.get(f"http://127.0.0.1:{port}/page")
    with pytest.raises(FetchError, match="marked down"):
        c.get(f"http://127.0.0.1:{port}/other")
    assert time.monotonic() - started < 5


def test_post_json_returns_api_errors_and_retries_busy_answers(fast_http):
    sleeps: list[float] = []
    busy = Reply(status=503, headers={"Retry-After": "2"})
    with serve({"/graphql": [busy, Reply(b'{"errors": [{"message": "bad query"}]}',
                                         status=400)]}) as server:
        c = PoliteClient("test", fast_http, sleep=sleeps.append)
        answer = c.post_json(server.url + "/graphql", {"query": "{ x }"},
                             {"Authorization": "Bearer t"})
    assert answer.status == 400 and b"bad query" in answer.body  # the API's own error
    assert sleeps == [2.0]
    first = server.hits("/graphql")[0]
    assert first.method == "POST" and first.body == b'{"query": "{ x }"}'
    assert not server.hits("/robots.txt")  # an API call, not a crawl


def test_one_request_that_exhausted_its_connection_retries_marks_the_host_down(fast_http):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = client(fast_http, host_down_after=3, retries=2, obey_robots=False)
    with pytest.raises(FetchError, match="could not connect"):
        c.get(f"http://127.0.0.1:{port}/page")  # three attempts, with backoff
    with pytest.raises(FetchError, match="marked down for this run after 3 failed attempts"):
        c.get(f"http://127.0.0.1:{port}/next")


def test_a_redirect_is_followed_and_the_final_url_recorded(fast_http):
    routes = {"/old": Reply(status=301, headers={"Location": "/new"}), "/new": Reply(b"moved")}
    with serve(routes) as server:
        response = client(fast_http).get(server.url + "/old")
    assert response.body == b"moved" and response.url == server.url + "/old"
    assert response.final_url == server.url + "/new"


def test_a_redirect_loop_is_a_named_error(fast_http):
    routes = {"/a": Reply(status=302, headers={"Location": "/b"}),
              "/b": Reply(status=302, headers={"Location": "/a"})}
    with serve(routes) as server:
        with pytest.raises(FetchError, match=r"redirect loop: .*/a -> .*/b -> .*/a") as error:
            client(fast_http).get(server.url + "/a", expected="a JSON file")
    assert "expected a JSON file" in str(error.value)
    assert len(server.hits("/a")) == 1  # detected, not followed thirty times


def test_each_redirect_hop_obeys_the_robots_txt_of_its_host(fast_http):
    with serve({"/robots.txt": Reply(b"User-agent: *\nDisallow: /private/\n"),
                "/private/data": Reply(b"secret")}) as strict:
        with serve({"/data": Reply(status=302,
                                   headers={"Location": strict.url + "/private/data"})}) as open_:
            with pytest.raises(FetchError, match="robots.txt disallows.*after a redirect"):
                client(fast_http).get(open_.url + "/data")
    assert not strict.hits("/private/data")


def test_credentials_are_not_sent_to_another_host_after_a_redirect(fast_http):
    with serve({"/events": Reply(b"[]")}) as other:
        with serve({"/api": Reply(status=302, headers={"Location": other.url + "/events"})}) as api:
            client(fast_http).get(api.url + "/api", headers={"Authorization": "Bearer t"})
    assert api.hits("/api")[0].headers["Authorization"] == "Bearer t"
    assert "Authorization" not in other.hits("/events")[0].headers


def test_a_post_is_not_redirected(fast_http):
    with serve({"/graphql": Reply(status=307, headers={"Location": "/elsewhere"})}) as server:
        answer = client(fast_http).post_json(server.url + "/graphql", {"query": "{ x }"})
    assert answer.status == 307 and not server.hits("/elsewhere")


def test_a_reset_connection_is_named_and_counts_toward_marking_the_host_down(fast_http):
    from tests.faults.harness import fault_named
    from tests.faults.server import Site

    with Site({"/a": []}) as site:
        site.reset(fault_named("connection_reset"))
        c = client(fast_http, retries=1, obey_robots=False)
        with pytest.raises(FetchError, match="connection broke before a whole answer"):
            c.get(site.url + "/a")
        with pytest.raises(FetchError, match="connection broke"):
            c.get(site.url + "/a")
        with pytest.raises(FetchError, match="marked down for this run after 4 failed"):
            c.get(site.url + "/b")
    assert len(site.requests) == 4  # two requests, each retried once, then no more


def test_a_truncated_body_says_how_much_arrived(fast_http):
    from tests.faults.harness import fault_named
    from tests.faults.server import Answer, Site

    with Site({"/data.json": [Answer(b"x" * 1000, "application/json")]}) as site:
        site.reset(fault_named("truncated_body"))
        with pytest.raises(FetchError, match=r"broke off after 500 of the 5,096 bytes"):
            client(fast_http, obey_robots=False).get(site.url + "/data.json")


def test_a_host_that_stops_answering_is_marked_down_too(fast_http):
    with serve({"/slow": Reply(b"late", delay=1.0)}) as server:
        c = client(fast_http, read_timeout=0.2, retries=1, obey_robots=False)
        started = time.monotonic()
        for _ in range(2):  # two requests, each tried twice
            with pytest.raises(FetchError, match="read timed out"):
                c.get(server.url + "/slow")
        with pytest.raises(FetchError, match="marked down"):
            c.get(server.url + "/slow")
        assert time.monotonic() - started < 3
    assert len(server.hits("/slow")) == 4


def test_clients_sharing_a_host_book_send_one_request_at_a_time_and_keep_the_delay(fast_http):
    import threading

    from sources.http import shared_hosts

    in_flight, most, starts = [0], [0], []
    guard = threading.Lock()

    def slow(request):
        with guard:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            starts.append(time.monotonic())
        time.sleep(0.1)
        with guard:
            in_flight[0] -= 1
        return Reply(b"ok")

    with serve({"/a": slow, "/b": slow}) as server, shared_hosts():
        clients = [PoliteClient(name, replace(fast_http, per_host_delay=0.2, obey_robots=False))
                   for name in ("one", "two")]
        threads = [threading.Thread(target=lambda c=c, p=p: [c.get(server.url + p)
                                                               for _ in range(2)])
                   for c, p in zip(clients, ("/a", "/b"), strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert most[0] == 1
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 4 and min(gaps) >= 0.29  # 0.1 s answer + 0.2 s delay, whoever asks


def test_a_host_marked_down_by_one_client_is_down_for_all_clients_of_the_run(fast_http):
    from sources.http import shared_hosts

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with shared_hosts():
        first = client(fast_http, retries=2, obey_robots=False)
        second = client(fast_http, retries=2, obey_robots=False)
        with pytest.raises(FetchError, match="could not connect"):
            first.get(f"http://127.0.0.1:{port}/page")
        with pytest.raises(FetchError, match="marked down"):
            second.get(f"http://127.0.0.1:{port}/other")
    with pytest.raises(FetchError, match="could not connect"):  # a new run starts afresh
        client(fast_http, retries=0, obey_robots=False).get(f"http://127.0.0.1:{port}/page")
