"""What is actually in the bag folder, found without following any symlink.

Kept in columns, not a dict of path to size: a million-file bag is mostly this table. The walk
lists the paths in sorted order (code point order, as ``sorted`` gives), so a path is found by
bisection and no dict, nor an int object per row, is needed: each file costs its path string,
a list slot and eight bytes of size. The manifests refer to the same rows (see
:mod:`archive.validate.columns`) instead of holding their own copies of paths.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from archive.errors import Problem
from archive.validate.report import SPECIAL_FILE, SYMLINK, UNREADABLE, quoted

S_ISREG, S_ISDIR = stat.S_ISREG, stat.S_ISDIR
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class FileSizes(Mapping[str, int]):
    """A read-only ``{path: size}`` view of the inventory's columns (for callers off the hot path)."""

    def __init__(self, inv: Inventory) -> None:
        self._inv = inv

    def __getitem__(self, path: str) -> int:
        row = self._inv.row(path)
        if row is None:
            raise KeyError(path)
        return self._inv.sizes[row]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._inv.row(path) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._inv.paths)

    def __len__(self) -> int:
        return len(self._inv.paths)


@dataclass
class Inventory:
    paths: list[str] = field(default_factory=list)  # row -> bag-relative POSIX path, sorted
    sizes: array[int] = field(default_factory=lambda: array("q"))  # row -> size in bytes
    problems: list[Problem] = field(default_factory=list)
    _nfc: dict[str, str] | None = None

    @property
    def files(self) -> FileSizes:
        return FileSizes(self)

    def row(self, path: str) -> int | None:
        """The row of ``path``, or None when the walk did not find it."""
        at = bisect_left(self.paths, path)
        return at if at < len(self.paths) and self.paths[at] == path else None

    def rows(self, paths: list[str]) -> Sequence[int] | None:
        """The rows of all of ``paths`` (found in C loops), or None when some path is not here.

        A manifest written in sorted order lists a run of consecutive rows: one comparison of
        two lists finds it."""
        if not paths:
            return []
        first = bisect_left(self.paths, paths[0])
        if self.paths[first:first + len(paths)] == paths:
            return range(first, first + len(paths))
        found = list(map(bisect_left, repeat(self.paths), paths))
        if max(found) >= len(self.paths) or list(map(self.paths.__getitem__, found)) != paths:
            return None
        return found

    def lookup(self, path: str) -> str | None:
        """The on-disk name for a manifest path: exact, else equal under Unicode NFC."""
        if self.row(path) is not None:
            return path
        if self._nfc is None:
            self._nfc = {unicodedata.normalize("NFC", p): p for p in self.paths}
        return self._nfc.get(unicodedata.normalize("NFC", path))

    def payload_rows(self) -> range:
        """The payload's rows: paths under data/ sort together ("0" follows "/")."""
        return range(bisect_left(self.paths, "data/"), bisect_left(self.paths, "data0"))

    def payload(self) -> list[str]:
        """Payload paths, in sorted order."""
        rows = self.payload_rows()
        return self.paths[rows.start:rows.stop]

    def payload_size(self) -> int:
        rows = self.payload_rows()
        return sum(self.sizes[rows.start:rows.stop])


# What a folder holds, in sorted order: runs of regular files (their paths and sizes, added to
# the inventory a run at a time) between its subfolders (by path). Folders sort as "name/", so
# walking them depth first in this order lists full paths in sorted order (a folder's paths all
# start with "name/", and compare with a sibling's exactly as "name/" does).
_Run = tuple[list[str], list[int]]
_Part = str | _Run


def take_inventory(root: Path) -> Inventory:
    """Walk ``root``: regular files with sizes; symlinks and special files become problems.

    Each folder is opened component by component with ``O_NOFOLLOW`` (a folder swapped for a
    link after it was listed is refused, not followed out of the bag) and its names are
    ``lstat``-ed relative to its descriptor: one name looked up per file, not the whole path.
    """
    inv = Inventory()
    try:
        root_fd = os.open(root, os.O_RDONLY | _DIRECTORY)
    except OSError as exc:
        inv.problems.append(Problem(".", UNREADABLE, f"cannot list folder: {exc.strerror}"))
        return inv
    try:
        stack: list[Iterator[_Part]] = [iter(_listing(inv, root_fd, ""))]
        while stack:
            part = next(stack[-1], None)
            if part is None:
                stack.pop()
            elif isinstance(part, str):
                stack.append(iter(_open_and_list(inv, root_fd, part)))
            else:
                inv.paths += part[0]
                inv.sizes.extend(part[1])
    finally:
        os.close(root_fd)
    return inv


def _open_and_list(inv: Inventory, root_fd: int, rel_dir: str) -> list[_Part]:
    fd = root_fd
    try:
        for name in rel_dir.split("/"):
            fd, above = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd), fd
            if above != root_fd:
                os.close(above)
    except OSError as exc:
        if fd != root_fd:
            os.close(fd)
        inv.problems.append(Problem(rel_dir, UNREADABLE, f"cannot list folder: {exc.strerror}"))
        return []
    try:
        return _listing(inv, fd, rel_dir)
    finally:
        os.close(fd)


def _listing(inv: Inventory, fd: int, rel_dir: str) -> list[_Part]:
    """The folder ``fd``'s names, sorted, each ``lstat``-ed (links and special files become
    problems here, and are left out)."""
    prefix = f"{rel_dir}/" if rel_dir else ""
    try:
        with os.scandir(fd) as it:
            listed = sorted(it, key=_sort_key)
    except OSError as exc:
        inv.problems.append(Problem(rel_dir or ".", UNREADABLE, f"cannot list folder: {exc.strerror}"))
        return []
    parts: list[_Part] = []
    paths: list[str] = []
    sizes: list[int] = []
    for entry in listed:
        rel = prefix + entry.name
        try:
            st = entry.stat(follow_symlinks=False)  # fstatat on the folder's descriptor
        except OSError as exc:
            inv.problems.append(Problem(rel, UNREADABLE, exc.strerror or str(exc)))
            continue
        if S_ISREG(st.st_mode):
            paths.append(rel)
            sizes.append(st.st_size)
        elif S_ISDIR(st.st_mode):
            parts += [(paths, sizes), rel]
            paths, sizes = [], []
        else:
            inv.problems.append(_odd_entry(entry.name, fd, rel, st.st_mode))
    parts.append((paths, sizes))
    return parts


def _sort_key(entry: os.DirEntry[str]) -> str:
    # d_type, no system call; where the file system gives none, the lstat made here is kept
    # by the entry for the stat() that follows.
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


def _odd_entry(name: str, dir_fd: int, rel: str, mode: int) -> Problem:
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(name, dir_fd=dir_fd)
        except OSError:  # replaced since the listing: still a link when listed
            target = "?"
        return Problem(rel, SYMLINK, f"symbolic link to {quoted(target)}; bags must not contain links (not followed)")
    return Problem(rel, SPECIAL_FILE, "not a regular file (device, fifo or socket)")
