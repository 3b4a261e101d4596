"""Fifty articles through a mix of faults on two misbehaving servers (127.0.0.1 only).

The faults issue 7 adds to tests/helpers/faultserver.py, through its ``routes`` parameter: a slow
drip (one byte every tenth of the read timeout), Content-Length too long and too short, gzip and brotli bombs (over
1 GiB decoded; the brotli one in its own test, see its xfail reason), redirect chains and loops that cross two ports, a garbage status line and a
200 KB header. Every failure must be recorded (in the article's failures, a WARC-Truncated record
or, for a page that failed transiently, the FetchError the caller records), every good article
captured, every WARC readable by ``warcio check``, the run bounded by the configured timeouts,
and the WARCs must package into a valid bag.
"""

from __future__ import annotations

import asyncio
import math
import socket
import subprocess
import sys
import time
import zlib
from functools import cache
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture.session import ArticleResult, CaptureSession
from archive.capture.settings import CaptureSettings
from archive.errors import FetchError
from archive.package import BagInfo, build_bag
from archive.pipeline import extract_to_folder
from archive.validate import validate_bag
from tests.helpers.faultserver import FaultServer

WARCIO = str(Path(sys.executable).with_name("warcio"))
# Every deadline here derives from these settings (a busy machine needs margins, not luck): the
# drip's gap is a tenth of the read timeout, and the bombs are built before any server answers,
# never while a client's read timeout runs (built lazily, a gzip bomb took longer than the read
# timeout on a loaded machine and was recorded as a timeout instead of a bomb).
SETTINGS = CaptureSettings(
    connect_timeout=2.0, read_timeout=2.0, body_timeout=3.0, max_body_bytes=2_000_000, retries=1,
    backoff_base=0.05, backoff_max=0.2, per_host_delay=0.0, per_host_concurrency=4, retry_after_max=2,
)
BOMB_BYTES = 1100 * 1024 * 1024  # what the bombs claim to decode to: more than 1 GiB
DRIP_GAP = SETTINGS.read_timeout / 10


def send(conn: socket.socket, status: str, headers: list[tuple[str, str]], body: bytes = b"") -> None:
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    conn.sendall(head.encode("latin-1") + body)


def page(i: int, requisites: list[str]) -> bytes:
    imgs = "".join(f'<img src="{r}">' for r in requisites)
    return (f"<html><head><title>Article {i}</title></head><body><h1>Article number {i}</h1>"
            f"<p class=author>By Reporter {i}</p><p>Body text of article {i}.</p>{imgs}</body></html>").encode()


@cache
def gzip_bomb() -> bytes:
    """~1 MB on the wire, more than 1 GiB decoded: 64 MiB of zeros compressed once, the member
    repeated (concatenated gzip members are one legal body)."""
    member = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    one = b"".join(member.compress(block) for _ in range(64)) + member.flush()
    return one * (BOMB_BYTES // (64 << 20) + 1)


@cache
def brotli_bomb() -> bytes | None:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        return None
    enc = brotli.Compressor(quality=1)
    block = b"\0" * (1 << 20)
    return b"".join(enc.process(block) for _ in range(BOMB_BYTES >> 20)) + enc.finish()


def drip(conn: socket.socket, server: FaultServer, path: str) -> None:
    """Promises 1000 bytes, sends one every DRIP_GAP: each read succeeds, the body never ends in time."""
    send(conn, "200 OK", [("Content-Type", "image/png"), ("Content-Length", "1000"), ("Connection", "close")])
    try:
        for _ in range(1000):
            if server.stopping.wait(DRIP_GAP):
                return
            conn.sendall(b"d")
    except OSError:
        pass


def drip_page(conn: socket.socket, server: FaultServer, path: str) -> None:
    send(conn, "200 OK", [("Content-Type", "text/html"), ("Content-Length", "5000"), ("Connection", "close")],
         b"<html><head><title>Drip</title>")
    try:
        for _ in range(5000):
            if server.stopping.wait(DRIP_GAP):
                return
            conn.sendall(b" ")
    except OSError:
        pass


def length_too_small(conn: socket.socket, server: FaultServer, path: str) -> None:
    """Content-Length says 8, the server sends 400 bytes: the client must stop at 8."""
    send(conn, "200 OK", [("Content-Type", "image/png"), ("Content-Length", "8"), ("Connection", "close")],
         b"\x89PNG\r\n\x1a\n" + b"EXTRA" * 80)


def length_too_large(conn: socket.socket, server: FaultServer, path: str) -> None:
    send(conn, "200 OK", [("Content-Type", "image/png"), ("Content-Length", "90000"), ("Connection", "close")],
         b"\x89PNG\r\n\x1a\n" + b"s" * 200)


def bomb(ctype: str, encoding: str) -> object:
    def handler(conn: socket.socket, server: FaultServer, path: str) -> None:
        body = gzip_bomb() if encoding == "gzip" else brotli_bomb()
        assert body is not None
        try:
            send(conn, "200 OK", [("Content-Type", ctype), ("Content-Encoding", encoding),
                                  ("Content-Length", str(len(body))), ("Connection", "close")], body)
        except OSError:
            pass
    return handler


def garbage(conn: socket.socket, server: FaultServer, path: str) -> None:
    conn.sendall(b"SPAM 2OO WHATEVER\r\nthis is: not http\r\n\r\n<html>nope</html>")


def huge_header(conn: socket.socket, server: FaultServer, path: str) -> None:
    try:
        send(conn, "200 OK", [("Content-Type", "image/png"), ("X-Huge", "h" * 200_000),
                              ("Content-Length", "4"), ("Connection", "close")], b"huge")
    except OSError:
        pass


def good(body: bytes, ctype: str) -> object:
    def handler(conn: socket.socket, server: FaultServer, path: str) -> None:
        send(conn, "200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Connection", "close")], body)
    return handler


