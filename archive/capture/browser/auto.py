"""``auto`` mode's question: does the served HTML hold the article, or do scripts build it?

General signals only, read from the served page (never tuned to one site):
- little text outside scripts while the page has scripts: the text arrives by script;
- images with no source in the markup (no src, srcset or data-* URL): a script sets it.
Lazy images whose URL is in a ``data-*`` attribute are not a reason: static capture follows those.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from archive.extract.parse import text_content

# Fewer words than this in the served page's text (scripts and styles removed) while it has
# scripts: a news article's text plus its page furniture is well above it.
MIN_WORDS = 150
_NOT_TEXT = ("script", "style", "noscript", "template")


def needs_browser(body: bytes, encoding: str) -> str | None:
    """Why the served page looks incomplete without its scripts, or None if it does not."""
    try:
        parser = lxml.html.HTMLParser(encoding=encoding)
        root = lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError, LookupError):
        return None
    scripts = len(root.findall(".//script"))
    sourceless = sum(1 for img in root.iter("img") if not _has_source(img))
    etree.strip_elements(root, *_NOT_TEXT, with_tail=False)
    words = len(text_content(root).split())
    if scripts and words < MIN_WORDS:
        return f"the served HTML has only {words} words of text and {scripts} scripts"
    if sourceless:
        return f"{sourceless} images have no source in the served HTML (set by script)"
    return None


def _has_source(img: lxml.html.HtmlElement) -> bool:
    if (img.get("src") or "").strip() or (img.get("srcset") or "").strip():
        return True
    return any(name.startswith("data-") and ("/" in value or "." in value) for name, value in img.attrib.items())
