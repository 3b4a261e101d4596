"""The article's main text (schema.org ``articleBody``): paragraphs in order, subheadings and
figure captions marked, read from the archived HTML.

Only general signals pick the text, never a rule for one site: the page's own markup
(``itemprop="articleBody"``, ``<article>``, ``<main>``), text and link density of paragraph-like
blocks, and class/id words that name site furniture (share bars, related stories, comments) in
several languages. The tree is only read, never changed: the record builder walks it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from archive.extract import bodyscan
from archive.extract.bodyblocks import RawBlock, blocks_of

Kind = Literal["paragraph", "heading", "caption"]


@dataclass(frozen=True)
class Block:
    """One block of the article text, its whitespace collapsed."""

    kind: Kind
    text: str


@dataclass(frozen=True)
class ArticleBody:
    """The article's text as ordered blocks; ``text`` is what the record's ``articleBody`` holds."""

    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """Plain text, blocks separated by a blank line, without any kind marks."""
        return "\n\n".join(block.text for block in self.blocks)


def extract_body(tree: etree._Element) -> ArticleBody:
    """The main text of the parsed page ``tree`` (any lxml element of the document, e.g. an
    ``lxml.html.HtmlElement`` or what :func:`archive.extract.parse.parse_html` returns).

    Never raises on odd markup; a page without article text gives an empty ``blocks``.
    """
    roots = bodyscan.article_roots(tree)
    raw = [block for root in roots for block in blocks_of(root)]
    return ArticleBody(tuple(Block(b.kind, b.text) for b in _trim(raw)))


def _trim(raw: list[RawBlock]) -> list[RawBlock]:
    """Drop link lists and short link-only blocks (a "read more" teaser inside the text)."""
    return [b for b in raw if b.text and not (b.link_chars * 2 > len(b.text) and b.kind == "paragraph")]