def unique_png(conn: socket.socket, server: FaultServer, path: str) -> None:
    good(b"\x89PNG\r\n\x1a\n" + path.encode() * 20, "image/png")(conn, server, path)  # type: ignore[operator]


def cross_port(ports: dict[str, int], me: str) -> object:
    """/x/<name>/<n>: redirect to the other server's /x/<name>/<n-1>; at 0, a page or image."""
    other = "b" if me == "a" else "a"

    def handler(conn: socket.socket, server: FaultServer, path: str) -> None:
        _, _, name, n = path.split("/")
        if int(n) > 0:
            send(conn, "302 Found", [("Location", f"http://127.0.0.1:{ports[other]}/x/{name}/{int(n) - 1}"),
                                     ("Content-Length", "0"), ("Connection", "close")])
        elif name.startswith("img"):
            unique_png(conn, server, path)
        else:
            good(page(int(name[4:]), ["/ok.png"]), "text/html; charset=utf-8")(conn, server, path)  # type: ignore[operator]
    return handler


def cross_loop(ports: dict[str, int], me: str) -> object:
    other = "b" if me == "a" else "a"

    def handler(conn: socket.socket, server: FaultServer, path: str) -> None:
        send(conn, "302 Found", [("Location", f"http://127.0.0.1:{ports[other]}{path}"),
                                 ("Content-Length", "0"), ("Connection", "close")])
    return handler


# Requisite faults: path on server A (or B) -> what must be recorded for it.
REQ_FAULTS = {
    "/drip": "time",
    "/cl-large": "disconnect",
    "/garbage-img": "connection failed",
    "/huge-header-img": "connection failed",
    "/bomb.css": "decompression bomb",
    "/xloop-img": "redirect loop",
    "/stall": "time",
    "/reset": "disconnect",
    "/404": "HTTP 404",
    "/always-503": "HTTP 503",
}
# Page faults: the article itself cannot be captured; the reason recorded.
PAGE_FAULTS = {
    "/drip-page": "time",
    "/bomb-page": "decompression bomb",
    "/garbage-page": "connection failed",
    "/huge-header-page": "connection failed",
    "/xloop-page": "redirect loop",
    "/short": "disconnect",
    "/never": "timed out",
    "/404": "HTTP 404",
}


def plan(a: FaultServer, b: FaultServer) -> list[tuple[str, str | None, list[tuple[str, str]]]]:
    """50 articles: (url, expected page failure or None, [(requisite url, expected reason)])."""
    articles: list[tuple[str, str | None, list[tuple[str, str]]]] = []
    faults = list(REQ_FAULTS.items())
    pages = list(PAGE_FAULTS.items())
    k = 0
    for i in range(50):
        if i % 6 == 5 and pages:  # 8 broken pages
            path, reason = pages.pop(0)
            articles.append((a.url(path + f"/{i}" if path not in ("/404", "/short", "/never") else path), reason, []))
        elif i % 5 == 0:  # good pages reached through a redirect chain across both ports
            articles.append((a.url(f"/x/page{i}/3"), None, []))
        elif i % 2 == 0:  # good pages whose requisites misbehave
            path, reason = faults[k % len(faults)]
            host = b if k % 3 == 0 else a
            k += 1
            articles.append((a.url(f"/art/{i}"), None, [(host.url(path + ("" if path in ("/stall", "/reset", "/404", "/always-503") else f"/{i}")), reason)]))
        else:  # good pages with good (and cross-port redirected) requisites
            articles.append((a.url(f"/art/{i}"), None, []))
    return articles


