"""`archive schedule --config FILE` as the README shows it, with the embedded defaults and nothing
started by hand: the command starts the project's Prefect server (which runs the scheduler
services the ephemeral server lacks), and a 5 s interval source fires again and again, each run
leaving its bag or its "nothing new" report. How soon it fires is measured by
bench/bench_orchestration.py, not asserted here."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from archive.orchestrator import stop_server
from archive.orchestrator.state import read_state
from archive.validate import validate_bag
from archive_app.demo.server import DemoServer
from flows.schedule import FIRST_SLOT_TAG
from tests.helpers.processes import children_of, running

ARCHIVE = str(Path(sys.executable).with_name("archive"))
RUNS = 3
HANG = 900.0  # only a hang reaches it


def _completed(home: Path) -> list[dict[str, Any]]:
    """The deployment's completed runs (each also has a capture-articles subflow run, which has
    no deployment); a run writes its report before Prefect records it as completed."""
    state = read_state(home)
    if state is None:
        return []
    try:
        with httpx.Client(trust_env=False, timeout=30) as http:
            runs = http.post(f"{state.url}/flow_runs/filter", json={}).json()
    except httpx.HTTPError:  # still starting
        return []
    return [r for r in runs if r["deployment_id"] and r["state"]["type"] == "COMPLETED"]


def _reports(out: Path) -> list[dict[str, object]]:
    found = []
    for path in sorted(out.glob("capture-*.report.json")) if out.is_dir() else []:
        found.append(json.loads(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.e2e
@pytest.mark.timeout(1800)
def test_schedule_with_embedded_defaults_fires_every_interval(tmp_path: Path, demo_server: DemoServer) -> None:
    home, out = (tmp_path / "prefect-home").resolve(), tmp_path / "captures"
    config = tmp_path / "archive.yaml"
    config.write_text(f"output: {out}\nsources:\n  - name: every-five-seconds\n"
                      f"    urls: ['{demo_server.article_urls()[0]}']\n    schedule: {{interval: 5}}\n")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), ARCHIVE_SERVER_START_TIMEOUT="600")
    log = tmp_path / "schedule.log"
    with log.open("wb") as sink:
        serving = subprocess.Popen([ARCHIVE, "schedule", "--config", str(config)], cwd=tmp_path, env=env,
                                   stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + HANG
        while len(done := _completed(home)) < RUNS:
            assert serving.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"{len(done)} run(s) only:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        try:
            serving.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(serving.pid, signal.SIGKILL)
            serving.wait()
        recorded = read_state(home)
        stop_server(home)

    assert recorded is not None, "the command started the project's server"

    reports = _reports(out)
    assert len(reports) >= RUNS
    bags = [r for r in reports if r.get("bag")]
    assert bags, "the first run captures the article into a bag"
    for report in reports:
        if report.get("bag"):
            assert report["bag"]["valid"] and validate_bag(Path(report["bag"]["path"])).valid  # type: ignore[index]
        else:
            assert report["unchanged"] == 1 and report["pages_captured"] == 1, report  # "nothing new"
    # Fired by the schedule: runs were due every 5 s (scheduled times, not this machine's speed).
    due = sorted(datetime.fromisoformat(r["expected_start_time"]) for r in done)
    gaps = {(b - a).total_seconds() % 5 for a, b in zip(due, due[1:], strict=False)}
    assert gaps == {0.0}, due
    # The first slot (the interval's anchor, the command's start) is asked for at once, the
    # scheduler fills the later ones.
    first = [r for r in done if FIRST_SLOT_TAG in r["tags"]]
    assert len(first) == 1 and datetime.fromisoformat(first[0]["expected_start_time"]) == due[0], done
    assert all(r["auto_scheduled"] for r in done if r is not first[0])


@pytest.mark.e2e
@pytest.mark.timeout(1800)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the kernel's parent-death signal")
def test_a_killed_schedule_takes_its_runs_with_it(tmp_path: Path, fault_server: Any) -> None:
    """Issue 10 item 9: `archive schedule` killed by SIGKILL while a run is in flight; the run's
    process (Prefect's runner starts one per run, in a session of its own) ends too, long before
    the run could have ended by itself (a page that never answers, a 600 s read timeout)."""
    home, out = (tmp_path / "prefect-home").resolve(), tmp_path / "captures"
    config = tmp_path / "archive.yaml"
    config.write_text(f"output: {out}\ncapture: {{read_timeout: 600, retries: 0, task_retries: 0}}\n"
                      f"sources:\n  - name: never-answers\n    urls: ['{fault_server.url('/never')}']\n"
                      "    schedule: {interval: 5}\n")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), ARCHIVE_SERVER_START_TIMEOUT="600")
    serving = subprocess.Popen([ARCHIVE, "schedule", "--config", str(config)], cwd=tmp_path, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs: list[int] = []
    try:
        deadline = time.monotonic() + HANG
        while not (runs := children_of(serving.pid, b"prefect.engine")):
            assert serving.poll() is None and time.monotonic() < deadline, "no run was started"
            time.sleep(0.1)
        serving.kill()
        serving.wait()
        # Well inside the 600 s the run itself would take: only the parent's death can end it.
        deadline = time.monotonic() + 300
        while any(running(pid) for pid in runs):
            assert time.monotonic() < deadline, f"flow-run processes {runs} outlived `archive schedule`"
            time.sleep(0.2)
    finally:
        if serving.poll() is None:
            serving.kill()
            serving.wait()
        for pid in runs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        stop_server(home)
