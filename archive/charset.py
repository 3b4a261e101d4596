"""Which character set a page is in: BOM, HTTP header, ``<meta>`` prescan, then detection.

Order and label mapping follow the WHATWG encoding sniffing algorithm (``iso-8859-1`` and
``ascii`` mean windows-1252). Shared by capture (finding links in pages) and extraction, so
both read a legacy-charset page (e.g. Arabic in windows-1256) the same way.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass

# WHATWG label -> Python codec for the labels where the two disagree or Python lacks the name.
_WHATWG: dict[str, str] = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso_8859-1": "cp1252",
    "cp819": "cp1252", "ibm819": "cp1252", "windows-1252": "cp1252", "x-cp1252": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254", "iso-8859-11": "cp874", "tis-620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030",
    "x-sjis": "shift_jis", "ms932": "shift_jis", "windows-31j": "shift_jis",
    "x-user-defined": "cp1252", "unicode-1-1-utf-8": "utf-8", "utf8": "utf-8",
    "windows-1256": "cp1256", "cp1256": "cp1256", "x-mac-arabic": "mac_arabic",
}
# A <meta> that claims UTF-16 cannot be right (it was read as ASCII-compatible): WHATWG says utf-8.
_META_UTF16 = {"utf-16", "utf-16le", "utf-16be", "utf16"}

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)


@dataclass(frozen=True)
class Decoded:
    """Decoded page text and how the charset was chosen (``bom``, ``http``, ``meta``, ``detected``)."""

    text: str
    charset: str
    charset_source: str


def header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    low = name.lower()
    return next((v for k, v in headers if k.lower() == low), None)


def codec_for(label: str | None) -> str | None:
    """Python codec name for an encoding label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    name = _WHATWG.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _bom(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    return None


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace").lower()
    return "utf-8" if label in _META_UTF16 else codec_for(label)


def _detect(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "utf-8"  # strict UTF-8 success is far more reliable than statistics
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return codec_for(best.encoding) if best is not None and codec_for(best.encoding) else "cp1252"  # type: ignore[return-value]


def choose_charset(data: bytes, headers: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """The Python codec for ``data`` and where it came from (``bom``, ``http``, ``meta``, ``detected``)."""
    charset, source = _bom(data), "bom"
    if charset is None:
        match = _HEADER_CHARSET.search(header_value(headers, "content-type") or "")
        charset, source = (codec_for(match.group(1)) if match else None), "http"
    if charset is None:
        charset, source = _meta_charset(data), "meta"
    if charset is None:
        charset, source = _detect(data), "detected"
    return charset, source


def decode_text(data: bytes, headers: Sequence[tuple[str, str]]) -> Decoded:
    """Choose the charset (BOM, HTTP header, meta, detection) and decode with replacement."""
    charset, source = choose_charset(data, headers)
    text = data.decode(charset, errors="replace")
    return Decoded(text=text.lstrip("\ufeff"), charset=charset, charset_source=source)