def test_fifty_articles_through_a_fault_mix(tmp_path: Path) -> None:
    ports: dict[str, int] = {}
    articles: dict[int, list[str]] = {}

    def art(conn: socket.socket, server: FaultServer, path: str) -> None:
        i = int(path.rsplit("/", 1)[-1])
        good(page(i, articles[i]), "text/html; charset=utf-8")(conn, server, path)  # type: ignore[operator]

    def routes(me: str) -> dict[str, object]:
        r: dict[str, object] = {
            "/art": art, "/img": unique_png, "/drip": drip, "/drip-page": drip_page,
            "/cl-small": length_too_small, "/cl-large": length_too_large,
            "/bomb.css": bomb("text/css", "gzip"), "/bomb-page": bomb("text/html", "gzip"),
            "/bomb-img": bomb("image/png", "gzip"),
            "/garbage-img": garbage, "/garbage-page": garbage,
            "/huge-header-img": huge_header, "/huge-header-page": huge_header,
            "/x": cross_port(ports, me), "/xloop-img": cross_loop(ports, me), "/xloop-page": cross_loop(ports, me),
        }
        return r

    # Build the bomb before serving: compressing 64 MiB takes seconds on a busy machine, and the
    # first request for it would otherwise time out (read_timeout) before the bomb is sent.
    gzip_bomb()
    a = FaultServer(routes=routes("a"))  # type: ignore[arg-type]
    b = FaultServer(routes=routes("b"))  # type: ignore[arg-type]
    ports.update(a=a.port, b=b.port)
    # Build the bombs before the clock starts: computed lazily, five server threads at once
    # compressing 64 MiB each took over the 1 s read timeout on a busy machine.
    gzip_bomb()
    brotli_bomb()
    try:
        todo = plan(a, b)
        for url, page_reason, reqs in todo:
            if page_reason is None and "/art/" in url:
                i = int(url.rsplit("/", 1)[-1])
                # every good article also has its own image, one shared image and a cross-port image chain
                articles[i] = [r for r, _ in reqs] + [f"/img/{i}.png", "/ok.png", b.url(f"/x/img{i}/2"),
                                                      a.url(f"/cl-small/{i}"), b.url(f"/bomb-img/{i}")]

        out = tmp_path / "warcs"
        started = time.monotonic()
        results = asyncio.run(_capture(out, [u for u, _, _ in todo]))
        elapsed = time.monotonic() - started
    finally:
        a.close()
        b.close()

    # No hang: the slowest single URL costs at most (retries + 1) attempts of connect + read +
    # body timeouts plus backoff; the slow URLs share each host's per_host_concurrency slots.
    s = SETTINGS
    per_url = (s.retries + 1) * (s.connect_timeout + s.read_timeout + s.body_timeout) + s.retries * s.backoff_max
    slow = sum(1 for _, r, q in todo if r in ("time", "timed out")) + sum(1 for _, _, q in todo for _, r in q if r == "time")
    bound = per_url * (math.ceil(slow / s.per_host_concurrency) + 2) + 15
    used = {_path(r).rsplit("/", 1)[0] if _path(r).count("/") > 1 else _path(r) for _, _, q in todo for r, _ in q}
    assert used == set(REQ_FAULTS), used  # every requisite fault was exercised
    print(f"fault mix: {len(todo)} articles in {elapsed:.1f}s (bound {bound:.1f}s)")
    assert elapsed < bound, f"capture took {elapsed:.1f}s, more than the {bound:.1f}s the timeouts allow"

    truncated = _truncated_uris(out)
    for (url, page_reason, reqs), result in zip(todo, results, strict=True):
        if page_reason is None:
            assert isinstance(result, ArticleResult) and result.ok and result.status == 200, (url, result)
            recorded = {f.url: f.reason for f in result.failures}
            for req, reason in reqs:
                hits = {u: r for u, r in recorded.items() if _path(u) == _path(req)}
                assert hits or req in truncated, f"{req} failed silently in {url}: {recorded}"
                assert any(reason in r for r in hits.values()) or reason in truncated.get(req, ""), (req, reason, hits)
            # good requisites are never failures
            assert not [u for u in recorded if "/img/" in u or u.endswith("/ok.png") or "/x/img" in u or "/cl-small/" in u]
        elif isinstance(result, FetchError):
            assert page_reason in result.reason, (url, result.reason)
        else:
            assert not result.ok, url
            reasons = " ".join(f.reason for f in result.failures)
            assert page_reason in reasons or page_reason in truncated.get(url, ""), (url, result.failures)

    good_pages = sum(1 for _, r, _ in todo if r is None)
    assert sum(1 for r in results if isinstance(r, ArticleResult) and r.ok) == good_pages == 42

    assert not list(out.glob("*.open"))
    warcs = sorted(out.glob("*.warc.gz"))
    assert warcs
    for path in warcs:
        check = subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr

    # Bombs stay bombs in the archive (raw bytes kept) and extraction survives them.
    extraction = extract_to_folder(warcs, tmp_path / "metadata")
    headlines = {p.name for p in extraction.files}
    assert len(headlines) >= good_pages
    bag = build_bag(tmp_path / "bag", warcs=warcs, metadata=extraction.files,
                    info=BagInfo(source_organization="Fault mix", external_identifier="faults",
                                 external_description="50 articles through a fault mix"))
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "warcio 1.8.1 `check` crashes on any Content-Encoding: br record when Google's brotli "
    "module (a project dependency) is installed: it sets Decompressor.unused_data, which that "
    "module does not allow. The record itself is whole; see docs/survives.md"))
