"""The visible page, for the many news pages without structured data.

Every rule here is generic: HTML5 semantics (``article``, ``main``, ``time``, ``h1``), microformat
conventions (``rel=author``) and the words site builders put in class names the world over
(byline, author, lead, standfirst, caption...). Nothing keys on one site's markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from itertools import islice

from lxml import etree

from archive.extract import pagedates
from archive.extract import values as v
from archive.extract.dates import find_date, normalize_date
from archive.extract.parse import body_of, clean, tag_of, text_content, text_of
from archive.lxmltyped import ElementXPath, itertext

_CHROME_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "menu"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"})
_CHROME_WORDS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|footer|sidebar|side-bar|widget|related|share|sharing|social|"
    r"comments?|newsletter|promo|advert|ads|ad-slot|cookie|breadcrumbs?|masthead|site-header|topbar|toolbar|"
    r"subscribe|popular|most-read|trending|recommended|outbrain|taboola|logo)(?:$|[\s_-])"
)
_BYLINE_WORDS = re.compile(r"author|byline|by-line|writer|reporter|contributor|journalist|kicker-author")
_LEAD_WORDS = re.compile(r"(?:^|[\s_-])(?:lead|lede|standfirst|teaser|summary|intro|dek|deck|subtitle|sub-title|"
                         r"subheadline|sub-headline|excerpt|abstract|sapo|strapline|chapeau)(?:$|[\s_-])")
# "By", and the phrases that end in it: "Ein Artikel von", "A story by", "Posted by", "Texte de".
_BY_WORDS = (r"(?:(?:ein(?:e)?\s+)?(?:artikel|beitrag|kommentar|gastbeitrag|interview|analyse|kolumne|text)\s+von|"
             r"(?:an?\s+)?(?:article|story|report|column|analysis|post|opinion)\s+by|(?:written|posted|published|reported)\s+by|"
             r"(?:geschrieben|verfasst|veröffentlicht)\s+von|(?:un\s+)?(?:article|texte)\s+(?:de|par)|"
             r"by|von|par|por|بقلم|كتب|نووسینی)")
_BY_PREFIX = re.compile(rf"^\s*{_BY_WORDS}\s*[:\-]?\s+(.{{2,80}})$", re.I)
_TITLE_SEP = re.compile(r"\s+(?:\||-|–|—|::|«|»|·|•)\s+")
_CONTAINERS = frozenset({"p", "div", "section", "article", "main", "ul", "ol", "li", "table", "h1", "h2", "h3", "header", "footer", "figure"})
_HAS_DIGIT = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]")
_SEP = r"\s*(?:\||·|•|–|—|-|/|,)\s*"
_PLACE = r"[^\W\d_][^\d|·•/,()\[\]]{1,40}?"
_ROLES = ElementXPath("descendant-or-self::*[@role]")  # on the root element: every element with a role


def _chrome_itself(node: etree._Element) -> bool:
    # Called for most elements of a page: written out flat, no helper calls on the common path.
    tag = node.tag
    tag = tag.lower() if isinstance(tag, str) else ""
    if tag in _CHROME_TAGS and not (tag in ("header", "footer") and _inside_article(node)):
        return True
    if not node.keys():
        return False  # no role, class or id: nothing below can say chrome
    role = node.get("role")
    if role and role.lower() in _CHROME_ROLES:
        return True
    if tag in ("body", "html", "article", "main"):
        return False
    cls, ident = node.get("class"), node.get("id")
    if not cls:
        if not ident:
            return False
        words = ident
    else:
        words = f"{cls} {ident}" if ident else cls
    words = words.lower()
    if "category-" in words or "tag-" in words:
        words = _TAXONOMY.sub(" ", words)
    return bool(_CHROME_WORDS.search(words))


# Blog engines tag a post's element with its taxonomy (``category-popular``, ``tag-social-media``):
# words of the post's topics, not a sign that the element is furniture.
_TAXONOMY = re.compile(r"(?:^|\s)(?:category|tag)-\S*")


def _words(node: etree._Element) -> str:
    """class and id of ``node``, lower-cased, without taxonomy classes."""
    words = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
    return _TAXONOMY.sub(" ", words) if "category-" in words or "tag-" in words else words


# Memo of _chrome_itself for one document, keyed by element: lxml keeps one proxy per node while
# a reference lives (the memo holds them), so identity keys are stable. Created per extraction.
class Memo(dict[etree._Element, bool]):
    page_text: int = -1  # length of the body's text, measured once, when first needed
    page_paragraphs: int = -1  # length of the text of the body's <p> elements, the same way


# Furniture by name that stays furniture however much text it holds (a long comment thread).
_ALWAYS_CHROME = re.compile(r"comment|related|recommend|popular|most-read|trending|outbrain|taboola|teaser|newsletter|cookie")


def is_furniture(el: etree._Element, memo: dict[etree._Element, bool]) -> bool:
    """A narrower :func:`is_chrome` for dates: comments, teasers and lists of other articles,
    navigation and sidebars. A post's own header or footer (where blogs print the date) is not."""
    node: etree._Element | None = el
    while node is not None:
        got = memo.get(node)
        if got is None:
            tag = node.tag if isinstance(node.tag, str) else ""
            words = _words(node)
            got = memo[node] = tag == "nav" or (node.get("role") or "").lower() == "navigation" or bool(
                words.strip() and _FURNITURE.search(words) and not _holds_page(node, memo))
        if got:
            return True
        node = node.getparent()
    return False


