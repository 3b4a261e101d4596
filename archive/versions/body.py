"""The article's text blocks (paragraphs, subheadings, captions) for the editorial fingerprint.

SWAP POINT: issue 15 item 1 (branch h15a) adds ``archive.extract.body.extract_body(tree)``;
until it lands this module is the one place that reads an article's text. It prefers the
record's ``articleBody`` (paragraphs separated by a blank line), else reads ``<p>``, ``<h2>``-
``<h4>`` and ``<figcaption>`` from the page's ``<article>`` (or ``<main>``, or ``<body>``).
Replacing :func:`article_blocks`' fallback branch with ``extract_body(doc).blocks`` is all
the integration needs.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from archive.extract.parse import body_of, tag_of, text_of
from archive.versions.blocks import Block, Kind

__all__ = ["Block", "article_blocks", "blocks_from_html"]

_KINDS: dict[str, Kind] = {"p": "paragraph", "h2": "heading", "h3": "heading", "h4": "heading",
                           "figcaption": "caption"}


def _container(doc: etree._Element) -> etree._Element | None:
    # The article element holds the story; ads, navigation and "most read" live outside it.
    for name in ("article", "main"):
        found = next(doc.iter(name), None)
        if found is not None:
            return found
    return body_of(doc)


def blocks_from_html(doc: etree._Element) -> tuple[Block, ...]:
    root = _container(doc)
    if root is None:
        return ()
    blocks: list[Block] = []
    for el in root.iter("p", "h2", "h3", "h4", "figcaption"):
        text = text_of(el)
        if text:
            blocks.append(Block(_KINDS[tag_of(el)], text))
    return tuple(blocks)


def article_blocks(record: Mapping[str, object], doc: etree._Element | None) -> tuple[Block, ...]:
    """The record's ``articleBody`` when it has one, else what the archived page shows."""
    body = record.get("articleBody")
    if isinstance(body, str) and body.strip():
        return tuple(Block("paragraph", p.strip()) for p in body.split("\n\n") if p.strip())
    return blocks_from_html(doc) if doc is not None else ()
