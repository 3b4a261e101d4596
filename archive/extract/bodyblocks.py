"""Walk an article root in document order and cut its text into blocks.

Inline text (``<a>``, ``<em>``, bare text next to a ``<br>``) joins the block it sits in; block
elements (``<p>``, ``<div>``, ``<li>``...) start a new one. Headings and captions are marked.
Each block counts the characters that sat inside links, so a link list can be dropped later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from archive.extract.bodyscan import (
    has_paragraphs,
    is_always_furniture,
    is_boilerplate,
    is_caption,
    is_hidden,
    is_teaser_list,
)
from archive.extract.parse import clean, text_content
from archive.lxmltyped import itertext

RawKind = Literal["paragraph", "heading", "caption"]

# Never text of the article: code, forms, embedded objects, and the page's own furniture tags.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "select", "button", "input",
    "textarea", "label", "form", "nav", "aside", "footer", "menu", "head", "title", "meta", "link", "video",
    "audio", "canvas", "map", "math", "dialog",
})
HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# Boundaries between blocks. <br> is one too: runs of text split by <br> are paragraphs on many
# older pages.
BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "section", "article", "header", "figure",
    "blockquote", "dd", "dt", "dl", "hr", "main", "pre", "address", "center", "details", "summary", "tbody",
})


# The most text read from one page: about 80,000 words, ten times the longest article of the
# real-page corpus. A hostile page (megabytes of text in one body) must not make a record of
# megabytes; the whole page is still in the WARC.
MAX_CHARS = 500_000


class _Full(Exception):
    """The walk has read ``MAX_CHARS``: stop, keep what was read."""


@dataclass(frozen=True)
class RawBlock:
    kind: RawKind
    text: str
    link_chars: int  # characters of ``text`` (before whitespace collapsing) inside <a>


class _Walker:
    """Collects text into blocks; one instance per root."""

    def __init__(self, root: etree._Element, budget: int) -> None:
        self.root = root
        self._budget = budget  # characters still allowed
        self._pending = 0  # characters in _parts
        self._root_size = -1  # text length of the root, measured when first needed
        self.blocks: list[RawBlock] = []
        self._parts: list[str] = []
        self._links = 0
        self._in_link = 0

    def add(self, text: str | None) -> None:
        if text:
            self._parts.append(text)
            self._pending += len(text)
            if self._pending > self._budget:  # one endless paragraph: cut it and stop
                self.flush()
                raise _Full
            if self._in_link:
                self._links += len(text.strip())

    def flush(self, kind: RawKind = "paragraph") -> None:
        if not self._parts:  # most calls: a block boundary with no text since the last one
            return
        text = clean("".join(self._parts))[:self._budget]
        if text:
            self.blocks.append(RawBlock(kind, text, self._links))
            self._budget -= len(text)
        self._parts, self._links, self._pending = [], 0, 0
        if self._budget <= 0:
            raise _Full

    def marked(self, node: etree._Element, kind: RawKind) -> None:
        """A heading or caption: its whole text as one block of that kind."""
        self.flush()
        self._in_link += 1 if kind == "heading" else 0  # a linked heading is still a heading
        self.children(node)
        self._in_link -= 1 if kind == "heading" else 0
        self.flush(kind)

    def _furniture(self, node: etree._Element) -> bool:
        """Named like furniture, unless it holds most of the root's text or paragraphs of prose: a
        CMS that calls its text column ``entry-content-read-more`` still wraps the article in it."""
        if not is_boilerplate(node):
            return False
        if is_always_furniture(node):
            return True
        return self._minor(node) and not has_paragraphs(node)

    def _minor(self, node: etree._Element) -> bool:
        """True when ``node`` holds at most half of the root's text."""
        if self._root_size < 0:
            self._root_size = len(text_content(self.root))
        return len(text_content(node)) * 2 <= self._root_size

    def _teasers(self, node: etree._Element) -> bool:
        """A list of cards linking elsewhere, unless it is most of the text (a page of deals)."""
        return is_teaser_list(node) and self._minor(node)

    def children(self, node: etree._Element) -> None:
        self.add(node.text)
        for child in node:
            self.walk(child)
            self.add(child.tail)

    def walk(self, node: etree._Element) -> None:
        tag = node.tag
        if not isinstance(tag, str):
            return  # comments, processing instructions, entities
        tag = tag.lower()
        if tag in SKIP_TAGS or (node.keys() and (is_hidden(node) or self._furniture(node))) or self._teasers(node):
            return
        if tag in HEADINGS or (tag == "h1" and self.blocks):
            self.marked(node, "heading")
        elif tag == "h1":
            return  # the headline above the text: the record's ``headline``, not body text
        elif tag == "figcaption" or (node.keys() and is_caption(node)):
            self.marked(node, "caption")
        elif tag == "a":
            self._in_link += 1
            self.children(node)
            self._in_link -= 1
        elif tag in BLOCK_TAGS:
            self.flush()
            self.children(node)
            self.flush()
        else:
            self.children(node)


def blocks_of(root: etree._Element, budget: int = MAX_CHARS) -> list[RawBlock]:
    """The blocks under ``root`` in document order (``root`` itself is never skipped), at most
    ``budget`` characters of text in all (the walk stops there)."""
    walker = _Walker(root, budget)
    try:
        walker.children(root)
        walker.flush()
    except _Full:
        pass
    except RecursionError:  # absurdly deep trees: one block of whatever text there is
        return [RawBlock("paragraph", clean(" ".join(itertext(root)))[:budget], 0)]
    return walker.blocks
