"""Assemble the NewsArticle record: each field from the best source that has it, with provenance."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

import archive
from archive.errors import ArchiveError, ExtractError
from archive.extract import headline, heuristics, images, jsonld, meta, microdata, pagedates
from archive.extract import values as v
from archive.extract.body import record_fields as body_fields
from archive.extract.decode import decode_body
from archive.extract.parse import absolute, base_url, body_of, parse_html

# Order of the record's keys (stable JSON output, easier diffs between runs).
FIELDS = (
    "headline", "alternativeHeadline", "description", "author", "publisher", "datePublished", "dateModified",
    "inLanguage", "contentLocation", "dateline", "articleSection", "keywords", "image", "wordCount",
    "mainEntityOfPage", "workTranslation", "translationOfWork", "sameAs", "license", "copyrightNotice",
)
_PLAIN_FIELDS = frozenset(FIELDS) - {"inLanguage"}  # inLanguage has its own precedence
_KEY_ORDER = ("@context", "@type", *FIELDS, "articleBody", "hasPart", "url", "provenance")


def _merge_images(chosen: list[dict[str, str]], page: list[dict[str, str]]) -> list[dict[str, str]]:
    """Structured images first, then the page's own; captions and credits filled from the page."""
    by_url = {img["url"]: img for img in page}
    out = []
    for img in chosen:
        extra = by_url.get(img["url"], {})
        out.append({**{k: val for k, val in extra.items()}, **img})
    known = {img["url"] for img in out}
    out.extend(img for img in page if img["url"] not in known)
    return out


def _strip_suffix(title: str, site: str | None, url: str = "", title_suffix: str | None = None) -> str:
    """``Headline | Site`` -> ``Headline`` when the segment names the site: its name, the
    ``<title>``'s site segment, or the host (``| homify`` on homify.de, ``BMAS - `` on bmas.de)."""
    if site:
        head, suffix = heuristics.title_parts(title, site)
        if suffix and suffix.lower() == site.lower():
            return head
    parts = heuristics.split_title(title)
    if len(parts) < 2:
        return title
    host = "".join(ch for ch in (urlsplit(url).hostname or "").lower() if ch.isalnum())
    names = {n.casefold() for n in (site, title_suffix) if n}

    def is_site(part: str) -> bool:
        squashed = "".join(ch for ch in part.casefold() if ch.isalnum())
        if part.casefold() in names:
            return True
        return len(squashed) >= 3 and bool(host) and (squashed in host or any(
            len(label) >= 4 and label in squashed for label in (urlsplit(url).hostname or "").lower().split(".")[:-1]
            if label not in ("www", "blog", "news")))

    # Cut at the separator itself, so the headline keeps its own dashes and bars.
    seps = list(heuristics.title_separators(title))
    if is_site(parts[-1]):
        return title[:seps[-1].start()].strip()
    if is_site(parts[0]):
        return title[seps[0].end():].strip()
    return title


# Names that are an organisation or an account, not a person: a legal form, a domain, a login.
_NOT_PERSON = re.compile(r"(?i)\b(?:gmbh|ag|inc|ltd|llc|verlag|redaktion|editorial team)\b|\be\.\s?v\.|\bs\.a\.|"
                         r"\w\.(?:com|de|at|ch|org|net|it|fr|es|info)\b|^[a-z0-9]+(?:[._][a-z0-9]+)+$|^[a-z]{12,}$")


