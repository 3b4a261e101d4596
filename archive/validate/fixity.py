"""Fixity: read each listed file once, feed every algorithm that lists it, compare digests.

Built for bags of many small files, where per-file Python work, not hashing, used to be the
cost: files go to the threads in batches of inventory rows; each is read with ``os.readv``
into the thread's one reused buffer (no file object, no new bytes per file); digests are
compared as bytes in the worker thread, so only problems come back. hashlib releases the GIL
while it hashes blocks of over 2 KiB, so the threads hash in parallel.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from archive.beneath import Beneath, is_link_error
from archive.errors import Problem
from archive.package.hashing import BLOCK_SIZE, ordered_map
from archive.validate import report as k
from archive.validate.columns import DigestColumn
from archive.validate.inventory import Inventory
from archive.validate.report import DigestProblem

_BATCH_BYTES = 4 << 20  # small files go to the threads in batches of about this many bytes...
_BATCH_FILES = 256  # ...or this many files: one task per 16 KiB file cost more than its hashing

_local = threading.local()


def _buffer() -> memoryview:
    """This thread's block buffer: allocating (and zeroing) 1 MiB per file would cost more
    than hashing a 16 KiB file."""
    view: memoryview | None = getattr(_local, "view", None)
    if view is None:
        view = _local.view = memoryview(bytearray(BLOCK_SIZE))
    return view


@dataclass(frozen=True)
class Listing:
    """One manifest as the fixity check sees it."""

    name: str
    algorithm: str
    tag: bool
    column: DigestColumn

    @functools.cached_property
    def new(self) -> Callable[[], hashlib._Hash]:
        direct = getattr(hashlib, self.algorithm, None)  # a C constructor: hashlib.new is slower
        return direct if callable(direct) else functools.partial(hashlib.new, self.algorithm)


@dataclass
class Outcome:
    files: int = 0
    size: int = 0
    problems: list[Problem] | None = None


def check_fixity(beneath: Beneath, inv: Inventory, listings: Sequence[Listing], processes: int,
                 progress: Callable[[int], None] | None) -> Outcome:
    """Hash every present file some manifest lists, on ``processes`` threads; every mismatch
    and unreadable file is a problem (sorted by path). Files are opened through ``beneath``."""
    used = [li for li in listings if li.column.listed_rows]
    work = _Worker(beneath, inv, used, progress)
    done = Outcome(problems=[])
    for part in ordered_map(work.batch, _batches(inv, used), processes):
        done.files += part.files
        done.size += part.size
        done.problems += part.problems or []  # type: ignore[operator]
    # Hashing order is by size; report in a stable order instead.
    assert done.problems is not None
    done.problems.sort(key=lambda p: (p.path, getattr(p, "algorithm", "")))
    return done


def _batches(inv: Inventory, used: Sequence[Listing]) -> Iterator[list[int]]:
    """Rows to hash: files of over a block alone and largest first (the pool should not end on
    one big file while the other thread sits idle), then the rest in batches, in walk order."""
    sizes = inv.sizes
    listed = [li.column.listed for li in used]
    rows = range(len(sizes))
    wanted = [row for row in rows if sizes[row] > BLOCK_SIZE and any(f(row) for f in listed)]
    wanted.sort(key=sizes.__getitem__, reverse=True)
    yield from ([row] for row in wanted)
    batch: list[int] = []
    size = 0
    for row in rows:
        if sizes[row] > BLOCK_SIZE or not any(f(row) for f in listed):
            continue
        batch.append(row)
        size += sizes[row]
        if size >= _BATCH_BYTES or len(batch) >= _BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class _Worker:
    def __init__(self, beneath: Beneath, inv: Inventory, used: Sequence[Listing],
                 progress: Callable[[int], None] | None) -> None:
        self._beneath = beneath
        self._paths = inv.paths
        self._used = used
        self._progress = progress

    def batch(self, rows: list[int]) -> Outcome:
        """Hash these rows' files (in a pool thread); only problems come back, not digests."""
        out = Outcome(files=len(rows), problems=[])
        rest = 0  # bytes read in blocks shorter than BLOCK_SIZE, which _read does not report
        view = _buffer()
        listed = [(li, li.column.listed) for li in self._used]
        for row in rows:
            want = [li for li, is_listed in listed if is_listed(row)]
            size = self._check(row, want, out.problems, view)  # type: ignore[arg-type]
            out.size += size
            rest += size % BLOCK_SIZE
        if self._progress is not None and rest:
            self._progress(rest)
        return out

    def _check(self, row: int, want: list[Listing], problems: list[Problem], view: memoryview) -> int:
        path = self._paths[row]
        hashers = [li.new() for li in want]
        try:
            size = _read(self._beneath.open(path), hashers, view, self._progress)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if is_link_error(exc):
                reason += " (a link appeared on its path after the bag was listed; not followed)"
            problems.append(Problem(path, k.UNREADABLE, f"cannot read: {reason}"))
            return 0
        for li, h in zip(want, hashers, strict=True):
            found = h.digest()
            expected = li.column.digest(row)
            if found != expected:
                kind = k.TAG_FILE_CHANGED if li.tag else k.CHECKSUM_MISMATCH
                problems.append(DigestProblem(
                    path, kind, f"{li.algorithm} expected {expected.hex()} found {found.hex()} ({li.name})",
                    algorithm=li.algorithm, expected=expected.hex(), found=found.hex()))
        return size


def _read(fd: int, hashers: list[hashlib._Hash], view: memoryview, progress: Callable[[int], None] | None) -> int:
    """Feed the whole file ``fd`` to every hasher, one block at a time; closes ``fd``.

    ``progress`` hears of each whole block as it is read; the caller reports the rest (the
    last, short block of each file) a batch at a time."""
    size = 0
    try:
        while True:
            n = os.readv(fd, [view])
            if not n:
                break
            block = view[:n]
            for h in hashers:
                h.update(block)
            size += n
            if n == len(view) and progress is not None:
                progress(n)
            elif n < len(view):
                # A short read from a regular file means end of file: skip the empty read that
                # would confirm it (one syscall less per small file; 20,000-file bags notice).
                break
    finally:
        os.close(fd)
    return size
