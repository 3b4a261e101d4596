"""The demo site and its server, tested against the real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.etree
import lxml.html
import pytest

import archive_app.demo
from archive_app.demo import SITE_ROOT, DemoServer, GeneratedSite
from archive_app.demo.server import (
    DEMO_ARTICLES,
    DEMO_CHUNKED,
    DEMO_MISSING,
    DEMO_REDIRECTS,
    DEMO_ROBOTS_DISALLOWED,
)

EN = "/en/2018/03/amnesty-or-disgrace.html"
AR = "/ar/2018/03/amnesty-or-disgrace.html"
KU = "/ku/2018/03/amnesty-or-disgrace.html"
PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5) as c:
        yield c


def raw_exchange(server: DemoServer, request: bytes) -> bytes:
    """Send raw request bytes on a fresh socket and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def get_raw(server: DemoServer, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """GET with http.client, which neither follows redirects nor decodes Content-Encoding."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", path, headers=headers or {"Accept-Encoding": "identity"})
    resp = conn.getresponse()
    resp.body = resp.read()  # type: ignore[attr-defined]
    conn.close()
    return resp


def site_file(path: str) -> bytes:
    return (SITE_ROOT / path.lstrip("/")).read_bytes()


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def css_urls(css: str, base: str) -> set[str]:
    return {urljoin(base, a or b) for a, b in _CSS_URL.findall(css)}


def page_requisites(html: bytes, base: str) -> set[str]:
    """Every URL a browser would load for the page (independent of the capture code)."""
    doc: Any = lxml.html.document_fromstring(html)
    found: set[str] = set()
    for el in doc.xpath("//link[@href][not(@rel='canonical') and not(@rel='alternate')]"):
        found.add(el.get("href"))
    for attr in ("src", "data-src", "poster"):
        found.update(el.get(attr) for el in doc.xpath(f"//*[@{attr}]"))
    for el in doc.xpath("//*[@srcset]"):
        found.update(part.strip().split()[0] for part in el.get("srcset").split(","))
    found.update(doc.xpath("//meta[@property='og:image']/@content"))
    urls = {urljoin(base, u) for u in found}
    for style in doc.xpath("//style/text()") + doc.xpath("//@style"):
        urls |= css_urls(style, base)
    return urls


# --- the English article and everything it references -----------------------------------------


def test_every_requisite_of_the_english_article_is_served(server: DemoServer, client: httpx.Client) -> None:
    page = client.get(EN)
    assert page.status_code == 200
    requisites = page_requisites(page.content, page.url.__str__())
    # follow CSS imports and url()s transitively
    pending = [u for u in requisites if u.endswith(".css")]
    while pending:
        css_url = pending.pop()
        css = client.get(css_url)
        assert css.status_code == 200, css_url
        more = css_urls(css.text, css_url) - requisites
        requisites |= more
        pending += [u for u in more if u.endswith(".css")]

    paths = {urlsplit(u).path for u in requisites}
    expected = {
        "/static/css/site.css", "/static/css/fonts.css", "/static/fonts/newsserif.woff2",
        "/static/img/pattern.png", "/favicon.ico", "/static/js/site.js",
        "/static/img/police-anbar-480.jpg", "/static/img/police-anbar-960.jpg",
        "/static/img/placeholder.gif", "/static/img/senior-officers.jpg", "/static/img/parade.webp",
        "/static/img/old/parade.jpg", "/static/img/missing-map.jpg", "/static/img/texture.png",
        "/static/img/quote-mark.png", "/static/img/video-poster.jpg", "/static/media/clip.mp4",
        "/static/img/og-card.jpg", "/private/pixel.gif", "/static/img/share/police-anbar.jpg",
        "/static/img/logo.png",
    }  # fmt: skip
    assert expected <= paths, expected - paths

    for url in sorted(requisites):
        resp = client.get(url, follow_redirects=True)
        path = urlsplit(url).path
        if path in DEMO_MISSING:
            assert resp.status_code == 404, url
            continue
        assert resp.status_code == 200, url
        if path in DEMO_REDIRECTS:
            assert resp.history and resp.history[0].status_code == 301
            assert resp.content == site_file(DEMO_REDIRECTS[path])
        else:
            assert resp.content == site_file(path), url
    assert DEMO_ROBOTS_DISALLOWED <= paths  # the pixel is referenced, and the server itself serves it


def test_english_article_has_the_visible_metadata_and_links(client: httpx.Client) -> None:
    resp = client.get(EN)
    doc: Any = lxml.html.document_fromstring(resp.content)
    assert doc.findtext(".//title").endswith(" - NIQASH")
    assert doc.get("lang") == "en"
    text = " ".join(doc.text_content().split())
    assert "Kamal al-Ayash" in text
    assert "Many police officers in Anbar fled when" in text
    assert doc.xpath("string(//span[@class='date'])") == "15.03.2018"
    assert doc.xpath("string(//span[@class='place'])") == "Anbar"
    captions = [" ".join(c.text_content().split()) for c in doc.iter("figcaption")]
    assert "On trial? Police officers in Anbar. (photo: Anbar police)" in captions
    assert "Senior police officers in Anbar." in captions
    assert "Police on parade in Anbar." in captions
    # meta is deliberately thin: only og:title and og:image, no JSON-LD
    assert sorted(doc.xpath("//meta[@property]/@property")) == ["og:image", "og:title"]
    assert not doc.xpath("//script[@type='application/ld+json']")
    assert not doc.xpath("//meta[@name='author' or @name='description']")
    alternates = dict(zip(doc.xpath("//link[@rel='alternate']/@hreflang"), doc.xpath("//link[@rel='alternate'][@hreflang]/@href"), strict=True))
    assert alternates["ar"] == AR and alternates["ckb"] == KU
    assert doc.xpath("//link[@rel='canonical']/@href") == [EN]
    outlinks = set(doc.xpath("//a/@href"))
    assert {AR, KU, "/en/2018/02/fallujah-checkpoints.html"} <= outlinks


# --- editions and charsets --------------------------------------------------------------------


def test_arabic_edition_is_windows_1256_not_utf8(server: DemoServer) -> None:
    resp = get_raw(server, AR)
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "text/html; charset=windows-1256"
    body: bytes = resp.body  # type: ignore[attr-defined]
    assert body == site_file(AR)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("windows-1256")
    assert 'charset=windows-1256' in text and 'lang="ar" dir="rtl"' in text
    assert "كمال العياش" in text and "الأنبار" in text and "15 آذار/مارس 2018" in text
    doc: Any = lxml.html.document_fromstring(text)
    assert doc.xpath("string(//span[@class='date'])") == "١٥.٠٣.٢٠١٨"  # written as character references
    assert doc.xpath("//figure/figcaption") and doc.xpath("//figure/img/@src") == ["/static/img/police-anbar-960.jpg"]


def test_kurdish_edition_is_utf8_sorani(server: DemoServer) -> None:
    resp = get_raw(server, KU)
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
    doc: Any = lxml.html.document_fromstring(resp.body.decode("utf-8"))  # type: ignore[attr-defined]
    assert (doc.get("lang"), doc.get("dir")) == ("ckb", "rtl")
    assert doc.xpath("string(//p[@class='author'])") == "کەمال عەیاش"
    assert "ئەنبار" in doc.xpath("string(//figcaption)")
    assert doc.xpath("//figure/img/@src") == ["/static/img/parade.jpg"]


# --- HTTP behaviour -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", EN, "/static/css/site.css", "/static/js/site.js", "/feed.xml", "/sitemap.xml"])
def test_gzip_only_when_asked(server: DemoServer, path: str) -> None:
    on_disk = site_file("/index.html" if path == "/" else path)
    plain = get_raw(server, path)
    assert plain.getheader("Content-Encoding") is None
    assert plain.getheader("Vary") == "Accept-Encoding"
    zipped = get_raw(server, path, {"Accept-Encoding": "gzip, deflate"})
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert zipped.body[:2] == b"\x1f\x8b"  # type: ignore[attr-defined]
    refused = get_raw(server, path, {"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.getheader("Content-Encoding") is None
    assert zipped.getheader("ETag") != plain.getheader("ETag")
    if path.endswith(".xml"):  # templated: the base URL is filled in
        on_disk = on_disk.replace(b"{base_url}", server.base_url.encode())
        assert b"{base_url}" not in plain.body  # type: ignore[attr-defined]
    assert plain.body == on_disk  # type: ignore[attr-defined]
    assert gzip.decompress(zipped.body) == on_disk  # type: ignore[attr-defined]


def test_images_are_never_gzipped(server: DemoServer) -> None:
    resp = get_raw(server, "/static/img/parade.jpg", {"Accept-Encoding": "gzip"})
    assert resp.getheader("Content-Type") == "image/jpeg"
    assert resp.getheader("Content-Encoding") is None
    assert resp.body == site_file("/static/img/parade.jpg")  # type: ignore[attr-defined]


def _parse_chunked(raw: bytes) -> tuple[bytes, list[bytes], bytes]:
    head, _, rest = raw.partition(b"\r\n\r\n")
    chunks: list[bytes] = []
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            assert rest.startswith(b"\r\n")
            return head, chunks, rest[2:]
        chunks.append(rest[:size])
        assert rest[size : size + 2] == b"\r\n"
        rest = rest[size + 2 :]


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_chunked_resource_really_arrives_chunked(server: DemoServer, encoding: str) -> None:
    (path,) = DEMO_CHUNKED
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
    head, chunks, trailer = _parse_chunked(raw_exchange(server, request.encode()))
    lines = head.decode("latin-1").lower().split("\r\n")
    assert lines[0].startswith("http/1.1 200")
    assert "transfer-encoding: chunked" in lines
    assert not any(line.startswith("content-length:") for line in lines)
    assert len(chunks) >= 2 and trailer == b""
    body = b"".join(chunks)
    assert (gzip.decompress(body) if encoding == "gzip" else body) == site_file(path)


def test_keep_alive_serves_several_requests_on_one_connection_quickly(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/robots.txt")  # warm up
    conn.getresponse().read()
    sock = conn.sock
    started = time.perf_counter()
    for path in ["/static/js/site.js", "/robots.txt", "/static/img/pattern.png", "/favicon.ico"] * 6:
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200 and resp.version == 11
        assert resp.read()
    elapsed = time.perf_counter() - started
    assert conn.sock is sock  # the same connection throughout
    conn.close()
    # With Nagle's algorithm left on, each response stalls ~40 ms: 24 would take about 1 s.
    assert elapsed < 0.8, elapsed


@pytest.mark.parametrize(("path", "target"), sorted(DEMO_REDIRECTS.items()))
def test_redirects_are_301_with_location(server: DemoServer, path: str, target: str) -> None:
    resp = get_raw(server, path)
    assert resp.status == 301
    assert resp.getheader("Location") == server.url(target)
    assert get_raw(server, target).status == 200


@pytest.mark.parametrize(
    "target",
    [
        "/../server.py",
        "/static/../../server.py",
        "/%2e%2e/server.py",
        "/static/%2E%2E/%2e%2e/server.py",
        "/..%2fserver.py",
        "/static/..%5c..%5cserver.py",
        "/static/css/site.css%00.png",
        "/%ff%fe",
        "/.gitignore",
    ],
)
def test_path_traversal_and_junk_paths_give_404(server: DemoServer, target: str) -> None:
    raw = raw_exchange(server, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert raw.startswith(b"HTTP/1.1 404 ")
    assert b"DemoServer" not in raw and b"import" not in raw


def test_symlink_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text("<p>hello</p>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    with DemoServer(root) as srv:
        assert get_raw(srv, "/").body == b"<p>hello</p>"  # type: ignore[attr-defined]
        assert get_raw(srv, "/leak.txt").status == 404


def test_missing_file_is_404_with_small_html_body(server: DemoServer) -> None:
    resp = get_raw(server, "/static/img/missing-map.jpg")
    assert resp.status == 404
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b"404" in resp.body and len(resp.body) == int(resp.getheader("Content-Length") or "")  # type: ignore[attr-defined]


def test_head_matches_get_and_validators_work(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("HEAD", "/static/img/og-card.jpg")
    head = conn.getresponse()
    assert head.read() == b""
    conn.request("GET", "/static/img/og-card.jpg")
    get = conn.getresponse()
    body = get.read()
    assert head.getheader("Content-Length") == get.getheader("Content-Length") == str(len(body))
    assert head.getheader("ETag") == get.getheader("ETag") and get.getheader("Last-Modified")
    conn.request("GET", "/static/img/og-card.jpg", headers={"If-None-Match": get.getheader("ETag") or ""})
    not_modified = conn.getresponse()
    assert not_modified.status == 304 and not_modified.read() == b""
    conn.request("GET", "/static/img/og-card.jpg", headers={"If-Modified-Since": get.getheader("Last-Modified") or ""})
    assert conn.getresponse().status == 304
    conn.close()


def test_other_methods_are_refused(server: DemoServer) -> None:
    raw = raw_exchange(server, b"POST /newsletter/subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 405 ") and b"\r\nAllow: GET, HEAD\r\n" in raw


def test_robots_feed_and_sitemap(client: httpx.Client, server: DemoServer) -> None:
    robots = client.get("/robots.txt").text
    assert "User-agent: *" in robots and "Disallow: /private/" in robots
    assert f"Sitemap: {server.base_url}/sitemap.xml" in robots
    editions = [server.url(p) for p in DEMO_ARTICLES]
    feed: Any = lxml.etree.fromstring(client.get("/feed.xml").content)
    assert feed.tag == "rss" and feed.get("version") == "2.0"
    assert feed.xpath("//item/link/text()") == editions
    assert feed.xpath("//item/pubDate/text()") == ["Thu, 15 Mar 2018 12:00:00 +0100"] * 3
    sitemap: Any = lxml.etree.fromstring(client.get("/sitemap.xml").content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert set(editions) <= set(sitemap.xpath("//s:loc/text()", namespaces=ns))
    assert all(u.xpath("s:lastmod/text()", namespaces=ns) == ["2018-03-15"] for u in sitemap.xpath("//s:url", namespaces=ns))


# --- assets ---------------------------------------------------------------------------------------


def test_the_two_share_images_are_byte_identical_and_the_only_duplicates(client: httpx.Client) -> None:
    a = client.get("/static/img/police-anbar-960.jpg").content
    b = client.get("/static/img/share/police-anbar.jpg").content
    assert a == b and len(a) > 1000
    by_digest: dict[str, list[str]] = {}
    for path in SITE_ROOT.rglob("*"):
        if path.is_file():
            by_digest.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), []).append(path.relative_to(SITE_ROOT).as_posix())
    duplicates = [sorted(paths) for paths in by_digest.values() if len(paths) > 1]
    assert duplicates == [["static/img/police-anbar-960.jpg", "static/img/share/police-anbar.jpg"]]


def _jpeg_width(data: bytes) -> int:
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big")
        i += 2 + length
    raise AssertionError("no SOF marker")


@pytest.mark.parametrize(
    ("path", "content_type", "check"),
    [
        ("/static/img/police-anbar-960.jpg", "image/jpeg", lambda d: d[:3] == b"\xff\xd8\xff" and d[-2:] == b"\xff\xd9" and _jpeg_width(d) == 960),
        ("/static/img/police-anbar-480.jpg", "image/jpeg", lambda d: d[:3] == b"\xff\xd8\xff" and _jpeg_width(d) == 480),
        ("/static/img/senior-officers.jpg", "image/jpeg", lambda d: d[:3] == b"\xff\xd8\xff" and _jpeg_width(d) >= 320),
        ("/static/img/parade.jpg", "image/jpeg", lambda d: d[:3] == b"\xff\xd8\xff" and _jpeg_width(d) >= 320),
        ("/static/img/video-poster.jpg", "image/jpeg", lambda d: d[:3] == b"\xff\xd8\xff" and _jpeg_width(d) >= 320),
        ("/static/img/og-card.jpg", "image/jpeg", lambda d: d[:3] == b"\xff\xd8\xff" and _jpeg_width(d) >= 320),
        ("/static/img/parade.webp", "image/webp", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP"),
        ("/static/img/logo.png", "image/png", lambda d: d[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(d[16:20], "big") == 320),
        ("/static/img/pattern.png", "image/png", lambda d: d[:8] == b"\x89PNG\r\n\x1a\n"),
        ("/static/img/texture.png", "image/png", lambda d: d[:8] == b"\x89PNG\r\n\x1a\n"),
        ("/static/img/quote-mark.png", "image/png", lambda d: d[:8] == b"\x89PNG\r\n\x1a\n"),
        ("/static/img/placeholder.gif", "image/gif", lambda d: d[:6] in (b"GIF87a", b"GIF89a")),
        ("/private/pixel.gif", "image/gif", lambda d: d[:6] in (b"GIF87a", b"GIF89a") and d[6:10] == b"\x01\x00\x01\x00"),
        ("/favicon.ico", "image/x-icon", lambda d: d[:4] == b"\x00\x00\x01\x00"),
        ("/static/fonts/newsserif.woff2", "font/woff2", lambda d: d[:4] == b"wOF2"),
        ("/static/media/clip.mp4", "video/mp4", lambda d: d[4:8] == b"ftyp"),
    ],
)
def test_assets_are_real_files_of_their_type(client: httpx.Client, path: str, content_type: str, check) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == content_type
    assert check(resp.content)
    assert len(resp.content) < 30_000


def test_site_stays_small() -> None:
    total = sum(p.stat().st_size for p in SITE_ROOT.rglob("*") if p.is_file())
    assert total < 300_000


# --- server options and lifecycle -----------------------------------------------------------------


def test_latency_option_delays_every_answer() -> None:
    with DemoServer(latency=0.25) as slow:
        assert slow.latency == 0.25
        started = time.perf_counter()
        resp = get_raw(slow, "/robots.txt")
        assert resp.status == 200
        assert get_raw(slow, "/nope").status == 404
        assert time.perf_counter() - started >= 0.5


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "10.0.0.1", "localhost", "::1", "127.example.org", ""])
def test_only_loopback_hosts_are_accepted(host: str) -> None:
    with pytest.raises(ValueError, match="127.0.0.0/8"):
        DemoServer(host=host)


def test_another_loopback_address_works() -> None:
    with DemoServer(host="127.0.0.1", port=0) as srv:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", srv.base_url)
        assert srv.port > 0


def test_start_is_idempotent_stop_closes_everything() -> None:
    srv = DemoServer()
    with pytest.raises(RuntimeError, match="start"):
        _ = srv.base_url
    assert srv.start() is srv
    base = srv.base_url
    assert srv.start().base_url == base
    idle = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    idle.request("GET", "/robots.txt")
    idle.getresponse().read()  # leave a keep-alive connection open
    port = srv.port
    started = time.perf_counter()
    srv.stop()
    srv.stop()
    assert time.perf_counter() - started < 2
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    idle.close()


def test_request_log_records_every_request_from_many_threads() -> None:
    with DemoServer() as srv:
        def fetch() -> None:
            with httpx.Client(base_url=srv.base_url) as c:
                for _ in range(10):
                    c.head("/favicon.ico")

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        get_raw(srv, "/static/js/site.js?v=3")
        assert len(srv.request_log) == 81
        assert srv.request_log.count(("HEAD", "/favicon.ico")) == 80
        assert srv.request_log[-1] == ("GET", "/static/js/site.js?v=3")


def test_article_urls_are_the_three_editions_english_first(server: DemoServer) -> None:
    assert server.article_urls() == [server.url(EN), server.url(AR), server.url(KU)]
    assert server.url("robots.txt") == server.base_url + "/robots.txt"


def test_public_names() -> None:
    assert sorted(archive_app.demo.__all__) == sorted(
        ["SITE_ROOT", "DemoServer", "GeneratedSite", "Redirect", "Resource", "Site", "StaticSite"]
    )
    assert all(getattr(archive_app.demo, name) is not None for name in archive_app.demo.__all__)


def test_module_entry_point_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive_app.demo.server", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert base, first
        assert proc.stdout.readline().strip() == base.group(0) + EN
        assert httpx.get(base.group(0) + EN).status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
        assert "Warning" not in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- the generated benchmark site -----------------------------------------------------------------


def test_generated_site_serves_distinct_images_to_many_keep_alive_clients() -> None:
    site = GeneratedSite(articles=24, images=3, latency=0.0)
    with DemoServer(site=site) as srv:
        assert srv.latency == 0.0
        assert srv._httpd is not None and srv._httpd.request_queue_size >= 128
        urls = srv.article_urls()
        assert urls[0] == srv.url("/a/0.html") and len(urls) == 24
        images: dict[str, bytes] = {}
        lock = threading.Lock()
        errors: list[str] = []

        def worker(batch: list[str]) -> None:
            with httpx.Client(timeout=5) as c:  # one keep-alive connection per worker
                for url in batch:
                    page = c.get(url)
                    if page.status_code != 200 or page.headers["content-type"] != "text/html; charset=utf-8":
                        errors.append(url)
                        continue
                    srcs: Any = lxml.html.document_fromstring(page.content).xpath("//img/@src")
                    if len(srcs) != 3:
                        errors.append(url)
                    for src in srcs:
                        img = c.get(urljoin(url, src))
                        if img.status_code != 200 or img.headers["content-type"] != "image/jpeg":
                            errors.append(src)
                        with lock:
                            images[src] = img.content

        threads = [threading.Thread(target=worker, args=(urls[k::16],)) for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(images) == 72
        assert len({hashlib.sha256(b).digest() for b in images.values()}) == 72
        for data in images.values():
            assert data[:4] == b"\xff\xd8\xff\xe0" and data[-2:] == b"\xff\xd9" and 3000 < len(data) < 6000
        assert get_raw(srv, "/a/24.html").status == 404
        assert get_raw(srv, "/a/01.html").status == 404
        assert get_raw(srv, "/img/0-3.jpg").status == 404
        assert get_raw(srv, "/robots.txt").status == 200


def test_generated_site_default_latency_and_determinism() -> None:
    site = GeneratedSite()
    assert (site.articles, site.images, site.latency) == (500, 5, 0.02)
    assert DemoServer(site=site).latency == 0.02
    assert DemoServer(site=site, latency=0.0).latency == 0.0
    assert site.image(3, 4) == GeneratedSite().image(3, 4) != site.image(4, 3)
    assert site.article_page(7) == GeneratedSite().article_page(7)
    with pytest.raises(ValueError):
        GeneratedSite(articles=0)
