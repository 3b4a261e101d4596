"""The long-lived Prefect server the CLI manages: started once by the first command that needs it,
reused by the next, one server when two commands start at the same moment on a saturated CPU,
detached from a command killed during start-up, stopped cleanly, and clear errors otherwise.

Every test here has a PREFECT_HOME of its own (so a server of its own) and stops what it started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from archive.orchestrator import stop_server
from archive.orchestrator.state import (
    SERVER_APP,
    ServerState,
    process_alive,
    read_state,
    state_path,
    write_state,
)
from archive_app.demo.server import DemoServer
from tests.helpers.busy import saturated_cpu

ARCHIVE = str(Path(sys.executable).with_name("archive"))
STARTING = "starting a Prefect server"
# Generous on purpose: a bound that only a hang reaches, never a speed check.
HANG = 900.0

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update({"PREFECT_HOME": str(home), "ARCHIVE_SERVER_START_TIMEOUT": "600", **extra})
    return env


def _server_pids(home: Path) -> list[int]:
    """Every live Prefect server process whose PREFECT_HOME is ``home`` (however it was started)."""
    found = []
    marker = f"PREFECT_HOME={home}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if SERVER_APP.encode() in (proc / "cmdline").read_bytes() and \
                    marker in (proc / "environ").read_bytes().split(b"\0") and process_alive(int(proc.name)):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.fixture()
def home(tmp_path: Path) -> Iterator[Path]:
    home = (tmp_path / "prefect-home").resolve()
    home.mkdir()
    try:
        yield home
    finally:
        stop_server(home, grace=10)
        for pid in _server_pids(home):  # anything the state file no longer names
            os.killpg(pid, signal.SIGKILL)


def _capture(url: str, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([ARCHIVE, "capture", url, "--out", str(out), "--quiet", "--delay", "0"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=HANG)
    return proc.returncode, out, err


def _flow_runs(state: ServerState) -> list[dict[str, Any]]:
    with httpx.Client(trust_env=False, timeout=30) as http:
        answer = http.post(f"{state.url}/flow_runs/filter", json={})
        answer.raise_for_status()
        return list(answer.json())


@pytest.mark.e2e
@pytest.mark.timeout(1800)
def test_first_command_starts_the_server_later_ones_reuse_it_and_stop_ends_it(
        home: Path, demo_server: DemoServer, tmp_path: Path) -> None:
    env, url = _env(home), demo_server.article_urls()[0]
    code, out, err = _finish(_capture(url, tmp_path / "a", env))
    assert code == 0, err
    assert err.count(STARTING) == 1, err
    assert len(err.splitlines()[0]) < 240 and STARTING in err.splitlines()[0], "one clear line, first"
    state = read_state(home)
    assert state is not None and process_alive(state.pid)
    assert os.getsid(state.pid) == state.pid, "the server leads its own session"

    code, out2, err2 = _finish(_capture(url, tmp_path / "b", env))
    assert code == 0, err2
    assert STARTING not in err2
    assert read_state(home) == state, "the second command reused the first one's server"
    assert (tmp_path / "b").is_dir() and Path(out2.strip()).is_dir()

    # The runs outlive the commands that made them.
    runs = _flow_runs(state)
    assert sorted(r["state"]["type"] for r in runs) == ["COMPLETED", "COMPLETED"]
    with httpx.Client(trust_env=False, timeout=30) as http:
        tasks = http.post(f"{state.url}/task_runs/filter", json={}).json()
        reports = http.post(f"{state.url}/artifacts/filter", json={}).json()
    assert {t["flow_run_id"] for t in tasks} == {r["id"] for r in runs}, "each run's task runs are kept"
    assert sorted(a["key"] for a in reports) == ["capture-report", "capture-report"]

    status = subprocess.run([ARCHIVE, "server", "status"], env=env, capture_output=True, text=True, timeout=HANG)
    assert status.returncode == 0 and state.url in status.stdout, status.stderr
    started = subprocess.run([ARCHIVE, "server", "start"], env=env, capture_output=True, text=True, timeout=HANG)
    assert started.returncode == 0 and started.stdout.strip() == state.url and STARTING not in started.stderr

    stop = subprocess.run([ARCHIVE, "server", "stop"], env=env, capture_output=True, text=True, timeout=HANG)
    assert stop.returncode == 0, stop.stderr
    assert not process_alive(state.pid) and _server_pids(home) == []
    assert not state_path(home).exists()
    status = subprocess.run([ARCHIVE, "server", "status"], env=env, capture_output=True, text=True, timeout=HANG)
    assert status.returncode == 1 and "not running" in status.stderr


@pytest.mark.e2e
@pytest.mark.timeout(1800)
def test_two_captures_at_once_on_a_saturated_cpu_start_one_server(
        home: Path, demo_server: DemoServer, tmp_path: Path) -> None:
    env = _env(home)
    urls = demo_server.article_urls()
    with saturated_cpu(per_core=2, bound=HANG):
        procs = [_capture(urls[i % len(urls)], tmp_path / f"out{i}", env) for i in range(2)]
        results = [_finish(p) for p in procs]
        servers = _server_pids(home)
    for code, out, err in results:
        assert code == 0, err
        assert Path(out.strip()).is_dir(), out
    assert sum(err.count(STARTING) for _, _, err in results) == 1, [err for _, _, err in results]
    state = read_state(home)
    assert state is not None and servers == [state.pid]
    assert sorted(r["state"]["type"] for r in _flow_runs(state)) == ["COMPLETED", "COMPLETED"]


def _descendants(pid: int) -> list[int]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.e2e
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_capture_killed_during_start_up_leaves_nothing_on_its_stdout(
        sig: signal.Signals, home: Path, demo_server: DemoServer, tmp_path: Path) -> None:
    """Issue 10 item 9: the caller reading the killed command's stdout/stderr sees end-of-file
    (nothing the command started holds them), and the server it was starting, detached on
    purpose, is found and reused by the next command instead of being started twice."""
    env = _env(home)
    proc = _capture(demo_server.article_urls()[0], tmp_path / "out", env)
    deadline = time.monotonic() + HANG
    while read_state(home) is None:  # the server has been spawned: start-up is under way
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no server was started"
        time.sleep(0.02)
    state = read_state(home)
    assert state is not None
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=HANG)  # hangs (and fails) if a child still holds the pipes
    assert proc.returncode == -sig
    assert [p for p in _descendants(proc.pid)] == []
    assert process_alive(state.pid) and os.getsid(state.pid) == state.pid != os.getsid(os.getpid())

    started = subprocess.run([ARCHIVE, "server", "start"], env=env, capture_output=True, text=True, timeout=HANG)
    assert started.returncode == 0, started.stderr
    assert STARTING not in started.stderr and started.stdout.strip() == state.url
    assert _server_pids(home) == [state.pid]


def test_a_server_that_does_not_come_up_in_time_is_stopped_and_the_error_says_what_to_do(home: Path) -> None:
    # 0.01 s: the server cannot even import in that time, so the bound is what is tested.
    done = subprocess.run([ARCHIVE, "server", "start"], env=_env(home, ARCHIVE_SERVER_START_TIMEOUT="0.01"),
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 1
    assert "did not answer within" in done.stderr and "ARCHIVE_SERVER_START_TIMEOUT" in done.stderr
    assert "Traceback" not in done.stderr
    assert _server_pids(home) == [] and read_state(home) is None


def test_a_bad_start_timeout_is_a_usage_error(home: Path) -> None:
    done = subprocess.run([ARCHIVE, "server", "start"], env=_env(home, ARCHIVE_SERVER_START_TIMEOUT="soon"),
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 2 and "ARCHIVE_SERVER_START_TIMEOUT" in done.stderr
    assert _server_pids(home) == []


def test_prefect_api_url_that_does_not_answer_is_a_clear_error(home: Path, demo_server: DemoServer,
                                                             tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    env = _env(home, PREFECT_API_URL=f"http://127.0.0.1:{port}/api")
    code, out, err = _finish(_capture(demo_server.article_urls()[0], tmp_path / "out", env))
    assert code == 1 and "does not answer" in err and "Traceback" not in err, err
    assert out == "" and _server_pids(home) == [] and read_state(home) is None


def test_a_stale_state_file_is_not_taken_for_a_running_server(home: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    write_state(home, ServerState(url="http://127.0.0.1:9/api", pid=gone.pid, home=str(home), database="-",
                                  log="-", started_at=0.0))
    assert not process_alive(gone.pid) and not process_alive(os.getpid()), "only a live server process counts"
    done = subprocess.run([ARCHIVE, "server", "status"], env=_env(home), capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 1 and "does not answer" in done.stderr
    assert json.loads(state_path(home).read_text())["pid"] == gone.pid, "status only looks"


def test_an_unusable_prefect_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = subprocess.run([ARCHIVE, "server", "start"], env=_env(blocker / "home"), capture_output=True, text=True,
                          timeout=HANG)
    assert done.returncode == 1 and "cannot use PREFECT_HOME" in done.stderr and "Traceback" not in done.stderr
