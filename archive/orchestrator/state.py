"""What the project knows about the Prefect server it manages: a JSON state file and a lock file,
both in PREFECT_HOME, so every command (and every checkout, each with its own PREFECT_HOME)
finds its own server and never another checkout's.

The lock is an advisory ``flock`` on ``archive-server.lock``: the kernel drops it when its holder
dies (even by SIGKILL), so a killed command never leaves a lock behind that blocks the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.atomic import write_json_atomic
from archive.children import any_thread_running
from archive.errors import OrchestratorError

STATE_NAME = "archive-server.json"
LOCK_NAME = "archive-server.lock"
LOG_NAME = "archive-server.log"
# The command line that identifies our server process (checked before any signal is sent, so a
# recycled pid belonging to something else is never killed).
SERVER_APP = "prefect.server.api.server:create_app"


@dataclass(frozen=True)
class ServerState:
    """One managed server: where it answers, which process it is, where it keeps its data."""

    url: str  # the API URL, http://127.0.0.1:PORT/api
    pid: int
    home: str  # PREFECT_HOME it was started with
    database: str  # where its data is (a password in a connection URL is never written)
    log: str
    started_at: float  # time.time() when it was spawned

    @property
    def health_url(self) -> str:
        return f"{self.url}/health"


def state_path(home: Path) -> Path:
    return home / STATE_NAME


def read_state(home: Path) -> ServerState | None:
    """The recorded server, or None when there is none (or the file is unreadable: a state file
    is only a hint, the process and its health check are the truth)."""
    try:
        data = json.loads(state_path(home).read_text(encoding="utf-8"))
        return ServerState(**{k: data[k] for k in ServerState.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(home: Path, state: ServerState) -> None:
    write_json_atomic(state_path(home), asdict(state))


def forget_state(home: Path) -> None:
    state_path(home).unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """True while ``pid`` is a running (not zombie) process whose command line is our server's."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process under a recycled pid
        return False
    proc = Path("/proc") / str(pid)
    if not proc.is_dir():  # no /proc (not Linux): the signal probe is all we have
        return True
    try:
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return SERVER_APP in cmdline and any_thread_running(proc)


@contextlib.contextmanager
def server_lock(home: Path, wait: float) -> Iterator[None]:
    """Hold the home's server lock; wait for it at most ``wait`` seconds (the holder may be
    starting a server on a slow machine, which is why the caller passes its start-up bound)."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise OrchestratorError(f"cannot use PREFECT_HOME {home} for the Prefect server: {exc.strerror or exc}",
                                hint="set PREFECT_HOME to a writable folder") from exc
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OrchestratorError(
                        f"another archive command has held {home / LOCK_NAME} for {wait:.0f} s while "
                        "starting the Prefect server",
                        hint="wait for it to finish (or stop it), then run this command again; "
                             "`archive server status` shows the server") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
