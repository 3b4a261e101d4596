"""Demo pages that change between captures, for article versions (issue 15).

- ``/changing/edited.html``: an article whose editors work on it. ``revision`` 1 is as first
  published; revision 2 has the headline rewritten, a paragraph added, the photo swapped and a
  correction appended. Set ``pages.revision`` between captures.
- ``/changing/noisy.html``: an article whose bytes differ on every load (an ad slot id, a
  session token, a request counter) while the article itself never changes.
- ``/changing/vanishing.html``: an article that answers 404 once ``pages.vanished`` is set.

Everything is built in memory; the photos are the demo site's own files.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from html import escape

from archive_app.demo.server import Resource

PREFIX = "/changing/"
EDITED = "/changing/edited.html"
NOISY = "/changing/noisy.html"
VANISHING = "/changing/vanishing.html"
PATHS: tuple[str, ...] = (EDITED, NOISY, VANISHING)

_BODY = (
    "The provincial council met on Thursday to discuss the reconstruction budget for the coming year.",
    "Council members said that most of the money would go to schools and water networks in the south.",
    "A final vote is expected next month, after a public consultation in three districts.",
)
_ADDED = "Residents who spoke to reporters said they had waited four years for the new water network."
_CORRECTION = "Correction: an earlier version of this article misstated the number of districts consulted."


def _page(headline: str, paragraphs: tuple[str, ...], photo: str, caption: str, noise: str = "") -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(headline)}</title>
<meta property="og:title" content="{escape(headline)}">
<meta name="description" content="The council debates where the reconstruction money goes.">
<meta name="author" content="Dana Example">
<meta property="article:published_time" content="2026-03-02T09:00:00Z">
{noise}</head><body>
<nav><a href="/">Home</a></nav>
<article><h1>{escape(headline)}</h1><p class="byline">By Dana Example</p>
<figure><img src="{photo}" alt=""><figcaption>{escape(caption)}</figcaption></figure>
{body}</article>
<footer>Demo newsroom</footer></body></html>
""".encode()


class ChangingPages:
    """The state of the changing demo pages; thread-safe (the server answers in threads)."""

    def __init__(self) -> None:
        self.revision = 1
        self.vanished = False
        self._loads = 0
        self._lock = threading.Lock()

    def edited(self) -> bytes:
        if self.revision <= 1:
            return _page("Council debates reconstruction budget", _BODY, "/static/img/parade.jpg",
                         "The council building in March.")
        paragraphs = (_BODY[0], _BODY[1], _ADDED, _BODY[2], _CORRECTION)
        return _page("Council splits over reconstruction money for the south", paragraphs,
                     "/static/img/senior-officers.jpg", "Council members after the session.")

    def noisy(self) -> bytes:
        with self._lock:
            self._loads += 1
            loads = self._loads
        noise = (f'<script>window.__session="{secrets.token_hex(16)}";</script>\n'
                 f'<!-- served {loads} -->\n<meta name="ad-slot" content="{secrets.token_hex(8)}">\n')
        return _page("Water network plan published", _BODY, "/static/img/parade.jpg",
                     "The council building in March.", noise)

    def resolve(self, path: str) -> Resource | None:
        if path == EDITED:
            data = self.edited()
        elif path == NOISY:
            data = self.noisy()
        elif path == VANISHING and not self.vanished:
            data = _page("A story that will be taken down", _BODY[:2], "/static/img/parade.jpg", "A caption.")
        else:
            return None
        etag = f'"{hashlib.sha256(data).hexdigest()[:20]}"'
        return Resource("text/html; charset=utf-8", len(data), etag, time.time(), data=data)
