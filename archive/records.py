"""The project's one WARC reader: warcio's ArchiveIterator behind a typed, error-translating API.

Every stage that reads WARCs back (extraction, packaging, indexing, validation) goes through
``iter_records`` so that broken files are reported the same way everywhere: the readable records
are yielded, then a single ``WarcReadError`` names the file and the byte offset of the break.

Whole-file gzip (one gzip member for many records, which warcio refuses with "non-chunked gzip")
is read through a streaming ``gzip`` decompressor instead. For such files ``offset``/``length``
are positions in the *decompressed* stream, since no on-disk offset of a record exists there.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import tempfile
import zlib
from collections.abc import Container, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator, UnseekableYetTellable
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParserException

from archive.errors import WarcReadError

__all__ = ["RecordInfo", "WarcRecord", "iter_records"]

_RECOMPRESS_HINT = "the readable records were kept; `warcio recompress IN OUT` may recover the rest"
_NON_CHUNKED = "non-chunked gzip"


@dataclass(frozen=True)
class RecordInfo:
    """Everything about one WARC record except its payload bytes."""

    warc: Path
    offset: int
    length: int
    rec_type: str
    record_id: str | None
    target_uri: str | None
    date: str | None
    status: int | None
    mime: str | None
    payload_digest: str | None
    concurrent_to: tuple[str, ...]
    refers_to_uri: str | None
    refers_to_date: str | None
    warc_headers: tuple[tuple[str, str], ...]
    http_headers: tuple[tuple[str, str], ...] | None

    def header(self, name: str) -> str | None:
        """First WARC header called ``name`` (case-insensitive), or None."""
        low = name.lower()
        return next((v for k, v in self.warc_headers if k.lower() == low), None)

    def http_header(self, name: str) -> str | None:
        """First HTTP header called ``name`` (case-insensitive), or None."""
        low = name.lower()
        return next((v for k, v in self.http_headers or () if k.lower() == low), None)


class _SafeStream:
    """Payload stream that turns decompression/framing errors into ``WarcReadError``."""

    def __init__(self, inner: Any, path: Path, offset: int) -> None:
        self._inner = inner
        self._path = path
        self._offset = offset

    def read(self, size: int = -1) -> bytes:
        try:
            # warcio's BufferedReader reads everything on None but nothing on -1
            data = self._inner.read(size) if size is not None and size >= 0 else self._inner.read()
        except (OSError, EOFError, ValueError, zlib.error, ArchiveLoadFailed) as exc:
            raise WarcReadError(str(self._path), self._offset, f"record payload unreadable: {exc}") from exc
        return bytes(data or b"")

    def readable(self) -> bool:
        return True

    def close(self) -> None:  # the iterator owns the underlying stream
        return None


class WarcRecord:
    """A record's ``info`` plus its payload stream, valid only until the iterator advances."""

    __slots__ = ("info", "_body", "_chunked", "_start")

    def __init__(self, info: RecordInfo, body: BinaryIO | None, chunked: bool, start: int = 0) -> None:
        self.info = info
        self._body = body
        self._chunked = chunked
        self._start = start  # where the payload begins in ``body`` (after HTTP headers we parsed)

    def payload(self) -> BinaryIO:
        """HTTP body (or the block of a non-HTTP record), de-chunked but NOT content-decoded.

        Content-Encoding (gzip, br) is left as stored, because the caller decides how to
        decode, bound and report it. The stream belongs to the iterator: read it before
        asking for the next record.
        """
        if self._body is None:
            raise RuntimeError(f"payload of this {self.info.rec_type} record was not kept (see iter_records' payloads)")
        self._body.seek(self._start)
        raw: Any = self._body
        if self._chunked:
            raw = ChunkedDataReader(raw, decomp_type=None)
        return _SafeStream(raw, self.info.warc, self.info.offset)  # type: ignore[return-value]


