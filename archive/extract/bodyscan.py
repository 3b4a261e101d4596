"""Where a page's article text is: the elements :mod:`archive.extract.body` reads its blocks from.

Signals, strongest first: the page's own ``itemprop="articleBody"``; then paragraph-like blocks
scored by text length and commas, credited to their parent and grandparent, weighted by the
container's link density and by class/id words (furniture words push a container down, article
words up), and joined by the siblings that score nearly as well (a body split by an ad slot).
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree

from archive.extract.parse import body_of, text_content
from archive.lxmltyped import ElementXPath

# Furniture named in class/id, matched anywhere in the word ("sharebar", "related-posts"), in the
# languages such names are written in: English, German, French, Spanish/Portuguese, Italian,
# Indonesian, Russian transliterations.
_FURNITURE = (
    r"share|sharing|social|related|comment|newsletter|subscri|advert|promo|sponsor|breadcrumb|outbrain|"
    r"taboola|cookie|popup|modal|sidebar|recommend|trending|popular|most-read|mostread|signup|sign-up|"
    r"read-more|readmore|more-stories|also-read|author-bio|authorbio|byline|dateline|"
    r"teilen|kommentar|verwandt|weitere|empfehl|partage|commentaire|compartir|compartilh|comentario|"
    r"relacionad|leia-tambem|leiatambem|veja-tambem|condividi|commenti|correlat|baca-juga|bacajuga|terkait|"
    r"komentar|berita-lain|poxozh|pohozh|kommentari|podpis"
)
# Short or ambiguous words, matched only as a whole token of the class/id.
_TOKENS = (r"ad|ads|adv|advertising|banner|nav|navbar|menu|footer|tags?|meta|author|print|pagination|pager|rating|"
           r"widget-area")
_BOILERPLATE = re.compile(rf"{_FURNITURE}|(?:^|[\s_-])(?:{_TOKENS})(?:$|[\s_-])")
_ALWAYS = re.compile(r"comment|related|recommend|outbrain|taboola|newsletter|kommentar|commentaire|comentario|"
                     r"commenti|komentar|relacionad|correlat|terkait|verwandt")
_CAPTION = re.compile(r"caption|legend|bildunterschrift|didascalia|keterangan|photo-text|image-text|img-text")
_ARTICLE = re.compile(
    r"article|body|content|entry|main|post|story|text|prose|artikel|materia|noticia|conteudo|berita|isi|testo|"
    r"nachricht|texto"
)
_HIDDEN_CLASS = re.compile(
    r"(?:^|\s)(?:hidden|hide|d-none|sr-only|visually-hidden|screen-reader-text|invisible)(?:$|\s)")
# Prose has sentences: a full stop (or the CJK/Arabic/Devanagari one) at a word's end.
_SENTENCE_END = re.compile(r"\w[.!?。！？۔।](?:\s|$)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
# Candidates found in C (a substring test, case as schema.org writes it); tokens checked in Python.
_ITEMPROPS = ElementXPath("//*[contains(@itemprop, 'rticleBody') or contains(@itemprop, 'eviewBody')"
                           " or contains(@itemprop, 'rticlebody') or contains(@itemprop, 'eviewbody')]")
_BODY_PROPS = frozenset({"articlebody", "reviewbody"})
_PARAGRAPHS = ("p", "pre", "blockquote", "td")
_MIN_ITEMPROP_CHARS = 200
_MIN_PARAGRAPH = 25
# Enough paragraphs to find any real article (the longest real pages have a few hundred); a
# hostile page of millions is not scored to the end.
_MAX_PARAGRAPHS = 5000
_PROSE = 100
_CARDS = 3  # this many link cards of one shape make a teaser list
_CARD_TEXT = 300  # a card's blurb is short
_MAX_CARDS = 200  # children looked at when deciding whether an element is a list of cards
# Siblings with these tags are never article text, however long.
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "nav", "aside", "footer", "form", "header", "h1",
                       "iframe", "svg", "button", "select", "menu"})


def _words(node: etree._Element) -> str:
    return f"{node.get('class') or ''} {node.get('id') or ''}".lower()


def is_boilerplate(node: etree._Element) -> bool:
    """True when ``node``'s class or id names site furniture (share bar, related stories...)."""
    words = _words(node)
    return bool(words.strip()) and bool(_BOILERPLATE.search(words))


