"""Find what a page needs to render (requisites) and what it links to (outlinks).

Requisites are fetched; outlinks are only recorded. The rules are the generic ones a browser
applies, not any one site's markup: every lazy-load attribute convention we know of is read,
because news sites hide their real image URLs behind placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import lxml.etree
import lxml.html

from archive import links
from archive.capture.urls import resolve
from archive.charset import choose_charset

# Attributes lazy-loading libraries (lazysizes, lozad, WordPress, jQuery lazyload, Drupal
# blazy, ...) use to hold the real URL of an image or frame.
LAZY_SRC_ATTRS = (
    "data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res-src",
    "data-full-src", "data-orig-file", "data-large-file", "data-medium-file", "data-echo",
    "data-image", "data-img", "data-img-src", "data-original-src", "data-actualsrc", "data-wood-src",
)
LAZY_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "data-original-set")
# <link rel> values whose href is needed to render the page. Not "prefetch" or "prerender":
# those are speculative loads of *other* pages, and following them would leave the capture's
# scope (the given pages and their requisites).
REQUISITE_RELS = frozenset({
    "stylesheet", "icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed",
    "preload", "modulepreload", "mask-icon", "manifest",
})
META_IMAGE_PROPS = frozenset({
    "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src",
})

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True)
class PageLinks:
    requisites: tuple[str, ...]
    outlinks: tuple[str, ...]


def parse_srcset(value: str) -> list[str]:
    """URLs in a srcset, following the WHATWG candidate-parsing steps.

    A URL is a run of non-whitespace (so it may contain commas, as image CDNs' URLs do);
    descriptors run to the next comma outside parentheses.
    """
    urls: list[str] = []
    pos, n = 0, len(value)
    while pos < n:
        while pos < n and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < n and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if not url:
            break
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        urls.append(url)
        depth = 0
        while pos < n:
            ch = value[pos]
            if ch == "(":
                depth += 1
            elif ch == ")" and depth:
                depth -= 1
            elif ch == "," and not depth:
                pos += 1
                break
            pos += 1
    return [u for u in urls if u]


def css_references(css: str) -> list[str]:
    """Every `url()` and `@import` target in a stylesheet or style attribute, in order."""
    css = _CSS_COMMENT.sub(" ", css)
    refs = []
    for match in _CSS_IMPORT.finditer(css):
        refs.append(match.group(1) or match.group(2))
    for match in _CSS_URL.finditer(css):
        ref = match.group(1) or match.group(2) or match.group(3)
        if ref:
            refs.append(ref)
    return refs


def css_requisites(css: str, base_url: str) -> list[str]:
    return _unique(resolve(base_url, ref) for ref in css_references(css))


def page_links(html: bytes, base_url: str, *, encoding: str | None = None) -> PageLinks:
    """Requisites and outlinks of an HTML document. Malformed markup yields what can be read.

    ``encoding`` is the page's charset when the caller knows it (see archive.charset)."""
    root = _parse(html, encoding)
    if root is None:
        return PageLinks((), ())
    base = links.base_url(root, base_url)
    refs: list[str] = []
    outs: list[str] = []
    for el in root.iter(lxml.etree.Element):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        reader = _TAG_READERS.get(tag)
        if reader is not None:
            reader(el, refs)
        if tag in _OUTLINK_TAGS and el.get("href"):
            outs.append(el.get("href"))
        refs.extend(_styled_references(el))
    requisites = _unique(resolve(base, r) for r in refs)
    seen = set(requisites)
    outlinks = [u for u in _unique(resolve(base, o) for o in outs) if u not in seen]
    return PageLinks(tuple(requisites), tuple(outlinks))


def _parse(html: bytes, encoding: str | None) -> lxml.html.HtmlElement | None:
    """The document root, or None for an empty or unparseable document."""
    if not html.strip():
        return None
    if encoding is None:
        # The same choice extraction makes (BOM, meta, detection): left to itself, lxml reads an
        # undeclared page as Latin-1 and garbles non-ASCII URLs.
        encoding, _ = choose_charset(html, ())
    try:
        parser = lxml.html.HTMLParser(encoding=encoding, no_network=True, remove_comments=True)
    except LookupError:  # a charset name lxml does not know: let it sniff instead
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True)
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def _attrs(el: lxml.etree._Element, names: Iterable[str]) -> list[str]:
    """The non-empty values of ``names`` on ``el``, in that order."""
    return [v for v in (el.get(n) for n in names) if v]


# Per tag, the attributes that hold a URL the page needs (fetched as they are).
_URL_ATTRS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("img", "source", "input", "image"), ("src", "href", *LAZY_SRC_ATTRS)),
    **dict.fromkeys(("script", "embed", "track", "iframe", "frame"), ("src",)),
    **dict.fromkeys(("video", "audio"), ("src", "poster")),
    "object": ("data",),
    **dict.fromkeys(("body", "table", "td", "th"), ("background",)),
}
# Per tag, the attributes that hold a srcset (several candidate URLs).
_SRCSET_ATTRS: dict[str, tuple[str, ...]] = dict.fromkeys(
    ("img", "source", "input", "image"), ("srcset", *LAZY_SRCSET_ATTRS))
_OUTLINK_TAGS = frozenset({"a", "area"})
# Some sites put the real image of a lazy <div> in data-bg / data-background.
_BACKGROUND_ATTRS = ("data-bg", "data-background", "data-background-image")


def _url_attrs(el: lxml.etree._Element, refs: list[str]) -> None:
    tag = el.tag.lower()
    refs.extend(_attrs(el, _URL_ATTRS.get(tag, ())))
    for value in _attrs(el, _SRCSET_ATTRS.get(tag, ())):
        refs.extend(parse_srcset(value))


def _link(el: lxml.etree._Element, refs: list[str]) -> None:
    rels = {r.lower() for r in (el.get("rel") or "").split()}
    href, srcset = el.get("href"), el.get("imagesrcset")
    if rels & REQUISITE_RELS and href:
        refs.append(href)
    if "preload" in rels and srcset:
        refs.extend(parse_srcset(srcset))


def _meta(el: lxml.etree._Element, refs: list[str]) -> None:
    prop = (el.get("property") or el.get("name") or "").lower()
    content = el.get("content")
    if prop in META_IMAGE_PROPS and content:
        refs.append(content)


def _style(el: lxml.etree._Element, refs: list[str]) -> None:
    if el.text:
        refs.extend(css_references(el.text))


# tag -> what reads its references; a tag not listed here has none of its own (but may still
# carry a style attribute or a lazy background, see _styled_references).
_TAG_READERS: dict[str, Callable[[lxml.etree._Element, list[str]], None]] = {
    **dict.fromkeys(_URL_ATTRS, _url_attrs),
    "link": _link,
    "meta": _meta,
    "style": _style,
}


def _styled_references(el: lxml.etree._Element) -> list[str]:
    """References in any element's style attribute and lazy-background attributes."""
    refs: list[str] = []
    style = el.get("style")
    if style and "url(" in style.lower():
        refs.extend(css_references(style))
    for value in _attrs(el, _BACKGROUND_ATTRS):
        refs.extend(css_references(value) if "url(" in value else [value])
    return refs


def _unique(urls: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    out = []
    for url in urls:
        if url and url not in seen:
            seen.add(url)
            out.append(url)
    return out
