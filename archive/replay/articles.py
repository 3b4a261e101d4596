"""The articles a researcher will want to open: from a bag's metadata records, or, for WARCs
without them, every HTML page answered with 200 (what CONTRACTS.md calls article candidates)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from archive.errors import WarcReadError
from archive.records import iter_records
from archive.replay.cdxj import timestamp14
from archive.replay.lookup import SortedIndex
from archive.replay.sources import Source

__all__ = ["Article", "find_articles"]

_HTML = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Article:
    url: str
    timestamp: str  # 14 digits, as in replay URLs
    title: str | None = None

    @property
    def capture_time(self) -> str:
        t = self.timestamp
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}:{t[12:14]} UTC"


def _from_metadata(source: Source) -> Iterator[Article]:
    for doc in source.metadata_records():
        prov = doc.get("provenance")
        prov = prov if isinstance(prov, dict) else {}
        warc = prov.get("warc")
        warc = warc if isinstance(warc, dict) else {}
        # The record's own `url` may be the page's canonical link; the archived one is the target.
        url = warc.get("targetUri") or doc.get("url")
        if not isinstance(url, str) or not url:
            continue
        headline = doc.get("headline") if isinstance(doc.get("headline"), str) else None
        yield Article(url, timestamp14(str(prov.get("captureTime") or "")), headline)


def _from_index(source: Source) -> Iterator[Article]:
    assert source.index is not None
    with SortedIndex(source.index) as index:
        for entry in index:
            if entry.status == 200 and entry.mime in _HTML:
                yield Article(entry.url, entry.timestamp)


def _from_warcs(source: Source, errors: list[WarcReadError] | None) -> Iterator[Article]:
    for warc in source.warcs:
        for record in iter_records(warc, errors=errors):
            info = record.info
            if info.rec_type == "response" and info.status == 200 and info.mime in _HTML and info.target_uri:
                yield Article(info.target_uri, timestamp14(info.date))


def find_articles(sources: Sequence[Source], *, errors: list[WarcReadError] | None = None) -> list[Article]:
    """The articles of every source, each URL and time once, in the order found."""
    seen: set[tuple[str, str]] = set()
    out: list[Article] = []
    for source in sources:
        if source.metadata:
            found: Iterator[Article] = _from_metadata(source)
        elif source.index is not None:
            found = _from_index(source)
        else:
            found = _from_warcs(source, errors)
        for article in found:
            if (article.url, article.timestamp) not in seen:
                seen.add((article.url, article.timestamp))
                out.append(article)
    return out
