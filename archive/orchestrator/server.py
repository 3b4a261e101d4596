"""Start, find, reuse and stop the long-lived Prefect server the project runs its flows against.

Why a long-lived server: Prefect's embedded mode starts a temporary API server for every
command (10-20 s on a 2-core machine, and a start-up timeout when the machine is busy) and loses
every run record when it exits. A real server on 127.0.0.1, started once and found by every later
command, costs that start-up once, runs the scheduler services `archive schedule` needs, and keeps
the runs visible in its API and UI. See "Prefect" in the README for the measurements.

This module never imports Prefect (the library stays Prefect-free): it starts the server the way
``prefect server start --background`` does (uvicorn on Prefect's app factory) in a process of its
own, talks to it over HTTP, and keeps its state in PREFECT_HOME (see ``state.py``).

The server process is deliberately detached from whoever started it: its own session (a Ctrl-C
or a kill of the command's process group does not reach it), stdin from /dev/null, stdout and
stderr to ``archive-server.log``, its working directory PREFECT_HOME. A caller reading the
command's stdout therefore sees end-of-file when the command ends, server or not.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from archive.errors import OrchestratorError, UsageError
from archive.orchestrator.state import (
    LOG_NAME,
    SERVER_APP,
    ServerState,
    forget_state,
    process_alive,
    read_state,
    server_lock,
    write_state,
)
from archive.orchestrator.template import seed_database

START_TIMEOUT_ENV = "ARCHIVE_SERVER_START_TIMEOUT"
# A 2-core machine under full load took up to ~60 s to bring the server up; the bound leaves room
# for a slower one. It only matters when the server does not come up at all.
DEFAULT_START_TIMEOUT = 300.0
DEFAULT_STOP_TIMEOUT = 30.0

# Servers this process spawned, so they can be reaped (a dead child stays a zombie, and looks alive
# to a signal probe, until its parent waits for it).
_children: dict[int, subprocess.Popen[bytes]] = {}


def start_timeout() -> float:
    """The start-up bound in seconds: ARCHIVE_SERVER_START_TIMEOUT, or 300."""
    raw = os.environ.get(START_TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_START_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise UsageError(f"{START_TIMEOUT_ENV}={raw!r} is not a positive number of seconds")
    return value


def api_healthy(url: str, timeout: float = 5.0) -> bool:
    """True when ``{url}/health`` answers 200. Plain http.client: no proxy from the environment
    may sit between a command and its local server, and it costs a few milliseconds."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path.rstrip("/") + "/health")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _database(home: Path) -> str:
    configured = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL") or os.environ.get(
        "PREFECT_SERVER_DATABASE_CONNECTION_URL")
    if not configured:
        return f"sqlite {home / 'prefect.db'}"
    parts = urllib.parse.urlsplit(configured)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def listening_socket() -> socket.socket:
    """A TCP socket bound to a port the kernel picked on 127.0.0.1 and listening, for uvicorn
    to serve on (``--fd``). The caller owns it and closes it once handed over.

    uvicorn wraps an inherited fd as a Unix socket, so asyncio never sets TCP_NODELAY on the
    connections it accepts; Linux copies it from the listener instead. Without it every
    keep-alive request to the server waits out a delayed ACK (about 45 ms; a one-article run
    makes about ten requests)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
    except BaseException:
        listener.close()
        raise
    return listener


def _spawn(home: Path) -> ServerState:
    """Start the server on a port the kernel picked, in its own session. The socket is bound and
    listening here and handed to uvicorn (``--fd``), so no other process can take the port
    between choosing it and serving on it."""
    listener = listening_socket()
    try:
        port = listener.getsockname()[1]
        url = f"http://127.0.0.1:{port}/api"
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(PREFECT_HOME=str(home), PREFECT__SERVER_FINAL="1", PREFECT_SERVER_API_HOST="127.0.0.1",
                   PREFECT_SERVER_API_PORT=str(port), PREFECT_UI_API_URL=url)
        env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        env.setdefault("DO_NOT_TRACK", "1")
        command = [sys.executable, "-m", "uvicorn", "--fd", str(listener.fileno()), "--factory", SERVER_APP,
                   "--log-level", "warning", "--lifespan", "on"]
        log_path = home / LOG_NAME
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(command, env=env, cwd=home, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    pass_fds=(listener.fileno(),))
    finally:
        listener.close()
    _children[proc.pid] = proc
    return ServerState(url=url, pid=proc.pid, home=str(home), database=_database(home), log=str(log_path),
                       started_at=time.time())


def _exited(pid: int) -> bool:
    proc = _children.get(pid)
    if proc is not None:
        return proc.poll() is not None
    return not process_alive(pid)


def _wait_healthy(state: ServerState, deadline: float, timeout: float) -> None:
    while True:
        if _exited(state.pid):
            raise OrchestratorError(
                f"the Prefect server (pid {state.pid}) exited while starting; the end of {state.log}:\n"
                f"{_log_tail(Path(state.log))}",
                hint="fix what the log says, then run the command again (`archive server start` starts it alone)")
        if api_healthy(state.url, timeout=max(0.5, min(5.0, deadline - time.monotonic()))):
            return
        if time.monotonic() >= deadline:
            raise OrchestratorError(
                f"the Prefect server at {state.url} did not answer within {timeout:.0f} s "
                f"(log: {state.log})",
                hint=f"on a busy machine allow more time with {START_TIMEOUT_ENV}=SECONDS, or start it first with "
                     "`archive server start`; to use a server running elsewhere set PREFECT_API_URL")
        time.sleep(0.1)


def _terminate(pid: int, grace: float) -> None:
    """SIGTERM the server's process group (it leads its own session), SIGKILL what is left after
    ``grace`` seconds, and reap it if it is our child."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        end = time.monotonic() + wait
        while time.monotonic() < end and not _exited(pid):
            time.sleep(0.05)
        if _exited(pid):
            break
    proc = _children.pop(pid, None)
    if proc is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)


