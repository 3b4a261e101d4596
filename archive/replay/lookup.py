"""Fast lookups in a sorted CDXJ file: binary search over the bytes, no index loaded in memory.

A CDXJ index (``SURTKEY TIMESTAMP14 {json}`` per line, sorted bytewise, as written by
:func:`archive.replay.cdxj.write_cdxj`) is memory-mapped, and a lookup costs O(log n) line reads:
about 20 for a million lines, so the time per query stays flat as the index grows.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from archive.errors import ArchiveError
from archive.replay.cdxj import cdxj_key

__all__ = ["CdxjEntry", "SortedIndex", "closest"]


@dataclass(frozen=True)
class CdxjEntry:
    """One index line, parsed."""

    key: str
    timestamp: str
    fields: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.fields.get("url", ""))

    @property
    def filename(self) -> str | None:
        value = self.fields.get("filename")
        return str(value) if value is not None else None

    @property
    def offset(self) -> int | None:
        value = self.fields.get("offset")
        return int(value) if value is not None and str(value).isdecimal() else None

    @property
    def mime(self) -> str | None:
        value = self.fields.get("mime")
        return str(value) if value is not None else None

    @property
    def status(self) -> int | None:
        value = self.fields.get("status")
        return int(value) if value is not None and str(value).isdecimal() else None


def parse_line(line: bytes) -> CdxjEntry:
    """Parse ``SURTKEY TIMESTAMP {json}``; raises ValueError on anything else."""
    key, ts, rest = line.decode("utf-8").split(" ", 2)
    fields = json.loads(rest)
    if not isinstance(fields, dict):
        raise ValueError("the JSON block is not an object")
    return CdxjEntry(key, ts, fields)


class SortedIndex:
    """A sorted CDXJ file opened for lookups. Owns its file handle and mapping; close it (or use
    ``with``). Raises :class:`ArchiveError` when the file cannot be opened."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._fh = open(self.path, "rb")
        except OSError as exc:
            raise ArchiveError(f"{self.path}: cannot open the index: {exc.strerror or exc}") from exc
        size = os.fstat(self._fh.fileno()).st_size
        self._size = size
        # An empty file cannot be mapped; an empty bytes object behaves the same for searching.
        self._data: mmap.mmap | bytes = (mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
                                         if size else b"")

    def close(self) -> None:
        if isinstance(self._data, mmap.mmap):
            self._data.close()
        self._fh.close()

    def __enter__(self) -> SortedIndex:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _first_at_or_after(self, target: bytes) -> int:
        """Byte offset of the first line that sorts at or after ``target`` (or the file size)."""
        data, lo, hi = self._data, 0, self._size
        # Invariant: lo and hi are line starts (or the end); every line before lo is < target
        # and every line from hi on is >= target.
        while lo < hi:
            mid = (lo + hi) // 2
            newline = data.rfind(b"\n", lo, mid)
            start = newline + 1 if newline != -1 else lo
            end = data.find(b"\n", start)
            if end == -1:
                end = self._size
            if data[start:end] < target:
                lo = end + 1
            else:
                hi = start
        return min(lo, self._size)

    def _lines_from(self, pos: int) -> Iterator[bytes]:
        data = self._data
        while pos < self._size:
            end = data.find(b"\n", pos)
            if end == -1:
                end = self._size
            yield bytes(data[pos:end])
            pos = end + 1

    def lookup_key(self, key: str) -> Iterator[CdxjEntry]:
        """Every entry whose SURT key is exactly ``key``, in index order (oldest first)."""
        prefix = key.encode("utf-8") + b" "
        for line in self._lines_from(self._first_at_or_after(prefix)):
            if not line.startswith(prefix):
                return
            yield self._parse(line)

    def lookup(self, url: str) -> list[CdxjEntry]:
        """Every capture of ``url`` (matched by SURT key, as pywb does)."""
        return list(self.lookup_key(cdxj_key(url)))

    def __iter__(self) -> Iterator[CdxjEntry]:
        for line in self._lines_from(0):
            if line.strip():
                yield self._parse(line)

    def _parse(self, line: bytes) -> CdxjEntry:
        """``parse_line``, with a damaged line reported as :class:`ArchiveError` naming the file."""
        try:
            entry = parse_line(line)
            if not entry.timestamp.isdecimal():
                raise ValueError(f"timestamp {entry.timestamp[:20]!r} is not digits")
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError, JSONDecodeError, deep JSON
            raise ArchiveError(f"{self.path}: damaged CDXJ line {line[:120]!r}: {exc}",
                               hint="rebuild the index with `archive index`") from exc
        return entry


def closest(entries: Sequence[CdxjEntry], timestamp: str | None = None) -> CdxjEntry | None:
    """The capture to show for a URL: nearest to ``timestamp`` (latest when None)."""
    candidates = list(entries)
    if not candidates:
        return None
    if timestamp is None:
        return max(candidates, key=lambda e: e.timestamp)
    want = int((timestamp + "0" * 14)[:14])
    return min(candidates, key=lambda e: (abs(int(e.timestamp) - want), -int(e.timestamp)))
