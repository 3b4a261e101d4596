"""Turn the many shapes sources use (strings, objects, lists, ``@id`` refs) into record values."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from archive.extract.parse import absolute, clean

Found = dict[str, Any]  # record field name -> value, as one source gives it

_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "ngo", "governmentorganization"}
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# Legacy or three-letter codes that pages still use, mapped to the BCP 47 form.
_LANG_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "ara": "ar", "eng": "en", "kur": "ku", "ku-arab": "ckb", "ckb-iq": "ckb-IQ"}


def text(value: Any) -> str | None:
    """A non-empty string from a string, a ``{"@value": ...}`` or the first of a list."""
    if isinstance(value, list):
        for item in value:
            got = text(item)
            if got:
                return got
        return None
    if isinstance(value, Mapping):
        return text(value.get("@value") or value.get("name"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return clean(value) or None
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _split_names(name: str) -> list[str]:
    """``A, B and C`` -> three names, but ``Smith, John`` (one comma, two words) stays one."""
    name = re.sub(r"^(?:by|from|written by|بقلم|كتب|نووسینی)\s*[:\-]?\s+", "", name, flags=re.I).strip()
    parts = re.split(r"\s+(?:and|&|und|et|y|و)\s+|\s*;\s*|\s*،\s*", name)
    out: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",")]
        if len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces if p):
            out.extend(p for p in pieces if p)
        elif part.strip():
            out.append(part.strip())
    return out


def plausible_name(name: str) -> bool:
    """A byline name, not a URL, date, sentence or empty label."""
    if not name or len(name) > 80 or name.startswith(("http://", "https://", "www.", "@")):
        return False
    if re.search(r"\d{2}", name) or len(name.split()) > 7:
        return False
    return any(ch.isalpha() for ch in name)


def agents(value: Any, resolve: Callable[[Any], Any] = lambda v: v, *, default_type: str = "Person") -> list[dict[str, str]]:
    """Authors/publishers from strings, objects (Person/Organization) or lists, deduplicated."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in as_list(value):
        item = resolve(item)
        kind = default_type
        if isinstance(item, Mapping):
            types = {str(t).lower() for t in as_list(item.get("@type"))}
            kind = "Organization" if types & _ORG_TYPES else "Person"
            raw = text(item.get("name")) or text(item.get("alternateName"))
            names = [raw] if raw else []
        elif isinstance(item, str):
            names = _split_names(clean(item))
        else:
            names = []
        for name in names:
            if plausible_name(name) and name.lower() not in seen:
                seen.add(name.lower())
                out.append({"@type": kind, "name": name})
    return out


def language(value: Any) -> str | None:
    """BCP 47 tag: ``en_US`` -> ``en-US``, ``AR`` -> ``ar``; None when it is not a language tag."""
    raw = text(value)
    if not raw:
        return None
    raw = raw.split(",")[0].strip().replace("_", "-")
    if not _LANG.match(raw):
        return None
    raw = _LANG_ALIASES.get(raw.lower(), raw)
    parts = raw.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part.lower())
    return "-".join(out)


def keywords(value: Any) -> list[str]:
    out: list[str] = []
    for item in as_list(value):
        got = text(item)
        if not got:
            continue
        for word in re.split(r"\s*[,;،]\s*", got):
            word = word.strip()
            if word and word.lower() not in {w.lower() for w in out}:
                out.append(word)
    return out


def images(value: Any, base: str, resolve: Callable[[Any], Any] = lambda v: v) -> list[dict[str, str]]:
    """ImageObjects from a URL string, an ImageObject, or a list of either."""
    out: list[dict[str, str]] = []
    for item in as_list(value):
        item = resolve(item)
        img: dict[str, str] = {}
        if isinstance(item, str):
            url = absolute(base, item)
        elif isinstance(item, Mapping):
            url = absolute(base, text(item.get("url")) or text(item.get("contentUrl")) or text(item.get("@id")))
            caption = text(item.get("caption")) or text(item.get("description"))
            credit = text(item.get("creditText")) or text(item.get("copyrightHolder")) or text(item.get("author"))
            if caption:
                img["caption"] = caption
            if credit:
                img["creditText"] = credit
        else:
            url = None
        if url and all(o["url"] != url for o in out):
            out.append({"@type": "ImageObject", "url": url, **img})
    return out


def url_of(value: Any, base: str) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("@id") or value.get("url")
    return absolute(base, text(value))
