"""One URL resolver and one <base href> lookup for capture and extraction (issue 12, item 2):
what both callers rely on, pinned here."""

from __future__ import annotations

import pytest
from lxml import etree

from archive.capture.requisites import page_links
from archive.capture.urls import resolve
from archive.extract.record import extract_html
from archive.links import absolute, base_url

PAGE = "http://127.0.0.1/news/2018/story.html"


@pytest.mark.parametrize(("ref", "joined", "wire"), [
    ("img/a.jpg", "http://127.0.0.1/news/2018/img/a.jpg", "http://127.0.0.1/news/2018/img/a.jpg"),
    ("/a.jpg#top", "http://127.0.0.1/a.jpg#top", "http://127.0.0.1/a.jpg"),  # capture drops the fragment
    ("//127.0.0.2/b.png", "http://127.0.0.2/b.png", "http://127.0.0.2/b.png"),
    ("../x/./y.png", "http://127.0.0.1/news/x/y.png", "http://127.0.0.1/news/x/y.png"),
    ("  https://127.0.0.1/s p.png ", "https://127.0.0.1/s%20p.png", "https://127.0.0.1/s%20p.png"),
    ("/café.png", "http://127.0.0.1/café.png", "http://127.0.0.1/caf%C3%A9.png"),  # the wire form is encoded
    ("?page=2", "http://127.0.0.1/news/2018/story.html?page=2", "http://127.0.0.1/news/2018/story.html?page=2"),
])
def test_both_callers_resolve_alike(ref: str, joined: str, wire: str) -> None:
    assert absolute(PAGE, ref) == joined
    assert resolve(PAGE, ref) == wire


@pytest.mark.parametrize("ref", ["", "   ", "#section", "data:image/png;base64,AA", "javascript:void(0)",
                                 "mailto:editor@example.org", "blob:http://127.0.0.1/x", "about:blank",
                                 "ftp://127.0.0.1/x", "http://[::1/"])
def test_what_is_not_a_resource_for_either(ref: str) -> None:
    assert absolute(PAGE, ref) is None and resolve(PAGE, ref) is None


def test_a_broken_base_resolves_nothing() -> None:
    assert absolute("http://[::1/", "/x") is None and resolve("http://[::1/", "/x") is None


def _doc(head: str) -> etree._Element:
    return etree.fromstring(f"<html><head>{head}</head><body></body></html>", etree.HTMLParser())


@pytest.mark.parametrize(("head", "base"), [
    ("", PAGE),
    ('<base href="/media/">', "http://127.0.0.1/media/"),
    ('<base target="_blank"><base href="http://127.0.0.3/m/">', "http://127.0.0.3/m/"),  # first *with* an href
    ('<base href="  ">', PAGE),
    ('<base href="javascript:alert(1)">', PAGE),  # not an http(s) base: the page's own URL
])
def test_base_href(head: str, base: str) -> None:
    assert base_url(_doc(head), PAGE) == base


def test_capture_and_extraction_read_the_same_base() -> None:
    """A requisite the capture fetched is the image URL the record names."""
    html = (b'<html><head><base target="_top"><base href="http://127.0.0.3/m/"><title>T</title></head>'
            b'<body><article><h1>Headline here</h1><figure><img src="photo.jpg" width="800" height="600">'
            b'<figcaption>A caption</figcaption></figure><p>' + b"Words of the story. " * 40 + b"</p></article></body></html>")
    fetched = page_links(html, PAGE).requisites
    record = extract_html(html, url=PAGE)
    assert fetched == ("http://127.0.0.3/m/photo.jpg",)
    images = record["image"]
    assert isinstance(images, list)
    assert [i["url"] for i in images] == ["http://127.0.0.3/m/photo.jpg"]