def _info(path: Path, rec: Any, offset: int, length: int) -> RecordInfo:
    wh = rec.rec_headers
    http = rec.http_headers
    status: int | None = None
    mime: str | None = None
    http_pairs: tuple[tuple[str, str], ...] | None = None
    if http is not None:
        http_pairs = tuple((str(k), str(v)) for k, v in http.headers)
    if rec.rec_type in ("response", "revisit") and http is not None:
        code = (http.get_statuscode() or "").strip()
        status = int(code) if code.isdigit() else None
        ctype = http.get_header("content-type")
    else:
        ctype = wh.get_header("content-type")
    if ctype:
        mime = ctype.split(";", 1)[0].strip().lower() or None
    concurrent = tuple(v for k, v in wh.headers if k.lower() == "warc-concurrent-to")
    return RecordInfo(
        warc=path,
        offset=offset,
        length=length,
        rec_type=str(rec.rec_type or ""),
        record_id=wh.get_header("warc-record-id"),
        target_uri=rec.rec_headers.get_header("warc-target-uri"),
        date=wh.get_header("warc-date"),
        status=status,
        mime=mime,
        payload_digest=wh.get_header("warc-payload-digest"),
        concurrent_to=concurrent,
        refers_to_uri=wh.get_header("warc-refers-to-target-uri"),
        refers_to_date=wh.get_header("warc-refers-to-date"),
        warc_headers=tuple((str(k), str(v)) for k, v in wh.headers),
        http_headers=http_pairs,
    )


class _Position:
    """Where the reader is, so an error can name the offset where the file broke."""

    def __init__(self) -> None:
        self.offset = 0
        self.count = 0


# Payloads are spooled (memory up to this size, then a temporary file) because warcio only
# knows a record's on-disk length after reading past it, and RecordInfo must carry it.
_SPOOL_MAX = 8 * 1024 * 1024


class _Collect(logging.Filter):
    """Takes warcio's warnings about the record being read off the log, to report them as ours."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.messages.append(record.getMessage())
        return False


_WARCIO_LOG = logging.getLogger("warcio.recordloader")


@contextmanager
def _warcio_warnings(active: bool) -> Iterator[_Collect]:
    """While reading one record: warcio's warnings collected instead of logged (when ``active``)."""
    collect = _Collect()
    if not active:
        yield collect
        return
    _WARCIO_LOG.addFilter(collect)
    try:
        yield collect
    finally:
        _WARCIO_LOG.removeFilter(collect)


# warcio parses HTTP headers only when the target URI starts with http:/https:. A response whose
# URI is broken (``xhttps://``, a bare path) still holds an HTTP message: parse it ourselves, or
# the page would be silently taken for a non-HTTP blob and lost.
_HTTP_PARSER = ArcWarcRecordLoader().http_parser


def _parse_http(rec: Any, spool: BinaryIO) -> int:
    """Parse the HTTP headers warcio skipped into ``rec.http_headers``; returns where the payload starts."""
    if rec.http_headers is not None or rec.rec_type not in ("response", "revisit"):
        return 0
    if not (rec.content_type or "").lower().startswith("application/http"):
        return 0
    spool.seek(0)
    try:
        rec.http_headers = _HTTP_PARSER.parse(spool)
    except (StatusAndHeadersParserException, EOFError, ValueError):
        return 0
    return spool.tell()


def _iterate(path: Path, fh: BinaryIO, skip: int, pos: _Position,
             errors: list[WarcReadError] | None = None, payloads: Container[str] | None = None) -> Iterator[WarcRecord]:
    """Yield records from ``fh``, skipping the first ``skip`` (already yielded by a prior pass).

    warcio's own warnings about a record (an invalid WARC-Target-URI it repaired) become one
    WarcReadError each in ``errors`` when given, instead of noise on stderr.
    """
    it = ArchiveIterator(fh, arc2warc=False)
    index = 0
    while True:
        pos.offset = max(it.offset, 0)
        try:
            with _warcio_warnings(errors is not None) as warned:
                rec = next(it)
        except StopIteration:
            if skip == 0 and hasattr(fh, "fileno"):
                yield from _unparsed_tail(path, it.offset, pos)
            return
        offset = it.offset
        if errors is not None and index >= skip:
            for message in dict.fromkeys(warned.messages):  # once per record
                errors.append(WarcReadError(
                    str(path), offset, f"{message} (warcio); read as {rec.rec_headers.get_header('WARC-Target-URI')}",
                    hint="the tool that wrote this WARC did not percent-encode the URI; the record was still read"))
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX) as spool:
            kept = payloads is None or rec.rec_type in payloads
            if kept:
                shutil.copyfileobj(rec.raw_stream, spool, 64 * 1024)
            it.read_to_end(rec)
            length = it.get_record_length()
            decomp = it.reader.decompressor if it.reader else None
            if decomp is not None and not getattr(decomp, "eof", True):
                # The gzip member goes on past this record: a whole-file gzip. Say so before
                # yielding, since this record's length would be meaningless.
                raise ArchiveLoadFailed(_NON_CHUNKED)
            if index >= skip:
                start = _parse_http(rec, spool) if kept else 0  # type: ignore[arg-type]
                http = rec.http_headers
                chunked = http is not None and (http.get_header("transfer-encoding") or "").lower() == "chunked"
                pos.count += 1
                yield WarcRecord(_info(path, rec, offset, length), spool if kept else None, chunked, start)  # type: ignore[arg-type]
        index += 1


