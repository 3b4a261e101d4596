"""Safe lxml parsing and the small text helpers every source module shares."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

# no_network: never fetch a DTD or anything else; the HTML parser never expands external
# entities. Comments and processing instructions are dropped, they only get in the way.
# Plain etree (not lxml.html): lxml.html calls a Python class lookup for every element proxy,
# which was a third of the extraction time.
_PARSER = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, recover=True, default_doctype=False)
_STRING = etree.XPath("string()")
_BASE = etree.XPath("//base/@href")
_EMPTY = "<html><head></head><body></body></html>"

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "select", "button"})
_BLOCK = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
    "section", "article", "header", "footer", "figure", "figcaption", "blockquote", "dd", "dt", "hr",
    "main", "aside", "nav", "pre", "address",
})
# Characters lxml/libxml2 refuses in a document (C0 controls except tab/newline/CR).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def parse_html(text: str) -> etree._Element:
    """Parse (possibly broken) HTML; always returns an ``<html>`` root, empty if nothing parses."""
    text = _BAD_CHARS.sub(" ", text)
    if text.strip():
        try:
            root = etree.fromstring(text, parser=_PARSER)
            if root is not None:
                if root.find("body") is None:
                    etree.SubElement(root, "body")
                return root
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            pass
    return etree.fromstring(_EMPTY, parser=_PARSER)


def text_content(el: etree._Element) -> str:
    """All text under ``el`` (computed in C by libxml2)."""
    return str(_STRING(el))


def clean(text: str | None) -> str:
    """Collapse whitespace (including NBSP) and trim."""
    return " ".join(text.split()) if text else ""  # str.split is several times faster than re.sub


def text_of(el: etree._Element) -> str:
    """Visible text of ``el``: spaces between block elements and at ``<br>``, scripts skipped."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIP:
            return
        if tag in _BLOCK:
            parts.append(" ")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK:
            parts.append(" ")

    try:
        walk(el)
    except RecursionError:  # absurdly deep trees: fall back to plain itertext
        return clean(" ".join(el.itertext()))
    return clean("".join(parts))


def tag_of(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def base_url(doc: etree._Element, url: str) -> str:
    for href in _BASE(doc):
        href = clean(str(href))
        if href:
            return urljoin(url, href)
    return url


def absolute(base: str, ref: object) -> str | None:
    """Resolve ``ref`` against ``base``; only http(s) URLs survive (no data:, javascript:)."""
    if not isinstance(ref, str):
        return None
    ref = ref.strip()
    if not ref or ref.startswith(("data:", "javascript:", "about:", "#", "blob:")):
        return None
    try:
        full = urljoin(base, ref.replace(" ", "%20"))
        parts = urlsplit(full)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return full
