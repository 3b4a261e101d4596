"""Undo HTTP Content-Encoding (gzip, deflate, br) with a hard output cap.

Archived bodies keep their encoding byte for byte; anything that needs to read them (requisite
discovery, metadata extraction) decodes a copy through here. The cap turns a decompression bomb
into a clear error instead of an exhausted machine.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from archive.errors import ArchiveError

DEFAULT_DECODED_LIMIT = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class ContentDecodingError(ArchiveError):
    """A body could not be decoded, or decodes to more than the allowed size."""


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
                    raise ContentDecodingError(
                        f"{label} body expands beyond {limit} bytes (possible decompression bomb)"
                    )
                if out:
                    yield out
                data = decoder.unconsumed_tail
            if decoder.eof:
                return
        tail = decoder.flush()
        if produced + len(tail) > limit:
            raise ContentDecodingError(f"{label} body expands beyond {limit} bytes")
        if tail:
            yield tail
    except zlib.error as exc:
        raise ContentDecodingError(f"{label} body is corrupt: {exc}") from exc


def _brotli_stream(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    import brotli  # optional at import time: only pages served with br need it

    decoder = brotli.Decompressor()
    produced = 0
    try:
        for chunk in chunks:
            # The brotli binding has no output cap per call, so feed small slices to bound each step.
            for start in range(0, len(chunk), 1024):
                out = decoder.process(chunk[start : start + 1024])
                produced += len(out)
                if produced > limit:
                    raise ContentDecodingError(
                        f"br body expands beyond {limit} bytes (possible decompression bomb)"
                    )
                if out:
                    yield out
    except brotli.error as exc:
        raise ContentDecodingError(f"br body is corrupt: {exc}") from exc


def decode_stream(
    chunks: Iterable[bytes], content_encoding: str | None, *, limit: int = DEFAULT_DECODED_LIMIT
) -> Iterator[bytes]:
    """Yield the decoded body. Encodings are undone in reverse order of application."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    stream: Iterable[bytes] = chunks
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            stream = _zlib_stream(stream, 16 + zlib.MAX_WBITS, limit, coding)
        elif coding == "deflate":
            stream = _deflate_either(stream, limit)
        elif coding == "br":
            stream = _brotli_stream(stream, limit)
        else:
            raise ContentDecodingError(f"unsupported Content-Encoding {coding!r}")
    return iter(stream)


def _deflate_either(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    # "deflate" is meant to be zlib-wrapped, but many servers send raw deflate: sniff the header.
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


def decode_bytes(data: bytes, content_encoding: str | None, *, limit: int = DEFAULT_DECODED_LIMIT) -> bytes:
    """Decode a whole (already bounded) body; raises ContentDecodingError."""
    if not content_encoding:
        return data[:limit] if len(data) > limit else data
    return b"".join(decode_stream([data], content_encoding, limit=limit))
