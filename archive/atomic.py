"""Atomic file output: write beside the target, fsync, rename. A crash leaves the old file (or
none) and at most a hidden `.NAME.*.tmp`, never a half-written file under the real name."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from archive.diskfull import disk_full_guard


@contextmanager
def atomic_write(path: Path) -> Iterator[IO[bytes]]:
    """Yield a binary file that becomes ``path`` only when the block ends without error.

    The temporary file is created with O_EXCL like any other file, so its mode follows the umask
    (no process-wide umask juggling, which would race with other threads). A full disk raises
    :class:`~archive.errors.DiskFullError`; the temporary file is removed either way."""
    path = Path(path)
    with disk_full_guard(path, f"{path} was not written (a file already there is unchanged)"):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fh = open(tmp, "xb")
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.replace(tmp, path)
        except BaseException:
            # close() flushes the buffer, which fails again on a full disk: that second error
            # must not replace the first (the one that says what went wrong).
            with contextlib.suppress(OSError):
                fh.close()
            tmp.unlink(missing_ok=True)
            raise


def write_json_atomic(path: Path, data: Any) -> Path:
    """``data`` as pretty-printed UTF-8 JSON at ``path``, atomically."""
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    return Path(path)
