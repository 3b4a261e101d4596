from __future__ import annotations

import gzip
import time

import httpx
import pytest

from archive.sources import SourceError, parse_feed, parse_sitemap
from archive_app.demo.server import DEMO_ARTICLES

BASE = "http://127.0.0.1:8000/news/feed.xml"


def test_demo_site_feed_and_sitemap_list_the_three_editions(demo_server) -> None:
    expected = [demo_server.url(p) for p in DEMO_ARTICLES]
    feed = httpx.get(demo_server.url("/feed.xml")).content
    sitemap = httpx.get(demo_server.url("/sitemap.xml")).content
    assert sorted(e.url for e in parse_feed(feed, demo_server.url("/feed.xml"))) == sorted(expected)
    in_sitemap = {e.url for e in parse_sitemap(sitemap, demo_server.url("/sitemap.xml"))}
    assert set(expected) <= in_sitemap and demo_server.url("/index.html") in in_sitemap
    assert all(e.published and e.published.startswith("2018-03-15") for e in parse_feed(feed, demo_server.url("/")))


def test_rss2_relative_links_guid_permalinks_and_duplicates() -> None:
    xml = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>One</title><link>/a/1.html</link><pubDate>Thu, 15 Mar 2018 10:00:00 +0300</pubDate></item>
    <item><title>Two</title><guid isPermaLink="true">https://127.0.0.1/a/2.html</guid></item>
    <item><title>Not a link</title><guid isPermaLink="false">tag:x,2018:3</guid></item>
    <item><title>Again</title><link>/a/1.html</link></item></channel></rss>"""
    entries = parse_feed(xml, BASE)
    assert [e.url for e in entries] == ["http://127.0.0.1:8000/a/1.html", "https://127.0.0.1/a/2.html"]
    assert entries[0].published == "2018-03-15T10:00:00+03:00" and entries[0].title == "One"


def test_atom_and_rss1() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>A</title><link rel="self" href="/self"/><link href="/a.html"/><updated>2018-03-15T08:00:00Z</updated></entry>
    </feed>"""
    [entry] = parse_feed(atom, BASE)
    assert entry.url == "http://127.0.0.1:8000/a.html" and entry.published == "2018-03-15T08:00:00+00:00"
    rdf = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"><item rdf:about="http://127.0.0.1/r.html"><title>R</title>
    <link>http://127.0.0.1/r.html</link><dc:date>2018-03-15</dc:date></item></rdf:RDF>"""
    assert [(e.url, e.published) for e in parse_feed(rdf, BASE)] == [("http://127.0.0.1/r.html", "2018-03-15T00:00:00")]


def test_sitemap_index_news_sitemap_and_gzip() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>/sitemap-news.xml.gz</loc><lastmod>2018-03-15</lastmod></sitemap></sitemapindex>"""
    [child] = parse_sitemap(index, BASE)
    assert child.is_sitemap and child.url == "http://127.0.0.1:8000/sitemap-news.xml.gz"
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
    <url><loc>http://127.0.0.1/ar/1.html</loc><news:news><news:publication_date>2018-03-15T09:00:00+03:00</news:publication_date>
    <news:title>\xd8\xa7\xd9\x84\xd8\xa3\xd9\x86\xd8\xa8\xd8\xa7\xd8\xb1</news:title></news:news></url></urlset>"""
    [entry] = parse_sitemap(gzip.compress(news), BASE)
    assert entry.url == "http://127.0.0.1/ar/1.html" and entry.title == "الأنبار"
    assert entry.lastmod == "2018-03-15T09:00:00+03:00" and not entry.is_sitemap


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><item><link>&lol9;</link></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE])
def test_entity_attacks_are_refused_quickly(data: bytes) -> None:
    started = time.process_time()
    with pytest.raises(SourceError, match="declares XML entities"):
        parse_feed(data, BASE) if b"rss" in data else parse_sitemap(data, BASE)
    assert time.process_time() - started < 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<rss><channel><item><link>/a</link></item>\n</channel>", f"{BASE}:2:"),
        (b"", "malformed XML"),
        (b"<html><body>not a feed</body></html>", "not a feed (root element <html>)"),
        (b"\x1f\x8b\x08garbage", "corrupt gzip"),
    ],
)
def test_malformed_input_gets_a_clear_error_with_location(data: bytes, message: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_feed(data, BASE)
    assert message in str(info.value)
