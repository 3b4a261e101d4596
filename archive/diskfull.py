"""One translation of "the disk is full" at every write boundary.

A full disk surfaces in many shapes: ``OSError(ENOSPC)`` from ``write``, ``flush``, ``fsync`` or
``close``; a ``ValueError`` from ``zipfile`` when the ENOSPC left a member open; a second
``OSError`` from a clean-up that also could not write; SQLite's SQLITE_FULL. ``disk_full_cause`` finds the ENOSPC (or
EDQUOT) anywhere in the exception chain, and ``disk_full_guard`` turns it into a
:class:`~archive.errors.DiskFullError` saying where and what was kept.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike

from archive.errors import DiskFullError

__all__ = ["DISK_FULL_ERRNOS", "disk_full_cause", "disk_full_guard"]

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def disk_full_cause(exc: BaseException) -> BaseException | None:
    """The ENOSPC/EDQUOT ``OSError`` (or SQLITE_FULL error) that ``exc`` is, or was raised from
    or while handling."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return current
        if isinstance(current, sqlite3.Error) and getattr(current, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return current
        current = current.__cause__ or current.__context__
    return None


@contextmanager
def disk_full_guard(path: str | PathLike[str], kept: str) -> Iterator[None]:
    """Raise :class:`DiskFullError` (``path``, ``kept``) when the block fails for a full disk.

    An inner guard's DiskFullError is re-raised with this guard's ``kept``: the outer caller
    knows more of what survived (e.g. the WARCs in the work folder). Other errors pass as they are.
    """
    try:
        yield
    except DiskFullError as exc:
        raise DiskFullError(exc.path, kept) from exc
    except Exception as exc:  # noqa: BLE001 - anything not caused by a full disk is re-raised as it is
        if disk_full_cause(exc) is None:
            raise
        raise DiskFullError(str(path), kept) from exc
