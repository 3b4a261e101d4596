"""Turn the many shapes sources use (strings, objects, lists, ``@id`` refs) into record values."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from archive.extract.parse import absolute, clean

Found = dict[str, Any]  # record field name -> value, as one source gives it
# "No value" as the sources test it: ``value in EMPTY`` compares with ==. Module constants, so
# the test does not build a new list and dict on every call (as a literal tuple of them would).
EMPTY: tuple[Any, ...] = (None, "", [], {})
EMPTY_NO_DICT: tuple[Any, ...] = (None, "", [])

_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "ngo", "governmentorganization"}
# Byline labels in the languages of the pages we meet: "Posted by", "Veröffentlicht von",
# "Autor:", "Erstellt von", "Texte :"... stripped before the name (and a name that is only a
# label is no name).
_LABEL = (r"(?:(?:posted|published|written|created|reported|edited|photos?|words|story|text|interview|"
          r"veröffentlicht|erstellt|geschrieben|verfasst|eingestellt|publié|écrit|publicado|escrito|scritto)\s*"
          r"(?:by|von|vom|am|on|par|por|da|am)?|by|from|von|vom|par|por|autor(?:in)?|author|auteur|autore|"
          r"texte?|(?:(?:view|see|show)\s+)?(?:all|more)\s+(?:posts|articles|stories|beiträge|artikel)\s+(?:of|by|from|von)|"
          r"more\s+(?:from|by)|mehr\s+von|alle\s+(?:beiträge|artikel)\s+von|blog\s+beitrag\s+von|بقلم|كتب|نووسینی)")
_BY = re.compile(rf"^[\s~\-–—|:•·]*(?:{_LABEL}\s*[:\-–—]?\s+)+", re.I)
_ONLY_LABEL = re.compile(rf"^[\s~\-–—|:•·]*{_LABEL}?\s*(?:on|am|by|von|:)?\s*[:\-–—]?\s*$|^(?:follow|share|more|mehr)$", re.I)
_TRAILING = re.compile(r"[\s~\-–—|:•·,]+$")
# What follows the author's name in a credit line and is not a name: a translator or photo
# credit, a social handle, an academic title.
_CREDIT_TAIL = re.compile(r"(?i)\s+(?:(?:übersetzt von|translated by|traduit par|illustrations?\s+(?:von|by|de)|"
                          r"(?:fotos?|photos?|bilder?)\s+(?:von|by|de))\s*:?|fotos?\s*:|photos?\s*:|bilder?\s*:)\s.*$"
                          r"|\s+@\w+$|,?\s+(?:ph\.?d|m\.?d|mba|msc)\.?$")
_TEXT_AND_PHOTOS = re.compile(r"(?i)^(?:text\s*(?:&|und|and)\s*)?(?:fotos?|photos?|bilder?)\s*:\s*|^(?:&\s*)?(?:fotos?|photos?)\s*:\s*"
                              r"|^(?:quelle|source|fuente|source)\s*:\s*")
_NAME_SEP = re.compile(r"\s+(?:and|&|und|et|y|و)\s+|\s*;\s*|\s*،\s*")
_TWO_DIGITS = re.compile(r"\d{2}")
_KEYWORD_SEP = re.compile(r"\s*[,;،]\s*")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# Legacy or three-letter codes that pages still use, mapped to the BCP 47 form.
_LANG_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "ara": "ar", "eng": "en", "kur": "ku", "ku-arab": "ckb", "ckb-iq": "ckb-IQ"}


def is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(value, Mapping)``, without the ABC check's cost for the usual dict, str and None."""
    if isinstance(value, dict):
        return True
    if value is None or isinstance(value, (str, list, int, float)):
        return False
    return isinstance(value, Mapping)


def text(value: Any) -> str | None:
    """A non-empty string from a string, a ``{"@value": ...}`` or the first of a list."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean(value) or None
    if isinstance(value, list):
        for item in value:
            got = text(item)
            if got:
                return got
        return None
    if is_map(value):
        return text(value.get("@value") or value.get("name"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _split_names(name: str) -> list[str]:
    """``A, B and C`` -> three names, but ``Smith, John`` (one comma, two words) stays one."""
    name = _TEXT_AND_PHOTOS.sub("", _BY.sub("", name).strip())
    name = _TRAILING.sub("", _CREDIT_TAIL.sub("", name)).strip().lstrip("~-–—|:•· ")
    parts = _NAME_SEP.split(name)
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
    if _ONLY_LABEL.match(name):
        return False
    if _TWO_DIGITS.search(name) or len(name.split()) > 7:
        return False
    for ch in name:  # a loop, not any(genexpr): most names stop at the first character
        if ch.isalpha():
            return True
    return False


def agents(value: Any, resolve: Callable[[Any], Any] = lambda v: v, *, default_type: str = "Person") -> list[dict[str, str]]:
    """Authors/publishers from strings, objects (Person/Organization) or lists, deduplicated."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in as_list(value):
        item = resolve(item)
        kind = default_type
        if is_map(item):
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
        for word in _KEYWORD_SEP.split(got):
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
        elif is_map(item):
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
    if is_map(value):
        value = value.get("@id") or value.get("url")
    return absolute(base, text(value))
