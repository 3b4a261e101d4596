"""What ``archive bag`` may package: WARC files the user named, or found in folders they named.

The rules (README, "Validating bags"): nothing is read through a symbolic link, neither a link
named on the command line nor one found in a folder, so a link cannot smuggle a file from
elsewhere (``/etc/passwd`` as ``passwd.warc``) into a bag that then validates. Every input must
be a non-empty WARC (plain or gzipped, its first bytes ``WARC/``). Anything else is refused
before a byte is written, with every offending file named, never skipped silently.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from pathlib import Path

from archive.beneath import is_link_error, open_file_beneath
from archive.errors import UsageError

__all__ = ["WARC_NAMES", "find_warcs", "not_a_warc"]

WARC_NAMES = (".warc.gz", ".warc")
_SNIFF = 64 * 1024  # enough for a gzip member header and the start of its first record
_GZIP = b"\x1f\x8b"


def not_a_warc(path: Path) -> str | None:
    """Why ``path`` (opened without following a link) cannot be packaged as a WARC, or None."""
    try:
        with open_file_beneath(path.parent, path.name) as f:
            head = f.read(_SNIFF)
    except OSError as exc:
        if is_link_error(exc):
            return f"a symbolic link (to {os.readlink(path)}); links are not followed: " \
                   f"name the file itself ({os.path.realpath(path)})"
        return f"cannot be read: {exc.strerror or exc}"
    if not head:
        return "empty (0 bytes): not a WARC"
    start = head
    if head.startswith(_GZIP):
        try:
            start = zlib.decompressobj(wbits=31).decompress(head, 16)
        except zlib.error as exc:
            return f"gzip data that does not decompress ({exc}): not a WARC"
        if not start:
            return "gzip data that does not decompress (truncated or damaged): not a WARC"
    if not start.startswith(b"WARC/"):
        what = "its gzip content does not" if head.startswith(_GZIP) else "it does not"
        return f"not a WARC: {what} start with a WARC record (first bytes {start[:16]!r})"
    return None


def find_warcs(inputs: Iterable[Path]) -> list[Path]:
    """WARC files named directly or found (not recursively) in named folders, sorted per folder.

    Raises :class:`UsageError` naming every refused input (links, empty files, non-WARCs) and
    every named path that does not exist; nothing is packaged then.
    """
    warcs: list[Path] = []
    refused: list[str] = []
    for item in map(Path, inputs):
        if item.is_symlink():
            refused.append(f"{item}: {not_a_warc(item)}")
        elif item.is_dir():
            # ``*.open`` files are still being written by a capture: never package those.
            with os.scandir(item) as entries:
                found = sorted(item / e.name for e in entries if e.name.endswith(WARC_NAMES))
            if not found:
                raise UsageError(f"{item}: no .warc or .warc.gz files in this folder")
            warcs += found
        elif item.is_file():
            warcs.append(item)
        else:
            raise UsageError(f"{item}: no such file or folder")
    for warc in warcs:
        reason = not_a_warc(warc)
        if reason is not None:
            refused.append(f"{warc}: {reason}")
    if refused:
        raise UsageError(f"refusing to package {len(refused)} input(s); nothing was written:", details=refused,
                         hint="move these files aside (or name only the good WARCs), then run it again")
    return warcs
