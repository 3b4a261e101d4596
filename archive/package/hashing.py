"""Streaming digests: every file is read once, every algorithm fed from the same block.

hashlib releases the GIL while hashing blocks larger than 2 KiB, so a small thread pool gets
real parallelism across files without the pickling cost of processes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from archive.beneath import is_link_error, open_file_beneath
from archive.errors import BagError

BLOCK_SIZE = 1 << 20  # 1 MiB: big enough to amortise syscalls, small enough to stay in cache

# Algorithms a manifest may name (RFC 8493 section 2.4 plus older bags' habits).
SUPPORTED_ALGORITHMS: tuple[str, ...] = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")

Progress = Callable[[int], None]
T = TypeVar("T")
R = TypeVar("R")

# One reusable block buffer per thread: allocating (and zeroing) 1 MiB per file would cost more
# than hashing a 16 KiB file.
_local = threading.local()


def _buffer() -> bytearray:
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = bytearray(BLOCK_SIZE)
    return buf


@dataclass(frozen=True)
class FileDigests:
    """The digests of one file (hex, lower case) and how many bytes were read."""

    path: str | Path
    size: int
    digests: dict[str, str]
    error: str | None = None  # set when the file could not be read; digests is then empty


def _constructor(name: str) -> Callable[[], hashlib._Hash]:
    # hashlib.sha256 and friends are direct C constructors; hashlib.new(name) goes through a
    # Python-level lookup each call, which shows on bags of many small files.
    direct = getattr(hashlib, name, None)
    return direct if callable(direct) else (lambda: hashlib.new(name))


_CONSTRUCTORS = {name: _constructor(name) for name in SUPPORTED_ALGORITHMS}


def new_hashers(algorithms: Iterable[str]) -> dict[str, hashlib._Hash]:
    return {name: (_CONSTRUCTORS.get(name) or _constructor(name))() for name in algorithms}


def hash_stream(stream: BinaryIO, algorithms: Sequence[str], progress: Progress | None,
                sink: BinaryIO | None = None) -> tuple[int, dict[str, str]]:
    """Size and hex digests of what ``stream`` holds, read once in blocks, every algorithm fed
    from the same block (and each block copied to ``sink`` when given). The caller owns both
    streams. Without a sink, a short read ends the loop: ``stream`` must be a regular file."""
    hashers = new_hashers(algorithms)
    size = 0
    buf = _buffer()
    view = memoryview(buf)
    while True:
        n = stream.readinto(buf)  # type: ignore[attr-defined]
        if not n:
            break
        block = view[:n]
        for h in hashers.values():
            h.update(block)
        if sink is not None:
            sink.write(block)
        size += n
        if progress is not None:
            progress(n)
        if n < len(buf) and sink is None:
            # A short read from a regular file means end of file: skip the empty read that
            # would confirm it (one syscall less per small file; 20,000-file bags notice).
            break
    return size, {name: h.hexdigest() for name, h in hashers.items()}


def hash_file(path: str | Path, algorithms: Sequence[str], progress: Progress | None = None) -> FileDigests:
    """Digest one file in one pass. Never follows a symlink; unreadable files become ``error``."""
    try:
        # O_NOFOLLOW: a symlink swapped in after the caller's check must not be read through.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        return FileDigests(path, 0, {}, error=exc.strerror or str(exc))
    try:
        with os.fdopen(fd, "rb", buffering=0) as stream:
            size, digests = hash_stream(stream, algorithms, progress)
    except OSError as exc:
        return FileDigests(path, 0, {}, error=exc.strerror or str(exc))
    return FileDigests(path, size, digests)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` threads, in order, with a bounded number in flight.

    ``Executor.map`` would create one future per item up front: for a bag of 100,000 files that
    is memory growing with the bag for no gain, since only ``workers`` can run at once.
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    window = workers * 4
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hash") as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def hash_files(paths: Sequence[Path], algorithms: Sequence[str], *, processes: int = 2,
               progress: Progress | None = None) -> Iterator[FileDigests]:
    """Digest many files with ``processes`` threads; results come back in input order.

    Pass large files first, so the last worker does not end up hashing a 1 GiB file alone.
    """
    return ordered_map(lambda p: hash_file(p, algorithms, progress), paths, processes)


def copy_and_hash(src: Path, dst: Path, algorithms: Sequence[str],
                  progress: Progress | None = None) -> FileDigests:
    """Copy ``src`` to a new file ``dst`` (must not exist), digesting the bytes as they pass.

    One read of the input; the copy is fsync'd before returning so a later rename publishes only
    durable bytes. The input is opened read-only, never through a symbolic link (its last path
    component), and never modified; :class:`BagError` when it is a link or not a regular file.
    """
    src = Path(src)
    try:
        # Never through a link: a file swapped for one after the caller's checks is refused.
        inp = open_file_beneath(src.parent, src.name)
    except OSError as exc:
        if is_link_error(exc) or exc.errno == errno.EINVAL:
            raise BagError(f"{src}: {exc.strerror}; not packaged (links and special files are never "
                           "followed or read)") from exc
        raise
    with inp, open(dst, "xb") as out:
        size, digests = hash_stream(inp, algorithms, progress, sink=out)
        out.flush()
        os.fsync(out.fileno())
    return FileDigests(dst, size, digests)


def write_and_hash(dst: Path, data: bytes, algorithms: Sequence[str]) -> FileDigests:
    """Write small generated content (tag files, indexes) to a new file, fsync'd, with digests."""
    hashers = new_hashers(algorithms)
    for h in hashers.values():
        h.update(data)
    with open(dst, "xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return FileDigests(dst, len(data), {n: h.hexdigest() for n, h in hashers.items()})


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (new files, renames) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
