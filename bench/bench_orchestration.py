"""Orchestration benchmark: what running flows costs a command, side by side in one run.

- `ephemeral`: the capture flow in a fresh process with no PREFECT_API_URL (Prefect's embedded
  mode: a temporary API server per process, what `archive capture` did before).
- `first`: `archive capture` in a fresh PREFECT_HOME (it starts the project's server).
- `warm`: `archive capture` with that server running (target: <= 1.5 s command to bag path).
- `overhead`: per-task orchestration cost with the server running (a flow of N no-op tasks
  minus a flow of none, divided by N; target: <= 5 ms per task).
- `busy`: 20 back-to-back captures in a fresh PREFECT_HOME with the CPU saturated (two
  busy loops per core): start-up failures (target: 0) and times.
- `schedule`: `archive schedule` of a 5 s interval source: seconds from the command to each
  run's report, cold (no server yet) and warm (target: first within 15 s, then every 5 s).
- `server start`: `archive server start` in a fresh PREFECT_HOME, seconds to healthy, from the
  installation's migrated template database and (for comparison) migrating a new database
  itself, as every first start did before (a connection URL naming the same SQLite file turns
  the template off).

All against the demo site on 127.0.0.1. Prints one table; asserts nothing.

    .venv/bin/python bench/bench_orchestration.py [--runs 5] [--busy-runs 20] [--tasks 200]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.orchestrator.template import ensure_template, template_path  # noqa: E402
from archive_app.demo.server import DemoServer  # noqa: E402
from tests.helpers.busy import saturated_cpu  # noqa: E402

ARCHIVE = str(Path(sys.executable).with_name("archive"))

EPHEMERAL = """
import asyncio, sys
from flows.capture import capture_articles
r = asyncio.run(capture_articles(urls=[sys.argv[1]], out_dir=sys.argv[2], settings={"per_host_delay": 0.0}))
print(r.bag.path if r.bag is not None else "no bag")
"""

OVERHEAD = """
import asyncio, sys, time
from prefect import flow, task

@task
async def noop(i: int) -> int:
    return i

@flow
async def many(n: int) -> int:
    return len(await asyncio.gather(*(noop(i) for i in range(n))))

async def main(n: int) -> None:
    await many(1)  # warm up the client and the flow's registration
    t = time.perf_counter(); await many(0); empty = time.perf_counter() - t
    t = time.perf_counter(); await many(n); full = time.perf_counter() - t
    print(empty, full)

