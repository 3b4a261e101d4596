"""The long-lived Prefect server the CLI runs its flows against (started once, reused after)."""

from archive.orchestrator.server import (
    api_healthy,
    check_api,
    ensure_server,
    running_server,
    start_timeout,
    stop_server,
)
from archive.orchestrator.state import ServerState

__all__ = ["ServerState", "api_healthy", "check_api", "ensure_server", "running_server", "start_timeout",
           "stop_server"]
