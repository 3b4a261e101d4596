"""A block of an article's text (paragraph, subheading or caption). A module of its own, free of
imports, shared by the main-text extractor and by `archive versions`/`archive diff`, which must
start without loading the HTML extractor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["paragraph", "heading", "caption"]


@dataclass(frozen=True)
class Block:
    """One block of the article text, its whitespace collapsed."""

    kind: Kind
    text: str