def _unparsed_tail(path: Path, offset: int, pos: _Position) -> Iterator[WarcRecord]:
    """Records warcio silently dropped: it stops without error when a record's HTTP headers
    run past the end of the file. Read what is left without HTTP parsing, then report it."""
    size = path.stat().st_size
    if offset >= size:
        return
    with path.open("rb") as fh:
        fh.seek(offset)
        head = fh.read(4096)
        if not head.strip(b"\r\n\x00 "):
            return
        if head.startswith(b"\x1f\x8b"):
            raise WarcReadError(
                str(path), offset, "the file ends inside this gzip member (truncated record)",
                hint="the file was probably cut short during a copy or a crash; records before it are intact",
            )
        fh.seek(offset)
        it = ArchiveIterator(fh, no_record_parse=True)
        for rec in it:
            with tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX) as spool:
                shutil.copyfileobj(rec.raw_stream, spool, 64 * 1024)
                it.read_to_end(rec)
                start = offset + it.get_record_offset()
                pos.offset = start
                pos.count += 1
                yield WarcRecord(_info(path, rec, start, it.get_record_length()), spool, False)  # type: ignore[arg-type]
    raise WarcReadError(
        str(path), pos.offset,
        "record truncated: its block ends before the HTTP headers do (declared Content-Length too large?)",
        hint="the record was kept without HTTP parsing; the file was probably cut short",
    )


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def iter_records(path: Path, *, errors: list[WarcReadError] | None = None,
                 payloads: Container[str] | None = None) -> Iterator[WarcRecord]:
    """Yield every readable record of the WARC/ARC at ``path`` (plain, gzip per record or whole).

    ``payloads``: the record types whose payload the caller will read (default: all); the
    others are skipped over without being copied, and their ``payload()`` raises RuntimeError.

    On a broken file the iteration stops at the break; the ``WarcReadError`` (file, offset,
    reason, hint) is appended to ``errors`` when given, else raised after the readable part.
    """
    path = Path(path)
    error: WarcReadError | None = None
    pos = _Position()
    try:
        fh = path.open("rb")
    except OSError as exc:
        error = WarcReadError(str(path), 0, f"cannot open: {exc.strerror or exc}", hint="check the path and permissions")
    else:
        whole_gzip = False
        with fh:
            try:
                yield from _iterate(path, fh, 0, pos, errors, payloads)
            except ArchiveLoadFailed as exc:
                if _NON_CHUNKED in str(exc) and _is_gzip(path):
                    whole_gzip = True
                else:
                    error = _translate(path, pos.offset, exc)
            except WarcReadError as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - warcio raises many types on garbage; translate all
                error = _translate(path, pos.offset, exc)
        if whole_gzip:
            error = yield from _iter_whole_gzip(path, pos.count, errors, payloads)
    if error is not None:
        if errors is None:
            raise error
        errors.append(error)


def _iter_whole_gzip(path: Path, already: int, errors: list[WarcReadError] | None = None,
                     payloads: Container[str] | None = None) -> Generator[WarcRecord, None, WarcReadError | None]:
    """Second pass over a single-member gzip WARC through a streaming decompressor.

    Returns (as the generator's value) the error that stopped it, if any.
    """
    pos = _Position()
    with gzip.open(path, "rb") as gz:
        try:
            # warcio's own tell-counting wrapper: GzipFile.tell() goes wrong on corrupt tails.
            yield from _iterate(path, UnseekableYetTellable(gz), already, pos, errors, payloads)
        except Exception as exc:  # noqa: BLE001 - see iter_records
            return WarcReadError(
                str(path), pos.offset,
                f"unreadable from decompressed offset {pos.offset} on (whole-file gzip): {_reason(exc)}",
                hint=_RECOMPRESS_HINT,
            )
    return None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def _translate(path: Path, offset: int, exc: BaseException) -> WarcReadError:
    offset = max(offset, 0)  # warcio's offset arithmetic can go negative on non-WARC input
    return WarcReadError(str(path), offset, f"unreadable from here on: {_reason(exc)}", hint=_RECOMPRESS_HINT)
