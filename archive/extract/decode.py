"""Bytes of an archived HTTP body -> text: content-encoding first (:mod:`archive.content`),
then the character set (:mod:`archive.charset`), with extraction's own errors and size cap.

The WARC keeps bodies exactly as received, so a gzip or brotli body is decoded here, under a
size cap (a decompression bomb must fail clearly, not eat the machine).
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.charset import Decoded, codec_for, decode_text, header_value
from archive.content import DEFAULT_DECODED_LIMIT, ContentDecodingError, decode_bytes
from archive.errors import ExtractError

MAX_DECODED = DEFAULT_DECODED_LIMIT

# Re-exported for extraction modules and tests that read them from here.
__all__ = ["MAX_DECODED", "Decoded", "codec_for", "decode_body", "decode_content", "decode_text", "header_value"]


def decode_content(body: bytes, headers: Sequence[tuple[str, str]]) -> bytes:
    """Undo Content-Encoding (see :mod:`archive.content`), bounded by MAX_DECODED."""
    try:
        data = decode_bytes(body, header_value(headers, "content-encoding"), limit=MAX_DECODED)
    except ContentDecodingError as exc:
        raise ExtractError(exc.message, hint=exc.hint) from exc
    if len(data) > MAX_DECODED:
        raise ExtractError(f"plain body is larger than {MAX_DECODED // (1024 * 1024)} MiB; refused",
                           hint="the raw body is still in the WARC")
    return data


def decode_body(body: bytes, headers: Sequence[tuple[str, str]]) -> Decoded:
    """Raw HTTP payload -> text. Raises ExtractError for bombs and corrupt compressed bodies."""
    return decode_text(decode_content(body, headers), headers)