asyncio.run(main(int(sys.argv[1])))
"""


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", **extra)
    return env


def timed(argv: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - started, done


def capture(url: str, out: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    return timed([ARCHIVE, "capture", url, "--out", str(out), "--quiet", "--delay", "0"], env)


def schedule_times(url: str, work: Path, env: dict[str, str], runs: int) -> list[float]:
    """Seconds from starting `archive schedule` to each of the first ``runs`` reports."""
    out = work / "scheduled"
    config = work / "schedule.yaml"
    config.write_text(f"output: {out}\nsources:\n  - name: every-five\n    urls: ['{url}']\n"
                      "    schedule: {interval: 5}\n")
    started = time.perf_counter()
    with (work / "schedule.log").open("wb") as log:
        proc = subprocess.Popen([ARCHIVE, "schedule", "--config", str(config)], env=env, cwd=work,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    seen: dict[Path, float] = {}
    try:
        while len(seen) < runs and time.perf_counter() - started < 300 and proc.poll() is None:
            for path in out.glob("capture-*.report.json") if out.is_dir() else []:
                seen.setdefault(path, time.perf_counter() - started)
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(60)
    shutil.rmtree(out, ignore_errors=True)
    return sorted(seen.values())


def server_start(home: Path, **extra: str) -> str:
    """Seconds `archive server start` takes in a fresh home (then stopped again)."""
    env = env_for(home, **extra)
    took, done = timed([ARCHIVE, "server", "start"], env)
    subprocess.run([ARCHIVE, "server", "stop"], env=env, capture_output=True)
    return f"{took:.2f} s" if done.returncode == 0 else f"FAILED {done.stderr[-200:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy-runs", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-orch-"))
    rows: list[tuple[str, str]] = []
    try:
        with DemoServer() as site:
            url = site.article_urls()[0]

            seconds = []
            for i in range(max(1, args.runs // 2)):
                took, done = timed([sys.executable, "-c", EPHEMERAL, url, str(work / f"eph{i}")],
                                   env_for(work / f"eph-home{i}"))
                seconds.append(took if done.returncode == 0 else float("nan"))
            rows.append(("ephemeral server, one article (fresh process)", fmt(seconds)))

            had_template, started = template_path().is_file(), time.perf_counter()
            made = ensure_template(600)
            if not had_template:
                rows.append(("template database made (once per installation)",
                             f"{time.perf_counter() - started:.2f} s" if made else "FAILED"))
            own = work / "own-db-home"
            own.mkdir()
            rows.append(("server start, fresh PREFECT_HOME: from the template database",
                         server_start(work / "template-home")))
            rows.append(("server start, fresh PREFECT_HOME: migrating a new database itself",
                         server_start(own, PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{own}/prefect.db")))

            home = work / "home"
            took, done = capture(url, work / "first", env_for(home))
            rows.append(("first command, fresh PREFECT_HOME (starts the server)",
                         f"{took:.2f} s" + ("" if done.returncode == 0 else f" FAILED {done.stderr[-200:]}")))
            seconds = [capture(url, work / f"warm{i}", env_for(home))[0] for i in range(args.runs)]
            rows.append(("server running, one article: command to bag path", fmt(seconds)))

            state = json.loads((home / "archive-server.json").read_text())
            done = subprocess.run([sys.executable, "-c", OVERHEAD, str(args.tasks)], capture_output=True, text=True,
                                  env=env_for(home, PREFECT_API_URL=state["url"], PREFECT_LOGGING_LEVEL="WARNING"),
                                  cwd=REPO)
            if done.returncode == 0:
                empty, full = map(float, done.stdout.split())
                rows.append((f"orchestration per task, server running ({args.tasks} tasks)",
                             f"{(full - empty) / args.tasks * 1000:.2f} ms (flow of 0 tasks {empty:.2f} s, "
                             f"of {args.tasks} {full:.2f} s)"))
            else:
                rows.append(("orchestration per task", f"FAILED {done.stderr[-300:]}"))

            warm = schedule_times(url, work, env_for(home), 4)
            rows.append(("schedule every 5 s, server running: reports at", ", ".join(f"{t:.1f}" for t in warm) + " s"))
            subprocess.run([ARCHIVE, "server", "stop"], env=env_for(home), capture_output=True)

            cold_home = work / "cold-home"
            cold = schedule_times(url, work, env_for(cold_home), 3)
            rows.append(("schedule every 5 s, no server yet: reports at", ", ".join(f"{t:.1f}" for t in cold) + " s"))
            subprocess.run([ARCHIVE, "server", "stop"], env=env_for(cold_home), capture_output=True)

            busy_home = work / "busy-home"
            failures, seconds = 0, []
            if args.busy_runs < 1:
                raise SystemExit(report(rows))
            with saturated_cpu(per_core=2, bound=1800):
                for i in range(args.busy_runs):
                    took, done = capture(url, work / f"busy{i}", env_for(busy_home))
                    seconds.append(took)
                    failures += done.returncode != 0
            subprocess.run([ARCHIVE, "server", "stop"], env=env_for(busy_home), capture_output=True)
            rows.append((f"{args.busy_runs} back-to-back captures, CPU saturated (2 loops/core)",
                         f"{failures} failed; first {seconds[0]:.1f} s (starts the server), then {fmt(seconds[1:])}"))
    finally:
        for home in work.glob("*home*"):
            subprocess.run([ARCHIVE, "server", "stop"], env=env_for(home), capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    return report(rows)


def report(rows: list[tuple[str, str]]) -> int:
    load = os.getloadavg()[0]
    print(f"\norchestration benchmark ({os.cpu_count()} cores, load average {load:.1f} at the end)")
    for name, value in rows:
        print(f"  {name:<66} {value}")
    return 0


def fmt(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    return f"median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}, n={len(seconds)})"


if __name__ == "__main__":
    sys.exit(main())
