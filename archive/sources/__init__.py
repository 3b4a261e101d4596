"""Where article URLs come from besides a list: RSS/Atom feeds and XML sitemaps."""

from __future__ import annotations

from archive.sources.feeds import FeedEntry, SitemapEntry, SourceError, parse_feed, parse_sitemap

__all__ = ["FeedEntry", "SitemapEntry", "SourceError", "parse_feed", "parse_sitemap"]
