"""``bagit.txt``: the bag declaration, checked to the letter of RFC 8493 section 2.1.1.

Exactly two lines, ``BagIt-Version: M.N`` and ``Tag-File-Character-Encoding: ENCODING``, UTF-8
without a byte-order mark, one space after each colon and no other whitespace.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from archive.errors import Problem
from archive.package.manifest import split_lines
from archive.validate.report import BAD_DECLARATION, LENIENT_FORMAT, OLD_VERSION, quoted

SUPPORTED_VERSIONS = ("0.93", "0.94", "0.95", "0.96", "0.97", "1.0")
_VERSION = re.compile(r"^BagIt-Version: ([0-9]+\.[0-9]+)$")
_ENCODING = re.compile(r"^Tag-File-Character-Encoding: ([A-Za-z0-9._:-]+)$")


@dataclass
class Declaration:
    version: str = "1.0"  # assumed when unreadable, so the rest of the bag is still checked
    encoding: str = "utf-8"
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def version_tuple(self) -> tuple[int, int]:
        major, minor = self.version.split(".")
        return int(major), int(minor)


def parse_declaration(data: bytes | None) -> Declaration:  # noqa: C901 (issue 12: split into named steps after the merge)
    """Check ``bagit.txt`` bytes (None: the file is absent). Never raises."""
    decl = Declaration()
    name = "bagit.txt"

    def bad(detail: str) -> None:
        decl.problems.append(Problem(name, BAD_DECLARATION, detail))

    if data is None:
        bad("bagit.txt is missing: this folder is not a bag (or not a complete one)")
        return decl
    if data.startswith(codecs.BOM_UTF8):
        bad("starts with a byte-order mark; RFC 8493 forbids one in bagit.txt")
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad(f"not UTF-8 (byte {exc.start}); bagit.txt must be UTF-8")
        return decl
    lines = split_lines(text)
    if text and not text.endswith(("\n", "\r")):
        decl.warnings.append(Problem(name, LENIENT_FORMAT, "last line has no line break"))
    if len(lines) != 2:
        bad(f"has {len(lines)} lines; it must have exactly two "
            "('BagIt-Version: M.N' and 'Tag-File-Character-Encoding: ENCODING')")
    version_line = lines[0] if lines else ""
    encoding_line = lines[1] if len(lines) > 1 else ""
    m = _VERSION.match(version_line)
    if m is None:
        bad(f"line 1 must be exactly 'BagIt-Version: M.N', found {quoted(version_line)}")
    elif m.group(1) not in SUPPORTED_VERSIONS:
        bad(f"BagIt version {m.group(1)!r} is not one of {', '.join(SUPPORTED_VERSIONS)}")
    else:
        decl.version = m.group(1)
        if decl.version != "1.0":
            decl.warnings.append(Problem(name, OLD_VERSION,
                                         f"BagIt {decl.version} predates RFC 8493 (BagIt 1.0)"))
    e = _ENCODING.match(encoding_line)
    if e is None:
        bad(f"line 2 must be exactly 'Tag-File-Character-Encoding: ENCODING', found {quoted(encoding_line)}")
    else:
        reason = _not_a_text_encoding(e.group(1))
        if reason is None:
            decl.encoding = codecs.lookup(e.group(1)).name
        else:
            bad(f"tag-file character encoding {quoted(e.group(1))}: {reason}; the tag files are read as UTF-8")
    return decl


def _not_a_text_encoding(name: str) -> str | None:
    """Why ``name`` cannot decode tag files, or None.

    ``codecs.lookup`` also knows bytes-to-bytes transforms (``rot13``, ``base64``, ``zlib``...)
    that ``bytes.decode`` refuses with LookupError; decoding a few bytes tells them apart using
    public API only. A text codec that fails on these bytes (``punycode``) is still a text codec.
    """
    try:
        codecs.lookup(name)
    except LookupError:
        return "unknown encoding"
    try:
        b"\x00\x00\x00\x00".decode(name)
    except LookupError:
        return "not a text encoding (a bytes-to-bytes transform)"
    except (UnicodeError, ValueError):
        pass
    return None
