"""A per-source Atom feed of detected edits, and a diff page per edit, next to the bags.

``OUT/<source>.edits.atom`` lists the source's latest changed and gone versions (newest first):
what changed, when, links to both versions' records and to ``OUT/diffs/<...>.html``. Rewritten
atomically after each run from the version index, so it is always whole and always current.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from lxml import etree

from archive import SOFTWARE
from archive.atomic import atomic_write
from archive.versions.diff import diff
from archive.versions.index import Version, VersionIndex
from archive.versions.render import as_html

ATOM = "http://www.w3.org/2005/Atom"
DIFFS_DIR = "diffs"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:80] or "default"


def feed_path(out: Path, source: str | None) -> Path:
    return Path(out) / f"{_slug(source or 'default')}.edits.atom"


def diff_page(version: Version) -> str:
    """The diff page of a version, relative to the output folder."""
    return f"{DIFFS_DIR}/{_slug(version.url)}-v{version.seq}.html"


def write_diff_pages(out: Path, index: VersionIndex, urls: Sequence[str]) -> list[Path]:
    """Write the HTML diff of each URL's latest version against the one before (if both have content)."""
    written = []
    for url in urls:
        versions = index.versions(url)
        if len(versions) < 2 or versions[-1].snapshot is None:
            continue
        new = versions[-1]
        assert new.snapshot is not None
        old = next((v for v in reversed(versions[:-1]) if v.snapshot is not None), None)
        if old is None or old.snapshot is None:
            continue
        path = Path(out) / diff_page(new)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as fh:
            fh.write(as_html(url, old, new, diff(old.snapshot, new.snapshot), Path(out)).encode("utf-8"))
        written.append(path)
    return written


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrib=attrs)
    if text is not None:
        el.text = text
    return el


def _entry(feed: etree._Element, v: Version, before: Version | None) -> None:
    entry = _sub(feed, "entry")
    headline = v.snapshot.headline if v.snapshot else ""
    verb = "Gone" if v.outcome == "gone" else "Edited"
    _sub(entry, "title", f"{verb}: {headline or v.url}")
    _sub(entry, "id", f"tag:news-archive,2026:{quote(v.url, safe='')}:v{v.seq}")
    _sub(entry, "updated", _rfc3339(v.at))
    _sub(entry, "link", href=v.url, rel="related")
    if v.record:
        _sub(entry, "link", href=v.record, rel="alternate", type="application/ld+json", title=f"version {v.seq} record")
    if before is not None and before.record:
        _sub(entry, "link", href=before.record, rel="via", type="application/ld+json",
             title=f"version {before.seq} record (before)")
    if v.outcome != "gone":
        _sub(entry, "link", href=diff_page(v), rel="alternate", type="text/html", title="what changed")
    _sub(entry, "summary", v.summary)


def _before(index: VersionIndex, version: Version) -> Version | None:
    earlier = [v for v in index.versions(version.url) if v.seq < version.seq and v.record]
    return earlier[-1] if earlier else None


def _rfc3339(at: str) -> str:
    return at.replace("+00:00", "Z") if "T" in at else at


def write_feed(out: Path, source: str | None, index: VersionIndex, limit: int = 100) -> Path:
    """(Re)write the source's edits feed from the index; returns its path."""
    recent = index.recent(source, limit)
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})  # type: ignore[dict-item]  # lxml: None is the default namespace
    _sub(feed, "title", f"Edits detected in {source or 'captured articles'}")
    _sub(feed, "id", f"tag:news-archive,2026:edits:{quote(source or 'default', safe='')}")
    _sub(feed, "updated", _rfc3339(recent[0].at) if recent else "1970-01-01T00:00:00Z")
    _sub(feed, "generator", SOFTWARE)
    for version in recent:
        _entry(feed, version, _before(index, version))
    path = feed_path(out, source)
    with atomic_write(path) as fh:
        fh.write(etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True))
    return path
