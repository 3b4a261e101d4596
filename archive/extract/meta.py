"""``<meta>`` and ``<link>`` metadata: OpenGraph (+ ``article:*``), Twitter cards, plain meta names,
Dublin Core and Highwire ``citation_*``. Returns one Found per source so precedence stays explicit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from archive.extract import values as v
from archive.extract.dates import normalize_date
from archive.extract.decode import header_value
from archive.extract.parse import absolute, clean
from archive.lxmltyped import ElementXPath

_RELS = ElementXPath("//link[@rel and @href] | //a[@rel and @href]")


@dataclass
class PageMeta:
    """What the head of the page says, grouped by source."""

    opengraph: v.Found = field(default_factory=dict)
    twitter: v.Found = field(default_factory=dict)
    meta: v.Found = field(default_factory=dict)
    html_lang: str | None = None
    http_lang: str | None = None
    canonical: str | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (hreflang, absolute url)
    license: str | None = None


def _collect(doc: etree._Element) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for el in doc.iter("meta"):  # a C-level tag walk: cheaper than an XPath evaluation
        raw = el.get("content")
        if raw is None:
            continue
        key = el.get("property") or el.get("name") or el.get("http-equiv") or el.get("itemprop")
        if key:
            content = clean(raw)
            if content:
                tags.setdefault(key.strip().lower(), []).append(content)
    return tags


# Any other name a CMS gives its publication date (``og:article:published_time``,
# ``article:published:time``, ``cXenseParse:publishtime``, ``dtk:publishdate``, ``pub_date``...):
# the name, letters only, says published/issued/created plus date or time.
_PUBLISHED_NAME = re.compile(r"(?:publish|published|publication|pub|issued|created|create|release|upload)(?:ed)?(?:date|time|datetime|on)"
                             r"|date(?:published|issued|created|ofpublication)|published$|issued$|created$")
_NOT_PUBLISHED_NAME = re.compile(r"modif|updat|expir|publisher|principle|unix|timestamp|revision|prep|cook|total")


_AUTHOR_LABEL = re.compile(r"(?i)written|verfasst|geschrieben|author|autor|auteur|escrito|scritto|\bby\b|\bvon\b|\bpar\b")


def _published_anywhere(tags: dict[str, list[str]]) -> str | None:
    for key, values in tags.items():  # document order of first appearance
        name = re.sub(r"[^a-z]", "", key)
        if _PUBLISHED_NAME.search(name) and not _NOT_PUBLISHED_NAME.search(name):
            got = normalize_date(values[0])
            if got:
                return got
    return None


def _first(tags: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        got = tags.get(key)
        if got:
            return got[0]
    return None


def _all(tags: dict[str, list[str]], *keys: str) -> list[str]:
    return [value for key in keys for value in tags.get(key, [])]


def _put(found: v.Found, key: str, value: object) -> None:
    if value not in v.EMPTY:
        found[key] = value


def extract(doc: etree._Element, base: str, headers: Sequence[tuple[str, str]] = ()) -> PageMeta:
    tags = _collect(doc)
    page = PageMeta()
    # Which groups the page has at all: a group with no tags would only look up absent keys.
    has_og = has_twitter = has_meta = False
    for key in tags:
        if key.startswith(("og:", "article:")):
            has_og = True
        elif key.startswith("twitter:"):
            has_twitter = True
        else:
            has_meta = True
    if has_og:
        _opengraph(page.opengraph, tags, base)
    if has_twitter:
        _twitter(page.twitter, tags, base)
    if has_meta or has_og:  # og:article:published_time and kin are read by the catch-all
        _meta(page.meta, tags)
    _page(page, doc, base, headers)
    return page


def _opengraph(og: v.Found, tags: dict[str, list[str]], base: str) -> None:
    _put(og, "headline", _first(tags, "og:title"))
    _put(og, "description", _first(tags, "og:description"))
    _put(og, "publisher", {"@type": "Organization", "name": n} if (n := _first(tags, "og:site_name")) else None)
    _put(og, "datePublished", normalize_date(_first(tags, "article:published_time", "og:published_time", "article:published")))
    _put(og, "dateModified", normalize_date(_first(tags, "article:modified_time", "og:updated_time", "article:modified")))
    _put(og, "inLanguage", v.language(_first(tags, "og:locale")))
    _put(og, "articleSection", _first(tags, "article:section"))
    _put(og, "keywords", v.keywords(_all(tags, "article:tag")))
    _put(og, "author", v.agents(_all(tags, "article:author")))
    _put(og, "image", v.images(_all(tags, "og:image", "og:image:url", "og:image:secure_url"), base))
    _put(og, "mainEntityOfPage", absolute(base, _first(tags, "og:url")))


def _twitter(tw: v.Found, tags: dict[str, list[str]], base: str) -> None:
    _put(tw, "headline", _first(tags, "twitter:title"))
    _put(tw, "description", _first(tags, "twitter:description"))
    _put(tw, "image", v.images(_all(tags, "twitter:image", "twitter:image:src"), base))
    # Yoast's reading cards: twitter:label1 "Written by" / "Verfasst von" + twitter:data1 the name.
    for n in range(1, 5):
        label, data = _first(tags, f"twitter:label{n}"), _first(tags, f"twitter:data{n}")
        if label and data and _AUTHOR_LABEL.search(label):
            _put(tw, "author", v.agents(data))
            break


def _meta(m: v.Found, tags: dict[str, list[str]]) -> None:
    _put(m, "headline", _first(tags, "dc.title", "dcterms.title", "citation_title", "title", "headline"))
    _put(m, "description", _first(tags, "description", "dc.description", "dcterms.description", "dcterms.abstract", "citation_abstract"))
    _put(m, "author", v.agents(_all(tags, "author", "dc.creator", "dcterms.creator", "citation_author", "byl", "parsely-author", "sailthru.author")))
    _put(m, "publisher", {"@type": "Organization", "name": n} if (n := _first(
        tags, "dc.publisher", "dcterms.publisher", "citation_publisher", "citation_journal_title", "application-name")) else None)
    _put(m, "datePublished", normalize_date(_first(
        tags, "date", "pubdate", "publishdate", "publish-date", "publish_date", "article.published", "dc.date.issued",
        "dcterms.issued", "dc.date", "dcterms.date", "citation_publication_date", "citation_date", "citation_online_date",
        "sailthru.date", "parsely-pub-date", "datepublished")) or _published_anywhere(tags))
    _put(m, "dateModified", normalize_date(_first(tags, "last-modified", "dc.date.modified", "dcterms.modified", "article.updated", "datemodified")))
    _put(m, "inLanguage", v.language(_first(tags, "dc.language", "dcterms.language", "citation_language", "content-language", "language")))
    _put(m, "keywords", v.keywords(_all(tags, "news_keywords", "keywords", "dc.subject", "citation_keywords")))
    _put(m, "copyrightNotice", _first(tags, "copyright", "dc.rights", "dcterms.rights", "rights"))
    _put(m, "articleSection", _first(tags, "section", "article-section", "parsely-section"))


def _page(page: PageMeta, doc: etree._Element, base: str, headers: Sequence[tuple[str, str]]) -> None:
    """What is not a ``<meta>``: the html element's lang, Content-Language, and rel links."""
    page.html_lang = v.language(doc.get("lang") or doc.get("xml:lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang"))
    page.http_lang = v.language(header_value(headers, "content-language"))
    # Only links with a rel (a page has hundreds of plain <a href>; resolving each costs time).
    for link in _RELS(doc):
        rels = (link.get("rel") or "").lower().split()
        if not {"canonical", "alternate", "license"} & set(rels):
            continue
        href = absolute(base, link.get("href"))
        if not href:
            continue
        if "canonical" in rels and link.tag == "link" and page.canonical is None:
            page.canonical = href
        elif "alternate" in rels and link.get("hreflang"):
            page.alternates.append((link.get("hreflang", "").strip(), href))
        elif "license" in rels and page.license is None:
            page.license = href
