"""Hostile URLs (issue 10, items 1, 5, 6, 13) against a real server on 127.0.0.1: whatever one
URL does is recorded as that URL's failure; refused targets are refused before any connection;
raw UTF-8 in Location is read as UTF-8; an unreachable host is reported as such."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture.fetch import Fetcher
from archive.capture.robots import RobotsPolicy
from archive.capture.session import ArticleResult, CaptureSession
from archive.capture.settings import CaptureSettings
from archive.capture.targets import AddressKind, TargetPolicy, classify, parse_ip, policy_scope
from archive.capture.transport import GuardedTransport
from archive.errors import FetchError
from tests.helpers.faultserver import FaultServer, _ok, _status

QUICK = CaptureSettings(connect_timeout=5, read_timeout=5, body_timeout=10, retries=0, per_host_delay=0.0)
ARABIC = "/خبر/الأنبار-١٥"
KURDISH = "/هەواڵ/ئەنبار"


def _redirect(location: str):
    # Header values go out byte for byte: a str of Latin-1 characters standing for raw bytes.
    return _status("302 Found", [("Location", location)])


def raw_utf8(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def pct(text: str) -> str:
    return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in text.encode("utf-8"))


ROUTES = {
    "/good": _ok(b'<html><body><h1>Good</h1><img src="/ok.png"></body></html>'),
    "/to-mailto": _redirect("mailto:editor@example.org"),
    "/to-javascript": _redirect("javascript:alert(1)"),
    "/to-data": _redirect("data:text/html,<h1>x</h1>"),
    "/to-about": _redirect("about:blank"),
    "/to-ipv6": _redirect("http://[::1]:9/x"),
    "/img-ipv6": _ok(b'<html><body><img src="http://[::1]:9/x"><img src="/ok.png"></body></html>'),
    "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
    "/to-private": _redirect("http://10.0.0.1/admin"),
    "/to-link-local-v6": _redirect("http://[fe80::1]/"),
    "/to-mapped-metadata": _redirect("http://[::ffff:169.254.169.254]/"),
    "/to-named-metadata": _redirect("http://metadata.test/computeMetadata/v1/"),
    "/img-private": _ok(b'<html><body><img src="http://192.168.1.1/x.png"><img src="http://10.0.0.1/y.png">'
                        b'<img src="/ok.png"></body></html>'),
    "/to-arabic": _redirect(raw_utf8(ARABIC)),
    "/to-kurdish": _redirect(raw_utf8("http://127.0.0.1:{port}" + KURDISH)),
    "/to-latin1": _redirect("/caf\xe9"),  # one raw 0xE9 byte: not UTF-8
    pct(ARABIC): _ok(b"<html><body>arabic</body></html>"),
    pct(KURDISH): _ok(b"<html><body>kurdish</body></html>"),
    "/caf%E9": _ok(b"<html><body>latin-1</body></html>"),
}


def local_names(table: dict[str, list[str]]):
    """A resolver answering from ``table`` only: tests never ask DNS."""
    async def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return resolve


NAMES = local_names({"metadata.test": ["169.254.169.254"], "intranet.test": ["10.1.2.3"],
                     "localhost": ["127.0.0.1"]})


@pytest.fixture()
def server() -> Iterator[FaultServer]:
    srv = FaultServer(routes=dict(ROUTES))
    srv.routes["/to-kurdish"] = _redirect(raw_utf8(f"http://127.0.0.1:{srv.port}" + KURDISH))
    try:
        yield srv
    finally:
        srv.close()


def capture(out: Path, urls: list[str], settings: CaptureSettings = QUICK) -> list[ArticleResult]:
    async def go() -> list[ArticleResult]:
        async with CaptureSession(out, settings, resolver=NAMES) as session:
            return list(await asyncio.gather(*(session.capture_article(u) for u in urls)))
    return asyncio.run(go())


def reasons(result: ArticleResult) -> dict[str, str]:
    return {f.url: f.reason for f in result.failures}


def response_uris(out: Path) -> list[str]:
    uris = []
    for path in sorted(out.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            uris += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"]
    return uris


# -- item 1: one bad URL never loses the run ------------------------------------------------------

def test_redirects_to_non_http_schemes_are_each_articles_failure(tmp_path: Path, server: FaultServer) -> None:
    paths = ["/to-mailto", "/to-javascript", "/to-data", "/to-about"]
    *bad, good = capture(tmp_path, [server.url(p) for p in paths] + [server.url("/good")])
    for path, result in zip(paths, bad, strict=True):
        assert not result.ok and result.status == 302
        [reason] = reasons(result).values()
        assert "redirect to unfetchable location" in reason, (path, reason)
    assert good.ok and good.requisites_ok == 1, "the other article is unaffected"
    assert set(response_uris(tmp_path)) >= {server.url(p) for p in paths}, "each 302 itself is archived"


def test_ipv6_literals_as_seed_redirect_and_requisite_are_recorded(tmp_path: Path, server: FaultServer) -> None:
    seed, redirected, page, good = capture(
        tmp_path, ["http://[::1]:9/x", server.url("/to-ipv6"), server.url("/img-ipv6"), server.url("/good")])
    for result in (seed, redirected, page):
        reason = reasons(result)["http://[::1]:9/x"]
        assert "http://[::1]:9/robots.txt" in reason and "blocked by robots" not in reason, reason
    assert not seed.ok and not redirected.ok
    assert page.ok and page.requisites == 2 and page.requisites_ok == 1
    assert good.ok


def test_robots_origin_keeps_ipv6_brackets_and_drops_default_ports() -> None:
    assert RobotsPolicy.origin("http://[::1]:9/x?y") == "http://[::1]:9"
    assert RobotsPolicy.origin("https://[2001:db8::1]/a") == "https://[2001:db8::1]"
    assert RobotsPolicy.origin("http://example.org:80/a") == "http://example.org"
    assert RobotsPolicy.origin("https://example.org:8443/a") == "https://example.org:8443"


# -- item 13: an unreachable host is not "blocked by robots.txt" ----------------------------------

def test_unreachable_host_reports_the_real_cause(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    refused, unknown = capture(tmp_path, [f"http://127.0.0.1:{closed}/a", "http://no-such-host.test/a"])
    refused_reason = reasons(refused)[f"http://127.0.0.1:{closed}/a"]
    assert "connection failed" in refused_reason and "refused" in refused_reason.lower(), refused_reason
    unknown_reason = reasons(unknown)["http://no-such-host.test/a"]
    assert "cannot resolve no-such-host.test" in unknown_reason, unknown_reason
    for reason in (refused_reason, unknown_reason):
        assert "blocked by robots" not in reason


def test_robots_5xx_names_the_status(tmp_path: Path) -> None:
    srv = FaultServer(routes={"/robots.txt": _status("503 Service Unavailable"), "/a": _ok(b"<html></html>")})
    try:
        [result] = capture(tmp_path, [srv.url("/a")])
    finally:
        srv.close()
    assert "answered HTTP 503" in reasons(result)[srv.url("/a")]
    assert srv.count("/a") == 0


# -- item 5: capture target policy -------------------------------------------------------------

REFUSED = {
    "/to-metadata": ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    "/to-private": ("http://10.0.0.1/admin", "private"),
    "/to-link-local-v6": ("http://[fe80::1]/", "link-local"),
    "/to-mapped-metadata": ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
    "/to-named-metadata": ("http://metadata.test/computeMetadata/v1/", "metadata.test (169.254.169.254) is a cloud metadata"),
}


def test_redirects_to_internal_addresses_are_refused_before_connecting(
        tmp_path: Path, server: FaultServer, loopback_only: list[object]) -> None:
    before = len(loopback_only)
    results = capture(tmp_path, [server.url(p) for p in REFUSED] + [server.url("/img-private")])
    for (path, (target, kind)), result in zip(REFUSED.items(), results[:-1], strict=True):
        reason = reasons(result)[target]
        assert "refused by the capture target policy" in reason and kind in reason, (path, reason)
        assert not result.ok and result.status == 302
    page = results[-1]
    assert page.ok and page.requisites_ok == 1
    assert "private address" in reasons(page)["http://192.168.1.1/x.png"]
    assert "private address" in reasons(page)["http://10.0.0.1/y.png"]
    assert len(loopback_only) == before, f"a connection outside 127.0.0.0/8 was attempted: {loopback_only[before:]}"
    assert not [u for u in response_uris(tmp_path) if "127.0.0.1" not in u], "nothing else was fetched"


def _fetch_under(policy: TargetPolicy, url: str, settings: CaptureSettings = QUICK, resolver=NAMES) -> object:
    async def go() -> object:
        async with Fetcher(settings, resolver=resolver) as fetcher:
            with policy_scope(policy):
                try:
                    exchange = await fetcher.fetch(url)
                except FetchError as exc:
                    return exc
                exchange.close()
                return exchange.status
    return asyncio.run(go())


def test_loopback_is_refused_at_the_socket_unless_the_seed_or_settings_allow_it(server: FaultServer) -> None:
    public_only = TargetPolicy()
    for url in (server.url("/ok.png"), f"http://localhost:{server.port}/ok.png"):
        error = _fetch_under(public_only, url)
        assert isinstance(error, FetchError) and not error.transient, error
        assert "loopback address" in error.reason
    assert server.count("/ok.png") == 0, "refused before any request reached the server"
    allowed = CaptureSettings(**{**QUICK.to_json(), "allow_loopback_targets": True})
    assert _fetch_under(TargetPolicy.from_flags(private=False, loopback=True), server.url("/ok.png"), allowed) == 200


def test_dns_rebinding_is_caught_at_connect_time(tmp_path: Path, server: FaultServer,
                                                 loopback_only: list[object]) -> None:
    """The name first resolves to 127.0.0.1 (the early check passes), then to the metadata
    address when the connection is made: the socket-level check refuses it."""
    answers = iter([["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        if host != "rebind.test":
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return next(answers, ["169.254.169.254"])

    before = len(loopback_only)
    srv = server
    srv.routes["/rebind-page"] = _ok(f'<img src="http://rebind.test:{srv.port}/ok.png">'.encode())

    async def go() -> ArticleResult:
        async with CaptureSession(tmp_path, QUICK, resolver=rebinding) as session:
            return await session.capture_article(srv.url("/rebind-page"))

    result = asyncio.run(go())
    reason = reasons(result)[f"http://rebind.test:{srv.port}/ok.png"]
    assert "rebind.test (169.254.169.254) is a cloud metadata address" in reason, reason
    assert srv.count("/ok.png") == 0
    assert len(loopback_only) == before


@pytest.mark.parametrize(("address", "kind"), [
    ("8.8.8.8", AddressKind.PUBLIC), ("2606:4700::1111", AddressKind.PUBLIC),
    ("127.0.0.1", AddressKind.LOOPBACK), ("127.8.9.10", AddressKind.LOOPBACK), ("::1", AddressKind.LOOPBACK),
    ("10.0.0.1", AddressKind.PRIVATE), ("172.16.5.4", AddressKind.PRIVATE), ("192.168.0.1", AddressKind.PRIVATE),
    ("100.64.0.1", AddressKind.PRIVATE), ("fd12::1", AddressKind.PRIVATE),
    ("169.254.1.1", AddressKind.LINK_LOCAL), ("fe80::1%eth0", AddressKind.LINK_LOCAL),
    ("169.254.169.254", AddressKind.METADATA), ("100.100.100.200", AddressKind.METADATA),
    ("fd00:ec2::254", AddressKind.METADATA), ("::ffff:169.254.169.254", AddressKind.METADATA),
    ("::ffff:10.0.0.1", AddressKind.PRIVATE), ("64:ff9b::a9fe:a9fe", AddressKind.METADATA),
    ("64:ff9b::7f00:1", AddressKind.PRIVATE), ("2002:a9fe:a9fe::1", AddressKind.METADATA),
    ("0.0.0.0", AddressKind.RESERVED), ("::", AddressKind.RESERVED), ("224.0.0.1", AddressKind.RESERVED),
    ("255.255.255.255", AddressKind.RESERVED), ("ff02::1", AddressKind.RESERVED),
])
def test_address_kinds(address: str, kind: AddressKind) -> None:
    ip = parse_ip(address)
    assert ip is not None and classify(ip) is kind


def test_seed_widens_only_private_and_loopback() -> None:
    base = TargetPolicy()
    assert base.widened_for_seed({AddressKind.LOOPBACK}).allowed == {AddressKind.PUBLIC, AddressKind.LOOPBACK}
    assert base.widened_for_seed({AddressKind.LINK_LOCAL, AddressKind.METADATA}) == base


# -- item 6: raw UTF-8 in Location ------------------------------------------------------------

def test_raw_utf8_location_is_read_as_utf8(tmp_path: Path, server: FaultServer) -> None:
    arabic, kurdish, latin = capture(tmp_path, [server.url(p) for p in ("/to-arabic", "/to-kurdish", "/to-latin1")])
    assert arabic.ok and arabic.final_url == server.url(pct(ARABIC)), arabic
    assert kurdish.ok and kurdish.final_url == server.url(pct(KURDISH)), kurdish
    assert latin.ok and latin.final_url == server.url("/caf%E9"), "bytes that are not UTF-8 are kept, percent-encoded"
    assert server.count(pct(ARABIC)) == 1 and server.count(pct(KURDISH)) == 1


def test_malformed_seed_is_a_scope_error() -> None:
    from archive.capture.urls import check_seed
    from archive.errors import ScopeError

    for bad in ("http://[::1/x", "https://[not-v6]/", "mailto:x@y.z"):
        with pytest.raises(ScopeError):
            check_seed(bad)


class _BoomTransport(httpx.AsyncBaseTransport):
    """The real transport, except that any URL with /boom raises a bug-like error: stands in for
    the next unforeseen exception from a library."""

    def __init__(self) -> None:
        self._real = GuardedTransport(TargetPolicy.from_flags(private=False, loopback=True))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "/boom" in request.url.path:
            raise RuntimeError("boom")
        return await self._real.handle_async_request(request)

    async def aclose(self) -> None:
        await self._real.aclose()


def test_any_exception_from_one_url_is_that_urls_failure(tmp_path: Path, server: FaultServer) -> None:
    server.routes["/with-boom"] = _ok(b'<html><body><img src="/boom.png"><img src="/ok.png"></body></html>')

    async def go() -> list[ArticleResult]:
        async with CaptureSession(tmp_path, QUICK, transport=_BoomTransport()) as session:
            return list(await asyncio.gather(*(session.capture_article(server.url(p))
                                               for p in ("/with-boom", "/boom", "/good"))))

    page, boom, good = asyncio.run(go())
    assert page.ok and page.requisites == 2 and page.requisites_ok == 1
    assert reasons(page)[server.url("/boom.png")] == "unexpected error: RuntimeError: boom"
    assert not boom.ok and reasons(boom)[server.url("/boom")] == "unexpected error: RuntimeError: boom"
    assert good.ok and not good.failures
    metadata = 0
    for path in tmp_path.glob("*.warc.gz"):
        with open(path, "rb") as fh:
            metadata += sum(1 for r in ArchiveIterator(fh) if r.rec_type == "metadata")
    assert metadata == 3, "every article, the failed one included, has its metadata record"


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001"])
def test_other_spellings_of_loopback_are_checked_after_resolution(server: FaultServer, host: str) -> None:
    """Not IP literals to Python, yet the system resolver turns them into 127.0.0.1 (numerically,
    without asking DNS): only a check of the resolved address catches them."""
    from archive.capture.targets import system_resolver

    error = _fetch_under(TargetPolicy(), f"http://{host}:{server.port}/ok.png", resolver=system_resolver)
    assert isinstance(error, FetchError) and f"{host} (127.0.0.1) is a loopback address" in error.reason, error
    assert server.count("/ok.png") == 0