def is_always_furniture(node: etree._Element) -> bool:
    """Furniture however much text it holds: comment threads, lists of other stories."""
    return bool(_ALWAYS.search(_words(node)))


def has_paragraphs(node: etree._Element) -> bool:
    """True when ``node`` holds two or more paragraphs of prose (long, few links)."""
    found = 0
    for p in node.iter("p"):
        if len(text_content(p)) >= _PROSE and link_density(p) < 0.25:
            found += 1
            if found >= 2:
                return True
    return False


def is_teaser_list(node: etree._Element) -> bool:
    """True when ``node`` is a list of cards pointing elsewhere ("most popular", "more from"):
    three or more children of one shape, each a link plus a picture or a heading, and short."""
    if len(node) < _CARDS:
        return False
    shapes: dict[tuple[object, str | None], int] = {}
    for child in islice(node, _MAX_CARDS):  # a page of 100,000 paragraphs is not a list of cards
        if _is_card(child):
            shape = (child.tag, child.get("class"))
            shapes[shape] = shapes.get(shape, 0) + 1
    return any(count >= _CARDS for count in shapes.values())


def _is_card(el: etree._Element) -> bool:
    if not isinstance(el.tag, str) or len(el) == 0:
        return False
    if el.tag == "a":
        link: etree._Element | None = el
    else:
        link = next(el.iter("a"), None)
    if link is None or not link.get("href"):
        return False
    if len(text_content(el)) > _CARD_TEXT:
        return False
    return next(el.iter("img", "picture", "h2", "h3", "h4", "h5", "h6"), None) is not None


def is_caption(node: etree._Element) -> bool:
    """True when ``node``'s class or id names an image caption."""
    return bool(_CAPTION.search(_words(node)))


def is_hidden(node: etree._Element) -> bool:
    """True when the page hides ``node`` from readers (``hidden``, ``aria-hidden``, inline style)."""
    if node.get("hidden") is not None or (node.get("aria-hidden") or "").lower() == "true":
        return True
    cls = node.get("class")
    if cls and _HIDDEN_CLASS.search(cls.lower()):
        return True
    style = node.get("style")
    return style is not None and _HIDDEN_STYLE.search(style.lower()) is not None


def _outermost(found: list[etree._Element]) -> list[etree._Element]:
    """``found`` without the elements nested inside another one of them (document order kept)."""
    kept = set(found)
    out = []
    for el in found:
        parent = el.getparent()
        while parent is not None and parent not in kept:
            parent = parent.getparent()
        if parent is None:
            out.append(el)
    return out


def _itemprop_roots(doc: etree._Element) -> list[etree._Element]:
    found = _outermost([el for el in _ITEMPROPS(doc) if _BODY_PROPS & set(el.get("itemprop", "").lower().split())])
    size = sum(len(text_content(el).strip()) for el in found)
    return found if size >= _MIN_ITEMPROP_CHARS else []


def _ink(text: str) -> int:
    """Characters of ``text`` that are not whitespace (str.count runs in C: no copy of the text)."""
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")


def link_density(node: etree._Element) -> float:
    """Share of ``node``'s text that sits inside links."""
    total = _ink(text_content(node))
    if not total:
        return 0.0
    linked = sum(_ink(text_content(a)) for a in node.iter("a"))
    return min(1.0, linked / total)


def _points(text: str) -> float:
    """What one paragraph is worth: more for commas (sentences) and length, nothing when short."""
    size = len(text.strip())
    if size < _MIN_PARAGRAPH:
        return 0.0
    return 1.0 + text.count(",") + text.count("\u060c") + text.count("\uff0c") + min(size / 100.0, 3.0)


def _credit(scores: dict[etree._Element, float], start: etree._Element | None, points: float,
            stop: etree._Element | None) -> None:
    for share in (1.0, 0.5):
        if start is None or start is stop:
            return
        scores[start] = scores.get(start, 0.0) + points * share
        start = start.getparent()


def _direct_text(el: etree._Element) -> str:
    """The text of ``el`` outside its child elements (a ``<div>`` of text broken by ``<br>``)."""
    return "".join([el.text or "", *(child.tail or "" for child in el)])


