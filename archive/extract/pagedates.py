"""The publication date of a page whose ``<meta>``/JSON-LD/article microdata name none.

Signals, strongest first, each generic (HTML semantics, schema.org names, the words site
builders use in class names everywhere, the URL pattern of dated permalinks):

1. machine-readable dates anywhere in the page, outside furniture: ``itemprop="datePublished"``,
   ``<abbr class="published" title>``, ``<time datetime>``/``<time pubdate>``;
2. a short element whose class or id says date/time/published (``post-date``, ``news-time``,
   ``entry-meta``...) and whose text holds a printed date, in the article block first;
3. a date printed inside the headline element, or after a publication word ("Veröffentlicht
   am", "Posted on");
4. a CMS's own JSON in a script (``"publishedAt": ...``);
5. a dated permalink (``/2019/10/16/slug``, ``2019-10-16`` in the URL);
6. a short line holding a date after the headline, a paragraph opening with its date, any
   short text that is mostly a date;
7. only when nothing else is found: a printed update date ("Aktualisiert am ...").

Comments, teasers of other articles, navigation and sidebars are furniture
(:func:`heuristics.is_furniture`): their dates are never the article's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import islice

from lxml import etree

from archive.extract.dates import day_first_in, find_date, normalize_date
from archive.lxmltyped import ElementXPath, itertext

Chrome = Callable[[etree._Element, "etree._Element | None"], bool]

_PROPS = ElementXPath("descendant-or-self::*[@itemprop]")
_DATE_CLASS = re.compile(
    r"date|time|publish|posted|datum|dateline|byline|(?:^|[\s_-])(?:meta|info|stand|submitted|entry-header|"
    r"article-header|post-header)(?:$|[\s_-])"
)
# Class names of dates that are not the publication: updates, events, comments, copyright.
_NOT_PUBLISHED = re.compile(r"modif|updat|aktualisier|event|comment|reply|copyright|birth|expir|deadline|runtime")
# Words around a printed date that make it something else than the publication date.
_NOT_PUBLISHED_TEXT = re.compile(r"(?i)updated|aktualisiert|last modified|zuletzt|geändert|mis à jour|actualizado")
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_DATE_SEP = re.compile(r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?:[/_.-]|$)")


def not_published(el: etree._Element, before: str) -> bool:
    """True when the element's class, or the words ``before`` the date, say the date is an
    update, an event, a comment... ("Published 3 May, updated 5 May" keeps its first date)."""
    return bool(_NOT_PUBLISHED.search(_attrs(el)) or _NOT_PUBLISHED_TEXT.search(before))


def _attrs(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def _machine_dates(scope: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """(element, raw value) of machine-readable publication dates under ``scope``, document order."""
    for el in scope.iter("time", "abbr"):
        if el.tag == "time":
            raw = el.get("datetime") or (el.text if el.get("pubdate") is not None else None)
            if raw:
                yield el, raw
        elif "published" in (el.get("class") or "").lower().split() and el.get("title"):
            yield el, el.get("title") or ""


def _itemprop_date(doc: etree._Element, chrome: Chrome) -> str | None:
    for el in _PROPS(doc):
        props = (el.get("itemprop") or "").split()
        if "datePublished" not in props and "dateCreated" not in props:
            continue
        raw = el.get("content") or el.get("datetime") or el.get("title") or short_text(el, 200)
        got = normalize_date(raw)
        if got and not chrome(el, None):
            return got
    return None


# The whole-page scans below stop after this many elements: a date line sits near the top of
# an article, and a 50 MB page must not cost a text walk per element.
_SCAN = 20_000
_DIGIT = re.compile(r"\d")


def short_text(el: etree._Element, limit: int) -> str | None:
    """``el``'s text, whitespace collapsed, or None when longer than ``limit``; stops reading a
    big element early instead of building its whole text."""
    parts = []
    size = 0
    for piece in itertext(el):
        size += len(piece)
        if size > limit * 4 + 64:  # generous: markup whitespace collapses a lot
            return None
        parts.append(piece)
    text = " ".join(" ".join(parts).split())
    return text if len(text) <= limit else None


def _text_date(el: etree._Element, short_years: bool, day_first: bool | None = None) -> str | None:
    text = short_text(el, 160)
    if not text:
        return None
    found = find_date(text, short_years=short_years, day_first=day_first)
    return found[0] if found and not _NOT_PUBLISHED_TEXT.search(text[:found[1]]) else None


def _class_dates(scope: etree._Element, root: etree._Element | None, chrome: Chrome,
                 day_first: bool | None = None) -> str | None:
    for el in islice(scope.iter(), _SCAN):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "html", "body"):
            continue
        attrs = _attrs(el)
        if not attrs.strip() or not _DATE_CLASS.search(attrs) or _NOT_PUBLISHED.search(attrs):
            continue
        got = _text_date(el, short_years=True, day_first=day_first)
        if got and not chrome(el, root):
            return got
    return None


# A CMS's own JSON in a script: ``"datePublished":"2022-01-31T15:58:43+01:00"``, ``"publishedAt"``,
# ``"publish_date"``, ``"first_published_at"``... (key names as schema.org and the big CMSs write them).
_SCRIPT_DATE = re.compile(
    r"""["'](?:datePublished|dateCreated|publishedAt|published_at|publishDate|publish_date|publishedDate|"""
    r"""published_date|pubDate|pub_date|firstPublishedAt|first_published_at|publicationDate|publication_date|"""
    r"""createdAt|created_at|dateFirstPublished)["']\s*:\s*["']([^"']{8,40})["']""")


