"""A block of an article's text. Its own module, free of imports, so that `archive versions`
and `archive diff` start without loading the HTML extractor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["paragraph", "heading", "caption"]


@dataclass(frozen=True)
class Block:
    kind: Kind
    text: str