def _organisation_only(authors: list[dict[str, str]], site: str | None, url: str) -> bool:
    """True when every structured author is the publication itself (an Organization, the site
    name, the site's domain) or an account name (``christian.stadtfeld``): the person the page
    names in its byline is then the better answer."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    for agent in authors:
        name = agent.get("name", "").casefold()
        if agent.get("@type") == "Organization" or (site and name == site.casefold()):
            continue
        if _NOT_PERSON.search(agent.get("name", "")):
            continue
        squashed = name.replace(" ", "").removeprefix("www.")
        if host and (squashed in host or host.split(".")[0] in squashed or "www." in name):
            continue
        return False
    return True


def _prefer_displayed(record: dict[str, object], fields: dict[str, str], displayed: str | None, title: str) -> None:
    """The headline is the one the page shows (what a reader and a citation see); a different
    headline in the structured data is kept as ``alternativeHeadline`` (see the schema)."""
    chosen = record.get("headline")
    if not displayed or not isinstance(chosen, str) or fields.get("headline") == "heuristic":
        return
    if displayed.casefold() == chosen.casefold():
        return
    if headline.is_furniture_heading(displayed, chosen, title):
        return
    displayed = headline.kicker_free(displayed, chosen) or displayed
    if displayed.casefold() == chosen.casefold():
        return
    if "alternativeHeadline" not in record:
        record["alternativeHeadline"], fields["alternativeHeadline"] = chosen, fields["headline"]
    record["headline"], fields["headline"] = displayed, "heuristic"


_UTC = ("Z", "+00:00")


def _published(sources: list[tuple[str, v.Found]], value: str, source: str) -> tuple[str, str]:
    """Among the sources' publication dates, the one to keep.

    - ``article:published_time`` outranks article microdata, which often carries the date an
      article was republished or moved;
    - a date written in UTC loses to the same moment written in the publisher's own time zone
      (``2023-11-09T06:35Z`` vs ``2023-11-08T22:35-08:00``): readers and citations use the local day.
    """
    dates = [(src, str(found["datePublished"])) for src, found in sources if found.get("datePublished")]
    if source == "microdata":
        og = next((d for src, d in dates if src == "opengraph"), None)
        if og:
            value, source = og, "opengraph"
    if value.endswith(_UTC) and "T" in value:
        moment = _instant(value)
        for src, other in dates:
            if other[:10] == value[:10] or "T" not in other or other.endswith(_UTC):
                continue
            when = _instant(other)
            if moment is None:
                break
            if when is not None and abs((when - moment).total_seconds()) <= 60:
                return other, src
            if when is None and _local_of(other, moment):
                return other, src
    return value, source


def _local_of(naive: str, moment: datetime) -> bool:
    """True when the zone-less ``naive`` is ``moment`` on some wall clock (a whole quarter-hour
    offset of at most 14 hours): the same publication, written in local time."""
    try:
        wall = datetime.fromisoformat(naive)
    except ValueError:
        return False
    if wall.tzinfo is not None:
        return False
    shift = (wall - moment.replace(tzinfo=None)).total_seconds()
    return shift != 0 and abs(shift) <= 14 * 3600 and shift % 900 == 0


def _instant(value: str) -> datetime | None:
    try:
        got = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return got if got.tzinfo is not None else None


def _local_day(value: str, source: str, url: str) -> tuple[str, str]:
    """A dated permalink (``/2023/11/08/``) names the day in the publisher's own calendar; a
    structured date one day off is the same moment written in UTC (``2023-11-09T01:09Z``)."""
    from_url = pagedates.url_date(url)
    if from_url is None or value[:10] == from_url:
        return value, source
    try:
        days = abs((date.fromisoformat(value[:10]) - date.fromisoformat(from_url)).days)
    except ValueError:
        return value, source
    return (from_url, "url") if days == 1 else (value, source)


def _editions(page: meta.PageMeta, url: str, own_lang: str | None) -> dict[str, Any]:
    """hreflang alternates -> workTranslation, or translationOfWork when ``x-default`` is elsewhere."""
    if not page.alternates:
        return {}  # most pages: nothing below could produce a value
    own = {url.rstrip("/"), (page.canonical or url).rstrip("/")}
    default = next((href for lang, href in page.alternates if lang.lower() == "x-default"), None)
    langs = {href: v.language(lang) for lang, href in page.alternates if lang.lower() != "x-default"}
    others = [{"@type": "CreativeWork", "url": href, "inLanguage": lang}
              for href, lang in langs.items() if lang and href.rstrip("/") not in own and (lang != own_lang or not own_lang)]
    if default and default.rstrip("/") not in own:
        original = {"@type": "CreativeWork", "url": default}
        if langs.get(default):
            original["inLanguage"] = langs[default]  # type: ignore[assignment]
        siblings = [o["url"] for o in others if o["url"] != default]
        result: dict[str, Any] = {"translationOfWork": original}
        if siblings:
            result["sameAs"] = siblings  # sibling translations: related, not translations of this page
        return result
    return {"workTranslation": others} if others else {}


def build(
    doc: etree._Element, *, url: str, headers: Sequence[tuple[str, str]], provenance: Mapping[str, object] | None
) -> dict[str, object]:
    """The NewsArticle record of a parsed page: each field from the first source that has it
    (JSON-LD, microdata, OpenGraph, meta tags, then what the page visibly shows), and in its
    provenance block which source each field came from."""
    base = base_url(doc, url)
    page = meta.extract(doc, base, headers)
    sources: list[tuple[str, v.Found]] = [
        ("json-ld", jsonld.extract(doc, base)),
        ("microdata", microdata.extract(doc, base)),
        ("opengraph", page.opengraph),
        ("meta", page.twitter),
        ("meta", page.meta),
    ]
    site = next((f["publisher"]["name"] for _, f in sources if "publisher" in f), None)
    memo = heuristics.Memo()  # chrome verdicts, shared by every scan of this document
    root = heuristics.main_root(doc, memo)
    org_author = _organisation_author(sources, site, url)
    visible = heuristics.extract(doc, root, site, _needed(sources, org_author), memo, url)
    if visible.title_suffix and site is None:
        visible.found["publisher"] = {"@type": "Organization", "name": visible.title_suffix}
    sources.append(("heuristic", visible.found))
    record: dict[str, object] = {"@context": "https://schema.org", "@type": "NewsArticle"}
    fields: dict[str, str] = {}
    _choose_fields(record, fields, sources, _language(sources, page), (site, url, visible.title_suffix))
    _prefer_displayed(record, fields, visible.displayed, visible.title)
    if org_author and visible.found.get("author"):
        record["author"], fields["author"] = visible.found["author"], "heuristic"
    _add_images(record, fields, images.extract(_image_scope(doc, root), base, memo))
    _add_page_fields(record, fields, page, url)
    for key, value in body_fields(doc).items():  # articleBody and its subheading/caption marks
        record[key], fields[key] = value, "heuristic"
    record["url"] = url
    fields["url"] = "warc" if provenance and "warc" in provenance else "input"
    record["provenance"] = _provenance_block(fields, provenance)
    return {k: record[k] for k in _KEY_ORDER if k in record}


def _organisation_author(sources: Sequence[tuple[str, v.Found]], site: str | None, url: str) -> bool:
    """Whether the structured author is only the publishing organisation (then the page's own
    byline is looked for)."""
    structured_author = next((f["author"] for _, f in sources if f.get("author")), None)
    return structured_author is not None and _organisation_only(structured_author, site, url)


def _needed(sources: Sequence[tuple[str, v.Found]], org_author: bool) -> frozenset[str]:
    """The fields the visible-page heuristics must look for: those no structured source gave."""
    have = {key for _, found in sources for key in found}
    # contentLocation/dateline come with the date scan; wordCount is always measured; the
    # publisher falls back to the <title>'s site-name suffix.
    need = frozenset(f for f in ("headline", "author", "datePublished", "description", "contentLocation", "wordCount",
                                 "publisher")
                     if f not in have or f == "contentLocation" and "dateline" not in have) | {"displayed"}
    return need | {"author"} if org_author else need  # with org_author: look for the person the page names


def _language(sources: Sequence[tuple[str, v.Found]], page: meta.PageMeta) -> tuple[object, str] | None:
    """The page's language and its source. The html element's own lang outranks og:locale,
    which CMSs often leave at en_US."""
    candidates = [("json-ld", sources[0][1].get("inLanguage")), ("microdata", sources[1][1].get("inLanguage")),
                  ("meta", page.html_lang), ("opengraph", page.opengraph.get("inLanguage")),
                  ("meta", page.meta.get("inLanguage")), ("http-header", page.http_lang)]
    return next(((lang, source) for source, lang in candidates if lang), None)


def _choose_fields(record: dict[str, object], fields: dict[str, str], sources: list[tuple[str, v.Found]],
                   language: tuple[object, str] | None, page: tuple[str | None, str, str | None]) -> None:
    """Each field from the first source that has it, in FIELDS order. ``page`` is the site name,
    the URL and the title's site-name suffix (to clean the headline and the date)."""
    site, url, title_suffix = page
    # One pass over what the sources found (a few dozen values), not a lookup of every field
    # in every source.
    best: dict[str, tuple[object, str]] = {}
    for source, found in sources:
        for name, value in found.items():
            if name not in best and name in _PLAIN_FIELDS and value not in v.EMPTY:
                best[name] = (value, source)
    if language is not None:
        best["inLanguage"] = language
    for name in FIELDS:
        if name not in best:
            continue
        value, source = best[name]
        if name == "headline" and source != "heuristic":
            value = _strip_suffix(str(value), site, url, title_suffix)
        if name == "datePublished":
            value, source = _published(sources, str(value), source)
            value, source = _local_day(str(value), source, url)
        record[name], fields[name] = value, source


