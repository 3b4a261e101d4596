"""Find what a page needs to render (requisites) and what it links to (outlinks).

Requisites are fetched; outlinks are only recorded. The rules are the generic ones a browser
applies, not any one site's markup: every lazy-load attribute convention we know of is read,
because news sites hide their real image URLs behind placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.etree
import lxml.html

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


def page_links(html: bytes, base_url: str, *, encoding: str | None = None) -> PageLinks:  # noqa: C901 (h12a splits it; remove after merging h12a)
    """Requisites and outlinks of an HTML document. Malformed markup yields what can be read.

    ``encoding`` is the page's charset when the caller knows it (see archive.charset)."""
    if not html.strip():
        return PageLinks((), ())
    if encoding is None:
        # The same choice extraction makes (BOM, meta, detection): left to itself, lxml reads an
        # undeclared page as Latin-1 and garbles non-ASCII URLs.
        encoding, _ = choose_charset(html, ())
    try:
        parser = lxml.html.HTMLParser(encoding=encoding, no_network=True, remove_comments=True)
    except LookupError:  # a charset name lxml does not know: let it sniff instead
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return PageLinks((), ())
    base = base_url
    for el in root.iter("base"):
        href = el.get("href")
        if href:
            base = resolve(base_url, href) or base_url
        break

    refs: list[str] = []
    outs: list[str] = []
    for el in root.iter(lxml.etree.Element):
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        get = el.get
        if tag in ("img", "source", "input", "image"):
            refs.extend(v for v in (get("src"), get("href")) if v)
            for attr in LAZY_SRC_ATTRS:
                if get(attr):
                    refs.append(get(attr))
            for attr in ("srcset", *LAZY_SRCSET_ATTRS):
                if get(attr):
                    refs.extend(parse_srcset(get(attr)))
        elif tag == "link":
            rels = {r.lower() for r in (get("rel") or "").split()}
            if rels & REQUISITE_RELS and get("href"):
                refs.append(get("href"))
            if "preload" in rels and get("imagesrcset"):
                refs.extend(parse_srcset(get("imagesrcset")))
        elif tag in ("script", "embed", "track", "iframe", "frame"):
            if get("src"):
                refs.append(get("src"))
        elif tag in ("video", "audio"):
            refs.extend(v for v in (get("src"), get("poster")) if v)
        elif tag == "object" and get("data"):
            refs.append(get("data"))
        elif tag == "meta":
            prop = (get("property") or get("name") or "").lower()
            if prop in META_IMAGE_PROPS and get("content"):
                refs.append(get("content"))
        elif tag == "style" and el.text:
            refs.extend(css_references(el.text))
        elif tag in ("a", "area") and get("href"):
            outs.append(get("href"))
        elif tag in ("body", "table", "td", "th") and get("background"):
            refs.append(get("background"))
        style = get("style")
        if style and "url(" in style.lower():
            refs.extend(css_references(style))
        # Some sites put the real image of a lazy <div> in data-bg / data-background.
        for attr in ("data-bg", "data-background", "data-background-image"):
            value = get(attr)
            if value:
                refs.extend(css_references(value) if "url(" in value else [value])

    requisites = _unique(resolve(base, r) for r in refs)
    seen = set(requisites)
    outlinks = [u for u in _unique(resolve(base, o) for o in outs) if u not in seen]
    return PageLinks(tuple(requisites), tuple(outlinks))


def _unique(urls: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    out = []
    for url in urls:
        if url and url not in seen:
            seen.add(url)
            out.append(url)
    return out