_FURNITURE = re.compile(_ALWAYS_CHROME.pattern + r"|sidebar|side-bar|(?:^|[\s_-])(?:nav|navbar|menu|widget-area)(?:$|[\s_-])")


def _holds_page(node: etree._Element, memo: dict[etree._Element, bool]) -> bool:
    """True when ``node`` holds most of the page's text: then it is the page, not furniture.

    Blog engines wrap the whole post in a ``widget``, some CMSs the whole page in a ``<header>``.
    """
    if _ALWAYS_CHROME.search(_words(node)):
        return False
    total = getattr(memo, "page_text", -1)
    if total < 0:
        root = node.getroottree().getroot()
        body = body_of(root) if root is not None else None
        total = len(text_content(body)) if body is not None else 0
        if isinstance(memo, Memo):
            memo.page_text = total
    if total > 0 and len(text_content(node)) * 2 > total:
        return True
    # A layout wrapper named for the sidebar beside it ("one-sidebar-second", "with-navigation")
    # holds the article's paragraphs, even where menus and footers carry more text than they do.
    paragraphs = getattr(memo, "page_paragraphs", -1)
    root = node.getroottree().getroot()
    if paragraphs < 0:
        paragraphs = _paragraph_chars(root) if root is not None else 0
        if isinstance(memo, Memo):
            memo.page_paragraphs = paragraphs
    return paragraphs > 0 and _paragraph_chars(node) * 4 > paragraphs * 3


def _paragraph_chars(node: etree._Element) -> int:
    return sum(len(text_content(p)) for p in node.iter("p"))


def is_chrome(el: etree._Element, root: etree._Element | None = None, memo: Memo | None = None) -> bool:
    """True when ``el`` sits in navigation, header, footer, sidebar or similar site furniture.

    Ancestors inside the article root (an ``<article>``'s own ``<header>``) are not chrome.
    """
    if memo is None:
        memo = Memo()
    node: etree._Element | None = el
    while node is not None:  # el, then its ancestors: most checks stop at the first or second
        if node is root:
            return False
        got = memo.get(node)
        if got is None:
            got = memo[node] = _chrome_itself(node) and not _holds_page(node, memo)
        if got:
            return True
        node = node.getparent()
    return False


