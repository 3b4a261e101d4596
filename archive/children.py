"""Child processes that end with the command that started them.

A command killed by SIGKILL runs no clean-up code, so a helper it started (pywb for
`archive replay`) would keep its port and files. On Linux the kernel can deliver a signal to
the child when its parent dies (``PR_SET_PDEATHSIG``); set in the child between fork and exec.
Elsewhere this does nothing and the parent's own clean-up (``finally``, signal handlers) is all
there is. The long-lived Prefect server is the one child deliberately left out (see
archive/orchestrator/server.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _libc()  # loaded in the parent: the child between fork and exec must not import


def die_with_parent() -> None:
    """``preexec_fn`` for Popen: SIGTERM this child when the thread that started it exits, and
    at once if the parent is already gone (the race between fork and prctl)."""
    if _LIBC is None:
        return
    parent = os.getppid()
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


# Set by a process that lets another library spawn its children (Prefect's runner in `archive
# schedule`): its pid, so a child can ask for the parent-death signal itself.
PARENT_ENV = "ARCHIVE_END_WITH_PID"


def mark_children_to_end_with_me() -> None:
    """Children started from now on (and inheriting the environment) that call
    :func:`end_with_marked_parent` end when this process dies."""
    os.environ[PARENT_ENV] = str(os.getpid())


def end_with_marked_parent() -> None:
    """In a child of a process that called :func:`mark_children_to_end_with_me`: SIGTERM this
    process when that parent dies, or now if it already has. Does nothing elsewhere (a run
    started by a Prefect worker, a test)."""
    marked = os.environ.get(PARENT_ENV)
    if _LIBC is None or not marked or not marked.isdigit():
        return
    os.environ.pop(PARENT_ENV)  # grandchildren have a parent of their own
    if os.getppid() == int(marked):
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() == int(marked):
            return
    os.kill(os.getpid(), signal.SIGTERM)  # the parent is already gone


def any_thread_running(proc: Path) -> bool:
    """Whether any thread of the process at ``proc`` (``/proc/PID``) is still running.

    An exited main thread shows as a zombie while the other threads still hold the process's
    port, sockets and database; a thread ending while we look is just skipped."""
    try:
        tasks = list((proc / "task").iterdir())
    except OSError:
        return False
    for task in tasks:
        try:
            if (task / "stat").read_text().rpartition(")")[2].split()[0] not in ("Z", "X"):
                return True
        except (OSError, IndexError):
            continue
    return False
