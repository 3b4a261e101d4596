"""A saturated CPU for tests that must hold on a busy machine: busy-loop processes, each bounded
in time by itself (so a crashed test cannot leave one spinning) and killed when the block ends."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

LOOP = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def saturated_cpu(per_core: int = 2, bound: float = 600.0) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``per_core`` busy loops per core, each ending by itself after ``bound`` seconds at most."""
    loops = [subprocess.Popen([sys.executable, "-c", LOOP, str(bound)], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(per_core * (os.cpu_count() or 1))]
    try:
        yield loops
    finally:
        for proc in loops:
            proc.kill()
        for proc in loops:
            proc.wait()


def main(argv: list[str]) -> int:
    """`python -m tests.helpers.busy COMMAND...`: run COMMAND with the CPU saturated (the loops
    end with it, also when this process is told to stop with SIGTERM)."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    with saturated_cpu(per_core=2, bound=7200.0):
        return subprocess.call(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