def _inside_article(el: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None:
        if tag_of(parent) in ("article", "main"):
            return True
        parent = parent.getparent()
    return False


def _paragraph_text(el: etree._Element, memo: Memo) -> int:
    return sum(len(text_content(p)) for p in el.iter("p") if not is_chrome(p, el, memo))


def _semantic_root(doc: etree._Element, memo: Memo) -> etree._Element | None:
    """The page's ``<article>`` (else ``<main>``) outside site furniture, or None."""
    for tag in ("article", "main"):
        found = [el for el in doc.iter(tag) if not is_chrome(el, None, memo)]
        if len(found) > 1:
            # Several: the one that holds the page's headline, if only one does; else the wordiest.
            headed = [el for el in found if next(el.iter("h1"), None) is not None]
            found = headed if len(headed) == 1 else found
        if found:
            return found[0] if len(found) == 1 else max(found, key=lambda el: _paragraph_text(el, memo))
    return None


def main_root(doc: etree._Element, memo: Memo | None = None) -> etree._Element:
    """The element holding the article: ``<article>``/``<main>``, else the densest text block."""
    memo = Memo() if memo is None else memo
    body = body_of(doc)
    if body is None:
        return doc
    semantic = _semantic_root(doc, memo)
    if semantic is not None:
        return semantic
    for el in _ROLES(doc):  # only elements with a role, found in C
        if (el.get("role") or "").lower() == "main":
            return el
    return _densest_block(body, memo)


def _densest_block(body: etree._Element, memo: Memo) -> etree._Element:
    """No semantic markup: the block whose direct <p> children carry the most text, or its
    container holding the headline when that is near."""
    best: etree._Element = body
    sizes: dict[etree._Element, int] = {}
    for p in body.iter("p"):  # one pass: text per parent (a per-<p> sum would be quadratic)
        parent = p.getparent()
        if parent is not None:
            sizes[parent] = sizes.get(parent, 0) + len(text_content(p) if len(p) else p.text or "")
    for parent, _size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        if not is_chrome(parent, None, memo):
            best = parent
            break
    return best if best is body else _headline_container(best)


def _headline_container(best: etree._Element) -> etree._Element:
    """Climb from ``best`` to the container that also holds the headline, if it is near."""
    node = best
    for _ in range(3):
        parent = node.getparent()
        if parent is None or tag_of(parent) == "body":
            break
        node = parent
        if next(node.iter("h1"), None) is not None:
            return node
    return best


@dataclass
class Visible:
    found: v.Found
    title_suffix: str | None  # the site name a ``<title>`` ends with; read only when headline or publisher is wanted
    displayed: str | None = None  # the article's own <h1>, when there is exactly one candidate
    title: str = ""  # the page's <title> text, read only when headline or publisher is wanted


def split_title(title: str) -> list[str]:
    """``A | B - C`` -> [A, B, C] on the separators titles use between headline and site name."""
    return _TITLE_SEP.split(title)


def is_label(heading: str, title: str) -> bool:
    """True when ``heading`` is a short name (site, section, blog) that the page's ``<title>``
    lists beside a longer segment: "News" in "Auf das erste Elektron kommt es an - News - Site"."""
    parts = [p.strip() for p in _TITLE_SEP.split(title)]
    if len(parts) < 2 or len(heading.split()) > 4:
        return False
    low = heading.casefold()
    # Not the first segment: "Headline - Site" with the headline as <h1> is the common case.
    return any(p.casefold() == low for p in parts[1:]) and max(len(p) for p in parts) > len(heading) * 2


def _after_label(label: str, title: str) -> str:
    """The title's headline segment: the longest after the label, else the longest."""
    parts = [p.strip() for p in _TITLE_SEP.split(title)]
    low = label.casefold()
    at = next(i for i, p in enumerate(parts) if i and p.casefold() == low)
    return max(parts[at + 1:] or parts, key=len)


def title_separators(title: str) -> Iterator[re.Match[str]]:
    return _TITLE_SEP.finditer(title)


def title_parts(title: str, site_name: str | None) -> tuple[str, str | None]:
    """``Headline | Site`` -> (headline, site). Only a short trailing/leading segment is a site name."""
    parts = _TITLE_SEP.split(title)
    if len(parts) < 2:
        return title, None
    if site_name:
        low = site_name.lower()
        if parts[-1].lower() == low:
            return " - ".join(parts[:-1]), parts[-1]
        if parts[0].lower() == low:
            return " - ".join(parts[1:]), parts[0]
    if len(parts[-1].split()) <= 4 and len(" ".join(parts[:-1])) >= len(parts[-1]):
        return " - ".join(parts[:-1]) if len(parts) > 2 else parts[0], parts[-1]
    # ``NIQASH - Headline``: a leading brand in capitals, before a much longer headline.
    brand = parts[0].replace(" ", "").replace(".", "")
    if len(parts) == 2 and brand.isupper() and brand.isalpha() and len(parts[0].split()) <= 2 and len(parts[1].split()) >= 3:
        return parts[1], parts[0]
    return title, None


# Parts of a heading that are not the headline: a kicker/overline above it, text for screen
# readers only ("Headline:"), a date or a category label.
_KICKER = re.compile(r"kicker|overline|topline|dachzeile|roofline|eyebrow|supertitle|pretitle|"
                     r"sr-only|screen-reader|visually-hidden|visuallyhidden|hidden|category|rubric|label|date")


def _is_kicker(el: etree._Element) -> bool:
    """A kicker or label by its class, or a part that opens with a date (``<small>02.02.2022 • Sport</small>``)."""
    if not isinstance(el.tag, str):
        return False
    if _KICKER.search(f"{el.get('class') or ''} {el.get('id') or ''}".lower()):
        return True
    found = find_date(" ".join("".join(islice(itertext(el), 2)).split())[:40])
    return found is not None and found[1] == 0


def heading_text(h: etree._Element) -> str:
    """Text of a heading without its kicker, screen-reader label or date part; soft hyphens removed."""
    got = text_of(h)
    if len(h) and any(_is_kicker(child) for child in h):
        copy = deepcopy(h)  # never edit the document other scans read
        for child in copy:
            if _is_kicker(child):
                child.clear(keep_tail=True)  # type: ignore[call-arg]  # lxml-stubs 0.5 predates keep_tail
        rest = text_of(copy)
        if rest:  # a heading that is all kicker keeps its text
            got = rest
    return got.replace("\xad", "")


def _headline(doc: etree._Element, root: etree._Element, site: str | None, memo: Memo) -> str | None:
    candidates = [h for h in root.iter("h1") if not is_chrome(h, root, memo)] or [
        h for h in doc.iter("h1") if not is_chrome(h, None, memo)
    ]
    for h in candidates:
        got = heading_text(h)
        if got and len(got) > 3 and (not site or got.lower() != site.lower()):
            return got
    return None


def _byline(root: etree._Element, doc: etree._Element, memo: Memo) -> list[dict[str, str]]:
    """The first byline in the article block; else the first in the page outside furniture;
    else the first outside comments, teasers, navigation and sidebars (blogs print the author
    in the post's footer, which the strict test calls furniture). One walk over the page."""
    furniture: dict[etree._Element, bool] = {}
    page: list[dict[str, str]] = []
    fallback: list[dict[str, str]] = []
    for el in doc.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        # Cheap rejections first (most elements): no attributes and no "By ..." start.
        if not el.keys() and not (tag in _BYLINE_TAGS and len(el) <= 3):
            continue
        got = _byline_of(el)
        if not got:
            continue
        if root is not doc and _within(el, root):
            if not is_chrome(el, root, memo):
                return got
        if not page and not is_chrome(el, None, memo):
            page = got
        elif not fallback and not page and not is_furniture(el, furniture):
            fallback = got
    return page or fallback or _author_link(root, root, memo) or (_author_link(doc, None, memo) if root is not doc else [])


# A link to the author's page (``/author/jane-doe``, ``/autoren/...``): WordPress and most CMSs
# link the byline name there even when nothing around it is marked up as a byline.
_AUTHOR_LINKS = ElementXPath(
    "descendant-or-self::a[contains(@href, '/author/') or contains(@href, '/autor/') or contains(@href, '/autoren/')"
    " or contains(@href, '/authors/') or contains(@href, '/auteur/') or contains(@href, '/autore/')]")


def _author_link(scope: etree._Element, root: etree._Element | None, memo: Memo) -> list[dict[str, str]]:
    """The first author-page link in ``scope`` whose text is a name (no date, 2-5 words)."""
    for a in _AUTHOR_LINKS(scope):
        text = text_of(a)
        if 1 < len(text.split()) <= 5 and not _HAS_DIGIT.search(text) and not is_chrome(a, root, memo):
            return v.agents(text)
    return []


def _within(el: etree._Element, root: etree._Element) -> bool:
    node: etree._Element | None = el
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


_NAME_PART = ElementXPath("descendant::*[contains(concat(' ', normalize-space(@class), ' '), ' fn ') or @itemprop='name']")


_BY_START = re.compile(rf"\s*{_BY_WORDS}\b", re.I)
_BY_ONLY = re.compile(rf"^\s*{_BY_WORDS}\s*:?\s*$", re.I)
_BYLINE_TAGS = frozenset({"p", "div", "span", "address"})


def _byline_of(el: etree._Element) -> list[dict[str, str]]:
    """The names of a byline element, else []. Runs on every element of a page: the common
    case (no attributes, no "By" at the start) is rejected before any text is built."""
    if el.keys():
        rel = (el.get("rel") or "").lower()
        attrs = " ".join((el.get("class") or "", el.get("id") or "", el.get("itemprop") or "")).lower()
    else:
        rel = attrs = ""
    if attrs and ("author" in rel.split() or _BYLINE_WORDS.search(attrs)):
        return _named_byline(el, attrs)
    if len(el) <= 3 and el.tag in _BYLINE_TAGS:
        return _by_line(el)
    return []


def _named_byline(el: etree._Element, attrs: str) -> list[dict[str, str]]:
    """The names in an element whose class, id, itemprop or rel says it is a byline."""
    if re.search(r"avatar|image|photo|bio|box|description", attrs) and tag_of(el) != "a":
        return []
    # hCard/microdata: the name part (``class="fn"``, ``itemprop="name"``) is the name alone.
    part = next(iter(_NAME_PART(el)), None) if len(el) else None
    if pagedates.short_text(part if part is not None else el, 400) is None:
        return []  # a wrapper around half the page is not a byline (and is not walked)
    raw = text_of(part) if part is not None else text_of(el)
    if len(raw) > 120:
        return []
    return [a for a in v.agents(_before_date(raw)) if not find_date(a["name"])]


def _by_line(el: etree._Element) -> list[dict[str, str]]:
    """The names in a short element that opens with "By" (or "Ein Artikel von", "A story by"...)."""
    # The first text pieces only: a big <div> with three children must not be stringified.
    if not _BY_START.match(" ".join(islice(itertext(el), 3))):
        return []
    # Pieces joined with spaces: "<span>By</span><span>Jane Doe</span>" is set apart by CSS.
    text = clean(" ".join(itertext(el)))
    if len(text) > 120:
        return []
    m = _BY_PREFIX.match(_before_date(text))  # "Ein Artikel von Jane Doe | 27.01.2022 - 12:45"
    if m and len(m.group(0)) <= 90:
        return [a for a in v.agents(m.group(1)) if not _BY_ONLY.match(a["name"])]
    return []


# What joins a byline to the date printed after it: "VON MORITZ GATHMANN am 21. April 2020",
# "By Jane Doe, March 3, 2021", "Peter Grimm / 07.11.2023".
# The words that lead into the date are dropped with it ("Jane Doe — veröffentlicht am").
_DATE_JOIN = re.compile(
    r"(?i)(?:[\s,|/•·–—:-]+|\b(?:am|on|le|el|il|den|vom|at|published|posted|updated|veröffentlicht|erschienen|"
    r"aktualisiert|zuletzt|geändert|stand|publié|publicado|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunes|martes|miércoles|jueves|viernes|sábado|"
    r"sabado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|mon|tue|wed|thu|fri|sat|sun|mo|di|mi|do|"
    r"fr|sa|so)\b\.?)*$")


def _before_date(text: str) -> str:
    """A byline's text up to the date printed in it (the whole text when it holds none)."""
    found = find_date(text, short_years=True)
    if found is None or found[1] == 0:
        return text
    return _DATE_JOIN.sub("", text[:found[1]])


def _date_and_place(root: etree._Element, memo: Memo) -> tuple[str | None, str | None, str | None]:  # noqa: C901 (issue 12: split into named steps after the merge)
    """(datePublished, place, dateline text) from ``<time>`` or a short printed dateline."""
    published = None
    for t in root.iter("time"):
        published = normalize_date(t.get("datetime")) or normalize_date(text_of(t))
        if published:
            break
    # A dateline sits near the top of the article: scanning the first elements is enough, and
    # keeps a several-megabyte page from costing a text extraction per element.
    for el in islice(root.iter(), 81):
        if len(el):
            if _has_container(el):
                continue  # only the innermost block: its text is the dateline, not the dateline plus body
            quick = text_content(el)
        elif isinstance(el.tag, str):
            quick = el.text or ""  # text_content() of a leaf
        else:
            continue
        if len(quick) > 300 or not _HAS_DIGIT.search(quick):
            continue  # cheap C-level checks before the full text walk
        raw = text_of(el)
        if not raw or len(raw) > 80 or is_chrome(el, root, memo):
            continue
        found = find_date(raw)
        if not found or pagedates.not_published(el, raw[:found[1]]):
            continue
        iso, start, end = found
        before, after = raw[:start].strip(), raw[end:].strip()
        place = None
        m_after = re.fullmatch(rf"{_SEP}({_PLACE})", " " + after) if after else None
        # A place before the date is only trusted in the wire-service form (``KYIV, Ukraine -``,
        # upper case) or behind a pipe: "Von Karin Hoffmann, 1. September" is a byline, not a place.
        m_before = re.fullmatch(rf"({_PLACE})\s*\|\s*", before) if before else None
        if m_before is None and before and before.split(",")[0].isupper():
            m_before = re.fullmatch(rf"({_PLACE}){_SEP}", before + " ")
        if m_after and not find_date(m_after.group(1)):
            place = clean(m_after.group(1))
        elif m_before and not re.match(r"(?i)(published|updated|posted|date|on)\b", m_before.group(1)):
            place = clean(m_before.group(1))
        if published is None:
            published = iso
        if place or published == iso:
            return published, place, raw if place else None
    return published, None, None


def _has_container(el: etree._Element) -> bool:
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag.lower() in _CONTAINERS:
            return True
    return False


def _standfirst(root: etree._Element, memo: Memo) -> str | None:
    for el in root.iter():
        if isinstance(el.tag, str) and _LEAD_WORDS.search(" ".join((el.get("class") or "", el.get("id") or "")).lower()):
            got = text_of(el)
            if 30 <= len(got) <= 600 and not is_chrome(el, root, memo):
                return got
    return None


def _lead_after_headline(doc: etree._Element, memo: Memo) -> str | None:
    """A standfirst in a plain ``<div>`` right after the headline (bare pages have no class to
    name it): the first div of summary length among the few elements that follow the ``<h1>``,
    before any paragraph."""
    h1 = next((h for h in doc.iter("h1") if not is_chrome(h, None, memo)), None)
    if h1 is None:
        return None
    for el in islice(h1.itersiblings(), 6):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "p" or _has_container(el):
            return None  # the body has started, or this is a layout block: not a standfirst
        if tag != "div":
            continue
        text = text_of(el)
        if 60 <= len(text) <= 500 and not find_date(text[:30]) and not is_chrome(el, None, memo):
            return text
    return None


def _first_paragraph(root: etree._Element, memo: Memo) -> str | None:
    for p in root.iter("p"):
        got = text_of(p)
        if 80 <= len(got) <= 500 and not is_chrome(p, root, memo) and not find_date(got[:30]):
            return got
    return None


def body_text(root: etree._Element, memo: Memo) -> str:
    # text_content() runs in C; script/style never sit inside <p> in practice.
    verdict: dict[etree._Element | None, bool] = {}  # paragraphs share parents: judge each parent once
    paras = []
    for p in root.iter("p"):
        parent = p.getparent()
        chrome = verdict.get(parent)
        if chrome is None:
            chrome = verdict[parent] = is_chrome(parent, root, memo) if parent is not None else False
        # A <p> without attributes is never chrome by itself (and most have none).
        if chrome or (p.keys() and _chrome_itself(p)):
            continue
        paras.append(text_content(p) if len(p) else (p.text or ""))
    return " ".join(paras) if any(paras) else text_of(root)


# ASCII whitespace as str.split() sees it -> 0, anything else -> 1.
_WORD_FLAGS = bytes(0 if chr(i).isspace() else 1 for i in range(128)) + bytes([1] * 128)


def word_count(text: str) -> int:
    """Whitespace-delimited words, as word processors count them (and 8x faster than a regex)."""
    if text.isascii():
        # Count word starts (a space->word boundary) in C, without building a list of words.
        flags = text.encode("ascii").translate(_WORD_FLAGS)
        return flags.count(b"\x00\x01") + (flags[:1] == b"\x01")
    return len(text.split())


def extract(doc: etree._Element, root: etree._Element, site_name: str | None,  # noqa: C901 (issue 12: split into named steps after the merge)
            need: frozenset[str] | None = None, memo: Memo | None = None, url: str = "") -> Visible:
    """Visible-page values for the fields in ``need`` (all when None): the structured sources
    usually cover most fields, and the page scan is the expensive part of extraction."""
    want = (lambda f: True) if need is None else need.__contains__
    memo = Memo() if memo is None else memo
    found: v.Found = {}
    from_title, suffix, title = "", None, ""
    if want("headline") or want("publisher") or want("displayed"):
        title_el = next(doc.iter("title"), None)  # C-level walk; find(".//") goes through ElementPath
        title = text_of(title_el) if title_el is not None else ""
        from_title, suffix = title_parts(title, site_name) if title else ("", None)
    displayed = None
    if want("headline") or want("displayed"):
        displayed = _headline(doc, root, site_name, memo)
        if displayed and is_label(displayed, title):
            # The <h1> is the site's or section's name; the title's longest segment is the headline.
            from_title, displayed = _after_label(displayed, title), None
    if want("headline"):
        headline = displayed or (from_title or None)
        if headline:
            found["headline"] = headline
    if want("author"):
        authors = _byline(root, doc, memo)
        if authors:
            found["author"] = authors
    if want("datePublished") or want("contentLocation"):
        published, place, dateline = _date_and_place(root, memo)
        if published is None and want("datePublished"):
            furniture: dict[etree._Element, bool] = {}
            published = pagedates.find(doc, root, url, lambda el, within: is_furniture(el, furniture))
        if published:
            found["datePublished"] = published
        if place:
            found["contentLocation"] = {"@type": "Place", "name": place}
        if dateline:
            found["dateline"] = dateline
    if want("description"):
        lead = _standfirst(root, memo) or _lead_after_headline(doc, memo) or _first_paragraph(root, memo)
        if lead:
            found["description"] = lead
    if want("wordCount"):
        count = word_count(body_text(root, memo))
        if count:
            found["wordCount"] = count
    return Visible(found=found, title_suffix=suffix, displayed=displayed, title=title)