def _script_date(doc: etree._Element) -> str | None:
    for script in doc.iter("script"):
        text = script.text
        if not text or (script.get("type") or "").lower().startswith("application/ld+json"):
            continue  # JSON-LD was read as such, with its types
        m = _SCRIPT_DATE.search(text)
        if m:
            got = normalize_date(m.group(1))
            if got:
                return got
    return None


def url_date(url: str) -> str | None:
    """The date of a dated permalink, or None (a bare ``/2019/10/`` names no day)."""
    path = url.split("://", 1)[-1].partition("/")[2]
    for rx in (_URL_DATE_SEP, _URL_DATE):
        m = rx.search("/" + path)
        if m:
            got = normalize_date(f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}")
            if got:
                return got
    return None


def _after_headline(doc: etree._Element, chrome: Chrome, limit: int = 60) -> str | None:
    """The first short line with a date among the elements that follow an ``<h1>`` (the first
    three tried: a logo is often the first)."""
    for h1 in islice((h for h in doc.iter("h1") if not chrome(h, None)), 3):
        seen = 0
        for el in _following(h1):
            if not isinstance(el.tag, str) or el.tag in ("script", "style"):
                continue
            seen += 1
            if seen > limit:
                break
            # A short line, perhaps with a link or two in it ("Peter Grimm / 07.11.2023 / 09:30").
            if len(el) > 3 or el.tag in ("h1", "h2"):
                continue
            got = _text_date(el, short_years=False)
            if got and not chrome(el, None):
                return got
    return None


def _following(el: etree._Element) -> Iterator[etree._Element]:
    """Elements after ``el`` in document order (its descendants first)."""
    yield from el.iterdescendants()
    node: etree._Element | None = el
    while node is not None:
        for sib in node.itersiblings():
            yield sib
            yield from sib.iterdescendants()
        node = node.getparent()


def find(doc: etree._Element, root: etree._Element, url: str, chrome: Chrome) -> str | None:
    """The publication date from the signals above, or None."""
    got = _itemprop_date(doc, chrome)
    if got:
        return got
    for scope, within in ((root, root), (doc, None)):
        for el, raw in _machine_dates(scope):
            if _NOT_PUBLISHED.search(_attrs(el)):
                continue
            got = normalize_date(raw)
            if got and not chrome(el, within):
                return got
    order = day_first_in(doc.get("lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang"))
    got = _class_dates(root, root, chrome, order) or (_class_dates(doc, None, chrome, order) if root is not doc else None)
    return (got or _in_heading(doc, chrome) or _labelled(root, chrome) or (_labelled(doc, chrome) if root is not doc else None) or _script_date(doc)
            or url_date(url) or _after_headline(doc, chrome) or _leading(root, chrome) or _first_printed(root, chrome)
            or (_first_printed(doc, chrome) if root is not doc else None) or _updated(root, chrome)
            or (_updated(doc, chrome) if root is not doc else None))


_UPDATED_LABEL = re.compile(r"(?i)(?:updated|aktualisiert|last modified|zuletzt geändert|stand)\W{0,3}(?:am|on)?\s*$")


