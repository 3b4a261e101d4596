"""HTML microdata (``itemscope``/``itemprop``) for article item types."""

from __future__ import annotations

from typing import Any

from lxml import etree

from archive.extract import values as v
from archive.extract.dates import normalize_date
from archive.extract.jsonld import ARTICLE_TYPES
from archive.extract.parse import absolute, tag_of, text_of
from archive.lxmltyped import ElementXPath

_URL_ATTR = {"a": "href", "link": "href", "area": "href", "img": "src", "audio": "src", "video": "src",
             "source": "src", "iframe": "src", "embed": "src", "object": "data"}


_PROPS = ElementXPath("descendant::*[@itemprop]")
# Evaluated on the root element: the same elements as //*[...], without libxml2 first building
# the node-set of every node for the ``//`` step.
_SCOPES = ElementXPath("descendant-or-self::*[@itemtype][@itemscope]")  # the rarer attribute first
# The article properties extract() reads: the others (articleBody above all, the whole text)
# are never computed.
_USED = frozenset({
    "headline", "name", "alternativeHeadline", "description", "author", "publisher", "datePublished",
    "dateModified", "inLanguage", "articleSection", "keywords", "image", "mainEntityOfPage",
})


def _type_name(el: etree._Element) -> str:
    return (el.get("itemtype") or "").strip().split(" ")[0].rstrip("/").rsplit("/", 1)[-1].lower()


def _value(el: etree._Element, base: str, depth: int) -> Any:
    if el.get("itemscope") is not None:
        return _item(el, base, depth + 1)
    tag = tag_of(el)
    if tag == "meta":
        return el.get("content")
    if tag in _URL_ATTR:
        return absolute(base, el.get(_URL_ATTR[tag])) or el.get("content")
    if tag == "time" and el.get("datetime"):
        return el.get("datetime")
    return el.get("content") or text_of(el)


def _item(scope: etree._Element, base: str, depth: int = 0, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Properties of one item: descendants with itemprop whose nearest itemscope is ``scope``
    (only those named in ``only``, when given)."""
    type_name = _type_name(scope)
    item: dict[str, Any] = {"@type": type_name.title() if type_name else None}
    if depth > 8:
        return item
    for el in _PROPS(scope):  # document order, found in C
        props = (el.get("itemprop") or "").split()
        if only is not None:
            props = [prop for prop in props if prop in only]
            if not props:
                continue
        owner = el.getparent()
        while owner is not None and owner.get("itemscope") is None:
            owner = owner.getparent()
        if owner is not scope:
            continue  # a property of a nested item, collected when that item is read
        for prop in props:
            item.setdefault(prop, []).append(_value(el, base, depth))
    if type_name in ("organization", "newsmediaorganization"):
        item["@type"] = "Organization"
    elif type_name == "person":
        item["@type"] = "Person"
    return item


def extract(doc: etree._Element, base: str) -> v.Found:
    scopes = [el for el in _SCOPES(doc) if _type_name(el) in ARTICLE_TYPES]
    if not scopes:
        return {}
    art = _item(scopes[0], base, only=_USED)
    found: v.Found = {}

    def put(key: str, value: Any) -> None:
        if value not in v.EMPTY:
            found[key] = value

    put("headline", v.text(art.get("headline")) or v.text(art.get("name")))
    put("alternativeHeadline", v.text(art.get("alternativeHeadline")))
    put("description", v.text(art.get("description")))
    put("author", v.agents(art.get("author")))
    put("publisher", next(iter(v.agents(art.get("publisher"), default_type="Organization")), None))
    put("datePublished", normalize_date(v.text(art.get("datePublished"))))
    put("dateModified", normalize_date(v.text(art.get("dateModified"))))
    put("inLanguage", v.language(art.get("inLanguage")))
    put("articleSection", v.text(art.get("articleSection")))
    put("keywords", v.keywords(art.get("keywords")))
    put("image", v.images([i.get("url") if isinstance(i, dict) else i for i in v.as_list(art.get("image"))]
                          if art.get("image") else None, base))
    put("mainEntityOfPage", v.url_of(v.text(art.get("mainEntityOfPage")), base))
    return found