def _image_scope(doc: etree._Element, root: etree._Element) -> etree._Element:
    """Where the article's images are looked for. Without <article>/<main> the text-density
    root is a guess; images just outside it (a photo above the text block) are still article
    images, so look in the whole body then."""
    semantic = root.tag in ("article", "main") or (root.get("role") or "").lower() == "main"
    body = body_of(doc)
    return root if semantic else (body if body is not None else root)


def _add_images(record: dict[str, object], fields: dict[str, str], page_images: list[dict[str, str]]) -> None:
    if page_images:
        chosen = record.get("image")
        record["image"] = _merge_images(chosen if isinstance(chosen, list) else [], page_images)
        fields.setdefault("image", "heuristic")


def _add_page_fields(record: dict[str, object], fields: dict[str, str], page: meta.PageMeta, url: str) -> None:
    """Fields only the page's <link> and <meta> elements give: canonical URL, licence, editions."""
    if page.canonical:
        record["mainEntityOfPage"], fields["mainEntityOfPage"] = page.canonical, "meta"
    if page.license and "license" not in record:
        record["license"], fields["license"] = page.license, "meta"
    for key, value in _editions(page, url, record.get("inLanguage")).items():  # type: ignore[arg-type]
        record[key], fields[key] = value, "meta"


def _provenance_block(fields: dict[str, str], given: Mapping[str, object] | None) -> dict[str, object]:
    prov: dict[str, object] = {"fields": fields}
    for key, value in (given or {}).items():
        if key != "fields":
            prov[key] = value
    prov["extractor"] = {"name": "news-archive", "version": archive.__version__}
    return prov


def extract_html(
    body: bytes,
    *,
    url: str,
    headers: Sequence[tuple[str, str]] = (),
    provenance: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """One NewsArticle record from a raw HTTP payload (content-encoded as archived).

    Raises ExtractError (decompression bomb, corrupt compressed body, unusable URL); malformed
    HTML is not an error, it yields what can be read.
    """
    if absolute(url, url) is None:
        raise ExtractError(f"cannot extract {url!r}: not an absolute http(s) URL", hint="pass the page's archived URL")
    try:
        decoded = decode_body(body, headers)
        doc = parse_html(decoded.text)
        return build(doc, url=url, headers=headers, provenance=provenance)
    except ArchiveError:
        raise
    except (ValueError, TypeError, LookupError, RecursionError, etree.LxmlError) as exc:
        # Third-party and parser failures on hostile input, translated at the boundary.
        raise ExtractError(f"{url}: could not extract metadata: {type(exc).__name__}: {exc}",
                           hint="the page is kept in the WARC; report this page as a bug") from exc
