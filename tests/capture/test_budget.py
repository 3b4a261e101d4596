"""Per-article requisite bounds (issue 10, item 2) against endless sites on 127.0.0.1: a deep
iframe chain, a fan-out, a server inventing links forever. Each stops at its bound, what was cut
is recorded (report and metadata record), and the next article gets a budget of its own."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture.session import ArticleResult, CaptureSession
from archive.capture.settings import CaptureSettings
from tests.helpers.faultserver import FaultServer, _ok

QUICK = CaptureSettings(connect_timeout=5, read_timeout=5, body_timeout=10, retries=0, per_host_delay=0.0)
PAD = b"<!--" + b"p" * 1000 + b"-->"


def _html(body: str) -> bytes:
    return b"<html><body>" + body.encode() + PAD + b"</body></html>"


def _deep(conn: socket.socket, server: FaultServer, path: str) -> None:
    n = int(path.rsplit("/", 1)[-1])
    _ok(_html(f'<iframe src="/deep/{n + 1}"></iframe>'))(conn, server, path)


def _fan(conn: socket.socket, server: FaultServer, path: str) -> None:
    _ok(_html("".join(f'<iframe src="{path}{i}"></iframe>' for i in range(4))))(conn, server, path)


def _endless(conn: socket.socket, server: FaultServer, path: str) -> None:
    # Every answer names two links never seen before, as a spider trap does.
    assert isinstance(server, TrapServer)  # the only server this handler is given
    n = server.count_prefix("/endless/")
    _ok(_html(f'<img src="/endless/{n}a"><iframe src="/endless/{n}b"></iframe>'))(conn, server, path)


class TrapServer(FaultServer):
    def count_prefix(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for _, p in self.log if p.startswith(prefix))


@pytest.fixture()
def trap():
    srv = TrapServer(routes={"/deep": _deep, "/fan": _fan, "/endless": _endless,
                             "/good": _ok(b'<html><body><img src="/ok.png"></body></html>')})
    try:
        yield srv
    finally:
        srv.close()


def capture(out: Path, urls: list[str], **limits: int) -> list[ArticleResult]:
    settings = QUICK.replace(**limits)

    async def go() -> list[ArticleResult]:
        async with CaptureSession(out, settings) as session:
            return [await session.capture_article(u) for u in urls]
    return asyncio.run(go())


def cut_reasons(result: ArticleResult) -> list[str]:
    return [f.reason for f in result.failures if f.reason.startswith("requisites cut")]


def metadata_failures(out: Path) -> list[str]:
    found = []
    for path in out.glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "metadata":
                    found += [line.split(": ", 1)[1] for line in rec.content_stream().read().decode().splitlines()
                              if line.startswith("failure: ")]
    return found


def test_deep_iframe_chain_stops_at_the_depth_bound(tmp_path: Path, trap: TrapServer) -> None:
    [result] = capture(tmp_path, [trap.url("/deep/0")], max_requisite_depth=3)
    assert result.ok and result.requisites == 3
    assert [trap.count(f"/deep/{n}") for n in range(5)] == [1, 1, 1, 1, 0]
    [reason] = cut_reasons(result)
    assert "depth limit (max_requisite_depth: 3)" in reason and "1 URL(s)" in reason and "/deep/4" in reason
    assert any("max_requisite_depth" in line for line in metadata_failures(tmp_path)), "cut recorded in the metadata record"


def test_fan_out_stops_at_the_request_bound(tmp_path: Path, trap: TrapServer) -> None:
    [result] = capture(tmp_path, [trap.url("/fan/")], max_article_requests=40, max_requisite_depth=50)
    assert trap.count_prefix("/fan/") == 40, "the page and 39 requisites, not one more"
    assert result.ok and result.requisites == 39
    [reason] = cut_reasons(result)
    assert "request limit (max_article_requests: 40)" in reason


def test_endless_server_stops_at_the_byte_bound_and_next_article_has_its_own_budget(
        tmp_path: Path, trap: TrapServer) -> None:
    page_bytes = len(_html('<img src="/endless/00a"><iframe src="/endless/00b"></iframe>'))
    endless, good = capture(tmp_path, [trap.url("/endless/"), trap.url("/good")],
                            max_article_bytes=10 * page_bytes, max_article_requests=10_000, max_requisite_depth=10_000)
    # Bytes are checked before each request: the level in flight when the bound is passed
    # finishes, so at most twice the bound (levels double) is fetched.
    assert 10 <= trap.count_prefix("/endless/") <= 40
    assert any("byte limit (max_article_bytes:" in r for r in cut_reasons(endless))
    assert good.ok and good.requisites_ok == 1 and not good.failures


def test_defaults_bound_an_endless_site(tmp_path: Path, trap: TrapServer) -> None:
    [result] = capture(tmp_path, [trap.url("/fan/")])
    assert trap.count_prefix("/fan/") <= CaptureSettings().max_article_requests
    assert cut_reasons(result)
    report = json.dumps(result.to_json())
    assert "requisites cut" in report
