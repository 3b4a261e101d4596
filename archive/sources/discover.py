"""Turn a configured source into article URLs: a list as given, or the entries of a feed or
sitemap fetched politely with the capture's own HTTP client (same user agent and limits)."""

from __future__ import annotations

from archive.capture.fetch import Fetcher
from archive.capture.settings import CaptureSettings
from archive.capture.targets import policy_scope
from archive.config import Source
from archive.content import ContentDecodingError
from archive.errors import FetchError
from archive.sources.feeds import MAX_XML_BYTES, SourceError, parse_feed, parse_sitemap

MAX_CHILD_SITEMAPS = 50  # a sitemap index is followed one level, this many children at most


async def _get(fetcher: Fetcher, url: str) -> bytes:
    try:
        exchange = await fetcher.fetch(url)
    except FetchError as exc:
        raise SourceError(f"cannot fetch {url}: {exc.reason}", hint="check the source URL in the config") from exc
    try:
        if exchange.status != 200 or exchange.truncated:
            raise SourceError(f"{url}: HTTP {exchange.status}" + (" (truncated)" if exchange.truncated else ""))
        try:
            return exchange.decoded_body(MAX_XML_BYTES + 1)
        except ContentDecodingError as exc:
            raise SourceError(f"{url}: {exc}") from exc
    finally:
        exchange.close()


async def discover_urls(source: Source, settings: CaptureSettings) -> list[str]:
    """Article URLs of ``source``, newest first for sitemaps, at most ``max_articles``."""
    if source.kind == "urls":
        urls = list(source.urls)
    else:
        async with Fetcher(settings) as fetcher:
            # The source URL is operator-given, like a seed: its own address kind is allowed;
            # child sitemaps it names are checked like any requisite (archive.capture.targets).
            origin = source.feed or source.sitemap
            assert origin is not None
            with policy_scope(await fetcher.seed_policy(origin)):
                urls = await _discover(fetcher, source)
    return urls[: source.max_articles] if source.max_articles else urls


async def _discover(fetcher: Fetcher, source: Source) -> list[str]:
    if source.feed:
        return [e.url for e in parse_feed(await _get(fetcher, source.feed), source.feed)]
    assert source.sitemap is not None
    entries = parse_sitemap(await _get(fetcher, source.sitemap), source.sitemap)
    for child in [e for e in entries if e.is_sitemap][:MAX_CHILD_SITEMAPS]:
        entries += parse_sitemap(await _get(fetcher, child.url), child.url)
    pages = [e for e in entries if not e.is_sitemap]
    pages.sort(key=lambda e: e.lastmod or "", reverse=True)
    return [e.url for e in pages]
