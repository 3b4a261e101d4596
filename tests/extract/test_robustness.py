"""Hostile and huge input: only ArchiveError subclasses escape, big pages stay fast."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.errors import ArchiveError, SchemaError
from archive.extract import extract_html, validate_record
from tests.extract.conftest import Extract, page

_TAGS = ["html", "head", "body", "title", "h1", "p", "div", "article", "img", "meta", "script", "time", "figure",
         "figcaption", "nav", "a", "br", "picture", "source", "noscript", "link", "span", "table", "td"]
_ATTRS = ['class="byline"', 'property="og:title" content="x"', 'type="application/ld+json"', 'data-src="/a.jpg"',
          'src="data:,"', 'datetime="2018-03-15"', 'name="author" content="By A and B"', 'lang="ar"',
          'hreflang="x-default" rel="alternate" href="//h/"', 'itemscope itemtype="https://schema.org/NewsArticle"',
          'itemprop="headline"', 'srcset="a.jpg 2x, , b"', 'rel="author"', 'charset="utf-16"']
_fragment = st.recursive(
    st.text(max_size=30) | st.sampled_from(['{"@type":"NewsArticle","author":[{"@id":"x"}],"@graph":[[]]}', "15.03.2018 | X",
                                            "&amp;&#0;&#x110000;&bogus;", "\x00\ufeff", "(photo: X)", "١٥ آذار ٢٠١٨"]),
    lambda inner: st.builds(lambda t, a, kids: f"<{t} {a}>{''.join(kids)}</{t}>" if kids else f"<{t} {a}>",
                            st.sampled_from(_TAGS), st.sampled_from(_ATTRS), st.lists(inner, max_size=4)),
    max_leaves=25,
)
_headers = st.lists(st.tuples(st.sampled_from(["Content-Type", "Content-Encoding", "Content-Language"]),
                              st.sampled_from(["text/html; charset=bogus", "gzip", "br", "deflate", "ar, en",
                                               "text/html; charset=windows-1256", ""])), max_size=3)


def _check(body: bytes, headers: list[tuple[str, str]]) -> None:
    try:
        record = extract_html(body, url="https://fuzz.example/a", headers=headers)
    except ArchiveError:
        return
    try:
        validate_record(record)
    except SchemaError as exc:  # a valid page must always give a valid record
        raise AssertionError(f"invalid record for {body[:200]!r}: {exc}") from exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_fragment, _headers)
def test_arbitrary_html_never_raises_foreign_errors(html: str, headers: list[tuple[str, str]]) -> None:
    _check(html.encode("utf-8", "surrogatepass"), headers)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), _headers)
def test_arbitrary_bytes_never_raise_foreign_errors(body: bytes, headers: list[tuple[str, str]]) -> None:
    _check(body, headers)


def test_relative_url_is_refused_clearly() -> None:
    try:
        extract_html(b"<p>x</p>", url="/relative")
    except ArchiveError as exc:
        assert "/relative" in str(exc)
    else:
        raise AssertionError("a relative URL cannot resolve image links and must be refused")


def test_huge_page_is_extracted_quickly(extract: Extract) -> None:
    head, _, tail = page("niqash_en.html").partition(b'<div class="text">')
    para = (b"<p>Many of the security personnel were here before the extremist group took over the city, "
            b"al-Dulaimi says, and now the same ones are here again, in the same uniforms.</p>\n")
    filler = para * 40_000 + b'<div class="related"><img src="/x/logo.png"></div>' * 2_000
    body = head + b'<div class="text">' + filler + tail
    assert len(body) > 5_000_000
    start = time.process_time()  # CPU, not wall: the bound is for a runaway parse, on a busy machine too
    record = extract(body, url="https://www.niqash.example/en/articles/security/5862/")
    elapsed = time.process_time() - start
    assert record["headline"] == "Amnesty Or Disgrace: What Next For Anbar Security Staffers Who Fled?"
    assert record["wordCount"] > 1_000_000
    assert len(record["image"]) == 1
    assert elapsed < 20, f"{len(body)} bytes took {elapsed:.1f}s"
