"""Safe lxml parsing and the small text helpers every source module shares."""

from __future__ import annotations

import html
import re

from lxml import etree

# Re-exported: extraction's modules resolve URLs and find <base href> the one way (archive.links).
from archive.links import absolute, base_url
from archive.lxmltyped import itertext

__all__ = ["absolute", "base_url", "body_of", "clean", "parse_html", "tag_of", "text_content", "text_of"]

# no_network: never fetch a DTD or anything else; the HTML parser never expands external
# entities. Comments and processing instructions are dropped, they only get in the way.
# Plain etree (not lxml.html): lxml.html calls a Python class lookup for every element proxy,
# which was a third of the extraction time.
_PARSER = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, recover=True, default_doctype=False)  # type: ignore[call-arg]  # lxml-stubs 0.5 predates it
_STRING = etree.XPath("string()")
_EMPTY = "<html><head></head><body></body></html>"
_XML_DECL = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "select", "button"})
_BLOCK = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
    "section", "article", "header", "footer", "figure", "figcaption", "blockquote", "dd", "dt", "hr",
    "main", "aside", "nav", "pre", "address",
})
# Characters lxml/libxml2 refuses in a document (C0 controls except tab/newline/CR).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The same C0 set as a byte table (bad -> 0, else 1): encode + translate + ``in`` scans a page
# several times faster than the regex, which then only runs on the rare page that needs it.
_C0_FLAGS = bytes(0 if (i <= 0x08 or i in (0x0B, 0x0C) or 0x0E <= i <= 0x1F) else 1 for i in range(256))


def _has_bad_chars(text: str) -> bool:
    if "\ufffe" in text or "\uffff" in text:  # O(1) for the common Latin-1 string: no such code point
        return True
    # Latin-1 with "?" for anything beyond: C0 characters stay as they are, and it is a copy for
    # the common ASCII/Latin-1 string.
    return b"\x00" in text.encode("latin-1", "replace").translate(_C0_FLAGS)


def parse_html(text: str) -> etree._Element:
    """Parse (possibly broken) HTML; always returns an ``<html>`` root, empty if nothing parses."""
    if _has_bad_chars(text):
        text = _BAD_CHARS.sub(" ", text)
    if "<?xml" in text[:1024]:
        # XHTML's ``<?xml ... encoding="utf-8"?>``: lxml refuses a decoded string that declares
        # an encoding (ValueError), which used to leave the whole page unread.
        text = _XML_DECL.sub("", text, count=1)
    if text and not text.isspace():  # text.strip(), without copying the page
        try:
            root = etree.fromstring(text, parser=_PARSER)
            if root is not None:
                if body_of(root) is None:
                    etree.SubElement(root, "body")
                return root
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            pass
    return etree.fromstring(_EMPTY, parser=_PARSER)


def body_of(doc: etree._Element) -> etree._Element | None:
    """``doc.find("body")``, as a C-level scan of the root's children (find goes through ElementPath)."""
    return next(doc.iterchildren("body"), None)


def text_content(el: etree._Element) -> str:
    """All text under ``el`` (computed in C by libxml2)."""
    if not len(el):  # a leaf: its own text, without the cost of an XPath evaluation
        return el.text or ""
    return str(_STRING(el))


def clean(text: str | None) -> str:
    """Collapse whitespace (including NBSP) and trim; decode HTML character references.

    JSON-LD and ``<meta content>`` often hold text still escaped for HTML (``R&uuml;ckbau``,
    ``&#8217;``, even ``&amp;#038;``): a reader must never see those in a record.
    """
    if not text:
        return ""
    if "&" in text:
        for _ in range(2):  # double-escaped text (``&amp;#8211;``) is common in CMS output
            decoded = html.unescape(text)
            if decoded == text:
                break
            text = decoded
    return " ".join(text.split())  # str.split is several times faster than re.sub


def text_of(el: etree._Element) -> str:
    """Visible text of ``el``: spaces between block elements and at ``<br>``, scripts skipped."""
    if not len(el):  # a leaf (most calls): the walk below would only add spaces around its text
        tag = el.tag
        return "" if not isinstance(tag, str) or tag in _SKIP else clean(el.text)
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
        return clean(" ".join(itertext(el)))
    return clean("".join(parts))


def tag_of(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""
