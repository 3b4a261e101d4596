"""A synthetic news site of many small articles, for benchmarks and load tests.

Serve it with the same server as the bundled site::

    with DemoServer(site=GeneratedSite(articles=500, images=5, latency=0.02)) as server:
        urls = server.article_urls()      # http://127.0.0.1:PORT/a/0.html ... /a/499.html

URL map: ``/a/{i}.html`` (article ``i``, ``0 <= i < articles``) with ``images`` distinct
``<img>`` at ``/img/{i}-{j}.jpg``; ``/`` and ``/index.html`` list every article;
``/robots.txt`` allows everything. Everything else is 404. One capture of every article with
its images is ``articles * (1 + images)`` requests, plus robots.txt: 3,001 for the defaults.

Every image is a real, decodable JPEG (a tiny picture with a comment segment that makes it
unique), derived deterministically from ``(i, j)``: no two images are byte-identical, so a
capture stores each one as a ``response``, never a ``revisit``. Pages and images are built on
request from their numbers; nothing is held per article. ``latency`` is the default for
:class:`~archive_app.demo.server.DemoServer`, which sleeps that long before every answer.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from archive_app.demo.server import Redirect, Resource

__all__ = ["GeneratedSite"]

# A 64x36 baseline JPEG (a figure on a sky and sand background), made with Pillow.
_TEMPLATE_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZG"
    "NywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09P"
    "T09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAkAEADASIAAhEBAxEB/8QAGgABAAIDAQAAAAAAAAAAAAAA"
    "AAUGAQMEB//EACgQAQACAAQBDQAAAAAAAAAAAAABAgMEBRESExUhMjRRVHOTobHB0f/EABkBAAMBAQEAAAAAAAAA"
    "AAAAAAABAwQFAv/EACERAAECBgIDAAAAAAAAAAAAAAABFAIDERJhoQRiITFB/9oADAMBAAIRAxEAPwDvAdEwhjfp"
    "ZVeNZzvJzWb1m0z1+GN4+vZGasdEsLSkgVVuLQNWUvbEymDiXne1sOszPfMw2qkQAYATI577rs1tckMo71F5xzbq"
    "Hgcz6VvxSDkJM9pQSybMlnyPYMv5VfiG9IabW1NMytL1mtq4NImJjaYnhh0vC82ni3Y2tfpDCZCfddg1yAGA2AAA"
    "AAAAAH//2Q=="
)
# The template starts with SOI and a JFIF APP0 segment; generated comments go right after APP0.
_AFTER_APP0 = 4 + int.from_bytes(_TEMPLATE_JPEG[4:6], "big")
_PUBLISHED = dt.datetime(2018, 3, 15, 12, 0, tzinfo=dt.UTC)
_PLACES = ("Anbar", "Baghdad", "Basra", "Erbil", "Fallujah", "Heet", "Mosul", "Ramadi")
_ARTICLE = re.compile(r"/a/(0|[1-9][0-9]*)\.html")
_IMAGE = re.compile(r"/img/(0|[1-9][0-9]*)-(0|[1-9][0-9]*)\.jpg")
_MAX_SEGMENT = 65533  # a JPEG marker segment carries at most this many payload bytes


class GeneratedSite:
    """``articles`` article pages with ``images`` distinct JPEGs each (about ``image_size`` bytes)."""

    def __init__(self, articles: int = 500, images: int = 5, latency: float = 0.02, *, image_size: int = 4096) -> None:
        if articles < 1 or images < 0 or latency < 0 or image_size < len(_TEMPLATE_JPEG) + 64:
            raise ValueError(
                f"GeneratedSite needs articles >= 1, images >= 0, latency >= 0 and image_size >= "
                f"{len(_TEMPLATE_JPEG) + 64} (got {articles}, {images}, {latency}, {image_size})"
            )
        self.articles = articles
        self.images = images
        self.latency = latency
        self.image_size = image_size

    def __repr__(self) -> str:
        return f"GeneratedSite(articles={self.articles}, images={self.images}, latency={self.latency})"

    # -- Site protocol

    def article_paths(self) -> list[str]:
        return [f"/a/{i}.html" for i in range(self.articles)]

    def image_paths(self, i: int) -> list[str]:
        """The image paths article ``i`` references, in page order."""
        return [f"/img/{i}-{j}.jpg" for j in range(self.images)]

    def resolve(self, path: str, base_url: str) -> Resource | Redirect | None:
        if path in ("/", "/index.html"):
            return self._resource("text/html; charset=utf-8", self.index_page())
        if path == "/robots.txt":
            return self._resource("text/plain; charset=utf-8", b"User-agent: *\nDisallow:\n")
        if m := _ARTICLE.fullmatch(path):
            i = int(m.group(1))
            return self._resource("text/html; charset=utf-8", self.article_page(i)) if i < self.articles else None
        if m := _IMAGE.fullmatch(path):
            i, j = int(m.group(1)), int(m.group(2))
            if i < self.articles and j < self.images:
                return self._resource("image/jpeg", self.image(i, j))
        return None

    # -- content

    def article_page(self, i: int) -> bytes:
        """The HTML of article ``i``: headline, byline, dateline, captioned images, two links."""
        place = _PLACES[i % len(_PLACES)]
        date = (_PUBLISHED - dt.timedelta(days=i)).strftime("%d.%m.%Y")
        figures = "\n".join(
            f'<figure><img src="{src}" alt="Photo {j + 1} of briefing {i}" width="64" height="36">'
            f"<figcaption>Photo {j + 1} from {place}, briefing {i}.</figcaption></figure>"
            for j, src in enumerate(self.image_paths(i))
        )
        links = []
        if i > 0:
            links.append(f'<a href="/a/{i - 1}.html">Previous briefing</a>')
        if i + 1 < self.articles:
            links.append(f'<a href="/a/{i + 1}.html">Next briefing</a>')
        html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Briefing {i}: Security And Reconstruction In {place} - NIQASH demo</title>
</head>
<body>
<div class="article-header">
<h1>Briefing {i}: Security And Reconstruction In {place}</h1>
<p class="author">Demo Reporter {i % 7}</p>
<div class="meta"><span class="date">{date}</span> | <span class="place">{place}</span></div>
</div>
<div class="article-body">
<p>This is generated briefing number {i}, written for load tests. Locals in {place} talk about
checkpoints, salaries and the return of former police officers to their jobs.</p>
{figures}
<p>Officials say the plan will be reviewed next month.</p>
</div>
<p class="links">{" | ".join(links)}</p>
</body>
</html>
"""
        return html.encode("utf-8")

    def index_page(self) -> bytes:
        items = "\n".join(f'<li><a href="{p}">Briefing {n}</a></li>' for n, p in enumerate(self.article_paths()))
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>NIQASH demo: generated briefings'
            f"</title></head>\n<body><h1>Generated briefings</h1>\n<ul>\n{items}\n</ul>\n</body></html>\n"
        ).encode()

    def image(self, i: int, j: int) -> bytes:
        """A valid JPEG unique to ``(i, j)``: the template with a filler comment (COM) segment."""
        label = f"news-archive demo image {i}-{j}\n".encode("ascii")
        filler_len = self.image_size - len(_TEMPLATE_JPEG) - len(label)
        filler = hashlib.shake_128(label).digest(max(filler_len, 0))
        comment = label + filler
        segments = []
        for start in range(0, len(comment), _MAX_SEGMENT):
            part = comment[start : start + _MAX_SEGMENT]
            segments.append(b"\xff\xfe" + (len(part) + 2).to_bytes(2, "big") + part)
        # SOI and the JFIF APP0 segment stay first, as JFIF requires; the comment goes after them
        return _TEMPLATE_JPEG[:_AFTER_APP0] + b"".join(segments) + _TEMPLATE_JPEG[_AFTER_APP0:]

    @staticmethod
    def _resource(content_type: str, data: bytes) -> Resource:
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        return Resource(content_type, len(data), etag, _PUBLISHED.timestamp(), data=data)
