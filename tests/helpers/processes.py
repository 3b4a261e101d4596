"""What is still running after a test killed something (Linux /proc)."""

from __future__ import annotations

from pathlib import Path

from archive.children import any_thread_running


def running(pid: int) -> bool:
    """Any thread of ``pid`` still alive (a main thread that has exited shows as a zombie while
    the others still hold the process's sockets)."""
    return any_thread_running(Path(f"/proc/{pid}"))


def children_of(pid: int, cmdline_has: bytes = b"") -> list[int]:
    """Direct children of ``pid`` (whose command line contains ``cmdline_has``)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((proc / "stat").read_text().rpartition(")")[2].split()[1])
            if parent == pid and cmdline_has in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except (OSError, IndexError, ValueError):
            continue
    return found
