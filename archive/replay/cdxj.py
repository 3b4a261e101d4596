"""A pywb-compatible CDXJ index: ``SURTKEY TIMESTAMP14 {json}`` per record, sorted bytewise.

Matches pywb's ``cdx-indexer --cdxj`` output: keys from the ``surt`` package, JSON fields in
pywb's order (url, mime, status, digest, length, offset, filename), ``warc/revisit`` as the
mime of revisits, ``unk`` when a response has no Content-Type, ``sha1:`` stripped from digests,
fields pywb would write as ``-`` left out. One line per response, revisit, resource and
metadata record, except records of type ``application/warc-fields``, which pywb's indexer also
leaves out: our per-article metadata records carry the article's own URL and timestamp, so an
indexed one would be replayed in place of the page. Not done: pywb's ``__wb_method=post`` keys.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, cast

import surt

from archive.errors import WarcReadError
from archive.records import RecordInfo, iter_records

INDEXED_TYPES = frozenset({"response", "revisit", "resource", "metadata"})
SKIPPED_MIME = "application/warc-fields"
_DIGITS = re.compile(r"[^0-9]")
_WHITESPACE = re.compile(r"\s")
# Index lines held in memory before a sorted run is spilled to a temporary file.
SORT_RUN_BYTES = 32 * 1024 * 1024


def cdxj_key(url: str) -> str:
    """pywb's lookup key for ``url`` (SURT form, ``www.`` and userinfo dropped, lower case).

    The key is the line's first space-separated field, so whitespace left in it (a hostile
    WARC-Target-URI such as ``http://a b``) is %-escaped: unescaped, it would split the line
    and make the index unreadable."""
    try:
        key = cast(str, surt.surt(url))
    except Exception:  # noqa: BLE001 - surt raises assorted errors on odd URLs; pywb falls back to the URL
        key = url
    return _WHITESPACE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), key) if _WHITESPACE.search(key) else key


def timestamp14(warc_date: str | None) -> str:
    """``2014-01-03T03:03:21Z`` (or an ARC 14-digit date) as ``20140103030321``."""
    digits = _DIGITS.sub("", warc_date or "")
    return (digits + "0" * 14)[:14]


def cdxj_line(info: RecordInfo, filename: str, *, minimal: bool = False) -> str | None:
    """The index line for one record, or None when pywb would not index it.

    ``minimal`` reproduces pywb's minimal indexes (no mime or status, except revisits' mime).
    """
    if info.rec_type == "metadata" and info.mime == SKIPPED_MIME:
        return None
    if info.rec_type not in INDEXED_TYPES or not info.target_uri:
        return None
    fields: dict[str, str] = {"url": info.target_uri}
    if info.rec_type == "revisit":
        fields["mime"] = "warc/revisit"
    elif not minimal:
        fields["mime"] = info.mime or "unk"
        if info.rec_type == "response" and info.status is not None:
            fields["status"] = str(info.status)
    digest = info.payload_digest
    if digest:
        fields["digest"] = digest[len("sha1:"):] if digest.startswith("sha1:") else digest
    fields["length"] = str(info.length)
    fields["offset"] = str(info.offset)
    fields["filename"] = filename
    return f"{cdxj_key(info.target_uri)} {timestamp14(info.date)} {json.dumps(fields)}"


def write_cdxj(warcs: Sequence[Path], out: BinaryIO, *, relative_to: Path | None = None,
               minimal: bool = False, errors: list[WarcReadError] | None = None) -> int:
    """Index ``warcs`` into ``out`` (the caller owns it) and return the number of lines written.

    ``filename`` in each line is the WARC's path relative to ``relative_to`` (POSIX slashes), or
    its base name. A broken WARC raises :class:`WarcReadError` after its readable records, unless
    ``errors`` is given, in which case the error is appended there and indexing goes on.
    """
    # Sorted runs of at most SORT_RUN_BYTES spill to temporary files and are merged at the end:
    # memory stays flat however many records the WARCs hold (a million records is ~300 MB of lines).
    lines: list[bytes] = []
    held = 0
    count = 0
    with contextlib.ExitStack() as stack:
        runs: list[BinaryIO] = []
        for warc in warcs:
            warc = Path(warc)
            name = (Path(os.path.relpath(warc, relative_to)).as_posix() if relative_to is not None
                    else warc.name)
            for record in iter_records(warc, errors=errors):
                line = cdxj_line(record.info, name, minimal=minimal)
                if line is not None:
                    data = line.encode("utf-8") + b"\n"
                    lines.append(data)
                    held += len(data)
                    count += 1
                    if held >= SORT_RUN_BYTES:
                        runs.append(_spill(lines, stack))
                        held = 0
        lines.sort()
        if not runs:
            out.writelines(lines)
            return count
        runs.append(_spill(lines, stack))
        out.writelines(heapq.merge(*runs))
    return count


def _spill(lines: list[bytes], stack: contextlib.ExitStack) -> BinaryIO:
    """Sort ``lines`` into a temporary file (deleted when ``stack`` closes), empty the list, and
    return the file rewound for reading line by line."""
    lines.sort()
    run = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - the stack closes it
    run.writelines(lines)
    lines.clear()
    run.seek(0)
    return run
