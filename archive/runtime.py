"""Process-level settings for running flows: where Prefect keeps its state, how loud it is.

Called by the CLI before Prefect is first imported (Prefect reads these at import time). It
never overrides what the user has set in the environment.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

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
    # Our own server runs from this same installation, so its API version is ours: skip the
    # client's version handshake (a request per client context, several per run).
    os.environ.setdefault("PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED", "false")
    return url


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block of imports, then restore it.

    Importing Prefect and the flows creates several hundred thousand objects that all live until
    the process ends; the collector, triggered every 700 allocations, walks the growing heap
    again and again and finds nothing (about 0.1 s of a one-article command's 1 s of imports).
    Reference counting still frees everything that is not a cycle."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_flows(name: str) -> ModuleType:
    """Import a ``flows`` module (and with it Prefect) with the collector paused. Call it after
    :func:`prefect_api`: Prefect reads its settings from the environment once, at import."""
    with collector_paused():
        return importlib.import_module(name)
