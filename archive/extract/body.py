"""The article's main text (schema.org ``articleBody``): paragraphs in order, subheadings and
figure captions marked, read from the archived HTML.

Only general signals pick the text, never a rule for one site: the page's own markup
(``itemprop="articleBody"``, ``<article>``, ``<main>``), text and link density of paragraph-like
blocks, and class/id words that name site furniture (share bars, related stories, comments) in
several languages. The tree is only read, never changed: the record builder walks it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from archive.extract import bodyscan
from archive.extract.bodyblocks import MAX_CHARS, RawBlock, blocks_of
from archive.extract.dates import find_date
from archive.textblocks import Block, Kind

# A date or byline line above the text is at most this long.
_META_LINE = 120
_SENTENCE_END = frozenset(".!?。！？")
# Short blocks may repeat legitimately (an interview's questions, a refrain); long ones only by page
# furniture (a slideshow printing each caption twice).
_SHORT_REPEAT = 60

__all__ = ["ArticleBody", "Block", "Kind", "extract_body", "record_fields"]


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
    raw: list[RawBlock] = []
    budget = MAX_CHARS
    for root in roots:
        raw += blocks_of(root, budget)
        budget = MAX_CHARS - sum(len(block.text) for block in raw)
        if budget <= 0:
            break
    if not raw and roots:
        # The chosen container had nothing readable (all links, all furniture): the whole body
        # beats an empty record for a page that has text.
        raw = blocks_of(bodyscan.page_body(roots[0]))
    return ArticleBody(tuple(Block(b.kind, b.text) for b in _trim(_skip_dateline(raw))))


def record_fields(tree: etree._Element) -> dict[str, object]:
    """The record's ``articleBody`` (plain text) and ``hasPart`` (where its subheadings and
    captions are), or nothing when the page has no article text.

    ``hasPart`` marks block ``position`` (1-based) of ``articleBody`` split at blank lines: a
    reader rebuilds the blocks, kinds included, from the record alone.
    """
    body = extract_body(tree)
    if not body.blocks:
        return {}
    marks = [{"@type": "WebPageElement", "additionalType": block.kind, "position": i, "text": block.text}
             for i, block in enumerate(body.blocks, 1) if block.kind != "paragraph"]
    return {"articleBody": body.text, "hasPart": marks} if marks else {"articleBody": body.text}


def _skip_dateline(raw: list[RawBlock]) -> list[RawBlock]:
    """Drop the short date/byline lines printed above the first paragraph of prose
    ("20 Nov, 2019 05:47", "05/10/2018 - Publicado por ..."): the record has them as dates."""
    lead = next((i for i, b in enumerate(raw) if len(b.text) > _META_LINE or b.kind != "paragraph"), len(raw))
    kept = [b for b in raw[:lead] if not _is_date_line(b)] + raw[lead:]
    return kept or raw


def _is_date_line(block: RawBlock) -> bool:
    """Short, dated, and not a sentence: "On 5 March 2019, the council voted." is the lede."""
    text = block.text
    return len(text) <= _META_LINE and text[-1] not in _SENTENCE_END and find_date(text) is not None


def _trim(raw: list[RawBlock]) -> list[RawBlock]:
    """Drop link lists, link-only blocks (a "read more" teaser inside the text) and repeats
    (a slideshow prints each caption twice, a carousel clones its first slide)."""
    seen: set[str] = set()
    out = []
    for block in raw:
        if block.kind == "paragraph" and block.link_chars * 2 > len(block.text):
            continue
        if block.text in seen and len(block.text) > _SHORT_REPEAT:
            continue
        seen.add(block.text)
        out.append(block)
    return out
