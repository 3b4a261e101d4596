"""The one way a reference found in a page becomes an absolute URL, and the one `<base href>`
lookup: shared by capture (what to fetch, see capture/urls.resolve, which adds the wire form)
and extraction (the URLs a record names)."""

from __future__ import annotations

import functools
import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

_NOT_RESOURCES = ("data:", "javascript:", "about:", "#", "blob:")

# The shapes almost every page's URLs have, for which urljoin's answer is known without running
# it (it costs microseconds, and a page resolves dozens): ``http(s)://host/path``,
# ``//host/path`` and ``/path``, without dot segments, ``;params``, tab/CR/LF, or an empty
# ``?``/``#`` (urljoin would drop those).
_PLAIN_REF = re.compile(r"(https?:)?(?://([A-Za-z0-9.:_-]+))?(/[^\t\r\n;?#]*)?(?:\?[^\t\r\n#]+)?(?:#[^\t\r\n]+)?\Z")


def absolute(base: str, ref: object) -> str | None:
    """``ref`` resolved against ``base`` as a browser would; None unless the result is an
    http(s) URL with a host (data:, javascript:, mailto:, blob: are not resources to fetch).
    The fragment is kept: capture drops it (urls.resolve), a record keeps what the page said."""
    if not isinstance(ref, str):
        return None
    ref = ref.strip()
    if not ref or ref.startswith(_NOT_RESOURCES):
        return None
    ref = ref.replace(" ", "%20")
    try:
        full = _join_plain(base, ref)
        if full is not None:
            return full
        full = urljoin(base, ref)
        parts = urlsplit(full)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return full


def base_url(doc: etree._Element, url: str) -> str:
    """The URL a page's relative references resolve against: its first ``<base href>`` that
    resolves to an http(s) URL, else the page's own URL."""
    for el in doc.iter("base"):  # a C-level tag walk: cheaper than an XPath evaluation
        href = (el.get("href") or "").strip()
        if href:
            return absolute(url, href) or url
    return url


@functools.lru_cache(maxsize=16)
def _base_parts(base: str) -> tuple[str, str]:
    """``urlsplit(base)[:2]``, raising ValueError where urlsplit would. Cached: a page resolves
    all its URLs against one base, and this is most of the fast path's cost."""
    m = _PLAIN_REF.match(base)
    if m is not None and m.group(1) and m.group(2):
        return m.group(1)[:-1], m.group(2)  # what urlsplit gives for this shape
    scheme, netloc = urlsplit(base)[:2]
    return scheme, netloc


def _join_plain(base: str, ref: str) -> str | None:
    """urljoin(base, ref) for a ``_PLAIN_REF`` http(s) result, or None when the fast path does not apply."""
    m = _PLAIN_REF.match(ref)
    if m is None:
        return None
    scheme, netloc, path = m.groups()
    if scheme:
        if not netloc:
            return None
        if base != ref:
            _base_parts(base)  # raises ValueError for a broken base, as urljoin would
        return ref  # an absolute URL is its own join
    bscheme, bnetloc = _base_parts(base)  # raises ValueError for a broken base, as urljoin would
    if bscheme not in ("http", "https"):
        return None
    if netloc:
        return f"{bscheme}:{ref}"
    if path and path[:2] != "//" and "/." not in path and bnetloc:
        return f"{bscheme}://{bnetloc}{ref}"
    return None
