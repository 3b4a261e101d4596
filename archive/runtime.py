"""Process-level settings for running flows: where Prefect keeps its state, how loud it is.

Called by the CLI before Prefect is first imported (Prefect reads these at import time). It
never overrides what the user has set in the environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from archive.orchestrator import check_api, ensure_server


def prepare_prefect(state_dir: Path | None = None, *, verbose: bool = False) -> Path:
    """Default PREFECT_HOME to a visible project folder (not ~/.prefect); return it."""
    home = Path(os.environ.get("PREFECT_HOME") or state_dir or Path.cwd() / ".prefect")
    os.environ.setdefault("PREFECT_HOME", str(home))
    # An archiving tool phones nowhere by default (and offline, telemetry only logs errors).
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        # The embedded server logs its own shutdown races as errors; they are not ours to show.
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_SERVER_LEVEL", "CRITICAL")
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    return home


def _announce(line: str) -> None:
    print(f"archive: {line}", file=sys.stderr, flush=True)


def prefect_api(state_dir: Path | None = None, *, verbose: bool = False) -> str:
    """The API URL flows run against, set in PREFECT_API_URL for Prefect and child processes.

    A server named by PREFECT_API_URL is used as it is (and must answer). Otherwise the project's
    own server for this PREFECT_HOME is found, or started once (one line on stderr) and left
    running for the next command; see archive/orchestrator. Never Prefect's ephemeral server,
    which would cost every command its start-up and lose its runs."""
    home = prepare_prefect(state_dir, verbose=verbose)
    given = os.environ.get("PREFECT_API_URL")
    if given:
        check_api(given)
        return given
    url = ensure_server(home, announce=_announce).url
    os.environ["PREFECT_API_URL"] = url
    return url
