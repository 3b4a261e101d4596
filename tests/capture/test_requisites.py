from __future__ import annotations

import pytest

from archive.capture.requisites import css_references, css_requisites, page_links, parse_srcset
from archive.capture.urls import check_seed, resolve
from archive.errors import ScopeError

BASE = "http://127.0.0.1:8000/news/2018/story.html"


@pytest.mark.parametrize(
    ("srcset", "urls"),
    [
        ("/a.jpg 480w, /b.jpg 960w", ["/a.jpg", "/b.jpg"]),
        ("https://cdn.test/i.jpg?w=1,2 1x, /y.jpg 2x", ["https://cdn.test/i.jpg?w=1,2", "/y.jpg"]),
        ("  one.png  ", ["one.png"]),
        ("a.png 1x,b.png 2x", ["a.png", "b.png"]),
        ("", []),
    ],
)
def test_srcset_candidates(srcset: str, urls: list[str]) -> None:
    assert parse_srcset(srcset) == urls


def test_css_references_imports_urls_and_skips_comments() -> None:
    css = '@import url("fonts.css"); @import \'print.css\'; /* url(ghost.png) */ a{background:url( ../i/bg.png )}'
    assert css_references(css) == ["print.css", "fonts.css", "../i/bg.png"]
    assert css_requisites(css, "http://127.0.0.1/static/css/site.css") == [
        "http://127.0.0.1/static/css/print.css",
        "http://127.0.0.1/static/css/fonts.css",
        "http://127.0.0.1/static/i/bg.png",
    ]


def test_every_requisite_kind_is_found_and_links_are_outlinks() -> None:
    html = b"""<html><head>
    <link rel="stylesheet" href="/s.css"><link rel="icon" href="/favicon.ico">
    <link rel="preload" as="image" href="/hero.avif"><link rel="alternate" href="/feed.xml">
    <script src="/app.js"></script><meta property="og:image" content="/og.jpg">
    <style>.q{background:url(/quote.png)}</style></head><body>
    <img src="/placeholder.gif" data-src="/real.jpg" data-srcset="/real-2x.jpg 2x">
    <img src="data:image/gif;base64,R0lGOD" data-lazy-src="/lazy.jpg">
    <picture><source srcset="/p.webp" type="image/webp"><img src="/p.jpg" srcset="/p-480.jpg 480w"></picture>
    <video poster="/poster.jpg"><source src="/clip.mp4"></video><audio src="/a.mp3"></audio>
    <div style="background-image:url('/texture.png')"></div><div data-bg="/bg-lazy.jpg"></div>
    <a href="/other-article.html">next</a><a href="mailto:x@y">mail</a><a href="#top">top</a>
    <iframe src="/embed.html"></iframe></body></html>"""
    links = page_links(html, BASE)
    expected = {
        "/s.css", "/favicon.ico", "/hero.avif", "/app.js", "/og.jpg", "/quote.png", "/placeholder.gif",
        "/real.jpg", "/real-2x.jpg", "/lazy.jpg", "/p.webp", "/p.jpg", "/p-480.jpg", "/poster.jpg",
        "/clip.mp4", "/a.mp3", "/texture.png", "/bg-lazy.jpg", "/embed.html",
    }
    assert set(links.requisites) == {"http://127.0.0.1:8000" + p for p in expected}
    assert links.outlinks == ("http://127.0.0.1:8000/other-article.html",)
    assert not any(u.startswith("data:") for u in links.requisites)
    assert "http://127.0.0.1:8000/feed.xml" not in links.requisites  # rel=alternate is not a requisite


def test_base_href_and_relative_urls() -> None:
    html = b'<html><head><base href="/static/"></head><body><img src="img/a.png"></body></html>'
    assert page_links(html, BASE).requisites == ("http://127.0.0.1:8000/static/img/a.png",)


def test_malformed_html_still_yields_links() -> None:
    html = b'<html><body><div><img src="/a.png"<p>broken <img src=/b.png><table><td><img src="/c.png"'
    assert set(page_links(html, BASE).requisites) >= {"http://127.0.0.1:8000/b.png"}


def test_empty_and_unknown_charset_do_not_raise() -> None:
    assert page_links(b"   ", BASE).requisites == ()
    assert page_links(b'<img src="/x.png">', BASE, encoding="no-such-charset").requisites == (
        "http://127.0.0.1:8000/x.png",
    )


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "file:///etc/passwd", "javascript:alert(1)", "127.0.0.1/x", "http:///nohost"])
def test_seed_scheme_other_than_http_is_refused_clearly(url: str) -> None:
    with pytest.raises(ScopeError, match="refusing"):
        check_seed(url)


def test_seed_fragment_dropped_and_resolution_rules() -> None:
    assert check_seed("http://127.0.0.1/a.html#comments") == "http://127.0.0.1/a.html"
    assert resolve(BASE, "javascript:void(0)") is None
    assert resolve(BASE, "data:image/png;base64,xx") is None
    assert resolve(BASE, "../img/x.png#frag") == "http://127.0.0.1:8000/news/img/x.png"


def test_non_ascii_urls_are_stored_as_percent_encoded_uris() -> None:
    # Arabic and Kurdish news sites use Arabic-script paths; a WARC-Target-URI must be a URI.
    html = "<img src='/صور/انبار 1.jpg'><a href='/خبر.html?q=نقاش'>x</a>".encode()
    links = page_links(html, "http://127.0.0.1/ar/")
    assert links.requisites == ("http://127.0.0.1/%D8%B5%D9%88%D8%B1/%D8%A7%D9%86%D8%A8%D8%A7%D8%B1%201.jpg",)
    assert links.outlinks == ("http://127.0.0.1/%D8%AE%D8%A8%D8%B1.html?q=%D9%86%D9%82%D8%A7%D8%B4",)
    assert check_seed("http://BÜCHER.example/x#frag") == "http://xn--bcher-kva.example/x"
    assert resolve(BASE, "/already%20encoded.jpg") == "http://127.0.0.1:8000/already%20encoded.jpg"


def test_prefetched_and_prerendered_pages_are_out_of_scope() -> None:
    html = (b'<link rel="prefetch" href="/next-article.html"><link rel="prerender" href="/other.html">'
            b'<link rel="dns-prefetch" href="//cdn.test"><link rel="preload" as="style" href="/s.css">')
    assert page_links(html, BASE).requisites == ("http://127.0.0.1:8000/s.css",)


def test_undeclared_legacy_charset_page_links_decode_like_extraction() -> None:
    # No header, no <meta>: the charset is detected (as extraction does), so the Arabic path of an
    # image in a windows-1256 page becomes the right UTF-8 percent-encoded URI, not Latin-1 mojibake.
    text = ("<html><body><h1>عفو أم عار: ما مصير عناصر الأمن الذين فرّوا من الأنبار؟</h1>"
            "<p>فرّ كثير من عناصر الشرطة في الأنبار عندما سيطر تنظيم داعش المتطرف على مدنهم، "
            "وأوقفت رواتبهم. واليوم يطلب منهم العودة إلى العمل، لكن السكان المحليين يعارضون ذلك.</p>"
            "<img src='/صور/شرطة.jpg'></body></html>")
    links = page_links(text.encode("cp1256"), "http://127.0.0.1/ar/")
    assert links.requisites == ("http://127.0.0.1/%D8%B5%D9%88%D8%B1/%D8%B4%D8%B1%D8%B7%D8%A9.jpg",)
