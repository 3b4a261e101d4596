"""JSON-LD: find the article node (``@graph``, arrays, nesting), resolve ``@id`` references.

Only ``<script type="application/ld+json">`` text is read; nothing is ever fetched (``@context``
is not expanded: schema.org terms are matched by name, as every consumer does in practice).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from archive.extract import values as v
from archive.extract.dates import normalize_date

ARTICLE_TYPES = frozenset({
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting",
    "liveblogposting", "socialmediaposting", "report", "scholarlyarticle", "techarticle", "satiricalarticle",
})
_PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "medicalwebpage"})
# Nodes that are parts of a page or other things, never the page's own work.
_NOT_THE_PAGE = frozenset({"comment", "answer", "review", "imageobject", "person", "organization", "website",
                           "breadcrumblist", "listitem", "offer", "event"})
_CDATA = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")


def _load(raw: str) -> Any:
    raw = raw.strip()
    # The markers can only sit at the ends of the stripped text: test those before running a
    # regex that would try its end-of-text branch at every position of the JSON.
    if raw.startswith(("<!--", "<![CDATA[")) or raw.endswith(("-->", "]]>")):
        raw = _CDATA.sub("", raw)
    raw = raw.strip().rstrip(";")
    try:
        return json.loads(raw)
    except ValueError:
        # Real pages put raw newlines/tabs inside strings; JSON forbids them, browsers don't care.
        try:
            return json.loads(re.sub(r"[\x00-\x1f]", " ", raw))
        except ValueError:
            return None


def _nodes(data: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """Every object in the data, depth-first (bounded: hostile JSON can nest deeply)."""
    if depth > 30:
        return
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item, depth + 1)
    elif v.is_map(data):
        yield data
        for value in data.values():
            if isinstance(value, list) or v.is_map(value):
                yield from _nodes(value, depth + 1)


def _types(node: Mapping[str, Any]) -> set[str]:
    return {str(t).lower().rsplit("/", 1)[-1] for t in v.as_list(node.get("@type"))}


def extract(doc: etree._Element, base: str) -> v.Found:  # noqa: C901 (issue 12: split into named steps after the merge)
    blocks = []
    for script in doc.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind.startswith("application/ld+json") and script.text:
            data = _load(script.text)
            if data is not None:
                blocks.append(data)
    if not blocks:
        return {}
    nodes = [n for block in blocks for n in _nodes(block)]
    by_id = {str(n["@id"]): n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}

    def resolve(item: Any) -> Any:
        if v.is_map(item) and set(item) <= {"@id"} and str(item.get("@id")) in by_id:
            return by_id[str(item["@id"])]
        return item

    articles = [n for n in nodes if _types(n) & ARTICLE_TYPES]
    if not articles:
        # Yoast and similar plugins describe a post as a lone WebPage that still carries the
        # post's datePublished/author: read that page node as the article.
        articles = [n for n in nodes if _types(n) & _PAGE_TYPES and (n.get("datePublished") or n.get("author"))]
    if not articles:
        # Other creative works (Recipe, HowTo, VideoObject as the page's subject) still date the page.
        articles = [n for n in nodes if n.get("datePublished") and not _types(n) & _NOT_THE_PAGE]
    if not articles:
        return {}
    # Several article nodes (related-article teasers, breadcrumbs): the one with most fields wins.
    art = max(articles, key=lambda n: (bool(n.get("headline")), len(n)))
    page = resolve(art.get("mainEntityOfPage")) if v.is_map(art.get("mainEntityOfPage")) else None
    if not v.is_map(page) or not _types(page) & _PAGE_TYPES:
        page = resolve(art.get("isPartOf")) if v.is_map(art.get("isPartOf")) else None
    if not v.is_map(page) or not _types(page) & _PAGE_TYPES:
        page = next((n for n in nodes if _types(n) & _PAGE_TYPES), {})

    def pick(key: str) -> Any:
        got = art.get(key)
        return got if got not in v.EMPTY_NO_DICT else page.get(key)

    found: v.Found = {}
    # A page node's name is the <title> (with the site name): the page's own headline is better.
    if _types(art) & ARTICLE_TYPES:
        _set(found, "headline", v.text(art.get("headline")) or v.text(art.get("name")))
    _set(found, "alternativeHeadline", v.text(art.get("alternativeHeadline")))
    _set(found, "description", v.text(pick("description")))
    _set(found, "author", v.agents(art.get("author"), resolve) or v.agents(art.get("creator"), resolve))
    publisher = art.get("publisher") or page.get("publisher")
    if publisher is None:
        publisher = next((n for n in nodes if _types(n) & {"newsmediaorganization"}), None)
    _set(found, "publisher", next(iter(v.agents(publisher, resolve, default_type="Organization")), None))
    _set(found, "datePublished", normalize_date(v.text(pick("datePublished")) or v.text(art.get("dateCreated"))))
    _set(found, "dateModified", normalize_date(v.text(pick("dateModified"))))
    _set(found, "inLanguage", v.language(pick("inLanguage")))
    _set(found, "articleSection", v.text(art.get("articleSection")))
    _set(found, "keywords", v.keywords(art.get("keywords")))
    image = art.get("image") or page.get("primaryImageOfPage") or art.get("thumbnailUrl")
    _set(found, "image", v.images(image, base, resolve))
    count = art.get("wordCount")
    if isinstance(count, (int, str)) and str(count).isdigit():
        found["wordCount"] = int(count)
    _set(found, "mainEntityOfPage", v.url_of(art.get("mainEntityOfPage"), base) or v.url_of(page.get("url"), base))
    _set(found, "license", v.url_of(art.get("license"), base))
    _set(found, "copyrightNotice", v.text(art.get("copyrightNotice")))
    location = resolve(art.get("contentLocation") or art.get("locationCreated"))
    name = v.text(location.get("name")) if v.is_map(location) else v.text(location)
    if name:
        found["contentLocation"] = {"@type": "Place", "name": name}
    _set(found, "dateline", v.text(art.get("dateline")))
    return found


def _set(found: v.Found, key: str, value: Any) -> None:
    if value not in v.EMPTY:
        found[key] = value
