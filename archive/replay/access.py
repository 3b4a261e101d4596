"""Access tools for researchers: what a bag or WARC holds, and the archived bytes of one URL.

Everything streams: records are read one at a time through :func:`archive.records.iter_records`,
and a payload goes to the caller's stream in 64 KiB chunks (decoded of its Content-Encoding on
request) without ever being held whole. Broken WARCs are read up to the break; the
:class:`WarcReadError` (file, offset, reason) is collected in the caller's ``errors`` list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from archive.content import DEFAULT_DECODED_LIMIT, decode_stream
from archive.errors import ArchiveError, WarcReadError
from archive.records import RecordInfo, iter_records
from archive.replay.cdxj import cdxj_key, timestamp14
from archive.replay.lookup import SortedIndex
from archive.replay.sources import Source

__all__ = ["Capture", "ListedRecord", "find_capture", "list_records", "write_payload"]

LISTED_TYPES = frozenset({"response", "revisit", "resource", "metadata"})
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ListedRecord:
    """One row of ``archive list``. ``size`` is the payload size in bytes (None for a revisit)."""

    url: str
    status: int | None
    mime: str | None
    size: int | None
    timestamp: str
    rec_type: str
    warc: Path
    offset: int


def _payload_size(stream: BinaryIO) -> int:
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
    return total


def list_records(sources: Sequence[Source], *, all_types: bool = False,
                 errors: list[WarcReadError] | None = None) -> Iterator[ListedRecord]:
    """Every captured record (responses, revisits, resources, metadata; all with ``all_types``)."""
    for source in sources:
        for warc in source.warcs:
            for record in iter_records(warc, errors=errors):
                info = record.info
                if not all_types and info.rec_type not in LISTED_TYPES:
                    continue
                size: int | None = None
                if info.rec_type != "revisit":
                    try:
                        size = _payload_size(record.payload())
                    except WarcReadError as exc:
                        if errors is None:
                            raise
                        errors.append(exc)
                # ARC records name their URL and date in the ARC header line ("uri", "archive-date").
                url = info.target_uri or info.header("uri") or ""
                date = info.date or info.header("archive-date")
                yield ListedRecord(url, info.status, info.mime, size, timestamp14(date), info.rec_type,
                                   warc, info.offset)


@dataclass(frozen=True)
class Capture:
    """The record chosen for a URL and, for a revisit, the record that holds its payload."""

    record: RecordInfo
    payload_from: RecordInfo

    @property
    def content_encoding(self) -> str | None:
        # A revisit with HTTP headers has its own; else the original's headers apply.
        return self.record.http_header("content-encoding") or self.payload_from.http_header("content-encoding")


_RANK = {"response": 3, "resource": 3, "revisit": 2, "metadata": 0}


def _files_to_scan(source: Source, key: str) -> list[Path]:
    """The WARCs of ``source`` that may hold ``key``: all of them without an index; with one,
    only the files its index names for the key (all when a revisit needs its original)."""
    if source.index is None:
        return list(source.warcs)
    with SortedIndex(source.index) as index:
        hits = list(index.lookup_key(key))
    if not hits:
        return []
    if any(hit.mime == "warc/revisit" for hit in hits):
        return list(source.warcs)
    names = {hit.filename for hit in hits}
    return [w for w in source.warcs if w.relative_to(source.warc_root).as_posix() in names]


def _scan(files: Sequence[Path], key: str, errors: list[WarcReadError] | None
          ) -> tuple[list[RecordInfo], dict[str, RecordInfo]]:
    matches: list[RecordInfo] = []
    by_digest: dict[str, RecordInfo] = {}
    for warc in files:
        for record in iter_records(warc, errors=errors):
            info = record.info
            if info.rec_type in ("response", "resource") and info.payload_digest:
                by_digest.setdefault(info.payload_digest, info)
            if info.rec_type in _RANK and info.target_uri and cdxj_key(info.target_uri) == key:
                matches.append(info)
    return matches, by_digest


def find_capture(sources: Sequence[Source], url: str, *, timestamp: str | None = None,
                 errors: list[WarcReadError] | None = None) -> Capture:
    """The capture of ``url`` (matched as pywb does, by SURT key) nearest ``timestamp``, or the
    latest; a response or resource wins over the project's metadata record for the same URL.

    A bag's index (binary search, :mod:`archive.replay.lookup`) narrows the WARCs read to those
    holding the URL. Raises :class:`ArchiveError` when nothing was captured for ``url`` or when a
    revisit's original is not in the inputs.
    """
    key = cdxj_key(url)
    files = [w for source in sources for w in _files_to_scan(source, key)]
    matches, by_digest = _scan(files, key, errors)
    if not matches:
        raise ArchiveError(f"nothing was captured for {url}",
                           hint="`archive list` shows every captured URL")
    best_rank = max(_RANK[m.rec_type] for m in matches)
    ranked = [m for m in matches if _RANK[m.rec_type] == best_rank]
    if timestamp:
        want = int((timestamp + "0" * 14)[:14])
        chosen = min(ranked, key=lambda m: (abs(int(timestamp14(m.date)) - want), -int(timestamp14(m.date))))
    else:
        chosen = max(ranked, key=lambda m: timestamp14(m.date))
    if chosen.rec_type != "revisit":
        return Capture(chosen, chosen)
    original = by_digest.get(chosen.payload_digest or "")
    if original is None:  # the original may be in another input: look everywhere
        scanned = set(files)
        rest = [w for source in sources for w in source.warcs if w not in scanned]
        original = _scan(rest, key, errors)[1].get(chosen.payload_digest or "")
    if original is None:
        raise ArchiveError(f"{url} was archived as a revisit of {chosen.refers_to_uri or 'an earlier capture'} "
                           f"({chosen.payload_digest}), which is not in the given inputs",
                           hint="pass the bag or WARC holding the original capture as well")
    return Capture(chosen, original)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def write_payload(capture: Capture, out: IO[bytes], *, decode: bool = False) -> int:
    """Stream the payload of ``capture`` to ``out`` (the caller owns it); the bytes written.

    With ``decode`` the Content-Encoding (gzip, deflate, br) is undone; a body that inflates past
    200 times its stored size (and 64 MiB) is refused as a likely decompression bomb.
    """
    info = capture.payload_from
    for record in iter_records(info.warc):
        if record.info.offset != info.offset:
            continue
        chunks: Iterator[bytes] = _chunks(record.payload())
        if decode and capture.content_encoding:
            limit = max(DEFAULT_DECODED_LIMIT, 200 * info.length)
            chunks = decode_stream(chunks, capture.content_encoding, limit=limit)
        written = 0
        for chunk in chunks:
            out.write(chunk)
            written += len(chunk)
        return written
    raise ArchiveError(f"{info.warc}: no record at offset {info.offset} any more",
                       hint="the file changed since it was read; run the command again")
