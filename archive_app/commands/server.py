"""`archive server start|stop|status`: the Prefect server this project's commands run flows on.

Commands that run flows start it by themselves when it is not running; `start` does it ahead of
time (so the first capture is fast too), `stop` ends it cleanly, `status` says where it is.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from archive.orchestrator import api_healthy, ensure_server, running_server, stop_server
from archive.orchestrator.state import read_state
from archive.runtime import prepare_prefect

NAME = "server"
HELP = "start, stop or show the local Prefect server that runs the flows (started on first use)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status"),
                        help="start: start it now (prints its API URL); stop: stop it; status: is it up, where")


def _describe(pid: int, url: str, database: str, log: str, started_at: float) -> str:
    up = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started_at))
    return f"  API: {url}\n  pid: {pid}, started {up}\n  database: {database}\n  log: {log}"


def run(args: argparse.Namespace) -> int:
    home = prepare_prefect(verbose=args.verbose)
    given = os.environ.get("PREFECT_API_URL")
    if given:
        # The user manages that server; say so rather than start or stop another one.
        up = api_healthy(given)
        print(f"PREFECT_API_URL={given} is set: commands use that server ({'answering' if up else 'NOT answering'}); "
              "archive does not start or stop it", file=sys.stderr)
        return 0 if up else 1
    if args.action == "start":
        state = running_server(home)
        if state is None:
            state = ensure_server(home, announce=lambda line: print(f"archive: {line}", file=sys.stderr))
        else:
            print(f"already running (PREFECT_HOME {home})", file=sys.stderr)
        print(state.url)
        return 0
    if args.action == "stop":
        stopped = stop_server(home)
        print(f"stopped the server at {stopped.url} (pid {stopped.pid})" if stopped
              else f"no server recorded for PREFECT_HOME {home}", file=sys.stderr)
        return 0
    state = running_server(home)
    if state is None:
        recorded = read_state(home)
        note = f" (recorded pid {recorded.pid} does not answer at {recorded.url})" if recorded else ""
        print(f"not running for PREFECT_HOME {home}{note}; commands that run flows start it", file=sys.stderr)
        return 1
    print(f"running for PREFECT_HOME {home}\n{_describe(state.pid, state.url, state.database, state.log, state.started_at)}")
    return 0
