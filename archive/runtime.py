"""Process-level settings for running flows: where Prefect keeps its state, how loud it is.

Called by the CLI before Prefect is first imported (Prefect reads these at import time). It
never overrides what the user has set in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path


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
