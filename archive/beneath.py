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
import os
import stat
from pathlib import Path
from typing import BinaryIO

__all__ = ["LINK_ON_PATH", "is_link_error", "open_beneath", "open_file_beneath"]

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


def _open_checked(root: Path, parts: list[str]) -> int:
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise OSError(errno.ELOOP, "symbolic link", str(path))
    if not path.is_file():
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))


def open_file_beneath(root: str | Path, rel: str) -> BinaryIO:
    """:func:`open_beneath` as an unbuffered binary file object (closing it closes the fd)."""
    return os.fdopen(open_beneath(root, rel), "rb", buffering=0)
