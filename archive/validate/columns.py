"""One manifest's digests as columns over the inventory's rows.

A dict of path to digest bytes costs about 200 bytes a line (the entry, the bytes object); a
million-file bag has two million lines. Here a manifest holds, per inventory row, the position
of its digest (4 bytes) and the digests themselves back to back in one byte array, in manifest
order. Paths a manifest lists that the bag does not hold (missing files, and paths that are
never looked up) are the rare case and stay in a small dict.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.validate.inventory import Inventory

_UNLISTED = -1


class DigestColumn:
    """``{path: digest bytes}`` for one manifest, keyed by the inventory's rows where it can be.

    Behaves as a mapping (``in``, ``[]``, ``get``, assignment, iteration, ``len``) for the
    line-by-line reader; the bulk reader and the fixity check use the row-level methods.
    """

    def __init__(self, inv: Inventory, digest_size: int) -> None:
        self._row = inv.row
        self._paths = inv.paths
        self.digest_size = digest_size
        self._pos = array("i", [_UNLISTED]) * len(self._paths)  # row -> digest number, or -1
        self._digests = bytearray()
        self.absent: dict[str, bytes] = {}  # listed, but not a file the walk found
        self.listed_rows = 0

    # -- the mapping interface -------------------------------------------------------------
    def __contains__(self, path: object) -> bool:
        row = self._row(path) if isinstance(path, str) else None
        return self._pos[row] != _UNLISTED if row is not None else path in self.absent

    def get(self, path: str, default: bytes | None = None) -> bytes | None:
        row = self._row(path)
        if row is None:
            return self.absent.get(path, default)
        return self.digest(row) if self._pos[row] != _UNLISTED else default

    def __getitem__(self, path: str) -> bytes:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __setitem__(self, path: str, digest: bytes) -> None:
        row = self._row(path)
        if row is None:
            self.absent[path] = digest
        else:
            self.set_row(row, digest)

    def __iter__(self) -> Iterator[str]:
        paths, pos = self._paths, self._pos
        yield from (paths[row] for row in range(len(pos)) if pos[row] != _UNLISTED)
        yield from self.absent

    def __len__(self) -> int:
        return self.listed_rows + len(self.absent)

    def clear(self) -> None:
        self._pos = array("i", [_UNLISTED]) * len(self._paths)
        self._digests = bytearray()
        self.absent.clear()
        self.listed_rows = 0

    # -- rows ------------------------------------------------------------------------------
    def listed(self, row: int) -> bool:
        return self._pos[row] != _UNLISTED

    def digest(self, row: int) -> bytes:
        """The digest listed for ``row`` (which must be listed)."""
        at = self._pos[row] * self.digest_size
        return bytes(self._digests[at:at + self.digest_size])

    def set_row(self, row: int, digest: bytes) -> None:
        at = self._pos[row]
        if at != _UNLISTED:
            self._digests[at * self.digest_size:(at + 1) * self.digest_size] = digest
            return
        self._pos[row] = len(self._digests) // self.digest_size
        self._digests += digest
        self.listed_rows += 1

    def add_rows(self, rows: Sequence[int], hex_digests: list[str]) -> bool:
        """List ``rows`` with these digests at once, in C loops; False, changing nothing, when
        a row is listed already or twice here (the caller then reads the lines one by one,
        which names each duplicate)."""
        if not rows:
            return True
        pos = self._pos
        if isinstance(rows, range):  # a run of rows (the usual, sorted manifest): no duplicates
            if max(pos[rows.start:rows.stop]) != _UNLISTED:
                return False
        elif len(set(rows)) != len(rows) or max(map(pos.__getitem__, rows)) != _UNLISTED:
            return False
        first = len(self._digests) // self.digest_size
        self._digests += bytes.fromhex("".join(hex_digests))
        numbers = array("i", range(first, first + len(rows)))
        if isinstance(rows, range):
            pos[rows.start:rows.stop] = numbers
        else:
            for row, number in zip(rows, numbers, strict=True):
                pos[row] = number
        self.listed_rows += len(rows)
        return True

    def unlisted_rows(self, rows: Sequence[int]) -> list[int]:
        """Those of ``rows`` this manifest does not list."""
        pos = self._pos
        return [row for row in rows if pos[row] == _UNLISTED]
