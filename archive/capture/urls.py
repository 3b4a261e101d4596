"""URL scope rules: what may be captured, and how references in pages become absolute URLs."""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import httpx

from archive.errors import ScopeError
from archive.links import absolute

FETCHABLE_SCHEMES = frozenset({"http", "https"})


def check_seed(url: str) -> str:
    """Return the seed URL without its fragment, or raise ScopeError if it cannot be captured."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise ScopeError(f"refusing {url!r}: not a valid URL ({exc})") from None
    if parts.scheme.lower() not in FETCHABLE_SCHEMES:
        shown = parts.scheme or "no scheme"
        raise ScopeError(
            f"refusing {url!r}: only http and https URLs can be captured ({shown} given)",
            hint="give a full URL such as https://example.org/news/article.html",
        )
    if not parts.hostname:
        raise ScopeError(f"refusing {url!r}: the URL has no host name")
    normal = normalise(urldefrag(text)[0])
    if normal is None:
        raise ScopeError(f"refusing {url!r}: not a valid URL")
    return normal


def normalise(url: str) -> str | None:
    """The URI form that goes on the wire and into WARC-Target-URI: non-ASCII paths and queries
    percent-encoded (UTF-8), internationalised host names in punycode. None if invalid."""
    try:
        return str(httpx.URL(url))
    except (httpx.InvalidURL, ValueError):
        return None


def resolve(base: str, ref: str) -> str | None:
    """Absolute, fragment-free wire-form URL for a reference found in a page, or None if not
    fetchable: archive.links.absolute (the one resolver), then the form that goes on the wire.

    data:, javascript:, mailto:, blob: and other non-HTTP references are silently out of scope:
    they are part of the page itself (data:) or not resources at all.
    """
    joined = absolute(base, ref)
    if joined is None:
        return None
    try:
        if not urlsplit(joined).hostname:
            return None
    except ValueError:
        return None
    return normalise(urldefrag(joined)[0])


def redirect_target(base: str, location: str) -> str | None:
    """Absolute URL of a Location header as received, or None if it is not fetchable.

    Header values arrive decoded as Latin-1 (one character per byte), but servers put raw
    UTF-8 in Location (``/café``, Arabic and Kurdish paths), and browsers and curl read it as
    UTF-8: so do we. Bytes that are not UTF-8 are kept as they are, percent-encoded, so the
    request asks for exactly the bytes the server named."""
    raw = location.encode("latin-1", errors="replace")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)
    return resolve(base, text)


def host_key(url: str) -> str:
    """The politeness key of a URL: host and port, as a server would see it."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.host}:{port}"
