"""Showing text that came from a file or the web on a terminal, safely.

A URL, a title or a file name may carry control characters: an ESC starts an ANSI sequence that
can recolour or rewrite the screen, a CR returns to the start of the line so a later "VALID"
overwrites the real verdict, a bidi override (U+202E) shows text in an order other than its
bytes. ``printable`` replaces each such character by a visible escape (``\\x1b``, ``\\r``,
``\\u202e``), so what is printed is what is there. It does not escape rich markup: hand the result
to rich as a ``rich.text.Text`` (never as a markup string), or through ``rich.markup.escape``.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from archive.errors import ArchiveError

__all__ = ["PrintableLogHandler", "error_text", "printable", "printable_lines"]

# C0 controls (TAB, LF and CR included: a file name never needs them), DEL, C1 controls, the
# Arabic letter mark and every bidi embedding/override/isolate mark, the Unicode line and
# paragraph separators (some terminals break lines there), and lone surrogates (bytes that were
# not UTF-8, kept by the surrogateescape error handler, or broken UTF-16). Zero-width joiners
# stay: Arabic, Persian and Kurdish text needs them.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte 0x80..0xFF
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control, bidi and lone-surrogate character shown as a visible escape.

    The result is always encodable as UTF-8 and holds no character a terminal acts on."""
    return _UNSAFE.sub(_escape, text)


def error_text(exc: BaseException) -> str:
    """An error as the CLI shows it: the error's own lines (message, details, hint) stay lines;
    whatever they quote (file names and URLs may hold LF, CR, ESC) is escaped."""
    lines = exc.lines() if isinstance(exc, ArchiveError) else [str(exc)]
    return "\n".join(printable(line) for line in lines)


def printable_lines(text: str) -> str:
    """``printable`` line by line: a message's own line breaks stay, nothing else acts."""
    return "\n".join(printable(line) for line in text.split("\n"))


class PrintableLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Log records to the current ``sys.stderr``, made printable.

    Libraries log what they read (warcio warns with the raw WARC-Target-URI of a record); without
    a handler, Python's last-resort handler would print that text to the terminal as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def stream(self) -> TextIO:  # looked up on each record, as logging's last-resort handler does
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass

    def format(self, record: logging.LogRecord) -> str:
        return printable_lines(super().format(record))
