"""Editorial snapshots of the articles just captured, read back from their WARCs.

One pass over the run's WARCs: the article pages the records point to (their provenance) are
parsed for the body blocks, and every archived image's payload digest is noted, so a photo is
known by its bytes, not its URL. As everywhere, what is compared is what the archive holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree

from archive.errors import ArchiveError
from archive.extract.decode import MAX_DECODED, decode_body
from archive.extract.parse import parse_html
from archive.records import WarcRecord, iter_records
from archive.versions.body import article_blocks
from archive.versions.snapshot import Snapshot, snapshot_of

Record = Mapping[str, object]


def _page_position(record: Record) -> tuple[str, int] | None:
    """(WARC file name, offset) of the response holding the record's page (a revisit's original)."""
    prov = record.get("provenance")
    warc = prov.get("warc") if isinstance(prov, Mapping) else None
    if not isinstance(warc, Mapping):
        return None
    where = warc.get("refersTo") if isinstance(warc.get("refersTo"), Mapping) else warc
    assert isinstance(where, Mapping)
    offset = where.get("offset")
    return (str(where.get("filename")), offset) if isinstance(offset, int) else None


def _parse(rec: WarcRecord) -> etree._Element | None:
    body = rec.payload().read(MAX_DECODED + 1)
    if len(body) > MAX_DECODED:
        return None
    try:
        return parse_html(decode_body(body, rec.info.http_headers or ()).text)
    except ArchiveError:
        return None  # the record was extracted from it; a page we cannot re-read has no body text


def _has_body(record: Record) -> bool:
    body = record.get("articleBody")
    return isinstance(body, str) and bool(body.strip())


def _is_image(rec: WarcRecord) -> bool:
    mime = (rec.info.http_header("content-type") or rec.info.mime or "").lower()
    return rec.info.rec_type in ("response", "revisit") and mime.startswith("image/")


def read_snapshots(warcs: Sequence[Path], records: Sequence[Record]) -> list[Snapshot]:
    """One snapshot per record, in order. Unreadable WARC parts give what could be read."""
    # Pages are parsed again only for records without an articleBody (made before it existed).
    wanted = {pos: n for n, r in enumerate(records)
              if not _has_body(r) and (pos := _page_position(r)) is not None}
    pages: dict[int, etree._Element | None] = {}
    digests: dict[str, str] = {}
    for path in warcs:
        errors: list[object] = []
        for rec in iter_records(Path(path), errors=errors, payloads={"response"}):  # type: ignore[arg-type]
            info = rec.info
            if _is_image(rec) and info.target_uri and info.payload_digest:
                digests[info.target_uri] = info.payload_digest
            n = wanted.get((info.warc.name, info.offset))
            if n is not None and info.rec_type == "response":
                pages[n] = _parse(rec)
    return [snapshot_of(r, article_blocks(r, pages.get(n)), digests) for n, r in enumerate(records)]
