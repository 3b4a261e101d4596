"""Parse RSS 2.0, RSS 1.0 (RDF), Atom and XML sitemaps (urlset, sitemapindex, Google News).

Feeds come from the open web, so parsing is defensive: no network, no DTD loading, no entity
expansion (a document that declares entities is refused outright, which stops billion-laughs
and external-entity attacks before lxml sees them), a size cap, and a clear error with line
and column for malformed XML.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import lxml.etree

from archive.capture.urls import resolve
from archive.errors import ArchiveError
from archive.lxmltyped import itertext

MAX_XML_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit for one file, uncompressed
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "rss1": "http://purl.org/rss/1.0/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


class SourceError(ArchiveError):
    """A feed or sitemap could not be read; the message names the source and where it broke."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601 when the feed gave a readable date


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None = None
    title: str | None = None  # from a Google News sitemap
    is_sitemap: bool = False  # an entry of a sitemap index: another sitemap to read


def _parse(data: bytes, source: str) -> lxml.etree._Element:
    if data[:2] == b"\x1f\x8b":  # sitemap.xml.gz
        try:
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = decoder.decompress(data, MAX_XML_BYTES + 1)
        except (zlib.error, gzip.BadGzipFile) as exc:
            raise SourceError(f"{source}: corrupt gzip: {exc}") from exc
    if len(data) > MAX_XML_BYTES:
        raise SourceError(f"{source}: larger than {MAX_XML_BYTES // (1024 * 1024)} MiB, refused")
    head = data[:4096].lower()
    # A cheap byte scan for the usual case; the parsed DTD is checked below as well, since a
    # UTF-16 document or one whose DOCTYPE comes after a long preamble slips past the scan.
    if b"<!entity" in head or (b"<!doctype" in head and b"<!entity" in data.lower()):
        raise _entities_refused(source)
    parser = lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True,
    )
    try:
        root = lxml.etree.fromstring(data, parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        if "amplification" in (exc.msg or ""):  # libxml2 stopped an entity bomb the scan missed
            raise _entities_refused(source) from exc
        line, column = exc.position if exc.position else (0, 0)
        raise SourceError(f"{source}:{line}:{column}: malformed XML: {exc.msg}") from exc
    if root is None:
        raise SourceError(f"{source}: empty document")
    dtd = root.getroottree().docinfo.internalDTD  # nothing was expanded (resolve_entities=False)
    if dtd is not None and next(dtd.iterentities(), None) is not None:  # type: ignore[union-attr]  # lxml-stubs 0.5 lack it
        raise _entities_refused(source)
    return root


def _entities_refused(source: str) -> SourceError:
    return SourceError(
        f"{source}: declares XML entities, which are refused (entity expansion attacks)",
        hint="feeds and sitemaps never need entity declarations",
    )


def _text(el: lxml.etree._Element | None) -> str | None:
    if el is None:
        return None
    text = "".join(itertext(el)).strip()
    return text or None


def _date(value: str | None) -> str | None:
    """RFC 822 (RSS) or ISO 8601 (Atom, sitemaps) to ISO 8601; None when unreadable."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def parse_feed(data: bytes, base_url: str) -> list[FeedEntry]:
    """Article URLs of an RSS 2.0, RSS 1.0 or Atom feed, in feed order, without duplicates."""
    root = _parse(data, base_url)
    tag = lxml.etree.QName(root).localname.lower()
    entries: list[FeedEntry] = []
    if tag == "rss":
        for item in root.iterfind("channel/item"):
            link = _text(item.find("link"))
            guid = item.find("guid")
            if not link and guid is not None and guid.get("isPermaLink", "true").lower() != "false":
                link = _text(guid)
            published = _text(item.find("pubDate")) or _text(item.find("dc:date", NS))
            entries.append(FeedEntry(link or "", _text(item.find("title")), _date(published)))
    elif tag == "feed":
        for entry in root.iterfind("atom:entry", NS):
            links = entry.findall("atom:link", NS)
            chosen = next((lk for lk in links if lk.get("rel", "alternate") == "alternate"), None)
            link = chosen.get("href") if chosen is not None else None
            published = _text(entry.find("atom:published", NS)) or _text(entry.find("atom:updated", NS))
            entries.append(FeedEntry(link or "", _text(entry.find("atom:title", NS)), _date(published)))
    elif tag == "rdf":
        for item in root.iterfind("rss1:item", NS):
            link = _text(item.find("rss1:link", NS)) or item.get(f"{{{NS['rdf']}}}about")
            entries.append(FeedEntry(link or "", _text(item.find("rss1:title", NS)), _date(_text(item.find("dc:date", NS)))))
    else:
        raise SourceError(f"{base_url}: not a feed (root element <{tag}>)", hint="expected RSS or Atom")
    return _absolute(entries, base_url)


def parse_sitemap(data: bytes, base_url: str) -> list[SitemapEntry]:
    """Entries of a sitemap (`urlset`) or sitemap index (`sitemapindex`, entries marked
    ``is_sitemap``), with Google News titles and publication dates where present."""
    root = _parse(data, base_url)
    tag = lxml.etree.QName(root).localname
    entries: list[SitemapEntry] = []
    if tag == "urlset":
        for url in root.iterfind("sm:url", NS):
            news = url.find("news:news", NS)
            published = _text(news.find("news:publication_date", NS)) if news is not None else None
            title = _text(news.find("news:title", NS)) if news is not None else None
            lastmod = _date(published) or _date(_text(url.find("sm:lastmod", NS)))
            entries.append(SitemapEntry(_text(url.find("sm:loc", NS)) or "", lastmod, title))
    elif tag == "sitemapindex":
        for sm in root.iterfind("sm:sitemap", NS):
            entries.append(SitemapEntry(_text(sm.find("sm:loc", NS)) or "", _date(_text(sm.find("sm:lastmod", NS))),
                                        is_sitemap=True))
    else:
        raise SourceError(f"{base_url}: not a sitemap (root element <{tag}>)", hint="expected urlset or sitemapindex")
    out, seen = [], set()
    for entry in entries:
        absolute = resolve(base_url, entry.url) if entry.url else None
        if absolute and absolute not in seen:
            seen.add(absolute)
            out.append(SitemapEntry(absolute, entry.lastmod, entry.title, entry.is_sitemap))
    return out


def _absolute(entries: list[FeedEntry], base_url: str) -> list[FeedEntry]:
    out, seen = [], set()
    for entry in entries:
        url = resolve(base_url, entry.url) if entry.url else None
        if url and url not in seen:
            seen.add(url)
            out.append(FeedEntry(url, entry.title, entry.published))
    return out
