"""HTML microdata (``itemscope``/``itemprop``) for article item types."""

from __future__ import annotations

from typing import Any

from lxml import etree

from archive.extract import values as v
from archive.extract.dates import normalize_date
from archive.extract.jsonld import ARTICLE_TYPES
from archive.extract.parse import absolute, tag_of, text_of

_URL_ATTR = {"a": "href", "link": "href", "area": "href", "img": "src", "audio": "src", "video": "src",
             "source": "src", "iframe": "src", "embed": "src", "object": "data"}


_PROPS = etree.XPath(".//*[@itemprop]")
_SCOPES = etree.XPath("//*[@itemscope and @itemtype]")


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


def _item(scope: etree._Element, base: str, depth: int = 0) -> dict[str, Any]:
    """Properties of one item: descendants with itemprop whose nearest itemscope is ``scope``."""
    item: dict[str, Any] = {"@type": _type_name(scope).title() if _type_name(scope) else None}
    if depth > 8:
        return item
    for el in _PROPS(scope):  # document order, found in C
        owner = next((a for a in el.iterancestors() if a.get("itemscope") is not None), None)
        if owner is not scope:
            continue  # a property of a nested item, collected when that item is read
        for prop in (el.get("itemprop") or "").split():
            item.setdefault(prop, []).append(_value(el, base, depth))
    if _type_name(scope) in ("organization", "newsmediaorganization"):
        item["@type"] = "Organization"
    elif _type_name(scope) == "person":
        item["@type"] = "Person"
    return item


def extract(doc: etree._Element, base: str) -> v.Found:
    scopes = [el for el in _SCOPES(doc) if _type_name(el) in ARTICLE_TYPES]
    if not scopes:
        return {}
    art = _item(scopes[0], base)
    found: v.Found = {}

    def put(key: str, value: Any) -> None:
        if value not in (None, "", [], {}):
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
