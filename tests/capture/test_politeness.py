"""Adaptive politeness against real servers on 127.0.0.1: a fast host, a slow host, a host
that degrades and recovers, one that asks for a Crawl-delay and one that answers 429.

Every assertion is on what the policy recorded, or on bounds the servers themselves
guarantee (a server that sleeps 0.25 s before answering can never answer faster): never on
how fast this machine happens to be.
"""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.capture.politeness import INITIAL_CONCURRENCY, HostLimiter, PolitenessPolicy
from archive.capture.report import politeness_markdown
from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
from archive.capture.urls import host_key
from archive.errors import ConfigError


class LatencyServer:
    """A threaded HTTP/1.1 server whose n-th request (robots.txt included) is answered after
    ``latency(n)`` seconds. It records when each request started."""

    def __init__(self, latency: Callable[[int], float], *, robots: str = "", status: Callable[[int], int] | None = None):
        self.latency = latency
        self.robots = robots.encode()
        self.status = status or (lambda n: 200)
        self.starts: list[float] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else keep-alive answers stall 40 ms (DESIGN.md)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with owner._lock:
                    number = len(owner.starts)
                    owner.starts.append(time.monotonic())
                time.sleep(owner.latency(number))
                if self.path == "/robots.txt":
                    status, body, ctype = 200, owner.robots, "text/plain"
                else:
                    status, body, ctype = owner.status(number), b"<html><body><p>page</p></body></html>", "text/html"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        class Server(http.server.ThreadingHTTPServer):
            # The default backlog of 5 drops connections past it (the client's SYN is retried
            # after 1 s), which would look like a struggling server.
            request_queue_size = 128

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[..., LatencyServer]]:
    started: list[LatencyServer] = []

    def start(*args: Any, **kwargs: Any) -> LatencyServer:
        server = LatencyServer(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


# Generous timeouts: a busy machine must not turn a slow answer into a failure.
SETTINGS = CaptureSettings(retries=0, read_timeout=60.0, backoff_base=0.01)


def capture_all(out: Path, urls: list[str], settings: CaptureSettings = SETTINGS) -> dict[str, dict[str, Any]]:
    """Fetch every URL at once through one session; the politeness each host got."""

    async def go() -> dict[str, dict[str, Any]]:
        async with CaptureSession(out, settings) as session:
            results = await asyncio.gather(*(session.capture_article(u) for u in urls))
            assert all(r.ok for r in results), [r.failures for r in results if not r.ok]
            return session.politeness()

    return asyncio.run(go())


def test_fast_host_fetched_fast_slow_host_gently(tmp_path: Path, servers) -> None:
    slow_latency = 0.25
    fast = servers(lambda n: 0.005)
    slow = servers(lambda n: slow_latency)
    urls = [fast.url(f"/f/{i}") for i in range(150)] + [slow.url(f"/s/{i}") for i in range(24)]
    report = capture_all(tmp_path, urls)
    got_fast = report[host_key(fast.url("/"))]
    got_slow = report[host_key(slow.url("/"))]
    print(politeness_markdown(report))

    # The slow host never answers in under 0.25 s, so it never gets more than
    # slow_response / 0.25 connections, and each waits at least delay_factor x 0.25 s.
    slow_ceiling = int(SETTINGS.slow_response / slow_latency)
    assert got_slow["requests"] == 25  # 24 pages and robots.txt
    assert got_slow["concurrency"]["highest"] <= slow_ceiling
    assert got_slow["concurrency"]["peak_in_flight"] <= slow_ceiling
    assert got_slow["response_ms"]["fastest"] >= slow_latency * 1000
    assert got_slow["delay"]["mean_ms"] >= SETTINGS.delay_factor * slow_latency * 1000
    # The fast host is trusted with more connections than the slow one could ever get (its
    # usual answer is far below 0.2 s even on a loaded machine), and its waits are shorter.
    assert got_fast["requests"] == 151
    assert got_fast["concurrency"]["highest"] > slow_ceiling
    assert got_fast["concurrency"]["peak_in_flight"] > slow_ceiling
    assert got_fast["delay"]["mean_ms"] < got_slow["delay"]["mean_ms"]
    for got in (got_fast, got_slow):
        assert got["concurrency"]["highest"] <= SETTINGS.per_host_concurrency
        assert got["delay"]["longest_ms"] <= SETTINGS.max_delay * 1000
        assert got["decisions"][0]["event"] == "first answer"


def test_degrading_host_backs_off_and_recovers(tmp_path: Path, servers) -> None:
    # Fast, then a second per answer (a host in trouble), then fast again.
    def latency(n: int) -> float:
        return 1.0 if 40 <= n < 60 else 0.005

    host = servers(latency)
    # Answers twice as slow as usual count: a 5 ms host's usual time on a loaded machine may be
    # 0.2 s, still well under the trouble's 1 s.
    settings = SETTINGS.replace(backoff_ratio=2.0)
    report = capture_all(tmp_path, [host.url(f"/p/{i}") for i in range(200)], settings)
    got = report[host_key(host.url("/"))]
    print(politeness_markdown(report))
    decisions = got["decisions"]
    # The slow answers are seen as the host slowing down: its concurrency is halved, then
    # grows back.
    back_offs = [i for i, d in enumerate(decisions) if d["event"] == "back-off" and " ms against " in d["why"]]
    assert back_offs, decisions
    first = back_offs[0]
    assert decisions[first]["concurrency"] < decisions[first - 1]["concurrency"]
    # After the slow answers, the fast ones bring concurrency back above where a back-off left it.
    assert any(d["event"] == "recover" and d["concurrency"] > decisions[i]["concurrency"]
               for i in back_offs for d in decisions[i + 1:]), decisions
    assert got["back_offs"] >= 1
    assert got["concurrency"]["lowest"] < got["concurrency"]["highest"]


@pytest.mark.parametrize(("rules", "asked"), [
    ("Crawl-delay: 5", 5.0),
    ("Request-rate: 1/2", 2.0),  # one request per 2 seconds
    ("Crawl-delay: 1\nRequest-rate: 1/4", 4.0),  # both: the longer one
])
def test_crawl_delay_is_honoured_up_to_its_bound(tmp_path: Path, servers, rules: str, asked: float) -> None:
    host = servers(lambda n: 0.0, robots=f"User-agent: *\n{rules}\n")
    settings = SETTINGS.replace(crawl_delay_max=0.3)
    report = capture_all(tmp_path, [host.url(f"/p/{i}") for i in range(5)], settings)
    got = report[host_key(host.url("/"))]
    assert got["crawl_delay"] == {"asked": asked, "honoured": 0.3}
    assert got["concurrency"]["peak_in_flight"] == 1 and got["concurrency"]["final"] == 1
    assert got["start_gap"] == 0.3
    # The policy started requests at least the honoured delay apart (the server saw them spread
    # over the same span, give or take the scheduling of its first and last thread).
    assert got["shortest_start_gap_ms"] >= 300
    pages = host.starts[1:]
    assert len(pages) == 5
    assert pages[-1] - pages[0] >= 4 * 0.3 - 0.15, pages


def test_crawl_delay_ignored_when_robots_is_not_respected(tmp_path: Path, servers) -> None:
    host = servers(lambda n: 0.0, robots="User-agent: *\nCrawl-delay: 5\n")
    report = capture_all(tmp_path, [host.url(f"/p/{i}") for i in range(3)], SETTINGS.replace(respect_robots=False))
    got = report[host_key(host.url("/"))]
    assert got["crawl_delay"]["asked"] is None and got["requests"] == 3


def test_too_many_requests_halves_concurrency(tmp_path: Path, servers) -> None:
    host = servers(lambda n: 0.0, status=lambda n: 429 if n == 20 else 200)
    report = capture_all(tmp_path, [host.url(f"/p/{i}") for i in range(60)], SETTINGS.replace(retries=2))
    got = report[host_key(host.url("/"))]
    strained = [d for d in got["decisions"] if d["event"] == "back-off" and d["why"] == "HTTP 429"]
    assert len(strained) == 1 and got["retry_after_pauses"] == 1
    assert strained[0]["concurrency"] <= SETTINGS.per_host_concurrency // 2


def test_run_report_shows_politeness_per_host(tmp_path: Path, servers) -> None:
    host = servers(lambda n: 0.0)
    report = capture_all(tmp_path, [host.url("/p/1")])
    text = "\n".join(politeness_markdown(report))
    assert "## Politeness per host" in text and host_key(host.url("/")) in text


# -- the policy's arithmetic, without a server -------------------------------------------------


def test_delay_is_a_multiple_of_the_response_time_within_bounds() -> None:
    policy = PolitenessPolicy(delay_factor=2.0, min_delay=0.1, max_delay=1.0)
    assert policy.delay_after(0.2) == pytest.approx(0.4)
    assert policy.delay_after(0.01) == 0.1  # never below min_delay
    assert policy.delay_after(3.0) == 1.0  # never above max_delay
    assert policy.delay_after(None) == 0.1  # no answer (a failure): the floor


def test_concurrency_ceiling_follows_response_time() -> None:
    policy = PolitenessPolicy(max_concurrency=16, slow_response=1.0)
    assert policy.ceiling(None) == INITIAL_CONCURRENCY
    assert policy.ceiling(0.005) == 16
    assert policy.ceiling(0.2) == 5
    assert policy.ceiling(2.0) == 1
    assert PolitenessPolicy(max_concurrency=1).ceiling(0.001) == 1


def test_back_off_counts_once_per_round() -> None:
    """Answers to requests sent before a back-off arrive slow too; they must not halve the
    limit again and again down to one."""

    async def go() -> dict[str, Any]:
        limiter = HostLimiter(PolitenessPolicy(max_concurrency=16, delay_factor=0.0))

        async def one(seconds: float) -> None:
            async with limiter.slot("h:80") as ticket:
                ticket.responded(seconds)

        await one(0.01)  # first answer: the limit goes to the ceiling
        for _ in range(16):
            await one(0.01)
        for _ in range(3):
            await one(1.0)  # recent rises past 3x the baseline: one back-off
        return limiter.report()["h:80"]

    got = asyncio.run(go())
    assert got["back_offs"] == 1 and got["concurrency"]["final"] == 8


@pytest.mark.parametrize(("changes", "message"), [
    ({"min_delay": 2.0, "max_delay": 1.0}, "min_delay cannot be larger than max_delay"),
    ({"backoff_ratio": 0.5}, "backoff_ratio must be at least 1"),
    ({"delay_factor": -1.0}, "delay_factor must be"),
])
def test_bad_politeness_settings_are_refused(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CaptureSettings.from_mapping(changes)