def running_server(home: Path) -> ServerState | None:
    """The recorded server when it is alive and answers, else None. No lock, no start: the fast
    path every command takes once the server is up (a file read and one local HTTP request)."""
    state = read_state(home)
    if state is not None and not _exited(state.pid) and api_healthy(state.url):
        return state
    return None


def ensure_server(home: Path, *, announce: Callable[[str], None] | None = None,
                  timeout: float | None = None) -> ServerState:
    """The home's server, started when none is running.

    Concurrent callers (two commands at the same moment) serialise on the home's lock: the first
    starts the server and records it, the others find the record and wait for that same server,
    so one server, one database writer. A server still starting (its starter may have been
    killed) is waited for, not duplicated. Raises :class:`OrchestratorError` when it does not
    answer within ``timeout`` (default: ``start_timeout()``); a server this call started is then
    stopped again, so a failure leaves nothing running."""
    home = Path(home).resolve()
    found = running_server(home)
    if found is not None:
        return found
    bound = start_timeout() if timeout is None else timeout
    deadline = time.monotonic() + bound
    # The lock's own wait covers a holder that is itself waiting up to the same bound.
    with server_lock(home, wait=bound + 10):
        state = read_state(home)
        if state is not None and not _exited(state.pid):
            _wait_healthy(state, deadline, bound)
            return state
        forget_state(home)
        seed_database(home, timeout=max(1.0, deadline - time.monotonic()))
        state = _spawn(home)
        write_state(home, state)  # before it is healthy: a killed starter's server is still found
        if announce is not None:
            announce(f"starting a Prefect server for this project at {state.url} (once; later commands reuse it, "
                     f"`archive server stop` stops it; data in {home})")
        try:
            _wait_healthy(state, deadline, bound)
        except BaseException:
            _terminate(state.pid, grace=5.0)
            forget_state(home)
            raise
        return state


def stop_server(home: Path, *, grace: float = DEFAULT_STOP_TIMEOUT) -> ServerState | None:
    """Stop the home's server (SIGTERM, then SIGKILL after ``grace`` s); return what was stopped."""
    home = Path(home).resolve()
    with server_lock(home, wait=start_timeout() + 10):
        state = read_state(home)
        if state is None:
            return None
        if not _exited(state.pid):
            _terminate(state.pid, grace)
        forget_state(home)
        return state


def check_api(url: str, timeout: float = 10.0) -> None:
    """A server named by PREFECT_API_URL must answer: say so clearly instead of a Prefect retry
    loop ending in a traceback."""
    if not api_healthy(url, timeout=timeout):
        raise OrchestratorError(
            f"PREFECT_API_URL={url} does not answer",
            hint="start that server, or unset PREFECT_API_URL to let archive run its own on 127.0.0.1")