def _paragraph_scores(body: etree._Element) -> dict[etree._Element, float]:
    """Readability's scoring: each paragraph credits its parent fully and its grandparent half;
    text written straight into a container between ``<br>`` credits that container."""
    scores: dict[etree._Element, float] = {}
    stop = body.getparent()
    for p in islice(body.iter(*_PARAGRAPHS), _MAX_PARAGRAPHS):
        points = _points(text_content(p))
        if points:
            _credit(scores, p.getparent(), points, stop)
    for parent in {br.getparent() for br in body.iter("br")}:
        if parent is not None and parent.tag not in _PARAGRAPHS:
            points = _points(_direct_text(parent))
            if points:
                _credit(scores, parent, points, stop)
    return scores


def _weight(node: etree._Element) -> float:
    """Class/id words: furniture down, article words up."""
    words = _words(node)
    weight = 0.0
    if _BOILERPLATE.search(words):
        weight -= 25.0
    if _ARTICLE.search(words):
        weight += 25.0
    tag = node.tag
    if tag in ("article", "main"):
        weight += 10.0
    return weight


def _in_thread(el: etree._Element, memo: dict[etree._Element, bool]) -> bool:
    """True when ``el`` or an ancestor is a comment thread or a list of other stories: however
    much prose those hold (a long reader comment), they are never the article."""
    path: list[etree._Element] = []
    node: etree._Element | None = el
    found = False
    while node is not None:
        known = memo.get(node)
        if known is not None:
            found = known
            break
        path.append(node)
        if node.keys() and is_always_furniture(node):
            found = True
            break
        node = node.getparent()
    for seen in path:
        memo[seen] = found
    return found


def _final_scores(scores: dict[etree._Element, float]) -> dict[etree._Element, float]:
    memo: dict[etree._Element, bool] = {}
    return {el: (score + _weight(el)) * (1.0 - link_density(el)) for el, score in scores.items()
            if not _in_thread(el, memo)}


def _sole_wrapper(best: etree._Element, body: etree._Element) -> etree._Element:
    """Climb from ``best`` while its parent holds (nearly) nothing else: the siblings worth
    joining sit next to the outermost wrapper, not next to the inner one."""
    size = len(text_content(best))
    parent = best.getparent()
    while parent is not None and parent is not body and len(text_content(parent)) <= size * 1.1 + 20:
        best, parent = parent, parent.getparent()
    return best


def _joins(sib: etree._Element) -> bool:
    """A sibling of the best container that reads like more of the same article text."""
    tag = sib.tag
    if not isinstance(tag, str) or tag in _NOT_TEXT or (sib.keys() and (is_boilerplate(sib) or is_hidden(sib))):
        return False
    size = len(text_content(sib).strip())
    if size <= 80 or link_density(sib) >= 0.25 or next(sib.iter("h1"), None) is not None:
        return False
    return _SENTENCE_END.search(text_content(sib)) is not None


def _with_siblings(best: etree._Element, final: dict[etree._Element, float]) -> list[etree._Element]:
    """``best`` and the siblings that score nearly as well, or read like plain text paragraphs."""
    parent = best.getparent()
    if parent is None:
        return [best]
    threshold = max(10.0, final.get(best, 0.0) * 0.2)
    return [sib for sib in parent if sib is best or (_joins(sib) or final.get(sib, 0.0) >= threshold
                                                      and next(sib.iter("h1"), None) is None)]


def page_body(el: etree._Element) -> etree._Element:
    """The ``<body>`` of ``el``'s document (the root element when there is none)."""
    doc = el.getroottree().getroot()
    if doc is None:
        return el
    body = body_of(doc)
    return doc if body is None else body


def article_roots(tree: etree._Element) -> list[etree._Element]:
    """The elements that hold the article's text, in document order (the body when nothing scores)."""
    doc = tree.getroottree().getroot()
    if doc is None:
        return [tree]
    found = _itemprop_roots(doc)
    if found:
        return found
    body = body_of(doc)
    if body is None:
        body = doc
    scores = _paragraph_scores(body)
    if not scores:
        return [body]
    final = _final_scores(scores)
    if not final:
        return [body]
    best = max(final, key=final.__getitem__)
    return _with_siblings(_sole_wrapper(best, body), final)