def test_brotli_bomb_is_recorded_and_the_warc_passes_warcio_check(tmp_path: Path) -> None:
    if brotli_bomb() is None:  # also builds it before the server answers
        pytest.skip("brotli is not installed")
    server = FaultServer(routes={"/br-page": good(page(0, ["/bomb-br.css"]), "text/html"),  # type: ignore[dict-item]
                                 "/bomb-br.css": bomb("text/css", "br")})  # type: ignore[dict-item]
    try:
        [result] = asyncio.run(_capture(tmp_path, [server.url("/br-page")]))
    finally:
        server.close()
    assert isinstance(result, ArticleResult) and result.ok
    assert any("decompression bomb" in f.reason for f in result.failures), result.failures
    [warc] = tmp_path.glob("*.warc.gz")
    check = subprocess.run([WARCIO, "check", str(warc)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr[-300:]


async def _capture(out: Path, urls: list[str]) -> list[ArticleResult | FetchError]:
    gate = asyncio.Semaphore(16)
    async with CaptureSession(out, SETTINGS) as session:
        async def one(url: str) -> ArticleResult | FetchError:
            async with gate:
                try:
                    return await session.capture_article(url)
                except FetchError as exc:
                    return exc
        return list(await asyncio.gather(*(one(u) for u in urls)))


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _truncated_uris(out: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in out.glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                why = rec.rec_headers.get_header("WARC-Truncated")
                if why:
                    found[rec.rec_headers.get_header("WARC-Target-URI")] = why
    return found


# -- Memory: indexing a WARC with many records (bench/bench_memory.py measures up to 1M) --------

INDEX_CHILD = """
import sys
from pathlib import Path
from archive.replay import cdxj
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
cdxj.SORT_RUN_BYTES = 1 << 20  # small runs, so a small WARC shows whether memory is bounded
base = peak()
with open(sys.argv[2], "wb") as out:
    n = cdxj.write_cdxj([Path(sys.argv[1])], out)
print(n, peak() - base)
"""


def test_indexing_many_records_holds_a_bounded_run_in_memory(tmp_path: Path) -> None:
    """write_cdxj used to hold every index line (about 350 bytes a record) until the final sort."""
    n = 60_000
    warc = tmp_path / "many.warc"
    with open(warc, "wb") as fh:
        for i in range(n):
            body = b"<html>%d</html>" % i
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            fh.write(b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-%012d>\r\n"
                     b"WARC-Date: 2026-11-24T12:00:00Z\r\nWARC-Target-URI: http://127.0.0.1:8000/r/%d\r\n"
                     b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n"
                     % ((n - i) * 7919 % 1_000_003, (n - i) * 7919 % 1_000_003, len(http), http))
    index = tmp_path / "index.cdxj"
    proc = subprocess.run([sys.executable, "-c", INDEX_CHILD, str(warc), str(index)], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr[-2000:]
    count, grew = map(int, proc.stdout.split())
    lines = index.read_bytes().splitlines()
    assert count == len(lines) == n
    assert lines == sorted(lines), "merged runs must give the same bytewise order as one in-memory sort"
    print(f"indexing {n} records: peak RSS grew {grew / 2**20:.1f} MiB")
    assert grew < 6 * 1024 * 1024, f"indexing {n} records grew the peak RSS by {grew / 2**20:.1f} MiB"
