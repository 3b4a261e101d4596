"""Scale-out on existing engines: the repository's `prefect.yaml` deployed to a REAL Prefect
server on 127.0.0.1, the capture run by a process worker against the demo site.

Everything Prefect runs in child processes with their own temporary PREFECT_HOME and API URL, so
nothing here touches the settings of the in-process test harness other tests use. Every process
started here (server, CLI calls, worker, and the flow-run processes the worker spawns in their own
sessions) is stopped in ``finally``, also when an assertion or a timeout fails the test.
"""

from __future__ import annotations

import contextlib
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

import bagit  # type: ignore[import-untyped]
import httpx
import pytest

from archive.validate import validate_bag
from archive_app.demo.server import DEMO_ARTICLES, DemoServer

REPO = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]  # the CLI of the environment running the tests
POOL = "news-archive"  # the work pool named in prefect.yaml
# Only a hang reaches it: a saturated 2-core machine took minutes for what takes seconds idle
# (a server start on a new database, a worker importing Prefect), so no step has a tighter bound.
HANG = 900.0
# The demo server never hangs: generous timeouts cost nothing idle and hold on a saturated CPU.
QUICK = {"per_host_delay": 0.0, "retries": 0, "task_retries": 0, "read_timeout": 120.0, "body_timeout": 240.0}

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process clean-up walks /proc")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL it and every descendant still alive. Descendants are
    listed first because Prefect starts flow runs in sessions of their own (killpg misses them)."""
    family = _descendants(proc.pid)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in family:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(10)


@contextlib.contextmanager
def _processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Collects started processes; stops them newest first (the worker before its server)."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for proc in reversed(started):
            _stop(proc)


def _env(home: Path, api_url: str | None) -> dict[str, str]:
    """This process's environment without any PREFECT_* setting, plus a private home and API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               PREFECT_SERVER_UI_ENABLED="false")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def _cli(*args: str, env: dict[str, str], timeout: float = HANG) -> str:
    done = subprocess.run([*PREFECT, *args], check=False, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _wait_healthy(api: str, server: subprocess.Popen[bytes], log: Path, timeout: float = HANG) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False, timeout=5) as http:
        while time.monotonic() < deadline:
            assert server.poll() is None, f"prefect server exited with {server.returncode}:\n{_tail(log)}"
            try:
                if http.get(f"{api}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {timeout} s:\n{_tail(log)}")


def _api(method: str, url: str, body: object = None) -> Any:
    with httpx.Client(trust_env=False, timeout=10) as http:
        answer = http.request(method, url, json=body)
        answer.raise_for_status()
        return answer.json()


@pytest.mark.e2e
@pytest.mark.timeout(3 * HANG)
def test_capture_deployed_to_work_pool_runs_on_worker(tmp_path: Path, demo_server: DemoServer) -> None:
    home, out = tmp_path / "prefect-home", tmp_path / "captures"
    home.mkdir()
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = _env(home, api)
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"

    with _processes() as started:
        with server_log.open("wb") as log:
            started.append(subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                            env=_env(home, None), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True))
        _wait_healthy(api, started[0], server_log)

        _cli("work-pool", "create", POOL, "--type", "process", env=env)
        deployed = _cli("--no-prompt", "deploy", "--all", env=env)
        assert "capture-articles/capture" in deployed and "audit-fixity/audit" in deployed, deployed
        deployment = _api("GET", f"{api}/deployments/name/capture-articles/capture")
        assert deployment["work_pool_name"] == POOL
        assert deployment["pull_steps"] == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
        ], "workers change into the checkout `prefect deploy` ran in"

        params = {"urls": [demo_server.url(p) for p in DEMO_ARTICLES], "out_dir": str(out),
                  "settings": QUICK, "capture_id": "capture-scale-out"}
        _cli("deployment", "run", "capture-articles/capture", "--params", json.dumps(params), env=env)

        # The run is scheduled before the worker starts, so one poll finds it; --run-once then
        # waits for the runs it submitted and exits: the exit is the synchronisation point.
        with worker_log.open("wb") as log:
            worker = subprocess.Popen([*PREFECT, "worker", "start", "--pool", POOL, "--run-once"],
                                      cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        started.append(worker)
        try:
            worker.wait(HANG)
        except subprocess.TimeoutExpired:
            pytest.fail(f"worker did not finish the run within {HANG:.0f} s:\n{_tail(worker_log)}")

        [run] = _api("POST", f"{api}/flow_runs/filter", {})
        detail = f"worker exited {worker.returncode}; {run['state']}\n{_tail(worker_log)}"
        assert run["state"]["type"] == "COMPLETED", detail
        assert run["work_pool_name"] == POOL and run["deployment_id"]

    # Outside the process block: the server and worker are gone, the bag stands on its own.
    bag = out / "capture-scale-out"
    report = json.loads((out / "capture-scale-out.report.json").read_text())
    assert report["pages_captured"] == len(DEMO_ARTICLES)
    assert report["bag"]["valid"] and Path(report["bag"]["path"]) == bag
    verdict = validate_bag(bag)
    assert verdict.valid, verdict.problems
    bagit.Bag(str(bag)).validate()  # raises on any problem
    assert len(list((bag / "data" / "metadata").glob("*.json"))) == len(DEMO_ARTICLES)


@pytest.mark.e2e
@pytest.mark.timeout(3 * HANG)
def test_interval_schedule_fires_and_produces_a_bag(tmp_path: Path, demo_server: DemoServer) -> None:
    """`archive schedule` serving a config whose source runs every 5 s, against a real server:
    the schedule fires on its own and a valid bag appears."""
    home, out = tmp_path / "prefect-home", tmp_path / "captures"
    home.mkdir()
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    config = tmp_path / "archive.yaml"
    config.write_text(
        f"output: {out}\n"
        "capture: {per_host_delay: 0.0, retries: 0, task_retries: 0}\n"
        "sources:\n"
        f"  - name: every-five-seconds\n    urls: ['{demo_server.url(DEMO_ARTICLES[0])}']\n"
        "    schedule: {interval: 5}\n"
    )
    server_env = {**_env(home, None), "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}
    serve_env = {**_env(home, api), "PREFECT_RUNNER_POLL_FREQUENCY": "2"}
    server_log, serve_log = tmp_path / "server.log", tmp_path / "schedule.log"
    archive = str(Path(sys.executable).with_name("archive"))

    with _processes() as started:
        with server_log.open("wb") as log:
            started.append(subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                            env=server_env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True))
        _wait_healthy(api, started[0], server_log)
        with serve_log.open("wb") as log:
            serving = subprocess.Popen([archive, "schedule", "--config", str(config)], cwd=tmp_path, env=serve_env,
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        started.append(serving)
        deadline = time.monotonic() + HANG
        bags: list[Path] = []
        while time.monotonic() < deadline and not bags:
            assert serving.poll() is None, f"archive schedule exited:\n{_tail(serve_log)}"
            # A bag is built in a ".partial-" staging folder (which already holds bagit.txt) and
            # renamed when whole: only finished bags count, or a busy machine catches the rename.
            bags = sorted(p for p in out.glob("capture-*")
                          if ".partial-" not in p.name and (p / "bagit.txt").is_file()) if out.exists() else []
            time.sleep(1)
        assert bags, f"no bag within {HANG:.0f} s:\n{_tail(serve_log)}\n--- server ---\n{_tail(server_log)}"
        deployment = _api("GET", f"{api}/deployments/name/capture-source/every-five-seconds")
        assert deployment["schedules"][0]["schedule"]["interval"] == 5.0

    assert validate_bag(bags[0]).valid
    bagit.Bag(str(bags[0])).validate()
