"""Article images from the visible page: the real URL behind lazy-loading, caption and credit.

Site chrome (logos, icons, avatars, tracking pixels, placeholders, anything in nav/header/footer/
aside outside the article) is not an article image.
"""

from __future__ import annotations

import re

from lxml import etree

from archive.extract.heuristics import Memo, is_chrome
from archive.extract.parse import absolute, clean, tag_of, text_of

# Lazy-loading libraries keep the real URL in one of these (lazysizes, WP Rocket, jQuery lazyload...).
_LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res-src",
               "data-full-src", "data-actualsrc", "data-echo", "data-img-src")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset", "srcset")
_PLACEHOLDER = re.compile(r"placeholder|blank\.|spacer|pixel|transparent|lazy[-_.]?load|loading\.|grey\.gif|gray\.gif|1x1|empty\.", re.I)
_CHROME_IMG = re.compile(r"logo|icon|avatar|sprite|badge|emoji|gravatar|button|favicon|tracking|beacon|advert|/ads?/", re.I)
_CAPTION_WORDS = re.compile(r"caption|legend|credit|wp-caption-text|image-text|photo-text|figcaption", re.I)
# The same lower-case patterns without re.I: an IGNORECASE alternation tries every branch at
# every position, several times slower. For ASCII text, matching text.lower() is the same test.
_CASELESS = {rx: re.compile(rx.pattern) for rx in (_PLACEHOLDER, _CHROME_IMG, _CAPTION_WORDS)}


def _has(rx: re.Pattern[str], text: str) -> bool:
    """``bool(rx.search(text))`` for one of the re.I patterns above."""
    return bool(_CASELESS[rx].search(text.lower()) if text.isascii() else rx.search(text))


_CREDIT = [
    re.compile(r"\(\s*(?:photo|photos|foto|picture|image|pic|credit|source|photograph|صورة|الصورة|عدسة|وێنە)\s*(?:by)?\s*[:：]\s*([^()]{2,80})\)\s*$", re.I),
    re.compile(r"(?:^|\s)(?:photo|photos|foto|picture|image|credit|credits|photograph|source|صورة|الصورة|وێنە)\s*(?:by)?\s*[:：]\s*(.{2,80})$", re.I),
    re.compile(r"(?:^|\s)photo(?:graph)?\s+by\s+(.{2,80})$", re.I),
    re.compile(r"©\s*(.{2,80})$"),
]


def split_credit(caption: str) -> tuple[str | None, str | None]:
    """``On trial? Police. (photo: Anbar police)`` -> (``On trial? Police.``, ``Anbar police``)."""
    for rx in _CREDIT:
        m = rx.search(caption)
        if m:
            rest = clean(caption[: m.start()])
            return (rest or None), clean(m.group(1)).rstrip(".") or None
    return (caption or None), None


def _srcset_best(value: str) -> str | None:
    """Largest candidate of a srcset (by ``w`` or ``x`` descriptor)."""
    best, best_size = None, -1.0
    for part in value.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1:
            try:
                size = float(bits[1][:-1])
            except ValueError:
                size = 1.0
        if size > best_size:
            best, best_size = bits[0], size
    return best


def real_src(img: etree._Element, base: str) -> str | None:  # noqa: C901 (issue 12: split into named steps after the merge)
    for attr in _LAZY_ATTRS:
        value = img.get(attr)
        if value is not None:
            url = absolute(base, value)
            if url:
                return url
    src = img.get("src")
    if src and not src.startswith("data:") and not _has(_PLACEHOLDER, src):
        return absolute(base, src)
    for attr in _LAZY_SRCSET:
        got = _srcset_best(img.get(attr) or "")
        url = absolute(base, got) if got else None
        if url and not _has(_PLACEHOLDER, url):
            return url
    # libxml2 does not know <source> is void and nests the <img> inside it: look a few levels up.
    picture = img.getparent()
    for _ in range(2):
        if picture is None or tag_of(picture) == "picture":
            break
        picture = picture.getparent()
    if picture is not None and tag_of(picture) == "picture":
        for source in picture.iter("source"):
            got = _srcset_best(source.get("srcset") or source.get("data-srcset") or "")
            url = absolute(base, got) if got else None
            if url:
                return url
    return None


def _tiny(img: etree._Element) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().rstrip("px")
        if value.isdigit() and int(value) < 50:
            return True
    style = (img.get("style") or "").replace(" ", "").lower()
    parent = img.getparent()
    return "display:none" in style and parent is not None and tag_of(parent) != "noscript"


def _caption(img: etree._Element) -> str | None:
    node = img
    for _ in range(4):  # the figure/container is at most a few levels up
        parent = node.getparent()
        if parent is None:
            return None
        if tag_of(parent) == "figure":
            cap = next(parent.iter("figcaption"), None)
            if cap is not None:
                return text_of(cap) or None
        for sib in parent:
            if sib is node or not isinstance(sib.tag, str):
                continue
            if tag_of(sib) == "figcaption" or _has(_CAPTION_WORDS, (sib.get("class") or "") + " " + (sib.get("id") or "")):
                got = text_of(sib)
                if got and len(got) < 500:
                    return got
        if tag_of(parent) in ("article", "main", "body", "section"):
            return None
        node = parent
    return None


def extract(root: etree._Element, base: str, memo: Memo | None = None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for img in root.iter("img"):
        if is_chrome(img, root, memo) or _tiny(img):
            continue
        url = real_src(img, base)
        if not url or url in seen:
            continue
        hints = " ".join((url, img.get("class") or "", img.get("id") or "", img.get("alt") or ""))
        if _has(_CHROME_IMG, hints) or _has(_PLACEHOLDER, url.rsplit("/", 1)[-1]):
            continue
        seen.add(url)
        item: dict[str, str] = {"@type": "ImageObject", "url": url}
        raw = _caption(img)
        if raw:
            caption, credit = split_credit(raw)
            if caption:
                item["caption"] = caption
            if credit:
                item["creditText"] = credit
        out.append(item)
    return out
