"""End to end against the bundled demo site on a real server: every requisite kind captured,
WARCs read back with warcio's ArchiveIterator and passing `warcio check`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture.requisites import page_links
from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
from archive_app.demo.server import (
    DEMO_ARTICLES,
    DEMO_CHUNKED,
    DEMO_MISSING,
    DEMO_REDIRECTS,
    DEMO_ROBOTS_DISALLOWED,
)

WARCIO = str(Path(sys.executable).with_name("warcio"))


@pytest.fixture(scope="module")
def demo_capture(demo_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-capture")
    urls = [demo_server.url(p) for p in DEMO_ARTICLES] + [demo_server.url("/old/amnesty-or-disgrace")]
    before = len(demo_server.request_log)

    async def go() -> list[Any]:
        async with CaptureSession(out, CaptureSettings(per_host_delay=0.0)) as session:
            return await asyncio.gather(*(session.capture_article(u) for u in urls))

    results = asyncio.run(go())
    records = []
    for path in sorted(out.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                records.append({
                    "type": rec.rec_type,
                    "uri": rec.rec_headers.get_header("WARC-Target-URI"),
                    "headers": rec.rec_headers,
                    "http": rec.http_headers,
                    "body": rec.raw_stream.read(),
                })
    return {"out": out, "results": results, "records": records, "requests": demo_server.request_log[before:]}


def by_path(records: list[dict[str, Any]], rtype: set[str] | None = None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        if r["uri"] and (rtype is None or r["type"] in rtype):
            out.setdefault(r["uri"].split("/", 3)[3].join("/" "") if False else "/" + r["uri"].split("/", 3)[3], r)
    return out


def test_every_article_page_captured(demo_capture) -> None:
    results = demo_capture["results"]
    assert [r.ok for r in results] == [True] * 4
    redirect = results[3]
    assert redirect.final_url.endswith(DEMO_REDIRECTS["/old/amnesty-or-disgrace"])


def test_every_requisite_of_the_english_article_is_in_the_warc(demo_capture, demo_server) -> None:
    responses = by_path(demo_capture["records"], {"response", "revisit"})
    en = responses[DEMO_ARTICLES[0]]
    from archive.content import decode_bytes

    html = decode_bytes(en["body"], en["http"].get_header("Content-Encoding"))
    # Independent check: every src/href/srcset/poster/url() in the page (read here with lxml
    # directly, not with the capture code) has a record.
    doc = lxml.html.fromstring(html)
    wanted: set[Any] = set()
    for el in doc.iter():
        for attr in ("src", "data-src", "poster", "srcset"):
            for part in (el.get(attr) or "").split(","):
                if part.strip() and not part.strip().startswith("data:"):
                    wanted.add(part.split()[0])
        if el.tag == "link" and el.get("rel") in ("stylesheet", "icon", "preload"):
            wanted.add(el.get("href"))
        if el.tag == "meta" and el.get("property") == "og:image":
            wanted.add(el.get("content"))
    wanted = {w if w.startswith("/") else "/" + w.split("/", 3)[3] for w in wanted}
    wanted -= DEMO_ROBOTS_DISALLOWED
    missing = sorted(w for w in wanted if w not in responses)
    assert not missing, f"requisites with no record: {missing}"
    # CSS children: @import target, its font, and url() images of both stylesheets.
    links = page_links(html, demo_server.url(DEMO_ARTICLES[0]))
    css = [u for u in links.requisites if u.endswith(".css")]
    assert css
    for path in ("/static/css/fonts.css", "/static/fonts/newsserif.woff2", "/static/img/pattern.png"):
        assert path in responses, path
    assert responses["/static/fonts/newsserif.woff2"]["body"][:4] == b"wOF2"


def test_redirect_404_revisit_chunked_and_encoding(demo_capture) -> None:
    responses = by_path(demo_capture["records"], {"response", "revisit"})
    for source, target in DEMO_REDIRECTS.items():
        assert responses[source]["http"].get_statuscode().startswith("3")
        assert responses[source]["http"].get_header("Location").endswith(target)
        assert responses[target]["http"].get_statuscode() == "200"
    for missing in DEMO_MISSING:
        assert responses[missing]["http"].get_statuscode() == "404"
    revisits = [r for r in demo_capture["records"] if r["type"] == "revisit"]
    assert revisits, "the byte-identical image is stored as a revisit"
    for rv in revisits:
        assert rv["headers"].get_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        original = responses["/" + rv["headers"].get_header("WARC-Refers-To-Target-URI").split("/", 3)[3]]
        assert original["type"] == "response"
        assert original["headers"].get_header("WARC-Payload-Digest") == rv["headers"].get_header("WARC-Payload-Digest")
        assert original["headers"].get_header("WARC-Date") == rv["headers"].get_header("WARC-Refers-To-Date")
    for path in DEMO_CHUNKED:
        http = responses[path]["http"]
        assert http.get_header("Transfer-Encoding") is None
        assert http.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    page = responses[DEMO_ARTICLES[0]]
    assert page["http"].get_header("Content-Encoding") == "gzip" and page["body"][:2] == b"\x1f\x8b"


def test_robots_txt_honoured_and_archived(demo_capture) -> None:
    requested = {path for _, path in demo_capture["requests"]}
    assert not (requested & DEMO_ROBOTS_DISALLOWED), "a robots-disallowed URL was fetched"
    assert "/robots.txt" in requested
    en = demo_capture["results"][0]
    assert any("robots.txt" in f.reason for f in en.failures)
    assert "/robots.txt" in by_path(demo_capture["records"], {"response"})
    fetched_once = [p for _, p in demo_capture["requests"] if p == "/static/css/site.css"]
    assert len(fetched_once) == 1, "a stylesheet shared by three editions is fetched once per capture"


def test_record_structure_and_warcio_check(demo_capture) -> None:
    records = demo_capture["records"]
    assert records[0]["type"] == "warcinfo"
    ids = {r["headers"].get_header("WARC-Record-ID"): r for r in records}
    for r in records:
        assert r["headers"].protocol == "WARC/1.1"
        assert r["headers"].get_header("WARC-Block-Digest")
        assert r["headers"].get_header("WARC-Payload-Digest")
        if r["type"] == "request":
            assert ids[r["headers"].get_header("WARC-Concurrent-To")]["type"] in ("response", "revisit")
        if r["type"] in ("response", "revisit", "request"):
            assert r["headers"].get_header("WARC-IP-Address") == "127.0.0.1"
    metadata = [r for r in records if r["type"] == "metadata"]
    assert len(metadata) == 4
    for m in metadata:
        body = m["body"].decode()
        assert "x-news-archive-role: article" in body
        page = ids[m["headers"].get_header("WARC-Concurrent-To")]
        assert page["type"] == "response" and page["http"].get_statuscode() == "200"
    en_meta = next(m for m in metadata if m["uri"].endswith(DEMO_ARTICLES[0]))
    assert "outlink: " in en_meta["body"].decode() and "requisite: " in en_meta["body"].decode()
    for path in demo_capture["out"].glob("*.warc.gz"):
        result = subprocess.run([WARCIO, "check", "-v", str(path)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout
        assert "digest failed" not in result.stdout


def test_nothing_outside_loopback_was_contacted(demo_capture, loopback_only) -> None:
    assert loopback_only == []
    hosts = {r["uri"].split("/")[2].split(":")[0] for r in demo_capture["records"] if r["uri"]}
    assert hosts == {"127.0.0.1"}
