"""Manifest lines (RFC 8493 section 2.1.3): ``<digest> <path>``, one per file, LF-terminated.

Paths are percent-encoded for CR, LF and ``%`` so that a file name cannot forge a second line.
Output is sorted so that the same payload always yields byte-identical manifests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

_DECODE = re.compile(r"%(0[AaDd]|25)")
_DECODED = {"0a": "\n", "0d": "\r", "25": "%"}


_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split on CR, LF or CRLF only (RFC 8493 line ends). ``str.splitlines`` would also split on
    form feeds, U+2028 and other characters that are legal inside a file name."""
    # str.split is several times faster than the regex; bare CRs are rare (old Mac tools).
    lines = text.split("\n") if "\r" not in text else _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def encode_path(path: str) -> str:
    """Percent-encode the three characters RFC 8493 requires (``%`` first, so it is not doubled)."""
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def decode_path(path: str) -> str:
    """Undo :func:`encode_path`; other ``%xx`` sequences are literal (older bags use them so)."""
    return _DECODE.sub(lambda m: _DECODED[m.group(1).lower()], path)


def manifest_name(algorithm: str, *, tag: bool = False) -> str:
    return f"{'tag' if tag else ''}manifest-{algorithm}.txt"


def format_manifest(digests: Mapping[str, str]) -> bytes:
    """Render ``{relative_path: hex_digest}`` as manifest bytes (UTF-8, LF, sorted by path)."""
    lines = [f"{digest}  {encode_path(path)}\n" for path, digest in sorted(digests.items())]
    return "".join(lines).encode("utf-8")


class ManifestLine(NamedTuple):
    """One parsed manifest line. ``path`` is decoded, ``raw_path`` is as written.

    A NamedTuple rather than a dataclass: bags list hundreds of thousands of lines.
    """

    lineno: int
    digest: str
    path: str
    raw_path: str
    binary_marker: bool  # md5sum's ``*`` prefix: tolerated, but worth a warning
    dot_slash: bool  # a leading ``./``: tolerated, but worth a warning


class ManifestLineError(ValueError):
    def __init__(self, lineno: int, reason: str) -> None:
        super().__init__(f"line {lineno}: {reason}")
        self.lineno = lineno
        self.reason = reason


_LINE = re.compile(r"^([0-9A-Fa-f]+)[ \t]+(.+)$")


def parse_manifest(text: str) -> Iterable[ManifestLine | ManifestLineError]:
    """Parse manifest text, yielding a line or an error per non-empty line (never raising)."""
    match = _LINE.match
    for lineno, line in enumerate(split_lines(text), start=1):
        m = match(line)
        if m is None:
            if line.strip():
                yield ManifestLineError(lineno, f"not '<hex digest> <path>': {line[:120]!r}")
            continue
        digest, raw = m.groups()
        digest = digest.lower()
        binary = raw.startswith("*")
        if binary:
            raw = raw[1:]
        dot_slash = raw.startswith("./")
        path = raw[2:] if dot_slash else raw
        if "%" in path:
            path = decode_path(path)
        yield ManifestLine(lineno, digest, path, raw, binary, dot_slash)
