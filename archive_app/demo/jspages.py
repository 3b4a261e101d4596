"""Demo pages that need JavaScript, served under ``/js/`` next to the static demo site.

==================================  ==================================================================
``/js/article.html``                an article whose text and photos arrive as JSON
                                    (``/js/data/article.json``) and are rendered by script; its web
                                    font comes from a stylesheet the script inserts
``/js/list.html``                   an endless list: pages of stories as JSON on scrolling, each
                                    story's image lazy (set when it comes into view)
``/js/gallery.html``                images with no source in the markup: their ``srcset`` is set by script
``/js/img/<name>``                  the static site's ``/static/img/<name>`` under script-only URLs
``/js/fonts/jsserif.woff2``         the static site's web font, named only by the inserted CSS
==================================  ==================================================================

Static capture records the three pages and their scripts, but none of what the scripts load;
browser capture records all of it (tests/capture/browser/).
"""

from __future__ import annotations

from pathlib import Path

from archive_app.demo.changing import ChangingPages
from archive_app.demo.server import Redirect, Resource, Site, StaticSite

JS_ROOT = Path(__file__).resolve().parent / "jssite"
JS_PAGES: tuple[str, ...] = ("/js/article.html", "/js/list.html", "/js/gallery.html")
# Script-only URLs for files the static site already has (the bytes are the same; the URLs are
# what only a script names).
_ALIASES = {"/js/img/": "/static/img/", "/js/fonts/jsserif.woff2": "/static/fonts/newsserif.woff2"}


class WithJsPages:
    """``base`` (the static demo site), plus the JavaScript pages under ``/js/``."""

    def __init__(self, base: StaticSite) -> None:
        self.base = base
        self.latency = base.latency
        self.pages = StaticSite(JS_ROOT, redirects={}, chunked=(), articles=JS_PAGES, latency=base.latency)

    @property
    def changing(self) -> ChangingPages:
        """The base site's pages that change between captures (see changing.py)."""
        return self.base.changing

    def article_paths(self) -> list[str]:
        return self.base.article_paths()

    def resolve(self, path: str, base_url: str) -> Resource | Redirect | None:
        if not path.startswith("/js/"):
            return self.base.resolve(path, base_url)
        for alias, real in _ALIASES.items():
            if path.startswith(alias):
                return self.base.resolve(real + path[len(alias):], base_url)
        return self.pages.resolve(path, base_url)


def with_js_pages(base: StaticSite) -> Site:
    return WithJsPages(base)


__all__ = ["JS_PAGES", "JS_ROOT", "WithJsPages", "with_js_pages"]
