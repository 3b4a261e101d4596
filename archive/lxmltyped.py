"""Typed views of the two lxml calls whose stub types are wider than our use of them.

lxml-stubs types an XPath result as every value XPath can return and ``itertext()`` as
``str | bytes``; our expressions select elements only, and our trees are parsed from ``str``, so
the narrow types below are true here. One place says so instead of a cast at every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from lxml import etree


class ElementXPath:
    """A compiled XPath expression that selects elements (never text, numbers or attributes)."""

    def __init__(self, expression: str) -> None:
        self._xpath = etree.XPath(expression)

    def __call__(self, node: etree._Element) -> list[etree._Element]:
        return cast("list[etree._Element]", self._xpath(node))


def itertext(el: etree._Element) -> Iterator[str]:
    """``el.itertext()`` of a tree parsed from ``str``: every piece is a ``str``."""
    return cast("Iterator[str]", el.itertext())