def _updated(scope: etree._Element, chrome: Chrome) -> str | None:
    """Very last resort: a page that prints only when it was last updated ("Aktualisiert am
    17.01.2021") was first published no later; its update is the best date it gives."""
    for el in islice(scope.iter(), _SCAN):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "title") or len(el) > 3:
            continue
        if not len(el) and not _DIGIT.search(el.text or ""):
            continue  # a leaf without a digit holds no date (most paragraphs)
        text = short_text(el, 80)
        found = find_date(text) if text else None
        if found and _UPDATED_LABEL.search(text[:found[1]]) and not chrome(el, None):  # type: ignore[index]
            return found[0]
    return None


# "Veröffentlicht am 16.08.2019", "Dieser Artikel wurde am 14. Dezember 2015 ... veröffentlicht",
# "Posted on March 3, 2021": the words that say the date beside them is the publication's.
_PUBLISHED_WORDS = re.compile(
    r"(?i)(?:published|posted|veröffentlicht|erschienen|publiziert|wurde am|erstellt am|publié|publicado|pubblicato|"
    r"gepubliceerd|opublikowano|date of publication|publication date)\b")


def _in_heading(doc: etree._Element, chrome: Chrome) -> str | None:
    """A date printed inside the headline's own element (``<h1>Title <small>02.02.2022 •
    Section</small></h1>``)."""
    for h1 in islice((h for h in doc.iter("h1") if not chrome(h, None)), 3):
        for child in islice(h1.iterdescendants(), 50):
            text = short_text(child, 200) if isinstance(child.tag, str) else ""
            found = find_date(text[:40]) if text else None
            if found and found[1] == 0:
                return found[0]
    return None


def _labelled(scope: etree._Element, chrome: Chrome) -> str | None:
    """A date within a few words after a publication word, in a short text."""
    for el in islice(scope.iter(), _SCAN):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "title"):
            continue
        text = el.text
        if not text or len(text) > 200 or not len(el) and not _DIGIT.search(text):
            continue  # the date is in the text or in a child: a leaf without a digit has none
        m = _PUBLISHED_WORDS.search(text)
        if m is None:
            continue
        # The date may sit in the element's own text or just after it (``<b>Posted on</b> <time>``).
        after = " ".join((text[m.end():] + " " + " ".join(islice(itertext(el), 1, 4)) + " " + (el.tail or "")).split())
        found = find_date(after[:60])
        if found and found[1] <= 30 and not chrome(el, None):
            return found[0]
    return None


_LINE_SEP = re.compile(r"\s*(?:[-–—:|•·/]+)\s")
_LEAD_SEP = re.compile(r"\s*[-–—:|]\s")


def _leading(root: etree._Element, chrome: Chrome) -> str | None:
    """A paragraph that opens with its date: ``27.1.2022 - The council met...`` (a dateline)."""
    for p in islice(root.iter("p"), 30):
        text = " ".join((p.text or "").split()) or " ".join("".join(islice(itertext(p), 2)).split())
        found = find_date(text[:40]) if text else None
        if found and found[1] == 0 and _LEAD_SEP.match(text, found[2]) and not chrome(p, None):
            return found[0]
    return None


def _first_printed(scope: etree._Element, chrome: Chrome) -> str | None:
    """Last resort: the first short text in ``scope`` that is a date and little else."""
    for el in islice(scope.iter(), _SCAN):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "title", "option"):
            continue
        if len(el) > 2:
            continue
        # Its own text and what follows its children (``<span class="icon"></span> 02.02.2022``).
        text = el.text if not len(el) else " ".join(filter(None, [el.text, *(child.tail for child in el)]))
        # Measured without the indentation around it: templates pad short lines with whitespace.
        text = " ".join(text.split()) if text and len(text) < 400 else ""
        if not text or len(text) > 80:
            continue
        found = find_date(text)
        # The date must be most of the text, or open a short line ("21. Jan 2022 // Name"):
        # "am 3. August 2020 wurde die Brücke..." is a fact reported in the article, not its date.
        if found and ((found[2] - found[1]) * 2 >= len(text) or found[1] == 0 and _LINE_SEP.match(text, found[2])) \
                and not chrome(el, None):
            return found[0]
    return None
