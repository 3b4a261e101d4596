"""Undo HTTP Content-Encoding (gzip, deflate, br) with a hard output cap: the one implementation
used by capture (link discovery), extraction and `archive show --decode`.

Archived bodies keep their encoding byte for byte; anything that needs to read them decodes a
copy through here. The cap turns a decompression bomb into a clear error instead of an exhausted
machine. Real-world quirks handled: concatenated gzip members, raw deflate sent as "deflate", a
truncated body (its readable start is returned), and plain HTML mislabelled as compressed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from archive.errors import ArchiveError

DEFAULT_DECODED_LIMIT = 64 * 1024 * 1024
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class ContentDecodingError(ArchiveError):
    """A body could not be decoded, or decodes to more than the allowed size."""


def _bomb(label: str, limit: int) -> ContentDecodingError:
    return ContentDecodingError(
        f"{label} body decodes to more than {limit // (1024 * 1024) or limit} "
        f"{'MiB' if limit >= 1024 * 1024 else 'bytes'}; refused (possible decompression bomb)",
        hint="the raw body is still in the WARC; decode it by hand if it is genuine",
    )


def _zlib_stream(chunks: Iterable[bytes], wbits: int, limit: int, label: str) -> Iterator[bytes]:
    decoder = zlib.decompressobj(wbits)
    produced = 0
    try:
        for chunk in chunks:
            data = chunk
            while data:
                # max_length bounds each step, so one tiny compressed chunk cannot expand unboundedly.
                out = decoder.decompress(data, _CHUNK)
                produced += len(out)
                if produced > limit:
                    raise _bomb(label, limit)
                if out:
                    yield out
                data = decoder.unconsumed_tail
                if decoder.eof:
                    rest = decoder.unused_data + data
                    if wbits > 16 and rest[:2] == _GZIP_MAGIC:  # concatenated gzip members are legal
                        decoder, data = zlib.decompressobj(wbits), rest
                    else:
                        return
        if not decoder.eof and produced == 0:
            # A truncated body still yields its readable start; nothing at all means corrupt.
            raise zlib.error("stream ends before any data could be decompressed")
    except zlib.error as exc:
        raise ContentDecodingError(f"{label} body is corrupt: {exc}", hint="the raw body is kept in the WARC") from exc


def _brotli_stream(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    import brotli  # imported lazily: only br bodies need it

    decoder = brotli.Decompressor()
    produced = 0
    try:
        for chunk in chunks:
            # The binding has no output cap per call, so small slices bound each step instead.
            for start in range(0, len(chunk), 1024):
                out = decoder.process(chunk[start : start + 1024])
                produced += len(out)
                if produced > limit:
                    raise _bomb("br", limit)
                if out:
                    yield out
    except brotli.error as exc:
        raise ContentDecodingError(f"br body is corrupt: {exc}", hint="the raw body is kept in the WARC") from exc


def _deflate_either(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    # "deflate" is zlib-wrapped by the RFC, but many servers send raw deflate: sniff the header.
    it = iter(chunks)
    first = b""
    for first in it:
        if first:
            break
    wrapped = len(first) >= 2 and (first[0] & 0x0F) == 8 and ((first[0] << 8) | first[1]) % 31 == 0
    wbits = zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS

    def again() -> Iterator[bytes]:
        yield first
        yield from it

    return _zlib_stream(again(), wbits, limit, "deflate")


def _codings(content_encoding: str | None) -> list[str]:
    return [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]


def _layer(chunks: Iterable[bytes], coding: str, limit: int) -> Iterable[bytes]:
    if coding in ("identity", "none"):
        return chunks
    if coding in ("gzip", "x-gzip"):
        return _zlib_stream(chunks, 16 + zlib.MAX_WBITS, limit, coding)
    if coding == "deflate":
        return _deflate_either(chunks, limit)
    if coding == "br":
        return _brotli_stream(chunks, limit)
    raise ContentDecodingError(f"unsupported Content-Encoding {coding!r}", hint="only gzip, deflate and br are decoded")


def decode_stream(
    chunks: Iterable[bytes], content_encoding: str | None, *, limit: int = DEFAULT_DECODED_LIMIT
) -> Iterator[bytes]:
    """Yield the decoded body, streaming. Encodings are undone in reverse order of application."""
    stream: Iterable[bytes] = chunks
    for coding in reversed(_codings(content_encoding)):
        stream = _layer(stream, coding, limit)
    return iter(stream)


def decode_bytes(data: bytes, content_encoding: str | None, *, limit: int = DEFAULT_DECODED_LIMIT) -> bytes:
    """Decode a whole (already bounded) body. A layer that fails on a body that is plainly
    markup is taken as mislabelled (servers do this) and the body is used as it is."""
    for coding in reversed(_codings(content_encoding)):
        try:
            data = b"".join(_layer([data], coding, limit))
        except ContentDecodingError:
            if data.lstrip()[:1] == b"<" and coding != "identity":
                return data
            raise
    return data
