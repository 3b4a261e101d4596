"""Open a file inside a folder without following a link anywhere on the way.

The one safe opener for files found *inside* something the user named (a bag, a folder of
WARCs): the validator, ``archive bag`` and ``archive wacz`` all read through it. Checking with
``lstat`` first and opening afterwards is not enough: a folder swapped for a symlink between the
two (by someone changing the files meanwhile) would be followed out. Each path component is
therefore opened relative to its parent with ``O_NOFOLLOW``, and the result must be a regular
file (a FIFO is opened non-blocking, then refused, so it cannot hang the reader).
"""

from __future__ import annotations

import errno
import io
import os
import stat
import threading
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

__all__ = ["LINK_ON_PATH", "Beneath", "is_link_error", "open_beneath", "open_file_beneath"]

LINK_ON_PATH = "a link on its path (not followed)"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def is_link_error(exc: OSError) -> bool:
    """Whether ``open_beneath`` failed because a component was a symbolic link."""
    return exc.errno in (errno.ELOOP, errno.ENOTDIR)


def open_beneath(root: str | Path, rel: str) -> int:
    """A read-only file descriptor for the regular file ``root/rel``; the caller closes it.

    ``root`` itself is opened as given (the user named it, links included, as ``cp -H`` does);
    every component of ``rel`` (``/``-separated) is opened with ``O_NOFOLLOW``. Raises
    :class:`OSError`: ``ELOOP``/``ENOTDIR`` when a component is a link (see
    :func:`is_link_error`), ``EINVAL`` when the file is not a regular file.
    """
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise OSError(errno.EINVAL, f"not a path inside the folder: {rel!r}")
    if not _NOFOLLOW or not _DIRECTORY:  # no such flags (Windows): lstat each component instead
        return _open_checked(Path(root), parts)
    fd = os.open(root, os.O_RDONLY | _DIRECTORY)
    try:
        for part in parts[:-1]:
            fd, parent = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd), fd
            os.close(parent)
        fd, parent = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=fd), fd
        os.close(parent)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (device, fifo or socket)")
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


class Beneath:
    """:func:`open_beneath` for many files under one root, each folder opened once.

    A bag of 20,000 small files in 20 folders would otherwise open and close every folder on
    every file's path (five opens per file here), which costs more than hashing 16 KiB. The
    folders are opened component by component with ``O_NOFOLLOW`` exactly as in
    :func:`open_beneath`, and their descriptors kept until :meth:`close`; a file is then opened
    relative to its folder's descriptor, so a folder swapped for a link afterwards is not
    followed either (the descriptor still names the folder that was inside). Thread-safe.
    """

    def __init__(self, root: str | Path) -> None:
        self._root = root
        self._folders: dict[str, int] = {}
        self._lock = threading.Lock()
        self._fast = bool(_NOFOLLOW and _DIRECTORY)

    def __enter__(self) -> Beneath:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            folders, self._folders = self._folders, {}
        for fd in folders.values():
            os.close(fd)

    def _folder(self, parts: list[str]) -> int:
        key = "/".join(parts)
        fd = self._folders.get(key)
        if fd is not None:
            return fd
        parent = self._folder(parts[:-1]) if parts else -1
        if parts:
            fd = os.open(parts[-1], os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=parent)
        else:
            fd = os.open(self._root, os.O_RDONLY | _DIRECTORY)
        with self._lock:
            if key in self._folders:  # another thread got there first: keep one
                os.close(fd)
                return self._folders[key]
            self._folders[key] = fd
        return fd

    def open(self, rel: str) -> int:
        """A read-only descriptor for the regular file ``root/rel`` (see :func:`open_beneath`)."""
        if not self._fast:
            return open_beneath(self._root, rel)
        parts = rel.split("/")
        if "" in parts or "." in parts or ".." in parts:
            raise OSError(errno.EINVAL, f"not a path inside the folder: {rel!r}")
        # O_NONBLOCK: a FIFO swapped in opens at once (and is refused below) instead of hanging;
        # it changes nothing for a regular file, so it is left set.
        fd = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=self._folder(parts[:-1]))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file (device, fifo or socket)")
        except BaseException:
            os.close(fd)
            raise
        return fd

    def open_file(self, rel: str) -> BinaryIO:
        return os.fdopen(self.open(rel), "rb", buffering=0)


def _open_checked(root: Path, parts: list[str]) -> int:
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise OSError(errno.ELOOP, "symbolic link", str(path))
    if not path.is_file():
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))


def open_file_beneath(root: str | Path, rel: str) -> io.FileIO:
    """:func:`open_beneath` as an unbuffered binary file object (closing it closes the fd)."""
    return os.fdopen(open_beneath(root, rel), "rb", buffering=0)
