"""The article's text blocks (paragraphs, subheadings, captions) for the editorial fingerprint.

The record's ``articleBody`` (blocks separated by a blank line) with the kinds its ``hasPart``
marks give by position, as the main-text extractor wrote them; for a record made before
``articleBody`` existed, the extractor is run on the archived page itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from archive.textblocks import Block, Kind

__all__ = ["Block", "article_blocks"]


def _marked_kinds(record: Mapping[str, object]) -> dict[int, Kind]:
    """Block position (1-based) -> kind, from the record's ``hasPart`` marks."""
    kinds: dict[int, Kind] = {}
    parts = record.get("hasPart")
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, dict):
            kind, position = part.get("additionalType"), part.get("position")
            if isinstance(position, int) and kind in ("heading", "caption"):
                kinds[position] = "heading" if kind == "heading" else "caption"
    return kinds


def article_blocks(record: Mapping[str, object], doc: etree._Element | None) -> tuple[Block, ...]:
    """The record's ``articleBody`` when it has one, else the main text of the archived page."""
    body = record.get("articleBody")
    if isinstance(body, str) and body.strip():
        kinds = _marked_kinds(record)
        texts = [p.strip() for p in body.split("\n\n") if p.strip()]
        return tuple(Block(kinds.get(i, "paragraph"), text) for i, text in enumerate(texts, 1))
    if doc is None:
        return ()
    from archive.extract.body import extract_body  # only for old records: keeps start-up light

    return extract_body(doc).blocks
